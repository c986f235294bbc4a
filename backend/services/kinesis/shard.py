"""A shard: an ordered, retention-trimmed log with its own write and read limits.

Records live in three parallel columns (arrival times in an `array`, keys and
data in lists) rather than one object per record: a million-record shard then
costs three pointers and a double per record besides the key and the data,
and the hot path appends to three lists instead of building an object. A
record's counter (see `sequence.py`) is its position: the first record kept
has counter `_first`, so a sequence number finds its record with one
subtraction, and a timestamp with a bisect over the arrivals, which only grow.

Trimming drops the front of each column at once. Reads never trim: they start
at the first record still within retention (one bisect), so what a consumer
sees is exact to the millisecond however rarely the stream's sweep runs.

Limits are token buckets on the virtual clock (AWS_FACTS §2): writes 1,000
records/s and 1 MiB/s, partition key bytes included; reads 5 GetRecords/s and
2 MiB/s, shared by every classic consumer of the shard; 5 GetShardIterator/s. A read may take the
bytes bucket into debt (`TokenBucket.spend`), which holds the next reads back
as AWS does after a large GetRecords.
"""

from __future__ import annotations

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


def shard_id(index: int) -> str:
    return f"shardId-{index:012d}"


class Shard:
    """One shard of a stream, OPEN until a reshard closes it."""

    __slots__ = (
        "_allow_bytes",
        "_allow_records",
        "_arrivals",
        "_data",
        "_first",
        "_keys",
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
        "stored_bytes",
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
        self._arrivals = array("d")
        self._keys: list[str] = []
        self._data: list[bytes] = []
        self._first = 1
        self.stored_bytes = 0
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
        keys = self._keys
        counter = self._first + len(keys)
        self._arrivals.append(now)
        keys.append(key)
        self._data.append(data)
        self.stored_bytes += len(data)
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
        return self._first + len(self._keys)

    @property
    def stored(self) -> int:
        """Records held, including any past retention the next sweep will drop."""
        return len(self._keys)

    @property
    def newest_sequence(self) -> str | None:
        """The sequence number of the latest record written, or None before the first."""
        if not self._keys:
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
        hi = min(lo + limit, len(self._keys))
        if lo >= hi:
            return self._first + lo, self._first + lo
        data = self._data
        if sum(map(len, data[lo:hi])) <= max_bytes:  # the usual read: no Python step a record
            return self._first + lo, self._first + hi
        total = 0
        for i in range(lo, hi):
            total += len(data[i])
            if total > max_bytes and i > lo:
                hi = i
                break
        return self._first + lo, self._first + hi

    def columns(self, first: int, stop: int) -> tuple[array[float], list[str], list[bytes]]:
        """The arrivals, partition keys and data of the records with counters [first, stop)."""
        lo, hi = first - self._first, stop - self._first
        return self._arrivals[lo:hi], self._keys[lo:hi], self._data[lo:hi]

    def data_bytes(self, first: int, stop: int) -> int:
        """The data bytes of the records with counters [first, stop)."""
        return sum(map(len, self._data[first - self._first : stop - self._first]))

    def records(self, first: int, stop: int) -> Iterator[tuple[float, str, bytes]]:
        """(arrival, partition key, data) of the records with counters [first, stop)."""
        lo, hi = first - self._first, stop - self._first
        return zip(self._arrivals[lo:hi], self._keys[lo:hi], self._data[lo:hi], strict=True)

    def millis_behind(self, position: int, now: float, cutoff: float) -> int:
        """How far a reader at `position` trails the tip: the age of its oldest unread record."""
        start = max(position, self.live_start(cutoff))
        if start >= self.next_counter:
            return 0
        return max(0, round((now - self.arrival(start)) * 1000))

    def trim(self, cutoff: float) -> int:
        """Drop the records that arrived before `cutoff`; how many went."""
        count = bisect_left(self._arrivals, cutoff)
        if count:
            self.stored_bytes -= sum(len(d) for d in self._data[:count])
            del self._arrivals[:count]
            del self._keys[:count]
            del self._data[:count]
            self._first += count
        return count

    def drop_all(self) -> None:
        """Let every record go: the shard expired or its stream was deleted."""
        self._first += len(self._keys)
        self._arrivals = array("d")
        self._keys = []
        self._data = []
        self.stored_bytes = 0
