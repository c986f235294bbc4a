"""JSON written by a client, nested absurdly deep, is an AWS error, never an InternalFailure."""

from __future__ import annotations

import base64

import pytest

from backend.cloud import Cloud
from backend.errors import AwsError

DEEP = "[" * 100_000


def token(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


@pytest.mark.parametrize("attribute", ["Policy", "RedrivePolicy", "RedriveAllowPolicy"])
async def test_a_deeply_nested_policy_is_an_invalid_attribute(cloud: Cloud, attribute: str) -> None:
    with pytest.raises(AwsError) as raised:
        await cloud.call("sqs", "CreateQueue", {"QueueName": "q", "Attributes": {attribute: DEEP}})
    assert raised.value.code == "InvalidAttributeValue"


async def test_a_deeply_nested_list_queues_token_is_invalid(cloud: Cloud) -> None:
    with pytest.raises(AwsError) as raised:
        await cloud.call("sqs", "ListQueues", {"MaxResults": 5, "NextToken": token(DEEP)})
    assert (raised.value.code, raised.value.message) == (
        "InvalidParameterValue",
        "Invalid NextToken value.",
    )


async def test_a_deeply_nested_lookup_events_token_is_invalid(cloud: Cloud) -> None:
    with pytest.raises(AwsError) as raised:
        await cloud.call("cloudtrail", "LookupEvents", {"NextToken": token(DEEP)})
    assert raised.value.code == "InvalidNextTokenException"


@pytest.mark.parametrize("start", ["٣", " 1", "1" * 400, 10**400])
async def test_a_time_that_is_no_number_is_an_aws_error(cloud: Cloud, start: object) -> None:
    with pytest.raises(AwsError) as raised:
        await cloud.call("cloudtrail", "LookupEvents", {"StartTime": start})
    assert raised.value.code == "InvalidTimeRangeException"
