"""A shard: an ordered, retention-trimmed log with its own write and read limits.

Records live in one `bytearray` and three parallel `array` columns rather than
objects of their own: each record's partition key (UTF-8) and data follow one
another in the blob, and the columns hold its arrival time, where it ends in
the blob, and how many of its bytes are the key. A record then costs 18 bytes
besides its key and data, where a `bytes` and a `str` per record (and the list
slots pointing at them) cost about 120; a day of the demo's clickstream is
nearly a million records (`bench/kinesis_memory.py` measures the cost). A
record's counter (see `sequence.py`) is its position: the first record kept
has counter `_first`, so a sequence number finds its record with one
subtraction, and a timestamp with a bisect over the arrivals, which only grow.
Reading copies the records' span of the blob once and cuts it, so the `bytes`
and `str` objects a reader gets exist only while it holds them.

Trimming drops the front of the blob and of each column at once (a
`bytearray` drops its front by moving its start, and compacts only once less
than half its buffer is in use). Reads never trim: they start at the first
record still within retention (one bisect), so what a consumer sees is exact
to the millisecond however rarely the stream's sweep runs.

Limits are token buckets on the virtual clock (AWS_FACTS §2): writes 1,000
records/s and 1 MiB/s, partition key bytes included; reads 5 GetRecords/s and
2 MiB/s, shared by every classic consumer of the shard; 5 GetShardIterator/s. A read may take the
bytes bucket into debt (`TokenBucket.spend`), which holds the next reads back
as AWS does after a large GetRecords.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from collections.abc import Iterator

from backend.clock import Signal
from backend.kit.token_bucket import TokenBucket
from backend.services.kinesis import sequence
from backend.services.kinesis.throughput import Meter

MIB = 1024 * 1024
WRITE_RECORDS_PER_SECOND = 1000
WRITE_BYTES_PER_SECOND = MIB
READ_CALLS_PER_SECOND = 5
READ_BYTES_PER_SECOND = 2 * MIB
ITERATOR_CALLS_PER_SECOND = 5
#: Bytes a record costs in the columns besides its key and data: arrival, end, key length.
RECORD_OVERHEAD = 8 + 8 + 2


def shard_id(index: int) -> str:
    return f"shardId-{index:012d}"


class Shard:
    """One shard of a stream, OPEN until a reshard closes it."""

    __slots__ = (
        "_allow_bytes",
        "_allow_records",
        "_arrivals",
        "_blob",
        "_dropped",
        "_ends",
        "_first",
        "_key_lengths",
        "_taken_bytes",
        "_taken_records",
        "adjacent_parent_id",
        "arrived",
        "base",
        "children",
        "closed_at",
        "created",
        "end_hash",
        "ending_sequence",
        "incoming",
        "index",
        "iterator_calls",
        "outgoing",
        "parent_id",
        "read_bytes",
        "read_calls",
        "shard_id",
        "start_hash",
        "starting_sequence",
        "throttled_reads",
        "throttled_writes",
        "write_bytes",
        "write_records",
    )

    def __init__(
        self,
        index: int,
        start_hash: int,
        end_hash: int,
        created: float,
        arrived: Signal,
        parent_id: str | None = None,
        adjacent_parent_id: str | None = None,
    ) -> None:
        self.index = index
        self.shard_id = shard_id(index)
        self.start_hash = start_hash
        self.end_hash = end_hash
        self.created = created
        self.parent_id = parent_id
        self.adjacent_parent_id = adjacent_parent_id
        self.closed_at: float | None = None
        self.children: tuple[Shard, ...] = ()
        self.base = sequence.shard_base(created, index)
        self.starting_sequence = sequence.encode(self.base, 0, created)
        self.ending_sequence: str | None = None
        #: Fired after a write and on closing, for the fan-out subscriptions waiting on it.
        self.arrived = arrived
        self._first = 1
        self._empty()
        self._allow_records = 0.0
        self._allow_bytes = 0.0
        self._taken_records = 0
        self._taken_bytes = 0
        self.write_records = TokenBucket(WRITE_RECORDS_PER_SECOND, now=created)
        self.write_bytes = TokenBucket(WRITE_BYTES_PER_SECOND, now=created)
        self.read_calls = TokenBucket(READ_CALLS_PER_SECOND, now=created)
        self.read_bytes = TokenBucket(READ_BYTES_PER_SECOND, now=created)
        self.iterator_calls = TokenBucket(ITERATOR_CALLS_PER_SECOND, now=created)
        self.incoming = Meter()
        self.outgoing = Meter()
        self.throttled_writes = 0
        self.throttled_reads = 0

    # -- state ------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def close(self, now: float, children: tuple[Shard, ...]) -> None:
        self.closed_at = now
        self.children = children
        self.ending_sequence = sequence.encode(self.base, sequence.END_COUNTER, now)
        self.arrived.fire()  # subscribers learn of the end now, not at their next heartbeat

    def expired(self, now: float, retention: float) -> bool:
        """Closed longer ago than the retention period: every record it held is gone."""
        return self.closed_at is not None and now >= self.closed_at + retention

    def parents(self) -> list[str]:
        return [p for p in (self.parent_id, self.adjacent_parent_id) if p is not None]

    # -- writing ----------------------------------------------------------------

    def open_window(self, now: float) -> None:
        """Start admitting the records of one call, all arriving at `now`.

        The buckets are read once per call, not once per record: within a call
        the clock stands still, so what they hold can only go down, and the
        records' share is taken from them together in `close_window`.
        """
        self._allow_records = self.write_records.available(now)
        self._allow_bytes = self.write_bytes.available(now)
        self._taken_records = 0
        self._taken_bytes = 0

    def accept(self, now: float, key: str, data: bytes, size: int) -> int:
        """Store a record of `size` bytes if the write limits allow it: its counter, or -1."""
        if self._allow_records < 1 or self._allow_bytes < size:
            self.throttled_writes += 1
            return -1
        self._allow_records -= 1
        self._allow_bytes -= size
        self._taken_records += 1
        self._taken_bytes += size
        arrivals = self._arrivals
        counter = self._first + len(arrivals)
        key_bytes = key.encode()
        blob = self._blob
        blob += key_bytes
        blob += data
        arrivals.append(now)
        self._ends.append(self._dropped + len(blob))
        self._key_lengths.append(len(key_bytes))
        return counter

    def close_window(self, now: float) -> tuple[int, int]:
        """Charge the limits for what `accept` stored since `open_window`: (records, bytes)."""
        records, nbytes = self._taken_records, self._taken_bytes
        if records:
            self.write_records.spend(now, records)
            self.write_bytes.spend(now, nbytes)
            self.incoming.add(now, records, nbytes)
        return records, nbytes

    # -- reading ----------------------------------------------------------------

    @property
    def next_counter(self) -> int:
        """The counter the next record will get: where a LATEST iterator points."""
        return self._first + len(self._arrivals)

    @property
    def stored(self) -> int:
        """Records held, including any past retention the next sweep will drop."""
        return len(self._arrivals)

    @property
    def held_bytes(self) -> int:
        """What the records held take in memory: keys, data and columns."""
        return len(self._blob) + len(self._arrivals) * RECORD_OVERHEAD

    @property
    def oldest(self) -> float:
        """When the oldest record held arrived (past retention or not); infinity when none."""
        return self._arrivals[0] if self._arrivals else math.inf

    @property
    def newest_sequence(self) -> str | None:
        """The sequence number of the latest record written, or None before the first."""
        if not self._arrivals:
            return None
        return sequence.encode(self.base, self.next_counter - 1, self._arrivals[-1])

    def oldest_arrival(self, cutoff: float) -> float | None:
        """When the oldest record a reader can still get arrived (None if there is none)."""
        index = bisect_left(self._arrivals, cutoff)
        return self._arrivals[index] if index < len(self._arrivals) else None

    def live_start(self, cutoff: float) -> int:
        """The counter of the oldest record that arrived at or after `cutoff` (the trim horizon)."""
        return self._first + bisect_left(self._arrivals, cutoff)

    def counter_at(self, when: float, cutoff: float) -> int:
        """Where an AT_TIMESTAMP iterator points: the first record at or after `when`.

        A time before the trim horizon means the oldest record still kept.
        """
        return self._first + bisect_left(self._arrivals, max(when, cutoff))

    def arrival(self, counter: int) -> float:
        return self._arrivals[counter - self._first]

    def batch(self, position: int, limit: int, max_bytes: int, cutoff: float) -> tuple[int, int]:
        """The counters [first, stop) a read from `position` returns, and so its size.

        The read starts at the trim horizon if `position` is older, takes at
        most `limit` records and stops before the record that would pass
        `max_bytes` of data (but always takes one, as one record never exceeds it).
        """
        lo = max(position - self._first, bisect_left(self._arrivals, cutoff))
        hi = min(lo + limit, len(self._arrivals))
        if lo >= hi:
            return self._first + lo, self._first + lo
        if self._span_data(lo, hi) <= max_bytes:  # the usual read: no Python step a record
            return self._first + lo, self._first + hi
        ends, key_lengths = self._ends, self._key_lengths
        total = 0
        start = self._start(lo)
        for i in range(lo, hi):
            total += ends[i] - start - key_lengths[i]
            start = ends[i]
            if total > max_bytes and i > lo:
                hi = i
                break
        return self._first + lo, self._first + hi

    def _start(self, index: int) -> int:
        """Where the record at `index` begins, counted from the first byte ever written."""
        return self._ends[index - 1] if index else self._dropped

    def _span_data(self, lo: int, hi: int) -> int:
        """The data bytes of the records at indexes [lo, hi), keys left out."""
        if lo >= hi:
            return 0
        return self._ends[hi - 1] - self._start(lo) - sum(self._key_lengths[lo:hi])

    def columns(self, first: int, stop: int) -> tuple[array[float], list[str], list[bytes]]:
        """The arrivals, partition keys and data of the records with counters [first, stop)."""
        lo, hi = first - self._first, stop - self._first
        if lo >= hi:
            return array("d"), [], []
        base = self._start(lo)
        span = bytes(self._blob[base - self._dropped : self._ends[hi - 1] - self._dropped])
        keys: list[str] = []
        data: list[bytes] = []
        at = 0
        for end, key_length in zip(self._ends[lo:hi], self._key_lengths[lo:hi], strict=True):
            split = at + key_length
            keys.append(span[at:split].decode())
            at = end - base
            data.append(span[split:at])
        return self._arrivals[lo:hi], keys, data

    def data_bytes(self, first: int, stop: int) -> int:
        """The data bytes of the records with counters [first, stop)."""
        return self._span_data(first - self._first, stop - self._first)

    def records(self, first: int, stop: int) -> Iterator[tuple[float, str, bytes]]:
        """(arrival, partition key, data) of the records with counters [first, stop)."""
        return zip(*self.columns(first, stop), strict=True)

    def millis_behind(self, position: int, now: float, cutoff: float) -> int:
        """How far a reader at `position` trails the tip: the age of its oldest unread record."""
        start = max(position, self.live_start(cutoff))
        if start >= self.next_counter:
            return 0
        return max(0, round((now - self.arrival(start)) * 1000))

    def trim(self, cutoff: float) -> int:
        """Drop the records that arrived before `cutoff`; how many went."""
        count = bisect_left(self._arrivals, cutoff)
        self.drop_oldest(count)
        return count

    def drop_oldest(self, count: int) -> int:
        """Drop the `count` oldest records (all, if fewer); the bytes `held_bytes` lost."""
        count = min(count, len(self._arrivals))
        if count <= 0:
            return 0
        cut = self._ends[count - 1] - self._dropped
        del self._blob[:cut]
        del self._arrivals[:count]
        del self._ends[:count]
        del self._key_lengths[:count]
        self._dropped += cut
        self._first += count
        return cut + count * RECORD_OVERHEAD

    def drop_all(self) -> None:
        """Let every record go: the shard expired or its stream was deleted."""
        self._first += len(self._arrivals)
        self._empty()

    def _empty(self) -> None:
        """Hold no records; counters go on from `_first`."""
        self._arrivals = array("d")
        #: Each record's partition key (UTF-8) then its data, oldest first.
        self._blob = bytearray()
        #: Bytes let go from the front of the blob: `_ends` count from the first byte
        #: ever written, so trimming changes no end but the blob's.
        self._dropped = 0
        self._ends = array("q")
        self._key_lengths = array("H")
