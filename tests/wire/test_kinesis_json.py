"""Kinesis over JSON 1.1 (`Kinesis_20131202.*`) with boto3, through the endpoint."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from backend.services.kinesis import KinesisService
from backend.services.kinesis.base import TRANSITION
from tests.wire.live import ACCOUNT, Live, start_live


@pytest.fixture
def live(loop: asyncio.AbstractEventLoop, boto_session: Any) -> Iterator[Live]:
    served = start_live(loop, boto_session, services=[KinesisService])
    yield served
    served.run(served.endpoint.close())


def test_records_round_trip(live: Live) -> None:
    kinesis = live.client("kinesis")
    kinesis.create_stream(StreamName="clicks", ShardCount=2)
    assert (
        kinesis.describe_stream_summary(StreamName="clicks")["StreamDescriptionSummary"][
            "StreamStatus"
        ]
        == "CREATING"
    )
    live.advance(TRANSITION)
    put = kinesis.put_record(StreamName="clicks", Data=b"\x00hello", PartitionKey="user-1")
    assert put["ShardId"].startswith("shardId-") and len(put["SequenceNumber"]) == 56
    batch = kinesis.put_records(
        StreamName="clicks",
        Records=[{"Data": f"r{i}".encode(), "PartitionKey": "user-1"} for i in range(3)],
    )
    assert batch["FailedRecordCount"] == 0
    assert {r["ShardId"] for r in batch["Records"]} == {put["ShardId"]}
    iterator = kinesis.get_shard_iterator(
        StreamName="clicks", ShardId=put["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    got = kinesis.get_records(ShardIterator=iterator, Limit=10)
    assert [r["Data"] for r in got["Records"]] == [b"\x00hello", b"r0", b"r1", b"r2"]
    first = got["Records"][0]
    assert first["SequenceNumber"] == put["SequenceNumber"]
    assert first["PartitionKey"] == "user-1"
    assert isinstance(first["ApproximateArrivalTimestamp"], dt.datetime)
    assert got["MillisBehindLatest"] == 0
    again = kinesis.get_records(ShardIterator=got["NextShardIterator"])
    assert again["Records"] == []


def test_streams_shards_and_arns(live: Live) -> None:
    kinesis = live.client("kinesis")
    kinesis.create_stream(StreamName="orders", StreamModeDetails={"StreamMode": "ON_DEMAND"})
    live.advance(TRANSITION)
    arn = f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/orders"
    listed = kinesis.list_streams()
    assert listed["StreamNames"] == ["orders"]
    assert listed["StreamSummaries"][0]["StreamARN"] == arn
    shards = kinesis.list_shards(StreamARN=arn)["Shards"]
    assert len(shards) == 4
    assert shards[-1]["HashKeyRange"]["EndingHashKey"] == str(2**128 - 1)
    kinesis.add_tags_to_stream(StreamARN=arn, Tags={"team": "checkout"})
    assert kinesis.list_tags_for_resource(ResourceARN=arn)["Tags"] == [
        {"Key": "team", "Value": "checkout"}
    ]
    limits = kinesis.describe_limits()
    assert limits["OnDemandStreamCount"] == 1


def test_errors_come_back_as_kinesis_errors(live: Live) -> None:
    kinesis = live.client("kinesis")
    with pytest.raises(ClientError) as info:
        kinesis.put_record(StreamName="missing", Data=b"x", PartitionKey="k")
    assert info.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert info.value.response["Error"]["Message"] == (
        f"Stream missing under account {ACCOUNT} not found."
    )
    with pytest.raises(kinesis.exceptions.InvalidArgumentException):
        kinesis.get_records(ShardIterator="AAAAAAAAAAE=")
    raw = live.client("kinesis", validate=False)
    with pytest.raises(ClientError) as info:
        raw.create_stream(StreamName="bad name", ShardCount=0)
    assert info.value.response["Error"]["Code"] == "ValidationException"
    assert info.value.response["Error"]["Message"].startswith("2 validation errors detected: ")
