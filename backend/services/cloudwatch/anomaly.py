"""Anomaly detection: a metric's expected values, learned from its own history.

AWS does not publish its model (machine learning over up to two weeks, with
hourly, daily and weekly seasonality and trend). skydeck's is a small,
explainable stand-in (docs/deviations.md) that behaves as people expect a
band to behave:

- It trains on the metric's statistic at the query's period over the 14 days
  before the current period, leaving out the detector's ExcludedTimeRanges
  (a period that overlaps one is left out).
- The expected value is the median, and the spread the MAD scaled by 1.4826
  (a standard deviation, for normal data), of the training values that
  resemble the moment predicted: the same hour of the same weekday once that
  hour has been seen on two weekdays a week apart, else the same hour of the
  day once it has been seen on three days, else all of them. Hours and
  weekdays are read in the detector's MetricTimezone; each hour's
  expectation stands for its middle, and between two middles the band moves
  linearly from one to the next. Median and MAD are
  robust, so a spike or an outage in the history barely moves them: it does
  not widen the band that should catch the next one.
- The spread is at least 1% of the expected value (and at least 0.001), so a
  perfectly steady series still has a band of some width; the band does not
  go below zero for a metric that never has (AWS clamps counts the same way).
- `ANOMALY_DETECTION_BAND(m, k)` is expected ± k × spread, for every period
  of the query range that has begun, as two series: lower, then upper.
- A model is trained when first needed and kept per period and unit, then
  trained again at most once a simulated hour, or every period while it has
  seen fewer than MIN_POINTS values (it gives no band before that), so a new
  detector draws a band within minutes and a busy alarm costs little.
"""

from __future__ import annotations

import hashlib
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from backend.metrics import MetricId, MetricStore, merged_points
from backend.services.cloudwatch.metric_math import BandSource, TimeSeries

#: How much history a model trains on.
HISTORY = 14 * 86_400
#: Days an hour of the day must have been seen on before it has its own expectation.
DAILY_AFTER_DAYS = 3
#: Weeks an hour of a weekday must have been seen in before it has its own.
WEEKLY_AFTER_WEEKS = 2
#: Values a model needs before it draws a band.
MIN_POINTS = 10
#: MAD × this estimates the standard deviation of normally distributed values.
MAD_TO_SIGMA = 1.4826
#: The narrowest spread, relative to the expected value and absolute.
RELATIVE_FLOOR = 0.01
ABSOLUTE_FLOOR = 0.001
#: Seconds a trained model is kept before it trains again on newer data.
RETRAIN_EVERY = 3600
#: The period DescribeAnomalyDetectors judges StateValue at when no band was drawn yet.
DESCRIBE_PERIOD = 300

PENDING_TRAINING = "PENDING_TRAINING"
TRAINED_INSUFFICIENT_DATA = "TRAINED_INSUFFICIENT_DATA"
TRAINED = "TRAINED"


@dataclass(frozen=True, slots=True)
class MetricKey:
    """What a single-metric detector is for: a metric and a statistic."""

    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]
    stat: str

    @property
    def metric_id(self) -> MetricId:
        return MetricId(self.namespace, self.name, self.dimensions)

    def describe(self) -> dict[str, Any]:
        return {
            "Namespace": self.namespace,
            "MetricName": self.name,
            "Dimensions": [{"Name": k, "Value": v} for k, v in self.dimensions],
            "Stat": self.stat,
        }


@dataclass(frozen=True, slots=True)
class Expected:
    value: float
    spread: float


class LocalHours:
    """Hours since the epoch as a clock in `zone` reads them (hour of day: % 24; day: // 24)."""

    def __init__(self, zone: str) -> None:
        self.zone: tzinfo = ZoneInfo(zone) if zone else UTC
        # UTC offsets by UTC hour: training reads thousands of points of a few hundred hours.
        self._offsets: dict[int, float] = {}

    def of(self, t: float) -> float:
        hour = int(t // 3600)
        offset = self._offsets.get(hour)
        if offset is None:
            moment = datetime.fromtimestamp(hour * 3600, UTC).astimezone(self.zone)
            delta = moment.utcoffset()
            offset = self._offsets[hour] = delta.total_seconds() if delta else 0.0
        return (t + offset) / 3600


def valid_timezone(zone: str) -> bool:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _robust(values: list[float]) -> Expected:
    center = statistics.median(values)
    mad = statistics.median([abs(v - center) for v in values])
    return Expected(center, mad * MAD_TO_SIGMA)


@dataclass(frozen=True)
class Model:
    """Expectations by weekday-hour, by hour of day and overall (module doc)."""

    trained_at: float
    points: int
    overall: Expected | None
    daily: Mapping[int, Expected]
    weekly: Mapping[int, Expected]
    hours: LocalHours
    nonnegative: bool

    @property
    def state(self) -> str:
        if not self.points:
            return PENDING_TRAINING
        return TRAINED if self.points >= MIN_POINTS else TRAINED_INSUFFICIENT_DATA

    def expected(self, t: float) -> Expected | None:
        """The expectation at `t`: between those of the hours either side, by distance.

        Each hour's expectation stands for its middle, so a smooth daily
        curve gets a smooth band rather than hourly steps its values cross.
        """
        if self.points < MIN_POINTS:
            return None
        position = self.hours.of(t) - 0.5
        hour = math.floor(position)
        share = position - hour
        before, after = self._hour(hour), self._hour(hour + 1)
        value = before.value + share * (after.value - before.value)
        spread = before.spread + share * (after.spread - before.spread)
        floor = max(RELATIVE_FLOOR * abs(value), ABSOLUTE_FLOOR)
        return Expected(value, max(spread, floor))

    def _hour(self, local: int) -> Expected:
        hour, day = local % 24, local // 24
        found = self.weekly.get(_weekday(day) * 24 + hour) or self.daily.get(hour) or self.overall
        assert found is not None  # a model with points has an overall expectation
        return found

    def band(self, t: float, width: float) -> tuple[float, float] | None:
        found = self.expected(t)
        if found is None:
            return None
        lower = found.value - width * found.spread
        if self.nonnegative:
            lower = max(lower, 0.0)
        return lower, found.value + width * found.spread


def _weekday(day: int) -> int:
    """Monday 0 … Sunday 6 of a day counted from 1970-01-01, a Thursday."""
    return (day + 3) % 7


def train(samples: Sequence[tuple[int, float]], hours: LocalHours, now: float) -> Model:
    """The model of `samples` (period start, value), at `now`."""
    daily: dict[int, list[float]] = {}
    weekly: dict[int, list[float]] = {}
    daily_days: dict[int, set[int]] = {}
    weekly_days: dict[int, set[int]] = {}
    for t, value in samples:
        local = math.floor(hours.of(t))
        hour, day = local % 24, local // 24
        slot = _weekday(day) * 24 + hour
        daily.setdefault(hour, []).append(value)
        daily_days.setdefault(hour, set()).add(day)
        weekly.setdefault(slot, []).append(value)
        weekly_days.setdefault(slot, set()).add(day)
    values = [v for _, v in samples]
    return Model(
        now,
        len(values),
        _robust(values) if values else None,
        {h: _robust(vs) for h, vs in daily.items() if len(daily_days[h]) >= DAILY_AFTER_DAYS},
        {s: _robust(vs) for s, vs in weekly.items() if len(weekly_days[s]) >= WEEKLY_AFTER_WEEKS},
        hours,
        all(v >= 0 for v in values),
    )


@dataclass
class AnomalyDetector:
    """One single-metric detector: its configuration and its models by (period, unit)."""

    detector_id: str
    metric: MetricKey
    #: ExcludedTimeRanges, as [start, end) epoch seconds.
    excluded: tuple[tuple[float, float], ...] = ()
    #: MetricTimezone as given ("" when none was: UTC).
    timezone: str = ""
    periodic_spikes: bool | None = None
    models: dict[tuple[int, str | None], Model] = field(default_factory=dict)

    def model(self, store: MetricStore, period: int, unit: str | None, now: float) -> Model:
        """The model at `period`, trained again when it is due (module doc)."""
        key = (period, unit)
        found = self.models.get(key)
        if found is not None:
            due = RETRAIN_EVERY if found.points >= MIN_POINTS else period
            if now < found.trained_at + due:
                return found
        found = self.models[key] = train(
            self._samples(store, period, unit, now), LocalHours(self.timezone), now
        )
        return found

    def _samples(
        self, store: MetricStore, period: int, unit: str | None, now: float
    ) -> list[tuple[int, float]]:
        end = int(now) // period * period
        units = [s for s in store.units(self.metric.metric_id) if unit in (None, s.unit)]
        points = merged_points(units, end - HISTORY, end, period, now, self.metric.stat)
        return [
            (t, value)
            for t, value in points.items()
            if not any(t < high and t + period > low for low, high in self.excluded)
        ]

    def state(self, store: MetricStore, now: float) -> str:
        """StateValue: of the model drawn last (trained again if due), else at DESCRIBE_PERIOD."""
        drawn = sorted(self.models, key=lambda key: self.models[key].trained_at)
        period, unit = drawn[-1] if drawn else (DESCRIBE_PERIOD, None)
        return self.model(store, period, unit, now).state

    def describe(self, store: MetricStore, now: float) -> dict[str, Any]:
        configuration: dict[str, Any] = {
            "ExcludedTimeRanges": [
                {"StartTime": low, "EndTime": high} for low, high in self.excluded
            ]
        }
        if self.timezone:
            configuration["MetricTimezone"] = self.timezone
        found: dict[str, Any] = {
            "AnomalyDetectorId": self.detector_id,
            **self.metric.describe(),
            "Configuration": configuration,
            "StateValue": self.state(store, now),
            "SingleMetricAnomalyDetector": self.metric.describe(),
        }
        if self.periodic_spikes is not None:
            found["MetricCharacteristics"] = {"PeriodicSpikes": self.periodic_spikes}
        return found


#: Every region's detectors, by (region, metric and statistic).
Detectors = dict[tuple[str, MetricKey], AnomalyDetector]


def detector_id(region: str, metric: MetricKey) -> str:
    """A detector's AnomalyDetectorId: stable for its identity (AWS's format is not documented)."""
    digest = hashlib.sha256(repr((region, metric)).encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def detector_for(detectors: Detectors, region: str, metric: MetricKey) -> AnomalyDetector:
    """The metric's detector, made as AWS makes one when a band is asked of a metric without."""
    found = detectors.get((region, metric))
    if found is None:
        found = detectors[(region, metric)] = AnomalyDetector(detector_id(region, metric), metric)
    return found


def band_source(
    store: MetricStore,
    detectors: Detectors,
    region: str,
    queries: Sequence[Mapping[str, Any]],
    now: float,
) -> BandSource:
    """What `ANOMALY_DETECTION_BAND` reads in one request: bands of its MetricStat queries."""
    by_id = {q["Id"]: q for q in queries}

    def bands(query_id: str, width: float, start: int, end: int) -> list[TimeSeries] | None:
        query = by_id.get(query_id)
        if query is None or "MetricStat" not in query:
            return None
        stat = query["MetricStat"]
        metric = stat["Metric"]
        dims = tuple(sorted((d["Name"], d["Value"]) for d in metric.get("Dimensions") or []))
        key = MetricKey(metric["Namespace"], metric["MetricName"], dims, stat["Stat"])
        period = int(stat["Period"])
        model = detector_for(detectors, region, key).model(store, period, stat.get("Unit"), now)
        lower: dict[int, float] = {}
        upper: dict[int, float] = {}
        first = -(-start // period) * period
        for t in range(first, min(end, int(now) + 1), period):
            band = model.band(t, width)
            if band is not None:
                lower[t], upper[t] = band
        return [TimeSeries(lower, period), TimeSeries(upper, period)]

    return bands
