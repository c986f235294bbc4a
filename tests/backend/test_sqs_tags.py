"""Queue tags: TagQueue, UntagQueue and CreateQueue's tags, with AWS's key and value rules."""

from __future__ import annotations

import pytest

from backend.cloud import Cloud
from backend.errors import AwsError
from backend.kit import tags as tagging
from tests.backend.helpers import create_queue, sqs, sqs_error

KEYS_LENGTH = "Tag keys must be between 1 and 128 characters in length."
VALUES_LENGTH = "Tag values must be between 0 and 256 characters in length."


async def tags_of(cloud: Cloud, url: str) -> dict[str, str]:
    found: dict[str, str] = (await sqs(cloud, "ListQueueTags", {"QueueUrl": url})).get("Tags", {})
    return found


# -- TagQueue -----------------------------------------------------------------------


@pytest.mark.parametrize("params", [{}, {"Tags": {}}, {"Tags": None}])
async def test_tag_queue_without_tags_is_missing_tags(
    cloud: Cloud, params: dict[str, object]
) -> None:
    url = await create_queue(cloud, "q")
    error = await sqs_error(cloud, "TagQueue", {"QueueUrl": url, **params})
    assert (error.code, error.message) == (
        "MissingParameter",
        "The request must contain the parameter Tags.",
    )


async def test_more_than_fifty_tags_in_one_call_changes_nothing(cloud: Cloud) -> None:
    url = await create_queue(cloud, "orders")
    await sqs(cloud, "TagQueue", {"QueueUrl": url, "Tags": {"team": "data"}})
    many = {f"k{i}": "v" for i in range(51)}
    error = await sqs_error(cloud, "TagQueue", {"QueueUrl": url, "Tags": many})
    assert (error.code, error.message, error.status) == (
        "InvalidParameterValue",
        "Too many tags added for queue orders.",
        400,
    )
    assert await tags_of(cloud, url) == {"team": "data"}


async def test_the_limit_counts_the_tags_the_queue_would_have(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    await sqs(cloud, "TagQueue", {"QueueUrl": url, "Tags": {f"k{i}": "v" for i in range(50)}})
    error = await sqs_error(cloud, "TagQueue", {"QueueUrl": url, "Tags": {"one-more": "v"}})
    assert error.message == "Too many tags added for queue q."
    await sqs(cloud, "TagQueue", {"QueueUrl": url, "Tags": {"k0": "retagged"}})
    found = await tags_of(cloud, url)
    assert len(found) == 50
    assert found["k0"] == "retagged"


async def test_create_queue_checks_its_tags_too(cloud: Cloud) -> None:
    many = {f"k{i}": "v" for i in range(51)}
    error = await sqs_error(cloud, "CreateQueue", {"QueueName": "q", "tags": many})
    assert error.message == "Too many tags added for queue q."
    error = await sqs_error(cloud, "CreateQueue", {"QueueName": "q", "tags": {"aws:x": "v"}})
    assert error.code == "InvalidParameterValue"
    assert await sqs(cloud, "ListQueues") == {}


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ({"": "v"}, KEYS_LENGTH),
        ({"k" * 129: "v"}, KEYS_LENGTH),
        ({"k": "v" * 257}, VALUES_LENGTH),
        ({"k": 7}, VALUES_LENGTH),
        (
            {"aws:team": "v"},
            "Tag key aws:team is invalid. Reason: The prefix aws: is reserved for AWS.",
        ),
        (
            {"AWS:team": "v"},
            "Tag key AWS:team is invalid. Reason: The prefix aws: is reserved for AWS.",
        ),
        (
            {"team": "aws:data"},
            "Tag value for key team is invalid. Reason: The prefix aws: is reserved for AWS.",
        ),
        (
            {"cost#centre": "v"},
            "Tag key cost#centre is invalid. Reason: Tag keys can only contain Unicode letters, "
            "digits, white space, and these characters: _ . : / = + - @",
        ),
        (
            {"k": "a;b"},
            "Tag value for key k is invalid. Reason: Tag values can only contain Unicode "
            "letters, digits, white space, and these characters: _ . : / = + - @",
        ),
    ],
)
async def test_tag_rules(cloud: Cloud, tags: dict[str, object], message: str) -> None:
    url = await create_queue(cloud, "q")
    error = await sqs_error(cloud, "TagQueue", {"QueueUrl": url, "Tags": tags})
    assert (error.code, error.message) == ("InvalidParameterValue", message)
    assert await tags_of(cloud, url) == {}


async def test_what_aws_allows_in_tags(cloud: Cloud) -> None:
    allowed = {
        "k" * 128: "v" * 256,
        "Équipe données": "ünïcode 数据",
        "path/to:key=a+b-c_d.e@f": "",
        "42": "٣",
    }
    url = await create_queue(cloud, "q")
    await sqs(cloud, "TagQueue", {"QueueUrl": url, "Tags": allowed})
    assert await tags_of(cloud, url) == allowed


# -- UntagQueue ---------------------------------------------------------------------


async def test_untag_queue_without_tag_keys_is_missing_tag_keys(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    error = await sqs_error(cloud, "UntagQueue", {"QueueUrl": url})
    assert (error.code, error.message) == (
        "MissingParameter",
        "The request must contain the parameter TagKeys.",
    )


async def test_untag_queue_with_an_empty_list_is_an_empty_key(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    error = await sqs_error(cloud, "UntagQueue", {"QueueUrl": url, "TagKeys": []})
    assert (error.code, error.message) == ("InvalidParameterValue", KEYS_LENGTH)


async def test_a_bad_key_untags_nothing(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    await sqs(cloud, "TagQueue", {"QueueUrl": url, "Tags": {"team": "data", "env": "dev"}})
    error = await sqs_error(cloud, "UntagQueue", {"QueueUrl": url, "TagKeys": ["team", "k" * 129]})
    assert error.message == KEYS_LENGTH
    assert await tags_of(cloud, url) == {"team": "data", "env": "dev"}
    await sqs(cloud, "UntagQueue", {"QueueUrl": url, "TagKeys": ["team", "never-set"]})
    assert await tags_of(cloud, url) == {"env": "dev"}


# -- the pure rules, for the shared kit ---------------------------------------------


def test_the_rules_never_change_what_they_are_given() -> None:
    current = {"team": "data"}
    assert tagging.merged(current, {"env": "dev"}, resource="queue q") == {
        "team": "data",
        "env": "dev",
    }
    assert tagging.without(current, ["team"]) == {}
    with pytest.raises(AwsError):
        tagging.merged(current, {"aws:x": "y"}, resource="queue q")
    assert current == {"team": "data"}


def test_the_resource_names_itself_in_the_limit_message() -> None:
    with pytest.raises(AwsError) as raised:
        tagging.merged({}, {f"k{i}": "v" for i in range(51)}, resource="stream clicks")
    assert raised.value.message == "Too many tags added for stream clicks."
