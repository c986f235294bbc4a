"""Enhanced fan-out: RegisterStreamConsumer and the rest, and SubscribeToShard.

SubscribeToShard answers with `{"EventStream": Subscription}`, an async
iterator of `{"SubscribeToShardEvent": {...}}` (see `consumers.py`). In-process
callers iterate it; the endpoint sends its events to SDKs as AWS's event
stream (`backend/wire/eventstream.py`).
"""

from __future__ import annotations

from backend.kit.validation import Checks
from backend.service import Params, Request, Response, action
from backend.services.kinesis import tags as tagging
from backend.services.kinesis.base import (
    CONSUMER_ARN_PATTERN,
    DATA_STATES,
    ITERATOR_TYPES,
    NAME_PATTERN,
    SEQUENCE_PATTERN,
    STREAM_ID_PATTERN,
    TRANSITION,
    KinesisBase,
    dry_run,
)
from backend.services.kinesis.consumers import (
    MAX_CONSUMERS,
    RESUBSCRIBE_WINDOW,
    StreamConsumer,
    Subscription,
)
from backend.services.kinesis.errors import (
    InvalidArgumentException,
    LimitExceededException,
    ResourceInUseException,
    ResourceNotFoundException,
    stream_not_found,
)


class ConsumerActions(KinesisBase):
    """Registered consumers and their subscriptions."""

    @action("RegisterStreamConsumer")
    def register_stream_consumer(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        arn = self._stream_arn(checks, required=True)
        consumer_name = checks.string(
            "ConsumerName", required=True, min_len=1, max_len=128, pattern=NAME_PATTERN
        )
        checks.string("StreamId", min_len=1, max_len=24, pattern=STREAM_ID_PATTERN)
        tags = checks.string_map("Tags", min_items=1, max_items=200)
        checks.done()
        assert consumer_name is not None
        stream = self._find(None, arn, request)
        self._active(stream)
        account = self.cloud.account
        existing = self.consumers_of(stream)
        if any(c.name == consumer_name for c in existing):
            raise ResourceInUseException(
                f"Consumer {consumer_name} under stream {stream.name} already exists for account "
                f"{account}."
            )
        if len(existing) >= MAX_CONSUMERS:
            raise LimitExceededException(
                f"Consumer limit of {MAX_CONSUMERS} has been reached for stream {stream.name} "
                f"under account {account}."
            )
        if tags:
            tagging.added({}, tags, stream.name, account)
        consumer = StreamConsumer(
            consumer_name, stream, self._now(), dict(tags or {}), self.cloud.metrics
        )
        self._consumers[consumer.arn] = consumer

        def activate() -> None:
            if consumer.status == "CREATING":
                consumer.status = "ACTIVE"

        self.cloud.clock.call_later(TRANSITION, activate)
        return {"Consumer": consumer.describe()}

    def _named_consumer(self, params: Params, request: Request) -> StreamConsumer:
        """The consumer a request names by ConsumerARN, or by StreamARN and ConsumerName."""
        checks = Checks(params)
        arn = self._stream_arn(checks)
        consumer_name = checks.string("ConsumerName", min_len=1, max_len=128, pattern=NAME_PATTERN)
        consumer_arn = checks.string(
            "ConsumerARN", min_len=1, max_len=2048, pattern=CONSUMER_ARN_PATTERN
        )
        checks.string("StreamId", min_len=1, max_len=24, pattern=STREAM_ID_PATTERN)
        checks.done()
        if consumer_arn is not None:
            return self._consumer(consumer_arn, request)
        if arn is None or consumer_name is None:
            raise InvalidArgumentException(
                "Either ConsumerARN or both ConsumerName and StreamARN must be provided."
            )
        stream = self._find(None, arn, request)
        for consumer in self.consumers_of(stream):
            if consumer.name == consumer_name:
                return consumer
        raise ResourceNotFoundException(
            f"Consumer {consumer_name} under stream {stream.name} under account "
            f"{self.cloud.account} not found."
        )

    @action("DeregisterStreamConsumer")
    def deregister_stream_consumer(self, params: Params, request: Request) -> Response:
        consumer = self._named_consumer(params, request)
        if consumer.status == "DELETING":
            return {}
        consumer.status = "DELETING"
        consumer.close()

        def remove() -> None:
            if self._consumers.get(consumer.arn) is consumer:
                del self._consumers[consumer.arn]

        self.cloud.clock.call_later(TRANSITION, remove)
        return {}

    @action("DescribeStreamConsumer", read_only=True)
    def describe_stream_consumer(self, params: Params, request: Request) -> Response:
        consumer = self._named_consumer(params, request)
        return {"ConsumerDescription": {**consumer.describe(), "StreamARN": consumer.stream.arn}}

    @action("ListStreamConsumers", read_only=True)
    def list_stream_consumers(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        arn = self._stream_arn(checks, required=True)
        token = checks.string("NextToken", min_len=1, max_len=1_048_576)
        limit = checks.integer("MaxResults", low=1, high=10_000) or 100
        created = checks.timestamp("StreamCreationTimestamp")
        checks.string("StreamId", min_len=1, max_len=24, pattern=STREAM_ID_PATTERN)
        checks.done()
        stream = self._find(None, arn, request)
        if created is not None and round(created, 3) != round(stream.created, 3):
            raise stream_not_found(stream.name, self.cloud.account)
        now = self._now()
        scope = f"ListStreamConsumers/{stream.arn}/{stream.created}"
        after = self._read_token(token, scope, now, str)[0] if token is not None else None
        consumers = [c for c in self.consumers_of(stream) if after is None or c.name > after]
        page = consumers[:limit]
        response: Response = {"Consumers": [c.describe() for c in page]}
        if len(consumers) > len(page):
            response["NextToken"] = self._token(scope, now, page[-1].name)
        return response

    @action("SubscribeToShard", read_only=True, data_event=True)
    async def subscribe_to_shard(self, params: Params, request: Request) -> Response:
        """Answer with `{"EventStream": Subscription}`: iterate it for SubscribeToShardEvents.

        Every refusal is raised here, before the session opens, so over the
        endpoint it is an ordinary error answer, not an event in the stream.
        A session this one replaces (after the 5 s a resubscription must wait)
        ends with ResourceInUseException, as AWS ends it.
        """
        checks = Checks(params)
        consumer_arn = checks.string(
            "ConsumerARN", required=True, min_len=1, max_len=2048, pattern=CONSUMER_ARN_PATTERN
        )
        given = checks.string(
            "ShardId", required=True, min_len=1, max_len=128, pattern=NAME_PATTERN
        )
        start = checks.structure("StartingPosition", required=True)
        kind = number = when = None
        if start is not None:
            nested = checks.nested("StartingPosition")
            kind = nested.string("Type", required=True, enum=ITERATOR_TYPES)
            number = nested.string("SequenceNumber", pattern=SEQUENCE_PATTERN)
            when = nested.timestamp("Timestamp")
        checks.string("StreamId", min_len=1, max_len=24, pattern=STREAM_ID_PATTERN)
        dry = checks.boolean("DryRun")
        checks.done()
        assert consumer_arn is not None and given is not None and kind is not None
        consumer = self._consumer(consumer_arn, request)
        stream = consumer.stream
        if consumer.status != "ACTIVE":
            raise ResourceInUseException(
                f"Consumer {consumer.arn} under account {self.cloud.account} is not ACTIVE."
            )
        if stream.status not in DATA_STATES:
            raise stream_not_found(stream.name, self.cloud.account)
        now = self._now()
        shard = self._shard(stream, given, now)
        last = consumer.subscribed_at.get(shard.shard_id)
        if last is not None and now - last < RESUBSCRIBE_WINDOW:
            raise ResourceInUseException(
                f"Another active subscription exists for this consumer: {consumer.arn} on "
                f"shard {shard.shard_id}. Retry after {RESUBSCRIBE_WINDOW:g} seconds."
            )
        position = self._position(stream, shard, kind, number, when, now)
        if dry:
            raise dry_run()
        previous = consumer.subscriptions.get(shard.shard_id)
        if previous is not None:
            previous.close(
                ResourceInUseException(
                    f"Subscription to shard {shard.shard_id} for consumer {consumer.arn} was "
                    "replaced by a newer one."
                )
            )
        subscription = Subscription(self.cloud.clock, consumer, shard, position)
        consumer.subscriptions[shard.shard_id] = subscription
        consumer.subscribed_at[shard.shard_id] = now
        consumer.success.add(now, 1)
        return {"EventStream": subscription}
