"""Pagination tokens: opaque to the client, bound to the listing they continue.

A token holds the scope it was issued for (a fingerprint of the request's
filters, or a resource ARN) and the position after which the next page
starts. A token presented with other filters, or altered, is the service's
invalid-token error rather than a page of something else.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from backend.errors import ErrorCode
from backend.untrusted import json_document


def encode_token(scope: str, position: str | int) -> str:
    """An opaque NextToken for the page after `position` in listing `scope`."""
    return base64.urlsafe_b64encode(json.dumps([scope, position]).encode()).decode()


def decode_token(
    token: str,
    scope: str,
    error: ErrorCode,
    message: str = "Invalid NextToken value.",
    *,
    elsewhere: str | None = None,
) -> Any:
    """The position `token` holds for listing `scope`, or `error(message)`.

    `elsewhere` is the message for a well-formed token issued for another
    listing, where the service words that apart (CloudTrail does).
    """
    try:
        found_scope, position = json_document(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, TypeError):
        raise error(message) from None
    if not isinstance(position, str | int) or isinstance(position, bool):
        raise error(message)
    if found_scope != scope:
        raise error(elsewhere or message)
    return position


def fingerprint(params: Mapping[str, Any], *context: str, ignore: tuple[str, ...]) -> str:
    """What a token is bound to: every parameter but `ignore` (the page size, the token
    itself), and the `context` the listing depends on (the region)."""
    kept = {k: v for k, v in params.items() if k not in ignore}
    text = json.dumps([*context, kept], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
