"""CloudTrail trails: created, logging, selectors, and delivery in five-minute batches."""

from __future__ import annotations

import gzip
import json
import re
from typing import Any

import pytest

from backend.cloud import Cloud
from backend.errors import AwsError
from backend.services import new_cloud

ACCOUNT = "123456789012"
ARN = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/main"
KEY = re.compile(
    rf"AWSLogs/{ACCOUNT}/CloudTrail/us-east-1/2026/11/29/"
    rf"{ACCOUNT}_CloudTrail_us-east-1_20261129T(\d{{4}})Z_[A-Za-z0-9]{{16}}\.json\.gz"
)


async def trail(cloud: Cloud, action: str, **params: Any) -> dict[str, Any]:
    return await cloud.call("cloudtrail", action, params)


async def trail_error(cloud: Cloud, action: str, **params: Any) -> AwsError:
    with pytest.raises(AwsError) as info:
        await cloud.call("cloudtrail", action, params)
    return info.value


async def logging_trail(cloud: Cloud, **params: Any) -> None:
    await cloud.call("s3", "CreateBucket", {"Bucket": "audit"})
    await trail(cloud, "CreateTrail", Name="main", S3BucketName="audit", **params)
    await trail(cloud, "StartLogging", Name="main")


async def files(cloud: Cloud) -> dict[str, list[dict[str, Any]]]:
    """Every delivered file's key and its records."""
    listed = await cloud.call("s3", "ListObjectsV2", {"Bucket": "audit"})
    out = {}
    for item in listed.get("Contents", []):
        got = await cloud.call("s3", "GetObject", {"Bucket": "audit", "Key": item["Key"]})
        body = got["Body"]
        data = body.read() if hasattr(body, "read") else body
        out[item["Key"]] = json.loads(gzip.decompress(data))["Records"]
    return out


async def test_a_logging_trail_delivers_in_a_batch_five_minutes_on(cloud: Cloud) -> None:
    await logging_trail(cloud)
    await cloud.call("sqs", "CreateQueue", {"QueueName": "orders"})
    await cloud.clock.advance(299)
    assert await files(cloud) == {}, "not real time: nothing before the batch is due"
    status = await trail(cloud, "GetTrailStatus", Name="main")
    assert status["IsLogging"] and "LatestDeliveryTime" not in status

    await cloud.clock.advance(1)
    [(key, records)] = (await files(cloud)).items()
    found = KEY.fullmatch(key)
    assert found is not None and found[1] == "0905", key
    assert [r["eventName"] for r in records][:2] == ["StartLogging", "CreateQueue"]
    assert all(r["eventCategory"] == "Management" for r in records)
    status = await trail(cloud, "GetTrailStatus", Name="main")
    assert status["LatestDeliveryTime"] == cloud.clock.now() - 0


async def test_a_prefix_goes_before_awslogs_and_the_writes_are_cloudtrails(cloud: Cloud) -> None:
    await logging_trail(cloud, S3KeyPrefix="trails")
    await cloud.clock.advance(300)
    [key] = (await files(cloud)).keys()
    assert key.startswith("trails/AWSLogs/")
    put = [e for e in cloud.trail.data if e.action == "PutObject"][-1].record()
    assert put["userIdentity"] == {"type": "AWSService", "invokedBy": "cloudtrail.amazonaws.com"}


async def test_stop_logging_stops_the_batches(cloud: Cloud) -> None:
    await logging_trail(cloud)
    await cloud.clock.advance(300)
    await trail(cloud, "StopLogging", Name="main")
    await cloud.call("sqs", "CreateQueue", {"QueueName": "later"})
    await cloud.clock.advance(900)
    assert len(await files(cloud)) == 1
    status = await trail(cloud, "GetTrailStatus", Name="main")
    assert not status["IsLogging"] and "StopLoggingTime" in status


async def test_data_events_come_only_with_selectors_that_ask_for_them(cloud: Cloud) -> None:
    await logging_trail(cloud)
    url = (await cloud.call("sqs", "CreateQueue", {"QueueName": "q"}))["QueueUrl"]
    await cloud.call("sqs", "SendMessage", {"QueueUrl": url, "MessageBody": "a"})
    await cloud.clock.advance(300)
    [first] = (await files(cloud)).values()
    assert "SendMessage" not in [r["eventName"] for r in first]

    await trail(
        cloud,
        "PutEventSelectors",
        TrailName="main",
        AdvancedEventSelectors=[
            {
                "Name": "sqs",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Data"]},
                    {"Field": "resources.type", "Equals": ["AWS::SQS::Queue"]},
                ],
            }
        ],
    )
    await cloud.call("sqs", "SendMessage", {"QueueUrl": url, "MessageBody": "b"})
    await cloud.call("sqs", "ListQueues", {})
    await cloud.clock.advance(300)
    batches = list((await files(cloud)).values())
    second = next(b for b in batches if b is not first and b != first)
    assert [r["eventName"] for r in second] == ["SendMessage"], "data events only, now"
    assert second[0]["eventCategory"] == "Data"


async def test_without_a_data_history_data_events_are_kept_while_a_trail_takes_them() -> None:
    cloud = new_cloud(seed="tests", keep_data_history=False)
    await logging_trail(cloud)
    url = (await cloud.call("sqs", "CreateQueue", {"QueueName": "q"}))["QueueUrl"]
    await cloud.call("sqs", "SendMessage", {"QueueUrl": url, "MessageBody": "a"})
    assert not cloud.trail.data, "no trail takes data events: not kept"
    await trail(
        cloud,
        "PutEventSelectors",
        TrailName="main",
        EventSelectors=[{"DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]}],
    )
    await cloud.call("s3", "CreateBucket", {"Bucket": "photos"})
    await cloud.call("s3", "PutObject", {"Bucket": "photos", "Key": "k", "Body": b"x"})
    await cloud.clock.advance(300)
    [records] = (await files(cloud)).values()
    assert "PutObject" in [r["eventName"] for r in records]
    assert "SendMessage" not in [r["eventName"] for r in records]

    await trail(cloud, "StopLogging", Name="main")
    kept = len(cloud.trail.data)
    await cloud.call("sqs", "SendMessage", {"QueueUrl": url, "MessageBody": "b"})
    assert len(cloud.trail.data) == kept, "the trail stopped: data events are not kept again"


async def test_basic_selectors_pick_s3_objects_by_bucket_prefix(cloud: Cloud) -> None:
    await logging_trail(cloud)
    await cloud.call("s3", "CreateBucket", {"Bucket": "photos"})
    await trail(
        cloud,
        "PutEventSelectors",
        TrailName="main",
        EventSelectors=[
            {
                "ReadWriteType": "WriteOnly",
                "IncludeManagementEvents": False,
                "DataResources": [
                    {"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::photos/2026/"]}
                ],
            }
        ],
    )
    for key in ("2026/a.jpg", "2025/b.jpg"):
        await cloud.call("s3", "PutObject", {"Bucket": "photos", "Key": key, "Body": b"x"})
    await cloud.call("s3", "GetObject", {"Bucket": "photos", "Key": "2026/a.jpg"})
    await cloud.clock.advance(300)
    [records] = (await files(cloud)).values()
    assert [(r["eventName"], r["requestParameters"]["key"]) for r in records] == [
        ("PutObject", "2026/a.jpg")
    ]
    got = await trail(cloud, "GetEventSelectors", TrailName="main")
    assert got["EventSelectors"][0]["ReadWriteType"] == "WriteOnly"


async def test_a_log_group_gets_the_same_records_as_log_events(cloud: Cloud) -> None:
    await cloud.call("logs", "CreateLogGroup", {"logGroupName": "trail"})
    await logging_trail(
        cloud,
        CloudWatchLogsLogGroupArn=f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:trail:*",
        CloudWatchLogsRoleArn=f"arn:aws:iam::{ACCOUNT}:role/ct",
    )
    await cloud.clock.advance(300)
    events = await cloud.call(
        "logs",
        "GetLogEvents",
        {"logGroupName": "trail", "logStreamName": f"{ACCOUNT}_CloudTrail_us-east-1"},
    )
    [records] = (await files(cloud)).values()
    assert [json.loads(e["message"])["eventID"] for e in events["events"]] == [
        r["eventID"] for r in records
    ]
    status = await trail(cloud, "GetTrailStatus", Name="main")
    assert "LatestCloudWatchLogsDeliveryTime" in status


async def test_a_missing_bucket_is_the_delivery_error_and_the_records_wait(cloud: Cloud) -> None:
    await logging_trail(cloud)
    await cloud.call("sqs", "CreateQueue", {"QueueName": "waiting"})
    await cloud.call("s3", "DeleteBucket", {"Bucket": "audit"})
    await cloud.clock.advance(300)
    status = await trail(cloud, "GetTrailStatus", Name="main")
    assert status["LatestDeliveryError"] == "NoSuchBucket"
    await cloud.call("s3", "CreateBucket", {"Bucket": "audit"})
    await cloud.clock.advance(300)
    [records] = (await files(cloud)).values()
    assert "CreateQueue" in [r["eventName"] for r in records]
    assert "LatestDeliveryError" not in await trail(cloud, "GetTrailStatus", Name="main")


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"Name": "ab", "S3BucketName": "audit"}, "InvalidTrailNameException"),
        ({"Name": "a..b", "S3BucketName": "audit"}, "InvalidTrailNameException"),
        ({"Name": "10.0.0.1", "S3BucketName": "audit"}, "InvalidTrailNameException"),
        ({"Name": "main", "S3BucketName": "nope"}, "S3BucketDoesNotExistException"),
        (
            {"Name": "main", "S3BucketName": "audit", "CloudWatchLogsLogGroupArn": "arn:x"},
            "InvalidParameterCombinationException",
        ),
    ],
)
async def test_create_trail_refuses_as_aws_does(
    cloud: Cloud, params: dict[str, Any], code: str
) -> None:
    await cloud.call("s3", "CreateBucket", {"Bucket": "audit"})
    assert (await trail_error(cloud, "CreateTrail", **params)).code == code


async def test_five_trails_a_region_names_once_and_not_found(cloud: Cloud) -> None:
    await cloud.call("s3", "CreateBucket", {"Bucket": "audit"})
    for n in range(5):
        await trail(cloud, "CreateTrail", Name=f"t{n}x", S3BucketName="audit")
    again = await trail_error(cloud, "CreateTrail", Name="t0x", S3BucketName="audit")
    assert again.code == "TrailAlreadyExistsException"
    full = await trail_error(cloud, "CreateTrail", Name="t5x", S3BucketName="audit")
    assert full.code == "MaximumNumberOfTrailsExceededException"
    listed = await trail(cloud, "ListTrails")
    assert [t["Name"] for t in listed["Trails"]] == [f"t{n}x" for n in range(5)]
    described = await trail(cloud, "DescribeTrails", trailNameList=["t1x"])
    assert described["trailList"][0]["HasCustomEventSelectors"] is False
    await trail(cloud, "DeleteTrail", Name="t1x")
    gone = await trail_error(cloud, "GetTrail", Name="t1x")
    assert gone.code == "TrailNotFoundException"
