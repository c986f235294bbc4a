"""Request checks as Kinesis's front end reports them: every failure in one message.

Kinesis answers a request that breaks its model's constraints with one
ValidationException listing each failure, in the words of AWS's Coral
framework:

    2 validation errors detected: Value 'a b' at 'streamName' failed to satisfy
    constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+;
    Value '0' at 'limit' failed to satisfy constraint: Member must have value
    greater than or equal to 1

so a `Checks` collects failures while a handler reads its parameters and
raises them together in `done()`. A value of the wrong type cannot be
compared with anything: it fails at once with the SerializationException the
wire's JSON reader gives, since in-process callers (the dashboard, actors)
skip that reader.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from backend.errors import SerializationException, ValidationException
from backend.numbers import whole_number
from backend.params import quoted

Params = dict[str, Any]

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


def member(name: str) -> str:
    """A member's name as AWS's messages spell it: `StreamName` -> `streamName`."""
    return name[:1].lower() + name[1:]


def wrong_type(path: str, value: object, kind: str) -> Exception:
    return SerializationException(
        f"Value at '{path}' of JSON type {type(value).__name__} can not be converted to "
        f"{_TYPE_NAMES[kind]}."
    )


def shown(value: object) -> str:
    """A value as a constraint failure quotes it."""
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

    def nested(self, name: str) -> Checks:
        """Checks for the structure in member `name`, sharing this request's list."""
        child = Checks(self.params.get(name) or {}, f"{self.path(name)}.")
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

    def _missing(self, name: str, required: bool) -> None:
        if required:
            self.fail(name, None, "Member must not be null")

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
        value = self.params.get(name)
        if value is None:
            self._missing(name, required)
            return None
        if not isinstance(value, str):
            raise wrong_type(self.path(name), value, "string")
        ok = True
        if enum is not None and value not in enum:
            self.fail(name, value, f"Member must satisfy enum value set: [{', '.join(enum)}]")
            ok = False
        if max_len is not None and len(value) > max_len:
            self.fail(name, value, f"Member must have length less than or equal to {max_len}")
            ok = False
        if min_len is not None and len(value) < min_len:
            self.fail(name, value, f"Member must have length greater than or equal to {min_len}")
            ok = False
        if pattern is not None and not _compiled(pattern).fullmatch(value):
            self.fail(name, value, f"Member must satisfy regular expression pattern: {pattern}")
            ok = False
        return value if ok else None

    def integer(
        self,
        name: str,
        *,
        required: bool = False,
        low: int | None = None,
        high: int | None = None,
    ) -> int | None:
        value = self.params.get(name)
        if value is None:
            self._missing(name, required)
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
        value = self.params.get(name)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise wrong_type(self.path(name), value, "boolean")
        return value

    def timestamp(self, name: str, *, required: bool = False) -> float | None:
        value = self.params.get(name)
        if value is None:
            self._missing(name, required)
            return None
        if isinstance(value, datetime):
            return value.timestamp()
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise wrong_type(self.path(name), value, "timestamp")
        return float(value)

    def structure(self, name: str, *, required: bool = False) -> dict[str, Any] | None:
        value = self.params.get(name)
        if value is None:
            self._missing(name, required)
            return None
        if not isinstance(value, dict):
            raise wrong_type(self.path(name), value, "structure")
        return value

    def string_list(
        self,
        name: str,
        *,
        required: bool = False,
        min_items: int = 0,
        max_items: int | None = None,
        item_max_len: int | None = None,
        item_enum: tuple[str, ...] | None = None,
    ) -> list[str] | None:
        value = self.params.get(name)
        if value is None:
            self._missing(name, required)
            return None
        if not isinstance(value, list):
            raise wrong_type(self.path(name), value, "list")
        for i, item in enumerate(value, 1):
            if not isinstance(item, str):
                raise wrong_type(f"{self.path(name)}.{i}", item, "string")
        ok = True
        if len(value) < min_items:
            self.fail(name, value, f"Member must have length greater than or equal to {min_items}")
            ok = False
        if max_items is not None and len(value) > max_items:
            self.fail(name, value, f"Member must have length less than or equal to {max_items}")
            ok = False
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
        value = self.params.get(name)
        if value is None:
            self._missing(name, required)
            return None
        if not isinstance(value, dict):
            raise wrong_type(self.path(name), value, "map")
        for key, item in value.items():
            if not isinstance(key, str):
                raise wrong_type(self.path(name), key, "string")
            if not isinstance(item, str):
                raise wrong_type(f"{self.path(name)}.{key}", item, "string")
        ok = True
        if len(value) < min_items:
            self.fail(name, value, f"Member must have length greater than or equal to {min_items}")
            ok = False
        if max_items is not None and len(value) > max_items:
            self.fail(name, value, f"Member must have length less than or equal to {max_items}")
            ok = False
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


_PATTERNS: dict[str, re.Pattern[str]] = {}


def _compiled(pattern: str) -> re.Pattern[str]:
    """AWS's pattern as an ASCII regex (`\\d` and `\\S` must not take other scripts)."""
    found = _PATTERNS.get(pattern)
    if found is None:
        found = _PATTERNS[pattern] = re.compile(pattern, re.ASCII)
    return found
