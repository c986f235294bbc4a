"""Enhanced fan-out: registered consumers and their SubscribeToShard sessions.

A registered consumer gets its own 2 MiB/s per shard, not shared with anyone,
and records are pushed to it instead of polled. A `Subscription` is that push:
an async iterator of `SubscribeToShardEvent`s, which is what SubscribeToShard
answers with in-process (`response["EventStream"]`). It waits on the shard's
`arrived` signal, so an event goes out as soon as a record is written, at most
2 MiB/s (a token bucket that an event may take into debt, as a GetRecords may),
and an empty event every five seconds when nothing arrives, as AWS sends to
keep the connection alive. A session ends after five minutes (the consumer
then subscribes again from its ContinuationSequenceNumber), when a newer
subscription for the same shard replaces it, when the consumer or the stream
goes, or after the event that reaches the end of a closed shard, which carries
the ChildShards to subscribe to next.

In-process readers see the iteration stop however the session ends. When it
ends on an error (the stream or the consumer gone, a newer subscription taking
over) the error is also left in `Subscription.error`: the endpoint sends it as
the event stream's last message, an exception, as AWS does
(`backend/wire/eventstream.py`). The five-minute end and the shard's end are
not errors; the stream just ends.
"""

from __future__ import annotations

from typing import Any

from backend.clock import Clock
from backend.errors import AwsError
from backend.kit.token_bucket import TokenBucket
from backend.metrics import MetricStore
from backend.services.kinesis import sequence, shapes
from backend.services.kinesis.errors import ResourceNotFoundException, stream_not_found
from backend.services.kinesis.shard import READ_BYTES_PER_SECOND, Shard
from backend.services.kinesis.stream import NAMESPACE, Stream

#: Registered consumers a stream may have.
MAX_CONSUMERS = 20
#: How long one SubscribeToShard session lasts.
SESSION = 300.0
#: A second SubscribeToShard for the same consumer and shard this soon is refused.
RESUBSCRIBE_WINDOW = 5.0
#: Seconds between events when no records arrive.
HEARTBEAT = 5.0
#: Records one event carries at most.
MAX_EVENT_RECORDS = 10_000


class StreamConsumer:
    """A consumer registered with RegisterStreamConsumer."""

    def __init__(
        self, name: str, stream: Stream, created: float, tags: dict[str, str], metrics: MetricStore
    ) -> None:
        self.name = name
        self.stream = stream
        self.created = created
        self.arn = f"{stream.arn}/consumer/{name}:{int(created)}"
        self.status = "CREATING"
        self.tags = tags
        #: The live session of each shard it has subscribed to, by shard id.
        self.subscriptions: dict[str, Subscription] = {}
        #: When it last subscribed to each shard: a resubscription within 5 s is refused.
        self.subscribed_at: dict[str, float] = {}
        #: Records pushed to it, over every session.
        self.records = 0
        dims = {"StreamName": stream.name, "ConsumerName": name}
        self.success = metrics.series(NAMESPACE, "SubscribeToShard.Success", dims)
        self.event_records = metrics.series(NAMESPACE, "SubscribeToShardEvent.Records", dims)
        self.event_bytes = metrics.series(NAMESPACE, "SubscribeToShardEvent.Bytes", dims, "Bytes")
        self.event_behind = metrics.series(
            NAMESPACE, "SubscribeToShardEvent.MillisBehindLatest", dims, "Milliseconds"
        )

    def describe(self) -> dict[str, Any]:
        return {
            "ConsumerName": self.name,
            "ConsumerARN": self.arn,
            "ConsumerStatus": self.status,
            "ConsumerCreationTimestamp": self.created,
        }

    def close(self) -> None:
        """End its sessions: it is being deregistered, or its stream deleted."""
        stream = self.stream
        if stream.deleted or stream.status == "DELETING":
            error = stream_not_found(stream.name, stream.account)
        else:
            error = ResourceNotFoundException(
                f"Consumer {self.arn} under account {stream.account} not found."
            )
        for subscription in list(self.subscriptions.values()):
            subscription.close(error)

    def positions(self, now: float) -> dict[str, int]:
        """MillisBehindLatest of each shard it has a live session on, for the dashboard."""
        cutoff = self.stream.cutoff(now)
        return {
            shard_id: s.shard.millis_behind(s.position, now, cutoff)
            for shard_id, s in self.subscriptions.items()
        }


class Subscription:
    """One SubscribeToShard session: an async iterator of events on the virtual clock."""

    def __init__(self, clock: Clock, consumer: StreamConsumer, shard: Shard, position: int) -> None:
        now = clock.now()
        self.clock = clock
        self.consumer = consumer
        self.shard = shard
        self.position = position
        self.ends = now + SESSION
        self.closed = False
        #: Why it ended, when that was an error rather than its natural end.
        self.error: AwsError | None = None
        self._bytes = TokenBucket(READ_BYTES_PER_SECOND, now=now)
        self._next_event = now
        self._finished = False

    def close(self, error: AwsError | None = None) -> None:
        """End the session; a reader waiting for the next event gets StopAsyncIteration.

        `error` says why, when it is one: it is kept in `error` for the endpoint.
        """
        if self.closed:
            return
        self.closed = True
        self.error = error
        if self.consumer.subscriptions.get(self.shard.shard_id) is self:
            del self.consumer.subscriptions[self.shard.shard_id]
        self.shard.arrived.fire()

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> dict[str, Any]:
        clock = self.clock
        stream = self.consumer.stream
        shard = self.shard
        while True:
            now = clock.now()
            if stream.deleted:
                self.close(stream_not_found(stream.name, stream.account))
            elif self._finished or now >= self.ends:
                self.close()
            if self.closed:
                raise StopAsyncIteration
            tokens = self._bytes.available(now)
            if tokens <= 0:
                await clock.sleep(min(-tokens / READ_BYTES_PER_SECOND + 0.001, self.ends - now))
                continue
            cutoff = stream.cutoff(now)
            first, stop = shard.batch(self.position, MAX_EVENT_RECORDS, int(tokens), cutoff)
            at_end = not shard.is_open and stop >= shard.next_counter
            if stop > first or at_end or now >= self._next_event:
                return self._event(now, first, stop, at_end, cutoff)
            await clock.wait(shard.arrived, min(self._next_event, self.ends) - now)

    def _event(
        self, now: float, first: int, stop: int, at_end: bool, cutoff: float
    ) -> dict[str, Any]:
        shard = self.shard
        records = shapes.records(shard, first, stop)
        nbytes = sum(len(r["Data"]) for r in records)
        self._bytes.spend(now, nbytes)
        self.position = max(self.position, stop)
        self._next_event = now + HEARTBEAT
        if records:
            continuation = records[-1]["SequenceNumber"]
        else:
            continuation = sequence.encode(shard.base, max(self.position - 1, 0), now)
        behind = shard.millis_behind(self.position, now, cutoff)
        event: dict[str, Any] = {
            "Records": records,
            "ContinuationSequenceNumber": continuation,
            "MillisBehindLatest": behind,
        }
        if at_end:
            event["ChildShards"] = shapes.child_shards(shard)
            self._finished = True
        consumer = self.consumer
        consumer.records += len(records)
        consumer.event_records.add(now, len(records))
        consumer.event_bytes.add(now, nbytes)
        consumer.event_behind.add(now, behind)
        stream = consumer.stream
        stream.records_out += len(records)
        stream.bytes_out += nbytes
        shard.outgoing.add(now, len(records), nbytes)
        return {"SubscribeToShardEvent": event}
