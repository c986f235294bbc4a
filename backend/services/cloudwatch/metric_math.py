"""Metric math: the expression language of GetMetricData and metric-math alarms.

An expression combines the time series other queries return (`m1 + m2`,
`SUM(METRICS())`, `RATE(m1)`, `IF(m1 > 100, 1, 0)`) and scalars. Arithmetic
between two series keeps the timestamps both have, as CloudWatch aligns
them; a series and a scalar combine point by point; functions over an array
of series (`SUM`, `AVG`, `MIN`, `MAX`) give one series, per timestamp, of the
values present there. The grammar is small enough for a Pratt parser of a few
dozen lines, which reports where an expression is wrong as CloudWatch does,
by the character it could not read.

Supported: `+ - * / ^`, unary minus, comparisons `< <= > >= == !=` and `AND`,
`OR`, `NOT` inside `IF`; numbers; query ids; `[a, b]` arrays; functions `ABS`,
`AVG`, `CEIL`, `DIFF`, `DIFF_TIME`, `FILL` (with a value, `REPEAT` or
`LINEAR`), `FIRST`, `FLOOR`, `IF`, `LAST`, `LOG`, `LOG10`, `MAX`, `METRICS`,
`MIN`, `PERIOD`, `RATE`, `SQRT`, `STDDEV`, `SUM`, `TIME_SERIES`, and
`ANOMALY_DETECTION_BAND(m, k)`: the band of a MetricStat query's anomaly
detection model (`anomaly`), k standard deviations wide on each side (2 when
left out), as two series, lower then upper, which an alarm's
ThresholdMetricId names.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from backend.errors import AwsError
from backend.services.cloudwatch.errors import ValidationError

#: A time series as metric math sees it: values by period start, oldest first.
Points = dict[int, float]


@dataclass
class TimeSeries:
    """One result of a query or expression: its points and the period they are at."""

    points: Points
    period: int
    label: str = ""


Value = float | TimeSeries | list[TimeSeries]

#: ANOMALY_DETECTION_BAND's source: (MetricStat query id, k, start, end) -> the lower and
#: upper series, or None when the id is not a MetricStat query's.
BandSource = Callable[[str, float, int, int], list[TimeSeries] | None]
#: ANOMALY_DETECTION_BAND's width when the expression gives none, in standard deviations.
DEFAULT_BAND_WIDTH = 2.0


@dataclass
class Context:
    """What an expression is evaluated against."""

    #: The ids of the MetricStat queries, in request order (what `METRICS()` returns).
    metric_ids: Sequence[str]
    #: The request's time range and the period for `TIME_SERIES` and `FILL`.
    start: int
    end: int
    period: int
    #: Expressions evaluated so far, to refuse a cycle instead of recursing forever.
    evaluating: set[str] = field(default_factory=set)
    #: Where ANOMALY_DETECTION_BAND finds bands; None where there are no models.
    bands: BandSource | None = None


def error(expression: str, message: str) -> AwsError:
    return ValidationError(f"Error in expression '{expression[:200]}': {message}")


# -- the parser ---------------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<string>\"[^\"]*\"|'[^']*')"
    r"|(?P<op><=|>=|==|!=|[-+*/^(),<>\[\]]))"
)

_BINARY = {
    "OR": 1,
    "AND": 2,
    "<": 3,
    "<=": 3,
    ">": 3,
    ">=": 3,
    "==": 3,
    "!=": 3,
    "+": 4,
    "-": 4,
    "*": 5,
    "/": 5,
    "^": 7,
}


@dataclass(frozen=True)
class Node:
    kind: str  # number, string, id, call, binary, unary, array, keyword
    value: object = None
    args: tuple[Node, ...] = ()


def tokens(expression: str) -> list[tuple[str, str, int]]:
    found: list[tuple[str, str, int]] = []
    position = 0
    text = expression.rstrip()
    while position < len(text):
        while text[position].isspace():
            position += 1
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise error(expression, f"Unexpected character at position {position + 1}.")
        kind = match.lastgroup or ""
        found.append((kind, match.group(kind), match.start(kind)))
        position = match.end()
    return found


class Parser:
    """A Pratt parser: one method per precedence idea, errors by position."""

    def __init__(self, expression: str) -> None:
        self.expression = expression
        self.tokens = tokens(expression)
        self.index = 0

    def parse(self) -> Node:
        if not self.tokens:
            raise error(self.expression, "The expression is empty.")
        node = self.expr(0)
        if self.index < len(self.tokens):
            _, text, at = self.tokens[self.index]
            raise error(self.expression, f"Unexpected token '{text}' at position {at + 1}.")
        return node

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, text: str | None = None) -> tuple[str, str, int]:
        token = self.peek()
        if token is None:
            expected = f"Expected '{text}' at the end." if text else "The expression ends too soon."
            raise error(self.expression, expected)
        if text is not None and token[1] != text:
            raise error(self.expression, f"Expected '{text}' at position {token[2] + 1}.")
        self.index += 1
        return token

    def expr(self, floor: int) -> Node:
        left = self.prefix()
        while True:
            token = self.peek()
            if token is None:
                return left
            op = token[1].upper() if token[0] == "name" else token[1]
            power = _BINARY.get(op) if token[0] in ("op", "name") else None
            if power is None or power <= floor:
                return left
            self.index += 1
            # `^` binds to the right; the others to the left.
            right = self.expr(power - 1 if op == "^" else power)
            left = Node("binary", op, (left, right))

    def prefix(self) -> Node:
        kind, text, at = self.take()
        if kind == "number":
            return Node("number", float(text))
        if kind == "string":
            return Node("string", text[1:-1])
        if text == "-":
            return Node("unary", "-", (self.expr(6),))
        if text == "(":
            inner = self.expr(0)
            self.take(")")
            return inner
        if text == "[":
            items = self.items("]")
            return Node("array", None, tuple(items))
        if kind == "name":
            if text.upper() == "NOT":
                return Node("unary", "NOT", (self.expr(2),))
            following = self.peek()
            if following is not None and following[1] == "(":
                self.index += 1
                return Node("call", text.upper(), tuple(self.items(")")))
            if text.upper() in ("REPEAT", "LINEAR"):
                return Node("keyword", text.upper())
            return Node("id", text)
        raise error(self.expression, f"Unexpected token '{text}' at position {at + 1}.")

    def items(self, close: str) -> list[Node]:
        found: list[Node] = []
        token = self.peek()
        if token is not None and token[1] == close:
            self.index += 1
            return found
        while True:
            found.append(self.expr(0))
            _, text, at = self.take()
            if text == close:
                return found
            if text != ",":
                raise error(self.expression, f"Expected ',' or '{close}' at position {at + 1}.")


def parse(expression: str) -> Node:
    return Parser(expression).parse()


def references(node: Node) -> set[str]:
    """The query ids an expression reads (not counting `METRICS()`)."""
    found = {str(node.value)} if node.kind == "id" else set()
    for arg in node.args:
        found |= references(arg)
    return found


# -- evaluation ---------------------------------------------------------------------


class Evaluator:
    def __init__(
        self, expression: str, context: Context, resolve: Callable[[str], TimeSeries]
    ) -> None:
        self.expression = expression
        self.context = context
        self.resolve = resolve

    def fail(self, message: str) -> AwsError:
        return error(self.expression, message)

    def series(self, value: Value, what: str) -> TimeSeries:
        if isinstance(value, TimeSeries):
            return value
        raise self.fail(f"{what} takes a time series.")

    def array(self, value: Value) -> list[TimeSeries]:
        if isinstance(value, list):
            return value
        if isinstance(value, TimeSeries):
            return [value]
        raise self.fail("Expected a time series or an array of them.")

    def eval(self, node: Node) -> Value:
        kind = node.kind
        if kind == "number":
            return float(node.value)  # type: ignore[arg-type]
        if kind == "id":
            return self.resolve(str(node.value))
        if kind == "array":
            found: list[TimeSeries] = []
            for arg in node.args:
                found.extend(self.array(self.eval(arg)))
            return found
        if kind == "unary":
            operand = self.eval(node.args[0])
            op = _negate if node.value == "-" else _not
            return self.pointwise(operand, op)
        if kind == "binary":
            return self.binary(str(node.value), self.eval(node.args[0]), self.eval(node.args[1]))
        if kind == "call":
            return self.call(str(node.value), node.args)
        raise self.fail(f"Unexpected {kind} '{node.value}'.")

    def pointwise(self, value: Value, op: Callable[[float], float]) -> Value:
        if isinstance(value, float):
            return op(value)
        if isinstance(value, TimeSeries):
            return TimeSeries({t: op(v) for t, v in value.points.items()}, value.period)
        return [TimeSeries({t: op(v) for t, v in s.points.items()}, s.period) for s in value]

    def binary(self, op: str, left: Value, right: Value) -> Value:
        fn = _OPERATORS[op]
        if isinstance(left, list) or isinstance(right, list):
            if isinstance(left, list) and isinstance(right, list):
                raise self.fail(f"'{op}' cannot combine two arrays of time series.")
            if isinstance(left, list):
                return [self.binary(op, s, right) for s in left]  # type: ignore[misc]
            assert isinstance(right, list)
            return [self.binary(op, left, s) for s in right]  # type: ignore[misc]
        if isinstance(left, float) and isinstance(right, float):
            return fn(left, right)
        if isinstance(left, TimeSeries) and isinstance(right, TimeSeries):
            both = left.points.keys() & right.points.keys()
            return TimeSeries(
                {t: fn(left.points[t], right.points[t]) for t in sorted(both)},
                max(left.period, right.period),
            )
        if isinstance(left, TimeSeries):
            scalar = float(right)  # type: ignore[arg-type]
            return TimeSeries({t: fn(v, scalar) for t, v in left.points.items()}, left.period)
        assert isinstance(right, TimeSeries)
        scalar = float(left)
        return TimeSeries({t: fn(scalar, v) for t, v in right.points.items()}, right.period)

    def call(self, name: str, args: tuple[Node, ...]) -> Value:
        if name == "METRICS":
            return self.metrics(args)
        if name == "FILL":
            return self.fill(args)
        if name == "IF":
            return self.if_(args)
        if name == "ANOMALY_DETECTION_BAND":
            return self.anomaly_band(args)
        if name == "TIME_SERIES":
            if len(args) != 1:
                raise self.fail("TIME_SERIES takes one scalar.")
            scalar = self.eval(args[0])
            if not isinstance(scalar, float):
                raise self.fail("TIME_SERIES takes a scalar.")
            return TimeSeries(dict.fromkeys(self.periods(), scalar), self.context.period)
        values = [self.eval(arg) for arg in args]
        if name in _AGGREGATES:
            if len(values) != 1:
                raise self.fail(f"{name} takes one argument.")
            return self.aggregate(name, values[0])
        if name in _SCALAR_FUNCTIONS:
            if len(values) != 1:
                raise self.fail(f"{name} takes one argument.")
            return self.pointwise(values[0], _SCALAR_FUNCTIONS[name])
        if name in ("RATE", "DIFF", "DIFF_TIME", "PERIOD"):
            if len(values) != 1:
                raise self.fail(f"{name} takes one argument.")
            return self.over_series(name, values[0])
        raise self.fail(f"Unknown function '{name}'.")

    def periods(self) -> list[int]:
        period = self.context.period
        first = -(-self.context.start // period) * period
        return list(range(first, self.context.end, period))

    def metrics(self, args: tuple[Node, ...]) -> list[TimeSeries]:
        pattern = ""
        if args:
            if len(args) != 1 or args[0].kind != "string":
                raise self.fail("METRICS takes at most one string.")
            pattern = str(args[0].value)
        return [self.resolve(i) for i in self.context.metric_ids if pattern in i]

    def aggregate(self, name: str, value: Value) -> Value:
        """SUM, AVG, MIN, MAX, STDDEV: over an array, per timestamp; over one series, one scalar."""
        reduce = _AGGREGATES[name]
        if isinstance(value, float):
            return value
        if isinstance(value, TimeSeries):
            values = list(value.points.values())
            return reduce(values) if values else math.nan
        by_time: dict[int, list[float]] = {}
        for s in value:
            for t, v in s.points.items():
                by_time.setdefault(t, []).append(v)
        period = max((s.period for s in value), default=self.context.period)
        return TimeSeries({t: reduce(by_time[t]) for t in sorted(by_time)}, period)

    def over_series(self, name: str, value: Value) -> Value:
        if isinstance(value, list):
            return [self.over_series(name, s) for s in value]  # type: ignore[misc]
        series = self.series(value, name)
        times = sorted(series.points)
        points = series.points
        if name == "PERIOD":
            return TimeSeries({t: float(series.period) for t in times}, series.period)
        out: Points = {}
        for previous, t in itertools.pairwise(times):
            if name == "DIFF":
                out[t] = points[t] - points[previous]
            elif name == "DIFF_TIME":
                out[t] = float(t - previous)
            else:
                out[t] = (points[t] - points[previous]) / (t - previous)
        return TimeSeries(out, series.period)

    def fill(self, args: tuple[Node, ...]) -> Value:
        if len(args) != 2:
            raise self.fail("FILL takes a time series and a value, REPEAT or LINEAR.")
        target = self.eval(args[0])
        if isinstance(target, list):
            return [self._fill(s, args[1]) for s in target]
        return self._fill(self.series(target, "FILL"), args[1])

    def _fill(self, series: TimeSeries, how: Node) -> TimeSeries:
        period = series.period
        first = -(-self.context.start // period) * period
        slots = range(first, self.context.end, period)
        points = series.points
        if how.kind == "keyword":
            known = sorted(points)
            out: Points = {}
            for t in slots:
                if t in points:
                    out[t] = points[t]
                    continue
                # The known points either side of the gap.
                at = bisect.bisect_left(known, t)
                before = known[at - 1] if at else None
                after = known[at] if at < len(known) else None
                if how.value == "REPEAT" and before is not None:
                    out[t] = points[before]
                elif how.value == "LINEAR" and before is not None and after is not None:
                    share = (t - before) / (after - before)
                    out[t] = points[before] + (points[after] - points[before]) * share
            return TimeSeries(out, period)
        filler = self.eval(how)
        if isinstance(filler, float):
            return TimeSeries({t: points.get(t, filler) for t in slots}, period)
        other = self.series(filler, "FILL")
        return TimeSeries(
            {
                t: points[t] if t in points else other.points[t]
                for t in slots
                if t in points or t in other.points
            },
            period,
        )

    def anomaly_band(self, args: tuple[Node, ...]) -> list[TimeSeries]:
        if len(args) not in (1, 2):
            raise self.fail("ANOMALY_DETECTION_BAND takes a metric and optionally a band width.")
        width = self.eval(args[1]) if len(args) == 2 else DEFAULT_BAND_WIDTH
        if not isinstance(width, float) or not width > 0:
            raise self.fail("The band width of ANOMALY_DETECTION_BAND must be a positive number.")
        source = self.context.bands
        query_id = str(args[0].value)
        band = None
        if args[0].kind == "id" and source is not None:
            band = source(query_id, width, self.context.start, self.context.end)
        if band is None:
            raise self.fail("ANOMALY_DETECTION_BAND takes the id of a MetricStat query.")
        return band

    def if_(self, args: tuple[Node, ...]) -> Value:
        if len(args) not in (2, 3):
            raise self.fail("IF takes a condition, a value if true and optionally one if false.")
        condition = self.eval(args[0])
        yes = self.eval(args[1])
        no = self.eval(args[2]) if len(args) == 3 else None
        if isinstance(condition, float):
            return yes if condition else (no if no is not None else math.nan)
        cond = self.series(condition, "IF")
        out: Points = {}
        for t, c in cond.points.items():
            chosen = yes if c else no
            if chosen is None:
                continue
            if isinstance(chosen, float):
                out[t] = chosen
            elif isinstance(chosen, TimeSeries):
                if t in chosen.points:
                    out[t] = chosen.points[t]
            else:
                raise self.fail("IF cannot return an array of time series.")
        return TimeSeries(out, cond.period)


def _negate(v: float) -> float:
    return -v


def _not(v: float) -> float:
    return 0.0 if v else 1.0


def _divide(a: float, b: float) -> float:
    if b == 0:
        return math.nan if a == 0 else math.copysign(math.inf, a)
    return a / b


def _power(a: float, b: float) -> float:
    try:
        return float(a**b)
    except (OverflowError, ZeroDivisionError):
        return math.inf
    except (ValueError, TypeError):
        return math.nan


_OPERATORS: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": _divide,
    "^": _power,
    "<": lambda a, b: float(a < b),
    "<=": lambda a, b: float(a <= b),
    ">": lambda a, b: float(a > b),
    ">=": lambda a, b: float(a >= b),
    "==": lambda a, b: float(a == b),
    "!=": lambda a, b: float(a != b),
    "AND": lambda a, b: float(bool(a) and bool(b)),
    "OR": lambda a, b: float(bool(a) or bool(b)),
}


def _stddev(values: list[float]) -> float:
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))


_AGGREGATES: dict[str, Callable[[list[float]], float]] = {
    "SUM": lambda vs: float(sum(vs)),
    "AVG": lambda vs: sum(vs) / len(vs),
    "MIN": min,
    "MAX": max,
    "STDDEV": _stddev,
    "FIRST": lambda vs: vs[0],
    "LAST": lambda vs: vs[-1],
}


def _safe(fn: Callable[[float], float]) -> Callable[[float], float]:
    def run(v: float) -> float:
        try:
            return float(fn(v))
        except (ValueError, OverflowError):
            return math.nan

    return run


_SCALAR_FUNCTIONS: dict[str, Callable[[float], float]] = {
    "ABS": abs,
    "CEIL": _safe(math.ceil),
    "FLOOR": _safe(math.floor),
    "LOG": _safe(math.log),
    "LOG10": _safe(math.log10),
    "SQRT": _safe(math.sqrt),
}
