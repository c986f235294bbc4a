"""CloudTrail error codes (AWS_FACTS §6); a JSON endpoint answers them with 400."""

from backend.errors import ErrorCode

InvalidLookupAttributesException = ErrorCode("InvalidLookupAttributesException")
InvalidTimeRangeException = ErrorCode("InvalidTimeRangeException")
InvalidMaxResultsException = ErrorCode("InvalidMaxResultsException")
InvalidNextTokenException = ErrorCode("InvalidNextTokenException")
InvalidEventCategoryException = ErrorCode("InvalidEventCategoryException")
