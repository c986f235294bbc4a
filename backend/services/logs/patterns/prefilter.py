"""Text an event must contain to possibly match: a C-level test that skips the costly reading.

Splitting an event into fields, and above all parsing it as JSON, costs
microseconds; asking whether it contains a word costs nanoseconds. A
structured pattern knows words a matching event must hold (`"UpdateTrail"`
for `{ $.eventType = "UpdateTrail" }`), so events without them are refused
unread. It only ever skips work: every word required is one that any
matching event holds, so a refused event could not have matched.

The requirement is a conjunction of clauses, each satisfied by any one of
its words: `&&` joins its sides' clauses, `||` pairs them up. Dropping a
clause only weakens it, which keeps it sound, so unions too large to be worth
testing are cut.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

#: Clauses, each a tuple of words any one of which the event must contain.
Clauses = tuple[tuple[str, ...], ...]

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


def requirement(clauses: Clauses, *, unless: str | None = None) -> Callable[[str], bool] | None:
    """A test an event must pass to possibly match, or None when the clauses ask nothing.

    `unless` names text whose presence makes the words unreliable (a backslash,
    which lets JSON spell a string with escapes): an event holding it passes.
    """
    if not clauses:
        return None
    if len(clauses) == 1 and len(clauses[0]) == 1:
        word = clauses[0][0]
        if unless is None:
            return lambda message: word in message
        escape = unless
        return lambda message: word in message or escape in message

    def holds(message: str) -> bool:
        if unless is not None and unless in message:
            return True
        for clause in clauses:
            for word in clause:
                if word in message:
                    break
            else:
                return False
        return True

    return holds


def _shortest(clauses: Clauses) -> Clauses:
    """The most selective clauses: fewest alternatives, then longest words."""
    unique = dict.fromkeys(clauses)
    ranked = sorted(unique, key=lambda clause: (len(clause), -min(map(len, clause))))
    return tuple(ranked[:_MAX_CLAUSES])
