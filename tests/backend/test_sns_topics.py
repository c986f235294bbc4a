"""SNS topics: names, FIFO, idempotent CreateTopic, attributes, listing, deleting, tags."""

from __future__ import annotations

import json

import pytest

from backend.cloud import Cloud
from backend.services.sns import SnsService
from tests.backend.test_sns_helpers import (
    ACCOUNT,
    create_queue,
    create_topic,
    sns,
    sns_error,
    subscribe_queue,
    topic_arn,
)


async def test_a_topic_has_awss_default_attributes(cloud: Cloud) -> None:
    arn = await create_topic(cloud, "orders")
    assert arn == topic_arn("orders")
    attributes = (await sns(cloud, "GetTopicAttributes", {"TopicArn": arn}))["Attributes"]
    assert attributes["DisplayName"] == ""
    assert attributes["Owner"] == ACCOUNT
    assert attributes["TopicArn"] == arn
    assert attributes["SubscriptionsConfirmed"] == "0"
    assert attributes["SubscriptionsPending"] == "0"
    assert attributes["SubscriptionsDeleted"] == "0"
    policy = json.loads(attributes["Policy"])
    assert policy["Id"] == "__default_policy_ID"
    statement = policy["Statement"][0]
    assert len(statement["Action"]) == 8
    assert statement["Condition"] == {"StringEquals": {"AWS:SourceOwner": ACCOUNT}}
    assert "defaultHealthyRetryPolicy" in json.loads(attributes["EffectiveDeliveryPolicy"])["http"]
    for absent in ("FifoTopic", "SignatureVersion", "MaximumMessageSize"):
        assert absent not in attributes


async def test_a_fifo_topic_needs_both_the_suffix_and_the_attribute(cloud: Cloud) -> None:
    arn = await create_topic(cloud, "jobs.fifo")
    attributes = (await sns(cloud, "GetTopicAttributes", {"TopicArn": arn}))["Attributes"]
    assert attributes["FifoTopic"] == "true"
    assert attributes["ContentBasedDeduplication"] == "false"
    for params in (
        {"Name": "jobs2.fifo"},
        {"Name": "jobs3", "Attributes": {"FifoTopic": "true"}},
    ):
        error = await sns_error(cloud, "CreateTopic", params)
        assert (error.code, error.message) == ("InvalidParameter", "Invalid parameter: Topic Name")


@pytest.mark.parametrize("name", ["", "a b", "x" * 257, "é", "a.b"])
async def test_bad_topic_names_are_refused(cloud: Cloud, name: str) -> None:
    error = await sns_error(cloud, "CreateTopic", {"Name": name})
    assert (error.code, error.message) == ("InvalidParameter", "Invalid parameter: Topic Name")


async def test_a_missing_name_is_a_validation_error(cloud: Cloud) -> None:
    error = await sns_error(cloud, "CreateTopic", {})
    assert error.code == "ValidationError"
    assert error.message == (
        "1 validation error detected: Value null at 'name' failed to satisfy constraint: "
        "Member must not be null"
    )


async def test_create_topic_again_gives_the_same_arn_for_the_same_or_no_attributes(
    cloud: Cloud,
) -> None:
    arn = await create_topic(cloud, "t", DisplayName="Orders")
    assert await create_topic(cloud, "t") == arn
    assert await create_topic(cloud, "t", DisplayName="Orders") == arn
    # FifoTopic=false on a standard topic counts as the same.
    assert await create_topic(cloud, "t", FifoTopic="false") == arn
    assert len(cloud.service(SnsService).topics) == 1


@pytest.mark.parametrize(
    "attributes",
    [{"DisplayName": "Other"}, {"SignatureVersion": "2"}],
    ids=["different", "new"],
)
async def test_create_topic_again_with_a_different_or_new_attribute_is_refused(
    cloud: Cloud, attributes: dict[str, str]
) -> None:
    await create_topic(cloud, "t", DisplayName="Orders")
    error = await sns_error(cloud, "CreateTopic", {"Name": "t", "Attributes": attributes})
    assert error.code == "InvalidParameter"
    assert error.message == (
        "Invalid parameter: Attributes Reason: Topic already exists with different attributes"
    )


async def test_create_topic_again_with_other_tags_is_refused(cloud: Cloud) -> None:
    tags = [{"Key": "team", "Value": "a"}]
    arn = (await sns(cloud, "CreateTopic", {"Name": "t", "Tags": tags}))["TopicArn"]
    assert (await sns(cloud, "CreateTopic", {"Name": "t", "Tags": tags}))["TopicArn"] == arn
    assert (await sns(cloud, "CreateTopic", {"Name": "t"}))["TopicArn"] == arn
    other = [{"Key": "team", "Value": "b"}]
    error = await sns_error(cloud, "CreateTopic", {"Name": "t", "Tags": other})
    assert error.message == (
        "Invalid parameter: Tags Reason: Topic already exists with different tags"
    )


async def test_set_topic_attributes_checks_names_and_values(cloud: Cloud) -> None:
    arn = await create_topic(cloud)
    await sns(
        cloud,
        "SetTopicAttributes",
        {"TopicArn": arn, "AttributeName": "DisplayName", "AttributeValue": "Shop"},
    )
    await sns(
        cloud,
        "SetTopicAttributes",
        {"TopicArn": arn, "AttributeName": "MaximumMessageSize", "AttributeValue": "2048"},
    )
    attributes = (await sns(cloud, "GetTopicAttributes", {"TopicArn": arn}))["Attributes"]
    assert attributes["DisplayName"] == "Shop"
    assert attributes["MaximumMessageSize"] == "2048"
    cases = [
        ("Unknown", "x", "Invalid parameter: AttributeName"),
        ("FifoTopic", "true", "Invalid parameter: AttributeName"),
        (
            "SignatureVersion",
            "3",
            "Invalid parameter: SignatureVersion: Invalid value [3]. Must be 1 or 2.",
        ),
        (
            "MaximumMessageSize",
            "1023",
            "Invalid parameter: MaximumMessageSize: Invalid value "
            "[1023]. Must be an integer from 1024 to 1048576.",
        ),
        (
            "MaximumMessageSize",
            "٢٠٤٨",
            "Invalid parameter: MaximumMessageSize: Invalid value "
            "[٢٠٤٨]. Must be an integer from 1024 to 1048576.",
        ),
        (
            "SQSSuccessFeedbackSampleRate",
            "¹",
            "Invalid parameter: SQSSuccessFeedbackSampleRate: Invalid value "
            "[¹]. Must be an integer from 0 to 100.",
        ),
        (
            "ContentBasedDeduplication",
            "true",
            "Invalid parameter: ContentBasedDeduplication: only FIFO topics have this attribute.",
        ),
        ("Policy", "{", "Invalid parameter: Policy: failed to parse JSON."),
    ]
    for name, value, message in cases:
        error = await sns_error(
            cloud,
            "SetTopicAttributes",
            {"TopicArn": arn, "AttributeName": name, "AttributeValue": value},
        )
        assert (error.code, error.message) == ("InvalidParameter", message), name


async def test_large_messages_need_few_subscriptions_of_the_right_kind(cloud: Cloud) -> None:
    arn = await create_topic(cloud)
    await sns(
        cloud,
        "Subscribe",
        {"TopicArn": arn, "Protocol": "https", "Endpoint": "https://example.com/hook"},
    )
    error = await sns_error(
        cloud,
        "SetTopicAttributes",
        {"TopicArn": arn, "AttributeName": "MaximumMessageSize", "AttributeValue": "1048576"},
    )
    assert error.code == "InvalidParameter"
    assert error.message.startswith("Invalid parameter: MaximumMessageSize Reason: ")


async def test_topic_lookups_refuse_bad_arns_other_regions_and_missing_topics(
    cloud: Cloud,
) -> None:
    error = await sns_error(cloud, "GetTopicAttributes", {"TopicArn": "nope"})
    assert (error.code, error.message) == (
        "InvalidParameter",
        "Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 1",
    )
    error = await sns_error(
        cloud, "GetTopicAttributes", {"TopicArn": f"arn:aws:sns:eu-west-1:{ACCOUNT}:t"}
    )
    assert error.message == "Invalid parameter: TopicArn"
    error = await sns_error(cloud, "GetTopicAttributes", {"TopicArn": topic_arn("missing")})
    assert (error.code, error.status, error.message) == ("NotFound", 404, "Topic does not exist")


async def test_delete_topic_takes_its_subscriptions_and_a_missing_one_is_fine(
    cloud: Cloud,
) -> None:
    await create_queue(cloud, "q")
    arn = await create_topic(cloud)
    subscription = await subscribe_queue(cloud, arn, "q")
    await sns(cloud, "DeleteTopic", {"TopicArn": arn})
    await sns(cloud, "DeleteTopic", {"TopicArn": arn})
    assert cloud.service(SnsService).topics == {}
    error = await sns_error(cloud, "GetSubscriptionAttributes", {"SubscriptionArn": subscription})
    assert error.code == "NotFound"
    assert (await sns(cloud, "ListSubscriptions"))["Subscriptions"] == []


async def test_list_topics_pages_by_100(cloud: Cloud) -> None:
    for n in range(205):
        await create_topic(cloud, f"t{n:03d}")
    arns: list[str] = []
    pages = 0
    token = None
    while True:
        page = await sns(cloud, "ListTopics", {"NextToken": token} if token else {})
        pages += 1
        arns += [t["TopicArn"] for t in page["Topics"]]
        token = page.get("NextToken")
        if token is None:
            break
    assert pages == 3
    assert arns == [topic_arn(f"t{n:03d}") for n in range(205)]
    error = await sns_error(cloud, "ListTopics", {"NextToken": "garbage"})
    assert (error.code, error.message) == ("InvalidParameter", "Invalid parameter: NextToken")


async def test_a_topic_name_can_be_used_again_after_delete(cloud: Cloud) -> None:
    arn = await create_topic(cloud, "t", DisplayName="a")
    await sns(cloud, "DeleteTopic", {"TopicArn": arn})
    assert await create_topic(cloud, "t", DisplayName="b") == arn


# -- tags ----------------------------------------------------------------------------


async def test_tags_are_added_listed_and_removed(cloud: Cloud) -> None:
    arn = await create_topic(cloud)
    await sns(
        cloud,
        "TagResource",
        {"ResourceArn": arn, "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]},
    )
    await sns(cloud, "TagResource", {"ResourceArn": arn, "Tags": [{"Key": "a", "Value": "3"}]})
    tags = (await sns(cloud, "ListTagsForResource", {"ResourceArn": arn}))["Tags"]
    assert tags == [{"Key": "a", "Value": "3"}, {"Key": "b", "Value": "2"}]
    await sns(cloud, "UntagResource", {"ResourceArn": arn, "TagKeys": ["a", "zzz"]})
    tags = (await sns(cloud, "ListTagsForResource", {"ResourceArn": arn}))["Tags"]
    assert tags == [{"Key": "b", "Value": "2"}]


async def test_tag_errors(cloud: Cloud) -> None:
    arn = await create_topic(cloud)
    error = await sns_error(
        cloud,
        "TagResource",
        {"ResourceArn": topic_arn("gone"), "Tags": [{"Key": "a", "Value": ""}]},
    )
    assert (error.code, error.status, error.message) == (
        "ResourceNotFound",
        404,
        "Resource does not exist",
    )
    error = await sns_error(
        cloud,
        "TagResource",
        {"ResourceArn": arn, "Tags": [{"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}]},
    )
    assert error.message == "Invalid parameter: Duplicated keys are not allowed."
    error = await sns_error(
        cloud, "TagResource", {"ResourceArn": arn, "Tags": [{"Key": "k" * 129, "Value": "v"}]}
    )
    assert error.code == "ValidationError"
    assert "at 'tags.1.member.key' failed to satisfy constraint" in error.message
    many = [{"Key": f"k{n}", "Value": "v"} for n in range(50)]
    await sns(cloud, "TagResource", {"ResourceArn": arn, "Tags": many})
    error = await sns_error(
        cloud, "TagResource", {"ResourceArn": arn, "Tags": [{"Key": "one-more", "Value": "v"}]}
    )
    assert (error.code, error.message) == (
        "TagLimitExceeded",
        "Could not complete request: tag quota of per resource exceeded",
    )
    assert len((await sns(cloud, "ListTagsForResource", {"ResourceArn": arn}))["Tags"]) == 50
