"""What a metric filter reads from an event its pattern matched: a value and dimension values.

A metric value is a number (`1`), a JSON selector (`$.latency`) or a
space-delimited field (`$bytes`, or `$4` for an unnamed fourth field); a
dimension value is a selector or a field. A selector reads the JSON event,
a field what the delimited pattern extracted, so each needs a pattern of
its kind (AWS refuses dimensions on other patterns). A value must be a
number, or text spelling one; a dimension a string or a number.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from backend.numbers import decimal_number
from backend.services.logs.patterns.comparisons import leaf_text, literal_number
from backend.services.logs.patterns.json_selectors import selector_of


@dataclass(frozen=True, slots=True)
class Match:
    """A matched event as a metric filter reads it."""

    #: The event as a JSON object (JSON patterns only).
    document: Mapping[str, Any] | None = None
    #: The fields a space-delimited pattern extracted, keyed `$name` or `$N`
    #: (TestMetricFilter's `extractedValues`; empty for other patterns).
    extracted_values: Mapping[str, str] = field(default_factory=dict)

    def value(self, spec: str) -> float | None:
        """The metric value `spec` gives for this event, or None if it gives none."""
        return value_reader(spec)(self)

    def dimension(self, spec: str) -> str | None:
        """The dimension value `spec` names in this event, or None if there is none."""
        return dimension_reader(spec)(self)


#: A match of a pattern that extracts nothing (terms, or the empty pattern).
PLAIN_MATCH = Match()
#: Specs whose readers are kept.
_KEPT = 1024


@functools.lru_cache(maxsize=_KEPT)
def value_reader(spec: str) -> Callable[[Match], float | None]:
    """`Match.value` of one `spec`, the spec read once: a metric filter reads it of every event.

    A value must be a number, or text spelling one.
    """
    number = literal_number(spec)
    if number is not None:
        return lambda match: number
    read = _reader(spec)

    def value(match: Match) -> float | None:
        found = read(match)
        if isinstance(found, str):
            return decimal_number(found)
        if isinstance(found, int | float) and not isinstance(found, bool):
            return float(found)
        return None

    return value


@functools.lru_cache(maxsize=_KEPT)
def dimension_reader(spec: str) -> Callable[[Match], str | None]:
    """`Match.dimension` of one `spec`, the spec read once. A dimension is a string or a number."""
    read = _reader(spec)

    def dimension(match: Match) -> str | None:
        found = read(match)
        if isinstance(found, str):
            return found
        if isinstance(found, int | float) and not isinstance(found, bool):
            return leaf_text(found)
        return None

    return dimension


def spec_members(spec: str) -> frozenset[str] | None:
    """The members of a JSON event a value or dimension `spec` reads (None: any member)."""
    selector = selector_of(spec) if spec.startswith("$.") else None
    if selector is None:
        return frozenset()
    return None if selector.root is None else frozenset((selector.root,))


def _reader(spec: str) -> Callable[[Match], object]:
    """What `spec` points at in a match: a selector's first value in the event, or a field."""
    if not spec.startswith("$."):
        return lambda match: match.extracted_values.get(spec)
    selector = selector_of(spec)
    if selector is None:
        return lambda match: None
    find = selector.find

    def read(match: Match) -> object:
        if match.document is None:
            return None
        found = find(match.document)
        return found[0] if found else None

    return read
