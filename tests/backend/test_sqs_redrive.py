"""Dead-letter queues: the move on the excess receive, redrive rules, source listing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from backend.bus import CloudEvent
from backend.cloud import Cloud
from tests.backend.helpers import (
    bodies,
    counts,
    create_queue,
    queue,
    receive,
    send,
    sqs,
    sqs_error,
)

ACCOUNT = "123456789012"
START = 1_795_942_800


def arn(name: str, region: str = "us-east-1") -> str:
    return f"arn:aws:sqs:{region}:{ACCOUNT}:{name}"


def redrive(target: str, count: object = 2) -> str:
    return json.dumps({"deadLetterTargetArn": arn(target), "maxReceiveCount": count})


async def test_the_receive_over_max_receive_count_moves_the_message(cloud: Cloud) -> None:
    events: list[CloudEvent] = []
    cloud.bus.subscribe(events.append)
    dlq = await create_queue(cloud, "dlq")
    src = await create_queue(cloud, "src", VisibilityTimeout="10", RedrivePolicy=redrive("dlq"))
    attributes = {"k": {"DataType": "String", "StringValue": "v"}}
    sent = await send(cloud, src, "poison", MessageAttributes=attributes)
    for _ in range(2):
        assert bodies(await receive(cloud, src)) == ["poison"]
        await cloud.clock.advance(10)
    assert await receive(cloud, src) == []
    assert counts(cloud, "src") == (0, 0, 0)
    assert queue(cloud, "src").counters.moved_to_dlq == 1
    assert events == [
        CloudEvent(
            START + 20,
            "sqs",
            "MovedToDeadLetterQueue",
            f"{sent['MessageId'][:8]} moved from src to dlq after 2 receives",
            "warning",
            arn("src"),
        )
    ]
    [dead] = await receive(cloud, dlq, AttributeNames=["All"], MessageAttributeNames=["All"])
    assert dead["MessageId"] == sent["MessageId"]
    assert dead["MessageAttributes"] == attributes
    assert dead["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert dead["Attributes"] == {
        "SenderId": dead["Attributes"]["SenderId"],
        "SentTimestamp": str(START * 1000),
        "ApproximateReceiveCount": "3",
        "ApproximateFirstReceiveTimestamp": str(START * 1000),
        "DeadLetterQueueSourceArn": arn("src"),
    }
    # Moving is not sending: the DLQ's NumberOfMessagesSent stays at zero.
    assert queue(cloud, "dlq").counters.sent == 0


async def test_the_same_receive_goes_on_to_the_next_message(cloud: Cloud) -> None:
    await create_queue(cloud, "dlq")
    src = await create_queue(cloud, "src", VisibilityTimeout="5", RedrivePolicy=redrive("dlq", 1))
    await send(cloud, src, "poison")
    await receive(cloud, src)
    await send(cloud, src, "good")
    await cloud.clock.advance(5)
    assert bodies(await receive(cloud, src, MaxNumberOfMessages=10)) == ["good"]
    assert counts(cloud, "dlq") == (1, 0, 0)


async def test_a_long_poll_skips_a_moved_message_and_keeps_waiting(cloud: Cloud) -> None:
    await create_queue(cloud, "dlq")
    src = await create_queue(cloud, "src", VisibilityTimeout="5", RedrivePolicy=redrive("dlq", 1))
    await send(cloud, src, "poison")
    await receive(cloud, src)

    async def poll() -> tuple[float, list[str]]:
        got = await receive(cloud, src, WaitTimeSeconds=20)
        return cloud.clock.now(), bodies(got)

    task = cloud.clock.spawn(poll())
    await cloud.clock.advance(8)
    await send(cloud, src, "good")
    await cloud.clock.advance(20)
    assert task.result() == (START + 8, ["good"])
    assert counts(cloud, "dlq") == (1, 0, 0)


async def test_standard_dlq_keeps_the_original_enqueue_time(cloud: Cloud) -> None:
    await create_queue(cloud, "dlq", MessageRetentionPeriod="60")
    src = await create_queue(cloud, "src", VisibilityTimeout="10", RedrivePolicy=redrive("dlq", 1))
    await send(cloud, src, "m")
    await receive(cloud, src)
    await cloud.clock.advance(40)
    assert await receive(cloud, src) == []
    assert len(queue(cloud, "dlq")) == 1
    await cloud.clock.advance(19.9)
    assert len(queue(cloud, "dlq")) == 1
    await cloud.clock.advance(0.1)
    assert len(queue(cloud, "dlq")) == 0
    assert queue(cloud, "dlq").counters.expired == 1


async def test_a_moved_message_expires_on_time_in_a_dlq_that_already_waits(cloud: Cloud) -> None:
    dlq = await create_queue(cloud, "dlq", MessageRetentionPeriod="120")
    src = await create_queue(cloud, "src", VisibilityTimeout="10", RedrivePolicy=redrive("dlq", 1))
    await send(cloud, src, "old")
    await receive(cloud, src)
    await cloud.clock.advance(10)
    await send(cloud, dlq, "direct")  # expires at +130
    await cloud.clock.advance(40)
    assert await receive(cloud, src) == []  # "old" moves at +50, sent at +0
    await cloud.clock.advance(70)
    assert bodies(await receive(cloud, dlq, MaxNumberOfMessages=10)) == ["direct"]
    assert queue(cloud, "dlq").counters.expired == 1


async def test_fifo_dlq_resets_the_enqueue_time_and_keeps_group_order(cloud: Cloud) -> None:
    dlq = await create_queue(cloud, "dlq.fifo", FifoQueue="true", MessageRetentionPeriod="60")
    src = await create_queue(
        cloud,
        "src.fifo",
        FifoQueue="true",
        VisibilityTimeout="5",
        RedrivePolicy=json.dumps({"deadLetterTargetArn": arn("dlq.fifo"), "maxReceiveCount": 1}),
    )
    sent = [
        await send(cloud, src, body, MessageGroupId="A", MessageDeduplicationId=body)
        for body in ("a1", "a2")
    ]
    assert bodies(await receive(cloud, src)) == ["a1"]
    await cloud.clock.advance(5)
    assert bodies(await receive(cloud, src)) == ["a2"]  # a1 moved on this receive
    await cloud.clock.advance(5)
    assert await receive(cloud, src) == []  # a2 moved
    got = await receive(cloud, dlq, MaxNumberOfMessages=10, AttributeNames=["All"])
    assert bodies(got) == ["a1", "a2"]
    assert [m["Attributes"]["MessageGroupId"] for m in got] == ["A", "A"]
    assert all("MessageDeduplicationId" not in m["Attributes"] for m in got)
    numbers = [int(m["Attributes"]["SequenceNumber"]) for m in got]
    assert numbers[0] < numbers[1]
    assert [m["MessageId"] for m in got] == [s["MessageId"] for s in sent]
    # FIFO resets the enqueue time: a2 arrived at +10 and lives 60 s from there.
    await cloud.clock.advance(54.9)
    assert len(queue(cloud, "dlq.fifo")) == 2
    await cloud.clock.advance(0.1)
    assert len(queue(cloud, "dlq.fifo")) == 1
    await cloud.clock.advance(5)
    assert len(queue(cloud, "dlq.fifo")) == 0


async def test_without_its_dlq_a_queue_keeps_delivering(cloud: Cloud) -> None:
    dlq = await create_queue(cloud, "dlq")
    src = await create_queue(cloud, "src", VisibilityTimeout="1", RedrivePolicy=redrive("dlq", 1))
    await send(cloud, src, "m")
    await sqs(cloud, "DeleteQueue", {"QueueUrl": dlq})
    for count in ("1", "2", "3"):
        [got] = await receive(cloud, src, AttributeNames=["ApproximateReceiveCount"])
        assert got["Attributes"]["ApproximateReceiveCount"] == count
        await cloud.clock.advance(1)


async def test_clearing_the_redrive_policy_stops_moves(cloud: Cloud) -> None:
    await create_queue(cloud, "dlq")
    src = await create_queue(cloud, "src", VisibilityTimeout="1", RedrivePolicy=redrive("dlq", 1))
    await sqs(cloud, "SetQueueAttributes", {"QueueUrl": src, "Attributes": {"RedrivePolicy": ""}})
    await send(cloud, src, "m")
    for _ in range(3):
        assert bodies(await receive(cloud, src)) == ["m"]
        await cloud.clock.advance(1)
    assert queue(cloud, "src").redrive is None


@pytest.mark.parametrize(
    ("policy", "code"),
    [
        (redrive("absent"), "InvalidParameterValue"),
        (redrive("dlq.fifo"), "InvalidParameterValue"),
        (redrive("closed"), "InvalidParameterValue"),
        (redrive("only-other"), "InvalidParameterValue"),
        (redrive("dlq", 0), "InvalidAttributeValue"),
        (redrive("dlq", 1001), "InvalidAttributeValue"),
        (redrive("dlq", "many"), "InvalidAttributeValue"),
        (json.dumps({"maxReceiveCount": 3}), "InvalidAttributeValue"),
        (
            json.dumps({"deadLetterTargetArn": "not-an-arn", "maxReceiveCount": 3}),
            "InvalidAttributeValue",
        ),
        ("{broken", "InvalidAttributeValue"),
        (
            json.dumps({"deadLetterTargetArn": arn("dlq", "eu-west-1"), "maxReceiveCount": 3}),
            "InvalidParameterValue",
        ),
    ],
)
async def test_redrive_rules(cloud: Cloud, policy: str, code: str) -> None:
    await create_queue(cloud, "dlq")
    await create_queue(cloud, "dlq.fifo", FifoQueue="true")
    await create_queue(
        cloud, "closed", RedriveAllowPolicy=json.dumps({"redrivePermission": "denyAll"})
    )
    await create_queue(
        cloud,
        "only-other",
        RedriveAllowPolicy=json.dumps(
            {"redrivePermission": "byQueue", "sourceQueueArns": [arn("other")]}
        ),
    )
    await cloud.call("sqs", "CreateQueue", {"QueueName": "dlq"}, region="eu-west-1")
    src = await create_queue(cloud, "src")
    error = await sqs_error(
        cloud, "SetQueueAttributes", {"QueueUrl": src, "Attributes": {"RedrivePolicy": policy}}
    )
    assert error.code == code
    assert queue(cloud, "src").redrive is None
    error = await sqs_error(
        cloud, "CreateQueue", {"QueueName": "new", "Attributes": {"RedrivePolicy": policy}}
    )
    assert error.code == code


async def test_a_queue_cannot_be_its_own_dlq(cloud: Cloud) -> None:
    src = await create_queue(cloud, "src")
    error = await sqs_error(
        cloud,
        "SetQueueAttributes",
        {"QueueUrl": src, "Attributes": {"RedrivePolicy": redrive("src")}},
    )
    assert error.code == "InvalidParameterValue"
    assert error.message.endswith("Reason: Dead-letter target can not be the source queue itself.")


async def test_redrive_allowed_by_queue(cloud: Cloud) -> None:
    allow = json.dumps({"redrivePermission": "byQueue", "sourceQueueArns": [arn("src")]})
    await create_queue(cloud, "dlq", RedriveAllowPolicy=allow)
    await create_queue(cloud, "src", RedrivePolicy=redrive("dlq", "3"))
    assert queue(cloud, "src").redrive is not None
    fifo_dlq = await create_queue(cloud, "d.fifo", FifoQueue="true")
    policy = json.dumps({"deadLetterTargetArn": arn("d.fifo"), "maxReceiveCount": 1000})
    await create_queue(cloud, "s.fifo", FifoQueue="true", RedrivePolicy=policy)
    assert fifo_dlq.endswith("/d.fifo")


async def test_list_dead_letter_source_queues(cloud: Cloud) -> None:
    base = f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}"
    dlq = await create_queue(cloud, "dlq")
    other = await create_queue(cloud, "other-dlq")
    for name in ("src-c", "src-a", "src-b"):
        await create_queue(cloud, name, RedrivePolicy=redrive("dlq"))
    await create_queue(cloud, "src-x", RedrivePolicy=redrive("other-dlq"))
    await create_queue(cloud, "plain")
    assert await sqs(cloud, "ListDeadLetterSourceQueues", {"QueueUrl": dlq}) == {
        "queueUrls": [f"{base}/src-a", f"{base}/src-b", f"{base}/src-c"]
    }
    assert await sqs(cloud, "ListDeadLetterSourceQueues", {"QueueUrl": other}) == {
        "queueUrls": [f"{base}/src-x"]
    }
    plain = f"{base}/plain"
    assert await sqs(cloud, "ListDeadLetterSourceQueues", {"QueueUrl": plain}) == {"queueUrls": []}
    params: dict[str, Any] = {"QueueUrl": dlq, "MaxResults": 2}
    page = await sqs(cloud, "ListDeadLetterSourceQueues", params)
    assert page["queueUrls"] == [f"{base}/src-a", f"{base}/src-b"]
    page = await sqs(
        cloud, "ListDeadLetterSourceQueues", {**params, "NextToken": page["NextToken"]}
    )
    assert page == {"queueUrls": [f"{base}/src-c"]}
    error = await sqs_error(
        cloud, "ListDeadLetterSourceQueues", {"QueueUrl": dlq, "MaxResults": 2, "NextToken": "x"}
    )
    assert error.code == "InvalidParameterValue"
    missing = f"{base}/absent"
    error = await sqs_error(cloud, "ListDeadLetterSourceQueues", {"QueueUrl": missing})
    assert error.code == "QueueDoesNotExist"
