"""Event notifications into a real SQS queue, and how CloudTrail classifies S3's calls."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from backend.cloud import Cloud
from backend.identity import CONSOLE
from backend.trail import HIDDEN
from tests.backend.test_s3_helpers import new_cloud, put, s3, s3_error, service

ARN = "arn:aws:sqs:us-east-1:123456789012:events"


@pytest.fixture
async def cloud(tmp_path: Path) -> Cloud:
    made = new_cloud(tmp_path)
    await s3(made, "CreateBucket", Bucket="bkt")
    await made.call("sqs", "CreateQueue", {"QueueName": "events"})
    return made


async def messages(cloud: Cloud) -> list[dict[str, Any]]:
    """Every message on the queue (after letting pending deliveries run), parsed."""
    await cloud.clock.settle()
    url = (await cloud.call("sqs", "GetQueueUrl", {"QueueName": "events"}))["QueueUrl"]
    found: list[dict[str, Any]] = []
    while True:
        got = await cloud.call(
            "sqs", "ReceiveMessage", {"QueueUrl": url, "MaxNumberOfMessages": 10}
        )
        if not got.get("Messages"):
            return found
        for message in got["Messages"]:
            found.append(json.loads(message["Body"]))
            await cloud.call(
                "sqs", "DeleteMessage", {"QueueUrl": url, "ReceiptHandle": message["ReceiptHandle"]}
            )


def queue_config(**extra: Any) -> dict[str, Any]:
    return {"QueueConfigurations": [{"QueueArn": ARN, "Events": ["s3:ObjectCreated:*"], **extra}]}


async def test_saving_sends_a_test_event_then_records_follow(cloud: Cloud) -> None:
    await s3(
        cloud,
        "PutBucketNotificationConfiguration",
        Bucket="bkt",
        NotificationConfiguration=queue_config(Id="new-objects"),
    )
    [test] = await messages(cloud)
    assert test == {
        "Service": "Amazon S3",
        "Event": "s3:TestEvent",
        "Time": "2026-11-29T09:00:00.000Z",
        "Bucket": "bkt",
        "RequestId": test["RequestId"],
        "HostId": test["HostId"],
    }
    await cloud.clock.advance(1.5)
    etag = await put(cloud, "bkt", "red flower.jpg", b"petal")
    [message] = await messages(cloud)
    [record] = message["Records"]
    assert record == {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "us-east-1",
        "eventTime": "2026-11-29T09:00:01.500Z",
        "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "AWS:" + CONSOLE.principal_id},
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": record["responseElements"],
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "new-objects",
            "bucket": {
                "name": "bkt",
                "ownerIdentity": {
                    "principalId": record["s3"]["bucket"]["ownerIdentity"]["principalId"]
                },
                "arn": "arn:aws:s3:::bkt",
            },
            "object": {
                "key": "red+flower.jpg",
                "size": 5,
                "eTag": etag.strip('"'),
                "sequencer": record["s3"]["object"]["sequencer"],
            },
        },
    }
    assert set(record["responseElements"]) == {"x-amz-request-id", "x-amz-id-2"}


async def test_event_names_and_a_growing_sequencer(cloud: Cloud) -> None:
    config = {
        "QueueConfigurations": [
            {"QueueArn": ARN, "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]}
        ]
    }
    await s3(
        cloud, "PutBucketNotificationConfiguration", Bucket="bkt", NotificationConfiguration=config
    )
    await messages(cloud)
    await put(cloud, "bkt", "k", b"1")
    await s3(cloud, "CopyObject", Bucket="bkt", Key="k2", CopySource="bkt/k")
    upload = await s3(cloud, "CreateMultipartUpload", Bucket="bkt", Key="k3")
    part = await s3(
        cloud,
        "UploadPart",
        Bucket="bkt",
        Key="k3",
        UploadId=upload["UploadId"],
        PartNumber=1,
        Body=b"x",
    )
    await s3(
        cloud,
        "CompleteMultipartUpload",
        Bucket="bkt",
        Key="k3",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    await s3(cloud, "DeleteObject", Bucket="bkt", Key="k")
    records = [m["Records"][0] for m in await messages(cloud)]
    assert [r["eventName"] for r in records] == [
        "ObjectCreated:Put",
        "ObjectCreated:Copy",
        "ObjectCreated:CompleteMultipartUpload",
        "ObjectRemoved:Delete",
    ]
    assert records[-1]["s3"]["object"].keys() == {"key", "sequencer"}
    sequencers = [r["s3"]["object"]["sequencer"] for r in records]
    assert sequencers == sorted(sequencers) and len(set(sequencers)) == 4


async def test_filters_match_the_form_encoded_key(cloud: Cloud) -> None:
    rules = [{"Name": "prefix", "Value": "in/my+"}, {"Name": "suffix", "Value": ".json"}]
    await s3(
        cloud,
        "PutBucketNotificationConfiguration",
        Bucket="bkt",
        NotificationConfiguration=queue_config(Filter={"Key": {"FilterRules": rules}}),
    )
    await messages(cloud)
    for key in ("in/my file.json", "in/my file.txt", "out/my file.json", "in/myfile.json"):
        await put(cloud, "bkt", key, b"{}")
    assert [m["Records"][0]["s3"]["object"]["key"] for m in await messages(cloud)] == [
        "in/my+file.json"
    ]
    saved = await s3(cloud, "GetBucketNotificationConfiguration", Bucket="bkt")
    assert saved["QueueConfigurations"][0]["Filter"] == {
        "Key": {
            "FilterRules": [
                {"Name": "Prefix", "Value": "in/my+"},
                {"Name": "Suffix", "Value": ".json"},
            ]
        }
    }
    assert saved["QueueConfigurations"][0]["Id"]


async def test_a_queue_that_is_not_there_fails_the_save(cloud: Cloud) -> None:
    missing = "arn:aws:sqs:us-east-1:123456789012:missing"
    config = {"QueueConfigurations": [{"QueueArn": missing, "Events": ["s3:ObjectCreated:Put"]}]}
    error = await s3_error(
        cloud, "PutBucketNotificationConfiguration", Bucket="bkt", NotificationConfiguration=config
    )
    assert (error.code, error.message) == (
        "InvalidArgument",
        "Unable to validate the following destination configurations",
    )
    assert error.extra == {
        "ArgumentName1": missing,
        "ArgumentValue1": "The destination queue does not exist",
    }
    assert await s3(cloud, "GetBucketNotificationConfiguration", Bucket="bkt") == {}
    await s3(
        cloud,
        "PutBucketNotificationConfiguration",
        Bucket="bkt",
        NotificationConfiguration=config,
        SkipDestinationValidation=True,
    )
    assert (await s3(cloud, "GetBucketNotificationConfiguration", Bucket="bkt"))[
        "QueueConfigurations"
    ][0]["QueueArn"] == missing
    await put(cloud, "bkt", "k", b"")
    await cloud.clock.settle()
    assert service(cloud).notifier.failed == 1


async def test_configuration_mistakes(cloud: Cloud) -> None:
    def put_config(config: dict[str, Any]) -> Any:
        return s3_error(
            cloud,
            "PutBucketNotificationConfiguration",
            Bucket="bkt",
            NotificationConfiguration=config,
        )

    error = await put_config({"QueueConfigurations": [{"QueueArn": ARN, "Events": ["s3:Nope"]}]})
    assert error.message == "The event is not supported for notifications"
    error = await put_config(
        {"QueueConfigurations": [{"QueueArn": "not-an-arn", "Events": ["s3:ObjectCreated:*"]}]}
    )
    assert error.message == "The ARN is not well formed"
    twice = [{"Name": "prefix", "Value": "a"}, {"Name": "Prefix", "Value": "b"}]
    error = await put_config(queue_config(Filter={"Key": {"FilterRules": twice}}))
    assert error.message == "Cannot specify more than one prefix rule in a filter."
    overlapping = {
        "QueueConfigurations": [
            {"QueueArn": ARN, "Events": ["s3:ObjectCreated:*"]},
            {
                "QueueArn": ARN,
                "Events": ["s3:ObjectCreated:Put"],
                "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "x/"}]}},
            },
        ]
    }
    error = await put_config(overlapping)
    assert error.message.startswith("Configuration is ambiguously defined.")


async def test_an_empty_configuration_turns_notifications_off(cloud: Cloud) -> None:
    await s3(
        cloud,
        "PutBucketNotificationConfiguration",
        Bucket="bkt",
        NotificationConfiguration=queue_config(),
    )
    await s3(
        cloud, "PutBucketNotificationConfiguration", Bucket="bkt", NotificationConfiguration={}
    )
    await messages(cloud)
    await put(cloud, "bkt", "k", b"")
    assert await messages(cloud) == []


async def test_dropped_files_notify_too(cloud: Cloud, tmp_path: Path) -> None:
    await s3(
        cloud,
        "PutBucketNotificationConfiguration",
        Bucket="bkt",
        NotificationConfiguration=queue_config(),
    )
    await messages(cloud)
    (tmp_path / "s3/bkt/dropped in.txt").write_bytes(b"hi")
    await service(cloud).rescan()
    [message] = await messages(cloud)
    assert message["Records"][0]["s3"]["object"]["key"] == "dropped+in.txt"


# -- CloudTrail ---------------------------------------------------------------------


async def test_bucket_calls_are_management_events_and_object_calls_data_events(
    cloud: Cloud,
) -> None:
    await s3(
        cloud,
        "PutBucketNotificationConfiguration",
        Bucket="bkt",
        NotificationConfiguration=queue_config(),
    )
    await put(cloud, "bkt", "docs/a.txt", b"secret body")
    await s3(cloud, "GetObject", Bucket="bkt", Key="docs/a.txt")
    await s3(cloud, "ListObjectsV2", Bucket="bkt")
    await s3(cloud, "ListBuckets")
    await cloud.clock.settle()
    management = [(e.event_source, e.action) for e in cloud.trail.management]
    data = [(e.event_source, e.action) for e in cloud.trail.data]
    assert [a for s, a in management if s == "s3.amazonaws.com"] == [
        "CreateBucket",
        "PutBucketNotificationConfiguration",
        "ListBuckets",
    ]
    assert [a for s, a in data if s == "s3.amazonaws.com"] == [
        "PutObject",
        "GetObject",
        "ListObjectsV2",
    ]
    put_record = next(e for e in cloud.trail.data if e.action == "PutObject").record()
    assert put_record["requestParameters"]["body"] == HIDDEN
    assert put_record["resources"] == [
        {"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::bkt/docs/a.txt"},
        {"accountId": cloud.account, "type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::bkt"},
    ]
    assert (put_record["eventCategory"], put_record["managementEvent"]) == ("Data", False)
    sends = [e.record() for e in cloud.trail.data if e.action == "SendMessage"]
    assert sends and all(
        r["userIdentity"] == {"type": "AWSService", "invokedBy": "s3.amazonaws.com"} for r in sends
    )
