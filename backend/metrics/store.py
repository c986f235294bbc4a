"""All series of one cloud, found by CloudWatch identity and unit.

A metric put in two units is two series: AWS never converts units, and a
query for a unit finds only the series in it (`units`).

`expire` forgets series with no data left, so that metrics put once with
made-up dimensions do not accumulate. Services hold on to their series
(they look them up once, when a queue or stream is made), so a forgotten
series must not be lost to them: the store keeps it weakly, hands the same
object back if it is asked for again, and the series re-registers itself
when it next gets a point. There is never more than one series per identity
and unit.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Iterable, Mapping

from backend.metrics.identity import MetricId, dimensions
from backend.metrics.levels import HIGH_RESOLUTION_RETENTION
from backend.metrics.series import Series

_Key = tuple[MetricId, str]

#: Seconds between two retention sweeps (`MetricStore.sweep`).
SWEEP_PERIOD = 3600


class MetricStore:
    """Every series of one cloud, by (MetricId, unit), in the order they were made."""

    def __init__(self, retention: int = HIGH_RESOLUTION_RETENTION) -> None:
        #: Seconds of sub-minute bins each series keeps.
        self._retention = retention
        self._series: dict[_Key, Series] = {}
        self._by_id: dict[MetricId, list[Series]] = {}
        self._forgotten: weakref.WeakValueDictionary[_Key, Series] = weakref.WeakValueDictionary()
        self._next_sweep = -math.inf
        #: Bumped whenever a series is made, forgotten or found again: while it holds,
        #: `units` gives every metric the same series as before.
        self.generation = 0

    def series(
        self,
        namespace: str,
        name: str,
        dims: Mapping[str, str],
        unit: str = "Count",
        *,
        resolution: int = 60,
    ) -> Series:
        """The series for this identity and unit, made on first use.

        `resolution` 1 (PutMetricData's StorageResolution) makes it a
        high-resolution series from now on; 60 leaves it as it is.
        """
        metric_id = MetricId(namespace, name, dimensions(dims))
        key = (metric_id, unit)
        found = self._series.get(key)
        if found is None:
            found = self._forgotten.get(key)
            if found is None:
                found = Series(metric_id, unit, self._retention)
            self._register(found)
        if resolution == 1:
            found.resolution = 1
        return found

    def _register(self, series: Series) -> None:
        key = (series.id, series.unit)
        self.generation += 1
        self._forgotten.pop(key, None)
        series._on_data = None
        self._series[key] = series
        self._by_id.setdefault(series.id, []).append(series)

    def find(self, namespace: str, name: str, dims: Mapping[str, str]) -> Series | None:
        """The metric's first-made series, in whatever unit."""
        found = self._by_id.get(MetricId(namespace, name, dimensions(dims)))
        return found[0] if found else None

    def units(self, metric_id: MetricId) -> list[Series]:
        """Every unit's series of the metric, oldest first."""
        return list(self._by_id.get(metric_id, ()))

    def all(self) -> Iterable[Series]:
        return self._series.values()

    def sweep(self, now: float) -> None:
        """`expire`, at most once a simulated hour (the finest retention is three hours).

        Called when series are made or listed rather than on a timer, so an
        idle cloud has nothing due and a headless run jumps its quiet hours;
        a series that keeps getting points rolls itself up as it goes.
        """
        if now >= self._next_sweep:
            self._next_sweep = now + SWEEP_PERIOD
            self.expire(now)

    def expire(self, now: float) -> None:
        """Drop what is past retention at `now` in every series, and series left empty.

        Meant to run about once a simulated hour: each series does a few
        comparisons unless something is due, and then moves only what is.
        """
        empty = [key for key, series in self._series.items() if not series.expire(now)]
        if empty:
            self.generation += 1
        for key in empty:
            series = self._series.pop(key)
            same = self._by_id[series.id]
            same.remove(series)
            if not same:
                del self._by_id[series.id]
            self._forgotten[key] = series
            series._on_data = self._register

    def clear(self) -> None:
        """Forget every series, also those services still hold: they stay detached."""
        for series in self._forgotten.values():
            series._on_data = None
        self.generation += 1
        self._series.clear()
        self._by_id.clear()
        self._forgotten.clear()
        self._next_sweep = -math.inf
