"""The bins of one granularity: sealed blocks behind an open tail of columns.

A series keeps one `Level` per resolution AWS keeps (1 s, 1 min, 5 min,
1 h). New bins go to the open tail, a `Bins` of plain columns, so appends,
late inserts and the reads alarms and live graphs make of recent bins stay
cheap. Once the tail of a minute or coarser level holds `HOT + BLOCK` bins,
its oldest `BLOCK` are sealed into a block (`blocks`): the same bins, bit
for bit, in as few bytes as their values allow (about 1.2 a bin for counts
put once a minute, where columns take 12; about 7 for full-precision
noise). Fifteen days of a minute level is some 60 blocks (joined eight to
a bytes object, `_Sealed`) and a tail of 64 to 423 bins. The sub-minute
level stays columns: all of its 3 h is what high-resolution queries and
the dashboard's sparklines read, and a busy series files a second a second,
whose sealing would cost `Series.add` about a microsecond a point for bins
dropped three hours later.

Reading a range (`view`, `between`) decodes the blocks it touches, whole;
`blocks.opened` keeps the last ones read decoded. A late point into a
sealed block decodes it into its own `Bins` in place; it takes that point
and any that follow and is sealed again at the next `seal` (when the tail
next seals, or at `Series.expire`), so a backfill decodes a block once.
Dropping old bins (roll-ups, trimming, the last retention) drops whole
blocks; a cut inside the oldest block only hides its first bins (`_skip`)
until all of it goes: at most one block's worth of hidden bins a level.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from itertools import accumulate, groupby, pairwise
from typing import Final

from backend.metrics.bins import Bins, joined, part_of
from backend.metrics.blocks import opened, seal, unseal
from backend.metrics.sketch import Part, fold

#: Seconds AWS keeps each resolution for (AWS_FACTS §4); a series' sub-minute
#: retention is the store's `retention`, by default `HIGH_RESOLUTION_RETENTION`.
HIGH_RESOLUTION_RETENTION: Final = 3 * 3600
MINUTE_RETENTION: Final = 15 * 86400
FIVE_MINUTE_RETENTION: Final = 63 * 86400
HOUR_RETENTION: Final = 455 * 86400

#: A stored bin with its distribution: index, count, sum, minimum, maximum, part.
StoredRow = tuple[int, float, float, float, float, Part]

#: Bins a block holds when the tail seals it (it grows if late points go into it).
BLOCK: Final = 360
#: Newest bins the tail keeps as columns after sealing its oldest: all of the last
#: hour of a minute level.
HOT: Final = 64
#: The finest granularity that seals (module doc).
SEALS_FROM: Final = 60
#: Blocks joined into one bytes object, a page, once that many are sealed (`_Sealed`).
PAGE: Final = 8


class _Sealed:
    """A level's blocks, oldest first, and where each starts and ends.

    A block on its own costs a bytes object's header, a list's pointer and
    malloc's header: some 60 bytes, a tenth of a block of a gauge put once a
    minute. So every `PAGE` blocks are joined into one bytes object, a page,
    once the last of them is sealed; the newest (fewer than `PAGE`) are a
    bytes object each until then. A page is made once and never grows:
    joining each block into a growing last page would free the old page
    every time, a hole only smaller allocations fit.
    """

    __slots__ = ("dropped", "firsts", "lasts", "pages", "sizes", "skip", "starts", "unsealed")

    def __init__(self) -> None:
        #: The full pages, then the newest blocks one a bytes object.
        self.pages: list[bytes] = []
        #: Where each block starts in its page (0 for a block on its own).
        self.starts: array[int] = array("I")
        #: Blocks of the first page that were dropped: it goes with its last block.
        self.dropped = 0
        #: Each block's first shown and last bin index, and its bins shown.
        self.firsts: array[int] = array("i")
        self.lasts: array[int] = array("i")
        self.sizes: array[int] = array("i")
        #: Bins at the start of the first block that were dropped but are still in its bytes.
        self.skip = 0
        #: Blocks a late point opened, by their last index (which no later point changes):
        #: read and changed as `Bins` until `reseal`.
        self.unsealed: dict[int, Bins] = {}

    def _full(self) -> int:
        """How many of `pages` are full pages, the dropped blocks of the first counted."""
        return (len(self.sizes) + self.dropped) // PAGE

    def unsealed_at(self, b: int) -> Bins | None:
        """Block `b`'s `Bins` if a late point opened it."""
        return self.unsealed.get(self.lasts[b]) if self.unsealed else None

    def span(self, b: int) -> tuple[bytes, int, int]:
        """Where block `b` is, as sealed: its page (or its own bytes), from and to."""
        at = b + self.dropped
        full = self._full()
        if at >= full * PAGE:
            block = self.pages[full + at - full * PAGE]
            return block, 0, len(block)
        page = self.pages[at // PAGE]
        end = self.starts[b + 1] if at % PAGE < PAGE - 1 else len(page)
        return page, self.starts[b], end

    def block(self, b: int) -> bytes | Bins:
        """Block `b`: its bytes, or its `Bins` if a late point opened it."""
        bins = self.unsealed_at(b)
        if bins is not None:
            return bins
        data, start, end = self.span(b)
        return data[start:end]

    def add(self, block: bytes, first: int, last: int, size: int) -> None:
        """A block after the others; the last `PAGE` on their own become a page."""
        self.pages.append(block)
        self.starts.append(0)
        self.firsts.append(first)
        self.lasts.append(last)
        self.sizes.append(size)
        if (len(self.sizes) + self.dropped) % PAGE == 0:
            blocks = self.pages[-PAGE:]
            self.starts[-PAGE:] = _starts(blocks)
            self.pages[-PAGE:] = [b"".join(blocks)]

    def drop_first(self) -> None:
        """Forget the oldest block."""
        self.unsealed.pop(self.lasts[0], None)
        if not self._full():
            del self.pages[0]
        elif self.dropped == PAGE - 1:
            del self.pages[0]
            self.dropped = 0
        else:
            self.dropped += 1
        del self.starts[0], self.firsts[0], self.lasts[0], self.sizes[0]
        self.skip = 0

    def reseal(self) -> None:
        """Seal the blocks late points opened again: the pages that hold one are made anew."""
        blocks = [*map(self.block, range(len(self.sizes)))]
        self.unsealed.clear()
        paged = self._full() * PAGE - self.dropped  # the first page has lost `dropped`
        edges = [0, *range(PAGE - self.dropped, paged + 1, PAGE), len(blocks)]
        for p, (start, end) in enumerate(pairwise(edges)):
            if any(isinstance(block, Bins) for block in blocks[start:end]):
                page = [seal(b) if isinstance(b, Bins) else b for b in blocks[start:end]]
                if start < paged:
                    self.starts[start:end] = _starts(page)
                    self.pages[p] = b"".join(page)
                else:  # the blocks on their own
                    self.pages[p:] = page


def _starts(blocks: list[bytes]) -> array[int]:
    """Where each of `blocks` starts once they are joined."""
    return array("I", accumulate((len(block) for block in blocks[:-1]), initial=0))


#: Every level's blocks until it seals one: many never do (the sub-minute level; the
#: five-minute and hour levels for weeks), and three arrays and a list cost 300 bytes.
_NONE_SEALED: Final = _Sealed()


class Level:
    """One granularity's bins, oldest first: sealed blocks, then the open tail."""

    __slots__ = ("_sealed", "floor", "granularity", "open")

    def __init__(self, granularity: int) -> None:
        self.granularity = granularity
        #: The newest bins, as columns. Seconds need 64-bit indexes.
        self.open = Bins("q" if granularity == 1 else "i")
        #: `_NONE_SEALED`, never changed, until `seal` seals a first block.
        self._sealed = _NONE_SEALED
        #: Earliest time a minute or coarser level holds: older bins have moved to the
        #: next level or gone (`roll`). `Series` trims the sub-minute level itself.
        self.floor = 0

    def __len__(self) -> int:
        return sum(self._sealed.sizes) + len(self.open)

    def first(self) -> int | None:
        """The oldest bin's index; None when the level is empty."""
        firsts = self._sealed.firsts
        if firsts:
            return firsts[0]
        index = self.open.index
        return index[0] if index else None

    def position(self, time: float) -> int:
        """Where the first bin starting at or after `time` is (or would go)."""
        index = -(-time // self.granularity)
        sealed = self._sealed
        lasts = sealed.lasts
        if not lasts:
            return self.open.position(index)
        if index > lasts[-1]:
            return sum(sealed.sizes) + self.open.position(index)
        b = bisect_left(lasts, index)
        before = sum(sealed.sizes[:b])
        if index <= sealed.firsts[b]:
            return before
        bins, skip = self._block(b)
        return before + bins.position(index) - skip

    def _block(self, b: int) -> tuple[Bins, int]:
        """Block `b` decoded (not to be changed), and how many of its first bins are hidden."""
        sealed = self._sealed
        bins = sealed.unsealed_at(b)
        if bins is not None:
            return bins, 0
        return opened(*sealed.span(b)), sealed.skip if b == 0 else 0

    def _open_block(self, b: int) -> Bins:
        """Block `b` as the level's own `Bins`, to change until `seal` seals it again."""
        sealed = self._sealed
        block = sealed.block(b)
        if isinstance(block, Bins):
            return block
        bins = sealed.unsealed[sealed.lasts[b]] = unseal(block)
        if b == 0 and sealed.skip:
            bins.drop(sealed.skip)
            sealed.skip = 0
        return bins

    # -- reading -----------------------------------------------------------------------

    def view(self, start: int, stop: int) -> Bins:
        """The bins at positions [start, stop), to read only: they may be shared."""
        sizes = self._sealed.sizes
        sealed = sum(sizes)
        if start >= stop:
            return self.open.cut(0, 0)
        if start >= sealed:  # recent bins only, as alarms and live graphs read
            return self.open.cut(start - sealed, stop - sealed)
        parts: list[Bins] = []
        at = 0
        for b, size in enumerate(sizes):
            if at >= stop:
                break
            end = at + size
            if end > start:
                bins, skip = self._block(b)
                low, high = skip + max(start - at, 0), skip + min(stop, end) - at
                parts.append(bins if low == 0 and high == len(bins) else bins.cut(low, high))
            at = end
        if stop > at:
            parts.append(self.open.cut(max(start - at, 0), stop - at))
        return joined(parts, self.open.typecode)

    def between(self, start: float, end: float) -> Bins:
        """The bins with start <= time < end, to read only (`view`)."""
        return self.view(self.position(start), self.position(end))

    def index_at(self, pos: int) -> int:
        return self.view(pos, pos + 1).index[0]

    # -- writing -----------------------------------------------------------------------

    def merge(
        self, time: int, count: float, total: float, minimum: float, maximum: float, shape: Part
    ) -> None:
        """Add a bin's worth of values to the bin holding `time`, made if missing (`Bins.merge`)."""
        tail = self.open
        if len(tail.index) >= HOT + BLOCK and self.granularity >= SEALS_FROM:
            self.seal()
        index = time // self.granularity
        lasts = self._sealed.lasts
        if not lasts or index > lasts[-1]:
            tail.merge(index, count, total, minimum, maximum, shape)
            return
        b = bisect_left(lasts, index)
        bins = self._open_block(b)
        bins.merge(index, count, total, minimum, maximum, shape)
        sealed = self._sealed
        sealed.firsts[b] = bins.index[0]
        sealed.sizes[b] = len(bins)

    def seal(self) -> None:
        """Seal again the blocks late points opened, and the tail's oldest bins past `HOT`."""
        sealed = self._sealed
        if sealed.unsealed:
            sealed.reseal()
        while len(self.open) >= HOT + BLOCK and self.granularity >= SEALS_FROM:
            if sealed is _NONE_SEALED:
                sealed = self._sealed = _Sealed()
            head = self.open.split(BLOCK)
            sealed.add(seal(head), head.index[0], head.index[-1], len(head))

    def take(self, stop: int) -> list[StoredRow]:
        """Remove the bins before position `stop` and return them with their parts."""
        bins = self.view(0, stop)
        get = bins.sketches.get
        taken = [
            (index, count, total, low, high, part_of(get(index), low, high))
            for index, count, total, low, high in bins.rows()
        ]
        self.drop(stop)
        return taken

    def drop(self, stop: int) -> None:
        """Forget the bins before position `stop`."""
        sealed = self._sealed
        sizes = sealed.sizes
        while stop and sizes:
            size = sizes[0]
            if stop < size:
                block = sealed.block(0)
                if isinstance(block, Bins):
                    block.drop(stop)
                else:
                    sealed.skip += stop
                sizes[0] = size - stop
                bins, skip = self._block(0)
                sealed.firsts[0] = bins.index[skip]
                return
            sealed.drop_first()
            stop -= size
        if stop:
            self.open.drop(stop)

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
        self.drop(len(self))
        self.open.clear()
