"""CloudTrail error codes (AWS_FACTS §6); a JSON endpoint answers them with 400."""

from backend.errors import ErrorCode

InvalidLookupAttributesException = ErrorCode("InvalidLookupAttributesException")
InvalidTimeRangeException = ErrorCode("InvalidTimeRangeException")
InvalidMaxResultsException = ErrorCode("InvalidMaxResultsException")
InvalidNextTokenException = ErrorCode("InvalidNextTokenException")
InvalidEventCategoryException = ErrorCode("InvalidEventCategoryException")
TrailNotFoundException = ErrorCode("TrailNotFoundException")
TrailAlreadyExistsException = ErrorCode("TrailAlreadyExistsException")
InvalidTrailNameException = ErrorCode("InvalidTrailNameException")
S3BucketDoesNotExistException = ErrorCode("S3BucketDoesNotExistException")
MaximumNumberOfTrailsExceededException = ErrorCode("MaximumNumberOfTrailsExceededException")
InvalidParameterCombinationException = ErrorCode("InvalidParameterCombinationException")
InvalidEventSelectorsException = ErrorCode("InvalidEventSelectorsException")
InvalidTagParameterException = ErrorCode("InvalidTagParameterException")
ResourceNotFoundException = ErrorCode("ResourceNotFoundException")
