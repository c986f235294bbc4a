"""FIFO queues: groups, order, locking, deduplication, sequence numbers, throttling."""

from __future__ import annotations

import hashlib
from typing import Any

from backend.cloud import Cloud
from backend.services.sqs import SqsService
from tests.backend.helpers import (
    bodies,
    counts,
    create_queue,
    delete,
    queue,
    receive,
    send,
    sqs,
    sqs_error,
)

START = 1_795_942_800


async def fifo(cloud: Cloud, name: str = "q.fifo", **attributes: str) -> str:
    return await create_queue(cloud, name, FifoQueue="true", **attributes)


async def put(
    cloud: Cloud, url: str, body: str, group: str, dedup: str | None = None
) -> dict[str, Any]:
    return await send(cloud, url, body, MessageGroupId=group, MessageDeduplicationId=dedup or body)


async def test_send_rules(cloud: Cloud) -> None:
    url = await fifo(cloud)
    error = await sqs_error(
        cloud, "SendMessage", {"QueueUrl": url, "MessageBody": "m", "MessageDeduplicationId": "d"}
    )
    assert (error.code, error.message) == (
        "MissingParameter",
        "The request must contain the parameter MessageGroupId.",
    )
    error = await sqs_error(
        cloud, "SendMessage", {"QueueUrl": url, "MessageBody": "m", "MessageGroupId": "g"}
    )
    assert error.code == "InvalidParameterValue"
    assert "ContentBasedDeduplication" in error.message
    for delay in (1, 900):
        error = await sqs_error(
            cloud,
            "SendMessage",
            {
                "QueueUrl": url,
                "MessageBody": "m",
                "MessageGroupId": "g",
                "MessageDeduplicationId": "d",
                "DelaySeconds": delay,
            },
        )
        assert error.code == "InvalidParameterValue"
    for field, value in (
        ("MessageGroupId", "has space"),
        ("MessageGroupId", "g" * 129),
        ("MessageDeduplicationId", "ünï"),
        ("MessageDeduplicationId", "d" * 129),
    ):
        params = {
            "QueueUrl": url,
            "MessageBody": "m",
            "MessageGroupId": "g",
            "MessageDeduplicationId": "d",
            field: value,
        }
        assert (await sqs_error(cloud, "SendMessage", params)).code == "InvalidParameterValue"
    await send(
        cloud, url, "m", MessageGroupId="!~" + "g" * 126, MessageDeduplicationId="#$%&'()*+,-./:;"
    )
    assert counts(cloud, "q.fifo") == (1, 0, 0)


async def test_standard_queues_take_group_ids_but_not_dedup_ids(cloud: Cloud) -> None:
    url = await create_queue(cloud, "std")
    await send(cloud, url, "fair", MessageGroupId="tenant-1")
    [got] = await receive(cloud, url, MessageSystemAttributeNames=["All"])
    assert got["Attributes"]["MessageGroupId"] == "tenant-1"
    assert "SequenceNumber" not in got["Attributes"]
    error = await sqs_error(
        cloud, "SendMessage", {"QueueUrl": url, "MessageBody": "m", "MessageDeduplicationId": "d"}
    )
    assert error.code == "InvalidParameterValue"


async def test_fifo_system_attributes_and_sequence_numbers(cloud: Cloud) -> None:
    url = await fifo(cloud)
    sent = [await put(cloud, url, f"m{i}", "g" if i % 2 else "h") for i in range(4)]
    numbers = [int(s["SequenceNumber"]) for s in sent]
    assert numbers == sorted(numbers) and len(set(numbers)) == 4
    assert all(len(s["SequenceNumber"]) == 20 for s in sent)
    got = await receive(cloud, url, MaxNumberOfMessages=10, AttributeNames=["All"])
    attributes = {m["Body"]: m["Attributes"] for m in got}
    assert attributes["m1"] == {
        "SenderId": attributes["m1"]["SenderId"],
        "SentTimestamp": str(START * 1000),
        "ApproximateReceiveCount": "1",
        "ApproximateFirstReceiveTimestamp": str(START * 1000),
        "SequenceNumber": sent[1]["SequenceNumber"],
        "MessageDeduplicationId": "m1",
        "MessageGroupId": "g",
    }


async def test_order_within_a_group(cloud: Cloud) -> None:
    url = await fifo(cloud)
    for i in range(6):
        await put(cloud, url, f"m{i}", "g")
    seen = []
    while got := await receive(cloud, url):
        seen += bodies(got)
        await delete(cloud, url, got[0])
    assert seen == [f"m{i}" for i in range(6)]


async def test_a_group_is_locked_while_a_message_of_it_is_in_flight(cloud: Cloud) -> None:
    url = await fifo(cloud, VisibilityTimeout="10")
    await put(cloud, url, "a1", "A")
    await put(cloud, url, "a2", "A")
    await put(cloud, url, "b1", "B")
    [a1] = await receive(cloud, url)
    assert a1["Body"] == "a1"
    # Group A is blocked, group B still delivers.
    assert bodies(await receive(cloud, url, MaxNumberOfMessages=10)) == ["b1"]
    assert await receive(cloud, url, MaxNumberOfMessages=10) == []
    assert counts(cloud, "q.fifo") == (1, 2, 0)
    await delete(cloud, url, a1)
    assert bodies(await receive(cloud, url, MaxNumberOfMessages=10)) == ["a2"]


async def test_a_message_back_from_its_timeout_is_first_in_its_group_again(cloud: Cloud) -> None:
    url = await fifo(cloud, VisibilityTimeout="10")
    for body in ("a1", "a2", "a3"):
        await put(cloud, url, body, "A")
    assert bodies(await receive(cloud, url, MaxNumberOfMessages=2)) == ["a1", "a2"]
    await cloud.clock.advance(10)
    got = await receive(
        cloud, url, MaxNumberOfMessages=10, AttributeNames=["ApproximateReceiveCount"]
    )
    assert [(m["Body"], m["Attributes"]["ApproximateReceiveCount"]) for m in got] == [
        ("a1", "2"),
        ("a2", "2"),
        ("a3", "1"),
    ]


async def test_a_receive_fills_from_one_group_first(cloud: Cloud) -> None:
    url = await fifo(cloud)
    for body, group in (("a1", "A"), ("b1", "B"), ("a2", "A"), ("b2", "B"), ("a3", "A")):
        await put(cloud, url, body, group)
    assert bodies(await receive(cloud, url, MaxNumberOfMessages=2)) == ["a1", "a2"]
    assert bodies(await receive(cloud, url, MaxNumberOfMessages=10)) == ["b1", "b2"]
    url2 = await fifo(cloud, "r.fifo")
    for body, group in (("b1", "B"), ("a1", "A"), ("b2", "B"), ("a2", "A")):
        await put(cloud, url2, body, group)
    assert bodies(await receive(cloud, url2, MaxNumberOfMessages=10)) == ["b1", "b2", "a1", "a2"]


async def test_change_visibility_to_zero_unlocks_the_group(cloud: Cloud) -> None:
    url = await fifo(cloud)
    await put(cloud, url, "a1", "A")
    await put(cloud, url, "a2", "A")
    [a1] = await receive(cloud, url)
    await sqs(
        cloud,
        "ChangeMessageVisibility",
        {"QueueUrl": url, "ReceiptHandle": a1["ReceiptHandle"], "VisibilityTimeout": 0},
    )
    assert bodies(await receive(cloud, url, MaxNumberOfMessages=10)) == ["a1", "a2"]


async def test_dedup_with_explicit_ids_lasts_five_minutes(cloud: Cloud) -> None:
    url = await fifo(cloud)
    first = await put(cloud, url, "body-1", "g", dedup="d-1")
    await cloud.clock.advance(299.9)
    again = await put(cloud, url, "body-2", "g", dedup="d-1")
    assert again == first
    assert len(queue(cloud, "q.fifo")) == 1
    await cloud.clock.advance(0.1)
    fresh = await put(cloud, url, "body-3", "g", dedup="d-1")
    assert fresh["MessageId"] != first["MessageId"]
    assert int(fresh["SequenceNumber"]) > int(first["SequenceNumber"])
    assert bodies(await receive(cloud, url, MaxNumberOfMessages=10)) == ["body-1", "body-3"]
    assert queue(cloud, "q.fifo").counters.sent == 2


async def test_dedup_outlives_the_message(cloud: Cloud) -> None:
    url = await fifo(cloud)
    await put(cloud, url, "m", "g", dedup="d")
    [got] = await receive(cloud, url)
    await delete(cloud, url, got)
    await put(cloud, url, "m", "g", dedup="d")
    assert len(queue(cloud, "q.fifo")) == 0


async def test_content_based_dedup(cloud: Cloud) -> None:
    url = await fifo(cloud, ContentBasedDeduplication="true")
    one = await send(cloud, url, "same", MessageGroupId="g")
    two = await send(cloud, url, "same", MessageGroupId="other-group")
    assert one["MessageId"] == two["MessageId"]
    await send(cloud, url, "different", MessageGroupId="g")
    # An explicit id wins over the body's hash.
    await send(cloud, url, "same", MessageGroupId="g", MessageDeduplicationId="explicit")
    got = await receive(
        cloud, url, MaxNumberOfMessages=10, AttributeNames=["MessageDeduplicationId"]
    )
    assert [(m["Body"], m["Attributes"]["MessageDeduplicationId"]) for m in got] == [
        ("same", hashlib.sha256(b"same").hexdigest()),
        ("different", hashlib.sha256(b"different").hexdigest()),
        ("same", "explicit"),
    ]
    await cloud.clock.advance(300)
    await send(cloud, url, "same", MessageGroupId="g")
    assert queue(cloud, "q.fifo").counters.sent == 4


async def test_dedup_scope_message_group(cloud: Cloud) -> None:
    url = await fifo(cloud, DeduplicationScope="messageGroup")
    a = await put(cloud, url, "m", "A", dedup="d")
    b = await put(cloud, url, "m", "B", dedup="d")
    assert a["MessageId"] != b["MessageId"]
    assert (await put(cloud, url, "m", "A", dedup="d")) == a
    assert len(queue(cloud, "q.fifo")) == 2


async def test_receive_request_attempt_id_replays_the_same_receive(cloud: Cloud) -> None:
    url = await fifo(cloud, VisibilityTimeout="600")
    for body, group in (("a1", "A"), ("a2", "A"), ("b1", "B")):
        await put(cloud, url, body, group)
    params: dict[str, Any] = {
        "MaxNumberOfMessages": 2,
        "ReceiveRequestAttemptId": "attempt-1",
        "AttributeNames": ["ApproximateReceiveCount"],
    }
    first = await receive(cloud, url, **params)
    await cloud.clock.advance(60)
    replay = await receive(cloud, url, **params)
    assert replay == first
    assert bodies(first) == ["a1", "a2"]
    assert all(m["Attributes"]["ApproximateReceiveCount"] == "1" for m in replay)
    # Another attempt id is a new receive.
    assert bodies(await receive(cloud, url, ReceiveRequestAttemptId="attempt-2")) == ["b1"]
    # Once a message of the attempt is deleted, the id starts a new receive.
    await delete(cloud, url, first[0])
    assert await receive(cloud, url, **params) == []
    error = await sqs_error(
        cloud, "ReceiveMessage", {"QueueUrl": url, "ReceiveRequestAttemptId": "bad id"}
    )
    assert error.code == "InvalidParameterValue"


async def test_receive_request_attempt_id_expires_with_the_visibility_timeout(cloud: Cloud) -> None:
    url = await fifo(cloud, VisibilityTimeout="30")
    await put(cloud, url, "a1", "A")
    [first] = await receive(cloud, url, ReceiveRequestAttemptId="x")
    await cloud.clock.advance(30)
    [second] = await receive(cloud, url, ReceiveRequestAttemptId="x")
    assert second["ReceiptHandle"] != first["ReceiptHandle"]


async def test_old_receive_attempts_are_forgotten(cloud: Cloud) -> None:
    url = await fifo(cloud, VisibilityTimeout="1")
    for i in range(5):
        await put(cloud, url, f"m{i}", f"g{i}")
        await receive(cloud, url, ReceiveRequestAttemptId=f"attempt-{i}")
    attempts = cloud.service(SqsService)._attempts
    assert len(attempts) == 5
    await cloud.clock.advance(301)
    await put(cloud, url, "late", "g-late")
    await receive(cloud, url, ReceiveRequestAttemptId="attempt-late", MaxNumberOfMessages=10)
    assert list(attempts) == [(queue(cloud, "q.fifo").arn, "attempt-late")]


async def test_a_stale_handle_has_expired_on_a_fifo_queue(cloud: Cloud) -> None:
    url = await fifo(cloud, VisibilityTimeout="5")
    await put(cloud, url, "m", "g")
    [old] = await receive(cloud, url)
    await cloud.clock.advance(5)
    for action, extra in (
        ("DeleteMessage", {}),
        ("ChangeMessageVisibility", {"VisibilityTimeout": 9}),
    ):
        error = await sqs_error(
            cloud, action, {"QueueUrl": url, "ReceiptHandle": old["ReceiptHandle"], **extra}
        )
        assert (error.code, error.message) == (
            "InvalidParameterValue",
            f"Value {old['ReceiptHandle']} for parameter ReceiptHandle is invalid. Reason: The "
            "receipt handle has expired.",
        )
    [new] = await receive(cloud, url)
    error = await sqs_error(
        cloud, "DeleteMessage", {"QueueUrl": url, "ReceiptHandle": old["ReceiptHandle"]}
    )
    assert error.code == "InvalidParameterValue"
    await delete(cloud, url, new)
    assert len(queue(cloud, "q.fifo")) == 0


async def test_fifo_queue_delay_applies_to_the_whole_group(cloud: Cloud) -> None:
    url = await fifo(cloud, DelaySeconds="5")
    await put(cloud, url, "a1", "A")
    assert counts(cloud, "q.fifo") == (0, 0, 1)
    await cloud.clock.advance(5)
    assert bodies(await receive(cloud, url)) == ["a1"]


async def test_fifo_throttles_each_action_at_300_per_second(cloud: Cloud) -> None:
    url = await fifo(cloud, ContentBasedDeduplication="true")
    for i in range(300):
        await send(cloud, url, f"m{i}", MessageGroupId="g")
    error = await sqs_error(
        cloud, "SendMessage", {"QueueUrl": url, "MessageBody": "x", "MessageGroupId": "g"}
    )
    assert (error.code, error.message) == ("ThrottlingException", "Rate exceeded")
    error = await sqs_error(
        cloud,
        "SendMessageBatch",
        {"QueueUrl": url, "Entries": [{"Id": "a", "MessageBody": "x", "MessageGroupId": "g"}]},
    )
    assert error.code == "ThrottlingException"
    assert queue(cloud, "q.fifo").counters.sent == 300
    # Receive has its own budget.
    assert len(await receive(cloud, url, MaxNumberOfMessages=10)) == 10
    await cloud.clock.advance(1)
    await send(cloud, url, "after a second", MessageGroupId="g")
    assert queue(cloud, "q.fifo").counters.sent == 301


async def test_a_batch_counts_as_one_transaction(cloud: Cloud) -> None:
    url = await fifo(cloud, ContentBasedDeduplication="true")
    for i in range(300):
        entries = [
            {"Id": f"e{j}", "MessageBody": f"{i}-{j}", "MessageGroupId": "g"} for j in range(10)
        ]
        response = await sqs(cloud, "SendMessageBatch", {"QueueUrl": url, "Entries": entries})
        assert len(response["Successful"]) == 10
    assert queue(cloud, "q.fifo").counters.sent == 3000


async def test_high_throughput_can_be_switched_on_one_attribute_at_a_time(cloud: Cloud) -> None:
    url = await fifo(cloud)

    async def set_attributes(**values: str) -> None:
        await sqs(cloud, "SetQueueAttributes", {"QueueUrl": url, "Attributes": values})

    error = await sqs_error(
        cloud,
        "SetQueueAttributes",
        {"QueueUrl": url, "Attributes": {"FifoThroughputLimit": "perMessageGroupId"}},
    )
    assert error.code == "InvalidAttributeValue"
    await set_attributes(DeduplicationScope="messageGroup")
    await set_attributes(FifoThroughputLimit="perMessageGroupId")
    assert queue(cloud, "q.fifo").high_throughput
    error = await sqs_error(
        cloud,
        "SetQueueAttributes",
        {"QueueUrl": url, "Attributes": {"DeduplicationScope": "queue"}},
    )
    assert error.code == "InvalidAttributeValue"
    await set_attributes(DeduplicationScope="queue", FifoThroughputLimit="perQueue")
    assert not queue(cloud, "q.fifo").high_throughput


async def test_high_throughput_fifo_and_standard_queues_are_not_throttled(cloud: Cloud) -> None:
    fast = await fifo(
        cloud,
        "fast.fifo",
        ContentBasedDeduplication="true",
        DeduplicationScope="messageGroup",
        FifoThroughputLimit="perMessageGroupId",
    )
    standard = await create_queue(cloud, "std")
    for i in range(400):
        await send(cloud, fast, f"m{i}", MessageGroupId=f"g{i % 7}")
        await send(cloud, standard, f"m{i}")
    assert len(queue(cloud, "fast.fifo")) == 400
    assert len(queue(cloud, "std")) == 400
