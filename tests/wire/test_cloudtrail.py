"""CloudTrail LookupEvents over JSON 1.1: the event history outside callers leave."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.wire.live import ACCESS_KEY, ACCOUNT, OTHER_KEY, Live


def make_history(live: Live) -> Any:
    """Queues made by two keys, a second apart each, plus data events and a failure."""
    sqs = live.client("sqs")
    other = live.client("sqs", key=OTHER_KEY)
    sqs.create_queue(QueueName="h1")
    live.advance(1)
    other.create_queue(QueueName="h2")
    live.advance(1)
    url = sqs.get_queue_url(QueueName="h1")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="data events stay out of the history")
    live.advance(1)
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_url(QueueName="nowhere")
    return live.client("cloudtrail")


def names(response: dict[str, Any]) -> list[str]:
    return [e["EventName"] for e in response["Events"]]


def test_events_newest_first_with_their_records(live: Live) -> None:
    trail = make_history(live)
    response = trail.lookup_events()
    assert names(response) == ["GetQueueUrl", "GetQueueUrl", "CreateQueue", "CreateQueue"]
    failed, _, second, first = response["Events"]
    start = datetime.fromtimestamp(live.cloud.clock.now() - 3, UTC)
    assert first["EventTime"] == start
    assert second["EventTime"] == start + timedelta(seconds=1)
    assert first["ReadOnly"] == "false"
    assert failed["ReadOnly"] == "true"
    assert first["AccessKeyId"] == ACCESS_KEY
    assert second["Username"] == OTHER_KEY
    assert first["EventSource"] == "sqs.amazonaws.com"
    assert first["Resources"] == [
        {"ResourceType": "AWS::SQS::Queue", "ResourceName": f"arn:aws:sqs:us-east-1:{ACCOUNT}:h1"}
    ]
    record = json.loads(failed["CloudTrailEvent"])
    assert record["errorCode"] == "QueueDoesNotExist"
    assert record["userIdentity"]["accessKeyId"] == ACCESS_KEY
    assert record["sourceIPAddress"] == "127.0.0.1"
    assert record["userAgent"].startswith("Boto3/")
    assert record["awsRegion"] == "us-east-1"
    assert record["eventID"] == failed["EventId"]


def test_request_ids_match_between_reply_and_record(live: Live) -> None:
    sqs = live.client("sqs")
    with pytest.raises(sqs.exceptions.QueueDoesNotExist) as raised:
        sqs.get_queue_url(QueueName="nothing")
    request_id = raised.value.response["ResponseMetadata"]["RequestId"]
    event = live.client("cloudtrail").lookup_events(MaxResults=1)["Events"][0]
    assert json.loads(event["CloudTrailEvent"])["requestID"] == request_id


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("EventName", "CreateQueue", ["CreateQueue", "CreateQueue"]),
        ("ReadOnly", "true", ["GetQueueUrl", "GetQueueUrl"]),
        ("Username", OTHER_KEY, ["CreateQueue"]),
        ("AccessKeyId", ACCESS_KEY, ["GetQueueUrl", "GetQueueUrl", "CreateQueue"]),
        (
            "EventSource",
            "sqs.amazonaws.com",
            ["GetQueueUrl", "GetQueueUrl", "CreateQueue", "CreateQueue"],
        ),
        (
            "ResourceType",
            "AWS::SQS::Queue",
            ["GetQueueUrl", "GetQueueUrl", "CreateQueue", "CreateQueue"],
        ),
        ("ResourceName", f"arn:aws:sqs:us-east-1:{ACCOUNT}:h2", ["CreateQueue"]),
        ("EventSource", "kms.amazonaws.com", []),
    ],
)
def test_lookup_attributes(live: Live, key: str, value: str, expected: list[str]) -> None:
    trail = make_history(live)
    response = trail.lookup_events(
        LookupAttributes=[{"AttributeKey": key, "AttributeValue": value}]
    )
    assert names(response) == expected


def test_lookup_by_event_id(live: Live) -> None:
    trail = make_history(live)
    oldest = trail.lookup_events()["Events"][-1]
    found = trail.lookup_events(
        LookupAttributes=[{"AttributeKey": "EventId", "AttributeValue": oldest["EventId"]}]
    )
    assert found["Events"] == [oldest]


def test_time_range_is_inclusive(live: Live) -> None:
    trail = make_history(live)
    now = live.cloud.clock.now()
    middle = trail.lookup_events(StartTime=now - 2, EndTime=now - 1)
    assert names(middle) == ["GetQueueUrl", "CreateQueue"]
    with pytest.raises(trail.exceptions.InvalidTimeRangeException):
        trail.lookup_events(StartTime=now, EndTime=now - 1)


def test_pages_and_next_tokens(live: Live) -> None:
    trail = make_history(live)
    first = trail.lookup_events(MaxResults=3)
    assert names(first) == ["GetQueueUrl", "GetQueueUrl", "CreateQueue"]
    rest = trail.lookup_events(MaxResults=3, NextToken=first["NextToken"])
    assert names(rest) == ["CreateQueue"]
    assert "NextToken" not in rest
    sqs_only = [{"AttributeKey": "EventSource", "AttributeValue": "sqs.amazonaws.com"}]
    pages = trail.get_paginator("lookup_events").paginate(
        LookupAttributes=sqs_only, PaginationConfig={"PageSize": 1}
    )
    paged = [e["EventId"] for page in pages for e in page["Events"]]
    everything = trail.lookup_events(LookupAttributes=sqs_only)["Events"]
    assert paged == [e["EventId"] for e in everything]
    assert len(paged) == 4
    with pytest.raises(trail.exceptions.InvalidNextTokenException):
        trail.lookup_events(
            NextToken=first["NextToken"],
            LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateQueue"}],
        )
    with pytest.raises(trail.exceptions.InvalidNextTokenException):
        trail.lookup_events(NextToken="not-a-token")


def test_invalid_parameters(live: Live) -> None:
    trail = live.client("cloudtrail")
    with pytest.raises(trail.exceptions.InvalidMaxResultsException):
        trail.lookup_events(MaxResults=51)
    with pytest.raises(trail.exceptions.InvalidLookupAttributesException):
        trail.lookup_events(
            LookupAttributes=[
                {"AttributeKey": "EventName", "AttributeValue": "a"},
                {"AttributeKey": "Username", "AttributeValue": "b"},
            ]
        )
    unchecked = live.client("cloudtrail", validate=False)
    with pytest.raises(trail.exceptions.InvalidLookupAttributesException):
        unchecked.lookup_events(
            LookupAttributes=[{"AttributeKey": "Colour", "AttributeValue": "x"}]
        )
    with pytest.raises(trail.exceptions.InvalidEventCategoryException):
        unchecked.lookup_events(EventCategory="everything")
    assert trail.lookup_events(EventCategory="insight")["Events"] == []


def test_history_is_per_region(live: Live) -> None:
    live.client("sqs", region="eu-west-1").create_queue(QueueName="far")
    assert live.client("cloudtrail").lookup_events()["Events"] == []
    far = live.client("cloudtrail", region="eu-west-1").lookup_events()
    assert names(far) == ["CreateQueue"]
    assert json.loads(far["Events"][0]["CloudTrailEvent"])["awsRegion"] == "eu-west-1"


def test_lookups_are_recorded_too(live: Live) -> None:
    trail = live.client("cloudtrail")
    trail.lookup_events()
    assert names(trail.lookup_events()) == ["LookupEvents"]


def test_sts_get_caller_identity(live: Live) -> None:
    identity = live.client("sts").get_caller_identity()
    assert identity["Account"] == ACCOUNT
    assert identity["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/{ACCESS_KEY}"
    assert identity["UserId"].startswith("AIDA")
    other = live.client("sts", key=OTHER_KEY, region="ap-southeast-2").get_caller_identity()
    assert other["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/{OTHER_KEY}"
    assert other["UserId"] != identity["UserId"]
    event = live.client("cloudtrail").lookup_events()["Events"][0]
    assert (event["EventName"], event["EventSource"]) == ("GetCallerIdentity", "sts.amazonaws.com")
