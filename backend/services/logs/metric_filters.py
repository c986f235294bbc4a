"""Metric filters: a pattern on a log group that turns matching events into a metric.

A filter's metric is emitted into the cloud's metric store as the events are
put, each point at its event's own time, so an alarm on it judges the
periods the log lines belong to (the seed's "metric filter on a log group
with a pattern, and an alarm on it"). The value is the transformation's
`metricValue`: a number, or a `$.selector` / `$field` read from the event;
an event that has no value there, or lacks a dimension's field, emits
nothing. `defaultValue` is emitted once for each minute of a put batch in
which the filter matched none of the batch's events, so a quiet minute reads
0 rather than missing (AWS: "the value reported to the metric filter during a
period when no matching logs are found").

A batch's points reach the store a second at a time: one `add_values` with
the second's values (with a count, for a number the filter emits as it is)
rather than one `add` an event. The store keeps a second's count, sum,
minimum and maximum, and the distribution of values none of which is
negative (AWS gives no percentiles otherwise), whichever calls brought them;
what is saved is a call an event, and above all the late path that an event
landing in a second the metric already holds (a second stream of the group
putting the same seconds) would take one by one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import repeat
from operator import floordiv
from typing import TYPE_CHECKING

from backend.services.logs.patterns import FilterPattern, Match, Parse
from backend.services.logs.patterns.comparisons import literal_number
from backend.services.logs.patterns.extraction import (
    dimension_reader,
    spec_members,
    value_reader,
)

if TYPE_CHECKING:
    from backend.metrics import MetricStore, Series

_SECOND = 1000
_MINUTE = 60_000


@dataclass(frozen=True, slots=True)
class Transformation:
    """The metric a filter emits to: AWS's MetricTransformation."""

    name: str
    namespace: str
    value: str
    default: float | None = None
    #: Dimension name -> `$.selector` or `$field`.
    dimensions: dict[str, str] = field(default_factory=dict)
    unit: str = "None"


@dataclass(slots=True)
class MetricFilter:
    name: str
    pattern: FilterPattern
    transformation: Transformation
    created: int
    #: Events matched since the filter was put, for the dashboard.
    matched: int = 0

    @property
    def members(self) -> list[frozenset[str] | None]:
        """The members of a JSON event the filter reads: its pattern's, its value's, dimensions'."""
        specs = (self.transformation.value, *self.transformation.dimensions.values())
        return [self.pattern.members, *map(spec_members, specs)]

    def emit(
        self, store: MetricStore, timestamps: list[int], messages: list[str], parse: Parse
    ) -> None:
        """Put the points this chronological batch of events gives (times in ms).

        `parse` reads an event as JSON, shared with the group's other filters.
        """
        spec = self.transformation
        rows = list(self.pattern.select(messages, range(len(messages)), parse))
        self.matched += len(rows)
        times = list(map(timestamps.__getitem__, rows))
        constant = literal_number(spec.value)
        if rows and constant is not None and not spec.dimensions:
            series = self._plain(store)
            for second, count in Counter(map(floordiv, times, repeat(_SECOND))).items():
                series.add_values(second, (constant,), (count,))
        elif rows:
            self._emit_read(store, rows, times, messages, parse)
        if spec.default is not None:
            matched = set(map(floordiv, times, repeat(_MINUTE)))
            minutes = dict.fromkeys(map(floordiv, timestamps, repeat(_MINUTE)))
            quiet = [minute for minute in minutes if minute not in matched]
            if quiet:
                plain = self._plain(store)
                for minute in quiet:
                    plain.add(minute * 60.0, spec.default)

    def _plain(self, store: MetricStore) -> Series:
        spec = self.transformation
        return store.series(spec.namespace, spec.name, {}, spec.unit)

    def _emit_read(
        self,
        store: MetricStore,
        rows: list[int],
        times: list[int],
        messages: list[str],
        parse: Parse,
    ) -> None:
        """The points of matched rows whose value or dimensions are read from the event."""
        spec = self.transformation
        selected = self.pattern.selected
        value_of = value_reader(spec.value)
        dimensions = [dimension_reader(source) for source in spec.dimensions.values()]
        plain = None if dimensions else self._plain(store)
        by_dimensions: dict[tuple[str, ...], Series] = {}
        points: dict[tuple[Series, int], list[float]] = {}
        for row, timestamp in zip(rows, times, strict=True):
            found = selected(messages[row], parse)
            value = value_of(found)
            if value is None:
                continue
            series = plain or self._series(store, dimensions, found, by_dimensions)
            if series is not None:
                points.setdefault((series, timestamp // _SECOND), []).append(value)
        for (series, second), values in points.items():
            series.add_values(second, values)

    def _series(
        self,
        store: MetricStore,
        dimensions: list[Callable[[Match], str | None]],
        found: Match,
        known: dict[tuple[str, ...], Series],
    ) -> Series | None:
        """The series of the dimension values `found` holds; None if it lacks one of them."""
        values: list[str] = []
        for dimension in dimensions:
            text = dimension(found)
            if text is None:
                return None
            values.append(text)
        key = tuple(values)
        series = known.get(key)
        if series is None:
            spec = self.transformation
            dims = dict(zip(spec.dimensions, values, strict=True))
            series = known[key] = store.series(spec.namespace, spec.name, dims, spec.unit)
        return series
