"""Kinesis's tag rules and words, which are not SQS's (`backend.kit.tags`).

Kinesis refuses bad tags with InvalidArgumentException rather than
InvalidParameterValue, checks characters before anything else, rejects `%`
with a sentence of its own, and allows 50 tags per stream. Each check runs on
the whole request before any tag changes, so a refused request changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from backend.services.kinesis.errors import InvalidArgumentException

MAX_TAGS = 50
#: Letters of most scripts, digits, white space and `_ . / = + - @ % :`.
_ALLOWED = re.compile(r"[\u00C0-\u1FFF\u2C00-\uD7FF\w./=+\-@%: ]*")
_ALLOWED_WORDS = "Unicode letters, white-spaces, '_',',','/','=','+','-','@',':'."


def check(texts: Iterable[str], action: str, stream: str, account: str) -> None:
    """AWS's refusal if any tag key or value in `texts` has a character Kinesis refuses.

    `action` completes AWS's sentence: "add tags to" or "remove tags from".
    """
    texts = list(texts)
    if any(not _ALLOWED.fullmatch(text) for text in texts):
        raise InvalidArgumentException(
            "Some tags contain invalid characters. Valid characters: Unicode letters, digits, "
            "white space, _ . / = + - % @ :."
        )
    if any("%" in text for text in texts):
        raise InvalidArgumentException(
            f"Failed to {action} stream {stream} under account {account} because some tags "
            f"contained illegal characters. The allowed characters are {_ALLOWED_WORDS}"
        )


def added(
    current: Mapping[str, str], new: Mapping[str, str], stream: str, account: str
) -> dict[str, str]:
    """`current` with `new` applied, or AWS's refusal past 50 tags."""
    check([*new, *new.values()], "add tags to", stream, account)
    out = {**current, **new}
    if len(out) > MAX_TAGS:
        raise InvalidArgumentException(
            f"Failed to add tags to stream {stream} under account {account} because a given "
            f"stream cannot have more than {MAX_TAGS} tags associated with it."
        )
    return out


def removed(
    current: Mapping[str, str], keys: list[str], stream: str, account: str
) -> dict[str, str]:
    check(keys, "remove tags from", stream, account)
    doomed = set(keys)
    return {k: v for k, v in current.items() if k not in doomed}
