"""The closed bins of one granularity, as columns.

A series keeps one `Level` per resolution AWS keeps (1 s, 1 min, 5 min,
1 h). One Python object per bin would cost ~150 bytes before its sketch;
parallel `array`s cost 12 to 36 (16 to 40 a second: its index needs 64 bits).
Columns that say nothing are not stored at
all: while every bin holds one value (a gauge put once a minute) the count,
the sum and the maximum all follow from the minimum, so only the bin's index
and one float are kept; a column appears, filled in for the bins before, the
first time a bin needs it (`_fit`). Counters (many 1s a bin) keep counts but
no sums or maxima.

Bins are found by index (time // granularity), with bisect; the columns are
sorted by it. Appending is the common case; a late point inserts, which
moves the tail of each column, and is rare.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from itertools import groupby, repeat
from operator import mul, ne
from typing import Final

from backend.metrics.sketch import UNKNOWN, Part, Sketch, fold

#: Seconds AWS keeps each resolution for (AWS_FACTS §4); a series' sub-minute
#: retention is the store's `retention`, by default `HIGH_RESOLUTION_RETENTION`.
HIGH_RESOLUTION_RETENTION: Final = 3 * 3600
MINUTE_RETENTION: Final = 15 * 86400
FIVE_MINUTE_RETENTION: Final = 63 * 86400
HOUR_RETENTION: Final = 455 * 86400

#: What a bin stores of its distribution, next to its columns: a packed sketch;
#: nothing when all its values are equal (minimum == maximum), or when they differ
#: and there is no sketch to keep (a negative value, StatisticValues, or a
#: sub-minute bin of a standard series); `b""` for a bin whose percentiles are
#: unknown although its values look equal (StatisticValues with Minimum ==
#: Maximum), the one case nothing cannot say.
NO_PERCENTILES: Final = b""

#: index, count, sum, minimum, maximum.
Columns = tuple[int, float, float, float, float]
#: A stored bin with its distribution: index, count, sum, minimum, maximum, part.
StoredRow = tuple[int, float, float, float, float, Part]


def part_of(packed: bytes | None, minimum: float, maximum: float) -> Part:
    """A stored bin's distribution as `fold` takes it (see `NO_PERCENTILES`)."""
    if packed:
        return packed
    if packed is None and minimum == maximum:
        return None
    return UNKNOWN


class Level:
    """One granularity's bins, oldest first: an index column and value columns."""

    __slots__ = (
        "counts",
        "floor",
        "granularity",
        "index",
        "maxima",
        "minima",
        "sketches",
        "totals",
    )

    def __init__(self, granularity: int) -> None:
        self.granularity = granularity
        #: Seconds need 64 bits; minute indexes fit 32 until the year 6053.
        self.index: array[int] = array("q" if granularity == 1 else "i")
        self.minima: array[float] = array("d")
        #: None while every bin holds one value.
        self.counts: array[float] | None = None
        #: None while every bin's sum is its count times its minimum.
        self.totals: array[float] | None = None
        #: None while every bin's maximum is its minimum.
        self.maxima: array[float] | None = None
        #: Packed sketches (and `NO_PERCENTILES` marks) by bin index; see `NO_PERCENTILES`.
        self.sketches: dict[int, bytes] = {}
        #: Earliest time a minute or coarser level holds: older bins have moved to the
        #: next level or gone (`roll`). `Series` trims the sub-minute level itself.
        self.floor = 0

    def __len__(self) -> int:
        return len(self.index)

    def _fit(self, count: float, total: float, minimum: float, maximum: float) -> None:
        """Materialize the columns a bin with these values needs."""
        if self.counts is None and count != 1.0:
            self._need_counts()
        if self.totals is None and total != count * minimum:
            self._need_totals()
        if self.maxima is None and maximum != minimum:
            self.maxima = array("d", self.minima)

    def _need_counts(self) -> None:
        self.counts = array("d", [1.0]) * len(self.index)

    def _need_totals(self) -> None:
        counts = self.counts
        minima = self.minima
        self.totals = array("d", minima if counts is None else map(mul, counts, minima))

    def position(self, time: float) -> int:
        """Where the first bin starting at or after `time` is (or would go)."""
        return bisect_left(self.index, -(-time // self.granularity))

    def append(
        self, index: int, count: float, total: float, minimum: float, maximum: float
    ) -> None:
        """A bin after every other."""
        self._fit(count, total, minimum, maximum)
        self.index.append(index)
        self.minima.append(minimum)
        if self.counts is not None:
            self.counts.append(count)
        if self.totals is not None:
            self.totals.append(total)
        if self.maxima is not None:
            self.maxima.append(maximum)

    def extend(
        self,
        index: Sequence[int],
        counts: Sequence[float],
        totals: Sequence[float],
        minima: Sequence[float],
        maxima: Sequence[float],
    ) -> None:
        """Bins after every other, given as columns: a finished minute's seconds.

        Once a minute per series, so the checks are C-level (`count`, tuple
        comparison) and the columns grow by `fromlist`, twice as fast as `extend`.
        """
        if self.counts is None and counts.count(1.0) != len(counts):
            self._need_counts()
        if self.totals is None and (
            totals != minima
            if self.counts is None
            else any(map(ne, totals, map(mul, counts, minima)))
        ):
            self._need_totals()
        if self.maxima is None and maxima != minima:
            self.maxima = array("d", self.minima)
        self.index.fromlist(list(index))
        self.minima.fromlist(list(minima))
        if self.counts is not None:
            self.counts.fromlist(list(counts))
        if self.totals is not None:
            self.totals.fromlist(list(totals))
        if self.maxima is not None:
            self.maxima.fromlist(list(maxima))

    def row(self, pos: int) -> Columns:
        minimum = self.minima[pos]
        count = 1.0 if self.counts is None else self.counts[pos]
        total = count * minimum if self.totals is None else self.totals[pos]
        maximum = minimum if self.maxima is None else self.maxima[pos]
        return self.index[pos], count, total, minimum, maximum

    def rows(self, start: int, stop: int) -> Iterator[Columns]:
        """The bins at positions [start, stop), as index, count, sum, minimum, maximum."""
        index, counts, totals, minima, maxima = self.columns(start, stop)
        return zip(index, counts, totals, minima, maxima, strict=False)

    def columns(
        self, start: int, stop: int
    ) -> tuple[array[int], Iterable[float], Iterable[float], array[float], Iterable[float]]:
        """The bins at positions [start, stop) as columns: index, counts, sums, minima, maxima.

        Columns a level does not keep are made from the others (an endless
        run of 1.0 for the counts of single values), lazily.
        """
        minima = self.minima[start:stop]
        counts: Iterable[float]
        totals: Iterable[float]
        if self.counts is None:
            counts = repeat(1.0)
            totals = minima if self.totals is None else self.totals[start:stop]
        else:
            counts = self.counts[start:stop]
            totals = map(mul, counts, minima) if self.totals is None else self.totals[start:stop]
        maxima = minima if self.maxima is None else self.maxima[start:stop]
        return self.index[start:stop], counts, totals, minima, maxima

    def merge(
        self, time: int, count: float, total: float, minimum: float, maximum: float, shape: Part
    ) -> None:
        """Add a bin's worth of values to the bin holding `time`, made if missing.

        `shape` is the added values' distribution (a `Part`); the bin's
        becomes their fold, packed.
        """
        index = time // self.granularity
        pos = bisect_left(self.index, index)
        if pos < len(self.index) and self.index[pos] == index:
            _, old_count, old_total, old_min, old_max = self.row(pos)
            old = part_of(self.sketches.get(index), old_min, old_max)
            low = min(minimum, old_min)
            high = max(maximum, old_max)
            shape = fold(((old, old_count, old_min), (shape, count, minimum)), low, high)
            count += old_count
            total += old_total
            minimum, maximum = low, high
            self._fit(count, total, minimum, maximum)
            self.minima[pos] = minimum
            if self.counts is not None:
                self.counts[pos] = count
            if self.totals is not None:
                self.totals[pos] = total
            if self.maxima is not None:
                self.maxima[pos] = maximum
        elif pos == len(self.index):
            self.append(index, count, total, minimum, maximum)
        else:
            self._fit(count, total, minimum, maximum)
            self.index.insert(pos, index)
            self.minima.insert(pos, minimum)
            if self.counts is not None:
                self.counts.insert(pos, count)
            if self.totals is not None:
                self.totals.insert(pos, total)
            if self.maxima is not None:
                self.maxima.insert(pos, maximum)
        self.keep(index, shape, minimum, maximum)

    def keep(self, index: int, shape: Part, minimum: float, maximum: float) -> None:
        """Store a bin's distribution in the least space that still says it."""
        if isinstance(shape, Sketch):
            self.sketches[index] = shape.pack()
        elif isinstance(shape, bytes) and shape:
            self.sketches[index] = shape
        elif shape is UNKNOWN and minimum == maximum:
            self.sketches[index] = NO_PERCENTILES
        elif self.sketches:
            self.sketches.pop(index, None)

    def take(self, stop: int) -> list[StoredRow]:
        """Remove the bins before position `stop` and return them with their parts."""
        pop = self.sketches.pop
        taken = [
            (index, count, total, low, high, part_of(pop(index, None), low, high))
            for index, count, total, low, high in self.rows(0, stop)
        ]
        self.drop(stop)
        return taken

    def drop(self, stop: int) -> None:
        """Forget the bins before position `stop`."""
        if self.sketches:
            for index in self.index[:stop]:
                self.sketches.pop(index, None)
        for column in (self.index, self.minima, self.counts, self.totals, self.maxima):
            if column is not None:
                del column[:stop]

    def roll(self, before: int, coarser: Level) -> None:
        """Move the bins older than `before` (a multiple of `coarser`'s granularity) there."""
        stop = self.position(before)
        if stop:
            g = self.granularity
            c = coarser.granularity
            for group, rows in groupby(self.take(stop), key=lambda r: r[0] * g // c):
                bins = list(rows)
                minimum = min(r[3] for r in bins)
                maximum = max(r[4] for r in bins)
                shape = fold(((r[5], r[1], r[3]) for r in bins), minimum, maximum)
                total = sum(r[2] for r in bins)
                coarser.merge(group * c, sum(r[1] for r in bins), total, minimum, maximum, shape)
        self.floor = max(self.floor, before)

    def clear(self) -> None:
        self.drop(len(self.index))
        self.counts = self.totals = self.maxima = None
