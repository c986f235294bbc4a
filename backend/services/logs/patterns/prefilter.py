"""Text an event must contain to possibly match: tests in C that skip the costly reading.

Splitting an event into fields, and above all parsing it as JSON, costs
microseconds; asking whether it contains a word costs nanoseconds. A
structured pattern knows words a matching event must hold (`"UpdateTrail"`
for `{ $.eventType = "UpdateTrail" }`), so events without them are refused
unread. It only ever skips work: every word required is one that any
matching event holds, so a refused event could not have matched.

A number compared by order (`{ $.latency > 1000 }`) has no word, but it
has a place: in JSON text without escapes, `"latency"` followed by a colon
occurs only where an object names that key, with its value right after. So
an event none of whose `"latency":` is followed by a number over 1000 is
refused unread too.

The requirement is a conjunction of clauses, each satisfied by any one of
its atoms (a word, or such a number): `&&` joins its sides' clauses, `||`
pairs them up. Dropping a clause only weakens it, which keeps it sound, so
unions too large to be worth testing are cut.

A batch of events (a PutLogEvents, a stream FilterLogEvents reads) is
screened without a Python call per event: `map` runs a substring test or a
regex over the messages and `compress` keeps the rows that pass, a clause
at a time, all in C. Only the rows left pay for a Python call, to split or
parse the event; a number the screen's regex lets through (it only narrows
them down: `number_ranges`) is settled by the pattern's own test.
"""

from __future__ import annotations

import functools
import operator
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate, chain, compress, repeat, tee

from backend.services.logs.patterns.comparisons import Comparison, literal_number
from backend.services.logs.patterns.number_ranges import JSON_NUMBER, passing

#: The rows of `messages` within `rows` that may match, and that pass a last test if given.
Screen = Callable[[Sequence[str], range, Callable[[str], bool] | None], Iterator[int]]


@dataclass(frozen=True, slots=True)
class NumberAfter:
    """`"key":` followed by a number that `comparison` (`<`, `<=`, `>`, `>=`) takes."""

    key: str
    comparison: Comparison

    def prefix(self) -> str:
        return f'"{re.escape(self.key)}"\\s*:\\s*'

    def holds(self) -> Callable[[str], bool]:
        """The exact test of one event's text."""
        search = re.compile(f"{self.prefix()}({JSON_NUMBER})").search
        accepts = self.comparison.ordering()
        assert accepts is not None  # only order comparisons are placed so

        def holds(message: str) -> bool:
            found = search(message)
            while found is not None:
                if accepts(float(found[1])):
                    return True
                found = search(message, found.end())
            return False

        return holds

    def candidates(self) -> str:
        """A regex every event passing `holds` matches, and most failing it don't."""
        literal = self.comparison.literal
        bound = literal_number(literal) if isinstance(literal, str) else None
        assert bound is not None  # as in `holds`
        return f"{self.prefix()}(?:{passing(self.comparison.operator, bound)})"

    def separator(self) -> str:
        """A character `candidates` never matches: a control character, not space or in the key."""
        return next(c for c in map(chr, range(32)) if not c.isspace() and c not in self.key)


#: What an event's text must hold: a word, or a number after a key.
Atom = str | NumberAfter
#: Clauses, each a tuple of atoms any one of which the event must hold.
Clauses = tuple[tuple[Atom, ...], ...]

#: Rows screened at a time (`_screen`).
_PART = 4096
#: Clauses and words kept: more cost more to test than they are likely to save.
_MAX_CLAUSES = 4
_MAX_WORDS = 4


@dataclass(frozen=True, slots=True)
class Prefilter:
    #: Whether one event's text holds every clause.
    holds: Callable[[str], bool]
    #: The rows of `messages` within `rows` (step 1) whose text may hold every clause,
    #: found in C (a number is only narrowed down, which the pattern's own test settles),
    #: and whose message passes the last test given (the pattern's own), mapped over them.
    screen: Screen
    #: Whether a row `screen` keeps holds every clause (all are words).
    exact: bool


def everything() -> Prefilter:
    """The prefilter of a pattern that asks no text: every row is screened in, a part at a time."""
    return Prefilter(lambda message: True, _screen((), None), exact=True)


def all_of(parts: Sequence[Clauses]) -> Clauses:
    joined = tuple(clause for part in parts for clause in part)
    return _shortest(joined)


def any_of(parts: Sequence[Clauses]) -> Clauses:
    """What holds when any part holds: a clause from each part, joined, for every choice."""
    result: Clauses = ((),)
    for part in parts:
        if not part:
            return ()
        result = tuple(tuple(dict.fromkeys(mine + theirs)) for mine in result for theirs in part)
        result = tuple(clause for clause in result if len(clause) <= _MAX_WORDS)
        if not result:
            return ()
    return _shortest(result)


def requirement(clauses: Clauses, *, unless: str | None = None) -> Prefilter | None:
    """The tests an event must pass to possibly match, or None when the clauses ask nothing.

    `unless` names text whose presence makes the clauses unreliable (a
    backslash, which lets JSON spell a string with escapes): an event holding
    it passes.
    """
    if not clauses:
        return None
    tests = [tuple(_test(atom) for atom in clause) for clause in clauses]

    def holds(message: str) -> bool:
        if unless is not None and unless in message:
            return True
        for clause in tests:
            for test in clause:
                if test in message if isinstance(test, str) else test(message):
                    break
            else:
                return False
        return True

    exact = all(isinstance(atom, str) for clause in clauses for atom in clause)
    return Prefilter(holds, _screen(clauses, unless), exact)


def _test(atom: Atom) -> str | Callable[[str], bool]:
    """A word, which `holds` looks for itself, or a number's test."""
    return atom.holds() if isinstance(atom, NumberAfter) else atom


#: One atom's test of many texts at once, in C: truthy for each that holds it.
_Flags = Callable[[Iterable[str]], Iterator[object]]
#: A clause's tests, one an atom.
_Stage = list[_Flags]


def _screen(clauses: Clauses, unless: str | None) -> Screen:
    """The rows whose text holds an atom of every clause (a number: may hold it), found in C.

    The screen's `then`, the pattern's own test, is its last stage: mapped
    over the messages of the rows left, so that a row costs a Python call
    only there. A batch is screened `_PART` rows at a time, so that a caller that stops
    early (a page of FilterLogEvents) leaves the rest unread. The part's
    messages are joined once: `unless` is rare (a backslash), so it is looked
    for there, and only a part that holds it is screened with it or-ed into
    every clause; and a first clause that is one number is found by one scan
    of the joined text rather than a regex call a message (`_found`).
    """
    plain = [_stage(clause) for clause in clauses]
    guarded = plain if unless is None else [_stage((*clause, unless)) for clause in clauses]
    first = clauses[0] if clauses else ()
    lead = first[0] if len(first) == 1 and isinstance(first[0], NumberAfter) else None
    finditer = None if lead is None else re.compile(lead.candidates()).finditer
    separator = "" if lead is None else lead.separator()

    def screen(
        messages: Sequence[str], rows: range, then: Callable[[str], bool] | None
    ) -> Iterator[int]:
        last: list[_Stage] = [] if then is None else [[functools.partial(map, then)]]

        def part(start: int) -> Iterator[int]:
            texts = messages[start : min(start + _PART, rows.stop)]
            joined = separator.join(texts) if finditer is not None or unless is not None else ""
            if unless is not None and unless in joined:
                return _kept(guarded + last, messages, range(start, start + len(texts)), texts)
            if finditer is not None:
                found = _found(finditer, joined, texts, start, separator)
                return _kept(plain[1:] + last, messages, found, None)
            return _kept(plain + last, messages, range(start, start + len(texts)), texts)

        # The parts' rows are chained in C: a row kept costs no Python frame either.
        return chain.from_iterable(map(part, range(rows.start, rows.stop, _PART)))

    return screen


def _stage(clause: tuple[Atom, ...]) -> _Stage:
    return [_flags(atom, alone=len(clause) == 1) for atom in clause]


def _found(
    finditer: Callable[[str], Iterator[re.Match[str]]],
    joined: str,
    texts: Sequence[str],
    start: int,
    separator: str,
) -> list[int]:
    """The rows (from `start` on) of the texts `joined` with `separator` where `finditer` finds.

    The regex never matches the separator, so no match spans two texts, nor
    hides one in the next.
    """
    at = list(map(re.Match.start, finditer(joined)))
    if not at:
        return []
    # Where each text starts in `joined`; a match's row is the last that starts at or before it.
    starts = list(accumulate(map(operator.add, map(len, texts), repeat(1)), initial=0))
    rows = map(operator.add, map(bisect_right, repeat(starts), at), repeat(start - 1))
    return list(dict.fromkeys(rows))


def _kept(
    stages: list[_Stage],
    messages: Sequence[str],
    kept: Iterable[int],
    texts: Sequence[str] | None,
) -> Iterator[int]:
    """The rows of `kept` that every stage keeps; `texts` are their messages, if at hand.

    Each clause is a `compress` of the rows the one before kept: the texts
    at hand are read as they are, other rows' through `tee`, which hands the
    rows both to the reading and to `compress`. Within a clause, one `map` an
    atom, joined by `or_`: a regex alternation would cost a word its fast
    substring scan.
    """
    for stage in stages:
        if texts is not None:
            sources: list[Iterable[str]] = [texts] * len(stage)
            positions = kept
            texts = None
        else:
            *copies, positions = tee(kept, len(stage) + 1)
            sources = [map(messages.__getitem__, copy) for copy in copies]
        joined = stage[0](sources[0])
        for flags, more in zip(stage[1:], sources[1:], strict=True):
            joined = map(operator.or_, joined, flags(more))
        kept = compress(positions, joined)
    return iter(kept)


def _flags(atom: Atom, *, alone: bool) -> _Flags:
    """`atom`'s test of many texts; bools unless `alone` in its clause (`or_` joins bools)."""
    if isinstance(atom, str):
        return lambda texts: map(operator.contains, texts, repeat(atom))
    search = re.compile(atom.candidates()).search
    if alone:
        return lambda texts: map(search, texts)
    return lambda texts: map(operator.truth, map(search, texts))


def _shortest(clauses: Clauses) -> Clauses:
    """The clauses most worth testing, in the order to test them.

    Words before numbers (a scan for a word is the cheaper), then fewest
    alternatives, then longest words. A batch is screened on the first over
    all its rows, on the others over the rows left.
    """
    unique = dict.fromkeys(clauses)
    ranked = sorted(
        unique,
        key=lambda clause: (
            not all(isinstance(atom, str) for atom in clause),
            len(clause),
            -min(len(atom) if isinstance(atom, str) else 0 for atom in clause),
        ),
    )
    return tuple(ranked[:_MAX_CLAUSES])
