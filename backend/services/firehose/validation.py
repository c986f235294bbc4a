"""Request checks as Firehose's front end reports them: every failure in one message.

Firehose, like every Coral service, answers a request that breaks its model's
constraints with one ValidationException listing each failure:

    2 validation errors detected: Value 'a b' at 'deliveryStreamName' failed to
    satisfy constraint: Member must satisfy regular expression pattern:
    [a-zA-Z0-9_.-]+; Value 'java.nio.HeapByteBuffer[pos=0 lim=1024001
    cap=1024001]' at 'records.2.member.data' failed to satisfy constraint:
    Member must have length less than or equal to 1024000

so a `Checks` collects failures while a handler reads its parameters and
raises them together in `done()`. A value of the wrong type cannot be compared
with anything: it fails at once with the SerializationException the wire's
JSON reader gives, since in-process callers (the dashboard, actors) skip that
reader. Kinesis has the same machinery in its package; services may not
import each other, so this is Firehose's copy until it moves to `backend/kit`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from backend.errors import SerializationException, ValidationException
from backend.numbers import whole_number
from backend.params import quoted

#: Items of a list a constraint failure quotes: 500 records would make a 100 KiB message.
_SHOWN_ITEMS = 5
_TYPE_NAMES = {
    "string": "a String",
    "integer": "an Integer",
    "boolean": "a Boolean",
    "blob": "a Blob",
    "list": "a list",
    "structure": "a structure",
}
#: The punctuation a tag key or value may hold besides letters, digits and spaces.
_TAG_PUNCTUATION = frozenset("_.:/=+-@%")
TAG_KEY_PATTERN = "^(?!aws:)[\\p{L}\\p{Z}\\p{N}_.:\\/=+\\-@%]*$"
TAG_VALUE_PATTERN = "^[\\p{L}\\p{Z}\\p{N}_.:\\/=+\\-@%]*$"


def member(name: str) -> str:
    """A member's name as AWS's messages spell it: `BucketARN` -> `bucketARN`."""
    return name[:1].lower() + name[1:]


def wrong_type(path: str, value: object, kind: str) -> Exception:
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
    return f"'{quoted(value)}'"


def tag_text(text: str) -> bool:
    """Whether `text` is made of what `\\p{L}\\p{Z}\\p{N}_.:/=+-@%` allows."""
    return all(
        c.isalnum() or c in _TAG_PUNCTUATION or unicodedata.category(c).startswith("Z")
        for c in text
    )


class Checks:
    """The constraint failures of one request, raised together by `done()`."""

    def __init__(self, params: Mapping[str, Any], prefix: str = "") -> None:
        self.params = params
        self.prefix = prefix
        self.problems: list[str] = []

    def path(self, name: str) -> str:
        return f"{self.prefix}{member(name)}"

    def fail(self, name: str, value: object, constraint: str) -> None:
        self.problems.append(
            f"Value {shown(value)} at '{self.path(name)}' failed to satisfy constraint: "
            f"{constraint}"
        )

    def entry(self, name: str, index: int) -> str:
        """The name a failure of item `index` (0-based) of string list `name` is reported at."""
        return f"{member(name)}.{index + 1}.member"

    def nested(self, name: str, value: Mapping[str, Any] | None = None) -> Checks:
        """Checks for the structure in member `name`, sharing this request's list."""
        child = Checks(value if value is not None else self.params.get(name) or {})
        child.prefix = f"{self.path(name)}."
        child.problems = self.problems
        return child

    def item(self, name: str, index: int, value: Mapping[str, Any]) -> Checks:
        """Checks for item `index` (0-based) of list `name`: AWS counts from 1."""
        child = Checks(value, f"{self.path(name)}.{index + 1}.member.")
        child.problems = self.problems
        return child

    def done(self) -> None:
        count = len(self.problems)
        if count:
            plural = "s" if count > 1 else ""
            raise ValidationException(
                f"{count} validation error{plural} detected: " + "; ".join(self.problems)
            )

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

    def boolean(self, name: str) -> bool | None:
        value = self.params.get(name)
        if value is not None and not isinstance(value, bool):
            raise wrong_type(self.path(name), value, "boolean")
        return value

    def blob(self, name: str, *, required: bool = False, max_len: int) -> bytes | None:
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

    def structures(
        self, name: str, *, required: bool = False, min_items: int = 0, max_items: int
    ) -> list[dict[str, Any]] | None:
        """A list of structures (records, tags), its length checked, each item a dict."""
        value = self._present(name, required)
        if value is None:
            return None
        if not isinstance(value, list):
            raise wrong_type(self.path(name), value, "list")
        for i, entry in enumerate(value, 1):
            if not isinstance(entry, dict):
                raise wrong_type(f"{self.path(name)}.{i}.member", entry, "structure")
        return value if self._length(name, value, len(value), min_items, max_items) else None

    def strings(
        self, name: str, *, required: bool = False, min_items: int, max_items: int
    ) -> list[str] | None:
        value = self._present(name, required)
        if value is None:
            return None
        if not isinstance(value, list):
            raise wrong_type(self.path(name), value, "list")
        for i, entry in enumerate(value, 1):
            if not isinstance(entry, str):
                raise wrong_type(f"{self.path(name)}.{i}.member", entry, "string")
        return value if self._length(name, value, len(value), min_items, max_items) else None

    def tag_key(self, name: str, value: str) -> bool:
        """A tag key against TagKey's length and pattern (Java's \\p classes, by hand)."""
        ok = self._length(name, value, len(value), 1, 128)
        if value.startswith("aws:") or not tag_text(value):
            self.fail(
                name, value, f"Member must satisfy regular expression pattern: {TAG_KEY_PATTERN}"
            )
            ok = False
        return ok


_PATTERNS: dict[str, re.Pattern[str]] = {}


def _compiled(pattern: str) -> re.Pattern[str]:
    """AWS's pattern as an ASCII regex (`\\d` and `\\w` must not take other scripts)."""
    found = _PATTERNS.get(pattern)
    if found is None:
        found = _PATTERNS[pattern] = re.compile(pattern, re.ASCII)
    return found
