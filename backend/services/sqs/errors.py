"""SQS error codes: shape names, legacy (query) codes and HTTP statuses (AWS_FACTS §1)."""

from backend.errors import ErrorCode

_LEGACY = "AWS.SimpleQueueService."

QueueDoesNotExist = ErrorCode("QueueDoesNotExist", 400, _LEGACY + "NonExistentQueue")
QueueNameExists = ErrorCode("QueueNameExists", 400, "QueueAlreadyExists")
QueueDeletedRecently = ErrorCode("QueueDeletedRecently", 400, _LEGACY + "QueueDeletedRecently")
MessageNotInflight = ErrorCode("MessageNotInflight", 400, _LEGACY + "MessageNotInflight")
UnsupportedOperation = ErrorCode("UnsupportedOperation", 400, _LEGACY + "UnsupportedOperation")
TooManyEntriesInBatchRequest = ErrorCode(
    "TooManyEntriesInBatchRequest", 400, _LEGACY + "TooManyEntriesInBatchRequest"
)
EmptyBatchRequest = ErrorCode("EmptyBatchRequest", 400, _LEGACY + "EmptyBatchRequest")
BatchEntryIdsNotDistinct = ErrorCode(
    "BatchEntryIdsNotDistinct", 400, _LEGACY + "BatchEntryIdsNotDistinct"
)
BatchRequestTooLong = ErrorCode("BatchRequestTooLong", 400, _LEGACY + "BatchRequestTooLong")
InvalidBatchEntryId = ErrorCode("InvalidBatchEntryId", 400, _LEGACY + "InvalidBatchEntryId")
PurgeQueueInProgress = ErrorCode("PurgeQueueInProgress", 403, _LEGACY + "PurgeQueueInProgress")
ReceiptHandleIsInvalid = ErrorCode("ReceiptHandleIsInvalid", 404)
InvalidAddress = ErrorCode("InvalidAddress", 404)
OverLimit = ErrorCode("OverLimit", 403)
RequestThrottled = ErrorCode("RequestThrottled", 403)
InvalidAttributeName = ErrorCode("InvalidAttributeName", 400)
InvalidAttributeValue = ErrorCode("InvalidAttributeValue", 400)
InvalidIdFormat = ErrorCode("InvalidIdFormat", 400)
InvalidMessageContents = ErrorCode("InvalidMessageContents", 400)
ThrottlingException = ErrorCode("ThrottlingException", 400)
ResourceNotFoundException = ErrorCode("ResourceNotFoundException", 404)
