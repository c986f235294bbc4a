"""Byte ranges: GetObject's `Range` and UploadPartCopy's `x-amz-copy-source-range`.

S3 serves one range per request (`bytes=a-b`, `bytes=a-`, `bytes=-n`), the
end clipped to the object. A range starting at or past the end is 416
InvalidRange; syntax S3 does not serve (several ranges, `b < a`, another
unit) is ignored and the whole object comes back with 200, as RFC 7233 has
it (AWS_FACTS §16.4). Digits are ASCII only, and at most 19 of them (an int64).
"""

from __future__ import annotations

import re

from backend.services.s3.errors import InvalidArgument, InvalidRange

_RANGE = re.compile(r"bytes=([0-9]{0,19})-([0-9]{0,19})")


def byte_range(spec: object, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a GetObject `Range`, or None for the whole object."""
    if not isinstance(spec, str):
        return None
    found = _RANGE.fullmatch(spec.strip())
    if found is None or found[1] == found[2] == "":
        return None
    if found[1] == "":
        suffix = int(found[2])
        if suffix == 0 or size == 0:
            raise InvalidRange(RangeRequested=spec, ActualObjectSize=str(size))
        return max(0, size - suffix), size - 1
    first = int(found[1])
    last = int(found[2]) if found[2] else max(first, size - 1)
    if last < first:
        return None
    if first >= size:
        raise InvalidRange(RangeRequested=spec, ActualObjectSize=str(size))
    return first, min(last, size - 1)


def copy_range(spec: object, size: int) -> tuple[int, int] | None:
    """(first, last) of an `x-amz-copy-source-range`: strict, both ends, within the source."""
    if spec is None or spec == "":
        return None
    found = _RANGE.fullmatch(spec) if isinstance(spec, str) else None
    if found is None or not found[1] or not found[2] or int(found[2]) < int(found[1]):
        raise InvalidArgument(
            "The x-amz-copy-source-range value must be of the form bytes=first-last where "
            "first and last are the zero-based offsets of the first and last bytes to copy",
            ArgumentName="x-amz-copy-source-range",
            ArgumentValue=str(spec)[:256],
        )
    first, last = int(found[1]), int(found[2])
    if last >= size:
        raise InvalidArgument(
            f"Range specified is not valid for source object of size: {size}",
            ArgumentName="x-amz-copy-source-range",
            ArgumentValue=str(spec),
        )
    return first, last
