"""What the dashboard reads of a stream: plain values, cheap to make a few times a second.

A pane refreshes on an interval, so a view costs a walk over the stream's
shards and its readers (rates from each shard's one-minute meters, positions
from the consumers) and copies no record data. Shares are of AWS's per-shard
limits, so a bar at 1.0 is a shard about to throttle: writes count whichever
of 1,000 records/s and 1 MiB/s is nearer, reads 2 MiB/s, shared by every
polling consumer (an enhanced fan-out consumer has its own 2 MiB/s).
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

#: Seconds the rates average over.
RATE_WINDOW = 5


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
    #: Records held, and the oldest one a reader can still get (None: none).
    stored: int
    oldest_arrival: float | None
    newest_sequence: str | None


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


def shard_view(shard: Shard, now: float, cutoff: float) -> ShardView:
    records_in, bytes_in = shard.incoming.rate(now, RATE_WINDOW)
    records_out, bytes_out = shard.outgoing.rate(now, RATE_WINDOW)
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
