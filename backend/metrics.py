"""The metric store: every service's CloudWatch metrics, as per-second points.

A metric is identified as CloudWatch identifies it: namespace, name and the
exact set of dimensions. Each `Series` keeps one statistic set (SampleCount,
Sum, Minimum, Maximum) per simulated second for a bounded window (three hours,
the retention AWS gives sub-minute data), so memory stays flat however long a
scenario runs. Services hold on to their `Series` objects and call `add` on
the hot path: one comparison and a few float operations per point.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

#: Seconds of per-second points kept per series: AWS keeps high-resolution data 3 h.
HIGH_RESOLUTION_RETENTION = 3 * 3600

Dimensions = tuple[tuple[str, str], ...]


def dimensions(values: Mapping[str, str]) -> Dimensions:
    """The canonical (sorted) form of a dimension set, usable as a key."""
    return tuple(sorted(values.items()))


@dataclass(frozen=True, slots=True)
class MetricId:
    namespace: str
    name: str
    dimensions: Dimensions


class Bin:
    """The statistics of one second of one metric."""

    __slots__ = ("count", "maximum", "minimum", "second", "total")

    def __init__(self, second: int, value: float) -> None:
        self.second = second
        self.count = 1
        self.total = value
        self.minimum = value
        self.maximum = value

    def add(self, value: float) -> None:
        self.count += 1
        self.total += value
        if value < self.minimum:
            self.minimum = value
        elif value > self.maximum:
            self.maximum = value


class Series:
    """One metric's per-second points over the retention window."""

    __slots__ = ("_bins", "count", "id", "unit")

    def __init__(self, metric_id: MetricId, unit: str, retention: int) -> None:
        self.id = metric_id
        self.unit = unit
        #: Points ever added, also those past the retention window.
        self.count = 0
        self._bins: deque[Bin] = deque(maxlen=retention)

    def add(self, t: float, value: float = 1.0) -> None:
        self.count += 1
        second = int(t)
        bins = self._bins
        if bins:
            last = bins[-1]
            if last.second == second:
                # `Bin.add`, inline: most points land in the current second,
                # and a call per point was a third of this method's cost.
                last.count += 1
                last.total += value
                if value < last.minimum:
                    last.minimum = value
                elif value > last.maximum:
                    last.maximum = value
                return
            if last.second > second:
                self._add_late(second, value)
                return
        bins.append(Bin(second, value))

    def _add_late(self, second: int, value: float) -> None:
        """A point for an earlier second (rare: a backdated PutMetricData)."""
        for existing in reversed(self._bins):
            if existing.second == second:
                existing.add(value)
                return
            if existing.second < second:
                break
        ordered = sorted([*self._bins, Bin(second, value)], key=lambda b: b.second)
        self._bins.clear()
        self._bins.extend(ordered[-(self._bins.maxlen or len(ordered)) :])

    def bins(self, start: int, end: int) -> Iterator[Bin]:
        """The non-empty seconds in [start, end), oldest first."""
        for b in self._bins:
            if b.second >= end:
                break
            if b.second >= start:
                yield b

    def sums(self, end: int, count: int) -> list[float]:
        """Per-second sums for the `count` seconds before `end`, zeros where idle.

        Walks from the newest point backwards, so the cost is bounded by
        `count`, not by how much history the series holds.
        """
        out = [0.0] * count
        start = end - count
        for b in reversed(self._bins):
            if b.second < start:
                break
            if b.second < end:
                out[b.second - start] = b.total
        return out


class MetricStore:
    """All series of one cloud, found by their CloudWatch identity."""

    def __init__(self, retention: int = HIGH_RESOLUTION_RETENTION) -> None:
        self._series: dict[MetricId, Series] = {}
        self._retention = retention

    def series(
        self, namespace: str, name: str, dims: Mapping[str, str], unit: str = "Count"
    ) -> Series:
        """The series for this identity, created on first use."""
        metric_id = MetricId(namespace, name, dimensions(dims))
        found = self._series.get(metric_id)
        if found is None:
            found = self._series[metric_id] = Series(metric_id, unit, self._retention)
        return found

    def find(self, namespace: str, name: str, dims: Mapping[str, str]) -> Series | None:
        return self._series.get(MetricId(namespace, name, dimensions(dims)))

    def all(self) -> Iterable[Series]:
        return self._series.values()

    def clear(self) -> None:
        self._series.clear()
