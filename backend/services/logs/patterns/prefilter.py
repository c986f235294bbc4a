"""Text an event must contain to possibly match: a C-level test that skips the costly reading.

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
its atoms (a word, or such a test): `&&` joins its sides' clauses, `||`
pairs them up. Dropping a clause only weakens it, which keeps it sound, so
unions too large to be worth testing are cut.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

#: What an event's text must hold: a word, or a test of the text.
Atom = str | Callable[[str], bool]
#: Clauses, each a tuple of atoms any one of which the event must hold.
Clauses = tuple[tuple[Atom, ...], ...]
#: A JSON number as Python's `json` reads one, `NaN` and `Infinity` included.
_JSON_NUMBER = r"(-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|-?Infinity|NaN)"

#: Clauses and words kept: more cost more to test than they are likely to save.
_MAX_CLAUSES = 4
_MAX_WORDS = 4


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


def number_after(key: str, accepts: Callable[[float], bool]) -> Callable[[str], bool]:
    """Whether the text has `"key":` followed by a number that `accepts` takes."""
    search = re.compile(f'"{re.escape(key)}"\\s*:\\s*{_JSON_NUMBER}').search

    def holds(message: str) -> bool:
        found = search(message)
        while found is not None:
            if accepts(float(found[1])):
                return True
            found = search(message, found.end())
        return False

    return holds


def requirement(clauses: Clauses, *, unless: str | None = None) -> Callable[[str], bool] | None:
    """A test an event must pass to possibly match, or None when the clauses ask nothing.

    `unless` names text whose presence makes the words unreliable (a backslash,
    which lets JSON spell a string with escapes): an event holding it passes.
    """
    if not clauses:
        return None
    if len(clauses) == 1 and len(clauses[0]) == 1 and isinstance(clauses[0][0], str):
        word = clauses[0][0]
        if unless is None:
            return lambda message: word in message
        escape = unless
        return lambda message: word in message or escape in message

    def holds(message: str) -> bool:
        if unless is not None and unless in message:
            return True
        for clause in clauses:
            for atom in clause:
                if atom in message if isinstance(atom, str) else atom(message):
                    break
            else:
                return False
        return True

    return holds


def _shortest(clauses: Clauses) -> Clauses:
    """The clauses most worth testing, in the order to test them.

    Words before tests (a scan for a word is the cheaper), then fewest
    alternatives, then longest words.
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
