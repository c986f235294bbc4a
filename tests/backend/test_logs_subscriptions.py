"""Subscription filters: AWS's gzip payloads into Kinesis and Firehose, CONTROL_MESSAGE first."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest

from backend.cloud import Cloud
from tests.backend.logs_helpers import logs, logs_error
from tests.backend.test_firehose_helpers import create_stream, objects

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/cwl-to-kinesis"
KINESIS = f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/logs-out"
FIREHOSE = f"arn:aws:firehose:us-east-1:{ACCOUNT}:deliverystream/bkt-stream"


async def group_with_stream(cloud: Cloud) -> None:
    await logs(cloud, "CreateLogGroup", logGroupName="/app")
    await logs(cloud, "CreateLogStream", logGroupName="/app", logStreamName="web-1")


async def kinesis_stream(cloud: Cloud) -> None:
    await cloud.call("kinesis", "CreateStream", {"StreamName": "logs-out", "ShardCount": 1})
    await cloud.clock.advance(60)


async def subscribe(cloud: Cloud, destination: str, pattern: str = "ERROR", **more: Any) -> None:
    await logs(
        cloud,
        "PutSubscriptionFilter",
        logGroupName="/app",
        filterName="errors",
        filterPattern=pattern,
        destinationArn=destination,
        roleArn=ROLE,
        **more,
    )


async def put_lines(cloud: Cloud, *messages: str) -> None:
    now = int(cloud.clock.now() * 1000)
    events = [{"timestamp": now, "message": m} for m in messages]
    await logs(cloud, "PutLogEvents", logGroupName="/app", logStreamName="web-1", logEvents=events)
    await cloud.clock.advance(1)


async def kinesis_records(cloud: Cloud) -> list[tuple[str, dict[str, Any]]]:
    iterator = await cloud.call(
        "kinesis",
        "GetShardIterator",
        {
            "StreamName": "logs-out",
            "ShardId": "shardId-000000000000",
            "ShardIteratorType": "TRIM_HORIZON",
        },
    )
    found = await cloud.call("kinesis", "GetRecords", {"ShardIterator": iterator["ShardIterator"]})
    return [(r["PartitionKey"], json.loads(gzip.decompress(r["Data"]))) for r in found["Records"]]


async def test_a_kinesis_subscription_gets_a_control_message_then_the_matching_events(
    cloud: Cloud,
) -> None:
    await group_with_stream(cloud)
    await kinesis_stream(cloud)
    await subscribe(cloud, KINESIS)
    await put_lines(cloud, "ERROR disk full", "INFO fine", "ERROR again")

    (_, control), (key, data) = await kinesis_records(cloud)
    assert control["messageType"] == "CONTROL_MESSAGE"
    assert control["owner"] == "CloudwatchLogs"
    assert control["logEvents"][0]["message"] == (
        "CWL CONTROL MESSAGE: Checking health of destination Kinesis stream."
    )
    assert key == "web-1", "ByLogStream: the log stream is the partition key"
    assert {k: data[k] for k in ("messageType", "owner", "logGroup", "logStream")} == {
        "messageType": "DATA_MESSAGE",
        "owner": ACCOUNT,
        "logGroup": "/app",
        "logStream": "web-1",
    }
    assert data["subscriptionFilters"] == ["errors"]
    assert [e["message"] for e in data["logEvents"]] == ["ERROR disk full", "ERROR again"]
    assert all(len(e["id"]) == 56 for e in data["logEvents"])

    puts = [e for e in cloud.trail.data if e.action == "PutRecord"]
    assert puts[-1].record()["userIdentity"] == {
        "type": "AWSService",
        "invokedBy": "logs.amazonaws.com",
    }
    forwarded = cloud.metrics.find(
        "AWS/Logs",
        "ForwardedLogEvents",
        {"LogGroupName": "/app", "DestinationType": "Kinesis", "FilterName": "errors"},
    )
    assert forwarded is not None and forwarded.count == 1


async def test_a_firehose_subscription_lands_gzip_payloads_in_the_bucket(cloud: Cloud) -> None:
    await group_with_stream(cloud)
    await create_stream(cloud, "bkt-stream", interval=60)
    await cloud.clock.advance(10)
    await subscribe(cloud, FIREHOSE, pattern="")
    await put_lines(cloud, "one", "two")
    await cloud.clock.advance(60)
    [body] = objects(cloud).values()
    # Firehose concatenates records: the control message's gzip member, then the data's.
    text = gzip.decompress(body).decode()
    control, data = text.split("}{", 1)
    assert json.loads(control + "}")["messageType"] == "CONTROL_MESSAGE"
    assert [e["message"] for e in json.loads("{" + data)["logEvents"]] == ["one", "two"]


async def test_a_destination_that_cannot_take_the_test_message_refuses_the_filter(
    cloud: Cloud,
) -> None:
    await group_with_stream(cloud)
    error = await logs_error(
        cloud,
        "PutSubscriptionFilter",
        logGroupName="/app",
        filterName="errors",
        filterPattern="",
        destinationArn=KINESIS,
        roleArn=ROLE,
    )
    assert error.code == "InvalidParameterException"
    assert error.message.startswith("Could not deliver test message to specified Kinesis stream.")
    described = await logs(cloud, "DescribeSubscriptionFilters", logGroupName="/app")
    assert described["subscriptionFilters"] == []


@pytest.mark.parametrize(
    ("destination", "role", "words"),
    [
        (f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f", ROLE, "is not a Kinesis"),
        (KINESIS, None, "roleArn is required"),
    ],
)
async def test_lambda_destinations_and_a_missing_role_are_refused(
    cloud: Cloud, destination: str, role: str | None, words: str
) -> None:
    await group_with_stream(cloud)
    params: dict[str, Any] = {"destinationArn": destination}
    if role is not None:
        params["roleArn"] = role
    error = await logs_error(
        cloud,
        "PutSubscriptionFilter",
        logGroupName="/app",
        filterName="f",
        filterPattern="",
        **params,
    )
    assert error.code == "InvalidParameterException" and words in error.message


async def test_a_group_takes_two_filters_and_a_third_is_a_limit(cloud: Cloud) -> None:
    await group_with_stream(cloud)
    await kinesis_stream(cloud)
    for name in ("a", "b"):
        await logs(
            cloud,
            "PutSubscriptionFilter",
            logGroupName="/app",
            filterName=name,
            filterPattern="",
            destinationArn=KINESIS,
            roleArn=ROLE,
            distribution="Random",
        )
    error = await logs_error(
        cloud,
        "PutSubscriptionFilter",
        logGroupName="/app",
        filterName="c",
        filterPattern="",
        destinationArn=KINESIS,
        roleArn=ROLE,
    )
    assert (error.code, error.message) == ("LimitExceededException", "Resource limit exceeded.")
    described = await logs(cloud, "DescribeSubscriptionFilters", logGroupName="/app", limit=1)
    assert [f["filterName"] for f in described["subscriptionFilters"]] == ["a"]
    assert described["subscriptionFilters"][0]["distribution"] == "Random"
    rest = await logs(
        cloud, "DescribeSubscriptionFilters", logGroupName="/app", nextToken=described["nextToken"]
    )
    assert [f["filterName"] for f in rest["subscriptionFilters"]] == ["b"]
    await logs(cloud, "DeleteSubscriptionFilter", logGroupName="/app", filterName="a")
    gone = await logs_error(cloud, "DeleteSubscriptionFilter", logGroupName="/app", filterName="a")
    assert gone.code == "ResourceNotFoundException"
