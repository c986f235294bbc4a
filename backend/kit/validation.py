"""Request checks as AWS's Coral front end reports them: every failure in one message.

A Coral service (Kinesis, Firehose) answers a request that breaks its model's
constraints with one ValidationException listing each failure:

    2 validation errors detected: Value 'a b' at 'deliveryStreamName' failed to
    satisfy constraint: Member must satisfy regular expression pattern:
    [a-zA-Z0-9_.-]+; Value 'java.nio.HeapByteBuffer[pos=0 lim=1024001
    cap=1024001]' at 'records.2.member.data' failed to satisfy constraint:
    Member must have length less than or equal to 1024000

so a `Checks` collects failures while a handler reads its parameters and
raises them together in `done()`. The messages spell a member as Java does
(`streamName`), an item of a list as `records.2.member`, and quote values as
Java prints them (a blob as its ByteBuffer, a map as `{k=v}`).

A value of the wrong type cannot be compared with anything: it fails at once
with the SerializationException the wire's JSON reader gives, since
in-process callers (the dashboard, actors) skip that reader.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from backend.errors import AwsError, ErrorCode, SerializationException, ValidationException
from backend.kit.tags import PUNCTUATION, allowed
from backend.numbers import whole_number
from backend.params import quoted

#: Items of a list a constraint failure quotes: 500 records would make a 100 KiB message.
_SHOWN_ITEMS = 5

_TYPE_NAMES = {
    "string": "a String",
    "integer": "an Integer",
    "boolean": "a Boolean",
    "blob": "a Blob",
    "timestamp": "a Timestamp",
    "list": "a list",
    "map": "a map",
    "structure": "a structure",
}
_ITEM_TYPES: dict[str, type] = {"string": str, "structure": dict}

#: The TagKey and TagValue patterns of models that allow `%` besides the usual punctuation.
TAG_KEY_PATTERN = "^(?!aws:)[\\p{L}\\p{Z}\\p{N}_.:\\/=+\\-@%]*$"
TAG_VALUE_PATTERN = "^[\\p{L}\\p{Z}\\p{N}_.:\\/=+\\-@%]*$"
_TAG_PUNCTUATION = PUNCTUATION | {"%"}


def member(name: str) -> str:
    """A member's name as AWS's messages spell it: `StreamName` -> `streamName`."""
    return name[:1].lower() + name[1:]


def wrong_type(path: str, value: object, kind: str) -> AwsError:
    return SerializationException(
        f"Value at '{path}' of JSON type {type(value).__name__} can not be converted to "
        f"{_TYPE_NAMES[kind]}."
    )


def shown(value: object) -> str:
    """A value as a constraint failure quotes it (a blob as Java's ByteBuffer prints)."""
    if value is None:
        return "null"
    if isinstance(value, bytes | bytearray):
        return f"'java.nio.HeapByteBuffer[pos=0 lim={len(value)} cap={len(value)}]'"
    if isinstance(value, list):
        more = ", ..." if len(value) > _SHOWN_ITEMS else ""
        return "'[" + ", ".join(quoted(v) for v in value[:_SHOWN_ITEMS]) + more + "]'"
    if isinstance(value, dict):
        return "'{" + ", ".join(f"{quoted(k)}={quoted(v)}" for k, v in value.items()) + "}'"
    return f"'{quoted(value)}'"


def failure(path: str, value: object, constraint: str) -> str:
    """One failure as the message lists it."""
    return f"Value {shown(value)} at '{path}' failed to satisfy constraint: {constraint}"


def refused(problems: Sequence[str], code: ErrorCode = ValidationException) -> AwsError:
    """The error for `problems`, counted as Coral counts them.

    `code` is for a limit a service checks beyond its model and words as a
    constraint failure under a code of its own (Kinesis's GetRecords Limit
    past 10,000 is an InvalidArgumentException).
    """
    count = len(problems)
    plural = "s" if count > 1 else ""
    return code(f"{count} validation error{plural} detected: " + "; ".join(problems))


class Checks:
    """The constraint failures of one request, raised together by `done()`."""

    def __init__(self, params: Mapping[str, Any], prefix: str = "") -> None:
        self.params = params
        self.prefix = prefix
        self.problems: list[str] = []

    def path(self, name: str) -> str:
        return f"{self.prefix}{member(name)}"

    def fail(self, name: str, value: object, constraint: str) -> None:
        self.problems.append(failure(self.path(name), value, constraint))

    def entry(self, name: str, index: int) -> str:
        """The name a failure of item `index` (0-based) of list `name` is reported at."""
        return f"{member(name)}.{index + 1}.member"

    def nested(self, name: str, value: Mapping[str, Any] | None = None) -> Checks:
        """Checks for the structure in member `name`, sharing this request's list."""
        child = Checks(value if value is not None else self.params.get(name) or {})
        child.prefix = f"{self.path(name)}."
        child.problems = self.problems
        return child

    def item(self, name: str, index: int, value: Mapping[str, Any]) -> Checks:
        """Checks for item `index` (0-based) of list `name`: AWS counts from 1."""
        child = Checks(value, f"{self.path(self.entry(name, index))}.")
        child.problems = self.problems
        return child

    def done(self) -> None:
        if self.problems:
            raise refused(self.problems)

    # -- readers ----------------------------------------------------------------

    def _present(self, name: str, required: bool) -> Any:
        value = self.params.get(name)
        if value is None and required:
            self.fail(name, None, "Member must not be null")
        return value

    def _length(
        self, name: str, value: object, size: int, low: int | None, high: int | None
    ) -> bool:
        if high is not None and size > high:
            self.fail(name, value, f"Member must have length less than or equal to {high}")
            return False
        if low is not None and size < low:
            self.fail(name, value, f"Member must have length greater than or equal to {low}")
            return False
        return True

    def string(
        self,
        name: str,
        *,
        required: bool = False,
        min_len: int | None = None,
        max_len: int | None = None,
        pattern: str | None = None,
        enum: tuple[str, ...] | None = None,
    ) -> str | None:
        value = self._present(name, required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise wrong_type(self.path(name), value, "string")
        ok = self._length(name, value, len(value), min_len, max_len)
        if enum is not None and value not in enum:
            self.fail(name, value, f"Member must satisfy enum value set: [{', '.join(enum)}]")
            ok = False
        if pattern is not None and not _compiled(pattern).fullmatch(value):
            self.fail(name, value, f"Member must satisfy regular expression pattern: {pattern}")
            ok = False
        return value if ok else None

    def integer(
        self, name: str, *, required: bool = False, low: int | None = None, high: int | None = None
    ) -> int | None:
        value = self._present(name, required)
        if value is None:
            return None
        number = whole_number(value) if isinstance(value, str) else value
        if isinstance(number, bool) or not isinstance(number, int):
            raise wrong_type(self.path(name), value, "integer")
        if low is not None and number < low:
            self.fail(name, value, f"Member must have value greater than or equal to {low}")
            return None
        if high is not None and number > high:
            self.fail(name, value, f"Member must have value less than or equal to {high}")
            return None
        return number

    def boolean(self, name: str) -> bool:
        """The flag, False when absent (no Boolean member is required)."""
        value = self.params.get(name)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise wrong_type(self.path(name), value, "boolean")
        return value

    def timestamp(self, name: str, *, required: bool = False) -> float | None:
        """Seconds since the epoch, from a datetime (boto3) or a number (the wire)."""
        value = self._present(name, required)
        if value is None:
            return None
        if isinstance(value, datetime):
            return value.timestamp()
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise wrong_type(self.path(name), value, "timestamp")
        return float(value)

    def blob(
        self, name: str, *, required: bool = False, max_len: int | None = None
    ) -> bytes | None:
        value = self._present(name, required)
        if value is None:
            return None
        if not isinstance(value, bytes):
            raise wrong_type(self.path(name), value, "blob")
        return value if self._length(name, value, len(value), None, max_len) else None

    def structure(self, name: str, *, required: bool = False) -> dict[str, Any] | None:
        value = self._present(name, required)
        if value is not None and not isinstance(value, dict):
            raise wrong_type(self.path(name), value, "structure")
        return value

    def _list(self, name: str, required: bool, kind: str | None) -> list[Any] | None:
        """List `name`, every item of `kind` if given: a wrong type fails before any length."""
        value = self._present(name, required)
        if value is None:
            return None
        if not isinstance(value, list):
            raise wrong_type(self.path(name), value, "list")
        if kind is not None:
            item_type = _ITEM_TYPES[kind]
            for i, entry in enumerate(value):
                if not isinstance(entry, item_type):
                    raise wrong_type(self.path(self.entry(name, i)), entry, kind)
        return value

    def items(
        self,
        name: str,
        *,
        required: bool = False,
        min_items: int = 0,
        max_items: int | None = None,
        of: str | None = None,
    ) -> list[Any] | None:
        """A list, its length checked; each item of type `of`, or checked by the caller."""
        value = self._list(name, required, of)
        if value is None:
            return None
        return value if self._length(name, value, len(value), min_items, max_items) else None

    def structures(
        self, name: str, *, required: bool = False, min_items: int = 0, max_items: int | None = None
    ) -> list[dict[str, Any]] | None:
        """A list of structures (records, tags), its length checked."""
        return self.items(
            name, required=required, min_items=min_items, max_items=max_items, of="structure"
        )

    def strings(
        self,
        name: str,
        *,
        required: bool = False,
        min_items: int = 0,
        max_items: int | None = None,
        item_max_len: int | None = None,
        item_enum: tuple[str, ...] | None = None,
    ) -> list[str] | None:
        """A list of strings, its length checked and then its items, each failure apart."""
        value = self._list(name, required, "string")
        if value is None:
            return None
        ok = self._length(name, value, len(value), min_items, max_items)
        if item_max_len is not None and any(not 1 <= len(v) <= item_max_len for v in value):
            self.fail(
                name,
                value,
                "Member must satisfy constraint: [Member must have length less than or equal "
                f"to {item_max_len}, Member must have length greater than or equal to 1]",
            )
            ok = False
        if item_enum is not None and any(v not in item_enum for v in value):
            self.fail(
                name,
                value,
                "Member must satisfy constraint: [Member must satisfy enum value set: "
                f"[{', '.join(item_enum)}]]",
            )
            ok = False
        return value if ok else None

    def string_map(
        self,
        name: str,
        *,
        required: bool = False,
        min_items: int = 0,
        max_items: int | None = None,
        key_max_len: int = 128,
        value_max_len: int = 256,
    ) -> dict[str, str] | None:
        """A map of strings (tags), checked as the TagMap shape is."""
        value = self._present(name, required)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise wrong_type(self.path(name), value, "map")
        for key, item in value.items():
            if not isinstance(key, str):
                raise wrong_type(self.path(name), key, "string")
            if not isinstance(item, str):
                raise wrong_type(f"{self.path(name)}.{key}", item, "string")
        ok = self._length(name, value, len(value), min_items, max_items)
        if any(not 1 <= len(k) <= key_max_len for k in value):
            self.fail(
                name,
                value,
                "Map keys must satisfy constraint: [Member must have length less than or equal "
                f"to {key_max_len}, Member must have length greater than or equal to 1]",
            )
            ok = False
        if any(len(v) > value_max_len for v in value.values()):
            self.fail(
                name,
                value,
                "Map value must satisfy constraint: [Member must have length less than or equal "
                f"to {value_max_len}, Member must have length greater than or equal to 0]",
            )
            ok = False
        return value if ok else None

    def tag_key(self, name: str, value: str) -> bool:
        """A tag key against the TagKey shape's length and `TAG_KEY_PATTERN`."""
        ok = self._length(name, value, len(value), 1, 128)
        if value.startswith("aws:") or not allowed(value, _TAG_PUNCTUATION):
            self.fail(
                name, value, f"Member must satisfy regular expression pattern: {TAG_KEY_PATTERN}"
            )
            ok = False
        return ok

    def tag_value(self, name: str, value: str) -> bool:
        """A tag value against the TagValue shape's length and `TAG_VALUE_PATTERN`."""
        if not self._length(name, value, len(value), None, 256):
            return False
        if not allowed(value, _TAG_PUNCTUATION):
            self.fail(
                name, value, f"Member must satisfy regular expression pattern: {TAG_VALUE_PATTERN}"
            )
            return False
        return True


_PATTERNS: dict[str, re.Pattern[str]] = {}


def _compiled(pattern: str) -> re.Pattern[str]:
    """AWS's pattern as an ASCII regex (`\\d`, `\\w` and `\\S` must not take other scripts)."""
    found = _PATTERNS.get(pattern)
    if found is None:
        found = _PATTERNS[pattern] = re.compile(pattern, re.ASCII)
    return found
