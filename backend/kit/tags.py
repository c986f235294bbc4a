"""Resource tags: AWS's key and value rules, as pure functions over plain dicts.

SQS documents its queue tags (Amazon SQS developer guide, "Amazon SQS
standard queue quotas", Queue tag): a key of 1 to 128 Unicode characters, a
value of up to 256, both made of Unicode letters, digits, white space and
`_ . : / = + - @`, neither starting with the reserved `aws:`; case matters,
and a queue holds at most 50 tags. Most AWS services share these rules, so
nothing here knows about queues: the caller names its resource in the
too-many message, and every function returns a new dict rather than changing
the caller's, so a request that fails leaves the resource's tags as they were.

Where AWS's wording is known it is used ("Too many tags added for queue q.",
"Tag keys must be between 1 and 128 characters in length."); the other
messages follow the same pattern (docs/deviations.md).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from backend.errors import ErrorCode, InvalidParameterValue

MAX_TAGS = 50
MAX_KEY_LENGTH = 128
MAX_VALUE_LENGTH = 256
RESERVED_PREFIX = "aws:"
#: The punctuation a tag key or value may hold besides letters, digits and separators.
PUNCTUATION = frozenset("_.:/=+-@")


def allowed(text: str, punctuation: frozenset[str] = PUNCTUATION) -> bool:
    """AWS's `^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$`: letters, separators, numbers, punctuation.

    Java's `\\p` classes, by hand: Python's `re` has none. A service whose
    model allows more (Firehose's TagKey takes `%`) passes its `punctuation`.
    """
    return all(
        c.isalnum() or c in punctuation or unicodedata.category(c).startswith("Z") for c in text
    )


def check_key(key: object, error: ErrorCode = InvalidParameterValue) -> str:
    """`key` as a valid tag key, or AWS's InvalidParameterValue (`error`: the service's
    own shape of that code, as CloudWatch's InvalidParameterValueException)."""
    if not isinstance(key, str) or not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise error(f"Tag keys must be between 1 and {MAX_KEY_LENGTH} characters in length.")
    if not allowed(key):
        raise error(
            f"Tag key {key} is invalid. Reason: Tag keys can only contain Unicode letters, "
            "digits, white space, and these characters: _ . : / = + - @"
        )
    if key.lower().startswith(RESERVED_PREFIX):
        raise error(
            f"Tag key {key} is invalid. Reason: The prefix {RESERVED_PREFIX} is reserved for AWS."
        )
    return key


def check_value(key: str, value: object, error: ErrorCode = InvalidParameterValue) -> str:
    """`value` as a valid value for tag `key`, or AWS's InvalidParameterValue."""
    if not isinstance(value, str) or len(value) > MAX_VALUE_LENGTH:
        raise error(f"Tag values must be between 0 and {MAX_VALUE_LENGTH} characters in length.")
    if not allowed(value):
        raise error(
            f"Tag value for key {key} is invalid. Reason: Tag values can only contain Unicode "
            "letters, digits, white space, and these characters: _ . : / = + - @"
        )
    if value.lower().startswith(RESERVED_PREFIX):
        raise error(
            f"Tag value for key {key} is invalid. Reason: The prefix {RESERVED_PREFIX} is "
            "reserved for AWS."
        )
    return value


def merged(
    current: Mapping[str, str],
    new: Mapping[Any, object],
    *,
    resource: str,
    error: ErrorCode = InvalidParameterValue,
) -> dict[str, str]:
    """`current` with `new` checked and applied (a key given again is overwritten).

    `resource` names the tagged thing as AWS's message does ("queue orders").
    The limit counts the tags the resource would have afterwards, so retagging
    an existing key never fails a full resource.
    """
    out = dict(current)
    for key, value in new.items():
        out[check_key(key, error)] = check_value(str(key), value, error)
    if len(out) > MAX_TAGS:
        raise error(f"Too many tags added for {resource}.")
    return out


def without(
    current: Mapping[str, str],
    keys: Sequence[object],
    error: ErrorCode = InvalidParameterValue,
) -> dict[str, str]:
    """`current` minus `keys`; a key the resource lacks is no error, as in AWS.

    An empty list fails as an empty key would: AWS answers UntagQueue with
    `TagKeys=[]` "Tag keys must be between 1 and 128 characters in length."
    """
    if not keys:
        check_key("", error)
    doomed = {check_key(key, error) for key in keys}
    return {key: value for key, value in current.items() if key not in doomed}
