"""Query expressions as polars expressions, with what kind of value each makes.

Logs Insights types values as it reads them: a field discovered in a JSON
message is text here (polars' JSON path matcher writes every value as text),
and it is compared as a number wherever the other side is one
(`latency > 100`, `status in [500, 503]`), as text otherwise. So each
compiled expression carries its kind: `text`, `number`, or `time` (ms since
the epoch, shown as AWS shows `@timestamp`), and turns into the other kinds
on demand. A value that is not a number where one is needed is null, and a
null compares as neither true nor false: the row is not matched.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final, Literal

import polars as pl

from backend.services.logs.insights.errors import QueryError
from backend.services.logs.insights.source import TIMESTAMP
from backend.services.logs.insights.syntax import (
    Binary,
    Call,
    Constant,
    Duration,
    Expr,
    Field,
    InList,
    Regex,
    Unary,
)

Kind = Literal["text", "number", "time"]

_ARITHMETIC: Final[dict[str, Callable[[pl.Expr, pl.Expr], pl.Expr]]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "%": lambda a, b: a % b,
    "^": lambda a, b: a.pow(b),
}
_COMPARE: Final[dict[str, Callable[[pl.Expr, pl.Expr], pl.Expr]]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
_TEXT_FUNCTIONS: Final[dict[str, Callable[[pl.Expr], pl.Expr]]] = {
    "toupper": lambda e: e.str.to_uppercase(),
    "tolower": lambda e: e.str.to_lowercase(),
    "trim": lambda e: e.str.strip_chars(),
}
_NUMBER_FUNCTIONS: Final[dict[str, Callable[[pl.Expr], pl.Expr]]] = {
    "abs": lambda e: e.abs(),
    "ceil": lambda e: e.ceil(),
    "floor": lambda e: e.floor(),
}


@dataclass(frozen=True, slots=True)
class Value:
    expr: pl.Expr
    kind: Kind

    def number(self) -> pl.Expr:
        if self.kind == "text":
            return self.expr.cast(pl.Float64, strict=False)
        return self.expr.cast(pl.Float64)

    def text(self) -> pl.Expr:
        if self.kind == "text":
            return self.expr
        if self.kind == "time":
            return time_text(self.expr)
        return number_text(self.expr)


def time_text(expr: pl.Expr) -> pl.Expr:
    """Milliseconds since the epoch as AWS writes `@timestamp`: `2024-01-02 03:04:05.678`."""
    return pl.from_epoch(expr, "ms").dt.strftime("%Y-%m-%d %H:%M:%S%.3f")


def number_text(expr: pl.Expr) -> pl.Expr:
    """A number as text: whole numbers without a fraction (`3`, not `3.0`)."""
    number = expr.cast(pl.Float64)
    whole = (number == number.floor()) & (number.abs() < 1e15)
    return (
        pl.when(whole)
        .then(number.cast(pl.Int64, strict=False).cast(pl.String))
        .otherwise(number.cast(pl.String))
    )


class Compiler:
    """Compiles expressions against the columns of the frame they will run on."""

    __slots__ = ("kinds",)

    def __init__(self, kinds: Mapping[str, Kind]) -> None:
        #: The kind of every column a query can name at this point.
        self.kinds = kinds

    def value(self, expr: Expr) -> Value:
        if isinstance(expr, Field):
            return Value(pl.col(expr.name), self.kinds.get(expr.name, "text"))
        if isinstance(expr, Constant):
            if isinstance(expr.value, str):
                return Value(pl.lit(expr.value, dtype=pl.String), "text")
            return Value(pl.lit(expr.value, dtype=pl.Float64), "number")
        if isinstance(expr, Unary) and expr.op == "-":
            return Value(-self.value(expr.operand).number(), "number")
        if isinstance(expr, Binary) and expr.op in _ARITHMETIC:
            left, right = self.value(expr.left).number(), self.value(expr.right).number()
            return Value(_ARITHMETIC[expr.op](left, right), "number")
        if isinstance(expr, Call):
            return self.call(expr)
        raise QueryError("not a value", expr.start, expr.end - 1)  # the parser's checks stop it

    def call(self, call: Call) -> Value:
        name, args = call.name, call.args
        if name == "bin":
            assert isinstance(args[0], Duration)
            period = args[0].millis
            return Value((pl.col(TIMESTAMP) // period) * period, "time")
        if name == "strlen":
            return Value(self.value(args[0]).text().str.len_chars().cast(pl.Float64), "number")
        if name in _TEXT_FUNCTIONS:
            return Value(_TEXT_FUNCTIONS[name](self.value(args[0]).text()), "text")
        if name in _NUMBER_FUNCTIONS:
            return Value(_NUMBER_FUNCTIONS[name](self.value(args[0]).number()), "number")
        values = [self.value(arg) for arg in args]
        if name == "concat":
            return Value(pl.concat_str([v.text() for v in values], ignore_nulls=True), "text")
        assert name == "coalesce"
        kinds = {v.kind for v in values}
        if len(kinds) == 1:
            return Value(pl.coalesce([v.expr for v in values]), values[0].kind)
        return Value(pl.coalesce([v.text() for v in values]), "text")

    def condition(self, expr: Expr) -> pl.Expr:
        """A `filter` condition as a boolean expression (null: not matched)."""
        if isinstance(expr, Binary) and expr.op == "and":
            return self.condition(expr.left) & self.condition(expr.right)
        if isinstance(expr, Binary) and expr.op == "or":
            return self.condition(expr.left) | self.condition(expr.right)
        if isinstance(expr, Unary) and expr.op == "not":
            return ~self.condition(expr.operand)
        if isinstance(expr, Binary) and expr.op == "like":
            subject = self.value(expr.left).text()
            if isinstance(expr.right, Regex):
                return subject.str.contains(expr.right.pattern)
            assert isinstance(expr.right, Constant)
            return subject.str.contains(str(expr.right.value), literal=True)
        if isinstance(expr, Binary):
            return self.compare(expr)
        if isinstance(expr, InList):
            return self.member(expr)
        assert isinstance(expr, Call)
        tested = self.value(expr.args[0])
        if expr.name == "ispresent":
            return tested.expr.is_not_null()
        text = tested.text()
        if expr.name == "isempty":
            return text.is_null() | (text == "")
        return text.is_null() | (text.str.strip_chars() == "")

    def compare(self, expr: Binary) -> pl.Expr:
        left, right = self.value(expr.left), self.value(expr.right)
        operator = _COMPARE[expr.op]
        if "number" in (left.kind, right.kind):
            return operator(left.number(), right.number())
        if left.kind == right.kind == "time":
            return operator(left.expr, right.expr)
        return operator(left.text(), right.text())

    def member(self, expr: InList) -> pl.Expr:
        subject = self.value(expr.operand)
        numbers = [
            i.value for i in expr.items if isinstance(i, Constant) and isinstance(i.value, float)
        ]
        texts = [
            i.value for i in expr.items if isinstance(i, Constant) and isinstance(i.value, str)
        ]
        found: pl.Expr | None = None
        if numbers:
            found = subject.number().is_in(numbers)
        if texts:
            among = subject.text().is_in(texts)
            found = among if found is None else found | among
        assert found is not None  # the parser allows constants only, at least one
        return found
