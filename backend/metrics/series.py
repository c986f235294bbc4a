"""One metric in one unit: its points at every resolution CloudWatch keeps.

**Levels.** Sub-minute bins (one per second with data) are kept for the
store's `retention` (3 h) behind the newest point, for every series: the
dashboard's sparklines read them, and high-resolution queries (periods under
a minute) answer from them. A series sampled more sparsely than that (S3's
daily storage metrics) keeps at least its newest `_KEEP_SECONDS` filed
sub-minute bins however old, so `bins` still shows its last samples, as the
per-second store before this one did. Every finished minute is also folded
into a one-minute bin; those are kept 15 days, then rolled into five-minute
bins kept 63 days, then into one-hour bins kept 455 days, then dropped
(AWS_FACTS §4). Minute and coarser data is held once: a bin moves to the next
level when it ages out, so the coarser levels cost nothing for the first 15
days and no point is in two of them. A bin moves a whole coarser bin at a
time, once all of it is past its retention: "15 days" means up to 15 days and
5 minutes for the minute level. The minute and coarser levels keep their
newest bins as columns and seal older ones into lossless compressed blocks;
the sub-minute level is all columns (`levels`).

**The hot path.** Services call `add` on every API call. The open second (the
newest second with data) lives in the series' own slots: a point in it costs
a comparison of seconds, one that tells whether the second's values are still
all equal (`_const`, NaN once they are not), and two float additions. A
sketch is only made when the values differ, so counters never pay for
percentiles. A point in a new second appends the finished second to the open
minute's list (`_pending`); once a minute the list is folded into a minute
bin and stored as columns, and trimming and roll-ups run then, in batches.

**Late points** (PutMetricData accepts timestamps two weeks back) go to every
level that holds their time: the open minute or the sub-minute bins, and the
minute bin (or the five-minute or hour bin it has already been rolled into).
So each level always holds every point of its time span exactly once.

**Queries** (`aggregate`) decide which resolution answers each part of the
range from `now`, not from what has been rolled up yet: data is answered at
one-minute resolution while its five-minute bin ends less than 15 days ago,
at five minutes until its hour ends 63 days ago, at one hour until 455 days.
A part whose resolution does not divide the period answers nothing, as AWS
returns "no data points in that time range" for it. Periods that are not a
multiple of 60 are answered from the sub-minute bins less than `retention`
old, and only for high-resolution series; a standard series answers them with
nothing (CloudWatch rejects such periods for it: the API layer validates).

The store has no clock: the add path trims and rolls up against the series'
newest point. A point dated ahead of the clock (PutMetricData allows two
hours) so shortens that series' sub-minute window; roll-ups on the add path
stay `FUTURE` behind the newest point so that they never run ahead of `now`.
`MetricStore.expire` trims and rolls up against the clock itself. Queries
assume `now` only moves on: they may not see again what an expiry at a later
`now` dropped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Final

from backend.metrics.aggregate import Aggregate
from backend.metrics.bins import Bins, part_of
from backend.metrics.identity import MetricId
from backend.metrics.levels import (
    FIVE_MINUTE_RETENTION,
    HIGH_RESOLUTION_RETENTION,
    HOUR_RETENTION,
    MINUTE_RETENTION,
    Level,
)
from backend.metrics.sketch import UNKNOWN, Part, Shape, Sketch, fold

#: How far ahead of the clock PutMetricData may date a point.
FUTURE: Final = 2 * 3600

_NAN: Final = math.nan
#: Sub-minute bins kept however old (see the module doc).
_KEEP_SECONDS: Final = 64
#: Seconds of sub-minute bins past the window that may wait to be trimmed: trimming moves
#: the columns' whole tail, so it is done every ten minutes, not every minute.
_TRIM_EVERY: Final = 600
#: Likewise, the add path rolls bins up an hour's worth at a time (queries do not care:
#: they answer each bin at its age's resolution wherever it is kept).
_ROLL_EVERY: Final = 3600

#: A finished second of the open minute: second, count, sum, minimum, maximum, shape.
Row = tuple[int, float, float, float, float, Shape]
#: A bin as queries read it: time, count, sum, minimum, maximum, part.
PartRow = tuple[int, float, float, float, float, Part]


@dataclass(frozen=True, slots=True)
class Bin:
    """The statistics of one second of one metric."""

    second: int
    count: float
    total: float
    minimum: float
    maximum: float


class Series:
    """One metric's points in one unit, at every resolution CloudWatch keeps."""

    __slots__ = (
        "__weakref__",
        "_const",
        "_fives",
        "_hours",
        "_max",
        "_min",
        "_minute_end",
        "_minutes",
        "_n",
        "_on_data",
        "_pending",
        "_retention",
        "_roll_due",
        "_second",
        "_seconds",
        "_shape",
        "_total",
        "count",
        "id",
        "late",
        "resolution",
        "unit",
    )

    def __init__(
        self,
        metric_id: MetricId,
        unit: str,
        retention: int = HIGH_RESOLUTION_RETENTION,
        resolution: int = 60,
    ) -> None:
        self.id = metric_id
        self.unit = unit
        #: 1 once the metric has been put with StorageResolution 1: it then keeps sketches
        #: per second and answers periods under a minute.
        self.resolution = resolution
        #: Values ever put, also those past retention (a StatisticValues set counts one).
        self.count = 0
        #: Writes that may change periods a reader saw closed: points for a second before
        #: the open one, and expiry emptying the series. Any other write lands at or after
        #: the open second, so periods that ended by it stay as read while this holds.
        self.late = 0
        self._retention = retention
        # The open second: -1 while the series holds no data at all.
        self._second = -1
        self._n = 0.0
        self._total = 0.0
        self._const = _NAN
        self._min = 0.0
        self._max = 0.0
        self._shape: Shape = None
        #: End of the open minute (the open second's): a point at or past it closes it.
        self._minute_end = 0
        self._pending: list[Row] = []
        self._seconds = Level(1)
        self._minutes = Level(60)
        self._fives = Level(300)
        self._hours = Level(3600)
        #: `_roll` has nothing to do for references before this.
        self._roll_due = 0
        #: Called once with this series when it gets data again after the store dropped it.
        self._on_data: Callable[[Series], None] | None = None

    def __repr__(self) -> str:
        return f"Series({self.id!r}, {self.unit!r})"

    @property
    def last_time(self) -> float | None:
        """Start of the newest second with data (None when none is left), for ListMetrics."""
        return float(self._second) if self._second >= 0 else None

    # -- putting -----------------------------------------------------------------------

    def add(self, t: float, value: float = 1.0) -> None:
        """One point: the services' hot path (module doc)."""
        self.count += 1
        second = int(t)
        open_second = self._second
        if second == open_second:
            if value != self._const:
                self._vary(value)
            self._n += 1.0
            self._total += value
            return
        if second < open_second:
            self._merge_late(second, 1.0, value, value, value, None)
            return
        if second < self._minute_end:
            # `_open_row`, inline: a call here was a fifth of a new second's cost.
            const = self._const
            if const == const:
                self._pending.append((open_second, self._n, self._total, const, const, None))
            else:
                self._pending.append(self._open_row())
        else:
            self._close_minute(second)
        self._second = second
        self._n = 1.0
        self._total = value
        self._const = value

    def add_values(
        self, t: float, values: Sequence[float], counts: Sequence[float] | None = None
    ) -> None:
        """PutMetricData's Value, or Values with Counts: each value weighted by its count."""
        if counts is None and len(values) == 1:
            self.add(t, values[0])  # a single Value, the common put
            return
        self.count += len(values)
        if counts is None:
            weighted = [(v, 1.0) for v in values]
        else:
            weighted = [(v, c) for v, c in zip(values, counts, strict=True) if c > 0]
        if not weighted:
            return
        low = min(v for v, _ in weighted)
        high = max(v for v, _ in weighted)
        shape = fold(((None, c, v) for v, c in weighted), low, high)
        n = math.fsum(c for _, c in weighted)
        self._merge(int(t), n, math.fsum(v * c for v, c in weighted), low, high, shape)

    def add_statistics(
        self, t: float, count: float, total: float, minimum: float, maximum: float
    ) -> None:
        """PutMetricData's StatisticValues: no percentiles are possible from these."""
        self.count += 1
        self._merge(int(t), count, total, minimum, maximum, UNKNOWN)

    def _vary(self, value: float) -> None:
        """A point in the open second that is not its constant (or after it varied)."""
        const = self._const
        if const == const:
            self._const = _NAN
            self._min = self._max = const
            self._shape = UNKNOWN if const < 0 else Sketch.of(const, self._n)
        if value < self._min:
            self._min = value
        elif value > self._max:
            self._max = value
        shape = self._shape
        if isinstance(shape, Sketch):
            if value < 0:
                self._shape = UNKNOWN
            else:
                shape.add(value)

    def _open_row(self) -> Row:
        const = self._const
        if const == const:
            return (self._second, self._n, self._total, const, const, None)
        return (self._second, self._n, self._total, self._min, self._max, self._shape)

    def _merge(
        self, second: int, count: float, total: float, low: float, high: float, shape: Shape
    ) -> None:
        """A bin's worth of values at `second`, wherever it belongs."""
        if second == self._second:
            self._merge_open(count, total, low, high, shape)
        elif second > self._second:
            if second < self._minute_end:
                self._pending.append(self._open_row())
            else:
                self._close_minute(second)
            self._second = second
            self._n = count
            self._total = total
            if shape is None:
                self._const = low
            else:
                self._const = _NAN
                self._min = low
                self._max = high
                self._shape = shape
        else:
            self._merge_late(second, count, total, low, high, shape)

    def _merge_open(
        self, count: float, total: float, low: float, high: float, shape: Shape
    ) -> None:
        const = self._const
        if shape is not None or low != const:
            if const == const:
                own: Shape = None
                own_low = own_high = const
            else:
                own, own_low, own_high = self._shape, self._min, self._max
            lowest = min(low, own_low)
            highest = max(high, own_high)
            if isinstance(own, Sketch):
                self._shape = fold(((shape, count, low),), lowest, highest, into=own)
            else:
                parts = ((own, self._n, own_low), (shape, count, low))
                self._shape = fold(parts, lowest, highest)
            self._const = _NAN
            self._min = lowest
            self._max = highest
        self._n += count
        self._total += total

    def _close_minute(self, second: int) -> None:
        """The point at `second` is past the open minute: file that minute away."""
        if self._second >= 0:
            rows = self._pending
            rows.append(self._open_row())
            self._pending = []
            self._file_minute(rows)
        elif self._on_data is not None:
            on_data, self._on_data = self._on_data, None
            on_data(self)
        self._minute_end = second - second % 60 + 60
        oldest = self._seconds.first()
        window = second - self._retention
        if oldest is not None and oldest <= window - _TRIM_EVERY:
            self._trim_seconds(window + 1)
        if second - FUTURE >= self._roll_due + _ROLL_EVERY:
            self._roll(second - FUTURE)

    def _file_minute(self, rows: list[Row]) -> None:
        """Fold the open minute's seconds into its minute bin, and keep them as columns.

        They go straight to the sub-minute level's open columns: it never seals (`levels`).
        """
        level = self._seconds.open
        if len(rows) == 1:
            # One second of data in the minute: a metric put once a minute.
            second, count, total, low, high, only = rows[0]
            self._file(second - second % 60, count, total, low, high, only)
            level.append(second, count, total, low, high)
            if only is not None:
                level.keep(second, self._sub_minute(only), low, high)
            return
        seconds, counts, totals, minima, maxima, shapes = zip(*rows)  # noqa: B905
        low = min(minima)
        high = max(maxima)
        # Most minutes are all constant seconds: count them in C, not in a loop per second.
        constant = shapes.count(None) == len(shapes)
        if constant and low == high:
            shape: Shape = None
        else:
            shape = fold(zip(shapes, counts, minima, strict=True), low, high)
        self._file(seconds[0] - seconds[0] % 60, sum(counts), sum(totals), low, high, shape)
        level.extend(seconds, counts, totals, minima, maxima)
        if not constant:
            for second, low, high, shape in zip(seconds, minima, maxima, shapes, strict=True):
                if shape is not None:
                    level.keep(second, self._sub_minute(shape), low, high)

    def _sub_minute(self, shape: Part) -> Part:
        """What a sub-minute bin keeps of its distribution: standard series keep no sketch."""
        return shape if self.resolution == 1 or not isinstance(shape, Sketch) else UNKNOWN

    def _file(
        self, time: int, count: float, total: float, low: float, high: float, shape: Part
    ) -> None:
        """A minute's worth of values into the level that holds `time` now."""
        for level in (self._minutes, self._fives, self._hours):
            if time >= level.floor:
                level.merge(time, count, total, low, high, shape)
                return

    def _merge_late(
        self, second: int, count: float, total: float, low: float, high: float, shape: Shape
    ) -> None:
        """A point for a second before the open one (rare: a backdated PutMetricData)."""
        self.late += 1
        if second >= self._minute_end - 60:
            rows = self._pending
            at = len(rows)
            while at and rows[at - 1][0] > second:
                at -= 1
            if at and rows[at - 1][0] == second:
                _, n, old_total, old_low, old_high, old = rows[at - 1]
                lowest, highest = min(low, old_low), max(high, old_high)
                merged = fold(((old, n, old_low), (shape, count, low)), lowest, highest)
                rows[at - 1] = (second, n + count, old_total + total, lowest, highest, merged)
            else:
                rows.insert(at, (second, count, total, low, high, shape))
            return
        if second > self._second - self._retention:
            self._seconds.merge(second, count, total, low, high, self._sub_minute(shape))
        self._file(second - second % 60, count, total, low, high, shape)

    def _roll(self, reference: float) -> None:
        """Move bins past their retention at `reference` to the next level; drop the last's."""
        minutes, fives, hours = self._minutes, self._fives, self._hours
        cut = _cut(reference - MINUTE_RETENTION, 300)
        if cut > minutes.floor:
            minutes.roll(cut, fives)
        cut = _cut(reference - FIVE_MINUTE_RETENTION, 3600)
        if cut > fives.floor:
            fives.roll(cut, hours)
        cut = _cut(reference - HOUR_RETENTION, 3600)
        if cut > hours.floor:
            hours.drop(hours.position(cut))
            hours.floor = cut
        # The first reference at which one of the three cuts above moves on.
        self._roll_due = min(
            minutes.floor + 300 + MINUTE_RETENTION,
            fives.floor + 3600 + FIVE_MINUTE_RETENTION,
            hours.floor + 3600 + HOUR_RETENTION,
        )

    def _trim_seconds(self, oldest: int) -> None:
        """Drop the sub-minute bins before `oldest`, all but the newest `_KEEP_SECONDS`."""
        level = self._seconds
        stop = min(level.position(oldest), len(level) - min(_KEEP_SECONDS, self._retention))
        if stop > 0:
            level.drop(stop)

    # -- expiry ------------------------------------------------------------------------

    def expire(self, now: float) -> bool:
        """Drop and roll up what is past retention at `now`; whether any data is left.

        Also seals again the blocks late points opened since the last expiry (`Level`).
        """
        levels = (self._seconds, self._minutes, self._fives, self._hours)
        if len(self._seconds):
            self._trim_seconds(math.floor(now - self._retention) + 1)
        if now >= self._roll_due:
            self._roll(now)
        for level in levels:
            level.seal()
        if 0 <= self._minute_end - 60 < self._hours.floor:
            self.late += 1
            self._second = -1
            self._minute_end = 0
            self._pending = []
            self._seconds.clear()
        return self._second >= 0 or any(len(level) for level in levels[1:])

    # -- reading -----------------------------------------------------------------------

    def _second_rows(self, start: int, end: float) -> Iterator[PartRow]:
        """The sub-minute bins with start <= second < end, oldest first, with their parts.

        Live sketches are copied: the caller may keep them while the open
        second goes on growing.
        """
        bins = self._seconds.between(start, end)
        get = bins.sketches.get
        for second, count, total, low, high in bins.rows():
            yield second, count, total, low, high, part_of(get(second), low, high)
        if self._second < 0:
            return
        for row in (*self._pending, self._open_row()):
            if start <= row[0] < end:
                shape = row[5]
                yield row if not isinstance(shape, Sketch) else (*row[:5], shape.copy())

    def _shown_from(self) -> int:
        """The oldest second `bins` and `sums` show: the retention's, or the kept few's."""
        oldest = self._second - self._retention + 1
        level = self._seconds
        if kept := len(level):
            kept = max(0, kept - min(_KEEP_SECONDS, self._retention))
            oldest = min(oldest, level.index_at(kept))
        return oldest

    def bins(self, start: int, end: int) -> Iterator[Bin]:
        """The non-empty seconds in [start, end) still kept (module doc), oldest first."""
        for row in self._second_rows(max(start, self._shown_from()), end):
            yield Bin(*row[:5])

    def sums(self, end: int, count: int) -> list[float]:
        """Per-second sums for the `count` seconds before `end`, zeros where idle.

        Reads only those seconds (bisect), so the cost is bounded by `count`,
        not by how much history the series holds.
        """
        out = [0.0] * count
        start = end - count
        for row in self._second_rows(max(start, self._shown_from()), end):
            out[row[0] - start] = row[2]
        return out

    def aggregate(self, start: float, end: float, period: int, now: float) -> list[Aggregate]:
        """The non-empty periods in [start, end) at `now`, oldest first (module doc).

        Periods start on multiples of `period` (epoch-aligned). `start` is
        rounded down to the resolution that answers it (to the period for
        sub-minute periods), as CloudWatch rounds StartTime; a bin is in the
        range when its start is, so an `end` inside a bin takes all of it.
        """
        out: list[Aggregate] = []
        for piece in self.pieces(start, end, period, now):
            if isinstance(piece, Slice):
                collect_bins(out, piece.read(), piece.level.granularity, period)
            else:
                collect_rows(out, piece, period)
        return out

    def pieces(self, start: float, end: float, period: int, now: float) -> Iterator[Piece]:
        """What answers [start, end) at `now`, oldest first: level slices and live bins.

        `aggregate` folds them into periods; `points.statistic_points` reads a
        slice whose bins are the periods themselves straight from its columns.
        """
        if period % 60:
            if self.resolution == 1:
                low = max(
                    math.floor(start / period) * period, math.floor(now - self._retention) + 1
                )
                yield self._second_rows(low, end)
            return
        bands = (
            (3600, _cut(now - HOUR_RETENTION, 3600), _cut(now - FIVE_MINUTE_RETENTION, 3600)),
            (300, _cut(now - FIVE_MINUTE_RETENTION, 3600), minute_resolution_from(now)),
            (60, minute_resolution_from(now), math.inf),
        )
        for granularity, band_start, band_end in bands:
            if period % granularity:
                continue
            low = max(band_start, _cut(start, granularity))
            high = min(band_end, -(-end // granularity) * granularity)
            if low >= high:
                continue
            for level in (self._hours, self._fives, self._minutes):
                if level.granularity <= granularity:
                    yield Slice(level, low, high)
            minute = self._minute_end - 60
            if self._second >= 0 and low <= minute < high:
                yield [self._open_minute()]

    def _open_minute(self) -> PartRow:
        rows = [*self._pending, self._open_row()]
        low = min(r[3] for r in rows)
        high = max(r[4] for r in rows)
        shape = fold(((r[5], r[1], r[3]) for r in rows), low, high)
        # Summed as `_file_minute` will sum them, so the answer is the same before and after.
        count = sum(r[1] for r in rows)
        return self._minute_end - 60, count, sum(r[2] for r in rows), low, high, shape


def minute_resolution_from(now: float) -> int:
    """The oldest time answered at one-minute resolution at `now` (module doc).

    From there on a period that is a multiple of a minute is read from the
    minute bins and the open minute alone: its answer depends on the data
    put, not on how far `now` has moved on.
    """
    return _cut(now - MINUTE_RETENTION, 300)


def _cut(time: float, granularity: int) -> int:
    """`time` rounded down to a multiple of `granularity`."""
    return int(time // granularity * granularity)


@dataclass(frozen=True, slots=True)
class Slice:
    """A level's bins with start <= time < end."""

    level: Level
    start: int
    end: float

    def read(self) -> Bins:
        """The bins, to read only."""
        return self.level.between(self.start, self.end)


#: Part of what answers a query (`Series.pieces`): a level's slice, or live bins.
Piece = Slice | Iterable[PartRow]


def collect_bins(out: list[Aggregate], bins: Bins, step: int, period: int) -> None:
    """Add a level's bins (`Slice.read`), `step` seconds each, to `out`'s periods, time-ordered.

    A bin finer than the resolution that answers its part of the range (not
    rolled up yet) lies inside one bin of that resolution, and so inside one
    period, since the resolution divides the period: its own time finds the
    period, and the answer is the same as once it has been rolled up.
    """
    rows = bins.rows()
    if step == period:
        # Each bin is a period of its own, and no earlier level's period reaches this far.
        out += Aggregate.per_bin(rows, step, bins.sketches)
        return
    get = bins.sketches.get
    last = out[-1] if out else None
    for index, count, total, low, high in rows:
        time = index * step
        key = time - time % period
        packed = get(index)
        part: Part = packed if packed else None if packed is None and low == high else UNKNOWN
        if last is not None and last.timestamp == key:
            last.absorb(count, total, low, high, part)
        else:
            last = Aggregate(key, count, total, low, high, part)
            out.append(last)


def collect_rows(out: list[Aggregate], rows: Iterable[PartRow], period: int) -> None:
    """`collect_bins` for live bins (time, count, sum, minimum, maximum, part)."""
    last = out[-1] if out else None
    for time, count, total, low, high, part in rows:
        key = time - time % period
        if last is not None and last.timestamp == key:
            last.absorb(count, total, low, high, part)
        else:
            last = Aggregate(key, count, total, low, high, part)
            out.append(last)
