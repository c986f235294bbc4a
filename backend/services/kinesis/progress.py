"""How far a consumer application has read: what KCL keeps in its lease table.

A Kinesis consumer remembers, per shard, the last sequence number it processed
(its checkpoint) and which closed shards it has read to the end, so it can
resume after a restart and read children only after their parents. AWS keeps
none of that (KCL stores it in DynamoDB); here each consumer actor keeps a
`ReadProgress` and registers it with the service under its name, so the
dashboard and the headless summary can show every application's position and
lag beside the stream, without an API call.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ReadProgress:
    """One consumer application's position in one stream."""

    consumer: str
    stream: str
    #: "polling" (GetRecords, sharing each shard's 5 reads/s) or "enhanced" (fan-out).
    mode: str
    records: int = 0
    bytes: int = 0
    #: The last sequence number processed, by shard id.
    checkpoints: dict[str, str] = field(default_factory=dict)
    #: MillisBehindLatest of the last read, by shard id.
    lag_ms: dict[str, int] = field(default_factory=dict)
    #: Closed shards read to their end (KCL's SHARD_END checkpoint).
    finished: set[str] = field(default_factory=set)

    @property
    def max_lag_ms(self) -> int:
        """The worst lag over the shards being read (0 when caught up everywhere)."""
        return max(
            (lag for shard, lag in self.lag_ms.items() if shard not in self.finished), default=0
        )

    def forget(self) -> None:
        """Start over: the stream was deleted (and maybe created again)."""
        self.checkpoints.clear()
        self.lag_ms.clear()
        self.finished.clear()
