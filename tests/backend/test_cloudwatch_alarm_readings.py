"""An alarm reads again only the periods that may have changed: and never misses one that did.

Each evaluation of a single-metric alarm keeps what it read (`Readings`);
the next reads only periods that were still open, unless a point went
before a series' open second or an expiry emptied it. These tests put
points where a stale reading would show: into a period already read and
closed, into the open minute behind the clock, into the newest period after
evaluations that found nothing new, in a second unit, ahead of the clock
(which trims a high-resolution series' oldest seconds); and check, over
random puts, sweeps and clock jumps, that every evaluation judges what a
fresh read gives.
"""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from backend.cloud import DEFAULT_START, Cloud
from backend.metrics import MetricId, MetricStore, merged_points
from backend.metrics.series import FUTURE
from backend.services.cloudwatch import CloudWatchService
from backend.services.cloudwatch.alarms import MetricAlarm
from backend.services.cloudwatch.evaluation import EXTRA_PERIODS, Rule, evaluate, judged_again
from backend.services.cloudwatch.readings import Readings
from tests.backend.helpers import cw

T0 = int(DEFAULT_START)
NS = "Shop"
REGION = "us-east-1"


async def put_alarm(cloud: Cloud, **params: Any) -> MetricAlarm:
    config: dict[str, Any] = {
        "AlarmName": "slow",
        "Namespace": NS,
        "MetricName": "Latency",
        "Statistic": "Average",
        "Period": 60,
        "EvaluationPeriods": 1,
        "Threshold": 100.0,
        "ComparisonOperator": "GreaterThanThreshold",
        **params,
    }
    await cw(cloud, "PutMetricAlarm", **{k: v for k, v in config.items() if v is not None})
    return cloud.service(CloudWatchService).alarms[(REGION, config["AlarmName"])]


async def latency(cloud: Cloud, value: float, at: float | None = None) -> None:
    datum: dict[str, Any] = {"MetricName": "Latency", "Value": value}
    if at is not None:
        datum["Timestamp"] = at
    await cw(cloud, "PutMetricData", Namespace=NS, MetricData=[datum])


def judged(alarm: MetricAlarm) -> list[tuple[int, float | None]]:
    """The last evaluation's periods as (seconds after T0, value)."""
    return [(p.timestamp - T0, p.value) for p in alarm.trace]


def oldest(alarm: MetricAlarm) -> int:
    """The start of the oldest period the last evaluation judged a datapoint of."""
    return min(p.timestamp for p in alarm.trace if p.value is not None)


async def test_a_late_point_into_a_period_already_read_is_judged(cloud: Cloud) -> None:
    alarm = await put_alarm(cloud, EvaluationPeriods=3, DatapointsToAlarm=1)
    for _ in range(3):
        await latency(cloud, 50)
        await cloud.clock.advance(60)
    assert judged(alarm) == [(0, 50.0), (60, 50.0), (120, 50.0)]
    assert alarm.state == "OK"
    # Two minutes back: the series has filed that minute, and the alarm has read it.
    await latency(cloud, 350, at=T0 + 70)
    await cloud.clock.advance(60)
    assert judged(alarm) == [(0, 50.0), (60, 200.0), (120, 50.0)]
    assert alarm.state == "ALARM"


async def test_a_point_behind_the_clock_into_the_open_minute_is_judged(cloud: Cloud) -> None:
    alarm = await put_alarm(cloud)
    await cloud.clock.advance(30)
    await latency(cloud, 50)
    await cloud.clock.advance(30)
    assert judged(alarm) == [(0, 50.0)]
    # The clock has passed the period, but the series' open second is T0 + 30: this
    # point is after it, so not late for the series, yet it changes a period read.
    await latency(cloud, 350, at=T0 + 45)
    await cloud.clock.advance(60)
    assert judged(alarm) == [(0, 200.0)]
    assert alarm.state == "ALARM"


async def test_a_point_into_the_newest_period_is_judged_after_quiet_evaluations(
    cloud: Cloud,
) -> None:
    alarm = await put_alarm(cloud, EvaluationPeriods=2)
    for value in (50, 150):
        await latency(cloud, value)
        await cloud.clock.advance(60)
    assert alarm.state == "OK"
    # Nothing new for three evaluations: each judges the same two datapoints.
    await cloud.clock.advance(180)
    assert judged(alarm) == [(0, 50.0), (60, 150.0)]
    assert alarm.state == "OK"
    await latency(cloud, 150)
    await cloud.clock.advance(60)
    assert judged(alarm) == [(60, 150.0), (300, 150.0)]
    assert alarm.state == "ALARM"


async def test_datapoints_leave_the_range_as_the_clock_moves_on(cloud: Cloud) -> None:
    alarm = await put_alarm(cloud, EvaluationPeriods=2, TreatMissingData="missing")
    for value in (150, 150):
        await latency(cloud, value)
        await cloud.clock.advance(60)
    assert alarm.state == "ALARM"
    # The range is N + EXTRA_PERIODS periods: once the older datapoint has left it,
    # the newer one alone cannot make two of two.
    await cloud.clock.advance(60 * (2 + EXTRA_PERIODS) - 60)
    assert judged(alarm) == [(60, 150.0), (60 * (2 + EXTRA_PERIODS), None)]
    assert alarm.state == "OK"
    await cloud.clock.advance(60)
    assert alarm.state == "INSUFFICIENT_DATA"


async def test_a_metric_put_in_a_second_unit_is_read_with_the_first(cloud: Cloud) -> None:
    alarm = await put_alarm(cloud, EvaluationPeriods=1)
    await latency(cloud, 50)
    await cloud.clock.advance(60)
    assert judged(alarm) == [(0, 50.0)]
    # A later unit wins a period both have (as GetMetricData without a Unit).
    datum = {"MetricName": "Latency", "Value": 300, "Unit": "Seconds", "Timestamp": T0 + 10}
    await cw(cloud, "PutMetricData", Namespace=NS, MetricData=[datum])
    await cloud.clock.advance(60)
    assert judged(alarm) == [(0, 300.0)]


async def test_a_re_put_alarm_reads_its_new_metric_at_once(cloud: Cloud) -> None:
    alarm = await put_alarm(cloud)
    await latency(cloud, 50)
    await latency(cloud, 150)
    await cloud.clock.advance(60)
    assert judged(alarm) == [(0, 100.0)]
    assert alarm.state == "OK"
    await put_alarm(cloud, Statistic="Sum", Threshold=150.0)
    await cloud.clock.advance(60)
    assert judged(alarm) == [(0, 200.0)]
    assert alarm.state == "ALARM"


def test_readings_forget_what_an_expiry_emptied_and_read_the_series_found_again() -> None:
    store = MetricStore()
    config = {
        "Namespace": NS,
        "MetricName": "Latency",
        "Dimensions": [],
        "Statistic": "Average",
    }
    readings = Readings(config)
    series = store.series(NS, "Latency", {})
    series.add(T0, 50)
    assert readings.read(store, T0 - 300, T0 + 60, 60, T0 + 60) == {T0: 50.0}
    later = T0 + 456 * 86_400
    store.expire(later)  # past every retention: the series is emptied and forgotten
    assert store.units(series.id) == []
    start = later - 300
    assert readings.read(store, start, later, 60, later) == {}
    # The same series object (held here) rejoins the store with its next point.
    assert store.series(NS, "Latency", {}) is series
    series.add(later - 30, 70)
    assert readings.read(store, start, later + 60, 60, later + 60) == {later - 60: 70.0}
    # Nothing put since: the same values, not read again.
    assert readings.read(store, start + 60, later + 120, 60, later + 120) == {later - 60: 70.0}
    assert not readings.changed


#: (Period, EvaluationPeriods, statistic): a high-resolution range over an hour long
#: reaches the seconds a point put ahead of the clock trims.
ALARMS = [
    (60, 3, "Average"),
    (60, 1, "p90"),
    (120, 4, "Sum"),
    (300, 2, "Maximum"),
    (3600, 6, "SampleCount"),
    (10, 3, "Minimum"),
    (10, 400, "Average"),
]


@pytest.mark.parametrize(("period", "n", "stat"), ALARMS)
@pytest.mark.parametrize("seed", range(2))
async def test_every_evaluation_judges_what_a_fresh_read_gives(
    cloud: Cloud, period: int, n: int, stat: str, seed: int
) -> None:
    """Random puts (on time, ahead, behind the open second, in another unit, as
    statistic sets), sweeps and clock jumps: after each, the alarm's last
    evaluation is the one a fresh read of the metric makes."""
    rng = random.Random(seed)
    resolution = 1 if period < 60 else 60
    statistic = (
        {"Statistic": None, "ExtendedStatistic": stat} if stat == "p90" else {"Statistic": stat}
    )
    alarm = await put_alarm(cloud, Period=period, EvaluationPeriods=n, **statistic)
    steps = [1, 10, 20, 59, 60, 60, 61, 300] + ([3600, 4 * 3600] if period >= 60 else [])
    store = cloud.metrics
    metric_id = MetricId(NS, "Latency", ())
    units = ["None", "Seconds"]
    for _ in range(120):
        now = cloud.clock.now()
        unit = rng.choice(units) if rng.random() < 0.1 else units[0]
        series = store.series(NS, "Latency", {}, unit, resolution=resolution)
        roll = rng.random()
        if roll < 0.45:
            when = now
        elif roll < 0.6:
            when = now - rng.randint(1, 3 * period * (n + EXTRA_PERIODS))  # late or not
        elif roll < 0.7:
            when = now + rng.randint(1, FUTURE)
        elif roll < 0.8:
            series.add_statistics(now - rng.randint(0, 120), 3, 30.0, 5.0, 15.0)
            when = None
        elif roll < 0.85:
            store.expire(now)
            when = None
        else:
            when = None
        if when is not None:
            series.add_values(when, [float(rng.randint(0, 200)) for _ in range(rng.randint(1, 3))])
        await cloud.clock.advance(rng.choice(steps))
        every = 10 if period < 60 else 60
        tick = int(cloud.clock.now()) // every * every
        if tick <= now:
            continue  # no evaluation since the put
        end = tick // period * period
        start = end - period * (n + EXTRA_PERIODS)
        fresh = merged_points(store.units(metric_id), start, end, period, tick, stat)
        want = evaluate(alarm.rule, fresh, end, alarm.state, tick)
        assert alarm.trace == want.trace
        assert alarm.state == want.state


@pytest.mark.parametrize("seed", range(4))
def test_judging_again_is_evaluating_again_or_declines(seed: int) -> None:
    """`judged_again` of the values `evaluate` judged, later and perhaps with newer
    values (a caller's bug it must still not hide), gives what `evaluate` gives, or None."""
    rng = random.Random(seed)
    agreed = declined = 0
    for _ in range(3000):
        n = rng.randint(1, 4)
        p = rng.choice([60, 300])
        rule = Rule(p, n, rng.randint(1, n), "GreaterThanThreshold", 5.0, "missing", "Sum")
        end = T0 // p * p
        points = {
            end - p * age: rng.choice([1.0, 10.0, math.inf])
            for age in range(1, n + EXTRA_PERIODS + 3)
            if rng.random() < 0.6
        }
        last = evaluate(rule, points, end, "OK", end).trace
        later = end + p * rng.randint(0, 4)
        if later > end and rng.random() < 0.3:
            points[later - p * rng.randint(1, (later - end) // p)] = rng.choice([1.0, 10.0])
        want = evaluate(rule, points, later, "OK", later)
        again = judged_again(rule, points, later, later, last)
        if again is None:
            declined += 1
        else:
            agreed += 1
            assert again == want
    assert agreed > 1000
    assert declined > 300


async def test_a_point_ahead_of_the_clock_drops_seconds_a_high_resolution_alarm_read(
    cloud: Cloud,
) -> None:
    # 10-second periods, 400 of them (and EXTRA_PERIODS): the range reaches 67.5 minutes back.
    alarm = await put_alarm(cloud, Period=10, EvaluationPeriods=400, DatapointsToAlarm=1)
    series = cloud.metrics.series(NS, "Latency", {}, "None", resolution=1)
    for _ in range(6 * 70):
        series.add(cloud.clock.now(), 50)
        await cloud.clock.advance(10)
    now = cloud.clock.now()
    assert oldest(alarm) == now - 4000
    # Two hours ahead: the series keeps sub-minute bins three hours behind its newest
    # point, so those more than an hour old are gone, and no query sees them again.
    series.add(now + FUTURE, 50)
    await cloud.clock.advance(10)
    assert oldest(alarm) == now - 3590
