"""CloudWatch error codes: JSON shape name, query code and HTTP status (AWS_FACTS §4).

CloudWatch is query-compatible JSON: a JSON client reads the shape name, the
query protocol and `x-amzn-query-error` the legacy code, so each constant
carries both.
"""

from backend.errors import ErrorCode

InvalidParameterValue = ErrorCode("InvalidParameterValueException", 400, "InvalidParameterValue")
MissingParameter = ErrorCode("MissingRequiredParameterException", 400, "MissingParameter")
InvalidParameterCombination = ErrorCode(
    "InvalidParameterCombinationException", 400, "InvalidParameterCombination"
)
LimitExceeded = ErrorCode("LimitExceededFault", 400, "LimitExceeded")
InvalidNextToken = ErrorCode("InvalidNextToken", 400)
InvalidFormat = ErrorCode("InvalidFormatFault", 400, "InvalidFormat")
ResourceNotFound = ErrorCode("ResourceNotFound", 404)
#: A DashboardBody that is not JSON, or fails the body's schema.
DashboardInvalidInputError = ErrorCode("DashboardInvalidInputError", 400, "InvalidParameterInput")
DashboardNotFoundError = ErrorCode("DashboardNotFoundError", 404, "ResourceNotFound")
#: The anomaly detector API's own two (the model names them so, with no legacy code).
LimitExceededException = ErrorCode("LimitExceededException", 400)
ResourceNotFoundException = ErrorCode("ResourceNotFoundException", 404)
#: A request that breaks the model's constraints (lengths, enums), as Coral reports them.
ValidationError = ErrorCode("ValidationError", 400)
