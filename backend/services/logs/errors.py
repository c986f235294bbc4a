"""CloudWatch Logs error codes and the sentences AWS writes with them (AWS_FACTS §5).

Logs speaks JSON 1.1: a code is the `__type` of the error body. A request
that breaks its model's constraints is InvalidParameterException with the
Coral "1 validation error detected: ..." text (`backend/kit/validation.py`),
not the ValidationException other Coral services answer.

The not-found and already-exists sentences are AWS's. The refusals of
PutLogEvents batches (chronological order, the 24-hour span, the size) are
quoted from AWS's answers; the wording of the rest follows them
(docs/deviations.md).
"""

from __future__ import annotations

from backend.errors import AwsError, ErrorCode

InvalidParameterException = ErrorCode("InvalidParameterException", 400)
ResourceNotFoundException = ErrorCode("ResourceNotFoundException", 400)
ResourceAlreadyExistsException = ErrorCode("ResourceAlreadyExistsException", 400)
LimitExceededException = ErrorCode("LimitExceededException", 400)
InvalidOperationException = ErrorCode("InvalidOperationException", 400)
ValidationException = ErrorCode("ValidationException", 400)
#: A Logs Insights query that does not parse; it carries `queryCompileError`.
MalformedQueryException = ErrorCode("MalformedQueryException", 400)


def group_not_found() -> AwsError:
    return ResourceNotFoundException("The specified log group does not exist.")


def stream_not_found() -> AwsError:
    return ResourceNotFoundException("The specified log stream does not exist.")
