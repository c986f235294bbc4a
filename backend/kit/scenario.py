"""Reading a scenario's TOML: typed access with errors that say where.

A scenario file is input from a person. Every service's section reads its
tables through a `Reader`, so every mistake, in any section, gets the same
kind of `ScenarioError`: the file, the place in it (`sqs.queue[2]`) and what
is wrong; and unknown keys are errors, so a typo can't silently change what runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from backend.durations import parse_duration


class ScenarioError(ValueError):
    """A scenario that can't be loaded, with where and why."""


class Reader:
    """Typed access to one TOML table, with errors that say where."""

    def __init__(self, source: str, where: str, table: object) -> None:
        if not isinstance(table, dict):
            raise ScenarioError(f"{source}: {where}: expected a table")
        self.source = source
        self.where = where
        self.table: dict[str, Any] = table
        self._used: set[str] = set()

    def fail(self, message: str) -> ScenarioError:
        return ScenarioError(f"{self.source}: {self.where}: {message}")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
        self._used.add(key)
        value = self.table.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) and kind in (int, float, (int, float)):
            raise self.fail(f"{key} must be a number, not {value!r}")
        if not isinstance(value, kind):
            names = (
                kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            )
            raise self.fail(f"{key} must be a {names}, not {value!r}")
        return value

    def required(self, key: str, kind: type | tuple[type, ...]) -> Any:
        value = self.get(key, kind)
        if value is None:
            raise self.fail(f"{key} is required")
        return value

    def duration(self, key: str, default: float | None = None) -> float | None:
        raw = self.get(key, (str, int, float))
        if raw is None:
            return default
        try:
            return parse_duration(raw)
        except ValueError as error:
            raise self.fail(f"{key}: {error}") from None

    def number(self, key: str, default: float, low: float, high: float) -> float:
        value = float(self.get(key, (int, float), default))
        if not low <= value <= high:
            raise self.fail(f"{key} must be between {low:g} and {high:g}, not {value:g}")
        return value

    def defined(self, key: str, section: str, defined: Mapping[str, set[str]]) -> str:
        """The required name `key`, which must be one of those `[[section]]` defines.

        `defined` is every name the scenario's sections define, by kind (the
        key: `queue`, `stream`), so an actor naming a resource that no section
        makes fails at load rather than erring on every call it makes.
        """
        name: str = self.required(key, str)
        if name not in defined.get(key, set()):
            raise self.fail(f"{key} {name!r} is not defined in [[{section}]]")
        return name

    def unique(self, names: Sequence[str], what: str) -> None:
        """Fail on the first of `names` given more than once (`what` they name: "stream")."""
        for name in names:
            if names.count(name) > 1:
                raise self.fail(f"{what} {name!r} is defined more than once")

    def string_map(self, key: str) -> dict[str, str]:
        """The table `key` (tags) with its keys and values as text; empty when absent."""
        table = self.get(key, dict, {}) or {}
        return {str(k): str(v) for k, v in table.items()}

    def sub(self, key: str) -> Reader | None:
        value = self.get(key, dict)
        where = key if self.where == "top level" else f"{self.where}.{key}"
        return None if value is None else Reader(self.source, where, value)

    def done(self) -> None:
        unknown = sorted(set(self.table) - self._used)
        if unknown:
            raise self.fail(f"unknown key(s): {', '.join(unknown)}")

    def tables(self, key: str) -> list[Reader]:
        """The array of tables `key` (`[[sqs.queue]]`), each with its place (`sqs.queue[2]`)."""
        where = key if self.where == "top level" else f"{self.where}.{key}"
        return [
            Reader(self.source, f"{where}[{i}]", table)
            for i, table in enumerate(self.get(key, list, []))
        ]
