"""The last deliveries of a stream, for the dashboard, within a byte budget.

A busy stream delivers an object a second for days; the pane shows the latest
few. Keys can be up to a kilobyte or so, so entries are counted by what they
hold, not by number, and the oldest go first when the budget is spent.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

#: Bytes of deliveries a stream keeps for the pane.
BUDGET = 32 * 1024
#: What an entry costs besides its key and bucket name.
_OVERHEAD = 96


@dataclass(frozen=True, slots=True)
class Delivered:
    """One object written to S3."""

    time: float
    bucket: str
    key: str
    #: Bytes of the object as written (compressed, if the stream compresses).
    size: int
    records: int


class DeliveryLog:
    __slots__ = ("_budget", "_entries", "_used")

    def __init__(self, budget: int = BUDGET) -> None:
        self._entries: deque[Delivered] = deque()
        self._used = 0
        self._budget = budget

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Delivered]:
        return iter(self._entries)

    def add(self, entry: Delivered) -> None:
        self._entries.append(entry)
        self._used += _cost(entry)
        while self._used > self._budget and len(self._entries) > 1:
            self._used -= _cost(self._entries.popleft())

    def latest(self, count: int) -> list[Delivered]:
        """The `count` most recent deliveries, newest first."""
        entries = self._entries
        return [entries[-i] for i in range(1, min(count, len(entries)) + 1)]


def _cost(entry: Delivered) -> int:
    return len(entry.key) + len(entry.bucket) + _OVERHEAD
