"""A composite alarm's AlarmRule: its grammar, the alarms it names, and its truth.

The rule is AWS's small boolean language (PutCompositeAlarm's AlarmRule):
`ALARM(name)`, `OK(name)` and `INSUFFICIENT_DATA(name)` are true when the
named alarm is in that state, `TRUE` and `FALSE` are constants, and `AND`,
`OR`, `NOT` and parentheses combine them, NOT binding tightest and OR
loosest. A name may be quoted (`ALARM("cpu high")`) or not, and may be an
alarm ARN. Keywords are upper case, as AWS's examples write them.

The parser is recursive descent over a token list; it keeps nothing but the
tree, so the alarm holds the rule as put (for DescribeAlarms) and the tree
(for evaluation). AWS also bounds the rule: at most 10,240 characters, at
most 100 distinct child alarms and at most 500 elements (children, TRUE and
FALSE, and parentheses). skydeck adds a nesting bound (100 NOTs and
parentheses deep) so that no rule can exhaust Python's recursion.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

#: The model's AlarmRule length bound.
MAX_RULE_LENGTH = 10_240
#: Distinct alarms a rule may name.
MAX_CHILDREN = 100
#: Children, constants and parentheses a rule may hold.
MAX_ELEMENTS = 500
#: NOTs and parentheses one inside another: bounds the recursion of parsing and evaluation.
MAX_DEPTH = 100
#: The functions a rule may apply to an alarm, by the state each tests for.
FUNCTIONS = ("ALARM", "OK", "INSUFFICIENT_DATA")

_TOKEN = re.compile(
    r"\s*(?:(?P<operator>(?:AND|OR|NOT)\b)"
    r"|(?P<word>[A-Z_]+)\s*\(\s*(?:\"(?P<quoted>[^\"]*)\"|(?P<bare>[^()\"]*?))\s*\)"
    r"|(?P<keyword>[A-Za-z_]+)|(?P<paren>[()])|(?P<other>\S))"
)


class RuleError(ValueError):
    """A rule AWS would refuse; the message is the one the caller sees."""


@dataclass(frozen=True, slots=True)
class Child:
    """`ALARM(name)` and its kin: true when alarm `name` (a name or an ARN) is in `state`."""

    state: str
    name: str


@dataclass(frozen=True, slots=True)
class Constant:
    value: bool


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expression


@dataclass(frozen=True, slots=True)
class Both:
    """AND over two or more operands (a chain is one node, so long rules stay shallow)."""

    operands: tuple[Expression, ...]


@dataclass(frozen=True, slots=True)
class Either:
    operands: tuple[Expression, ...]


Expression = Child | Constant | Not | Both | Either


def parse(rule: str) -> Expression:
    """The tree of `rule`, or a RuleError saying where it goes wrong."""
    if len(rule) > MAX_RULE_LENGTH:
        raise RuleError(f"AlarmRule must be at most {MAX_RULE_LENGTH} characters long.")
    if rule != rule.strip() or not rule:
        raise RuleError("AlarmRule must not contain leading or trailing whitespace or be null.")
    tokens = list(_tokens(rule))
    elements = sum(1 for kind, _ in tokens if kind in ("child", "constant", "paren"))
    if elements > MAX_ELEMENTS:
        raise RuleError(f"AlarmRule must not contain more than {MAX_ELEMENTS} elements.")
    parser = _Parser(tokens)
    tree = parser.either()
    if parser.position != len(tokens):
        raise parser.unexpected()
    if len({child.name for child in children(tree)}) > MAX_CHILDREN:
        raise RuleError(f"AlarmRule must not reference more than {MAX_CHILDREN} alarms.")
    return tree


def children(tree: Expression) -> Iterator[Child]:
    """Every alarm test in `tree`, left to right (a name may come more than once)."""
    match tree:
        case Child():
            yield tree
        case Constant():
            return
        case Not(operand):
            yield from children(operand)
        case Both(operands) | Either(operands):
            for operand in operands:
                yield from children(operand)


def truth(tree: Expression, state_of: Callable[[str], str]) -> bool:
    """What `tree` says, given each named alarm's state."""
    match tree:
        case Child(state, name):
            return state_of(name) == state
        case Constant(value):
            return value
        case Not(operand):
            return not truth(operand, state_of)
        case Both(operands):
            return all(truth(operand, state_of) for operand in operands)
        case Either(operands):
            return any(truth(operand, state_of) for operand in operands)


def _tokens(rule: str) -> Iterator[tuple[str, str | Child]]:
    """(kind, value) pairs: `child` (a Child), `constant`, `operator`, `paren`."""
    position = 0
    while position < len(rule):
        match = _TOKEN.match(rule, position)
        if match is None:  # only trailing white space is left
            return
        position = match.end()
        word, keyword = match["word"], match["keyword"]
        if match["operator"] is not None:
            yield "operator", match["operator"]
        elif word is not None:
            if word not in FUNCTIONS:
                raise RuleError(f"Error in alarm rule: unknown function {word}.")
            name = match["quoted"] if match["quoted"] is not None else match["bare"]
            if not name:
                raise RuleError(f"Error in alarm rule: {word}() must name an alarm.")
            yield "child", Child(word, name)
        elif keyword in ("TRUE", "FALSE"):
            yield "constant", keyword
        elif keyword is not None:
            raise RuleError(f"Error in alarm rule: unexpected word {keyword}.")
        elif match["paren"] is not None:
            yield "paren", match["paren"]
        else:
            raise RuleError(f"Error in alarm rule: unexpected character {match['other']!r}.")


class _Parser:
    """Recursive descent: either := both (OR both)*; both := unary (AND unary)*."""

    def __init__(self, tokens: list[tuple[str, str | Child]]) -> None:
        self.tokens = tokens
        self.position = 0
        self.depth = 0

    def nested(self, rule: Callable[[], Expression]) -> Expression:
        """`rule` one NOT or parenthesis deeper, refused past MAX_DEPTH."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise RuleError(f"Error in alarm rule: nested more than {MAX_DEPTH} levels deep.")
        tree = rule()
        self.depth -= 1
        return tree

    def peek(self) -> tuple[str, str | Child] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def unexpected(self) -> RuleError:
        found = self.peek()
        if found is None:
            return RuleError("Error in alarm rule: the rule ends where an operand is expected.")
        value = found[1]
        shown = f"{value.state}({value.name})" if isinstance(value, Child) else value
        return RuleError(f"Error in alarm rule: unexpected {shown}.")

    def either(self) -> Expression:
        operands = [self.both()]
        while self.peek() == ("operator", "OR"):
            self.position += 1
            operands.append(self.both())
        return operands[0] if len(operands) == 1 else Either(tuple(operands))

    def both(self) -> Expression:
        operands = [self.unary()]
        while self.peek() == ("operator", "AND"):
            self.position += 1
            operands.append(self.unary())
        return operands[0] if len(operands) == 1 else Both(tuple(operands))

    def unary(self) -> Expression:
        found = self.peek()
        if found is None:
            raise self.unexpected()
        kind, value = found
        self.position += 1
        if kind == "operator" and value == "NOT":
            return Not(self.nested(self.unary))
        if kind == "child" and isinstance(value, Child):
            return value
        if kind == "constant":
            return Constant(value == "TRUE")
        if (kind, value) == ("paren", "("):
            tree = self.nested(self.either)
            if self.peek() != ("paren", ")"):
                raise self.unexpected()
            self.position += 1
            return tree
        self.position -= 1
        raise self.unexpected()
