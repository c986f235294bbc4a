"""SubscribeToShard over the endpoint, read by real boto3 as AWS's event stream.

boto3 is the unchanged SDK: `subscribe_to_shard` returns once the stream's
`initial-response` arrives, and iterating `EventStream` blocks on the socket
until the next event. Nothing moves the virtual clock but `live.advance`, so
heartbeats, the five-minute end and the 5 s resubscription window happen
exactly when a test says; a record put over the endpoint is pushed at once,
with no time passing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError, EventStreamError

from backend.cloud import Cloud
from backend.services.kinesis import KinesisService
from backend.services.kinesis.base import TRANSITION
from backend.services.kinesis.consumers import HEARTBEAT, RESUBSCRIBE_WINDOW, SESSION
from tests.wire.live import ACCOUNT, Live, start_live

SHARD = "shardId-000000000000"


@pytest.fixture
def live(loop: asyncio.AbstractEventLoop, boto_session: Any) -> Iterator[Live]:
    served = start_live(loop, boto_session, services=[KinesisService])
    yield served
    served.run(served.endpoint.close())


def registered(live: Live) -> tuple[Any, str]:
    """A boto3 client, and the ARN of an ACTIVE consumer of the one-shard stream "s"."""
    kinesis = live.client("kinesis")
    kinesis.create_stream(StreamName="s", ShardCount=1)
    live.advance(TRANSITION)
    arn = kinesis.describe_stream_summary(StreamName="s")["StreamDescriptionSummary"]["StreamARN"]
    consumer = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="reader")["Consumer"]
    live.advance(TRANSITION)
    return kinesis, consumer["ConsumerARN"]


def subscribe(kinesis: Any, arn: str, **position: Any) -> dict[str, Any]:
    response: dict[str, Any] = kinesis.subscribe_to_shard(
        ConsumerARN=arn, ShardId=SHARD, StartingPosition=position or {"Type": "LATEST"}
    )
    return response


def open_sessions(cloud: Cloud) -> int:
    """Live SubscribeToShard sessions of every consumer of stream "s" (on the cloud's loop)."""
    service = cloud.service(KinesisService)
    stream = service.streams[(cloud.region, "s")]
    return sum(len(c.subscriptions) for c in service.consumers_of(stream))


def sessions(live: Live) -> int:
    return live.call(lambda: open_sessions(live.cloud))


def test_records_put_before_and_after_subscribing_arrive_in_order(live: Live) -> None:
    kinesis, arn = registered(live)
    first = kinesis.put_record(StreamName="s", Data=b"\x00one", PartitionKey="k")
    second = kinesis.put_record(StreamName="s", Data=b"two", PartitionKey="k")
    response = subscribe(kinesis, arn, Type="TRIM_HORIZON")
    headers = response["ResponseMetadata"]["HTTPHeaders"]
    assert headers["content-type"] == "application/vnd.amazon.eventstream"
    assert headers["transfer-encoding"] == "chunked"
    assert response["ResponseMetadata"]["RequestId"] == headers["x-amzn-requestid"]
    events = iter(response["EventStream"])

    backlog = next(events)["SubscribeToShardEvent"]
    assert [r["Data"] for r in backlog["Records"]] == [b"\x00one", b"two"]
    assert [r["SequenceNumber"] for r in backlog["Records"]] == [
        first["SequenceNumber"],
        second["SequenceNumber"],
    ]
    assert backlog["Records"][0]["PartitionKey"] == "k"
    arrived = backlog["Records"][0]["ApproximateArrivalTimestamp"]
    assert isinstance(arrived, dt.datetime)
    assert arrived.timestamp() == pytest.approx(live.cloud.clock.now(), abs=0.001)
    assert backlog["ContinuationSequenceNumber"] == second["SequenceNumber"]
    assert backlog["MillisBehindLatest"] == 0

    third = kinesis.put_record(StreamName="s", Data=b"three", PartitionKey="k")
    pushed = next(events)["SubscribeToShardEvent"]
    assert [r["Data"] for r in pushed["Records"]] == [b"three"]
    assert pushed["ContinuationSequenceNumber"] == third["SequenceNumber"]

    live.advance(HEARTBEAT)
    idle = next(events)["SubscribeToShardEvent"]
    assert idle["Records"] == []
    assert idle["MillisBehindLatest"] == 0
    assert "ChildShards" not in idle


def test_a_session_ends_after_five_minutes_of_virtual_time(live: Live) -> None:
    kinesis, arn = registered(live)
    events = iter(subscribe(kinesis, arn)["EventStream"])
    assert next(events)["SubscribeToShardEvent"]["Records"] == []
    live.advance(SESSION - 1)
    assert sessions(live) == 1
    live.advance(1)
    rest = list(events)  # ends cleanly: AWS ends a session without an error
    assert len(rest) == SESSION / HEARTBEAT - 1
    assert all(e["SubscribeToShardEvent"]["Records"] == [] for e in rest)
    assert sessions(live) == 0
    again = iter(subscribe(kinesis, arn)["EventStream"])
    assert next(again)["SubscribeToShardEvent"]["Records"] == []


def test_a_second_subscription_within_five_seconds_is_refused(live: Live) -> None:
    kinesis, arn = registered(live)
    events = iter(subscribe(kinesis, arn)["EventStream"])
    next(events)
    live.advance(RESUBSCRIBE_WINDOW - 1)
    with pytest.raises(kinesis.exceptions.ResourceInUseException) as info:
        subscribe(kinesis, arn)
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "Another active subscription exists" in info.value.response["Error"]["Message"]

    live.advance(1)
    taken = iter(subscribe(kinesis, arn)["EventStream"])
    assert next(taken)["SubscribeToShardEvent"]["Records"] == []
    with pytest.raises(EventStreamError) as ended:
        list(events)
    assert ended.value.response["Error"]["Code"] == "ResourceInUseException"
    assert sessions(live) == 1


def test_deleting_the_stream_ends_the_session_with_resource_not_found(live: Live) -> None:
    kinesis, arn = registered(live)
    events = iter(subscribe(kinesis, arn)["EventStream"])
    next(events)
    kinesis.delete_stream(StreamName="s", EnforceConsumerDeletion=True)
    with pytest.raises(EventStreamError) as ended:
        list(events)
    error = ended.value.response["Error"]
    assert error == {
        "Code": "ResourceNotFoundException",
        "Message": f"Stream s under account {ACCOUNT} not found.",
    }


def test_deregistering_the_consumer_ends_the_session_with_resource_not_found(live: Live) -> None:
    kinesis, arn = registered(live)
    events = iter(subscribe(kinesis, arn)["EventStream"])
    next(events)
    kinesis.deregister_stream_consumer(ConsumerARN=arn)
    with pytest.raises(EventStreamError) as ended:
        list(events)
    assert ended.value.response["Error"] == {
        "Code": "ResourceNotFoundException",
        "Message": f"Consumer {arn} under account {ACCOUNT} not found.",
    }


def test_a_session_ends_at_the_end_of_a_split_shard_with_its_children(live: Live) -> None:
    kinesis, arn = registered(live)
    events = iter(subscribe(kinesis, arn, Type="TRIM_HORIZON")["EventStream"])
    next(events)
    kinesis.put_record(StreamName="s", Data=b"last", PartitionKey="k")
    assert [r["Data"] for r in next(events)["SubscribeToShardEvent"]["Records"]] == [b"last"]
    kinesis.split_shard(StreamName="s", ShardToSplit=SHARD, NewStartingHashKey=str(2**127))
    live.advance(TRANSITION)
    *heartbeats, end = list(events)
    assert all("ChildShards" not in e["SubscribeToShardEvent"] for e in heartbeats)
    children = end["SubscribeToShardEvent"]["ChildShards"]
    assert [c["ShardId"] for c in children] == ["shardId-000000000001", "shardId-000000000002"]
    assert children[0]["ParentShards"] == [SHARD]


def test_bad_input_gets_aws_errors_before_any_stream(live: Live) -> None:
    kinesis, arn = registered(live)
    with pytest.raises(kinesis.exceptions.ResourceNotFoundException):
        subscribe(kinesis, arn.replace("consumer/reader", "consumer/nobody"))
    with pytest.raises(kinesis.exceptions.ResourceNotFoundException):
        kinesis.subscribe_to_shard(
            ConsumerARN=arn, ShardId="shardId-000000000009", StartingPosition={"Type": "LATEST"}
        )
    with pytest.raises(kinesis.exceptions.InvalidArgumentException) as info:
        subscribe(kinesis, arn, Type="AT_SEQUENCE_NUMBER")
    assert info.value.response["Error"]["Message"].startswith("Must either specify")
    raw = live.client("kinesis", validate=False)
    with pytest.raises(ClientError) as refused:
        raw.subscribe_to_shard(
            ConsumerARN=arn, ShardId=SHARD, StartingPosition={"Type": "SIDEWAYS"}
        )
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert sessions(live) == 0


def test_a_client_that_hangs_up_ends_its_session(live: Live) -> None:
    kinesis, arn = registered(live)
    response = subscribe(kinesis, arn, Type="TRIM_HORIZON")
    next(iter(response["EventStream"]))
    assert sessions(live) == 1
    response["EventStream"].close()
    live.wait_until(lambda: open_sessions(live.cloud) == 0)
    # It was recorded once, as it was made, and the consumer may subscribe again.
    recorded = live.call(lambda: [e.action for e in live.cloud.trail.data])
    assert recorded.count("SubscribeToShard") == 1
    live.advance(RESUBSCRIBE_WINDOW)
    assert next(iter(subscribe(kinesis, arn)["EventStream"]))["SubscribeToShardEvent"]
