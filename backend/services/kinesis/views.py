"""What the dashboard reads of a stream: plain values, cheap to make a few times a second.

A pane refreshes on an interval, so a view costs a walk over the stream's
shards and its readers (rates from each shard's one-minute meters, positions
from the consumers) and copies no record data. Shares are of AWS's per-shard
limits, so a bar at 1.0 is a shard about to throttle: writes count whichever
of 1,000 records/s and 1 MiB/s is nearer, reads 2 MiB/s, shared by every
polling consumer (an enhanced fan-out consumer has its own 2 MiB/s).

Those limits hold per second, and a producer that sends in bursts (the KPL
flushing every few seconds or minutes) is throttled within one second while
its five-second average looks calm and is back to zero moments later; so a
shard also reports its busiest second of the last minute, which is what
shows a hot shard for as long as a person needs to see it.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.services.kinesis.base import KinesisBase
from backend.services.kinesis.shard import (
    READ_BYTES_PER_SECOND,
    WRITE_BYTES_PER_SECOND,
    WRITE_RECORDS_PER_SECOND,
    Shard,
)
from backend.services.kinesis.stream import Stream
from backend.services.kinesis.throughput import WINDOW, Meter

#: Seconds the rates average over.
RATE_WINDOW = 5
#: Seconds the busiest second is looked for in: all a shard's meter keeps.
PEAK_WINDOW = WINDOW


@dataclass(frozen=True, slots=True)
class ShardView:
    shard_id: str
    #: OPEN or CLOSED (EXPIRED shards are not shown, as AWS does not list them).
    state: str
    start_hash: int
    end_hash: int
    parents: tuple[str, ...]
    children: tuple[str, ...]
    records_in: float
    bytes_in: float
    #: Of the write limit, 0 to 1 (and past 1 only for a moment, within the burst).
    write_share: float
    records_out: float
    bytes_out: float
    read_share: float
    throttled_writes: int
    throttled_reads: int
    #: The busiest second of the last `PEAK_WINDOW`: records in, bytes in, bytes out
    #: (each its own busiest second).
    peak_records_in: float
    peak_bytes_in: float
    peak_bytes_out: float
    #: Records held, and the oldest one a reader can still get (None: none).
    stored: int
    oldest_arrival: float | None
    newest_sequence: str | None

    @property
    def peak_write_share(self) -> float:
        """The busiest second's share of the write limit: 1.0 means it hit the limit."""
        return max(
            self.peak_records_in / WRITE_RECORDS_PER_SECOND,
            self.peak_bytes_in / WRITE_BYTES_PER_SECOND,
        )

    @property
    def peak_read_share(self) -> float:
        return self.peak_bytes_out / READ_BYTES_PER_SECOND


@dataclass(frozen=True, slots=True)
class ReaderView:
    """A consumer application (polling) or a registered consumer (enhanced fan-out)."""

    name: str
    mode: str
    records: int
    #: MillisBehindLatest by shard, for the shards it is reading now.
    lag_ms: dict[str, int]

    @property
    def max_lag_ms(self) -> int:
        return max(self.lag_ms.values(), default=0)


@dataclass(frozen=True, slots=True)
class StreamView:
    name: str
    arn: str
    status: str
    mode: str
    retention_hours: int
    #: Records older than this are gone (`now` - retention).
    trim_horizon: float
    shards: tuple[ShardView, ...]
    readers: tuple[ReaderView, ...]
    records_in: int
    bytes_in: int
    throttled_writes: int
    throttled_reads: int

    @property
    def open_shards(self) -> int:
        return sum(1 for s in self.shards if s.state == "OPEN")


def busiest_second(meter: Meter, now: float, window: int = PEAK_WINDOW) -> tuple[float, float]:
    """(records, bytes) of the busiest of the `window` whole seconds before `now`.

    Each is its own maximum (the most records and the most bytes may come in
    different seconds). An idle meter answers from one average: only a shard
    with traffic in the window is read a second at a time.
    """
    if meter.rate(now, window) == (0.0, 0.0):
        return 0.0, 0.0
    seconds = [meter.rate(now - back, 1) for back in range(window)]
    return max(r for r, _ in seconds), max(b for _, b in seconds)


def shard_view(shard: Shard, now: float, cutoff: float) -> ShardView:
    records_in, bytes_in = shard.incoming.rate(now, RATE_WINDOW)
    records_out, bytes_out = shard.outgoing.rate(now, RATE_WINDOW)
    peak_records_in, peak_bytes_in = busiest_second(shard.incoming, now)
    _, peak_bytes_out = busiest_second(shard.outgoing, now)
    return ShardView(
        shard_id=shard.shard_id,
        state="OPEN" if shard.is_open else "CLOSED",
        start_hash=shard.start_hash,
        end_hash=shard.end_hash,
        parents=tuple(shard.parents()),
        children=tuple(c.shard_id for c in shard.children),
        records_in=records_in,
        bytes_in=bytes_in,
        write_share=max(records_in / WRITE_RECORDS_PER_SECOND, bytes_in / WRITE_BYTES_PER_SECOND),
        records_out=records_out,
        bytes_out=bytes_out,
        read_share=bytes_out / READ_BYTES_PER_SECOND,
        throttled_writes=shard.throttled_writes,
        throttled_reads=shard.throttled_reads,
        peak_records_in=peak_records_in,
        peak_bytes_in=peak_bytes_in,
        peak_bytes_out=peak_bytes_out,
        stored=shard.stored,
        oldest_arrival=shard.oldest_arrival(cutoff),
        newest_sequence=shard.newest_sequence,
    )


def stream_view(service: KinesisBase, stream: Stream, now: float) -> StreamView:
    """`stream` as the dashboard shows it at `now`."""
    cutoff = stream.cutoff(now)
    readers = [
        ReaderView(
            p.consumer,
            p.mode,
            p.records,
            {shard: lag for shard, lag in p.lag_ms.items() if shard not in p.finished},
        )
        for p in sorted(service.progress.values(), key=lambda p: p.consumer)
        if p.stream == stream.name and p.mode == "polling"
    ]
    readers += [
        ReaderView(c.name, "enhanced", c.records, c.positions(now))
        for c in service.consumers_of(stream)
    ]
    return StreamView(
        name=stream.name,
        arn=stream.arn,
        status=stream.status,
        mode=stream.mode,
        retention_hours=stream.retention_hours,
        trim_horizon=cutoff,
        shards=tuple(shard_view(s, now, cutoff) for s in stream.listed(now)),
        readers=tuple(readers),
        records_in=stream.records_in,
        bytes_in=stream.bytes_in,
        throttled_writes=stream.throttled_writes,
        throttled_reads=stream.throttled_reads,
    )
