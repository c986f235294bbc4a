"""Space-delimited patterns: `[ip, user, ..., status_code = 4* || status_code = 5*, bytes > 1000]`.

An event splits at whitespace into fields; text in double quotes or square
brackets is one field, read without them (`"GET /index.html HTTP/1.0"` is
`GET /index.html HTTP/1.0`). The pattern names the fields in order, each
with conditions on its own value (`=`, `!=`, `<`, `<=`, `>`, `>=`, joined by
`&&` and `||`, `&&` binding tighter); `...` stands for any number of fields
and a field may go unnamed (`[..., status_code,]`).

Without `...` the last field takes the rest of the event, spaces and all:
AWS documents `[w1=ERROR, w2]` as matching every event whose first word is
ERROR and asks for that `w2` for just this reason. With `...` the fields
either side of it must each be one field of the event, so `[..., bytes]`
is the last field.

Conditions name their own field: `status_code = 4* && status_code != 403`;
naming another (`status_code = 4* && bytes > 1000`) is refused, as AWS
refuses it. What a match extracts (TestMetricFilter's `extractedValues`,
`$bytes` as a metric value) is keyed `$name` for named fields and `$N`, the
field's position from 1, for the others.

A pattern without `...` reads an event in one pass: `str.split` with a
limit where no field is quoted or bracketed, else one regex of the pattern's
field count whose atomic groups read each field as `split_fields` does, and
whose last field is the event's rest unless exactly one field remains; to
tell whether an event matches, a second such regex keeps only the fields
the pattern tests.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from backend.services.logs.patterns.comparisons import Test as ValueTest
from backend.services.logs.patterns.comparisons import read_comparison
from backend.services.logs.patterns.cursor import Cursor
from backend.services.logs.patterns.errors import FilterPatternError, invalid_character
from backend.services.logs.patterns.prefilter import Clauses, all_of, any_of

_NAME = re.compile(r"[A-Za-z0-9_]+")
#: A literal written without quotes: `ERROR`, `4*`, `*.html*`, `-`, `1000`.
_WORD = re.compile(r"[A-Za-z0-9_.*+-]+")
#: One field of an event: quoted, bracketed, or up to the next whitespace. One group
#: takes part in each match, so its text is the field's, quotes or brackets left out.
_FIELD_TEXT = r'"([^"]*+)"|\[([^\]]*+)\]|(\S++)'
_FIELD = re.compile(_FIELD_TEXT)
#: The same field, read but not kept: a match that keeps fewer groups is faster.
_FIELD_READ = r'"[^"]*+"|\[[^\]]*+\]|\S++'
_ELLIPSIS = "..."


@dataclass(frozen=True, slots=True)
class Slot:
    """One field of the pattern: its name (None if unnamed) and the test its value must pass."""

    name: str | None
    test: Callable[[str], bool] | None


#: Where the walk stands once every slot is used: only backing up to a `...` places more fields.
_PAST_END = Slot(None, lambda value: False)
#: A pattern's fields in order; None stands for `...`.
Slots = tuple[Slot | None, ...]
#: The event's fields as the pattern reads them, and the index of each named slot's field.
Placement = tuple[list[str], Sequence[int]]


class DelimitedPattern:
    __slots__ = (
        "_checks",
        "_groups",
        "_in_order",
        "_named",
        "_slots",
        "_tested_in_order",
        "clauses",
    )

    def __init__(self, slots: Slots, clauses: Clauses) -> None:
        self._slots = slots
        self._named = [slot for slot in slots if slot is not None]
        self._checks = [(i, slot.test) for i, slot in enumerate(self._named) if slot.test]
        count = len(slots)
        in_order = len(self._named) == count
        #: Without `...`: a regex reading exactly the pattern's fields (see the module doc),
        #: and one that keeps only the tested fields' text, for `matches`.
        self._in_order = _fields_regex(count) if in_order else None
        tested = frozenset(i for i, _ in self._checks)
        self._tested_in_order = _fields_regex(count, tested) if in_order else None
        #: Each test with its field's groups in a match of `_tested_in_order`: the first of
        #: its three, and the rest's for the last field (else 0).
        self._groups = [
            (test, 3 * rank + 1, 3 * len(tested) + 1 if i == count - 1 else 0)
            for rank, (i, test) in enumerate(self._checks)
        ]
        self.clauses = clauses

    def matches(self, message: str) -> bool:
        regex = self._tested_in_order
        if regex is None:
            return self._place_around_ellipses(split_fields(message)) is not None
        if '"' not in message and "[" not in message:
            fields = _split_in_order(message, len(self._slots))
            if fields is None:
                return False
            for index, test in self._checks:  # noqa: SIM110 (all() would add a generator)
                if not test(fields[index]):
                    return False
            return True
        found = regex.match(message)
        if found is None:
            return False
        # Only the fields tested are taken out of the match, inline (`_fields_of` takes all):
        # this runs for every event a filter is given.
        for test, at, rest in self._groups:
            tail = found[rest] if rest else None
            value = (
                tail.rstrip() if tail is not None else found[at] or found[at + 1] or found[at + 2]
            )
            if not test(value or ""):
                return False
        return True

    def place(self, message: str) -> Placement | None:
        """Which field of the event each slot reads, if the event matches."""
        if self._in_order is None:
            fields = split_fields(message)
            positions = self._place_around_ellipses(fields)
            return None if positions is None else (fields, positions)
        count = len(self._slots)
        if '"' not in message and "[" not in message:
            found = _split_in_order(message, count)
        else:
            match = self._in_order.match(message)
            found = None if match is None else _fields_of(match, count)
        if found is None:
            return None
        for index, test in self._checks:
            if not test(found[index]):
                return None
        return found, range(count)

    def extracted(self, message: str) -> dict[str, str] | None:
        """Every field's value keyed `$name` or `$N`, if the event matches."""
        placed = self.place(message)
        if placed is None:
            return None
        fields, positions = placed
        keys = [f"${n}" for n in range(1, len(fields) + 1)]
        for slot, position in zip(self._named, positions, strict=True):
            if slot.name is not None:
                keys[position] = f"${slot.name}"
        return dict(zip(keys, fields, strict=True))

    def _place_around_ellipses(self, fields: list[str]) -> list[int] | None:
        """Glob matching, `...` as the star: the greedy walk that backs up to the last `...`."""
        slots = self._slots
        positions: list[int] = []
        slot = field = 0
        star = -1
        star_field = star_positions = 0
        while field < len(fields):
            current = slots[slot] if slot < len(slots) else _PAST_END
            if current is None:
                star, star_field, star_positions = slot, field, len(positions)
                slot += 1
            elif current.test is None or current.test(fields[field]):
                positions.append(field)
                slot += 1
                field += 1
            elif star >= 0:
                del positions[star_positions:]
                star_field += 1
                slot, field = star + 1, star_field
            else:
                return None
        while slot < len(slots) and slots[slot] is None:
            slot += 1
        return positions if slot == len(slots) else None


def read_delimited_pattern(cursor: Cursor) -> DelimitedPattern:
    cursor.expect("[")
    slots: list[Slot | None] = []
    clauses: list[Clauses] = []
    while True:
        if cursor.take(_ELLIPSIS):
            slots.append(None)
        elif cursor.peek() in (",", "]"):
            slots.append(Slot(None, None))
        else:
            slot, needs = _read_slot(cursor)
            slots.append(slot)
            clauses.append(needs)
        if not cursor.take(","):
            break
    cursor.expect("]")
    if not cursor.at_end() or slots == [Slot(None, None)]:
        raise FilterPatternError()
    return DelimitedPattern(tuple(slots), all_of(clauses))


def split_fields(message: str) -> list[str]:
    """The event's fields, quotes and brackets taken off."""
    if '"' not in message and "[" not in message:
        return message.split()
    return [quoted or bracketed or bare for quoted, bracketed, bare in _FIELD.findall(message)]


def _read_slot(cursor: Cursor) -> tuple[Slot, Clauses]:
    """A named field and its conditions, alternatives of all-of groups (`a && b || c`)."""
    name = _read_name(cursor)
    if cursor.peek() in (",", "]"):
        return Slot(name, None), ()
    groups: list[list[ValueTest]] = [[]]
    needles: list[list[str]] = [[]]
    while True:
        comparison = read_comparison(cursor, _WORD)
        groups[-1].append(comparison.test(text_numbers=True))
        needle = comparison.needle(leaves_are_text=True)
        if needle is not None:
            needles[-1].append(needle)
        if cursor.take("||"):
            groups.append([])
            needles.append([])
        elif not cursor.take("&&"):
            break
        if _read_name(cursor) != name:
            raise FilterPatternError()
    clauses = any_of([tuple((needle,) for needle in group) for group in needles])
    return Slot(name, _any_group(groups)), clauses


def _read_name(cursor: Cursor) -> str:
    name = cursor.take_match(_NAME)
    if name is None:
        raise invalid_character(cursor.peek()) if cursor.peek() else FilterPatternError()
    return name


def _any_group(groups: list[list[ValueTest]]) -> Callable[[str], bool]:
    if len(groups) == 1 and len(groups[0]) == 1:
        return groups[0][0]
    return lambda value: any(all(test(value) for test in group) for group in groups)


def _split_in_order(message: str, count: int) -> list[str] | None:
    """`count` fields of an event without quotes or brackets, the last one the rest of it."""
    fields = message.split(None, count - 1)
    if len(fields) < count:
        return None
    fields[-1] = fields[-1].rstrip()
    return fields


def _fields_of(found: re.Match[str], count: int) -> list[str]:
    """The fields of a match of `_fields_regex`: three groups a field, one of which took part
    (its text, maybe empty), then the rest of the event, for the last field if it took part."""
    fields = [found[at] or found[at + 1] or found[at + 2] or "" for at in range(1, 3 * count, 3)]
    rest = found[3 * count + 1]
    if rest is not None:
        fields[-1] = rest.rstrip()
    return fields


@functools.cache
def _fields_regex(count: int, kept: frozenset[int] | None = None) -> re.Pattern[str]:
    """A regex reading `count` fields: the last one alone, or the rest of the event in `(.+)`.

    A field's groups are atomic (`(?>...)`), so a later field failing never
    makes the regex read an earlier one otherwise than `split_fields` does
    (`"a b"` as `"a` and `b"`). Only the fields in `kept` (every field when
    None) have groups: reading the others without keeping them makes a match
    of an Apache access line almost twice as fast, and `matches` needs only
    the fields it tests.
    """

    def field(index: int) -> str:
        return _FIELD_TEXT if kept is None or index in kept else _FIELD_READ

    last = count - 1
    rest = "(.+)" if kept is None or last in kept else ".+"
    leading = "".join(f"\\s*+(?>{field(index)})" for index in range(last))
    final = f"\\s*+(?:(?>{field(last)})\\s*+\\Z|{rest})"
    return re.compile(f"\\A{leading}{final}", re.DOTALL)
