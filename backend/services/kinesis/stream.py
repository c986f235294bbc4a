"""A Kinesis data stream: its shards, their lineage, routing, retention and metrics.

The model beneath the API: plain Python, no wire shapes. A stream keeps every
shard that has not EXPIRED, open and closed, in the order of their ids, and a
routing table of the open ones: their starting hash keys in a sorted list, so
a record finds its shard with one bisect however many shards there are.

Resharding changes the table and never the records. A split closes its parent
and opens two children over the two halves of its range; a merge closes two
adjacent shards and opens one over their union. UpdateShardCount is a run of
those (as AWS performs it): split wherever an even range of the target count
starts inside an open shard, then merge, left to right, the shards inside each
target range. So every shard has at most two parents, the open shards end up
covering the hash space in `target` even ranges, and a consumer reading parents
before children sees every record in order.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Iterable

from backend.clock import Signal
from backend.metrics import MetricStore, Series
from backend.services.kinesis.hashing import even_ranges
from backend.services.kinesis.shard import Shard

HOUR = 3600.0
DEFAULT_RETENTION_HOURS = 24
MIN_RETENTION_HOURS = 24
MAX_RETENTION_HOURS = 8760
DEFAULT_MAX_RECORD_KIB = 1024
#: Open shards a new ON_DEMAND stream starts with: 4 MiB/s of writes, 8 MiB/s of reads.
ON_DEMAND_SHARDS = 4
#: Shard-level metrics EnableEnhancedMonitoring can turn on ("ALL" means these).
SHARD_LEVEL_METRICS = (
    "IncomingBytes",
    "IncomingRecords",
    "OutgoingBytes",
    "OutgoingRecords",
    "WriteProvisionedThroughputExceeded",
    "ReadProvisionedThroughputExceeded",
    "IteratorAgeMilliseconds",
)
NAMESPACE = "AWS/Kinesis"


class StreamMetrics:
    """The stream-level AWS/Kinesis series, held so the hot path only calls `add`."""

    __slots__ = (
        "get_bytes",
        "get_iterator_age",
        "get_records",
        "get_success",
        "incoming_bytes",
        "incoming_records",
        "put_bytes",
        "put_success",
        "puts_bytes",
        "puts_failed",
        "puts_success",
        "puts_successful_records",
        "puts_throttled",
        "puts_total",
        "read_exceeded",
        "write_exceeded",
    )

    def __init__(self, store: MetricStore, stream: str) -> None:
        dims = {"StreamName": stream}

        def series(name: str, unit: str = "Count") -> Series:
            return store.series(NAMESPACE, name, dims, unit)

        self.incoming_bytes = series("IncomingBytes", "Bytes")
        self.incoming_records = series("IncomingRecords")
        self.put_bytes = series("PutRecord.Bytes", "Bytes")
        self.put_success = series("PutRecord.Success")
        self.puts_bytes = series("PutRecords.Bytes", "Bytes")
        self.puts_success = series("PutRecords.Success")
        self.puts_total = series("PutRecords.TotalRecords")
        self.puts_successful_records = series("PutRecords.SuccessfulRecords")
        self.puts_failed = series("PutRecords.FailedRecords")
        self.puts_throttled = series("PutRecords.ThrottledRecords")
        self.get_bytes = series("GetRecords.Bytes", "Bytes")
        self.get_records = series("GetRecords.Records")
        self.get_iterator_age = series("GetRecords.IteratorAgeMilliseconds", "Milliseconds")
        self.get_success = series("GetRecords.Success")
        self.write_exceeded = series("WriteProvisionedThroughputExceeded")
        self.read_exceeded = series("ReadProvisionedThroughputExceeded")


class Stream:
    """One data stream in one region of the account."""

    def __init__(
        self,
        name: str,
        region: str,
        account: str,
        created: float,
        mode: str,
        shard_count: int,
        metrics: MetricStore,
        signal: Callable[[], Signal],
    ) -> None:
        self.name = name
        self.region = region
        self.account = account
        self.arn = f"arn:aws:kinesis:{region}:{account}:stream/{name}"
        self.created = created
        self.status = "CREATING"
        self.mode = mode
        self.retention_hours = DEFAULT_RETENTION_HOURS
        self.max_record_kib = DEFAULT_MAX_RECORD_KIB
        self.tags: dict[str, str] = {}
        #: Shard-level metrics enabled by EnableEnhancedMonitoring.
        self.shard_metrics: tuple[str, ...] = ()
        #: Every shard not yet EXPIRED, by id, in the order they were created.
        self.shards: dict[str, Shard] = {}
        #: When each UpdateShardCount of the last 24 hours was made (AWS allows 10).
        self.scalings: deque[float] = deque()
        self.deleted = False
        self.metrics = StreamMetrics(metrics, name)
        self._store = metrics
        self._signal = signal
        self._next_index = 0
        self._open: list[Shard] = []
        self._starts: list[int] = []
        #: Records and bytes ever written, writes and reads ever throttled: the summary's totals.
        self.records_in = 0
        self.bytes_in = 0
        self.records_out = 0
        self.bytes_out = 0
        self.throttled_writes = 0
        self.throttled_reads = 0
        for start, end in even_ranges(shard_count):
            self._add_shard(start, end, created)
        self._route()

    # -- shards -----------------------------------------------------------------

    @property
    def retention(self) -> float:
        return self.retention_hours * HOUR

    @property
    def open_shards(self) -> list[Shard]:
        """The open shards in hash-key order (the routing table; do not change it)."""
        return self._open

    def listed(self, now: float) -> list[Shard]:
        """The shards AWS lists: every one not EXPIRED, by shard id."""
        retention = self.retention
        return [s for s in self.shards.values() if not s.expired(now, retention)]

    def shard(self, shard_id: str, now: float) -> Shard | None:
        found = self.shards.get(shard_id)
        if found is None or found.expired(now, self.retention):
            return None
        return found

    def route(self, hash_key: int) -> Shard:
        """The open shard whose hash-key range holds `hash_key` (0 to 2^128 - 1)."""
        return self._open[bisect_right(self._starts, hash_key) - 1]

    def cutoff(self, now: float) -> float:
        """The trim horizon: records that arrived before this time are gone."""
        return now - self.retention

    def _add_shard(self, start: int, end: int, now: float, parents: Iterable[Shard] = ()) -> Shard:
        ids = [p.shard_id for p in parents]
        shard = Shard(
            self._next_index,
            start,
            end,
            now,
            self._signal(),
            ids[0] if ids else None,
            ids[1] if len(ids) > 1 else None,
        )
        self._next_index += 1
        self.shards[shard.shard_id] = shard
        return shard

    def _route(self) -> None:
        self._open = sorted(
            (s for s in self.shards.values() if s.is_open), key=lambda s: s.start_hash
        )
        self._starts = [s.start_hash for s in self._open]

    # -- resharding -------------------------------------------------------------

    def split(self, parent: Shard, new_start: int, now: float) -> tuple[Shard, Shard]:
        """Close `parent`; open two children over [start, new_start - 1] and [new_start, end]."""
        low = self._add_shard(parent.start_hash, new_start - 1, now, (parent,))
        high = self._add_shard(new_start, parent.end_hash, now, (parent,))
        parent.close(now, (low, high))
        self._route()
        return low, high

    def merge(self, shard: Shard, adjacent: Shard, now: float) -> Shard:
        """Close two adjacent shards; open one over their union, naming both as parents."""
        start = min(shard.start_hash, adjacent.start_hash)
        end = max(shard.end_hash, adjacent.end_hash)
        child = self._add_shard(start, end, now, (shard, adjacent))
        shard.close(now, (child,))
        adjacent.close(now, (child,))
        self._route()
        return child

    def scale(self, target: int, now: float) -> None:
        """UNIFORM_SCALING to `target` open shards, through splits and merges."""
        ranges = even_ranges(target)
        for start, _ in ranges[1:]:
            shard = self.route(start)
            if shard.start_hash != start:
                self.split(shard, start, now)
        for start, end in ranges:
            group = [s for s in self._open if start <= s.start_hash <= end]
            while len(group) > 1:
                group = [self.merge(group[0], group[1], now), *group[2:]]

    @staticmethod
    def adjacent(a: Shard, b: Shard) -> bool:
        return a.end_hash + 1 == b.start_hash or b.end_hash + 1 == a.start_hash

    # -- retention --------------------------------------------------------------

    def sweep(self, now: float) -> None:
        """Drop records past retention and shards past EXPIRED; keep lineage ids."""
        cutoff = self.cutoff(now)
        retention = self.retention
        for shard_id, shard in list(self.shards.items()):
            if shard.expired(now, retention):
                shard.drop_all()
                del self.shards[shard_id]
            else:
                shard.trim(cutoff)

    def drop(self) -> None:
        """Let every record go: the stream is deleted."""
        self.deleted = True
        for shard in self.shards.values():
            shard.drop_all()

    # -- enhanced monitoring ----------------------------------------------------

    def shard_series(self, shard: Shard, name: str, unit: str = "Count") -> Series:
        """A shard-level metric's series (dimensions StreamName and ShardId)."""
        return self._store.series(
            NAMESPACE, name, {"StreamName": self.name, "ShardId": shard.shard_id}, unit
        )

    @property
    def max_record_bytes(self) -> int:
        return self.max_record_kib * 1024
