"""The metric store as CloudWatch keeps metrics: roll-ups, retention, statistics, percentiles.

Times are epoch seconds from a midnight `T0`, so every period boundary used
here (minute, five minutes, hour, day) falls on `T0` plus a round number.
"""

from __future__ import annotations

import math
import random
import struct
from array import array
from collections.abc import Callable, Sequence
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.metrics import (
    FIVE_MINUTE_RETENTION,
    HIGH_RESOLUTION_RETENTION,
    HOUR_RETENTION,
    MINUTE_RETENTION,
    STATISTICS,
    Aggregate,
    MetricId,
    MetricStore,
    Series,
    is_extended,
    levels,
    statistic,
    statistic_points,
)
from backend.metrics.bins import Bins
from backend.metrics.blocks import seal, unseal
from backend.metrics.levels import BLOCK, HOT, PAGE, Level
from backend.metrics.series import FUTURE, collect_bins
from backend.metrics.sketch import MAX_BUCKETS, UNKNOWN, Part, Sketch, fold

T0 = 19_676 * 86_400
DAY = 86_400
HOUR = 3600


def high_res(store: MetricStore | None = None) -> Series:
    return (store or MetricStore()).series("NS", "M", {}, "None", resolution=1)


def standard(store: MetricStore | None = None) -> Series:
    return (store or MetricStore()).series("NS", "M", {}, "None")


def summary(points: list[Aggregate]) -> list[tuple[int, float, float, float, float]]:
    return [(p.timestamp, p.count, p.total, p.minimum, p.maximum) for p in points]


def nearest_rank(values: Sequence[float], p: str) -> float:
    """The exact nearest-rank percentile `pNN`: the value of rank ceil(NN/100 * N)."""
    ordered = sorted(values)
    rank = math.ceil(Fraction(p[1:]) / 100 * len(ordered))
    return ordered[max(rank, 1) - 1]


def assert_close(got: float | None, exact: float) -> None:
    assert got is not None
    assert abs(got - exact) <= 0.01 * abs(exact) + 1e-12, (got, exact)


# -- retention and roll-ups ------------------------------------------------------------


def test_a_point_leaves_one_second_resolution_after_three_hours_but_stays_at_one_minute() -> None:
    s = high_res()
    s.add(T0 + 30, 5.0)
    young = T0 + 30 + HIGH_RESOLUTION_RETENTION - 1
    old = T0 + 30 + HIGH_RESOLUTION_RETENTION + 1
    assert summary(s.aggregate(T0, T0 + 60, 1, young)) == [(T0 + 30, 1, 5.0, 5.0, 5.0)]
    assert s.aggregate(T0, T0 + 60, 1, old) == []
    assert summary(s.aggregate(T0, T0 + 60, 60, old)) == [(T0, 1, 5.0, 5.0, 5.0)]


def test_minute_bins_roll_to_five_minutes_once_their_five_minutes_are_15_days_old() -> None:
    store = MetricStore()
    s = standard(store)
    for k in range(5):
        s.add(T0 + 60 * k + 10, k + 1.0)
    young = T0 + 300 + MINUTE_RETENTION - 1
    old = T0 + 300 + MINUTE_RETENTION
    minutes = [(T0 + 60 * k, 1, k + 1.0, k + 1.0, k + 1.0) for k in range(5)]
    rolled = [(T0, 5, 15.0, 1.0, 5.0)]
    for expired in (False, True):
        if expired:
            store.expire(old)
        if not expired:
            assert summary(s.aggregate(T0, T0 + 300, 60, young)) == minutes
        assert s.aggregate(T0, T0 + 300, 60, old) == []
        assert summary(s.aggregate(T0, T0 + 300, 300, old)) == rolled
        # AWS rounds an old StartTime down to five minutes.
        assert summary(s.aggregate(T0 + 299, T0 + 300, 300, old)) == rolled


def test_five_minute_bins_roll_to_hours_once_their_hour_is_63_days_old() -> None:
    store = MetricStore()
    s = standard(store)
    for k in range(12):
        s.add(T0 + 300 * k, 2.0)
    young = T0 + HOUR + FIVE_MINUTE_RETENTION - 1
    old = T0 + HOUR + FIVE_MINUTE_RETENTION
    assert len(s.aggregate(T0, T0 + HOUR, 300, young)) == 12
    store.expire(young)
    assert len(s.aggregate(T0, T0 + HOUR, 300, young)) == 12
    store.expire(old)
    assert s.aggregate(T0, T0 + HOUR, 300, old) == []
    assert summary(s.aggregate(T0, T0 + HOUR, HOUR, old)) == [(T0, 12, 24.0, 2.0, 2.0)]


def test_hour_bins_go_after_455_days_and_expire_forgets_the_empty_series() -> None:
    store = MetricStore()
    s = standard(store)
    s.add(T0 + 10, 7.0)
    young = T0 + HOUR + HOUR_RETENTION - 1
    gone = T0 + HOUR + HOUR_RETENTION
    store.expire(young)
    assert summary(s.aggregate(T0, T0 + HOUR, HOUR, young)) == [(T0, 1, 7.0, 7.0, 7.0)]
    assert list(store.all()) == [s]
    assert s.aggregate(T0, T0 + HOUR, HOUR, gone) == []
    store.expire(gone)
    assert list(store.all()) == []
    assert store.find("NS", "M", {}) is None
    assert s.last_time is None


def test_a_forgotten_series_still_held_rejoins_the_store_when_it_gets_data() -> None:
    store = MetricStore()
    held = standard(store)
    store.expire(T0)  # never had data: forgotten at once
    assert list(store.all()) == []
    held.add(T0 + 5, 1.0)
    assert store.find("NS", "M", {}) is held
    store.expire(T0 + 5 + HOUR + HOUR_RETENTION)
    assert standard(store) is held  # asked for again while forgotten: the same object
    assert list(store.all()) == [held]


def test_clear_detaches_even_the_forgotten_series() -> None:
    store = MetricStore()
    held = standard(store)
    store.expire(T0)
    store.clear()
    held.add(T0, 1.0)
    assert list(store.all()) == []
    assert standard(store) is not held


def test_last_time_is_the_newest_second_with_data() -> None:
    s = standard()
    assert s.last_time is None
    s.add(T0 + 10.7, 1.0)
    s.add(T0 + 5, 1.0)  # late: not newer
    assert s.last_time == T0 + 10


def test_late_counts_the_puts_that_may_change_closed_periods() -> None:
    """Points before the open second, and an expiry's emptying: not points at or after it."""
    s = standard()
    for t in (T0 + 30, T0 + 30, T0 + 90, T0 + 200):
        s.add(t, 1.0)
    s.add_statistics(T0 + 200, 2, 3.0, 1.0, 2.0)
    assert s.late == 0
    s.add(T0 + 190, 1.0)  # in the open minute, before the open second
    s.add_values(T0 + 10, [1.0, 2.0])  # into a filed minute
    assert s.late == 2
    s.expire(T0 + HOUR_RETENTION)  # a roll-up, nothing emptied
    assert s.late == 2
    assert not s.expire(T0 + 2 * HOUR + HOUR_RETENTION)
    assert s.late == 3


def test_the_store_generation_moves_when_the_series_units_gives_change() -> None:
    store = MetricStore()
    seen = [store.generation]
    s = standard(store)
    seen.append(store.generation)
    standard(store).add(T0, 1.0)  # the same series, and a point: no change
    store.expire(T0 + HOUR)  # nothing emptied
    seen.append(store.generation)
    store.expire(T0 + 2 * HOUR + HOUR_RETENTION)  # forgotten
    seen.append(store.generation)
    assert standard(store) is s  # found again
    seen.append(store.generation)
    store.clear()
    seen.append(store.generation)
    assert seen[1] == seen[2]
    assert len(set(seen)) == len(seen) - 1


def test_expire_trims_sub_minute_bins_to_the_clock_but_keeps_the_newest_few() -> None:
    store = MetricStore()
    s = high_res(store)
    for k in range(200):
        s.add(T0 + k, 1.0)
    now = T0 + 199 + HIGH_RESOLUTION_RETENTION - 60
    store.expire(now)
    assert len(s.aggregate(T0, T0 + 200, 1, now)) == 60  # queries: within 3 h of now
    # `bins` also shows the newest 64 of the filed minutes' seconds, however old.
    assert [b.second for b in s.bins(0, 2**40)] == list(range(T0 + 180 - 64, T0 + 200))


def test_a_metric_sampled_daily_still_shows_its_last_samples() -> None:
    store = MetricStore()
    s = standard(store)
    for day in range(100):
        s.add(T0 + day * DAY, float(day))
        store.expire(T0 + day * DAY + 1)
    assert [b.total for b in s.bins(0, 2**40)] == [float(d) for d in range(100 - 65, 100)]
    assert s.sums(T0 + 99 * DAY + 1, 2) == [0.0, 99.0]


# -- statistics --------------------------------------------------------------------------


def one_period(s: Series) -> Aggregate:
    (point,) = s.aggregate(T0, T0 + 60, 60, T0 + 60)
    return point


def test_every_statistic_of_one_period_against_a_hand_computed_answer() -> None:
    s = standard()
    for k, v in enumerate((3.0, 1.0, 10.0, 4.0, 2.0)):
        s.add(T0 + k, v)
    p = one_period(s)
    assert [statistic(p, name) for name in STATISTICS] == [5, 4.0, 20.0, 1.0, 10.0]
    assert statistic(p, "p100") == 10.0
    assert_close(statistic(p, "p50"), 3.0)  # rank ceil(2.5) = 3 of 1 2 3 4 10
    assert_close(statistic(p, "p20"), 1.0)  # rank 1
    assert_close(statistic(p, "p20.01"), 2.0)  # rank ceil(1.0005) = 2
    assert_close(statistic(p, "p80"), 4.0)
    assert_close(statistic(p, "p80.5"), 10.0)


def test_values_are_weighted_by_their_counts() -> None:
    s = standard()
    s.add_values(T0 + 1, [1.0, 5.0], [3.0, 1.0])
    s.add_values(T0 + 2, [9.0, 2.0], [0.0, 1.0])  # a count of zero puts nothing
    p = one_period(s)
    assert (p.count, p.total, p.minimum, p.maximum) == (5.0, 10.0, 1.0, 5.0)
    assert_close(statistic(p, "p60"), 1.0)  # rank 3 of 1 1 1 2 5
    assert_close(statistic(p, "p61"), 2.0)
    assert_close(statistic(p, "p99"), 5.0)
    assert s.count == 4


def test_puts_into_one_second_merge_their_distributions() -> None:
    rng = random.Random(5)
    s = high_res()
    first = [rng.uniform(1, 100) for _ in range(150)]
    second = [rng.uniform(50, 500) for _ in range(150)]
    s.add_values(T0 + 1, first)
    s.add(T0 + 1, 7.0)
    s.add_values(T0 + 1, second, [2.0] * 150)
    s.add(T0 + 61, 1.0)  # files the minute: the second is kept as a packed sketch
    values = [*first, 7.0, *second, *second]
    for period in (1, 60):
        point = s.aggregate(T0, T0 + 60, period, T0 + 61)[0]
        assert point.count == len(values)
        for p in PERCENTILES:
            assert_close(statistic(point, p), nearest_rank(values, p))


def test_a_late_value_joins_a_filed_minutes_distribution() -> None:
    s = standard()
    for k, v in enumerate((1.0, 2.0, 3.0)):
        s.add(T0 + k, v)
    s.add(T0 + 200, 0.0)
    s.add(T0 + 30, 100.0)
    p = one_period(s)
    assert (p.count, p.maximum, statistic(p, "p100")) == (4, 100.0, 100.0)
    assert_close(statistic(p, "p50"), 2.0)
    assert_close(statistic(p, "p75"), 3.0)
    assert_close(statistic(p, "p76"), 100.0)


def test_statistic_values_give_no_percentiles_even_mixed_with_values() -> None:
    s = standard()
    s.add_statistics(T0 + 1, 4.0, 10.0, 1.0, 4.0)
    p = one_period(s)
    assert [statistic(p, name) for name in STATISTICS] == [4.0, 2.5, 10.0, 1.0, 4.0]
    assert statistic(p, "p50") is None
    s.add(T0 + 2, 3.0)
    s.add(T0 + 70, 3.0)
    p = one_period(s)
    assert (p.count, p.total, statistic(p, "p50"), statistic(p, "p100")) == (5.0, 13.0, None, None)
    # Equal minimum and maximum do not make StatisticValues' percentiles known.
    s = standard()
    s.add_statistics(T0 + 1, 2.0, 6.0, 3.0, 3.0)
    assert statistic(one_period(s), "p50") is None
    s.add(T0 + 70, 3.0)  # the minute is filed away: the mark goes with it
    assert statistic(one_period(s), "p50") is None


def test_a_negative_value_leaves_the_period_without_percentiles() -> None:
    s = standard()
    for k, v in enumerate((5.0, -1.0, 2.0)):
        s.add(T0 + k, v)
    s.add(T0 + 60, 4.0)
    s.add(T0 + 61, 8.0)
    minute, after = s.aggregate(T0, T0 + 120, 60, T0 + 120)
    assert (minute.minimum, statistic(minute, "p50"), statistic(minute, "p100")) == (
        -1.0,
        None,
        None,
    )
    assert statistic(after, "p100") == 8.0
    (both,) = s.aggregate(T0, T0 + 120, 120, T0 + 120)
    assert statistic(both, "p99") is None


def test_statistic_names() -> None:
    for name in ("p99", "p99.9", "p50", "p100", "p0.1", "p99.99", "p100.0", "p5", "p07"):
        assert is_extended(name), name
    for name in (
        "p0",
        "p0.0",
        "p100.1",
        "p101",
        "p",
        "P99",
        "p99.999",
        "p-1",
        "tm99",
        "Sum",
        "p9a",
    ):
        assert not is_extended(name), name
    s = standard()
    s.add(T0, 1.0)
    with pytest.raises(ValueError):
        statistic(one_period(s), "p0")


# -- percentiles -------------------------------------------------------------------------


def distributions() -> dict[str, list[float]]:
    rng = random.Random(7)
    return {
        "uniform": [rng.uniform(0, 1000) for _ in range(3000)],
        "exponential": [rng.expovariate(1 / 50) for _ in range(3000)],
        "constant": [42.5] * 500,
        "single": [0.125],
        "with zeros": [0.0] * 700 + [rng.uniform(1, 10) for _ in range(300)],
        "wide": [10 ** rng.uniform(-6, 9) for _ in range(3000)],
    }


PERCENTILES = ("p0.1", "p1", "p10", "p25", "p50", "p75", "p90", "p99", "p99.9", "p100")


@pytest.mark.parametrize("name", list(distributions()))
def test_percentiles_are_within_one_percent_of_exact_nearest_rank(name: str) -> None:
    values = distributions()[name]
    s = high_res()
    # Out of order over three hours: late points, per-second sketches folded into
    # minutes, minutes folded into the three hours.
    offsets = [(i * 7919) % (3 * HOUR) for i in range(len(values))]
    for offset, v in zip(offsets, values, strict=True):
        s.add(T0 + offset, v)
    now = T0 + 3 * HOUR - 1
    for period in (3 * HOUR, 60, 1):
        points = s.aggregate(T0, now, period, now)
        assert points
        for point in points[:5]:
            start = point.timestamp - T0
            inside = [
                v for o, v in zip(offsets, values, strict=True) if start <= o < start + period
            ]
            assert point.count == len(inside)
            for p in PERCENTILES:
                assert_close(statistic(point, p), nearest_rank(inside, p))


def test_percentiles_survive_values_puts_and_roll_ups() -> None:
    rng = random.Random(3)
    store = MetricStore()
    s = standard(store)
    values: list[float] = []
    for minute in range(12):
        batch = [rng.lognormvariate(3, 1) for _ in range(150)]
        values += batch
        s.add_values(T0 + 60 * minute + 1, batch)
    now = T0 + HOUR + FIVE_MINUTE_RETENTION  # the hour is rolled up from five-minute bins
    store.expire(now)
    (point,) = s.aggregate(T0, T0 + HOUR, HOUR, now)
    for p in PERCENTILES:
        assert_close(statistic(point, p), nearest_rank(values, p))


def test_a_sketch_never_exceeds_its_bucket_cap_and_keeps_its_high_quantiles() -> None:
    sketch = Sketch()
    values = [2.0 ** (k / 20) for k in range(-6000, 6000)]  # ~20,000 buckets' worth
    for v in values:
        sketch.add(v)
        assert len(sketch) <= MAX_BUCKETS
    merged = Sketch.unpack(sketch.pack())
    merged.merge(sketch)
    assert len(merged) <= MAX_BUCKETS
    for q in (0.9, 0.99, 0.999):
        exact = nearest_rank(values, f"p{q * 100:g}")
        assert abs(sketch.quantile(q) - exact) <= 0.01 * exact


# -- periods and ranges ------------------------------------------------------------------


def test_periods_are_epoch_aligned_start_inclusive_end_exclusive() -> None:
    s = standard()
    for t, v in ((0, 1.0), (59, 2.0), (60, 3.0), (119, 4.0), (120, 5.0)):
        s.add(T0 + t, v)
    now = T0 + 600
    assert summary(s.aggregate(T0 + 60, T0 + 120, 60, now)) == [(T0 + 60, 2, 7.0, 3.0, 4.0)]
    # StartTime rounds down to the minute; periods of 120 s start on multiples of 120.
    assert summary(s.aggregate(T0 + 30, T0 + 180, 120, now)) == [
        (T0, 4, 10.0, 1.0, 4.0),
        (T0 + 120, 1, 5.0, 5.0, 5.0),
    ]
    assert s.aggregate(T0 + 180, T0 + 600, 60, now) == []


def test_sub_minute_periods_round_start_to_the_period() -> None:
    s = high_res()
    for t in (5, 12, 19, 21):
        s.add(T0 + t, float(t))
    now = T0 + 60
    assert summary(s.aggregate(T0 + 13, T0 + 30, 10, now)) == [
        (T0 + 10, 2, 31.0, 12.0, 19.0),
        (T0 + 20, 1, 21.0, 21.0, 21.0),
    ]
    assert summary(s.aggregate(T0, T0 + 21, 1, now)) == [
        (T0 + t, 1, float(t), float(t), float(t)) for t in (5, 12, 19)
    ]


def test_standard_series_answer_sub_minute_periods_with_nothing() -> None:
    store = MetricStore()
    s = standard(store)
    s.add(T0 + 1, 1.0)
    assert s.aggregate(T0, T0 + 60, 10, T0 + 60) == []
    assert store.series("NS", "M", {}, "None", resolution=1) is s
    store.series("NS", "M", {}, "None")  # 60 again does not undo high resolution
    assert s.resolution == 1
    assert len(s.aggregate(T0, T0 + 60, 10, T0 + 60)) == 1


def test_the_open_minute_is_seen_and_answers_the_same_once_filed() -> None:
    s = standard()
    for k in range(30):
        s.add(T0 + k, float(k % 4))
    before = s.aggregate(T0, T0 + 60, 60, T0 + 30)
    s.add(T0 + 90, 0.0)
    after = s.aggregate(T0, T0 + 60, 60, T0 + 90)
    assert summary(before) == summary(after) == [(T0, 30, 43.0, 0.0, 3.0)]
    assert statistic(before[0], "p50") == statistic(after[0], "p50")


# -- late points -------------------------------------------------------------------------


def test_late_points_are_counted_once_at_every_resolution() -> None:
    s = high_res()
    s.add(T0 + 100, 1.0)
    s.add(T0 + 200, 1.0)
    s.add(T0 + 190, 2.0)  # the open minute, before its open second
    s.add(T0 + 110, 3.0)  # an earlier, filed minute, also within the sub-minute window
    s.add(T0 + 100, 4.0)  # the same second as a filed one
    now = T0 + 300
    expected = [(T0 + 60, 3, 8.0, 1.0, 4.0), (T0 + 180, 2, 3.0, 1.0, 2.0)]
    assert summary(s.aggregate(T0, now, 60, now)) == expected
    assert summary(s.aggregate(T0, now, 1, now)) == [
        (T0 + 100, 2, 5.0, 1.0, 4.0),
        (T0 + 110, 1, 3.0, 3.0, 3.0),
        (T0 + 190, 1, 2.0, 2.0, 2.0),
        (T0 + 200, 1, 1.0, 1.0, 1.0),
    ]
    assert [b.second for b in s.bins(0, 2**40)] == [T0 + 100, T0 + 110, T0 + 190, T0 + 200]


def test_a_late_point_goes_into_the_bin_its_minute_was_rolled_into() -> None:
    s = standard()
    s.add(T0 + 10, 1.0)
    later = T0 + 16 * DAY
    s.add(later, 1.0)  # rolls T0's minute into its five-minute bin on the way
    s.add(T0 + 250, 5.0)  # late: its minute is already in the five-minute bin
    assert summary(s.aggregate(T0, T0 + 300, 300, later)) == [(T0, 2, 6.0, 1.0, 5.0)]
    assert s.aggregate(T0, T0 + 300, 60, later) == []


# -- units -------------------------------------------------------------------------------


def test_units_are_kept_apart_and_never_converted() -> None:
    store = MetricStore()
    count = store.series("NS", "M", {"A": "1"})
    size = store.series("NS", "M", {"A": "1"}, "Bytes")
    assert count is not size
    count.add(T0, 1.0)
    size.add(T0, 1024.0)
    metric = MetricId("NS", "M", (("A", "1"),))
    assert store.units(metric) == [count, size]
    assert store.find("NS", "M", {"A": "1"}) is count
    assert [summary(s.aggregate(T0, T0 + 60, 60, T0 + 60)) for s in store.units(metric)] == [
        [(T0, 1, 1.0, 1.0, 1.0)],
        [(T0, 1, 1024.0, 1024.0, 1024.0)],
    ]
    assert store.units(MetricId("NS", "M", ())) == []


# -- memory ------------------------------------------------------------------------------


def test_every_level_stays_within_its_retention_without_expire() -> None:
    """White-box: the levels' lengths, fed a point every 3 minutes for 70 days, never expired.

    Without a clock the add path trims and rolls up behind the newest point,
    `FUTURE` plus up to an hour (it rolls an hour at a time) later than expire would.
    """
    s = standard()
    t = T0
    for _ in range(70 * 480):
        s.add(t, 1.0)
        t += 180
    levels = s._seconds, s._minutes, s._fives, s._hours
    assert [lv.granularity for lv in levels] == [1, 60, 300, 3600]
    seconds, minutes, fives, hours = (len(lv) for lv in levels)
    lag = FUTURE + HOUR
    assert seconds <= max((HIGH_RESOLUTION_RETENTION + 600) / 180 + 1, 64)  # or the newest 64
    assert minutes <= (MINUTE_RETENTION + lag + 300) / 180
    assert fives <= (FIVE_MINUTE_RETENTION - MINUTE_RETENTION + lag + HOUR) / 300
    assert 0 < hours <= (70 * DAY - FIVE_MINUTE_RETENTION) / HOUR


# -- sealed blocks -----------------------------------------------------------------------

SEAL_AT = BLOCK + HOT


def sealed(level: Level) -> list[bytes | Bins]:
    """White-box: the level's blocks, oldest first (`Bins` where a late point opened one)."""
    return [*map(level._sealed.block, range(len(level._sealed.sizes)))]


def minutes_of(s: Series, minutes: int, value: Callable[[int], float]) -> None:
    for m in range(minutes):
        s.add(T0 + 60 * m + 7, value(m))


def test_the_tail_seals_its_oldest_block_once_it_holds_block_plus_hot_bins() -> None:
    s = standard()
    level = s._minutes
    minutes_of(s, SEAL_AT + 1, float)  # the last minute is the open one, not filed yet
    assert len(level) == SEAL_AT
    assert sealed(level) == []
    s.add(T0 + 60 * (SEAL_AT + 1) + 7, 0.0)  # files one more minute: the tail was full
    assert [len(unseal(b)) for b in sealed(level) if isinstance(b, bytes)] == [BLOCK]
    assert len(level.open) == HOT + 1
    assert len(level) == SEAL_AT + 1


@pytest.mark.parametrize(
    "value",
    [
        lambda m: float(m % 500),
        lambda m: round(m * 0.37 % 100, 2),
        lambda m: math.sin(m) * 1e6,
        lambda m: -0.0 if m % 3 else 5e-324,
    ],
    ids=["counts", "two-decimals", "full-precision", "signed-zero-and-subnormal"],
)
def test_sealed_minutes_answer_every_statistic_as_put_across_block_edges(
    value: Callable[[int], float],
) -> None:
    s = standard()
    filed = 2 * BLOCK + HOT + 100
    minutes_of(s, filed + 1, value)
    assert len(sealed(s._minutes)) == 2
    now = T0 + 60 * filed
    # Ranges from one bin to all, starting and ending on each side of the block edges.
    edges = (0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK - 1, 2 * BLOCK, filed - 1, filed)
    for first in edges:
        for last in edges:
            if first >= last:
                continue
            got = s.aggregate(T0 + 60 * first, T0 + 60 * last, 60, now)
            want = [(T0 + 60 * m, 1, value(m), value(m), value(m)) for m in range(first, last)]
            assert [(a.timestamp, *map(float.hex, summary([a])[0][1:])) for a in got] == [
                (t, *map(float.hex, (float(c), total, low, high)))
                for t, c, total, low, high in want
            ]
    points = statistic_points(s, T0, now, 60, now, "Maximum")
    assert [v.hex() for v in points.values()] == [value(m).hex() for m in range(filed)]


def test_a_late_point_opens_its_sealed_block_and_expire_seals_it_again() -> None:
    store = MetricStore()
    s = standard(store)
    minutes = BLOCK + SEAL_AT
    minutes_of(s, minutes, lambda m: float(m % 7))
    now = T0 + 60 * minutes
    assert [type(b) for b in sealed(s._minutes)] == [bytes]
    late = [T0 + 60 * 10 + 30, T0 + 60 * 11 + 30, T0 + 60 * 11 + 40]  # a backfill of three
    s.add_values(late[0], [100.0, 200.0])
    (opened,) = sealed(s._minutes)
    assert isinstance(opened, Bins)
    for t in late[1:]:
        s.add_values(t, [100.0, 200.0])
    assert sealed(s._minutes) == [opened]  # decoded once for the whole backfill
    period = s.aggregate(T0 + 600, T0 + 720, 60, now)
    expected = [(T0 + 600, 3, 303.0, 3.0, 200.0), (T0 + 660, 5, 604.0, 4.0, 200.0)]
    assert summary(period) == expected
    assert_close(statistic(period[1], "p50"), 100.0)  # rank 3 of 4 100 100 200 200
    store.expire(now)
    assert [type(b) for b in sealed(s._minutes)] == [bytes]
    again = s.aggregate(T0 + 600, T0 + 720, 60, now)
    assert summary(again) == expected
    assert [statistic(a, "p50") for a in again] == [statistic(a, "p50") for a in period]


def test_roll_ups_cut_inside_a_block_and_then_drop_it_whole() -> None:
    store = MetricStore()
    s = standard(store)
    minutes = 3 * BLOCK + HOT  # two blocks and a tail of BLOCK + HOT - 1
    minutes_of(s, minutes, lambda m: float(m))
    level = s._minutes
    assert len(sealed(level)) == 2
    # The first 65 minutes (whole five minutes) are past retention: they roll up.
    now = T0 + 67 * 60 + MINUTE_RETENTION
    store.expire(now)
    assert len(sealed(level)) == 2 and level._sealed.skip == 65  # hidden, not re-encoded
    assert len(level) == minutes - 1 - 65
    fives = s.aggregate(T0, T0 + 65 * 60, 300, now)
    assert summary(fives) == [
        (T0 + 300 * k, 5, sum(range(5 * k, 5 * k + 5)), 5.0 * k, 5.0 * k + 4) for k in range(13)
    ]
    kept = s.aggregate(T0 + 65 * 60, T0 + minutes * 60, 60, now)
    assert [a.minimum for a in kept] == [float(m) for m in range(65, minutes)]
    # Later, a cut past the first block and into the second drops the first whole.
    now = T0 + (BLOCK + 97) * 60 + MINUTE_RETENTION
    store.expire(now)
    assert len(sealed(level)) == 1 and level._sealed.skip == 95
    first = s.aggregate(T0 + BLOCK * 60, now, 60, now)[0]
    assert first.timestamp == T0 + (BLOCK + 95) * 60
    rolled = s.aggregate(T0, T0 + (BLOCK + 95) * 60, 300, now)
    assert sum(a.count for a in rolled) == BLOCK + 95
    assert sum(a.total for a in rolled) == sum(range(BLOCK + 95))


def test_every_page_of_blocks_is_one_bytes_object_until_its_last_block_goes() -> None:
    store = MetricStore()
    s = standard(store)
    minutes = PAGE * BLOCK + SEAL_AT + 2  # PAGE + 1 blocks (the tail seals when full and filing)
    minutes_of(s, minutes, float)
    level = s._minutes
    assert [len(unseal(b)) for b in sealed(level) if isinstance(b, bytes)] == [BLOCK] * (PAGE + 1)
    assert len(level._sealed.pages) == 2  # a page, and the newest block on its own
    for rolled in (PAGE - 1, PAGE):  # blocks past retention: the page goes with its last
        now = T0 + rolled * BLOCK * 60 + MINUTE_RETENTION
        store.expire(now)
        assert len(sealed(level)) == PAGE + 1 - rolled
        assert len(level._sealed.pages) == 2 - rolled // PAGE
        kept = s.aggregate(T0, now, 60, now)
        assert [a.minimum for a in kept] == [float(m) for m in range(rolled * BLOCK, minutes)]


def test_evenly_spaced_bins_keep_a_range_for_an_index_until_a_late_point() -> None:
    """White-box: a metric put at the same second of every minute stores no index a bin."""
    s = standard()
    minutes = SEAL_AT + 100
    minutes_of(s, minutes, float)
    now = T0 + 60 * minutes
    assert len(sealed(s._minutes)) == 1
    assert s._minutes.open.index == range((T0 + 60 * BLOCK) // 60, now // 60 - 1)
    seconds = s._seconds.open.index
    assert isinstance(seconds, range) and seconds.step == 60
    assert seconds[-1] == T0 + 60 * (minutes - 2) + 7  # the newest minute is still open
    before = s.aggregate(T0, now, 60, now)
    s.add(T0 + 60 * (minutes - 5) + 30, 1000.0)  # a second seconds bin in a minute
    assert isinstance(s._seconds.open.index, array)
    assert isinstance(s._minutes.open.index, range)  # the minute was there already
    late = s.aggregate(T0, now, 60, now)
    assert summary(late[:-5]) == summary(before[:-5])
    minute = minutes - 5
    assert summary(late[-5:-4]) == [(T0 + 60 * minute, 2, 1000.0 + minute, minute, 1000.0)]


def test_sub_minute_bins_stay_columns_and_are_trimmed_to_three_hours() -> None:
    store = MetricStore()
    s = high_res(store)
    span = 4 * HOUR
    for k in range(span):
        s.add(T0 + k, float(k % 1000))
    assert sealed(s._seconds) == []
    assert len(sealed(s._minutes)) == 0 < len(s._minutes) == 4 * 60 - 1
    now = T0 + span
    store.expire(now)
    oldest = math.floor(now - HIGH_RESOLUTION_RETENTION) + 1
    assert s._seconds.first() == oldest
    seconds = s.aggregate(T0, now, 1, now)
    assert [a.timestamp for a in seconds] == list(range(oldest, now))
    assert [a.total for a in seconds] == [float((t - T0) % 1000) for t in range(oldest, now)]
    shown = [float((t - T0) % 1000) for t in range(oldest, oldest + 10)]
    assert s.sums(oldest + 10, 20) == [0.0] * 10 + shown


# -- the property ------------------------------------------------------------------------

PERIODS = (1, 5, 10, 20, 30, 60, 120, 300, 600, 900, 3600, 7200, 86400)

Put = tuple[int, str, int, int]


def expected(
    puts: list[Put], start: int, end: int, period: int, now: int, high: bool
) -> list[tuple[int, float, float, float, float]]:
    """SampleCount, Sum, Minimum and Maximum per period, straight from AWS's rules."""
    found: dict[int, list[float]] = {}
    for t, kind, a, b in puts:
        count, total, low, high_value = (1, a, a, a) if kind != "stats" else (2, a + b, a, b)
        if period % 60:
            if not high or not t > now - HIGH_RESOLUTION_RETENTION:
                continue
            first = start // period * period
            eff = t
        else:
            if t // 300 * 300 + 300 > now - MINUTE_RETENTION:
                granularity = 60
            elif t // 3600 * 3600 + 3600 > now - FIVE_MINUTE_RETENTION:
                granularity = 300
            elif t // 3600 * 3600 + 3600 > now - HOUR_RETENTION:
                granularity = 3600
            else:
                continue
            if period % granularity:
                continue
            first = start // granularity * granularity
            eff = t - t % granularity
        if not first <= eff < end:
            continue
        key = eff - eff % period
        acc = found.setdefault(key, [0, 0, math.inf, -math.inf])
        acc[0] += count
        acc[1] += total
        acc[2] = min(acc[2], low)
        acc[3] = max(acc[3], high_value)
    return [(k, v[0], v[1], v[2], v[3]) for k, v in sorted(found.items())]


puts = st.lists(
    st.tuples(
        st.one_of(
            st.integers(0, 4 * HOUR),
            st.integers(0, 30 * DAY),
            st.integers(0, 500 * DAY),
        ),
        st.sampled_from(["add", "add", "values", "stats", "expire"]),
        st.integers(-3, 50),
        st.integers(50, 60),
    ),
    min_size=1,
    max_size=40,
)


@given(
    puts=puts,
    high=st.booleans(),
    period=st.sampled_from(PERIODS),
    span=st.tuples(
        st.one_of(st.just(0), st.integers(0, 4 * HOUR), st.integers(0, 500 * DAY)),
        st.one_of(st.just(1000 * DAY), st.integers(1, 4 * HOUR), st.integers(1, 500 * DAY)),
    ),
    after=st.one_of(st.integers(0, 4 * HOUR), st.integers(0, 100 * DAY), st.integers(0, 500 * DAY)),
)
def test_aggregates_count_every_point_within_retention_once(
    puts: list[Put], high: bool, period: int, span: tuple[int, int], after: int
) -> None:
    """Whatever the order of puts and expiries, a query agrees with the raw points,
    and `statistic_points` (read from the columns where it can) with `statistic`."""
    check_puts(puts, high, period, span, after)


def check_puts(puts: list[Put], high: bool, period: int, span: tuple[int, int], after: int) -> None:
    store = MetricStore()
    s = store.series("NS", "M", {}, "None", resolution=1 if high else 60)
    added: list[Put] = []
    expired_at = T0
    for offset, kind, a, b in puts:
        t = T0 + offset
        if kind == "expire":
            # The clock only moves on; it is at least the newest point so far.
            expired_at = max(expired_at, t, *(p[0] for p in added))
            store.expire(expired_at)
            continue
        if kind == "add":
            s.add(t + 0.5, float(a))
        elif kind == "values":
            s.add_values(t, [float(a)])
        else:
            s.add_statistics(t, 2.0, float(a + b), float(a), float(b))
        added.append((t, kind, a, b))
    now = max(expired_at, *(p[0] for p in added), T0) + after
    start = T0 + span[0]
    end = start + span[1]
    aggregates = s.aggregate(start, end, period, now)
    assert summary(aggregates) == expected(added, start, end, period, now, high)
    for stat in (*STATISTICS, "p90"):
        by_period = {a.timestamp: v for a in aggregates if (v := statistic(a, stat)) is not None}
        assert statistic_points(s, start, end, period, now, stat) == by_period, stat


@pytest.mark.parametrize(
    ("period", "age"),
    [(60, HOUR), (300, HOUR), (HOUR, HOUR), (300, 20 * DAY), (HOUR, 20 * DAY), (HOUR, 100 * DAY)],
)
def test_statistic_points_read_from_the_columns_agree_with_statistic(age: int, period: int) -> None:
    """Two days of every kind of put, read at an age where each level answers."""
    rng = random.Random(period + age)
    s = standard()
    for minute in range(2 * 24 * 60):
        t = T0 + minute * 60 + 7
        kind = rng.randrange(3)
        if kind == 0:
            s.add_values(t, [float(rng.randint(-5, 90))])
        elif kind == 1:
            s.add_values(t, [1.0, 2.5], [3.0, 1.0])
        else:
            low = float(rng.randint(0, 40))
            s.add_statistics(t, 4.0, 4 * low + 10, low, low + 9)
    now = T0 + 2 * DAY + age
    aggregates = s.aggregate(T0, now, period, now)
    assert aggregates
    for stat in (*STATISTICS, "p50"):
        by_period = {a.timestamp: v for a in aggregates if (v := statistic(a, stat)) is not None}
        assert statistic_points(s, T0, now, period, now, stat) == by_period, stat


def tiny_blocks(mp: pytest.MonkeyPatch, block: int, hot: int, page: int) -> None:
    """Blocks of a few bins in pages of a few blocks, so that a few dozen puts cross many
    block and page edges."""
    mp.setattr(levels, "BLOCK", block)
    mp.setattr(levels, "HOT", hot)
    mp.setattr(levels, "PAGE", page)


@given(
    puts=puts,
    high=st.booleans(),
    period=st.sampled_from(PERIODS),
    span=st.tuples(st.integers(0, 30 * DAY), st.integers(1, 500 * DAY)),
    after=st.one_of(st.integers(0, 4 * HOUR), st.integers(0, 100 * DAY)),
    block=st.integers(1, 4),
    hot=st.integers(0, 3),
    page=st.integers(1, 3),
)
def test_aggregates_agree_with_the_raw_points_when_blocks_are_tiny(
    puts: list[Put],
    high: bool,
    period: int,
    span: tuple[int, int],
    after: int,
    block: int,
    hot: int,
    page: int,
) -> None:
    """The property above, with every level sealing blocks of one to four bins."""
    with pytest.MonkeyPatch.context() as mp:
        tiny_blocks(mp, block, hot, page)
        check_puts(puts, high, period, span, after)


#: How a generated bin's values are made: each a kind CloudWatch data comes in.
VALUE_KINDS = ("count", "gauge", "noise", "edge", "values", "stats")
#: Doubles a codec could get wrong (the API refuses infinities and NaN before the store).
_EDGES = (-0.0, 0.0, 5e-324, -5e-324, 1e300, -1e300, 2.0**53 + 2, 0.1)


def a_bin(kind: str, rng: random.Random) -> tuple[float, float, float, float, Part]:
    """count, sum, minimum, maximum and shape of one bin's worth of put values."""
    if kind == "values":
        values = [float(rng.randint(0, 90)) for _ in range(rng.randint(2, 5))]
        low, high = min(values), max(values)
        shape = fold(((None, 1.0, v) for v in values), low, high)
        return float(len(values)), math.fsum(values), low, high, shape
    if kind == "stats":
        low = float(rng.randint(-5, 40))
        return 3.0, 3 * low + 7, low, low + rng.choice((0, 5)), UNKNOWN
    if kind == "count":
        v = float(rng.randint(0, 500))
    elif kind == "gauge":
        v = round(rng.uniform(-100, 100), 2)
    elif kind == "noise":
        v = rng.random() * 100
    else:
        v = rng.choice(_EDGES)
    return 1.0, v, v, v, None


def bits_of(bins: Bins) -> list[tuple[int, ...]]:
    """Every bin as its index and the bits of its count, sum, minimum and maximum."""
    return [(index, *map(float_bits, values)) for index, *values in bins.rows()]


def float_bits(value: float) -> int:
    bits: int = struct.unpack("<q", struct.pack("<d", value))[0]
    return bits


Step = tuple[str, int, str, int]


@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(["put", "put", "put", "late", "drop", "seal"]),
            st.integers(0, 1000),
            st.sampled_from(VALUE_KINDS),
            st.integers(0, 2**32),
        ),
        min_size=1,
        max_size=40,
    ),
    block=st.integers(1, 12),
    hot=st.integers(0, 8),
    page=st.integers(1, 3),
    granularity=st.sampled_from([60, 300, 3600]),
    reads=st.lists(st.tuples(st.integers(0, 1200), st.integers(0, 1200)), max_size=6),
)
def test_a_level_with_sealed_blocks_answers_exactly_as_plain_columns(
    steps: list[Step],
    block: int,
    hot: int,
    page: int,
    granularity: int,
    reads: list[tuple[int, int]],
) -> None:
    """Puts, late puts, drops and seals to a `Level` and to one plain `Bins`: every bin
    reads back bit for bit, with its sketch, and every statistic of every period agrees."""
    with pytest.MonkeyPatch.context() as mp:
        tiny_blocks(mp, block, hot, page)
        level = Level(granularity)
        plain = Bins("i")
        base = T0 // granularity
        newest = base
        for kind, at, values, seed in steps:
            rng = random.Random(seed)
            if kind == "seal":
                level.seal()
                continue
            if kind == "drop":
                stop = at % (len(plain) + 1)
                level.drop(stop)
                plain.drop(stop)
                continue
            for _ in range(1 if kind == "late" else at % 25 + 1):
                if kind == "late":
                    index = base + at % (newest - base + 1)
                else:
                    index = newest = newest + rng.randint(1, 3)
                row = a_bin(values, rng)
                level.merge(index * granularity, *row)
                plain.merge(index, *row)
        assert len(level) == len(plain)
        whole = level.view(0, len(level))
        assert bits_of(whole) == bits_of(plain)
        assert all(whole.sketches.get(i) == plain.sketches.get(i) for i in plain.index)
        for a, b in [(0, 2000), *reads]:
            start, end = (base + a) * granularity, (base + b) * granularity
            got = level.between(start, end)
            want = plain.cut(plain.position(start / granularity), plain.position(end / granularity))
            assert bits_of(got) == bits_of(want)
            for period in {granularity, 60, 300, 3600}:
                mine: list[Aggregate] = []
                theirs: list[Aggregate] = []
                collect_bins(mine, got, granularity, period)
                collect_bins(theirs, want, granularity, period)
                for stat in (*STATISTICS, "p10", "p50", "p99"):
                    assert [statistic(x, stat) for x in mine] == [
                        statistic(x, stat) for x in theirs
                    ], stat


@given(
    columns=st.lists(
        st.tuples(
            st.one_of(
                st.integers(-(2**40), 2**40).map(float),
                st.integers(-(10**6), 10**6).map(lambda k: k / 100),
                st.floats(allow_nan=True, allow_infinity=True),
            ),
            st.floats(allow_nan=True),
            st.booleans(),
        ),
        min_size=1,
        max_size=80,
    ),
    steps=st.lists(st.integers(1, 2**24), min_size=1, max_size=3),
)
def test_a_block_gives_back_every_column_bit_for_bit(
    columns: list[tuple[float, float, bool]], steps: list[int]
) -> None:
    """Whatever the doubles (NaN, infinities, -0.0, subnormals, decimals, whole numbers)."""
    bins = Bins("i")
    index = -(2**31)
    indexes = array("i")
    for k, (low, _, sketched) in enumerate(columns):
        index += steps[k % len(steps)]
        indexes.append(index)
        bins.minima.append(low)
        if sketched:
            bins.sketches[index] = bytes([k % 256]) * (k % 4)
    bins.index = indexes
    bins.counts = array("d", [c for _, c, _ in columns])
    bins.maxima = array("d", [c for _, c, _ in columns][::-1])
    back = unseal(seal(bins))
    assert back.index == bins.index
    for mine, theirs in ((back.minima, bins.minima), (back.counts, bins.counts)):
        assert mine is not None and theirs is not None
        assert mine.tobytes() == theirs.tobytes()
    assert back.maxima is not None and back.maxima.tobytes() == bins.maxima.tobytes()
    assert back.totals is None
    assert back.sketches == bins.sketches


@given(
    low=st.integers(-(2**40), 2**40),
    span=st.integers(1, 2**22),
    count=st.integers(1, 400),
    seed=st.integers(0, 2**32),
)
def test_whole_numbers_of_any_range_come_back_from_a_block(
    low: int, span: int, count: int, seed: int
) -> None:
    """Ranges a few offsets at a time fit a number's digits in (10,001 takes three in 40
    bits), and ranges that fit no better than bit by bit, each at every length."""
    rng = random.Random(seed)
    bins = Bins("i")
    bins.index = array("i", range(count))
    bins.minima = array("d", [float(low + rng.randint(0, span)) for _ in range(count)])
    assert unseal(seal(bins)).minima.tobytes() == bins.minima.tobytes()


def test_a_two_decimal_gauge_costs_less_than_the_whole_bits_its_range_needs() -> None:
    """0 to 100 with two decimals is 10,001 values: 13.3 bits each, where bits take 14."""
    rng = random.Random(1)
    bins = Bins("i")
    bins.index = array("i", range(BLOCK))
    bins.minima = array("d", [round(rng.random() * 100, 2) for _ in range(BLOCK)])
    block = seal(bins)
    assert len(block) < BLOCK * 14 / 8  # the block's header included
    assert unseal(block).minima.tobytes() == bins.minima.tobytes()
