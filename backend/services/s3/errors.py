"""S3 error codes, their HTTP statuses and AWS's fixed messages (AWS_FACTS §16.7).

S3's errors differ from the JSON services' in two ways the wire must honour,
so they live in a subclass of `AwsError`:

- `extra`: elements S3 adds to its `<Error>` document after `<Message>`, in
  order (`<Key>`, `<BucketName>`, `<UploadId>`, `<ArgumentName>`, ...). A
  client reads them (botocore exposes them in `response["Error"]`), and
  tools like the aws CLI print the bucket name from `<BucketName>`.
- `members`: output members of the operation to send as headers with the
  error. Only `NotModified` (304) uses it: a 304 carries the object's `ETag`
  and `Last-Modified` and no body, as HTTP caches expect.

Most S3 codes always say the same sentence, so each code carries AWS's text
as its default and a call site only names the extra elements.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from backend.errors import AwsError, ErrorCode


class S3Error(AwsError):
    """An S3 error: an `AwsError` with S3's extra `<Error>` elements."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int,
        extra: Mapping[str, str] | None = None,
        members: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(code, message, status=status, sender_fault=status < 500)
        #: `<Error>` elements after `<Message>`, in order.
        self.extra: dict[str, str] = dict(extra or {})
        #: Output members sent as headers with the error (304: ETag, LastModified).
        self.members: dict[str, Any] = dict(members or {})


@dataclass(frozen=True, slots=True)
class S3ErrorCode(ErrorCode):
    """An S3 code with its status and the message AWS gives when it has only one."""

    message: str = ""

    def __call__(self, message: str | None = None, /, **extra: str) -> S3Error:
        return S3Error(
            self.code, self.message if message is None else message, status=self.status, extra=extra
        )

    def with_members(self, members: Mapping[str, Any]) -> S3Error:
        """The error carrying output members to send as headers (a 304's ETag)."""
        return S3Error(self.code, self.message, status=self.status, members=members)


def _code(code: str, status: int, message: str = "") -> S3ErrorCode:
    return S3ErrorCode(code, status, sender_fault=status < 500, message=message)


BadDigest = _code("BadDigest", 400, "The Content-MD5 you specified did not match what we received.")
BadRequest = _code("BadRequest", 400)
BucketAlreadyExists = _code(
    "BucketAlreadyExists",
    409,
    "The requested bucket name is not available. The bucket namespace is shared by all users "
    "of the system. Please select a different name and try again.",
)
BucketAlreadyOwnedByYou = _code(
    "BucketAlreadyOwnedByYou",
    409,
    "Your previous request to create the named bucket succeeded and you already own it.",
)
BucketNotEmpty = _code("BucketNotEmpty", 409, "The bucket you tried to delete is not empty")
EntityTooLarge = _code(
    "EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed size"
)
EntityTooSmall = _code(
    "EntityTooSmall", 400, "Your proposed upload is smaller than the minimum allowed size"
)
IllegalLocationConstraintException = _code("IllegalLocationConstraintException", 400)
InvalidArgument = _code("InvalidArgument", 400)
InvalidBucketName = _code("InvalidBucketName", 400, "The specified bucket is not valid.")
InvalidDigest = _code("InvalidDigest", 400, "The Content-MD5 you specified is not valid.")
InvalidLocationConstraint = _code(
    "InvalidLocationConstraint", 400, "The specified location-constraint is not valid"
)
InvalidPart = _code(
    "InvalidPart",
    400,
    "One or more of the specified parts could not be found.  The part may not have been "
    "uploaded, or the specified entity tag may not match the part's entity tag.",
)
InvalidPartOrder = _code(
    "InvalidPartOrder",
    400,
    "The list of parts was not in ascending order. Parts must be ordered by part number.",
)
InvalidPartNumber = _code("InvalidPartNumber", 416, "The requested partnumber is not satisfiable")
InvalidRange = _code("InvalidRange", 416, "The requested range is not satisfiable")
InvalidRequest = _code("InvalidRequest", 400)
InvalidStorageClass = _code(
    "InvalidStorageClass", 400, "The storage class you specified is not valid"
)
InvalidTag = _code("InvalidTag", 400)
KeyTooLongError = _code("KeyTooLongError", 400, "Your key is too long")
MalformedXML = _code(
    "MalformedXML",
    400,
    "The XML you provided was not well-formed or did not validate against our published schema",
)
MetadataTooLarge = _code(
    "MetadataTooLarge", 400, "Your metadata headers exceed the maximum allowed metadata size"
)
NoSuchBucket = _code("NoSuchBucket", 404, "The specified bucket does not exist")
NoSuchKey = _code("NoSuchKey", 404, "The specified key does not exist.")
NoSuchTagSet = _code("NoSuchTagSet", 404, "The TagSet does not exist")
NoSuchUpload = _code(
    "NoSuchUpload",
    404,
    "The specified upload does not exist. The upload ID may be invalid, or the upload may "
    "have been aborted or completed.",
)
#: S3's `NotImplemented` (named apart from the Python builtin).
Unimplemented = _code(
    "NotImplemented", 501, "A header you provided implies functionality that is not implemented"
)
NotModified = _code("NotModified", 304, "Not Modified")
PreconditionFailed = _code(
    "PreconditionFailed", 412, "At least one of the pre-conditions you specified did not hold"
)
