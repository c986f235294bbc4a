"""JSON patterns: `{ $.eventType = "UpdateTrail" && ($.latency > 1000 || $.error IS TRUE) }`.

A condition is a selector and a comparison (`=`, `!=`, `<`, `<=`, `>`, `>=`),
`IS NULL`, `IS TRUE`, `IS FALSE` or `NOT EXISTS` (`IS NOT` and `EXISTS` are
not supported, as AWS documents). `&&` binds tighter than `||`, parentheses
group. A comparison needs a string or number where the selector points:
`{ $.users = 1 }` and `{ $.users != 1 }` both fail where `users` is an array,
an object, null or a bool, or is missing. AWS allows three wildcards in a
pattern.

The parser builds one closure per condition and joins them, and gathers
what a matching event's text must hold (`prefilter`): the last property the
selector names, in quotes; the literal a string comparison asks for; for an
order comparison, a number that passes it after that property.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from backend.services.logs.patterns.comparisons import Comparison, read_comparison
from backend.services.logs.patterns.cursor import Cursor
from backend.services.logs.patterns.errors import FilterPatternError
from backend.services.logs.patterns.json_selectors import Selector, read_selector
from backend.services.logs.patterns.prefilter import Clauses, NumberAfter, all_of, any_of

#: A condition on a JSON object (the whole event).
Condition = Callable[[dict[str, Any]], bool]

#: Wildcards a pattern may have over all its selectors (AWS's quota).
MAX_PATTERN_WILDCARDS = 3
#: A literal written without quotes: `UpdateTrail`, `400`, `+1e3`, `123.123.*`.
_WORD = re.compile(r"[A-Za-z0-9_.*+-]+")
_KEYWORD = re.compile(r"[A-Za-z]+")
#: What `IS` may ask, and the JSON literal an event holding it contains.
_IS: dict[str, tuple[object, str]] = {
    "NULL": (None, "null"),
    "TRUE": (True, "true"),
    "FALSE": (False, "false"),
}


def read_json_pattern(cursor: Cursor) -> tuple[Condition, Clauses, frozenset[str] | None]:
    """The whole `{ ... }` pattern, the clauses a matching event's text satisfies, and `members`.

    `members` are the event's members the selectors start at, all that the
    condition reads of an event; None when a selector starts at `$.*`.
    """
    parser = _Parser(cursor)
    cursor.expect("{")
    condition, clauses = parser.disjunction()
    cursor.expect("}")
    if not cursor.at_end():
        raise FilterPatternError()
    members = parser.members
    return condition, clauses, None if members is None else frozenset(members)


class _Parser:
    def __init__(self, cursor: Cursor) -> None:
        self.cursor = cursor
        self.wildcards = 0
        #: The members the selectors start at (`read_json_pattern`).
        self.members: set[str] | None = set()

    def disjunction(self) -> tuple[Condition, Clauses]:
        parts = [self.conjunction()]
        while self.cursor.take("||"):
            parts.append(self.conjunction())
        return _either([test for test, _ in parts]), any_of([clauses for _, clauses in parts])

    def conjunction(self) -> tuple[Condition, Clauses]:
        parts = [self.operand()]
        while self.cursor.take("&&"):
            parts.append(self.operand())
        return _both([test for test, _ in parts]), all_of([clauses for _, clauses in parts])

    def operand(self) -> tuple[Condition, Clauses]:
        if self.cursor.take("("):
            inner = self.disjunction()
            self.cursor.expect(")")
            return inner
        return self.condition()

    def condition(self) -> tuple[Condition, Clauses]:
        cursor = self.cursor
        cursor.skip_space()
        selector = read_selector(cursor)
        self.wildcards += selector.wildcards
        if selector.root is None:
            self.members = None
        elif self.members is not None:
            self.members.add(selector.root)
        if self.wildcards > MAX_PATTERN_WILDCARDS:
            raise FilterPatternError()
        find = selector.find
        found: Clauses = ((f'"{selector.key}"',),) if selector.key is not None else ()
        keyword = cursor.take_match(_KEYWORD)
        if keyword == "NOT":
            if cursor.take_match(_KEYWORD) != "EXISTS":
                raise FilterPatternError()
            return (lambda document: not find(document)), ()
        if keyword == "IS":
            asked = _IS.get(cursor.take_match(_KEYWORD) or "")
            if asked is None:
                raise FilterPatternError()
            value, literal = asked
            return _is(find, value), ((literal,), *found)
        if keyword is not None:
            raise FilterPatternError()
        comparison = read_comparison(cursor, _WORD)
        compared = _compared(selector, comparison)

        needle = comparison.needle(leaves_are_text=False)
        if needle is not None:
            # The value first: where both are as long, it is screened on first (`prefilter`),
            # and a key is in most events of a group where a value is in few.
            return compared, ((needle,), *found)
        if comparison.ordering() is not None and selector.leaf_key is not None:
            # The number found after the key implies the key: its own clause would add a scan.
            return compared, ((NumberAfter(selector.leaf_key, comparison),),)
        return compared, found


def _compared(selector: Selector, comparison: Comparison) -> Condition:
    """Whether a value the selector finds is a string or number that passes `comparison`."""
    key = selector.top_key
    accepts = comparison.ordering()
    if key is not None and accepts is not None:
        # `$.latency > 1000`, the usual numeric filter: only a number passes, in one call.
        def number(document: dict[str, Any]) -> bool:
            value: Any = document.get(key)
            kind = type(value)
            return (kind is int or kind is float) and accepts(float(value))

        return number
    test = comparison.test(text_numbers=False)
    if key is not None:
        # `$.name`, the usual selector: one lookup, no list of the values found.
        def named(document: dict[str, Any]) -> bool:
            if key not in document:
                return False
            value = document[key]
            kind = type(value)
            return (kind is str or kind is int or kind is float) and test(value)

        return named
    find = selector.find

    def compared(document: dict[str, Any]) -> bool:
        for value in find(document):
            kind = type(value)
            if (kind is str or kind is int or kind is float) and test(value):
                return True
        return False

    return compared


def _is(find: Callable[[Any], list[Any]], wanted: object) -> Condition:
    return lambda document: any(value is wanted for value in find(document))


def _either(tests: Sequence[Condition]) -> Condition:
    if len(tests) == 1:
        return tests[0]
    return lambda document: any(test(document) for test in tests)


def _both(tests: Sequence[Condition]) -> Condition:
    if len(tests) == 1:
        return tests[0]
    return lambda document: all(test(document) for test in tests)
