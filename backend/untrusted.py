"""JSON that a client wrote: read it without letting it raise what a handler can't answer.

Policies, redrive policies and pagination tokens arrive as text inside a
request. `json.loads` raises `ValueError` for what isn't JSON, which handlers
turn into AWS's error, but `RecursionError` for what nests too deep: a
hundred thousand `[` in a queue's Policy was an `InternalFailure` (500) until
the wire fuzz test found it. Every reader of client JSON comes through here,
so the one rule holds for all of them.
"""

from __future__ import annotations

import functools
import json
import json.scanner
from collections.abc import Callable
from typing import Any, TypedDict, cast

import msgspec

#: The C scanner `json.loads` reads with (its default decoder's), for `json_object` to call
#: directly. (typeshed types `make_scanner`'s argument as the scanner itself: a decoder is
#: what it takes.)
_SCAN = json.scanner.make_scanner(cast(Any, json.JSONDecoder()))
#: What JSON calls whitespace, as `json.loads` skips it either side of the value.
_JSON_SPACE = " \t\n\r"
#: msgspec's JSON reader, made once: its `decode` is the fast path of `json_object`.
_DECODE = msgspec.json.Decoder().decode
#: Readers `json_members` keeps, one per set of names.
_MEMBER_READERS = 256


def json_document(text: str | bytes) -> Any:
    """The JSON value `text` holds; `ValueError` for anything that isn't one, however deep."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def json_object(text: str) -> dict[str, Any] | None:
    """The JSON object `text` holds, or None if it holds anything else or isn't JSON.

    What `json_document` reads, for a reader that wants only objects and reads
    many (CloudWatch Logs' JSON filter patterns, on every event put), about
    three times as fast: text that does not open with `{` is refused unread,
    and msgspec reads the rest. It reads every value as `json` does (integers
    of any size exactly, floats correctly rounded) but refuses some text that
    `json` alone accepts (`NaN`, `1e400`, a lone surrogate, escaped or not,
    very deep nesting): that text goes to `json`'s C scanner, called directly
    to save `json.loads`'s Python layers, so what a pattern sees never depends
    on which of the two read it.
    """
    start = 0 if text.startswith("{") else len(text) - len(text.lstrip(_JSON_SPACE))
    if not text.startswith("{", start):
        return None
    try:
        document: dict[str, Any] = _DECODE(text)  # `{` opens an object
    except (msgspec.DecodeError, RecursionError, UnicodeEncodeError):
        pass
    else:
        return document
    try:
        found, end = _SCAN(text, start)
    except (StopIteration, ValueError, RecursionError):
        return None
    if end != len(text) and text[end:].lstrip(_JSON_SPACE):
        return None
    scanned: dict[str, Any] = found  # the decoder reads `{` as a dict
    return scanned


@functools.lru_cache(maxsize=_MEMBER_READERS)
def json_members(names: frozenset[str]) -> Callable[[str], dict[str, Any] | None]:
    """A `json_object` that keeps only the object's members of `names`: None where it gives None.

    A reader that tests a few members of every event (a filter pattern's
    `$.eventName`) need not build the rest: msgspec reads the text as a
    TypedDict of just those members, skipping the others while checking them
    as strictly as what it builds, about three times as fast as reading the
    whole object. What msgspec refuses goes to `json_object`, as there, so
    the members found are always the ones `json_object` would give.
    """

    def whole(text: str) -> dict[str, Any] | None:
        document = json_object(text)
        if document is None:
            return None
        return {name: document[name] for name in names if name in document}

    if not all(name.isascii() for name in names):
        # msgspec 0.23 matches a TypedDict's name outside ASCII to the member `""` instead
        # (it reads the name's UTF-8 before Python has made it: msgspec/msgspec#1126).
        return whole
    members = TypedDict("Members", dict.fromkeys(names, Any), total=False)  # type: ignore[misc]
    # A TypedDict decodes to a plain dict, of only the names it has.
    decode: Callable[[str], dict[str, Any]] = msgspec.json.Decoder(cast(Any, members)).decode

    def read(text: str) -> dict[str, Any] | None:
        if not text.startswith("{") and not text.lstrip(_JSON_SPACE).startswith("{"):
            return None
        try:
            return decode(text)
        except (msgspec.DecodeError, RecursionError, UnicodeEncodeError):
            return whole(text)

    return read
