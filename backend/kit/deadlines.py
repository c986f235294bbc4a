"""A heap of deadlines on the virtual clock, where a moved deadline costs nothing.

Messages become visible, iterators expire, buffers flush: each resource has
one next moment and it often changes (a visibility timeout extended, a
message deleted). Removing an entry from a heap is O(n), so entries are
never removed: a new one is pushed, and an entry that no longer stands is
recognised (`stale`) and skipped when it reaches the top.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Deadlines(Generic[T]):
    """Items by the time they are due; `stale(when, item)` says an entry was superseded."""

    __slots__ = ("_heap", "_order", "_stale")

    def __init__(self, stale: Callable[[float, T], bool]) -> None:
        self._heap: list[tuple[float, int, T]] = []
        #: Breaks ties between equal times in the order pushed, and keeps items uncompared.
        self._order = itertools.count()
        self._stale = stale

    def __len__(self) -> int:
        """Entries held, stale ones included: what the heap costs, not what is due."""
        return len(self._heap)

    def push(self, when: float, item: T) -> None:
        heapq.heappush(self._heap, (when, next(self._order), item))

    def next(self) -> float | None:
        """When the earliest standing entry is due, dropping stale ones on the way."""
        heap = self._heap
        while heap and self._stale(heap[0][0], heap[0][2]):
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def pop_due(self, now: float) -> Iterator[T]:
        """The standing items due at or before `now`, earliest first, each taken off."""
        heap = self._heap
        while heap and heap[0][0] <= now:
            when, _, item = heapq.heappop(heap)
            if not self._stale(when, item):
                yield item

    def take_all(self) -> list[tuple[float, int, T]]:
        """Empty the heap and hand over its entries (for the reaper to let go of)."""
        entries, self._heap = self._heap, []
        return entries
