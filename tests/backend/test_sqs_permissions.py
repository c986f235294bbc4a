"""AddPermission and RemovePermission: the statements they write into the queue's Policy."""

from __future__ import annotations

import json
from typing import Any

import pytest

from backend.cloud import Cloud
from tests.backend.helpers import create_queue, sqs, sqs_error

ACCOUNT = "123456789012"
ARN = f"arn:aws:sqs:us-east-1:{ACCOUNT}:shared"
START = 1_795_942_800


async def policy_of(cloud: Cloud, url: str) -> dict[str, Any] | None:
    response = await sqs(cloud, "GetQueueAttributes", {"QueueUrl": url, "AttributeNames": ["All"]})
    text = response["Attributes"].get("Policy")
    return None if text is None else dict(json.loads(text))


async def grant(
    cloud: Cloud, url: str, label: str, accounts: list[str], actions: list[str]
) -> None:
    await sqs(
        cloud,
        "AddPermission",
        {"QueueUrl": url, "Label": label, "AWSAccountIds": accounts, "Actions": actions},
    )


async def test_add_permission_writes_the_policy_aws_writes(cloud: Cloud) -> None:
    url = await create_queue(cloud, "shared")
    await grant(cloud, url, "OneSender", ["111122223333"], ["SendMessage"])
    assert await policy_of(cloud, url) == {
        "Version": "2012-10-17",
        "Id": f"{ARN}/SQSDefaultPolicy",
        "Statement": [
            {
                "Sid": "OneSender",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Action": "SQS:SendMessage",
                "Resource": ARN,
            }
        ],
    }


async def test_several_accounts_and_actions_are_lists(cloud: Cloud) -> None:
    url = await create_queue(cloud, "shared")
    await grant(cloud, url, "OneSender", ["111122223333"], ["SendMessage"])
    await grant(
        cloud, url, "Workers", ["111122223333", "444455556666"], ["ReceiveMessage", "DeleteMessage"]
    )
    await grant(cloud, url, "Everything", ["777788889999"], ["*"])
    policy = await policy_of(cloud, url)
    assert policy is not None
    assert [s["Sid"] for s in policy["Statement"]] == ["OneSender", "Workers", "Everything"]
    workers, everything = policy["Statement"][1:]
    assert workers["Principal"] == {
        "AWS": ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root"]
    }
    assert workers["Action"] == ["SQS:ReceiveMessage", "SQS:DeleteMessage"]
    assert everything["Action"] == "SQS:*"


async def test_the_policy_is_compact_json_as_aws_returns_it(cloud: Cloud) -> None:
    url = await create_queue(cloud, "shared")
    await grant(cloud, url, "L", ["111122223333"], ["SendMessage"])
    response = await sqs(
        cloud, "GetQueueAttributes", {"QueueUrl": url, "AttributeNames": ["Policy"]}
    )
    assert response["Attributes"]["Policy"].startswith('{"Version":"2012-10-17","Id":"arn:aws:sqs:')


async def test_remove_permission_takes_out_one_statement(cloud: Cloud) -> None:
    url = await create_queue(cloud, "shared")
    await grant(cloud, url, "A", ["111122223333"], ["SendMessage"])
    await grant(cloud, url, "B", ["111122223333"], ["ReceiveMessage"])
    await sqs(cloud, "RemovePermission", {"QueueUrl": url, "Label": "A"})
    policy = await policy_of(cloud, url)
    assert policy is not None
    assert [s["Sid"] for s in policy["Statement"]] == ["B"]


async def test_removing_the_last_statement_removes_the_policy(cloud: Cloud) -> None:
    url = await create_queue(cloud, "shared")
    await grant(cloud, url, "A", ["111122223333"], ["SendMessage"])
    await sqs(cloud, "RemovePermission", {"QueueUrl": url, "Label": "A"})
    assert await policy_of(cloud, url) is None
    response = await sqs(
        cloud, "GetQueueAttributes", {"QueueUrl": url, "AttributeNames": ["Policy"]}
    )
    assert response == {}


async def test_a_hand_written_policy_is_kept_and_extended(cloud: Cloud) -> None:
    own = {
        "Version": "2012-10-17",
        "Id": "mine",
        "Statement": {"Sid": "FromTopic", "Effect": "Allow", "Principal": "*", "Action": "sqs:*"},
    }
    url = await create_queue(cloud, "shared", Policy=json.dumps(own))
    await grant(cloud, url, "A", ["111122223333"], ["SendMessage"])
    policy = await policy_of(cloud, url)
    assert policy is not None
    assert policy["Id"] == "mine"
    assert [s["Sid"] for s in policy["Statement"]] == ["FromTopic", "A"]
    error = await sqs_error(
        cloud,
        "AddPermission",
        {
            "QueueUrl": url,
            "Label": "FromTopic",
            "AWSAccountIds": ["111122223333"],
            "Actions": ["SendMessage"],
        },
    )
    assert (
        error.message == "Value FromTopic for parameter Label is invalid. Reason: Already exists."
    )


async def test_permissions_change_last_modified(cloud: Cloud) -> None:
    url = await create_queue(cloud, "shared")
    await cloud.clock.advance(30)
    await grant(cloud, url, "A", ["111122223333"], ["SendMessage"])
    response = await sqs(
        cloud, "GetQueueAttributes", {"QueueUrl": url, "AttributeNames": ["LastModifiedTimestamp"]}
    )
    assert response["Attributes"]["LastModifiedTimestamp"] == str(START + 30)


@pytest.mark.parametrize(
    ("change", "code", "message", "status"),
    [
        (
            {"Label": None},
            "MissingParameter",
            "The request must contain the parameter Label.",
            400,
        ),
        (
            {"Label": "has space"},
            "InvalidParameterValue",
            "Value has space for parameter Label is invalid. Reason: Can only include "
            "alphanumeric characters, hyphens, or underscores. 1 to 80 in length.",
            400,
        ),
        (
            {"Label": "L" * 81},
            "InvalidParameterValue",
            f"Value {'L' * 81} for parameter Label is invalid. Reason: Can only include "
            "alphanumeric characters, hyphens, or underscores. 1 to 80 in length.",
            400,
        ),
        (
            {"Actions": []},
            "MissingParameter",
            "The request must contain the parameter Actions.",
            400,
        ),
        (
            {"AWSAccountIds": []},
            "InvalidParameterValue",
            "Value [] for parameter PrincipalId is invalid. Reason: Unable to verify.",
            400,
        ),
        (
            {"AWSAccountIds": ["not-an-account"]},
            "InvalidParameterValue",
            "Value [not-an-account] for parameter PrincipalId is invalid. Reason: Unable to "
            "verify.",
            400,
        ),
        (
            {
                "Actions": [
                    "ChangeMessageVisibility",
                    "DeleteMessage",
                    "GetQueueAttributes",
                    "GetQueueUrl",
                    "ListDeadLetterSourceQueues",
                    "PurgeQueue",
                    "ReceiveMessage",
                    "SendMessage",
                ]
            },
            "OverLimit",
            "8 Actions were found, maximum allowed is 7.",
            403,
        ),
        (
            {"Actions": ["RemovePermission"]},
            "InvalidParameterValue",
            "Value SQS:RemovePermission for parameter ActionName is invalid. Reason: Only the "
            "queue owner is allowed to invoke this action.",
            400,
        ),
        (
            {"Actions": ["Juggle"]},
            "InvalidParameterValue",
            "Value SQS:Juggle for parameter ActionName is invalid. Reason: Please refer to the "
            "appropriate WSDL for a list of valid actions.",
            400,
        ),
    ],
)
async def test_add_permission_rules(
    cloud: Cloud, change: dict[str, Any], code: str, message: str, status: int
) -> None:
    url = await create_queue(cloud, "shared")
    params = {
        "QueueUrl": url,
        "Label": "L",
        "AWSAccountIds": ["111122223333"],
        "Actions": ["SendMessage"],
        **change,
    }
    error = await sqs_error(
        cloud, "AddPermission", {k: v for k, v in params.items() if v is not None}
    )
    assert (error.code, error.message, error.status) == (code, message, status)
    assert await policy_of(cloud, url) is None


async def test_a_policy_holds_at_most_twenty_statements(cloud: Cloud) -> None:
    url = await create_queue(cloud, "shared")
    for i in range(20):
        await grant(cloud, url, f"L{i}", ["111122223333"], ["SendMessage"])
    error = await sqs_error(
        cloud,
        "AddPermission",
        {
            "QueueUrl": url,
            "Label": "L20",
            "AWSAccountIds": ["111122223333"],
            "Actions": ["SendMessage"],
        },
    )
    assert (error.code, error.status) == ("OverLimit", 403)
    assert error.message == "21 Statements were found, maximum allowed is 20."


async def test_a_policy_names_at_most_fifty_principals(cloud: Cloud) -> None:
    url = await create_queue(cloud, "shared")
    accounts = [f"{i:012d}" for i in range(1, 51)]
    await grant(cloud, url, "Many", accounts, ["SendMessage"])
    error = await sqs_error(
        cloud,
        "AddPermission",
        {
            "QueueUrl": url,
            "Label": "OneMore",
            "AWSAccountIds": ["111122223333"],
            "Actions": ["SendMessage"],
        },
    )
    assert (error.code, error.message) == (
        "OverLimit",
        "51 Principals were found, maximum allowed is 50.",
    )


async def test_remove_permission_of_an_unknown_label(cloud: Cloud) -> None:
    url = await create_queue(cloud, "shared")
    for _ in range(2):
        error = await sqs_error(cloud, "RemovePermission", {"QueueUrl": url, "Label": "nope"})
        assert (error.code, error.message) == (
            "InvalidParameterValue",
            "Value nope for parameter Label is invalid. Reason: can't find label on existing "
            "policy.",
        )
        await grant(cloud, url, "other", ["111122223333"], ["SendMessage"])
        await sqs(cloud, "RemovePermission", {"QueueUrl": url, "Label": "other"})
    error = await sqs_error(cloud, "RemovePermission", {"QueueUrl": url})
    assert error.code == "MissingParameter"


async def test_permissions_on_a_missing_queue(cloud: Cloud) -> None:
    url = f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/missing"
    error = await sqs_error(cloud, "RemovePermission", {"QueueUrl": url, "Label": "L"})
    assert error.code == "QueueDoesNotExist"
