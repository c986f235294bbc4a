"""A filter pattern compiled once into the tests every event is put through.

Metric and subscription filters test each batch of events as it is put,
and FilterLogEvents tests up to millions per call, so `compile_pattern` does
all the reading up front, and keeps the last patterns it compiled (a
FilterLogEvents caller pages through one pattern many times). A pattern
answers for one event (`matches`, `match`) or for rows of a batch
(`select`): the rows are first screened in C on text that every match holds
(`prefilter`), and only those left are split into fields or parsed as JSON.
A JSON pattern builds only the members of an event its selectors start at
(`members`), and reads events through a `Parse` its caller gives, so that the
filters of one batch share one reading of each event (`parse_for` the
members all of them read).
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from backend.services.logs.patterns.cursor import Cursor
from backend.services.logs.patterns.delimited import read_delimited_pattern
from backend.services.logs.patterns.errors import FilterPatternError
from backend.services.logs.patterns.extraction import PLAIN_MATCH, Match
from backend.services.logs.patterns.json_conditions import read_json_pattern
from backend.services.logs.patterns.prefilter import Prefilter, everything, requirement
from backend.services.logs.patterns.terms import read_terms
from backend.untrusted import json_members, json_object

#: Longest pattern, in characters (the API's `FilterPattern` shape).
MAX_PATTERN_LENGTH = 1024
#: Patterns `compile_pattern` keeps compiled.
_KEPT = 256
_UNCLOSED_JSON = "If a filter pattern starts with '{' it must end with '}'"
#: JSON escapes let an event spell any text differently, so one holding a
#: backslash can't be refused for lacking a word.
_ESCAPE = "\\"
#: What screens the rows of a pattern without a prefilter (the test of each is mapped in C).
_EVERYTHING = everything()

#: How a JSON pattern reads an event: the object it holds, or None.
Parse = Callable[[str], dict[str, Any] | None]
#: The exact test of an event, after the prefilter, for a `Parse` to read JSON with.
_Decide = Callable[[Parse], Callable[[str], bool]]


class PatternKind(enum.StrEnum):
    TERMS = "terms"
    DELIMITED = "delimited"
    JSON = "json"


class ParseOnce:
    """A `Parse` that reads each distinct event once, for the filters of one batch to share.

    `read` reads an event for all of them: `parse_for` their members.
    """

    __slots__ = ("_documents", "_read")

    def __init__(self, read: Parse = json_object) -> None:
        self._read = read
        self._documents: dict[str, dict[str, Any] | None] = {}

    def __call__(self, message: str) -> dict[str, Any] | None:
        try:
            return self._documents[message]
        except KeyError:
            document = self._documents[message] = self._read(message)
            return document


def parse_for(members: Iterable[frozenset[str] | None]) -> Parse:
    """How to read events for readers that each read `members` of them (None: any member).

    Only the members some reader needs are built (`json_members`); a reader
    that may need any gets the whole object.
    """
    needed: set[str] = set()
    for some in members:
        if some is None:
            return json_object
        needed |= some
    return json_members(frozenset(needed))


@dataclass(frozen=True, slots=True, eq=False)
class FilterPattern:
    text: str
    kind: PatternKind
    #: Whether an event's message matches.
    matches: Callable[[str], bool]
    #: The match, with what a metric filter reads from it, or None.
    reader: Callable[[str, Parse], Match | None]
    prefilter: Prefilter | None
    #: The test of a row the prefilter let through; None when the prefilter decides.
    decide: _Decide | None
    #: The match of a message `select` chose (with the same `Parse`), not tested again.
    selected: Callable[[str, Parse], Match]
    #: What of an event a JSON pattern reads: the members its selectors start at
    #: (None: any member). Terms and space-delimited patterns read none.
    members: frozenset[str] | None = frozenset()
    #: How `select` reads events when its caller gives no `Parse`: only `members`.
    parse: Parse = json_object

    def match(self, message: str, parse: Parse = json_object) -> Match | None:
        """The match of `message`, reading it as JSON (a JSON pattern) with `parse`."""
        return self.reader(message, parse)

    def select(
        self, messages: Sequence[str], rows: range, parse: Parse | None = None
    ) -> Iterable[int]:
        """The rows within `rows` (step 1) whose message matches, in order, found lazily.

        `parse` must read at least the pattern's `members`; by default the
        pattern reads those alone.
        """
        decide = self.decide
        screen = (self.prefilter or _EVERYTHING).screen
        return screen(messages, rows, None if decide is None else decide(parse or self.parse))

    def extract(self, message: str, value_spec: str) -> float | None:
        """The metric value `value_spec` gives for `message`: None unless it matches and has one."""
        found = self.match(message)
        return None if found is None else found.value(value_spec)


@functools.lru_cache(maxsize=_KEPT)
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
            return FilterPattern(
                text, PatternKind.TERMS, lambda message: True, _plain, None, None, _plain
            )
        case "{":
            if not text.rstrip().endswith("}"):
                raise FilterPatternError(_UNCLOSED_JSON)
            return _json(text, cursor, prefilter)
        case "[":
            return _delimited(text, cursor, prefilter)
    test, clauses, whole = read_terms(cursor)
    required = requirement(clauses) if prefilter else None

    def reader(message: str, parse: Parse) -> Match | None:
        return PLAIN_MATCH if test(message) else None

    # One clause of words that is the whole test: the screen alone decides.
    decided = whole and required is not None and required.exact
    decide = None if decided else _ignoring_parse(test)
    return FilterPattern(text, PatternKind.TERMS, test, reader, required, decide, _plain)


def _plain(message: str, parse: Parse) -> Match:
    return PLAIN_MATCH


def _ignoring_parse(test: Callable[[str], bool]) -> _Decide:
    return lambda parse: test


def _json(text: str, cursor: Cursor, prefilter: bool) -> FilterPattern:
    condition, clauses, members = read_json_pattern(cursor)
    required = requirement(clauses, unless=_ESCAPE) if prefilter else None
    own = parse_for([members])

    def decide(parse: Parse) -> Callable[[str], bool]:
        def read(message: str) -> bool:
            document = parse(message)
            return document is not None and condition(document)

        return read

    def matches(message: str) -> bool:
        if required is not None and not required.holds(message):
            return False
        document = own(message)
        return document is not None and condition(document)

    def reader(message: str, parse: Parse) -> Match | None:
        if required is not None and not required.holds(message):
            return None
        document = parse(message)
        return None if document is None or not condition(document) else Match(document=document)

    def selected(message: str, parse: Parse) -> Match:
        return Match(document=parse(message))

    return FilterPattern(
        text, PatternKind.JSON, matches, reader, required, decide, selected, members, own
    )


def _delimited(text: str, cursor: Cursor, prefilter: bool) -> FilterPattern:
    pattern = read_delimited_pattern(cursor)
    required = requirement(pattern.clauses) if prefilter else None
    place = pattern.matches

    def reader(message: str, parse: Parse) -> Match | None:
        if required is not None and not required.holds(message):
            return None
        fields = pattern.extracted(message)
        return None if fields is None else Match(extracted_values=fields)

    if required is None:
        matches = place
    else:
        holds = required.holds

        def matches(message: str) -> bool:
            return holds(message) and place(message)

    def selected(message: str, parse: Parse) -> Match:
        fields = pattern.extracted(message)
        assert fields is not None  # `select` chose it
        return Match(extracted_values=fields)

    decide = _ignoring_parse(place)
    return FilterPattern(text, PatternKind.DELIMITED, matches, reader, required, decide, selected)
