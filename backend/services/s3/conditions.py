"""Conditional requests: If-Match, If-None-Match, If-(Un)Modified-Since (AWS_FACTS §16.4).

S3 follows RFC 7232's order: the strong checks (If-Match, else
If-Unmodified-Since) fail with 412 PreconditionFailed; then the cache checks
(If-None-Match, else If-Modified-Since) answer a read with 304 Not Modified.
So If-Match true with If-Unmodified-Since false is a 200, and If-None-Match
false with If-Modified-Since true is a 304. Dates are compared to the
second, as HTTP dates are written. CopyObject's `x-amz-copy-source-if-*`
test the source the same way but answer 412 for all four.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from backend.services.s3.errors import NotModified, PreconditionFailed, S3Error
from backend.services.s3.index import StoredObject


def parse_time(value: object) -> float | None:
    """Epoch seconds from what a caller sent (a number, a datetime, an HTTP or ISO date)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, datetime):
        return value.timestamp()
    if not isinstance(value, str):
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def etag_matches(condition: str, etag: str) -> bool:
    """Whether an If-Match / If-None-Match value names `etag` (or is `*`)."""
    bare = etag.strip('"')
    for candidate in condition.split(","):
        candidate = candidate.strip().removeprefix("W/").strip('"')
        if candidate == "*" or candidate == bare:
            return True
    return False


def _modified_since(item: StoredObject, value: object) -> bool | None:
    when = parse_time(value)
    if when is None:
        return None
    return math.floor(item.last_modified) > math.floor(when)


def check_read(item: StoredObject, params: Mapping[str, Any]) -> None:
    """Raise what a GET or HEAD of `item` with these conditions answers instead of 200."""
    check_strong(item, params.get("IfMatch"), params.get("IfUnmodifiedSince"))
    none_match = params.get("IfNoneMatch")
    if isinstance(none_match, str) and none_match:
        if etag_matches(none_match, item.etag):
            raise _not_modified(item)
    elif _modified_since(item, params.get("IfModifiedSince")) is False:
        raise _not_modified(item)


def check_strong(item: StoredObject, if_match: object, if_unmodified_since: object) -> None:
    """412 unless `item` has the ETag asked for, or was not modified after the date."""
    if isinstance(if_match, str) and if_match:
        if not etag_matches(if_match, item.etag):
            raise PreconditionFailed(Condition="If-Match")
    elif _modified_since(item, if_unmodified_since):
        raise PreconditionFailed(Condition="If-Unmodified-Since")


def check_copy_source(item: StoredObject, params: Mapping[str, Any]) -> None:
    """CopyObject's conditions on its source: every failure is 412."""
    check_strong(item, params.get("CopySourceIfMatch"), params.get("CopySourceIfUnmodifiedSince"))
    none_match = params.get("CopySourceIfNoneMatch")
    if isinstance(none_match, str) and none_match:
        if etag_matches(none_match, item.etag):
            raise PreconditionFailed(Condition="x-amz-copy-source-If-None-Match")
    elif _modified_since(item, params.get("CopySourceIfModifiedSince")) is False:
        raise PreconditionFailed(Condition="x-amz-copy-source-If-Modified-Since")


def _not_modified(item: StoredObject) -> S3Error:
    return NotModified.with_members({"ETag": item.etag, "LastModified": item.last_modified})
