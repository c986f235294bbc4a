"""What a single-metric alarm read at its last evaluation, so that the next reads only what changed.

An alarm judges its newest N + EXTRA_PERIODS periods about once a minute:
read afresh each time, nearly all of that range is the same periods as the
time before, aggregated again. `Readings` keeps the values it read and
reads again only the periods that may have changed since, asking each
series what happened to it:

- `Series.count` unchanged: nothing was put, every period read still holds;
- else, `Series.late` unchanged: every point went at or after the series'
  open second at the last reading, so the periods that had ended by then hold;
- else (a backdated point, an expiry that emptied the series): all is read again.

Periods after a series' newest second (`last_time`) hold nothing, so a
range that moved on past the data needs no reading at all. The answers do
not depend on `now` while the whole range is answered at one-minute
resolution (`minute_resolution_from`); a range reaching further back, and
periods under a minute (whose sub-minute bins a point dated ahead trims), are
read in full every time, as are metric-math and anomaly-band alarms.
"""

from __future__ import annotations

from typing import Any

from backend.metrics import MetricId, MetricStore, Series, merged_points
from backend.metrics.series import minute_resolution_from


class Readings:
    """One alarm's metric, and the values by period of its last reading with what they hold for."""

    __slots__ = (
        "changed",
        "closed",
        "config",
        "count",
        "end",
        "generation",
        "late",
        "metric_id",
        "newest",
        "points",
        "series",
        "start",
        "stat",
        "store",
        "unit",
    )

    def __init__(self, config: dict[str, Any]) -> None:
        #: The configuration these readings are of: a re-put alarm gets new readings.
        self.config = config
        dims = tuple(sorted((d["Name"], d["Value"]) for d in config["Dimensions"]))
        self.metric_id = MetricId(config["Namespace"], config["MetricName"], dims)
        self.stat: str = config.get("Statistic") or config["ExtendedStatistic"]
        self.unit: str | None = config.get("Unit")
        #: The metric's series (in the unit asked for), as `units` gave them at the
        #: store's `generation`.
        self.store: MetricStore | None = None
        self.generation = -1
        self.series: list[Series] = []
        #: The sums of their `count` and `late` when read: both only grow, so a sum
        #: is unchanged exactly when each is; -1: not read yet.
        self.count = -1
        self.late = -1
        #: Their newest second with data when read (-1: none), and their earliest
        #: open second (-1 if one had no data): the periods that had ended by then were closed.
        self.newest = -1.0
        self.closed = -1
        #: The range read (`end` 0: nothing kept); `points` holds its values,
        #: perhaps some older ones too.
        self.start = 0
        self.end = 0
        self.points: dict[int, float] = {}
        #: Whether the last `read` gave other values than the one before (never
        #: the same dict: the dict given is never changed afterwards).
        self.changed = True

    def read(
        self, store: MetricStore, start: int, end: int, period: int, now: float
    ) -> dict[int, float]:
        """The values by period in [start, end) at `now` (and perhaps older ones: ignore them).

        The same as `merged_points` over the metric's series read afresh.
        """
        before = self.points if self.end else None
        if store is not self.store or store.generation != self.generation:
            self.store, self.generation = store, store.generation
            units = store.units(self.metric_id)
            if self.unit is not None:
                units = [s for s in units if s.unit == self.unit]
            if units != self.series:
                self.series, self.count, self.end = units, -1, 0
        units = self.series
        if period % 60 or start < minute_resolution_from(now):
            self.points, self.end, self.changed = {}, 0, True
            return merged_points(units, start, end, period, now, self.stat)
        count = late = 0
        for series in units:
            count += series.count
            late += series.late
        if late != self.late or start < self.start:
            self.end = 0  # a backdated point, or an expiry: everything is read again
        if count == self.count and late == self.late:
            read_from = max(start, self.end)
        else:
            read_from = max(start, min(self.end, self.closed // period * period))
            seconds = [s.last_time for s in units]
            known = [t for t in seconds if t is not None]
            self.newest = max(known, default=-1.0)
            self.closed = int(min(known)) if known and len(known) == len(seconds) else -1
        if read_from < end and self.newest >= read_from:
            kept = {t: v for t, v in self.points.items() if start <= t < read_from}
            kept.update(merged_points(units, read_from, end, period, now, self.stat))
            self.points = kept
        elif read_from < self.end or self.end == 0:
            # Nothing from there on any more: gone with an expiry, or moved by a late point.
            self.points = {t: v for t, v in self.points.items() if start <= t < read_from}
        self.count, self.late, self.start, self.end = count, late, start, end
        self.changed = self.points is not before
        return self.points
