"""KinesisStreamAsSource: a delivery stream reading a real Kinesis stream through cloud.call."""

from __future__ import annotations

from backend.cloud import Cloud
from backend.services.firehose.limits import TRANSITION
from backend.services.kinesis import KinesisService
from tests.backend.test_firehose_helpers import (
    ACCOUNT,
    ROLE,
    START,
    cloud,
    firehose,
    objects,
    s3_config,
    stream_of,
)

__all__ = ["cloud"]

SOURCE_ARN = f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/clicks"


async def source_stream(cloud: Cloud, shards: int = 1) -> None:
    await cloud.call("kinesis", "CreateStream", {"StreamName": "clicks", "ShardCount": shards})
    cloud.service(KinesisService).activate_now("clicks", cloud.region)
    await cloud.call("s3", "CreateBucket", {"Bucket": "bkt"})


async def reading_stream(cloud: Cloud, interval: int = 60) -> None:
    await firehose(
        cloud,
        "CreateDeliveryStream",
        {
            "DeliveryStreamName": "s",
            "DeliveryStreamType": "KinesisStreamAsSource",
            "KinesisStreamSourceConfiguration": {"KinesisStreamARN": SOURCE_ARN, "RoleARN": ROLE},
            "ExtendedS3DestinationConfiguration": s3_config(
                BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": interval}
            ),
        },
    )


async def put(cloud: Cloud, data: bytes, key: str = "k") -> None:
    await cloud.call(
        "kinesis", "PutRecord", {"StreamName": "clicks", "PartitionKey": key, "Data": data}
    )


async def test_records_put_to_the_stream_land_in_the_bucket(cloud: Cloud) -> None:
    await source_stream(cloud)
    await put(cloud, b"before\n")
    await reading_stream(cloud)
    await cloud.clock.advance(TRANSITION)
    described = await firehose(cloud, "DescribeDeliveryStream", {"DeliveryStreamName": "s"})
    source = described["DeliveryStreamDescription"]["Source"]
    assert source == {
        "KinesisStreamSourceDescription": {
            "KinesisStreamARN": SOURCE_ARN,
            "RoleARN": ROLE,
            "DeliveryStartTimestamp": START + TRANSITION,
        }
    }
    await put(cloud, b"one\n")
    await put(cloud, b"two\n")
    await cloud.clock.advance(1)
    assert stream_of(cloud, "s").courier.buffer.records == [b"one\n", b"two\n"]
    await cloud.clock.advance(59)
    assert objects(cloud) == {}
    await cloud.clock.advance(1)
    ((key, body),) = objects(cloud).items()
    assert body == b"one\ntwo\n"
    assert key.startswith("2026/11/29/09/s-1-2026-11-29-09-00-06-")
    stream = stream_of(cloud, "s")
    assert (stream.counters.records_in, stream.counters.delivered_records) == (2, 2)


async def test_reads_are_kinesis_calls_made_by_firehose(cloud: Cloud) -> None:
    await source_stream(cloud, shards=2)
    await reading_stream(cloud)
    await cloud.clock.advance(TRANSITION + 3)
    reads = [e for e in cloud.trail.data if e.action == "GetRecords"]
    assert len(reads) == 6
    assert all(
        e.record()["userIdentity"] == {"type": "AWSService", "invokedBy": "firehose.amazonaws.com"}
        for e in reads
    )
    listed = [e for e in cloud.trail.management if e.action == "ListShards"]
    assert len(listed) == 1


async def test_a_split_shard_is_read_to_its_end_before_its_children(cloud: Cloud) -> None:
    await source_stream(cloud)
    await reading_stream(cloud, interval=120)
    await cloud.clock.advance(TRANSITION)
    for n in range(3):
        await put(cloud, f"parent-{n};".encode(), key=f"user-{n}")
    await cloud.call(
        "kinesis",
        "SplitShard",
        {
            "StreamName": "clicks",
            "ShardToSplit": "shardId-000000000000",
            "NewStartingHashKey": str(2**127),
        },
    )
    await cloud.clock.advance(TRANSITION)
    for n in range(3):
        await put(cloud, f"child-{n};".encode(), key=f"user-{n}")
    await cloud.clock.advance(120)
    (body,) = objects(cloud).values()
    parts = body.decode().rstrip(";").split(";")
    assert sorted(parts) == sorted(
        [f"parent-{n}" for n in range(3)] + [f"child-{n}" for n in range(3)]
    )
    assert parts[:3] == ["parent-0", "parent-1", "parent-2"]
    cursors = stream_of(cloud, "s").reader
    assert cursors is not None
    assert sorted(cursors.cursors) == [
        "shardId-000000000000",
        "shardId-000000000001",
        "shardId-000000000002",
    ]
    assert cursors.cursors["shardId-000000000000"].done


async def test_a_deleted_source_is_looked_for_again_and_its_successor_read(cloud: Cloud) -> None:
    await source_stream(cloud)
    await reading_stream(cloud, interval=60)
    await cloud.clock.advance(TRANSITION)
    await cloud.call("kinesis", "DeleteStream", {"StreamName": "clicks"})
    await cloud.clock.advance(TRANSITION + 2)
    reader = stream_of(cloud, "s").reader
    assert reader is not None and reader.cursors == {}
    await cloud.call("kinesis", "CreateStream", {"StreamName": "clicks", "ShardCount": 1})
    cloud.service(KinesisService).activate_now("clicks", cloud.region)
    await put(cloud, b"again")
    await cloud.clock.advance(62)
    assert list(objects(cloud).values()) == [b"again"]


async def test_deleting_the_delivery_stream_stops_reading(cloud: Cloud) -> None:
    await source_stream(cloud)
    await reading_stream(cloud)
    await cloud.clock.advance(TRANSITION + 1)
    await firehose(cloud, "DeleteDeliveryStream", {"DeliveryStreamName": "s"})
    before = sum(1 for e in cloud.trail.data if e.action == "GetRecords")
    await cloud.clock.advance(10)
    assert sum(1 for e in cloud.trail.data if e.action == "GetRecords") == before
