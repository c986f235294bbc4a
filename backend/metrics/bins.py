"""A run of bins of one granularity, as columns: a level's open tail, or a block opened.

One Python object per bin would cost ~150 bytes before its sketch;
parallel `array`s cost 12 to 36 (16 to 40 a second: its index needs 64 bits).
Columns that say nothing are not stored at all: while every bin holds one
value (a gauge put once a minute) the count, the sum and the maximum all
follow from the minimum, so only the bin's index and one float are kept; a
column appears, filled in for the bins before, the first time a bin needs it
(`_fit`). Counters (many 1s a bin) keep counts but no sums or maxima. The
index is a `range` while the bins are evenly spaced (a metric put every
minute, or at the same second of every minute), an array once they are not.

Bins are found by index (time // granularity), with bisect (or arithmetic on
a range); the columns are sorted by it. Appending is the common case; a late point inserts, which
moves the tail of each column, and is rare.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from itertools import repeat
from operator import eq, mul, ne
from typing import Final, TypeAlias

from backend.metrics.sketch import UNKNOWN, Part, Sketch, fold

#: What a bin stores of its distribution, next to its columns: a packed sketch;
#: nothing when all its values are equal (minimum == maximum), or when they differ
#: and there is no sketch to keep (a negative value, StatisticValues, or a
#: sub-minute bin of a standard series); `b""` for a bin whose percentiles are
#: unknown although its values look equal (StatisticValues with Minimum ==
#: Maximum), the one case nothing cannot say.
NO_PERCENTILES: Final = b""

#: index, count, sum, minimum, maximum.
Columns = tuple[int, float, float, float, float]
#: The bins' indexes, ascending: a range costs nothing a bin while they keep one step.
Index: TypeAlias = "array[int] | range"
#: An empty index, shared: a range never changes.
_NO_INDEX: Final = range(0)


def part_of(packed: bytes | None, minimum: float, maximum: float) -> Part:
    """A stored bin's distribution as `fold` takes it (see `NO_PERCENTILES`)."""
    if packed:
        return packed
    if packed is None and minimum == maximum:
        return None
    return UNKNOWN


class Bins:
    """Bins oldest first: an index column, value columns, and packed sketches by index."""

    __slots__ = ("counts", "index", "maxima", "minima", "sketches", "totals", "typecode")

    def __init__(self, typecode: str) -> None:
        #: The index's array type once it is not a range: "q" for seconds (64 bits); "i" for
        #: minutes and coarser, which fit until 6053.
        self.typecode = typecode
        self.index: Index = _NO_INDEX
        self.minima: array[float] = array("d")
        #: None while every bin holds one value.
        self.counts: array[float] | None = None
        #: None while every bin's sum is its count times its minimum.
        self.totals: array[float] | None = None
        #: None while every bin's maximum is its minimum.
        self.maxima: array[float] | None = None
        #: Packed sketches (and `NO_PERCENTILES` marks) by bin index; see `NO_PERCENTILES`.
        #: A run `cut` from another shares its dict, which may hold bins outside the run.
        self.sketches: dict[int, bytes] = {}

    def __len__(self) -> int:
        return len(self.index)

    def position(self, index: float) -> int:
        """Where the first bin at or after `index` is (or would go)."""
        indexes = self.index
        if isinstance(indexes, range):
            # Arithmetic: a bisection computes each probe, three times an array's cost.
            if not indexes or index <= indexes.start:
                return 0
            return min(len(indexes), int(-((indexes.start - index) // indexes.step)))
        return bisect_left(indexes, index)

    # -- writing -----------------------------------------------------------------------

    def _fit(self, count: float, total: float, minimum: float, maximum: float) -> None:
        """Materialize the columns a bin with these values needs."""
        if self.counts is None and count != 1.0:
            self._need_counts()
        if self.totals is None and total != count * minimum:
            self._need_totals()
        if self.maxima is None and maximum != minimum:
            self.maxima = array("d", self.minima)

    def _more_index(self, more: Sequence[int]) -> None:
        """Indexes after every other: still a range while they keep its step."""
        index = self.index
        if isinstance(index, range):
            if not isinstance(more, array) and (whole := _evenly(more, index)) is not None:
                self.index = whole
                return
            index = self._index_array()
        if isinstance(more, array):
            index += more
        else:
            index.fromlist(list(more))

    def _index_array(self) -> array[int]:
        """The index as an array, to change other than at its end."""
        index = self.index
        if isinstance(index, range):
            index = self.index = array(self.typecode, index)
        return index

    def _need_counts(self) -> None:
        self.counts = array("d", [1.0]) * len(self.index)

    def _need_totals(self) -> None:
        counts = self.counts
        minima = self.minima
        self.totals = array("d", minima if counts is None else map(mul, counts, minima))

    def append(
        self, index: int, count: float, total: float, minimum: float, maximum: float
    ) -> None:
        """A bin after every other."""
        if count != 1.0 or total != minimum or maximum != minimum:  # not one value: a column?
            self._fit(count, total, minimum, maximum)
        indexes = self.index
        if isinstance(indexes, array):
            indexes.append(index)
        elif index == indexes.stop and indexes:
            step = indexes.step
            self.index = range(indexes.start, index + step, step)
        else:
            self._more_index((index,))
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
        self._more_index(index)
        self.minima.fromlist(list(minima))
        if self.counts is not None:
            self.counts.fromlist(list(counts))
        if self.totals is not None:
            self.totals.fromlist(list(totals))
        if self.maxima is not None:
            self.maxima.fromlist(list(maxima))

    def add(self, other: Bins) -> None:
        """`other`'s bins after every other, with their sketches."""
        n = len(other)
        if self.counts is None and other.counts is not None:
            self._need_counts()
        if self.totals is None and other.totals is not None:
            self._need_totals()
        if self.maxima is None and other.maxima is not None:
            self.maxima = array("d", self.minima)
        self._more_index(other.index)
        self.minima += other.minima
        if self.counts is not None:
            self.counts += array("d", [1.0]) * n if other.counts is None else other.counts
        if self.totals is not None:
            if other.totals is not None:
                self.totals += other.totals
            elif other.counts is None:
                self.totals += other.minima
            else:
                self.totals += array("d", map(mul, other.counts, other.minima))
        if self.maxima is not None:
            self.maxima += other.minima if other.maxima is None else other.maxima
        if other.sketches:
            self.sketches.update(other.sketches)

    def merge(
        self, index: int, count: float, total: float, minimum: float, maximum: float, shape: Part
    ) -> None:
        """Add a bin's worth of values to the bin `index`, made if missing.

        `shape` is the added values' distribution (a `Part`); the bin's
        becomes their fold, packed.
        """
        indexes = self.index
        if not indexes or index > indexes[-1]:  # the common case: a new bin after the others
            self.append(index, count, total, minimum, maximum)
            if shape is not None:  # None keeps nothing in a new bin
                self.keep(index, shape, minimum, maximum)
            return
        pos = self.position(index)
        if indexes[pos] == index:
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
        else:
            self._fit(count, total, minimum, maximum)
            self._index_array().insert(pos, index)
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

    def drop(self, stop: int) -> None:
        """Forget the bins before position `stop`."""
        if self.sketches:
            for index in self.index[:stop]:
                self.sketches.pop(index, None)
        if isinstance(self.index, range):
            self.index = self.index[stop:]
        else:
            del self.index[:stop]
        for column in (self.minima, self.counts, self.totals, self.maxima):
            if column is not None:
                del column[:stop]

    def split(self, stop: int) -> Bins:
        """Remove the bins before position `stop` and return them, with their sketches.

        The bins left get new columns of their size instead of the old ones
        cut in place (`drop`): a level's tail is split when it seals, and then
        grows again by a block's worth of appends. A column cut in place gives
        back the end of its buffer, which the block sealed meanwhile and other
        series' columns take, so the column soon moves and leaves a hole that
        only smaller allocations fit: with many series growing in step, such
        holes were 8% of the store's RSS for gauges and 20% for full-precision
        values (`bench/metric_store.py`, 600 series). A new column is
        allocated where it fits now, and the old one is freed whole.
        """
        head = self.cut(0, stop)
        if self.sketches:
            pop = self.sketches.pop
            head.sketches = {i: s for i in head.index if (s := pop(i, None)) is not None}
        else:
            head.sketches = {}
        rest = self.cut(stop, len(self.index))
        index = rest.index
        self.index = index if isinstance(index, range) else _evenly(index) or index
        self.minima = rest.minima
        self.counts, self.totals, self.maxima = rest.counts, rest.totals, rest.maxima
        return head

    def clear(self) -> None:
        self.drop(len(self.index))
        self.counts = self.totals = self.maxima = None

    # -- reading -----------------------------------------------------------------------

    def cut(self, start: int, stop: int) -> Bins:
        """The bins at positions [start, stop), to read: the sketches are shared, not copied."""
        part: Bins = object.__new__(Bins)  # not __init__: its empty columns would go unused
        part.typecode = self.typecode
        part.index = self.index[start:stop]
        part.minima = self.minima[start:stop]
        part.counts = None if self.counts is None else self.counts[start:stop]
        part.totals = None if self.totals is None else self.totals[start:stop]
        part.maxima = None if self.maxima is None else self.maxima[start:stop]
        part.sketches = self.sketches
        return part

    def row(self, pos: int) -> Columns:
        minimum = self.minima[pos]
        count = 1.0 if self.counts is None else self.counts[pos]
        total = count * minimum if self.totals is None else self.totals[pos]
        maximum = minimum if self.maxima is None else self.maxima[pos]
        return self.index[pos], count, total, minimum, maximum

    def rows(self) -> Iterator[Columns]:
        """Every bin, as index, count, sum, minimum, maximum."""
        return zip(*self.columns(), strict=False)

    def columns(
        self,
    ) -> tuple[Index, Iterable[float], Iterable[float], array[float], Iterable[float]]:
        """Every bin as columns: index, counts, sums, minima, maxima (not copies).

        Columns a run does not keep are made from the others (an endless
        run of 1.0 for the counts of single values), lazily.
        """
        minima = self.minima
        counts: Iterable[float]
        totals: Iterable[float]
        if self.counts is None:
            counts = repeat(1.0)
            totals = minima if self.totals is None else self.totals
        else:
            counts = self.counts
            totals = map(mul, counts, minima) if self.totals is None else self.totals
        maxima = minima if self.maxima is None else self.maxima
        return self.index, counts, totals, minima, maxima


def _evenly(more: Sequence[int], index: range = _NO_INDEX) -> range | None:
    """`index` and then `more` (ascending) as one range, if together they are evenly spaced."""
    if not more:
        return index
    first = index.start if index else more[0]
    if len(index) > 1:
        step = index.step
    elif index:
        step = more[0] - first
    else:
        step = more[1] - first if len(more) > 1 else 1
    whole = range(first, more[-1] + step, step)
    added = whole[len(index) :]
    if len(added) != len(more) or added[0] != more[0]:
        return None
    # As many ascending whole numbers as the range from the same first to the same last:
    # they are the range's when it steps by one (a busy second level's minute).
    if step == 1 or added == more or all(map(eq, added, more)):
        return whole
    return None


def joined(parts: Sequence[Bins], typecode: str) -> Bins:
    """Consecutive runs as one, to read (a single run is returned as it is)."""
    if len(parts) == 1:
        return parts[0]
    out = Bins(typecode)
    for part in parts:
        out.add(part)
    return out
