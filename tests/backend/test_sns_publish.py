"""Publish and PublishBatch: what is checked, the size limit with attributes, batch errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from backend.cloud import Cloud
from tests.backend.test_sns_helpers import (
    create_topic,
    fan_out,
    messages,
    metric,
    publish,
    sns,
    sns_error,
    topic_arn,
)


async def publish_error(cloud: Cloud, **params: Any) -> tuple[str, str]:
    error = await sns_error(cloud, "Publish", {"TopicArn": topic_arn("t"), **params})
    return error.code, error.message


async def test_target_arn_publishes_to_the_topic_too(cloud: Cloud) -> None:
    url = await fan_out(cloud)
    await sns(cloud, "Publish", {"TargetArn": topic_arn("t"), "Message": "by target"})
    await cloud.clock.settle()
    assert await messages(cloud, url) == ["by target"]


async def test_publish_needs_exactly_one_target(cloud: Cloud) -> None:
    error = await sns_error(cloud, "Publish", {"Message": "x"})
    assert error.message == (
        "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter"
    )
    error = await sns_error(
        cloud, "Publish", {"Message": "x", "TopicArn": topic_arn("t"), "PhoneNumber": "+1555"}
    )
    assert error.code == "InvalidParameter"
    error = await sns_error(cloud, "Publish", {"Message": "x", "TopicArn": topic_arn("nope")})
    assert (error.code, error.message) == ("NotFound", "Topic does not exist")


async def test_a_phone_number_is_checked_and_nothing_is_sent(cloud: Cloud) -> None:
    response = await sns(cloud, "Publish", {"PhoneNumber": "+14155550100", "Message": "hi"})
    assert len(response["MessageId"]) == 36
    error = await sns_error(cloud, "Publish", {"PhoneNumber": "call me", "Message": "hi"})
    assert (
        error.message == "Invalid parameter: PhoneNumber Reason: call me is not valid to publish to"
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"Message": ""}, ("InvalidParameter", "Invalid parameter: Empty message")),
        ({"Message": "x", "Subject": ""}, ("InvalidParameter", "Invalid parameter: Subject")),
        ({"Message": "x", "Subject": "a\nb"}, ("InvalidParameter", "Invalid parameter: Subject")),
        (
            {"Message": "x", "Subject": "s" * 100},
            ("InvalidParameter", "Invalid parameter: Subject"),
        ),
        (
            {"Message": "x", "MessageDeduplicationId": "d"},
            (
                "InvalidParameter",
                "Invalid parameter: MessageDeduplicationId Reason: The request includes "
                "MessageDeduplicationId parameter that is not valid for this topic type",
            ),
        ),
        (
            {"Message": "{", "MessageStructure": "json"},
            (
                "InvalidParameter",
                "Invalid parameter: Message Structure - JSON message body failed to parse",
            ),
        ),
        (
            {"Message": '{"sqs": "x"}', "MessageStructure": "json"},
            (
                "InvalidParameter",
                "Invalid parameter: Message Structure - No default entry in JSON message body",
            ),
        ),
        (
            {},
            (
                "ValidationError",
                "1 validation error detected: Value null at 'message' failed to satisfy "
                "constraint: Member must not be null",
            ),
        ),
    ],
)
async def test_what_publish_checks(
    cloud: Cloud, params: dict[str, Any], expected: tuple[str, str]
) -> None:
    await create_topic(cloud)
    assert await publish_error(cloud, **params) == expected


def attribute(data_type: str, **value: Any) -> dict[str, Any]:
    return {"DataType": data_type, **value}


@pytest.mark.parametrize(
    ("attributes", "code", "message"),
    [
        (
            {"a": attribute("Binary", StringValue="x")},
            "ParameterValueInvalid",
            "The message attribute 'a' with type 'Binary' must use field 'Binary'.",
        ),
        (
            {"a": attribute("String", BinaryValue=b"x")},
            "ParameterValueInvalid",
            "The message attribute 'a' with type 'String' must use field 'String'.",
        ),
        (
            {"a": attribute("String", StringValue="")},
            "ParameterValueInvalid",
            "The message attribute 'a' must contain non-empty message attribute value for "
            "message attribute type 'String'.",
        ),
        (
            {"a": attribute("Text", StringValue="x")},
            "ParameterValueInvalid",
            "The message attribute 'a' has an invalid message attribute type, the set of "
            "supported type prefixes is Binary, Number, and String.",
        ),
        (
            {"a": attribute("Number", StringValue="ten")},
            "ParameterValueInvalid",
            "Could not cast message attribute 'a' value to number.",
        ),
        (
            {"a b": attribute("String", StringValue="x")},
            "ParameterValueInvalid",
            "Invalid non-alphanumeric character '#x20' was found in the message attribute name. "
            "Can only include alphanumeric characters, hyphens, underscores, or dots.",
        ),
        (
            {".a": attribute("String", StringValue="x")},
            "ParameterValueInvalid",
            "Invalid message attribute name starting with character '.' was found.",
        ),
        (
            {"a.": attribute("String", StringValue="x")},
            "ParameterValueInvalid",
            "Invalid message attribute name ending with character '.' was found.",
        ),
        (
            {"a..b": attribute("String", StringValue="x")},
            "ParameterValueInvalid",
            "Message attribute name can not have successive '.' character.",
        ),
        (
            {"a" * 257: attribute("String", StringValue="x")},
            "ParameterValueInvalid",
            "Length of message attribute name must be less than 256 bytes.",
        ),
        (
            {"a": {"StringValue": "x"}},
            "ValidationError",
            "1 validation error detected: Value null at 'messageAttributes.a.member.dataType' "
            "failed to satisfy constraint: Member must not be null",
        ),
    ],
)
async def test_message_attributes_are_checked(
    cloud: Cloud, attributes: dict[str, Any], code: str, message: str
) -> None:
    await create_topic(cloud)
    assert await publish_error(cloud, Message="x", MessageAttributes=attributes) == (code, message)


async def test_valid_attribute_types(cloud: Cloud) -> None:
    url = await fan_out(cloud)
    attributes = {
        "s": attribute("String", StringValue="x"),
        "arr": attribute("String.Array", StringValue='["a", 1, true]'),
        "n": attribute("Number", StringValue="-1.5e3"),
        "custom": attribute("Number.int", StringValue="3"),
        "b": attribute("Binary.gz", BinaryValue=b"\x1f\x8b"),
    }
    await publish(cloud, topic_arn("t"), "typed", MessageAttributes=attributes)
    assert await messages(cloud, url) == ["typed"]


async def test_more_than_ten_attributes_may_be_published(cloud: Cloud) -> None:
    url = await fan_out(cloud)
    attributes = {f"a{n}": attribute("String", StringValue="v") for n in range(20)}
    await publish(cloud, topic_arn("t"), "many", MessageAttributes=attributes)
    assert await messages(cloud, url) == ["many"]


async def test_the_size_limit_counts_the_attributes(cloud: Cloud) -> None:
    await fan_out(cloud)
    arn = topic_arn("t")
    await sns(cloud, "Publish", {"TopicArn": arn, "Message": "x" * 262_144})
    too_long = ("InvalidParameter", "Invalid parameter: Message too long")
    assert await publish_error(cloud, Message="x" * 262_145) == too_long
    # 262,134 body bytes + name (1) + type (6) + value (3) = 262,144: fits.
    fits = {"k": attribute("String", StringValue="abc")}
    await sns(
        cloud, "Publish", {"TopicArn": arn, "Message": "x" * 262_134, "MessageAttributes": fits}
    )
    over = {"k": attribute("String", StringValue="abcd")}
    assert await publish_error(cloud, Message="x" * 262_134, MessageAttributes=over) == too_long
    # Multi-byte characters count in bytes.
    assert await publish_error(cloud, Message="é" * 131_073) == too_long


async def test_the_topics_maximum_message_size_is_the_limit(cloud: Cloud) -> None:
    arn = await create_topic(cloud, "t", MaximumMessageSize="1024")
    await sns(cloud, "Publish", {"TopicArn": arn, "Message": "x" * 1024})
    assert await publish_error(cloud, Message="x" * 1025) == (
        "InvalidParameter",
        "Invalid parameter: Message too long",
    )


async def test_fifo_topics_need_a_group_and_a_deduplication_id(cloud: Cloud) -> None:
    arn = await create_topic(cloud, "t.fifo")
    error = await sns_error(cloud, "Publish", {"TopicArn": arn, "Message": "x"})
    assert error.message == (
        "Invalid parameter: The MessageGroupId parameter is required for FIFO topics"
    )
    error = await sns_error(
        cloud, "Publish", {"TopicArn": arn, "Message": "x", "MessageGroupId": "g"}
    )
    assert error.message == (
        "Invalid parameter: The topic should either have ContentBasedDeduplication enabled or "
        "MessageDeduplicationId provided explicitly"
    )
    response = await sns(
        cloud,
        "Publish",
        {"TopicArn": arn, "Message": "x", "MessageGroupId": "g", "MessageDeduplicationId": "d"},
    )
    assert response["SequenceNumber"].isdigit()


# -- PublishBatch -----------------------------------------------------------------------


def entry(ident: str, message: str = "m", **more: Any) -> dict[str, Any]:
    return {"Id": ident, "Message": message, **more}


async def batch_error(cloud: Cloud, entries: list[dict[str, Any]]) -> tuple[str, str]:
    error = await sns_error(
        cloud,
        "PublishBatch",
        {"TopicArn": topic_arn("t"), "PublishBatchRequestEntries": entries},
    )
    return error.code, error.message


async def test_publish_batch_delivers_each_entry(cloud: Cloud) -> None:
    url = await fan_out(cloud)
    response = await sns(
        cloud,
        "PublishBatch",
        {
            "TopicArn": topic_arn("t"),
            "PublishBatchRequestEntries": [entry("a", "one"), entry("b", "two", Subject="s")],
        },
    )
    await cloud.clock.settle()
    assert [s["Id"] for s in response["Successful"]] == ["a", "b"]
    assert response["Failed"] == []
    assert await messages(cloud, url) == ["one", "two"]
    assert metric(cloud, "NumberOfMessagesPublished") == 2


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        ([], ("EmptyBatchRequest", "The batch request doesn't contain any entries.")),
        (
            [entry(str(n)) for n in range(11)],
            (
                "TooManyEntriesInBatchRequest",
                "The batch request contains more entries than permissible.",
            ),
        ),
        (
            [entry("a"), entry("a")],
            (
                "BatchEntryIdsNotDistinct",
                "Two or more batch entries in the request have the same Id.",
            ),
        ),
        (
            [entry("a b")],
            (
                "InvalidBatchEntryId",
                "The Id of a batch entry in the batch request contains an "
                "impermissible character: a b",
            ),
        ),
        (
            [entry("x" * 81)],
            (
                "InvalidBatchEntryId",
                "The Id of a batch entry in the batch request is too long: " + "x" * 81,
            ),
        ),
        (
            [entry("a", "x" * 200_000), entry("b", "y" * 100_000)],
            (
                "BatchRequestTooLong",
                "The length of all the messages put together is more than the limit.",
            ),
        ),
        (
            [entry("a"), entry("b", "")],
            ("InvalidParameter", "Invalid parameter: Empty message"),
        ),
        (
            [entry("a"), entry("b", MessageAttributes={"k": {"StringValue": "v"}})],
            (
                "ValidationError",
                "1 validation error detected: Value null at "
                "'publishBatchRequestEntries.2.member.messageAttributes.k.member.dataType' failed "
                "to satisfy constraint: Member must not be null",
            ),
        ),
        (
            [{"Id": "a"}],
            (
                "ValidationError",
                "1 validation error detected: Value null at "
                "'publishBatchRequestEntries.1.member.message' failed to satisfy constraint: "
                "Member must not be null",
            ),
        ),
    ],
)
async def test_publish_batch_errors_refuse_the_whole_batch(
    cloud: Cloud, entries: list[dict[str, Any]], expected: tuple[str, str]
) -> None:
    url = await fan_out(cloud)
    assert await batch_error(cloud, entries) == expected
    await cloud.clock.settle()
    assert await messages(cloud, url) == []
    assert metric(cloud, "NumberOfMessagesPublished") == 0


async def test_a_fifo_batch_gets_sequence_numbers_and_deduplicates_within_itself(
    cloud: Cloud,
) -> None:
    arn = await create_topic(cloud, "t.fifo")
    response = await sns(
        cloud,
        "PublishBatch",
        {
            "TopicArn": arn,
            "PublishBatchRequestEntries": [
                entry("a", MessageGroupId="g", MessageDeduplicationId="d1"),
                entry("b", MessageGroupId="g", MessageDeduplicationId="d1"),
                entry("c", MessageGroupId="g", MessageDeduplicationId="d2"),
            ],
        },
    )
    a, b, c = response["Successful"]
    assert (a["MessageId"], a["SequenceNumber"]) == (b["MessageId"], b["SequenceNumber"])
    assert int(c["SequenceNumber"]) > int(a["SequenceNumber"])
    error = await sns_error(
        cloud,
        "PublishBatch",
        {"TopicArn": arn, "PublishBatchRequestEntries": [entry("a", MessageDeduplicationId="x")]},
    )
    assert error.message == (
        "Invalid parameter: The MessageGroupId parameter is required for FIFO topics"
    )
    body = json.dumps({"default": "d"})
    await sns(
        cloud,
        "PublishBatch",
        {
            "TopicArn": arn,
            "PublishBatchRequestEntries": [
                entry(
                    "s",
                    body,
                    MessageStructure="json",
                    MessageGroupId="g",
                    MessageDeduplicationId="d3",
                ),
            ],
        },
    )
