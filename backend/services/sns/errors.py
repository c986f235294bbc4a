"""SNS error codes and the sentences AWS writes with them (AWS_FACTS §17).

SNS speaks the query protocol: the wire writes each code as the `<Code>` of
an `<ErrorResponse>` and botocore maps it to its class (`NotFound` ->
NotFoundException, `InvalidParameter` -> InvalidParameterException,
`ParameterValueInvalid` -> InvalidParameterValueException). Most refusals
are InvalidParameter with a message that starts "Invalid parameter: <what>"
and, for a parameter holding several things, adds " Reason: <why>".

Wording seen in AWS's answers (AWS_FACTS §17, AWS-recorded snapshots) is
used where known. Where AWS's exact words are not known the message
follows the same pattern: an unknown topic or subscription attribute name,
a bad value of MaximumMessageSize, SignatureVersion, TracingConfig,
ContentBasedDeduplication or FifoThroughputScope, a non-SQS protocol on a
FIFO topic, a Lambda, Firehose or platform endpoint that is not an ARN,
Publish naming both a topic and a phone number, a reserved attribute-name
prefix, a tag key starting `aws:`, and the limit errors
(TopicLimitExceeded, SubscriptionLimitExceeded, FilterPolicyLimitExceeded).
"""

from __future__ import annotations

from backend.errors import AwsError, ErrorCode

NotFound = ErrorCode("NotFound", 404)
InvalidParameter = ErrorCode("InvalidParameter", 400)
ParameterValueInvalid = ErrorCode("ParameterValueInvalid", 400)
#: The Coral front end's constraint failures: not in SNS's model, so botocore
#: raises a plain ClientError for it.
ValidationError = ErrorCode("ValidationError", 400)
ResourceNotFound = ErrorCode("ResourceNotFound", 404)
TagLimitExceeded = ErrorCode("TagLimitExceeded", 400)
TopicLimitExceeded = ErrorCode("TopicLimitExceeded", 403)
SubscriptionLimitExceeded = ErrorCode("SubscriptionLimitExceeded", 403)
FilterPolicyLimitExceeded = ErrorCode("FilterPolicyLimitExceeded", 403)
EmptyBatchRequest = ErrorCode("EmptyBatchRequest", 400)
TooManyEntriesInBatchRequest = ErrorCode("TooManyEntriesInBatchRequest", 400)
BatchEntryIdsNotDistinct = ErrorCode("BatchEntryIdsNotDistinct", 400)
BatchRequestTooLong = ErrorCode("BatchRequestTooLong", 400)
InvalidBatchEntryId = ErrorCode("InvalidBatchEntryId", 400)

TOPIC_NOT_FOUND = "Topic does not exist"
SUBSCRIPTION_NOT_FOUND = "Subscription does not exist"


def invalid(what: str, reason: str | None = None) -> AwsError:
    """InvalidParameter as SNS words it: "Invalid parameter: <what>[ Reason: <reason>]"."""
    suffix = f" Reason: {reason}" if reason is not None else ""
    return InvalidParameter(f"Invalid parameter: {what}{suffix}")


def bad_arn(member: str, arn: str) -> AwsError:
    """An ARN parameter that does not have an ARN's six parts."""
    return invalid(member, f"An ARN must have at least 6 elements, not {len(arn.split(':'))}")


def topic_not_found() -> AwsError:
    return NotFound(TOPIC_NOT_FOUND)


def subscription_not_found() -> AwsError:
    return NotFound(SUBSCRIPTION_NOT_FOUND)
