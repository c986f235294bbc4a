"""SQS messages on standard queues: send, receive, delete, visibility, batches, checksums."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest

from backend.cloud import Cloud
from tests.backend.helpers import (
    bodies,
    counts,
    create_queue,
    delete,
    queue,
    receive,
    receive_all,
    send,
    sqs,
    sqs_error,
)

START = 1_795_942_800
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def attributes_md5(attributes: dict[str, dict[str, Any]]) -> str:
    """MD5OfMessageAttributes, written out independently of the backend."""
    encoded = bytearray()

    def field(raw: bytes) -> None:
        encoded.extend(len(raw).to_bytes(4, "big"))
        encoded.extend(raw)

    for name in sorted(attributes):
        value = attributes[name]
        field(name.encode())
        field(value["DataType"].encode())
        if "BinaryValue" in value:
            encoded.append(2)
            field(value["BinaryValue"])
        else:
            encoded.append(1)
            field(value["StringValue"].encode())
    return hashlib.md5(bytes(encoded)).hexdigest()


# -- SendMessage ------------------------------------------------------------------------


async def test_send_returns_an_id_and_the_body_md5(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    sent = await send(cloud, url, "héllo wörld")
    assert set(sent) == {"MessageId", "MD5OfMessageBody"}
    assert UUID4.match(sent["MessageId"])
    assert sent["MD5OfMessageBody"] == hashlib.md5("héllo wörld".encode()).hexdigest()
    [got] = await receive(cloud, url)
    assert got["MessageId"] == sent["MessageId"]
    assert got["Body"] == "héllo wörld"
    assert got["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert "MessageAttributes" not in got and "Attributes" not in got


async def test_message_attributes_md5_known_answers(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    one = {"SellerName": {"DataType": "String", "StringValue": "Example Store"}}
    two = {
        "ordinal": {"DataType": "Number", "StringValue": "1"},
        "category": {"DataType": "String", "StringValue": "test"},
    }
    # Values published by other SQS implementations that SDKs accept.
    assert (await send(cloud, url, "a", MessageAttributes=one))["MD5OfMessageAttributes"] == (
        "cd28f3b68aeee4b2eac9c66f2f694b58"
    )
    assert (await send(cloud, url, "b", MessageAttributes=two))["MD5OfMessageAttributes"] == (
        "d21ae90c49061e927f57df5f5d72be1f"
    )


async def test_message_attributes_md5_for_string_number_and_binary(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    attributes: dict[str, dict[str, Any]] = {
        "zeta": {"DataType": "String", "StringValue": "ünïcode ✓"},
        "count": {"DataType": "Number", "StringValue": "-12.5e3"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\xffbinary\n"},
        "typed": {"DataType": "Number.int", "StringValue": "7"},
        "image": {"DataType": "Binary.gif", "BinaryValue": b"GIF89a"},
        "label": {"DataType": "String.utf8", "StringValue": "x"},
    }
    sent = await send(cloud, url, "body", MessageAttributes=attributes)
    assert sent["MD5OfMessageAttributes"] == attributes_md5(attributes)
    [got] = await receive(cloud, url, MessageAttributeNames=["All"])
    assert got["MessageAttributes"] == attributes
    assert got["MD5OfMessageAttributes"] == attributes_md5(attributes)


async def test_receive_selects_message_attributes(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q", VisibilityTimeout="0")
    attributes: dict[str, dict[str, Any]] = {
        "color": {"DataType": "String", "StringValue": "red"},
        "meta.a": {"DataType": "Number", "StringValue": "1"},
        "meta.b": {"DataType": "Binary", "BinaryValue": b"\x01"},
        "other": {"DataType": "String", "StringValue": "o"},
    }
    await send(cloud, url, "m", MessageAttributes=attributes)

    async def selected(names: list[str] | None) -> dict[str, Any]:
        params: dict[str, Any] = {} if names is None else {"MessageAttributeNames": names}
        [got] = await receive(cloud, url, **params)
        return got

    for names in (["All"], [".*"]):
        got = await selected(names)
        assert got["MessageAttributes"] == attributes
        assert got["MD5OfMessageAttributes"] == attributes_md5(attributes)
    got = await selected(["color", "meta.*"])
    chosen = {k: attributes[k] for k in ("color", "meta.a", "meta.b")}
    assert got["MessageAttributes"] == chosen
    assert got["MD5OfMessageAttributes"] == attributes_md5(chosen)
    got = await selected(["other"])
    assert got["MessageAttributes"] == {"other": attributes["other"]}
    for absent in (None, ["absent"]):
        got = await selected(absent)
        assert "MessageAttributes" not in got and "MD5OfMessageAttributes" not in got


@pytest.mark.parametrize(
    "names",
    [
        {"MessageAttributeNames": [None]},
        {"MessageAttributeNames": "All"},
        {"AttributeNames": [["All"]]},
        {"MessageSystemAttributeNames": [1]},
    ],
)
async def test_a_receive_with_bad_names_fails_before_taking_anything(
    cloud: Cloud, names: dict[str, Any]
) -> None:
    url = await create_queue(cloud, "q")
    await send(cloud, url, "m", MessageAttributes={"k": {"DataType": "String", "StringValue": "v"}})
    error = await sqs_error(cloud, "ReceiveMessage", {"QueueUrl": url, **names})
    assert error.code == "InvalidParameterValue"
    assert counts(cloud, "q") == (1, 0, 0)
    assert queue(cloud, "q").counters.received == 0


async def test_system_attributes(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q", VisibilityTimeout="10")
    await cloud.clock.advance(1.5)
    trace = {"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1-abc-def"}}
    sent = await send(cloud, url, "m", MessageSystemAttributes=trace)
    assert sent["MD5OfMessageSystemAttributes"] == attributes_md5(trace)
    await cloud.clock.advance(1.5)
    [first] = await receive(cloud, url, AttributeNames=["All"])
    sender = first["Attributes"]["SenderId"]
    assert first["Attributes"] == {
        "SenderId": sender,
        "SentTimestamp": str((START + 1) * 1000 + 500),
        "ApproximateReceiveCount": "1",
        "ApproximateFirstReceiveTimestamp": str((START + 3) * 1000),
        "AWSTraceHeader": "Root=1-abc-def",
    }
    await cloud.clock.advance(10)
    [second] = await receive(
        cloud,
        url,
        MessageSystemAttributeNames=["ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp"],
    )
    assert second["Attributes"] == {
        "ApproximateReceiveCount": "2",
        "ApproximateFirstReceiveTimestamp": str((START + 3) * 1000),
    }
    error = await sqs_error(
        cloud,
        "SendMessage",
        {
            "QueueUrl": url,
            "MessageBody": "m",
            "MessageSystemAttributes": {"SenderId": {"DataType": "String", "StringValue": "x"}},
        },
    )
    assert error.code == "InvalidParameterValue"


@pytest.mark.parametrize(
    "body",
    ["\x00", "ok\x08", "\x1f", "\ufffe", "\uffff", "\ud800", "tail\x0b"],
)
async def test_invalid_body_characters(cloud: Cloud, body: str) -> None:
    url = await create_queue(cloud, "q")
    error = await sqs_error(cloud, "SendMessage", {"QueueUrl": url, "MessageBody": body})
    assert (error.code, error.status) == ("InvalidMessageContents", 400)
    assert error.message.startswith(f"Invalid binary character '#x{ord(body[-1]):X}'")


async def test_valid_body_characters(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    body = "\t\n\r \ud7ff\ue000\ufffd\U00010000\U0010ffff😀"
    await send(cloud, url, body)
    assert bodies(await receive(cloud, url)) == [body]


async def test_empty_or_missing_body(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    assert (await sqs_error(cloud, "SendMessage", {"QueueUrl": url})).code == "MissingParameter"
    error = await sqs_error(cloud, "SendMessage", {"QueueUrl": url, "MessageBody": ""})
    assert error.code == "InvalidParameterValue"


async def test_maximum_message_size_counts_body_and_attributes(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q", MaximumMessageSize="1024")
    await send(cloud, url, "x" * 1024)
    error = await sqs_error(cloud, "SendMessage", {"QueueUrl": url, "MessageBody": "x" * 1025})
    assert (error.code, error.message) == (
        "InvalidParameterValue",
        "One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.",
    )
    # Bytes, not characters.
    error = await sqs_error(cloud, "SendMessage", {"QueueUrl": url, "MessageBody": "é" * 513})
    assert error.code == "InvalidParameterValue"
    # Name (1) + type (6) + value count toward the size.
    fits = {"n": {"DataType": "String", "StringValue": "v" * 17}}
    await send(cloud, url, "x" * 1000, MessageAttributes=fits)
    too_big = {"n": {"DataType": "String", "StringValue": "v" * 18}}
    error = await sqs_error(
        cloud,
        "SendMessage",
        {"QueueUrl": url, "MessageBody": "x" * 1000, "MessageAttributes": too_big},
    )
    assert error.code == "InvalidParameterValue"
    assert counts(cloud, "q") == (2, 0, 0)


async def test_default_maximum_message_size_is_one_mebibyte(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    await send(cloud, url, "x" * 1_048_576)
    error = await sqs_error(cloud, "SendMessage", {"QueueUrl": url, "MessageBody": "x" * 1_048_577})
    assert error.code == "InvalidParameterValue"


@pytest.mark.parametrize(
    "attributes",
    [
        {f"a{i}": {"DataType": "String", "StringValue": "v"} for i in range(11)},
        {"AWS.name": {"DataType": "String", "StringValue": "v"}},
        {"amazon.name": {"DataType": "String", "StringValue": "v"}},
        {".start": {"DataType": "String", "StringValue": "v"}},
        {"end.": {"DataType": "String", "StringValue": "v"}},
        {"two..dots": {"DataType": "String", "StringValue": "v"}},
        {"has space": {"DataType": "String", "StringValue": "v"}},
        {"n" * 257: {"DataType": "String", "StringValue": "v"}},
        {"": {"DataType": "String", "StringValue": "v"}},
        {"n": {"StringValue": "v"}},
        {"n": {"DataType": "", "StringValue": "v"}},
        {"n": {"DataType": 5, "StringValue": "v"}},
        {"n": {"DataType": "Integer", "StringValue": "1"}},
        {"n": {"DataType": "Strings", "StringValue": "1"}},
        {"n": {"DataType": "String"}},
        {"n": {"DataType": "String", "StringValue": ""}},
        {"n": {"DataType": "String", "BinaryValue": b"v"}},
        {"n": {"DataType": "Binary", "StringValue": "v"}},
        {"n": {"DataType": "Number", "StringValue": "twelve"}},
        {"n": {"DataType": "Number", "StringValue": "nan"}},
        {"n": {"DataType": "Number", "StringValue": "inf"}},
        {"n": {"DataType": "Number", "StringValue": "1_000"}},
        {"n": {"DataType": "Number", "StringValue": " 7"}},
        {"n": {"DataType": "Number", "StringValue": "1e127"}},
        {"n": {"DataType": "Number", "StringValue": "1e-129"}},
        {"n": {"DataType": "Number", "StringValue": "1" * 39}},
        {"n": "not a structure"},
    ],
)
async def test_invalid_message_attributes(cloud: Cloud, attributes: dict[str, Any]) -> None:
    url = await create_queue(cloud, "q")
    error = await sqs_error(
        cloud, "SendMessage", {"QueueUrl": url, "MessageBody": "m", "MessageAttributes": attributes}
    )
    assert error.code == "InvalidParameterValue"
    assert counts(cloud, "q") == (0, 0, 0)


async def test_valid_message_attribute_names_and_numbers(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    attributes = {
        name: {"DataType": "String", "StringValue": "v"}
        for name in ("a", "A-b_c.d", "n" * 256, "awsx", "AmazonX", "x.AWS.y")
    }
    numbers = ["1e126", "-1E-128", "-0.5", "1.", ".5", "0", "00012.3400", "9" * 38 + "000"]
    attributes.update(
        {f"n{i}": {"DataType": "Number", "StringValue": v} for i, v in enumerate(numbers[:4])}
    )
    await send(cloud, url, "m", MessageAttributes=attributes)
    more = {f"n{i}": {"DataType": "Number", "StringValue": v} for i, v in enumerate(numbers)}
    await send(cloud, url, "numbers", MessageAttributes=more)
    got = await receive(cloud, url, MaxNumberOfMessages=2, MessageAttributeNames=["All"])
    assert [m["MessageAttributes"] for m in got] == [attributes, more]


# -- ReceiveMessage ---------------------------------------------------------------------


async def test_receive_is_oldest_first_up_to_max_number_of_messages(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    for i in range(15):
        await send(cloud, url, f"m{i}")
    assert bodies(await receive(cloud, url)) == ["m0"]
    assert bodies(await receive(cloud, url, MaxNumberOfMessages=10)) == [
        f"m{i}" for i in range(1, 11)
    ]
    assert bodies(await receive(cloud, url, MaxNumberOfMessages="10")) == [
        f"m{i}" for i in range(11, 15)
    ]
    assert await sqs(cloud, "ReceiveMessage", {"QueueUrl": url}) == {}
    assert counts(cloud, "q") == (0, 15, 0)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "MaxNumberOfMessages",
            0,
            "Value 0 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 "
            "and 10, if provided.",
        ),
        (
            "MaxNumberOfMessages",
            11,
            "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 "
            "and 10, if provided.",
        ),
        (
            "WaitTimeSeconds",
            21,
            "Value 21 for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, "
            "if provided.",
        ),
        (
            "WaitTimeSeconds",
            -1,
            "Value -1 for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, "
            "if provided.",
        ),
        (
            "VisibilityTimeout",
            43201,
            "Value 43201 for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and "
            "<= 43200, if provided.",
        ),
        (
            "MaxNumberOfMessages",
            True,
            "Value True for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 "
            "and 10, if provided.",
        ),
    ],
)
async def test_receive_parameter_ranges(
    cloud: Cloud, name: str, value: object, message: str
) -> None:
    url = await create_queue(cloud, "q")
    error = await sqs_error(cloud, "ReceiveMessage", {"QueueUrl": url, name: value})
    assert (error.code, error.message) == ("InvalidParameterValue", message)


async def test_each_receive_issues_a_new_receipt_handle(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q", VisibilityTimeout="1")
    await send(cloud, url, "m")
    handles = []
    for _ in range(3):
        [got] = await receive(cloud, url)
        handles.append(got["ReceiptHandle"])
        await cloud.clock.advance(1)
    assert len(set(handles)) == 3


async def test_visibility_timeout_hides_a_received_message_until_it_expires(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    await send(cloud, url, "m")
    assert bodies(await receive(cloud, url)) == ["m"]
    await cloud.clock.advance(29.9)
    assert await receive(cloud, url) == []
    assert counts(cloud, "q") == (0, 1, 0)
    await cloud.clock.advance(0.1)
    assert counts(cloud, "q") == (1, 0, 0)
    [again] = await receive(cloud, url, VisibilityTimeout=5, AttributeNames=["All"])
    assert again["Attributes"]["ApproximateReceiveCount"] == "2"
    await cloud.clock.advance(5)
    assert counts(cloud, "q") == (1, 0, 0)
    # VisibilityTimeout=0 on the receive: delivered and visible again at once.
    assert bodies(await receive(cloud, url, VisibilityTimeout=0)) == ["m"]
    await cloud.clock.advance(0)
    assert bodies(await receive(cloud, url)) == ["m"]


async def test_a_message_back_from_its_visibility_timeout_is_received_first(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q", VisibilityTimeout="5")
    await send(cloud, url, "first")
    await receive(cloud, url)
    await send(cloud, url, "second")
    await cloud.clock.advance(5)
    assert bodies(await receive(cloud, url, MaxNumberOfMessages=10)) == ["first", "second"]


async def timed_receive(cloud: Cloud, url: str, **params: Any) -> tuple[float, list[str]]:
    got = await receive(cloud, url, **params)
    return cloud.clock.now(), bodies(got)


async def test_long_poll_returns_as_soon_as_a_message_is_sent(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")

    async def send_later() -> None:
        await cloud.clock.sleep(7.25)
        await send(cloud, url, "late")

    poll = cloud.clock.spawn(timed_receive(cloud, url, WaitTimeSeconds=20))
    cloud.clock.spawn(send_later())
    await cloud.clock.advance(7)
    assert not poll.done()
    await cloud.clock.advance(100)
    assert poll.result() == (START + 7.25, ["late"])


async def test_long_poll_returns_empty_at_the_deadline(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    poll = cloud.clock.spawn(timed_receive(cloud, url, WaitTimeSeconds=20))
    await cloud.clock.advance(19.99)
    assert not poll.done()
    await cloud.clock.advance(0.01)
    assert poll.result() == (START + 20, [])
    assert queue(cloud, "q").counters.empty_receives == 1


async def test_long_poll_wakes_when_a_delayed_or_hidden_message_becomes_visible(
    cloud: Cloud,
) -> None:
    url = await create_queue(cloud, "q", VisibilityTimeout="8")
    await send(cloud, url, "delayed", DelaySeconds=4)
    poll = cloud.clock.spawn(timed_receive(cloud, url, WaitTimeSeconds=20))
    await cloud.clock.advance(5)
    assert poll.result() == (START + 4, ["delayed"])
    poll = cloud.clock.spawn(timed_receive(cloud, url, WaitTimeSeconds=20))
    await cloud.clock.advance(30)
    assert poll.result() == (START + 12, ["delayed"])


async def test_one_message_satisfies_one_of_two_long_polls(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    first = cloud.clock.spawn(timed_receive(cloud, url, WaitTimeSeconds=10))
    second = cloud.clock.spawn(timed_receive(cloud, url, WaitTimeSeconds=15))
    await cloud.clock.advance(2)
    await send(cloud, url, "only")
    await cloud.clock.advance(20)
    assert sorted([first.result(), second.result()]) == [
        (START + 2, ["only"]),
        (START + 15, []),
    ]


async def test_queue_receive_wait_time_is_the_default_long_poll(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q", ReceiveMessageWaitTimeSeconds="6")
    poll = cloud.clock.spawn(timed_receive(cloud, url))
    short = cloud.clock.spawn(timed_receive(cloud, url, WaitTimeSeconds=0))
    await cloud.clock.advance(60)
    assert poll.result() == (START + 6, [])
    assert short.result() == (START, [])


async def test_long_poll_fills_up_to_max_with_what_is_visible_when_it_wakes(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    poll = cloud.clock.spawn(timed_receive(cloud, url, WaitTimeSeconds=20, MaxNumberOfMessages=5))
    await cloud.clock.settle()
    await sqs(
        cloud,
        "SendMessageBatch",
        {"QueueUrl": url, "Entries": [{"Id": f"e{i}", "MessageBody": f"m{i}"} for i in range(3)]},
    )
    await cloud.clock.advance(1)
    # The first send woke the poll; the whole batch was in the queue by the time it ran.
    assert poll.result() == (START, ["m0", "m1", "m2"])


# -- Delays and retention ---------------------------------------------------------------


async def test_queue_delay_and_per_message_delay(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q", DelaySeconds="10")
    await send(cloud, url, "queue delay")
    await send(cloud, url, "own delay", DelaySeconds=3)
    await send(cloud, url, "no delay", DelaySeconds=0)
    assert counts(cloud, "q") == (1, 0, 2)
    assert bodies(await receive(cloud, url, MaxNumberOfMessages=10)) == ["no delay"]
    await cloud.clock.advance(3)
    assert bodies(await receive(cloud, url, MaxNumberOfMessages=10)) == ["own delay"]
    await cloud.clock.advance(6.9)
    assert counts(cloud, "q") == (0, 2, 1)
    await cloud.clock.advance(0.1)
    assert bodies(await receive(cloud, url, MaxNumberOfMessages=10)) == ["queue delay"]
    error = await sqs_error(
        cloud, "SendMessage", {"QueueUrl": url, "MessageBody": "m", "DelaySeconds": 901}
    )
    assert error.code == "InvalidParameterValue"


async def test_retention_expires_messages_in_any_state(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q", MessageRetentionPeriod="60")
    await send(cloud, url, "a")
    await cloud.clock.advance(20)
    await send(cloud, url, "b")
    await receive(cloud, url, VisibilityTimeout=100)  # "a" is in flight when it expires
    await cloud.clock.advance(10)
    await send(cloud, url, "c", DelaySeconds=900)
    await cloud.clock.advance(29.9)
    assert counts(cloud, "q") == (1, 1, 1)
    assert len(queue(cloud, "q")) == 3
    await cloud.clock.advance(0.1)
    assert (len(queue(cloud, "q")), queue(cloud, "q").counters.expired) == (2, 1)
    assert counts(cloud, "q") == (1, 0, 1)
    await cloud.clock.advance(20)
    assert bodies(await receive(cloud, url)) == []
    assert queue(cloud, "q").counters.expired == 2
    await cloud.clock.advance(10)
    assert counts(cloud, "q") == (0, 0, 0)
    assert queue(cloud, "q").counters.expired == 3


async def test_shortening_retention_applies_to_waiting_messages(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    await send(cloud, url, "old")
    await cloud.clock.advance(100)
    await sqs(
        cloud,
        "SetQueueAttributes",
        {"QueueUrl": url, "Attributes": {"MessageRetentionPeriod": "60"}},
    )
    await cloud.clock.advance(0)
    assert len(queue(cloud, "q")) == 0


# -- DeleteMessage ----------------------------------------------------------------------


async def test_delete_message(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q", VisibilityTimeout="1")
    await send(cloud, url, "m")
    [got] = await receive(cloud, url)
    assert (
        await sqs(cloud, "DeleteMessage", {"QueueUrl": url, "ReceiptHandle": got["ReceiptHandle"]})
        == {}
    )
    await cloud.clock.advance(5)
    assert counts(cloud, "q") == (0, 0, 0)
    # Deleting again with the same handle succeeds.
    await delete(cloud, url, got)
    assert queue(cloud, "q").counters.deleted == 1


async def test_a_stale_handle_still_deletes_on_a_standard_queue(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q", VisibilityTimeout="1")
    await send(cloud, url, "m")
    [old] = await receive(cloud, url)
    await cloud.clock.advance(1)
    [new] = await receive(cloud, url)
    assert old["ReceiptHandle"] != new["ReceiptHandle"]
    await delete(cloud, url, old)
    assert counts(cloud, "q") == (0, 0, 0)
    await delete(cloud, url, new)


@pytest.mark.parametrize(
    "handle",
    ["garbage", "AQEB", "bm90IGEgaGFuZGxl", "A" * 76, "é", "AQEB7O/IGkOWfBkz!!"],
)
async def test_malformed_receipt_handles(cloud: Cloud, handle: str) -> None:
    url = await create_queue(cloud, "q")
    error = await sqs_error(cloud, "DeleteMessage", {"QueueUrl": url, "ReceiptHandle": handle})
    assert (error.code, error.status, error.message) == (
        "ReceiptHandleIsInvalid",
        404,
        f'The input receipt handle "{handle}" is not a valid receipt handle.',
    )


async def test_a_handle_from_another_queue_is_invalid(cloud: Cloud) -> None:
    one = await create_queue(cloud, "one")
    two = await create_queue(cloud, "two")
    await send(cloud, one, "m")
    [got] = await receive(cloud, one)
    for action, extra in (
        ("DeleteMessage", {}),
        ("ChangeMessageVisibility", {"VisibilityTimeout": 1}),
    ):
        error = await sqs_error(
            cloud, action, {"QueueUrl": two, "ReceiptHandle": got["ReceiptHandle"], **extra}
        )
        assert error.code == "ReceiptHandleIsInvalid"
    assert counts(cloud, "one") == (0, 1, 0)
    error = await sqs_error(cloud, "DeleteMessage", {"QueueUrl": one})
    assert error.code == "MissingParameter"


# -- ChangeMessageVisibility ------------------------------------------------------------


async def change(cloud: Cloud, url: str, message: dict[str, Any], seconds: object) -> None:
    await sqs(
        cloud,
        "ChangeMessageVisibility",
        {"QueueUrl": url, "ReceiptHandle": message["ReceiptHandle"], "VisibilityTimeout": seconds},
    )


async def test_change_visibility_restarts_the_timeout_from_now(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    await send(cloud, url, "m")
    [got] = await receive(cloud, url)
    await cloud.clock.advance(20)
    await change(cloud, url, got, 60)
    await cloud.clock.advance(59.9)
    assert counts(cloud, "q") == (0, 1, 0)
    await cloud.clock.advance(0.1)
    assert counts(cloud, "q") == (1, 0, 0)
    # The change is not remembered: the next receive uses the queue's timeout again.
    [again] = await receive(cloud, url)
    await cloud.clock.advance(30)
    assert counts(cloud, "q") == (1, 0, 0)
    assert again["ReceiptHandle"] != got["ReceiptHandle"]


async def test_change_visibility_can_shorten(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    await send(cloud, url, "m")
    [got] = await receive(cloud, url)
    await change(cloud, url, got, 2)
    await cloud.clock.advance(2)
    assert counts(cloud, "q") == (1, 0, 0)


async def test_change_visibility_to_zero_makes_the_message_visible_now(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    await send(cloud, url, "first")
    await send(cloud, url, "second")
    [got] = await receive(cloud, url)
    await change(cloud, url, got, 0)
    assert counts(cloud, "q") == (2, 0, 0)
    assert bodies(await receive(cloud, url, MaxNumberOfMessages=2)) == ["first", "second"]


async def test_change_visibility_of_a_message_not_in_flight(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    await send(cloud, url, "m")
    [got] = await receive(cloud, url)
    await cloud.clock.advance(30)
    error = await sqs_error(
        cloud,
        "ChangeMessageVisibility",
        {"QueueUrl": url, "ReceiptHandle": got["ReceiptHandle"], "VisibilityTimeout": 10},
    )
    assert (error.code, error.legacy_code, error.status) == (
        "MessageNotInflight",
        "AWS.SimpleQueueService.MessageNotInflight",
        400,
    )
    [again] = await receive(cloud, url)
    await delete(cloud, url, again)
    error = await sqs_error(
        cloud,
        "ChangeMessageVisibility",
        {"QueueUrl": url, "ReceiptHandle": again["ReceiptHandle"], "VisibilityTimeout": 10},
    )
    assert error.code == "MessageNotInflight"


async def test_change_visibility_total_is_limited_to_twelve_hours(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    await send(cloud, url, "m")
    [got] = await receive(cloud, url, VisibilityTimeout=43_200)
    await cloud.clock.advance(100)
    error = await sqs_error(
        cloud,
        "ChangeMessageVisibility",
        {"QueueUrl": url, "ReceiptHandle": got["ReceiptHandle"], "VisibilityTimeout": 43_101},
    )
    assert error.code == "InvalidParameterValue"
    assert "Total VisibilityTimeout for the message is beyond the limit [43200 seconds]" in (
        error.message
    )
    await change(cloud, url, got, 43_100)
    await cloud.clock.advance(43_099.9)
    assert counts(cloud, "q") == (0, 1, 0)
    await cloud.clock.advance(0.1)
    assert counts(cloud, "q") == (1, 0, 0)


async def test_change_visibility_parameter_checks(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    await send(cloud, url, "m")
    [got] = await receive(cloud, url)
    handle = got["ReceiptHandle"]
    for absent in ({}, {"VisibilityTimeout": None}):
        error = await sqs_error(
            cloud, "ChangeMessageVisibility", {"QueueUrl": url, "ReceiptHandle": handle, **absent}
        )
        assert error.code == "MissingParameter"
    for bad in (-1, 43_201, "soon"):
        error = await sqs_error(
            cloud,
            "ChangeMessageVisibility",
            {"QueueUrl": url, "ReceiptHandle": handle, "VisibilityTimeout": bad},
        )
        assert error.code == "InvalidParameterValue"


# -- Batches ----------------------------------------------------------------------------


async def test_send_message_batch_reports_each_entry(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    response = await sqs(
        cloud,
        "SendMessageBatch",
        {
            "QueueUrl": url,
            "Entries": [
                {"Id": "ok-1", "MessageBody": "one"},
                {"Id": "bad_char", "MessageBody": "\x00"},
                {"Id": "ok-2", "MessageBody": "two", "DelaySeconds": 5},
                {"Id": "no-body"},
                {"Id": "bad-attr", "MessageBody": "x", "MessageAttributes": {"AWS.x": {}}},
            ],
        },
    )
    assert [s["Id"] for s in response["Successful"]] == ["ok-1", "ok-2"]
    assert response["Successful"][0]["MD5OfMessageBody"] == hashlib.md5(b"one").hexdigest()
    assert all(UUID4.match(s["MessageId"]) for s in response["Successful"])
    failed = {f["Id"]: (f["Code"], f["SenderFault"]) for f in response["Failed"]}
    assert failed == {
        "bad_char": ("InvalidMessageContents", True),
        "no-body": ("MissingParameter", True),
        "bad-attr": ("InvalidParameterValue", True),
    }
    assert all(f["Message"] for f in response["Failed"])
    assert counts(cloud, "q") == (1, 0, 1)


@pytest.mark.parametrize("delay", [-1, 901, "soon"])
async def test_a_batch_entry_with_a_bad_delay_fails_alone(cloud: Cloud, delay: object) -> None:
    url = await create_queue(cloud, "q")
    entries = [
        {"Id": "before", "MessageBody": "one"},
        {"Id": "late", "MessageBody": "bad", "DelaySeconds": delay},
        {"Id": "after", "MessageBody": "two", "DelaySeconds": 900},
    ]
    response = await sqs(cloud, "SendMessageBatch", {"QueueUrl": url, "Entries": entries})
    assert [s["Id"] for s in response["Successful"]] == ["before", "after"]
    assert response["Failed"] == [
        {
            "Id": "late",
            "SenderFault": True,
            "Code": "InvalidParameterValue",
            "Message": f"Value {delay} for parameter DelaySeconds is invalid. Reason: "
            "DelaySeconds must be >= 0 and <= 900.",
        }
    ]
    assert counts(cloud, "q") == (1, 0, 1)


async def test_a_fifo_batch_entry_with_its_own_delay_fails_alone(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q.fifo", FifoQueue="true", ContentBasedDeduplication="true")
    entries = [
        {"Id": "plain", "MessageBody": "one", "MessageGroupId": "g"},
        {"Id": "delayed", "MessageBody": "two", "MessageGroupId": "g", "DelaySeconds": 5},
        {"Id": "zero", "MessageBody": "three", "MessageGroupId": "g", "DelaySeconds": 0},
    ]
    response = await sqs(cloud, "SendMessageBatch", {"QueueUrl": url, "Entries": entries})
    assert [s["Id"] for s in response["Successful"]] == ["plain", "zero"]
    assert [(f["Id"], f["Code"]) for f in response["Failed"]] == [
        ("delayed", "InvalidParameterValue")
    ]


@pytest.mark.parametrize(
    ("entries", "code"),
    [
        ([], "EmptyBatchRequest"),
        (None, "EmptyBatchRequest"),
        ([{"Id": f"e{i}", "MessageBody": "m"} for i in range(11)], "TooManyEntriesInBatchRequest"),
        (
            [{"Id": "same", "MessageBody": "m"}, {"Id": "same", "MessageBody": "n"}],
            "BatchEntryIdsNotDistinct",
        ),
        ([{"Id": "has space", "MessageBody": "m"}], "InvalidBatchEntryId"),
        ([{"Id": "x" * 81, "MessageBody": "m"}], "InvalidBatchEntryId"),
        ([{"Id": "", "MessageBody": "m"}], "InvalidBatchEntryId"),
        ([{"MessageBody": "m"}], "InvalidBatchEntryId"),
        ([{"Id": f"e{i}", "MessageBody": "x" * 104_858} for i in range(10)], "BatchRequestTooLong"),
    ],
)
async def test_send_message_batch_request_errors(
    cloud: Cloud, entries: list[dict[str, Any]] | None, code: str
) -> None:
    url = await create_queue(cloud, "q")
    params: dict[str, Any] = {"QueueUrl": url}
    if entries is not None:
        params["Entries"] = entries
    error = await sqs_error(cloud, "SendMessageBatch", params)
    assert (error.code, error.legacy_code) == (code, f"AWS.SimpleQueueService.{code}")
    assert counts(cloud, "q") == (0, 0, 0)


async def test_batch_just_under_the_size_limit(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    entries = [{"Id": f"e{i}", "MessageBody": "x" * 104_857} for i in range(10)]
    response = await sqs(cloud, "SendMessageBatch", {"QueueUrl": url, "Entries": entries})
    assert len(response["Successful"]) == 10
    entries = [{"Id": "a" * 80, "MessageBody": "m"}]
    await sqs(cloud, "SendMessageBatch", {"QueueUrl": url, "Entries": entries})


async def test_delete_message_batch(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    for i in range(3):
        await send(cloud, url, f"m{i}")
    got = await receive(cloud, url, MaxNumberOfMessages=3)
    response = await sqs(
        cloud,
        "DeleteMessageBatch",
        {
            "QueueUrl": url,
            "Entries": [
                {"Id": "a", "ReceiptHandle": got[0]["ReceiptHandle"]},
                {"Id": "b", "ReceiptHandle": "junk"},
                {"Id": "c", "ReceiptHandle": got[2]["ReceiptHandle"]},
            ],
        },
    )
    assert response["Successful"] == [{"Id": "a"}, {"Id": "c"}]
    assert response["Failed"] == [
        {
            "Id": "b",
            "SenderFault": True,
            "Code": "ReceiptHandleIsInvalid",
            "Message": 'The input receipt handle "junk" is not a valid receipt handle.',
        }
    ]
    assert counts(cloud, "q") == (0, 1, 0)
    error = await sqs_error(cloud, "DeleteMessageBatch", {"QueueUrl": url, "Entries": []})
    assert error.code == "EmptyBatchRequest"


async def test_change_message_visibility_batch(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    for i in range(3):
        await send(cloud, url, f"m{i}")
    got = await receive(cloud, url, MaxNumberOfMessages=2)
    await change(cloud, url, got[1], 0)
    response = await sqs(
        cloud,
        "ChangeMessageVisibilityBatch",
        {
            "QueueUrl": url,
            "Entries": [
                {"Id": "long", "ReceiptHandle": got[0]["ReceiptHandle"], "VisibilityTimeout": 100},
                {"Id": "visible", "ReceiptHandle": got[1]["ReceiptHandle"], "VisibilityTimeout": 9},
                {"Id": "bad", "ReceiptHandle": "junk", "VisibilityTimeout": 9},
            ],
        },
    )
    assert response["Successful"] == [{"Id": "long"}]
    assert [(f["Id"], f["Code"]) for f in response["Failed"]] == [
        ("visible", "AWS.SimpleQueueService.MessageNotInflight"),
        ("bad", "ReceiptHandleIsInvalid"),
    ]
    await cloud.clock.advance(99)
    assert counts(cloud, "q") == (2, 1, 0)
    await cloud.clock.advance(1)
    assert counts(cloud, "q") == (3, 0, 0)
    error = await sqs_error(
        cloud,
        "ChangeMessageVisibilityBatch",
        {
            "QueueUrl": url,
            "Entries": [{"Id": "x", "ReceiptHandle": "j", "VisibilityTimeout": 1}] * 2,
        },
    )
    assert error.code == "BatchEntryIdsNotDistinct"


async def test_nothing_is_lost_in_a_simple_run(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    for i in range(25):
        await send(cloud, url, f"m{i}")
    got = await receive_all(cloud, url)
    assert sorted(bodies(got)) == sorted(f"m{i}" for i in range(25))
    for message in got:
        await delete(cloud, url, message)
    c = queue(cloud, "q").counters
    assert (c.sent, c.received, c.deleted, len(queue(cloud, "q"))) == (25, 25, 25, 0)
