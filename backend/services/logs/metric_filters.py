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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from backend.services.logs.patterns import FilterPattern, Match
from backend.services.logs.patterns.comparisons import literal_number

if TYPE_CHECKING:
    from backend.metrics import MetricStore, Series


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

    def emit(self, store: MetricStore, timestamps: list[int], messages: list[str]) -> None:
        """Put the points this chronological batch of events gives (times in ms).

        Per event only the match and the point are paid for: a literal value
        is read once, and without dimensions the series is looked up once.
        """
        spec = self.transformation
        match = self.pattern.match
        constant = literal_number(spec.value)
        plain = None if spec.dimensions else store.series(spec.namespace, spec.name, {}, spec.unit)
        quiet_minutes: dict[int, bool] = {}
        for timestamp, message in zip(timestamps, messages, strict=True):
            minute = timestamp // 60_000
            found = match(message)
            if found is None:
                quiet_minutes.setdefault(minute, True)
                continue
            quiet_minutes[minute] = False
            self.matched += 1
            value = constant if constant is not None else found.value(spec.value)
            if value is None:
                continue
            series = plain if plain is not None else _series(store, spec, found)
            if series is not None:
                series.add(timestamp / 1000, value)
        if spec.default is not None:
            for minute, quiet in quiet_minutes.items():
                if quiet:
                    store.series(spec.namespace, spec.name, {}, spec.unit).add(
                        minute * 60.0, spec.default
                    )


def _series(store: MetricStore, spec: Transformation, found: Match) -> Series | None:
    """The series of the dimension values `found` holds; None if it lacks one of them."""
    dims: dict[str, str] = {}
    for dim, source in spec.dimensions.items():
        text = found.dimension(source)
        if text is None:
            return None
        dims[dim] = text
    return store.series(spec.namespace, spec.name, dims, spec.unit)
