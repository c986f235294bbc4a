"""Enhanced fan-out: registered consumers and SubscribeToShard sessions on the virtual clock."""

from __future__ import annotations

from typing import Any

from backend.cloud import Cloud
from backend.services.kinesis.base import TRANSITION
from backend.services.kinesis.consumers import HEARTBEAT, SESSION, Subscription
from tests.backend.test_kinesis_helpers import (
    ACCOUNT,
    cloud,
    create_stream,
    kinesis,
    kinesis_error,
    put,
    settle_reshard,
    shard_id,
)

__all__ = ["cloud"]

SHARD = shard_id(0)


async def registered(cloud: Cloud, name: str = "analytics") -> str:
    """An ACTIVE consumer of stream "s" (created with one shard); its ARN."""
    stream = await create_stream(cloud, shards=1)
    response = await kinesis(
        cloud, "RegisterStreamConsumer", {"StreamARN": stream.arn, "ConsumerName": name}
    )
    await cloud.clock.advance(TRANSITION)
    arn: str = response["Consumer"]["ConsumerARN"]
    return arn


class Collector:
    """Reads a subscription's events in a task of its own, as a client's event loop would."""

    def __init__(self, cloud: Cloud, subscription: Subscription) -> None:
        self.events: list[dict[str, Any]] = []
        self.times: list[float] = []
        self.ended = False
        self._cloud = cloud
        self.task = cloud.clock.spawn(self._collect(subscription))

    async def _collect(self, subscription: Subscription) -> None:
        async for event in subscription:
            self.events.append(event["SubscribeToShardEvent"])
            self.times.append(self._cloud.clock.now())
        self.ended = True

    def datas(self) -> list[bytes]:
        return [r["Data"] for e in self.events for r in e["Records"]]


async def subscribe(cloud: Cloud, arn: str, **position: Any) -> Collector:
    response = await kinesis(
        cloud,
        "SubscribeToShard",
        {"ConsumerARN": arn, "ShardId": SHARD, "StartingPosition": position or {"Type": "LATEST"}},
    )
    collector = Collector(cloud, response["EventStream"])
    await cloud.clock.advance(0)
    return collector


async def test_register_describe_list_deregister(cloud: Cloud) -> None:
    stream = await create_stream(cloud, shards=1)
    response = await kinesis(
        cloud, "RegisterStreamConsumer", {"StreamARN": stream.arn, "ConsumerName": "analytics"}
    )
    consumer = response["Consumer"]
    arn = f"{stream.arn}/consumer/analytics:{int(cloud.clock.now())}"
    assert consumer == {
        "ConsumerName": "analytics",
        "ConsumerARN": arn,
        "ConsumerStatus": "CREATING",
        "ConsumerCreationTimestamp": cloud.clock.now(),
    }
    error = await kinesis_error(
        cloud, "RegisterStreamConsumer", {"StreamARN": stream.arn, "ConsumerName": "analytics"}
    )
    assert error.code == "ResourceInUseException"
    await cloud.clock.advance(TRANSITION)
    by_name = await kinesis(
        cloud, "DescribeStreamConsumer", {"StreamARN": stream.arn, "ConsumerName": "analytics"}
    )
    assert by_name["ConsumerDescription"]["ConsumerStatus"] == "ACTIVE"
    assert by_name["ConsumerDescription"]["StreamARN"] == stream.arn
    by_arn = await kinesis(cloud, "DescribeStreamConsumer", {"ConsumerARN": arn})
    assert by_arn == by_name
    listed = await kinesis(cloud, "ListStreamConsumers", {"StreamARN": stream.arn})
    assert [c["ConsumerName"] for c in listed["Consumers"]] == ["analytics"]
    summary = await kinesis(cloud, "DescribeStreamSummary", {"StreamName": "s"})
    assert summary["StreamDescriptionSummary"]["ConsumerCount"] == 1
    await kinesis(cloud, "DeregisterStreamConsumer", {"ConsumerARN": arn})
    described = await kinesis(cloud, "DescribeStreamConsumer", {"ConsumerARN": arn})
    assert described["ConsumerDescription"]["ConsumerStatus"] == "DELETING"
    await cloud.clock.advance(TRANSITION)
    error = await kinesis_error(cloud, "DescribeStreamConsumer", {"ConsumerARN": arn})
    assert (error.code, error.message) == (
        "ResourceNotFoundException",
        f"Consumer {arn} under account {ACCOUNT} not found.",
    )


async def test_twenty_consumers_a_stream_and_paged_listing(cloud: Cloud) -> None:
    stream = await create_stream(cloud, shards=1)
    for i in range(20):
        await kinesis(
            cloud, "RegisterStreamConsumer", {"StreamARN": stream.arn, "ConsumerName": f"c{i:02d}"}
        )
    error = await kinesis_error(
        cloud, "RegisterStreamConsumer", {"StreamARN": stream.arn, "ConsumerName": "one-more"}
    )
    assert error.code == "LimitExceededException"
    first = await kinesis(cloud, "ListStreamConsumers", {"StreamARN": stream.arn, "MaxResults": 15})
    rest = await kinesis(
        cloud, "ListStreamConsumers", {"StreamARN": stream.arn, "NextToken": first["NextToken"]}
    )
    names = [c["ConsumerName"] for c in first["Consumers"] + rest["Consumers"]]
    assert names == [f"c{i:02d}" for i in range(20)] and "NextToken" not in rest
    error = await kinesis_error(cloud, "DeleteStream", {"StreamName": "s"})
    assert error.code == "ResourceInUseException"
    await kinesis(cloud, "DeleteStream", {"StreamName": "s", "EnforceConsumerDeletion": True})


async def test_records_are_pushed_as_they_arrive(cloud: Cloud) -> None:
    arn = await registered(cloud)
    await put(cloud, "k", b"before")
    collector = await subscribe(cloud, arn, Type="TRIM_HORIZON")
    assert collector.datas() == [b"before"]
    await cloud.clock.advance(1.5)
    written = await put(cloud, "k", b"now")
    await cloud.clock.advance(0)
    assert collector.datas() == [b"before", b"now"]
    assert collector.times[-1] == cloud.clock.now()
    last = collector.events[-1]
    assert last["ContinuationSequenceNumber"] == written["SequenceNumber"]
    assert last["MillisBehindLatest"] == 0


async def test_an_idle_session_sends_empty_events_and_ends_after_five_minutes(cloud: Cloud) -> None:
    arn = await registered(cloud)
    started = cloud.clock.now()
    collector = await subscribe(cloud, arn)
    await cloud.clock.advance(HEARTBEAT * 3)
    assert collector.times == [started + i * HEARTBEAT for i in range(4)]
    assert all(e["Records"] == [] for e in collector.events)
    await cloud.clock.advance_to(started + SESSION)
    assert collector.ended


async def test_resubscribing_within_five_seconds_is_refused(cloud: Cloud) -> None:
    arn = await registered(cloud)
    first = await subscribe(cloud, arn)
    await cloud.clock.advance(4.9)
    error = await kinesis_error(
        cloud,
        "SubscribeToShard",
        {"ConsumerARN": arn, "ShardId": SHARD, "StartingPosition": {"Type": "LATEST"}},
    )
    assert error.code == "ResourceInUseException"
    await cloud.clock.advance(0.1)
    second = await subscribe(cloud, arn)
    await cloud.clock.advance(0)
    assert first.ended and not second.ended


async def test_a_subscription_ends_with_the_child_shards(cloud: Cloud) -> None:
    arn = await registered(cloud)
    checkpoint = (await put(cloud, "k", b"one"))["SequenceNumber"]
    await put(cloud, "k", b"two")
    collector = await subscribe(cloud, arn, Type="AFTER_SEQUENCE_NUMBER", SequenceNumber=checkpoint)
    await kinesis(
        cloud,
        "SplitShard",
        {"StreamName": "s", "ShardToSplit": SHARD, "NewStartingHashKey": str(2**127)},
    )
    await settle_reshard(cloud)
    await cloud.clock.advance(0)
    assert collector.datas() == [b"two"]
    assert [c["ShardId"] for c in collector.events[-1]["ChildShards"]] == [shard_id(1), shard_id(2)]
    assert collector.ended


async def test_a_consumer_has_its_own_read_throughput(cloud: Cloud) -> None:
    arn = await registered(cloud)
    collector = await subscribe(cloud, arn, Type="TRIM_HORIZON")
    iterator = (
        await kinesis(
            cloud,
            "GetShardIterator",
            {"StreamName": "s", "ShardId": SHARD, "ShardIteratorType": "TRIM_HORIZON"},
        )
    )["ShardIterator"]
    for _ in range(5):
        await kinesis(cloud, "GetRecords", {"ShardIterator": iterator})
    assert (await kinesis_error(cloud, "GetRecords", {"ShardIterator": iterator})).code == (
        "ProvisionedThroughputExceededException"
    )
    await put(cloud, "k", b"pushed anyway")
    await cloud.clock.advance(0)
    assert collector.datas() == [b"pushed anyway"]


async def test_subscribing_needs_an_active_consumer(cloud: Cloud) -> None:
    stream = await create_stream(cloud, shards=1)
    response = await kinesis(
        cloud, "RegisterStreamConsumer", {"StreamARN": stream.arn, "ConsumerName": "slow"}
    )
    error = await kinesis_error(
        cloud,
        "SubscribeToShard",
        {
            "ConsumerARN": response["Consumer"]["ConsumerARN"],
            "ShardId": SHARD,
            "StartingPosition": {"Type": "LATEST"},
        },
    )
    assert error.code == "ResourceInUseException"
