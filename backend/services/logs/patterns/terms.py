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
from backend.services.logs.patterns.prefilter import Clauses

Test = Callable[[str], bool]
#: A word or phrase the text contains, or a regex it matches.
Term = str | re.Pattern[str]

_BARE = re.compile(r"[A-Za-z0-9_]+")
_TOKEN = re.compile(r"\S+")


def read_terms(cursor: Cursor) -> tuple[Test, Clauses, bool]:
    """The test; the words a matching event holds (`prefilter`); whether they are the test."""
    needed: list[Term] = []
    excluded: list[Term] = []
    optional: list[Term] = []
    while not cursor.at_end():
        into = optional if cursor.take("?") else excluded if cursor.take("-") else needed
        into.append(_read_term(cursor))
    if not needed and not excluded:
        words = tuple(term for term in optional if isinstance(term, str))
        whole = len(words) == len(optional)
        return _any_of(optional), ((words,) if whole else ()), whole
    clauses = tuple((term,) for term in needed if isinstance(term, str))
    whole = not excluded and len(clauses) == len(needed) == 1
    if not excluded:
        return _all_of(needed), clauses, whole
    holds, absent = _all_of(needed), _any_of(excluded)
    return lambda message: holds(message) and not absent(message), clauses, whole


def _read_term(cursor: Cursor) -> Term:
    match cursor.peek():
        case '"':
            phrase = cursor.quoted(empty=False)
            return "" if phrase.isspace() else phrase
        case "%":
            return cursor.regex()
        case "":
            raise FilterPatternError()
    token = cursor.take_match(_TOKEN)
    if token is None:
        raise invalid_character(cursor.peek())
    if not _BARE.fullmatch(token):
        raise invalid_character(next(char for char in token if not _BARE.match(char)))
    return token


# Plain loops: a generator or `map` under `all()`/`any()` costs twice as much per
# event as the `in` tests themselves. Words, cheaper than regexes, go first.


def _all_of(terms: list[Term]) -> Test:
    words, searches = _split(terms)
    if len(words) == 1 and not searches:
        word = words[0]
        return lambda message: word in message

    def holds(message: str) -> bool:
        for word in words:
            if word not in message:
                return False
        for search in searches:  # noqa: SIM110
            if search(message) is None:
                return False
        return True

    return holds


def _any_of(terms: list[Term]) -> Test:
    words, searches = _split(terms)

    def holds(message: str) -> bool:
        for word in words:
            if word in message:
                return True
        for search in searches:  # noqa: SIM110
            if search(message) is not None:
                return True
        return False

    return holds


def _split(terms: list[Term]) -> tuple[list[str], list[Callable[[str], re.Match[str] | None]]]:
    words = [term for term in terms if isinstance(term, str)]
    return words, [term.search for term in terms if isinstance(term, re.Pattern)]
