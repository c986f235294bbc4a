"""Firehose over JSON 1.1, as boto3 speaks it: a stream made, fed, described and delivered."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from backend.services.firehose import FirehoseService
from backend.services.firehose.limits import TRANSITION
from backend.services.kinesis import KinesisService
from backend.services.s3 import S3Service
from tests.wire.live import ACCOUNT, Live, start_live

ROLE = f"arn:aws:iam::{ACCOUNT}:role/firehose-delivery"


@pytest.fixture
def served(loop: asyncio.AbstractEventLoop, boto_session: Any) -> Iterator[Live]:
    """An endpoint whose cloud runs Firehose with the S3 it delivers to."""
    live = start_live(loop, boto_session, services=[FirehoseService, S3Service, KinesisService])
    yield live
    live.run(live.endpoint.close())


def test_a_stream_takes_a_batch_and_delivers_it_to_s3(served: Live) -> None:
    firehose = served.client("firehose")
    s3 = served.client("s3")
    s3.create_bucket(Bucket="landing")
    created = firehose.create_delivery_stream(
        DeliveryStreamName="events",
        DeliveryStreamType="DirectPut",
        ExtendedS3DestinationConfiguration={
            "RoleARN": ROLE,
            "BucketARN": "arn:aws:s3:::landing",
            "Prefix": "events/",
            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60},
            "CompressionFormat": "GZIP",
        },
        Tags=[{"Key": "team", "Value": "data"}],
    )
    assert created["DeliveryStreamARN"] == (
        f"arn:aws:firehose:us-east-1:{ACCOUNT}:deliverystream/events"
    )
    served.advance(TRANSITION)
    batch = firehose.put_record_batch(
        DeliveryStreamName="events",
        Records=[{"Data": b'{"n":1}\n'}, {"Data": '{"n":2}\n'}],
    )
    assert batch["FailedPutCount"] == 0 and batch["Encrypted"] is False
    assert [len(r["RecordId"]) for r in batch["RequestResponses"]] == [168, 168]
    described = firehose.describe_delivery_stream(DeliveryStreamName="events")
    description = described["DeliveryStreamDescription"]
    assert description["DeliveryStreamStatus"] == "ACTIVE"
    assert description["VersionId"] == "1"
    assert description["CreateTimestamp"].timestamp() == served.cloud.clock.now() - TRANSITION
    extended = description["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert extended["BufferingHints"] == {"SizeInMBs": 1, "IntervalInSeconds": 60}
    served.advance(60)
    listed = s3.list_objects_v2(Bucket="landing", Prefix="events/")
    (item,) = listed["Contents"]
    assert item["Key"].startswith("events/2026/11/29/09/events-1-2026-11-29-09-00-05-")
    assert item["Key"].endswith(".gz")
    body = s3.get_object(Bucket="landing", Key=item["Key"])["Body"].read()
    assert gzip.decompress(body) == b'{"n":1}\n{"n":2}\n'
    assert firehose.list_delivery_streams()["DeliveryStreamNames"] == ["events"]


def test_errors_come_back_with_their_aws_codes(served: Live) -> None:
    firehose = served.client("firehose")
    with pytest.raises(ClientError) as info:
        firehose.describe_delivery_stream(DeliveryStreamName="missing")
    error = info.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "ResourceNotFoundException",
        f"Firehose missing under account {ACCOUNT} not found.",
    )
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert isinstance(info.value, firehose.exceptions.ResourceNotFoundException)
    unchecked = served.client("firehose", validate=False)
    with pytest.raises(ClientError) as info:
        unchecked.put_record_batch(DeliveryStreamName="missing", Records=[])
    assert info.value.response["Error"]["Code"] == "ValidationException"
    assert "at 'records' failed to satisfy constraint" in info.value.response["Error"]["Message"]
