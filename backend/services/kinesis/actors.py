"""Kinesis's scenario actors: clickstream producers and consumer applications.

A producer writes JSON click events with partition keys drawn uniformly from
`keys` users, or with a hot key taking a share of the traffic (watch one shard
throttle while the others idle). With `batch` above 1 it behaves like the KPL:
every `interval` it sends what arrived since (a Poisson count, so a day of
traffic costs a few thousand calls, not millions of timers) in PutRecords calls
of up to `batch` records, and sends refused records again next time.

A consumer behaves like a KCL application: it lists the shards, reads each one
only after its parents are read to their end, checkpoints the last sequence
number it processed per shard, and follows ChildShards after a split or merge.
`mode = "polling"` calls GetRecords on every readable shard each `interval`,
sharing each shard's 5 reads/s and 2 MiB/s with other polling consumers;
`mode = "enhanced"` registers a stream consumer and holds a SubscribeToShard
session per shard, with 2 MiB/s of its own. Two consumers read the same
records independently, each at its own pace: a stream is a rolling window that
many readers share, where an SQS message goes to one consumer.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from typing import Any, ClassVar

from backend.actors.actor import THROTTLED, Actor
from backend.actors.batches import BatchingProducer
from backend.actors.draws import below, pick
from backend.actors.rates import Rate, read_rate
from backend.clock import ClockTask
from backend.cloud import Cloud
from backend.kit.scenario import Reader
from backend.registry import ActorKind
from backend.services.kinesis.progress import ReadProgress
from backend.services.kinesis.service import KinesisService

#: Errors a Kinesis client waits out: throttling, a stream or consumer missing or not ready.
RETRY = THROTTLED | {
    "ResourceNotFoundException",
    "ResourceInUseException",
    "LimitExceededException",
}
#: Records a producer holds for resending at most; past this it drops the oldest.
MAX_BACKLOG = 10_000
_EVENTS = ("page_view", "page_view", "page_view", "click", "click", "add_to_cart", "purchase")
_PAGES = (
    "/",
    "/search",
    "/products/a-17",
    "/products/b-02",
    "/products/c-33",
    "/cart",
    "/checkout",
)
HOT_KEY = "user-hot"


def click(n: int, rng: random.Random, user: str, ts: str) -> bytes:
    """A clickstream event as a website's tracker would send it; `ts` is `stamp(now)`."""
    event, page = pick(rng, _EVENTS), pick(rng, _PAGES)
    # What `json.dumps(..., separators=(",", ":"))` of the event wrote, in one
    # f-string: tens of thousands of records an hour (users, events and pages
    # need no escaping).
    return f'{{"event":"{event}","user":"{user}","page":"{page}","seq":{n},"ts":{ts}}}'.encode()


def stamp(now: float) -> str:
    """A click's `ts` as JSON writes it: seconds to the millisecond, made once per batch."""
    return repr(round(now, 3))


def poisson(mean: float, rng: random.Random) -> int:
    """A Poisson-distributed count (Knuth's method; a normal approximation for large means)."""
    if mean <= 0:
        return 0
    if mean > 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit = math.exp(-mean)
    count = 0
    product = rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


class KinesisProducer(BatchingProducer[dict[str, Any]]):
    """Click events into one stream at `rate` records per second.

    Records are made and held as PutRecords entries (`PartitionKey`, `Data`),
    so a batch call takes its backlog's records as they are and a refused
    record goes back as it came.
    """

    kind: ClassVar[str] = "kinesis-producer"
    retry_codes: ClassVar[frozenset[str]] = RETRY
    max_backlog: ClassVar[int] = MAX_BACKLOG

    def __init__(
        self,
        cloud: Cloud,
        name: str,
        stream: str,
        *,
        rate: Rate,
        keys: int = 100,
        hot_key_share: float = 0.0,
        batch: int = 100,
        interval: float = 1.0,
    ) -> None:
        super().__init__(cloud, name, batch=batch)
        self.stream = stream
        self.rate = rate
        self.keys = keys
        self.hot_key_share = hot_key_share
        self.interval = interval
        #: Records made; `sent`, `throttled` and `dropped` count what became of them.
        self.made = 0

    def _records(self, ts: str, count: int) -> list[dict[str, Any]]:
        """`count` new records stamped `ts`, each drawing its key, then its click.

        One loop, not a frame or two per record: a batch holds hundreds.
        """
        rng = self.rng
        draw = rng.random
        hot, keys = self.hot_key_share, self.keys
        made = self.made
        records = []
        for n in range(made + 1, made + count + 1):
            key = HOT_KEY if hot and draw() < hot else f"user-{below(rng, keys):05d}"
            records.append({"PartitionKey": key, "Data": click(n, rng, key, ts)})
        self.made = made + count
        return records

    async def run(self) -> None:
        if self.batch == 1:
            await self._one_at_a_time()
        else:
            await self._batched()

    async def _one_at_a_time(self) -> None:
        started = self.cloud.clock.now()
        while True:
            await self.arrival(self.rate, started)
            params = {
                "StreamName": self.stream,
                **self._records(stamp(self.cloud.clock.now()), 1)[0],
            }
            if await self.call("kinesis", "PutRecord", params) is not None:
                self.sent += 1
            elif self.last_error == "ProvisionedThroughputExceededException":
                self.throttled += 1

    async def _batched(self) -> None:
        clock = self.cloud.clock
        started = clock.now()
        while True:
            self.status = "batching"
            await clock.sleep(self.interval)
            now = clock.now()
            mean = self.rate.at(now - started) * self.interval
            ts = stamp(now)
            self._hold(self._records(ts, poisson(mean, self.rng)))
            await self._flush()

    async def _put(self, chunk: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
        params = {"StreamName": self.stream, "Records": chunk}
        response = await self.call("kinesis", "PutRecords", params)
        return None if response is None else response["Records"]


class KinesisConsumer(Actor):
    """A consumer application reading every shard of one stream, parents before children."""

    kind: ClassVar[str] = "kinesis-consumer"
    retry_codes: ClassVar[frozenset[str]] = RETRY

    def __init__(
        self,
        cloud: Cloud,
        name: str,
        stream: str,
        *,
        mode: str = "polling",
        interval: float = 1.0,
        limit: int = 1000,
        start: str = "TRIM_HORIZON",
        refresh: float = 30.0,
    ) -> None:
        super().__init__(cloud, name)
        self.stream = stream
        self.mode = mode
        self.interval = interval
        self.limit = limit
        self.start_at = start
        self.refresh = refresh
        self.progress = ReadProgress(name, stream, mode)
        #: Every shard known to exist, with its parents' ids.
        self._shards: dict[str, list[str]] = {}
        self._listed_at = -math.inf
        self._iterators: dict[str, str] = {}
        self._sessions: dict[str, ClockTask[None]] = {}
        self._consumer_arn: str | None = None

    def start(self) -> None:
        self.cloud.service(KinesisService).progress[self.name] = self.progress
        super().start()

    # -- shards and their order -------------------------------------------------

    async def _discover(self) -> None:
        """ListShards (all pages), as KCL's shard sync does now and then."""
        self._listed_at = self.cloud.clock.now()
        shards: dict[str, list[str]] = {}
        params: dict[str, Any] = {"StreamName": self.stream}
        while True:
            page = await self.call("kinesis", "ListShards", params)
            if page is None:
                if self.last_error == "ResourceNotFoundException":
                    self._lost()
                return
            for shard in page["Shards"]:
                parents = [shard.get("ParentShardId"), shard.get("AdjacentParentShardId")]
                shards[shard["ShardId"]] = [p for p in parents if p]
            token = page.get("NextToken")
            if token is None:
                break
            params = {"NextToken": token}
        self._shards = shards
        self.last_error = ""

    def _lost(self) -> None:
        """The stream is gone: forget every position, as a fresh application would."""
        self._shards.clear()
        self._iterators.clear()
        self.progress.forget()
        self._consumer_arn = None

    def ready(self) -> list[str]:
        """Shards to read now: not finished, every parent finished or gone, oldest first."""
        finished = self.progress.finished
        return sorted(
            shard
            for shard, parents in self._shards.items()
            if shard not in finished
            and all(p in finished or p not in self._shards for p in parents)
        )

    def _starting_position(self, shard: str) -> dict[str, str]:
        checkpoint = self.progress.checkpoints.get(shard)
        if checkpoint is not None:
            return {"Type": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": checkpoint}
        if any(p in self._shards for p in self._shards.get(shard, [])):
            return {"Type": "TRIM_HORIZON"}
        return {"Type": self.start_at}

    def _ended(self, shard: str, children: list[dict[str, Any]]) -> None:
        """A closed shard read to its end: its children may be read next."""
        self.progress.finished.add(shard)
        self.progress.lag_ms.pop(shard, None)
        for child in children:
            self._shards.setdefault(child["ShardId"], list(child["ParentShards"]))

    def _processed(self, shard: str, records: list[dict[str, Any]], behind: int) -> None:
        progress = self.progress
        if records:
            progress.records += len(records)
            progress.bytes += sum(len(r["Data"]) for r in records)
            progress.checkpoints[shard] = records[-1]["SequenceNumber"]
        progress.lag_ms[shard] = behind

    # -- the loop ---------------------------------------------------------------

    async def run(self) -> None:
        clock = self.cloud.clock
        while True:
            if clock.now() - self._listed_at >= self.refresh:
                await self._discover()
            shards = self.ready()
            self.status = "reading" if shards else "waiting for shards"
            if self.mode == "enhanced":
                await self._subscribe_all(shards)
            else:
                for shard in shards:
                    await self._poll(shard)
            await clock.sleep(self.interval)

    async def _poll(self, shard: str) -> None:
        iterator = self._iterators.get(shard)
        if iterator is None:
            params = {"StreamName": self.stream, "ShardId": shard}
            position = self._starting_position(shard)
            params["ShardIteratorType"] = position["Type"]
            if "SequenceNumber" in position:
                params["StartingSequenceNumber"] = position["SequenceNumber"]
            found = await self.call("kinesis", "GetShardIterator", params)
            if found is None:
                if self.last_error == "InvalidArgumentException":
                    # A checkpoint from a deleted stream of the same name: start over.
                    self.progress.checkpoints.pop(shard, None)
                self._listed_at = -math.inf
                return
            iterator = found["ShardIterator"]
        response = await self.call(
            "kinesis", "GetRecords", {"ShardIterator": iterator, "Limit": self.limit}
        )
        if response is None:
            if self.last_error != "ProvisionedThroughputExceededException":
                self._iterators.pop(shard, None)
            if self.last_error == "ResourceNotFoundException":
                self._listed_at = -math.inf
            return
        self._processed(shard, response["Records"], response["MillisBehindLatest"])
        following = response.get("NextShardIterator")
        if following is None:
            self._iterators.pop(shard, None)
            self._ended(shard, response.get("ChildShards", []))
        else:
            self._iterators[shard] = following

    # -- enhanced fan-out -------------------------------------------------------

    async def _registered(self) -> str | None:
        """This application's consumer ARN, registering it first if need be."""
        if self._consumer_arn is not None:
            return self._consumer_arn
        summary = await self.call("kinesis", "DescribeStreamSummary", {"StreamName": self.stream})
        if summary is None:
            return None
        stream_arn = summary["StreamDescriptionSummary"]["StreamARN"]
        named = {"StreamARN": stream_arn, "ConsumerName": self.name}
        described = await self.call("kinesis", "DescribeStreamConsumer", named)
        if described is None:
            await self.call("kinesis", "RegisterStreamConsumer", named)
            return None  # CREATING at best: look again next round
        description = described["ConsumerDescription"]
        if description["ConsumerStatus"] != "ACTIVE":
            return None
        self._consumer_arn = description["ConsumerARN"]
        return self._consumer_arn

    async def _subscribe_all(self, shards: list[str]) -> None:
        arn = await self._registered()
        if arn is None:
            self.status = "registering"
            return
        for shard in shards:
            session = self._sessions.get(shard)
            if session is None or session.done():
                task = self.cloud.clock.spawn(
                    self._subscribe(shard, arn), name=f"{self.name} {shard}"
                )
                self._sessions[shard] = task
                self._tasks.append(task)
        self._tasks = [t for t in self._tasks if not t.done()]

    async def _subscribe(self, shard: str, arn: str) -> None:
        """One SubscribeToShard session after another until the shard ends."""
        while shard not in self.progress.finished and self._consumer_arn == arn:
            params = {
                "ConsumerARN": arn,
                "ShardId": shard,
                "StartingPosition": self._starting_position(shard),
            }
            response = await self.call("kinesis", "SubscribeToShard", params)
            if response is None:
                if self.last_error == "ResourceNotFoundException":
                    self._consumer_arn = None
                    return
                await self.cloud.clock.sleep(self.interval)
                continue
            async for event in response["EventStream"]:
                body = event["SubscribeToShardEvent"]
                self._processed(shard, body["Records"], body["MillisBehindLatest"])
                self.progress.checkpoints[shard] = body["ContinuationSequenceNumber"]
                if "ChildShards" in body:
                    self._ended(shard, body["ChildShards"])
                    return


# -- scenario options -----------------------------------------------------------


def _producer_options(table: Reader, defined: Mapping[str, set[str]]) -> dict[str, Any]:
    options: dict[str, Any] = {"stream": table.defined("stream", "kinesis.stream", defined)}
    options["rate"] = read_rate(table, "records per second")
    options["keys"] = int(table.number("keys", 100, 1, 1_000_000))
    options["hot_key_share"] = table.number("hot_key_share", 0.0, 0.0, 1.0)
    options["batch"] = int(table.number("batch", 100, 1, 500))
    options["interval"] = table.duration("interval", 1.0)
    if not options["interval"] > 0:
        raise table.fail("interval must be longer than zero")
    return options


def _consumer_options(table: Reader, defined: Mapping[str, set[str]]) -> dict[str, Any]:
    options: dict[str, Any] = {"stream": table.defined("stream", "kinesis.stream", defined)}
    mode = table.get("mode", str, "polling")
    if mode not in ("polling", "enhanced"):
        raise table.fail(f"mode must be polling or enhanced, not {mode!r}")
    options["mode"] = mode
    start = table.get("start", str, "TRIM_HORIZON")
    if start not in ("TRIM_HORIZON", "LATEST"):
        raise table.fail(f"start must be TRIM_HORIZON or LATEST, not {start!r}")
    options["start"] = start
    options["interval"] = table.duration("interval", 1.0)
    options["refresh"] = table.duration("refresh", 30.0)
    for key in ("interval", "refresh"):
        if not options[key] > 0:
            raise table.fail(f"{key} must be longer than zero")
    options["limit"] = int(table.number("limit", 1000, 1, 10_000))
    return options


ACTORS = (
    ActorKind(
        "kinesis-producer",
        _producer_options,
        KinesisProducer.build,
        "PutRecords of click events at a Poisson rate",
    ),
    ActorKind(
        "kinesis-consumer",
        _consumer_options,
        KinesisConsumer.build,
        "reads every shard, parents first (GetRecords or enhanced fan-out)",
    ),
)
