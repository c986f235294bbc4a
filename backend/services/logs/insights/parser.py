"""Logs Insights query text to `syntax.Query`, by recursive descent, and its checks.

Commands are piped with `|`; keywords ignore case. Expressions bind as AWS
documents them, loosest first: `or`, `and`, `not`, the comparisons (`=`,
`!=`, `<`, `<=`, `>`, `>=`, `like`, `not like`, `=~`, `in [...]`,
`not in [...]`), `+ -`, `* / %`, `^`, unary minus.

After parsing, one walk over the commands checks what the grammar alone
cannot: aggregates only in `stats`, comparisons only in `filter`, `bin()` of a
period, `pct()` of a percentage, and, once a `stats` has run, that later
commands name only the fields it made (AWS: "Unknown symbols found in or
after stats").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from backend.numbers import whole_number
from backend.services.logs.insights.errors import QueryError
from backend.services.logs.insights.functions import SIGNATURES
from backend.services.logs.insights.scanner import Scanner, Token
from backend.services.logs.insights.syntax import (
    Binary,
    Call,
    Command,
    Constant,
    Dedup,
    Display,
    Duration,
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
    SortKey,
    Star,
    Stats,
    Unary,
)

#: The most rows a query returns, and so the most its `limit` may ask.
MAX_LIMIT: Final = 10_000
_COMPARISONS: Final = ("=", "!=", "<", "<=", ">", ">=")
_MILLIS: Final = {
    **dict.fromkeys(("ms", "msec", "msecs", "millisecond", "milliseconds"), 1),
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), 1000),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 60_000),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 3_600_000),
    **dict.fromkeys(("d", "day", "days"), 86_400_000),
    **dict.fromkeys(("w", "week", "weeks"), 604_800_000),
}
#: Calendar periods, which AWS bins by but skydeck does not (docs/deviations.md).
_CALENDAR: Final = frozenset(
    ("mo", "mon", "mons", "month", "months", "q", "qtr", "qtrs", "quarter", "quarters")
).union(("y", "yr", "yrs", "year", "years"))
_GROUP_NAME: Final = re.compile(r"\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>")
_DURATION: Final = re.compile(r"([0-9]+(?:\.[0-9]+)?)([A-Za-z]+)")


def parse_query(text: str) -> Query:
    """The query `text` says, or QueryError naming what is wrong and where."""
    query = _Parser(text).query()
    _check(query)
    return query


class _Parser:
    __slots__ = ("scanner", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.scanner = Scanner(text)

    def query(self) -> Query:
        commands: list[Command] = []
        if self.scanner.peek().kind != "end":
            commands.append(self.command())
            while self.scanner.take_symbol("|"):
                commands.append(self.command())
        end = self.scanner.peek()
        if end.kind != "end":
            raise self.scanner.refuse(end)
        return Query(self.text, tuple(commands))

    # -- commands --------------------------------------------------------------------

    def command(self) -> Command:
        token = self.scanner.peek()
        word = token.value.lower() if token.kind == "name" else ""
        readers: dict[str, Callable[[], Command]] = {
            "fields": self.fields,
            "display": self.display,
            "filter": self.filter,
            "stats": self.stats,
            "sort": self.sort,
            "limit": self.limit,
            "parse": self.parse,
            "dedup": self.dedup,
        }
        read = readers.get(word)
        if read is None:
            raise self.scanner.refuse(token)
        self.scanner.take()
        return read()

    def fields(self) -> Fields:
        return Fields(self.projections())

    def display(self) -> Display:
        return Display(self.field_list())

    def filter(self) -> Filter:
        return Filter(self.expression())

    def stats(self) -> Stats:
        aggregates = self.projections()
        groups = self.projections() if self.scanner.take_word("by") else ()
        return Stats(aggregates, groups)

    def sort(self) -> Sort:
        keys = [self.sort_key()]
        while self.scanner.take_symbol(","):
            keys.append(self.sort_key())
        return Sort(tuple(keys))

    def sort_key(self) -> SortKey:
        expr = self.expression()
        if self.scanner.take_word("desc"):
            return SortKey(expr, True)
        self.scanner.take_word("asc")
        return SortKey(expr, False)

    def limit(self) -> Limit:
        token = self.scanner.take()
        count = whole_number(token.value) if token.kind == "number" else None
        if count is None or count < 0:
            raise self.scanner.refuse(token)
        if not 1 <= count <= MAX_LIMIT:
            raise QueryError(
                f"limit must be between 1 and {MAX_LIMIT}: {count}", token.start, token.end - 1
            )
        return Limit(count)

    def parse(self) -> Parse:
        start = self.scanner.peek().start
        source = Field("@message", start, start)
        if not self.scanner.at_regex() and self.scanner.peek().kind != "string":
            token = self.scanner.take()
            source = Field(self.name_of(token), token.start, token.end)
        if self.scanner.at_regex():
            token = self.scanner.regex()
            names = tuple(dict.fromkeys(_GROUP_NAME.findall(token.value)))
            if not names:
                raise QueryError(
                    "parse with a regular expression needs named groups: (?<name>...)",
                    token.start,
                    token.end - 1,
                )
            return Parse(source, token.value, True, names, start, token.end)
        token = self.scanner.take()
        if token.kind != "string":
            raise self.scanner.refuse(token)
        if not self.scanner.take_word("as"):
            raise self.scanner.refuse(self.scanner.peek())
        names = self.names()
        wildcards = token.value.count("*")
        if wildcards != len(names):
            raise QueryError(
                f"parse pattern has {wildcards} wildcards for {len(names)} fields",
                token.start,
                token.end - 1,
            )
        return Parse(source, token.value, False, names, start, token.end)

    def dedup(self) -> Dedup:
        return Dedup(self.field_list())

    # -- pieces ----------------------------------------------------------------------

    def names(self) -> tuple[str, ...]:
        names = [self.name_of(self.scanner.take())]
        while self.scanner.take_symbol(","):
            names.append(self.name_of(self.scanner.take()))
        return tuple(names)

    def field_list(self) -> tuple[Field, ...]:
        fields = [self.field()]
        while self.scanner.take_symbol(","):
            fields.append(self.field())
        return tuple(fields)

    def field(self) -> Field:
        token = self.scanner.take()
        return Field(self.name_of(token), token.start, token.end)

    def name_of(self, token: Token) -> str:
        if token.kind not in ("name", "quoted"):
            raise self.scanner.refuse(token)
        return token.value

    def projections(self) -> tuple[Projection, ...]:
        items = [self.projection()]
        while self.scanner.take_symbol(","):
            items.append(self.projection())
        return tuple(items)

    def projection(self) -> Projection:
        expr = self.expression()
        if self.scanner.take_word("as"):
            return Projection(expr, self.name_of(self.scanner.take()))
        if isinstance(expr, Field):
            return Projection(expr, expr.name)
        return Projection(expr, self.text[expr.start : expr.end])

    # -- expressions -----------------------------------------------------------------

    def expression(self) -> Expr:
        left = self.conjunction()
        while self.scanner.take_word("or"):
            right = self.conjunction()
            left = Binary("or", left, right, left.start, right.end)
        return left

    def conjunction(self) -> Expr:
        left = self.negation()
        while self.scanner.take_word("and"):
            right = self.negation()
            left = Binary("and", left, right, left.start, right.end)
        return left

    def negation(self) -> Expr:
        token = self.scanner.peek()
        if self.scanner.take_word("not"):
            operand = self.negation()
            return Unary("not", operand, token.start, operand.end)
        return self.comparison()

    def comparison(self) -> Expr:
        left = self.additive()
        token = self.scanner.peek()
        if token.kind == "symbol" and token.value in _COMPARISONS:
            self.scanner.take()
            right = self.additive()
            return Binary(token.value, left, right, left.start, right.end)
        if token.kind == "symbol" and token.value == "=~":
            self.scanner.take()
            regex = self.regex()
            return Binary("like", left, regex, left.start, regex.end)
        negated = self.scanner.take_word("not")
        if self.scanner.take_word("like"):
            pattern = self.like_pattern()
            found: Expr = Binary("like", left, pattern, left.start, pattern.end)
        elif self.scanner.take_word("in"):
            found = self.in_list(left)
        elif negated:
            raise self.scanner.refuse(self.scanner.peek())
        else:
            return left
        return Unary("not", found, left.start, found.end) if negated else found

    def like_pattern(self) -> Expr:
        if self.scanner.at_regex():
            return self.regex()
        token = self.scanner.take()
        if token.kind != "string":
            raise self.scanner.refuse(token)
        return Constant(token.value, token.start, token.end)

    def regex(self) -> Regex:
        token = self.scanner.regex()
        return Regex(token.value, token.start, token.end)

    def in_list(self, operand: Expr) -> InList:
        self.scanner.expect_symbol("[")
        items = [self.additive()]
        while self.scanner.take_symbol(","):
            items.append(self.additive())
        close = self.scanner.expect_symbol("]")
        return InList(operand, tuple(items), operand.start, close.end)

    def additive(self) -> Expr:
        left = self.multiplicative()
        while (token := self.scanner.peek()).kind == "symbol" and token.value in "+-":
            self.scanner.take()
            right = self.multiplicative()
            left = Binary(token.value, left, right, left.start, right.end)
        return left

    def multiplicative(self) -> Expr:
        left = self.power()
        while (token := self.scanner.peek()).kind == "symbol" and token.value in ("*", "/", "%"):
            self.scanner.take()
            right = self.power()
            left = Binary(token.value, left, right, left.start, right.end)
        return left

    def power(self) -> Expr:
        left = self.signed()
        if self.scanner.take_symbol("^"):
            right = self.signed()
            return Binary("^", left, right, left.start, right.end)
        return left

    def signed(self) -> Expr:
        token = self.scanner.peek()
        if self.scanner.take_symbol("-"):
            operand = self.signed()
            return Unary("-", operand, token.start, operand.end)
        return self.primary()

    def primary(self) -> Expr:
        token = self.scanner.take()
        if token.kind == "symbol" and token.value == "(":
            inner = self.expression()
            self.scanner.expect_symbol(")")
            return inner
        if token.kind == "string":
            return Constant(token.value, token.start, token.end)
        if token.kind == "number":
            return Constant(float(token.value), token.start, token.end)
        if token.kind == "duration":
            return _duration(token)
        if token.kind == "name" and self.scanner.take_symbol("("):
            return self.call(token)
        if token.kind in ("name", "quoted"):
            return Field(token.value, token.start, token.end)
        raise self.scanner.refuse(token)

    def call(self, name: Token) -> Call:
        args: list[Expr] = []
        close = self.scanner.peek()
        if not self.scanner.take_symbol(")"):
            args.append(self.argument())
            while self.scanner.take_symbol(","):
                args.append(self.argument())
            close = self.scanner.expect_symbol(")")
        return Call(name.value.lower(), tuple(args), name.start, close.end)

    def argument(self) -> Expr:
        token = self.scanner.peek()
        if self.scanner.take_symbol("*"):
            return Star(token.start, token.end)
        return self.expression()


def _duration(token: Token) -> Duration:
    found = _DURATION.fullmatch(token.value)
    assert found is not None  # the scanner read it as digits and letters
    unit = found.group(2).lower()
    if unit in _CALENDAR:
        raise QueryError(
            f"skydeck does not bin by calendar periods: {token.value}", token.start, token.end - 1
        )
    if unit not in _MILLIS:
        raise QueryError(f"Invalid time unit: {token.value}", token.start, token.end - 1)
    millis = int(float(found.group(1)) * _MILLIS[unit])
    if millis <= 0:
        raise QueryError(f"Invalid period: {token.value}", token.start, token.end - 1)
    return Duration(millis, token.start, token.end)


# -- checks ----------------------------------------------------------------------------


def _check(query: Query) -> None:
    """Refuse what parses but cannot run; see the module docstring."""
    scope: set[str] | None = None  # None: any field may be discovered
    for command in query.commands:
        if isinstance(command, Fields):
            for item in command.items:
                _value(item.expr, scope)
            if scope is not None:
                scope.update(item.name for item in command.items)
        elif isinstance(command, Filter):
            _condition(command.condition, scope)
        elif isinstance(command, Stats):
            for group in command.groups:
                _value(group.expr, scope)
            for item in command.aggregates:
                _aggregate(item.expr, scope)
            scope = {p.name for p in (*command.groups, *command.aggregates)}
        elif isinstance(command, Sort):
            for key in command.keys:
                _value(key.expr, scope)
        elif isinstance(command, Parse):
            _known(command.source, scope)
            if scope is not None:
                scope.update(command.names)
        elif isinstance(command, Display | Dedup):
            for field in command.fields:
                _known(field, scope)


def _known(field: Field, scope: set[str] | None) -> None:
    if scope is not None and field.name not in scope:
        raise QueryError(
            f"Unknown symbols found in or after stats: {field.name}", field.start, field.end - 1
        )


def _value(expr: Expr, scope: set[str] | None) -> None:
    """An expression that makes a value: fields, constants, arithmetic, scalar calls."""
    if isinstance(expr, Field):
        _known(expr, scope)
    elif isinstance(expr, Constant):
        return
    elif isinstance(expr, Unary) and expr.op == "-":
        _value(expr.operand, scope)
    elif isinstance(expr, Binary) and expr.op in ("+", "-", "*", "/", "%", "^"):
        _value(expr.left, scope)
        _value(expr.right, scope)
    elif isinstance(expr, Call) and _signature(expr) == "scalar":
        if expr.name == "bin":
            if not isinstance(expr.args[0], Duration):
                raise _misplaced(expr.args[0], "bin() takes a period, such as 5m")
            return
        for arg in expr.args:
            _value(arg, scope)
    elif isinstance(expr, Call) and _signature(expr) == "aggregate":
        raise _misplaced(expr, f"{expr.name}() is an aggregate: it belongs in stats")
    elif isinstance(expr, Duration):
        raise _misplaced(expr, "a period belongs in bin()")
    elif isinstance(expr, Star):
        raise _misplaced(expr, "* belongs in count(*)")
    else:
        raise _misplaced(expr, "a condition belongs in filter")


def _condition(expr: Expr, scope: set[str] | None) -> None:
    """A `filter` condition: comparisons joined by and/or/not, or a test of a field."""
    if isinstance(expr, Binary) and expr.op in ("and", "or"):
        _condition(expr.left, scope)
        _condition(expr.right, scope)
    elif isinstance(expr, Unary) and expr.op == "not":
        _condition(expr.operand, scope)
    elif isinstance(expr, Binary) and expr.op in _COMPARISONS:
        _value(expr.left, scope)
        _value(expr.right, scope)
    elif isinstance(expr, Binary) and expr.op == "like":
        _value(expr.left, scope)
    elif isinstance(expr, InList):
        _value(expr.operand, scope)
        for item in expr.items:
            if not isinstance(item, Constant):
                raise _misplaced(item, "in [...] lists constants")
    elif isinstance(expr, Call) and _signature(expr) == "boolean":
        _value(expr.args[0], scope)
    else:
        raise _misplaced(expr, "filter needs a condition")


def _aggregate(expr: Expr, scope: set[str] | None) -> None:
    if not isinstance(expr, Call) or _signature(expr) != "aggregate":
        raise _misplaced(expr, "stats needs an aggregate function, such as count(*)")
    args = expr.args
    if expr.name == "count" and args and isinstance(args[0], Star):
        return
    if expr.name == "pct":
        percent = args[1]
        if not isinstance(percent, Constant) or not isinstance(percent.value, float):
            raise _misplaced(percent, "pct() takes a percentage, such as 95")
        if not 0 <= percent.value <= 100:
            raise _misplaced(percent, "pct() takes a percentage from 0 to 100")
        args = args[:1]
    for arg in args:
        _value(arg, scope)


def _signature(call: Call) -> str:
    signature = SIGNATURES.get(call.name)
    if signature is None:
        raise QueryError(
            f"Unknown function: {call.name}", call.start, call.start + len(call.name) - 1
        )
    count = len(call.args)
    if count < signature.least or (signature.most is not None and count > signature.most):
        raise _misplaced(call, f"{call.name}() does not take {count} arguments")
    if any(isinstance(arg, Star) for arg in call.args) and call.name != "count":
        raise _misplaced(call, f"{call.name}(*) is not a function")
    return signature.role


def _misplaced(expr: Expr, reason: str) -> QueryError:
    return QueryError(reason, expr.start, expr.end - 1)
