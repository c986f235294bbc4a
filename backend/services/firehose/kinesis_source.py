"""A KinesisStreamAsSource stream's reader: a Kinesis consumer, through `cloud.call` only.

Firehose reads its source as any classic consumer does, as the service
principal `firehose.amazonaws.com`: ListShards, GetShardIterator, then
GetRecords on each shard once a second (AWS's documented polling rate, which
shares the shard's 5 reads/s with other consumers). It starts at LATEST on the
shards open when the delivery stream becomes ACTIVE (DeliveryStartTimestamp):
records already in the stream are not delivered, as AWS documents. A shard
that closes (split, merge) is read to its end; its children, named in the
last GetRecords' ChildShards, are read from TRIM_HORIZON once every parent is
done, so per-key order survives resharding. Whatever it reads goes into the
stream's buffer as records arriving now.

A throttled read waits for the next second (counted in ThrottledGetRecords);
an expired iterator is replaced after the last sequence number read; a stream
that has gone is looked for again every second, and reading resumes at
TRIM_HORIZON of whatever stream then bears the name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from backend.clock import ClockTask, TimerHandle
from backend.errors import AwsError
from backend.services.firehose.courier import FIREHOSE

if TYPE_CHECKING:
    from backend.cloud import Cloud
    from backend.services.firehose.delivery_stream import DeliveryStream

#: Seconds between reads of each shard.
POLL_INTERVAL = 1.0
#: Records one GetRecords may return.
READ_LIMIT = 10_000


@dataclass
class ShardCursor:
    """Where the reader is in one shard."""

    shard_id: str
    parents: tuple[str, ...]
    #: Where a fresh iterator starts when there is no sequence number to follow.
    start: str
    iterator: str | None = None
    last_sequence: str | None = None
    done: bool = False


class KinesisReader:
    """Reads the source stream of `stream` and buffers what it reads."""

    def __init__(self, cloud: Cloud, stream: DeliveryStream) -> None:
        assert stream.source is not None
        self.cloud = cloud
        self.stream = stream
        self.stream_arn = stream.source.stream_arn
        self.cursors: dict[str, ShardCursor] = {}
        self._name = f"firehose {stream.name} reader"
        self._task: ClockTask[None] | None = None
        self._timer: TimerHandle | None = None
        self._stopped = False

    def start(self) -> None:
        self._task = self.cloud.clock.spawn(self._round(first=True), name=self._name)

    def stop(self) -> None:
        self._stopped = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def _tick(self) -> None:
        self._timer = None
        self._task = self.cloud.clock.spawn(self._round(first=False), name=self._name)

    async def _round(self, *, first: bool) -> None:
        """One poll of every readable shard; the first takes LATEST iterators instead.

        A round is a short task and the wait for the next one a clock timer,
        so between rounds nothing is pending but the timer.
        """
        try:
            if first:
                await self._discover("LATEST")
                for cursor in self._readable():
                    await self._position(cursor)
            else:
                if not self.cursors:
                    await self._discover("TRIM_HORIZON")
                for cursor in self._readable():
                    await self._read(cursor)
        finally:
            self._task = None
            if not self._stopped:
                self._timer = self.cloud.clock.call_later(POLL_INTERVAL, self._tick)

    def _readable(self) -> list[ShardCursor]:
        cursors = self.cursors
        return [
            cursor
            for _, cursor in sorted(cursors.items())
            if not cursor.done
            and all(parent not in cursors or cursors[parent].done for parent in cursor.parents)
        ]

    async def _call(self, action: str, params: dict[str, Any]) -> dict[str, Any] | AwsError:
        try:
            return await self.cloud.call(
                "kinesis", action, params, caller=FIREHOSE, region=self.stream.region
            )
        except AwsError as error:
            return error

    async def _discover(self, start: str) -> None:
        """Every shard of the stream, to read from `start`.

        At LATEST a shard already closed counts as read: all it holds predates
        the delivery stream. At TRIM_HORIZON (a stream found again) it is read
        like any other, before its children.
        """
        found: list[dict[str, Any]] = []
        params: dict[str, Any] = {"StreamARN": self.stream_arn}
        while True:
            page = await self._call("ListShards", params)
            if isinstance(page, AwsError):
                return
            found.extend(page.get("Shards", []))
            token = page.get("NextToken")
            if token is None:
                break
            params = {"NextToken": token}
        for shard in found:
            closed = "EndingSequenceNumber" in shard["SequenceNumberRange"]
            parents = tuple(
                p for p in (shard.get("ParentShardId"), shard.get("AdjacentParentShardId")) if p
            )
            self.cursors[shard["ShardId"]] = ShardCursor(
                shard["ShardId"], parents, start, done=closed and start == "LATEST"
            )

    async def _position(self, cursor: ShardCursor) -> bool:
        """Give `cursor` an iterator (after its last record, else at its start); False if refused.

        LATEST is taken when the reader starts, not at its first read, so
        records put in the second after the stream became ACTIVE are read.
        """
        params: dict[str, Any] = {"StreamARN": self.stream_arn, "ShardId": cursor.shard_id}
        if cursor.last_sequence is not None:
            params["ShardIteratorType"] = "AFTER_SEQUENCE_NUMBER"
            params["StartingSequenceNumber"] = cursor.last_sequence
        else:
            params["ShardIteratorType"] = cursor.start
        got = await self._call("GetShardIterator", params)
        if isinstance(got, AwsError):
            await self._recover(cursor, got)
            return False
        cursor.iterator = got["ShardIterator"]
        return True

    async def _read(self, cursor: ShardCursor) -> None:
        if cursor.iterator is None and not await self._position(cursor):
            return
        assert cursor.iterator is not None
        now = self.cloud.clock.now()
        metrics = self.stream.metrics
        read = await self._call(
            "GetRecords", {"ShardIterator": cursor.iterator, "Limit": READ_LIMIT}
        )
        if isinstance(read, AwsError):
            if read.code == "ProvisionedThroughputExceededException":
                metrics.throttled_get_records.add(now, 1)
            else:
                cursor.iterator = None
                await self._recover(cursor, read)
            return
        records = read["Records"]
        if records:
            datas = [record["Data"] for record in records]
            nbytes = sum(len(data) for data in datas)
            self.stream.courier.add(datas, now)
            counters = self.stream.counters
            cursor.last_sequence = records[-1]["SequenceNumber"]
            counters.records_in += len(records)
            counters.bytes_in += nbytes
            metrics.kinesis_records.add(now, len(records))
            metrics.kinesis_bytes.add(now, nbytes)
        metrics.kinesis_behind.add(now, read.get("MillisBehindLatest", 0))
        cursor.iterator = read.get("NextShardIterator")
        if cursor.iterator is None:
            cursor.done = True
            for child in read.get("ChildShards", []):
                if child["ShardId"] not in self.cursors:
                    self.cursors[child["ShardId"]] = ShardCursor(
                        child["ShardId"], tuple(child["ParentShards"]), "TRIM_HORIZON"
                    )

    async def _recover(self, cursor: ShardCursor, error: AwsError) -> None:
        """After a refused read: the shard has expired, or the stream is gone or replaced.

        An expired shard is done; a stream that is gone is forgotten, to be
        looked for again. A sequence number the stream refuses belongs to a
        stream of the same name that was deleted: the new one is read from
        its start.
        """
        if error.code == "InvalidArgumentException" and cursor.last_sequence is not None:
            cursor.last_sequence = None
            cursor.start = "TRIM_HORIZON"
            return
        if error.code != "ResourceNotFoundException":
            return
        listed = await self._call("ListShards", {"StreamARN": self.stream_arn})
        if isinstance(listed, AwsError):
            self.cursors.clear()
        elif all(shard["ShardId"] != cursor.shard_id for shard in listed.get("Shards", [])):
            cursor.done = True
