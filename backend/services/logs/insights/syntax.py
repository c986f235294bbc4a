"""A parsed Logs Insights query: its commands in pipe order and their expressions.

Plain frozen data, no polars: the parser builds it when StartQuery is
called (so a malformed query is refused there), and the engine turns it into
polars expressions when the query runs. Every node keeps the span of text it
came from: a `stats` column is named by the text of its aggregate, as AWS
names it (`count(*)`, `pct(latency, 95)`), unless `as` names it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# -- expressions ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Constant:
    """A string or number written in the query."""

    value: str | float
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Regex:
    pattern: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Duration:
    """A period written as `5m`, `1h`: what `bin()` rounds time down to."""

    millis: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Star:
    """The `*` of `count(*)`."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Unary:
    op: Literal["-", "not"]
    operand: Expr
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Binary:
    """Arithmetic, a comparison, `like`/`=~`, `and`, `or`; `not like` is `Unary(not)` of one."""

    op: str
    left: Expr
    right: Expr
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class InList:
    operand: Expr
    items: tuple[Expr, ...]
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Call:
    """A function: a scalar one (`strlen`, `bin`) or, in `stats`, an aggregate."""

    name: str
    args: tuple[Expr, ...]
    start: int
    end: int


Expr = Field | Constant | Regex | Duration | Star | Unary | Binary | InList | Call


# -- commands ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Projection:
    """An expression and the field it makes: its `as` alias, or its own text."""

    expr: Expr
    name: str


@dataclass(frozen=True, slots=True)
class Fields:
    items: tuple[Projection, ...]


@dataclass(frozen=True, slots=True)
class Display:
    fields: tuple[Field, ...]


@dataclass(frozen=True, slots=True)
class Filter:
    condition: Expr


@dataclass(frozen=True, slots=True)
class Stats:
    aggregates: tuple[Projection, ...]
    groups: tuple[Projection, ...]


@dataclass(frozen=True, slots=True)
class SortKey:
    expr: Expr
    descending: bool


@dataclass(frozen=True, slots=True)
class Sort:
    keys: tuple[SortKey, ...]


@dataclass(frozen=True, slots=True)
class Limit:
    count: int


@dataclass(frozen=True, slots=True)
class Parse:
    """`parse` by glob (`pattern` with `*`s, `regex` False) or by named groups (`regex` True)."""

    source: Field
    pattern: str
    regex: bool
    names: tuple[str, ...]
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Dedup:
    fields: tuple[Field, ...]


Command = Fields | Display | Filter | Stats | Sort | Limit | Parse | Dedup


@dataclass(frozen=True, slots=True)
class Query:
    text: str
    commands: tuple[Command, ...]

    @property
    def aggregated(self) -> bool:
        """Whether a `stats` makes the rows: then they carry no `@ptr`."""
        return any(isinstance(command, Stats) for command in self.commands)
