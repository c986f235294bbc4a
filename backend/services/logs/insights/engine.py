"""Running a parsed query over the events: its commands on a polars frame, in pipe order.

The frame starts as the events in the time range (`source.py`), in no
particular order; the order AWS gives them, newest `@timestamp` first, is
applied only when something depends on it (`sort`, `limit`, `dedup`, the
result), so filters run on fewer rows, and a sort followed by a limit keeps
only the top rows rather than ordering them all.
A `stats` replaces the rows by its groups, sorted by the groups' values, and
from then on the query sees only the fields it made.

A field the query names and nothing has made is discovered in the JSON
messages when a command first needs it (`source.discovered_column`). JSON
matching costs about a microsecond a message, so a `filter` that compares
such a field to a string first keeps only the messages that hold the string
(or a backslash, which could escape it): the rest cannot match, and are not
parsed.

The result is the rows' fields as text (`results.py` writes them out as AWS
does, a page at a time). The statistics count the events in
the range (`recordsScanned`), their messages' UTF-8 bytes (`bytesScanned`),
and the events that passed the filters or, for a `stats` query, the rows its
first `stats` made (`recordsMatched`): AWS's `resultCount` is documented to
fall short of `recordsMatched` only when a filter follows the `stats`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Final

import polars as pl

from backend.services.logs.group import LogGroup
from backend.services.logs.insights import source
from backend.services.logs.insights.errors import QueryError
from backend.services.logs.insights.results import Results
from backend.services.logs.insights.source import (
    EVENT_KEY,
    GROUP_INDEX,
    INGESTION_TIME,
    MESSAGE,
    STREAM_NAME,
    SYSTEM_FIELDS,
    TIMESTAMP,
)
from backend.services.logs.insights.syntax import (
    Binary,
    Call,
    Command,
    Constant,
    Dedup,
    Display,
    Expr,
    Field,
    Fields,
    Filter,
    InList,
    Limit,
    Parse,
    Projection,
    Query,
    Regex,
    Sort,
    Star,
    Stats,
    Unary,
)
from backend.services.logs.insights.values import Compiler, Kind, Value

#: A string a JSON encoder may write other than as itself (quotes, escapes, controls),
#: or that a number could be re-written as: the messages cannot be narrowed by it.
_UNSAFE_NEEDLE: Final = re.compile(r'^[0-9.eE+\-]*$|["\\\x00-\x1f]')


@dataclass(slots=True)
class Outcome:
    """What a finished query returns: its rows and its statistics."""

    results: Results
    matched: int
    scanned: int
    scanned_bytes: int

    def statistics(self) -> dict[str, float]:
        return {
            "recordsMatched": float(self.matched),
            "recordsScanned": float(self.scanned),
            "bytesScanned": float(self.scanned_bytes),
        }


def check_regexes(query: Query) -> None:
    """Refuse a regex polars cannot compile, at StartQuery rather than when it runs."""
    probe = pl.Series([""], dtype=pl.String)
    for node in _regexes(query):
        try:
            probe.str.contains(node.pattern)
        except pl.exceptions.PolarsError:
            raise QueryError(
                f"Invalid regular expression: /{node.pattern}/", node.start, node.end - 1
            ) from None


def _regexes(query: Query) -> Iterator[Regex]:
    for command in query.commands:
        if isinstance(command, Parse) and command.regex:
            yield Regex(command.pattern, command.start, command.end)
        elif isinstance(command, Filter):
            yield from (node for node in _walk(command.condition) if isinstance(node, Regex))


def run(
    query: Query,
    account: str,
    groups: Sequence[LogGroup],
    start: int,
    end: int,
    limit: int,
) -> Outcome:
    """`query` over the events of `groups` in [start, end] (ms), at most `limit` rows."""
    frame, scanned_bytes = source.source_frame(account, groups, start, end)
    state = _Run(frame)
    for command in query.commands:
        state.apply(command)
    result = state.finish(limit)
    names = state.columns()
    texts = result.select(
        _own(Value(pl.col(name), state.kinds.get(name, "text")).text()).alias(f"_{i}")
        for i, name in enumerate(names)
    )
    whole = state.displayed is None and not state.shown and not state.aggregated
    messages = result.select(_own(pl.col(MESSAGE))).to_series() if whole else None
    pointers = None
    if not state.aggregated:
        pointers = result.select(GROUP_INDEX, _own(pl.col(STREAM_NAME)), EVENT_KEY)
    arns = tuple(group.arn for group in groups)
    results = Results(tuple(names), texts, messages, pointers, arns)
    return Outcome(results, state.matched or 0, frame.height, scanned_bytes)


@dataclass(slots=True)
class _Run:
    """A query part-way through its commands: the frame and what the query knows of it."""

    frame: pl.DataFrame
    #: The kind of every field the query may name now.
    kinds: dict[str, Kind] = field(default_factory=dict)
    #: The rows are newest first (AWS's order) or in an order a command gave them,
    #: once `pending` is applied.
    ordered: bool = False
    #: Sort keys (expression, descending) not applied yet: a sort runs when something
    #: needs the rows in order, and with the `limit` that follows it if one does.
    pending: list[tuple[pl.Expr, bool]] | None = None
    #: A `stats` made the rows.
    aggregated: bool = False
    #: Fields `fields` and `stats` made, shown in that order unless `display` says.
    shown: list[str] = field(default_factory=list)
    displayed: list[str] | None = None
    #: Fields `parse` made: shown with the system ones when nothing else is.
    extracted: list[str] = field(default_factory=list)
    matched: int | None = None

    def __post_init__(self) -> None:
        self.kinds = dict.fromkeys(SYSTEM_FIELDS, "text")
        self.kinds[TIMESTAMP] = self.kinds[INGESTION_TIME] = "time"

    def apply(self, command: Command) -> None:
        if isinstance(command, Fields | Parse):
            # What a pending sort reads could be made anew: sort first.
            self.settle()
        if isinstance(command, Fields):
            for item in command.items:
                self.project(item)
                if item.name not in self.shown:
                    self.shown.append(item.name)
        elif isinstance(command, Filter):
            self.filter(command.condition)
        elif isinstance(command, Stats):
            self.stats(command)
        elif isinstance(command, Sort):
            self.sort(command)
        elif isinstance(command, Limit):
            self.order()
            self.count_matched()
            self.settle(command.count)
        elif isinstance(command, Parse):
            self.parse(command)
        elif isinstance(command, Dedup):
            self.discover(command.fields)
            self.order()
            self.settle()
            names = [f.name for f in command.fields]
            self.frame = self.frame.unique(subset=names, keep="first", maintain_order=True)
        else:
            assert isinstance(command, Display)
            self.discover(command.fields)
            self.displayed = [f.name for f in command.fields]

    # -- fields ----------------------------------------------------------------------

    def discover(self, nodes: Sequence[Expr]) -> None:
        """Add a column for every field `nodes` name that nothing has made yet."""
        missing = [
            node.name
            for top in nodes
            for node in _walk(top)
            if isinstance(node, Field) and node.name not in self.kinds
        ]
        if missing and not self.aggregated:
            names = list(dict.fromkeys(missing))
            self.frame = self.frame.with_columns(
                source.discovered_column(name).alias(name) for name in names
            )
            self.kinds.update(dict.fromkeys(names, "text"))

    def compiled(self, expr: Expr) -> Value:
        self.discover([expr])
        return Compiler(self.kinds).value(expr)

    def project(self, item: Projection) -> None:
        value = self.compiled(item.expr)
        self.frame = self.frame.with_columns(value.expr.alias(item.name))
        self.kinds[item.name] = value.kind

    def filter(self, condition: Expr) -> None:
        for needle in self.needles(condition):
            message = pl.col(MESSAGE)
            self.frame = self.frame.filter(
                message.str.contains(needle, literal=True)
                | message.str.contains("\\", literal=True)
            )
        self.discover([condition])
        self.frame = self.frame.filter(Compiler(self.kinds).condition(condition))

    def needles(self, condition: Expr) -> Iterator[str]:
        """Strings a message must hold (or escape) to pass `condition`; see the docstring."""
        if isinstance(condition, Binary) and condition.op == "and":
            yield from self.needles(condition.left)
            yield from self.needles(condition.right)
            return
        if (
            isinstance(condition, Binary)
            and condition.op in ("=", "like")
            and isinstance(condition.left, Field)
            and condition.left.name not in self.kinds
            and not self.aggregated
            and isinstance(condition.right, Constant)
            and isinstance(condition.right.value, str)
            and not _UNSAFE_NEEDLE.search(condition.right.value)
        ):
            yield condition.right.value

    def parse(self, command: Parse) -> None:
        subject = self.compiled(command.source).text()
        if command.regex:
            groups = subject.str.extract_groups(command.pattern)
            made = [groups.struct.field(name).alias(name) for name in command.names]
        else:
            groups = subject.str.extract_groups(_glob_regex(command.pattern))
            made = [
                groups.struct.field(f"_{i}").alias(name) for i, name in enumerate(command.names)
            ]
        self.frame = self.frame.with_columns(made)
        for name in command.names:
            self.kinds[name] = "text"
            if name not in self.extracted:
                self.extracted.append(name)

    # -- order -------------------------------------------------------------------------

    def order(self) -> None:
        """From here on the events are newest first, as AWS returns them, unless in an order."""
        if not self.ordered and not self.aggregated:
            self.pending = [(pl.col(TIMESTAMP), True), (pl.col(EVENT_KEY), True)]
        self.ordered = True

    def settle(self, limit: int | None = None) -> None:
        """Apply the pending sort, then keep the first `limit` rows (all if None)."""
        if self.pending:
            lazy = self.frame.lazy().sort(
                [key for key, _ in self.pending],
                descending=[descending for _, descending in self.pending],
                nulls_last=True,
                maintain_order=True,
            )
            # Sort and head together: polars keeps only the top rows as it sorts.
            self.frame = (lazy if limit is None else lazy.head(limit)).collect()
            self.pending = None
        elif limit is not None:
            self.frame = self.frame.head(limit)

    def sort(self, command: Sort) -> None:
        self.order()
        keys: list[tuple[pl.Expr, bool]] = []
        for key in command.keys:
            value = self.compiled(key.expr)
            # Rows without the field go last either way.
            keys.append((value.expr.is_null(), False))
            if value.kind == "text":
                # AWS sorts non-numbers before numbers, and numbers by value.
                number = value.number()
                keys += [(e, key.descending) for e in (number.is_not_null(), number, value.expr)]
            else:
                keys.append((value.expr, key.descending))
        # The order before breaks ties: keys of a pending sort follow, or the sort is stable.
        self.pending = keys + (self.pending or [])

    def count_matched(self) -> None:
        if self.matched is None:
            self.matched = self.frame.height

    # -- stats -------------------------------------------------------------------------

    def stats(self, command: Stats) -> None:
        self.discover([p.expr for p in (*command.groups, *command.aggregates)])
        compiler = Compiler(self.kinds)
        groups = [(p.name, compiler.value(p.expr)) for p in command.groups]
        aggregates = [(p.name, _aggregate(compiler, p.expr)) for p in command.aggregates]
        outputs = [value.expr.alias(name) for name, value in aggregates]
        if groups:
            keys = [value.expr.alias(name) for name, value in groups]
            frame = self.frame.group_by(keys).agg(outputs)
            frame = frame.sort([name for name, _ in groups], nulls_last=True)
        else:
            frame = self.frame.select(outputs)
        self.frame = frame
        self.pending = None
        self.kinds = {name: value.kind for name, value in (*groups, *aggregates)}
        self.shown = list(self.kinds)
        self.displayed = None
        self.extracted = []
        self.aggregated = self.ordered = True
        self.count_matched()

    # -- the result ----------------------------------------------------------------------

    def finish(self, limit: int) -> pl.DataFrame:
        self.order()
        self.count_matched()
        self.settle(limit)
        return self.frame

    def columns(self) -> list[str]:
        if self.displayed is not None:
            return self.displayed
        if self.shown:
            return self.shown
        return [*SYSTEM_FIELDS, *self.extracted]


def _own(text: pl.Expr) -> pl.Expr:
    """`text` in buffers of its own.

    A slice of a polars string column (the rows a query keeps) shares the
    whole column's buffers and keeps them alive: kept as it is, a 20-row
    result of a million messages would hold all million.
    """
    return pl.concat_str([text, pl.lit("")])


def _aggregate(compiler: Compiler, expr: Expr) -> Value:
    assert isinstance(expr, Call)
    name, args = expr.name, expr.args
    if name == "count" and (not args or isinstance(args[0], Star)):
        return Value(pl.len().cast(pl.Float64), "number")
    subject = compiler.value(args[0])
    if name == "count":
        return Value(subject.expr.count().cast(pl.Float64), "number")
    if name == "count_distinct":
        return Value(subject.expr.drop_nulls().n_unique().cast(pl.Float64), "number")
    if name in ("min", "max") and subject.kind == "time":
        return Value(getattr(subject.expr, name)(), "time")
    number = subject.number()
    if name == "pct":
        assert isinstance(args[1], Constant) and isinstance(args[1].value, float)
        # The smallest value that at least pct% of the values are at or below.
        ranked = number.drop_nulls().sort()
        index = ((ranked.len() * args[1].value / 100).ceil() - 1).clip(lower_bound=0)
        return Value(ranked.get(index.cast(pl.Int64), null_on_oob=True), "number")
    functions = {
        "sum": number.sum,
        "avg": number.mean,
        "min": number.min,
        "max": number.max,
        "stddev": number.std,
    }
    # A group with no values has no sum (polars would say 0), as it has no average.
    return Value(pl.when(number.count() > 0).then(functions[name]()), "number")


def _glob_regex(glob: str) -> str:
    """A `parse` glob as a regex: its `*`s as lazy groups `_0`, `_1`..., greedy at the end."""
    parts = glob.split("*")
    out = ["(?s)", re.escape(parts[0])]
    for index, part in enumerate(parts[1:]):
        last = index == len(parts) - 2
        out.append(f"(?<_{index}>.*)" if last and not part else f"(?<_{index}>.*?)")
        out.append(re.escape(part))
    return "".join(out)


def _walk(expr: Expr) -> Iterator[Expr]:
    yield expr
    if isinstance(expr, Unary):
        yield from _walk(expr.operand)
    elif isinstance(expr, Binary):
        yield from _walk(expr.left)
        yield from _walk(expr.right)
    elif isinstance(expr, InList):
        yield from _walk(expr.operand)
    elif isinstance(expr, Call):
        for arg in expr.args:
            yield from _walk(arg)
