"""Per-second totals over the last minute: what the dashboard's shard bars show.

A shard's write and read rates are needed live ("in 0.8 of 1 MiB/s") whether or
not enhanced monitoring publishes shard-level metrics, and CloudWatch must not
show shard metrics nobody enabled, so each shard keeps its own small window.
Adding is a comparison and two additions; reading walks at most `WINDOW` bins.
"""

from __future__ import annotations

from collections import deque

#: Seconds of history a meter keeps.
WINDOW = 60


class Meter:
    """Records and bytes per simulated second, for the last `WINDOW` seconds."""

    __slots__ = ("_bins", "_bytes", "_records", "_second", "total_bytes", "total_records")

    def __init__(self) -> None:
        self._second = -1
        self._records = 0
        self._bytes = 0
        #: Closed seconds, oldest first: (second, records, bytes).
        self._bins: deque[tuple[int, int, int]] = deque(maxlen=WINDOW)
        self.total_records = 0
        self.total_bytes = 0

    def add(self, now: float, records: int, nbytes: int) -> None:
        second = int(now)
        if second != self._second:
            if self._records or self._bytes:
                self._bins.append((self._second, self._records, self._bytes))
            self._second = second
            self._records = 0
            self._bytes = 0
        self._records += records
        self._bytes += nbytes
        self.total_records += records
        self.total_bytes += nbytes

    def rate(self, now: float, seconds: int = 5) -> tuple[float, float]:
        """(records/s, bytes/s) averaged over the `seconds` whole seconds before `now`.

        The current, unfinished second is left out, so a rate does not dip each
        time a second begins.
        """
        end = int(now)
        start = end - seconds
        records = nbytes = 0
        if start <= self._second < end:
            records, nbytes = self._records, self._bytes
        for second, r, b in reversed(self._bins):
            if second < start:
                break
            if second < end:
                records += r
                nbytes += b
        return records / seconds, nbytes / seconds
