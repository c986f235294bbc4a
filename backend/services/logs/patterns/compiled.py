"""A filter pattern compiled once into the tests every event is put through.

Metric and subscription filters test each event as it is put, and
FilterLogEvents tests up to millions per call, so `compile_pattern` does all
the reading up front: `matches` is then a closure over substring tests and
precompiled regexes, with one split into fields or one `json.loads` for a
structured pattern, which the prefilter skips for events lacking text that
every match holds.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from backend.services.logs.patterns.cursor import Cursor
from backend.services.logs.patterns.delimited import read_delimited_pattern
from backend.services.logs.patterns.errors import FilterPatternError
from backend.services.logs.patterns.extraction import PLAIN_MATCH, Match
from backend.services.logs.patterns.json_conditions import read_json_pattern
from backend.services.logs.patterns.prefilter import requirement
from backend.services.logs.patterns.terms import read_terms
from backend.untrusted import json_document

#: Longest pattern, in characters (the API's `FilterPattern` shape).
MAX_PATTERN_LENGTH = 1024
_UNCLOSED_JSON = "If a filter pattern starts with '{' it must end with '}'"
#: JSON escapes let an event spell any text differently, so one holding a
#: backslash can't be refused for lacking a word.
_ESCAPE = "\\"


class PatternKind(enum.StrEnum):
    TERMS = "terms"
    DELIMITED = "delimited"
    JSON = "json"


@dataclass(frozen=True, slots=True, eq=False)
class FilterPattern:
    text: str
    kind: PatternKind
    #: Whether an event's message matches.
    matches: Callable[[str], bool]
    #: The match, with what a metric filter reads from it, or None.
    match: Callable[[str], Match | None]

    def extract(self, message: str, value_spec: str) -> float | None:
        """The metric value `value_spec` gives for `message`: None unless it matches and has one."""
        found = self.match(message)
        return None if found is None else found.value(value_spec)


def compile_pattern(text: str, *, prefilter: bool = True) -> FilterPattern:
    """The pattern `text` compiled; FilterPatternError if CloudWatch Logs refuses it.

    `prefilter=False` leaves out the text tests that skip reading events
    which can't match: the same answers, slower, for checking that they are.
    """
    if len(text) > MAX_PATTERN_LENGTH:
        raise FilterPatternError()
    cursor = Cursor(text)
    match cursor.peek():
        case "":
            return FilterPattern(text, PatternKind.TERMS, lambda message: True, _plain)
        case "{":
            if not text.rstrip().endswith("}"):
                raise FilterPatternError(_UNCLOSED_JSON)
            return _json(text, cursor, prefilter)
        case "[":
            return _delimited(text, cursor, prefilter)
    test = read_terms(cursor)
    return FilterPattern(
        text, PatternKind.TERMS, test, lambda message: PLAIN_MATCH if test(message) else None
    )


def _plain(message: str) -> Match:
    return PLAIN_MATCH


def _json(text: str, cursor: Cursor, prefilter: bool) -> FilterPattern:
    condition, clauses = read_json_pattern(cursor)
    required = requirement(clauses, unless=_ESCAPE) if prefilter else None

    def document_of(message: str) -> dict[str, Any] | None:
        try:
            document = json_document(message)
        except ValueError:
            return None
        return document if type(document) is dict and condition(document) else None

    def matches(message: str) -> bool:
        if required is not None and not required(message):
            return False
        return document_of(message) is not None

    def match(message: str) -> Match | None:
        if required is not None and not required(message):
            return None
        document = document_of(message)
        return None if document is None else Match(document=document)

    return FilterPattern(text, PatternKind.JSON, matches, match)


def _delimited(text: str, cursor: Cursor, prefilter: bool) -> FilterPattern:
    pattern = read_delimited_pattern(cursor)
    required = requirement(pattern.clauses) if prefilter else None

    def match(message: str) -> Match | None:
        if required is not None and not required(message):
            return None
        fields = pattern.extracted(message)
        return None if fields is None else Match(extracted_values=fields)

    if required is None:
        return FilterPattern(text, PatternKind.DELIMITED, pattern.matches, match)
    test, place = required, pattern.matches

    def matches(message: str) -> bool:
        return test(message) and place(message)

    return FilterPattern(text, PatternKind.DELIMITED, matches, match)
