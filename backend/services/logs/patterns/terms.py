"""Unstructured patterns: terms an event must contain (`ERROR`, `"Out of memory"`, `%regex%`).

Terms are case-sensitive and match anywhere in the text (`ERROR` matches
`ERRORCODE`). Several terms must all appear; `-term` must not; `?term`
offers alternatives, any one of which will do, but only when the pattern has
nothing else: AWS ignores `?` terms beside plain or `-` terms (`?ERROR
?ARGUMENTS REQUEST` matches every event containing `REQUEST`). A bare term
is letters, digits and `_`; anything else goes in double quotes. A quoted
phrase of spaces alone matches every event, as AWS documents `" "`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from backend.services.logs.patterns.cursor import Cursor
from backend.services.logs.patterns.errors import FilterPatternError, invalid_character

Test = Callable[[str], bool]

_BARE = re.compile(r"[A-Za-z0-9_]+")
_TOKEN = re.compile(r"\S+")


def read_terms(cursor: Cursor) -> Test:
    needed: list[Test] = []
    excluded: list[Test] = []
    optional: list[Test] = []
    while not cursor.at_end():
        into = optional if cursor.take("?") else excluded if cursor.take("-") else needed
        into.append(_read_term(cursor))
    if needed or excluded:
        return _all(needed, excluded)
    return _any(optional)


def _read_term(cursor: Cursor) -> Test:
    match cursor.peek():
        case '"':
            phrase = cursor.quoted()
            return _contains("" if phrase.isspace() else phrase)
        case "%":
            search = cursor.regex().search
            return lambda message: search(message) is not None
        case "":
            raise FilterPatternError()
    token = cursor.take_match(_TOKEN)
    if token is None:
        raise invalid_character(cursor.peek())
    if not _BARE.fullmatch(token):
        raise invalid_character(next(char for char in token if not _BARE.match(char)))
    return _contains(token)


def _contains(term: str) -> Test:
    return lambda message: term in message


def _all(needed: list[Test], excluded: list[Test]) -> Test:
    if len(needed) == 1 and not excluded:
        return needed[0]

    def matches(message: str) -> bool:
        for test in needed:
            if not test(message):
                return False
        return not any(test(message) for test in excluded)

    return matches


def _any(optional: list[Test]) -> Test:
    return lambda message: any(test(message) for test in optional)
