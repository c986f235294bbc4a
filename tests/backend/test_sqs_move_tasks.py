"""Message move tasks: a dead-letter queue redriven on the virtual clock."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest

from backend.bus import CloudEvent
from backend.cloud import Cloud
from backend.services.sqs import SqsService
from backend.services.sqs.move_tasks import MoveTaskState, Status
from tests.backend.helpers import (
    bodies,
    counts,
    create_queue,
    receive,
    receive_all,
    send,
    sqs,
    sqs_error,
)

ACCOUNT = "123456789012"
START = 1_795_942_800
DAY = 86_400


def arn(name: str) -> str:
    return f"arn:aws:sqs:us-east-1:{ACCOUNT}:{name}"


async def dlq_pair(
    cloud: Cloud, source: str = "src", dlq: str = "dlq", **attributes: str
) -> tuple[str, str]:
    """A DLQ and a queue that dead-letters on the second receive; (source URL, DLQ URL)."""
    dlq_url = await create_queue(cloud, dlq, **attributes)
    redrive = json.dumps({"deadLetterTargetArn": arn(dlq), "maxReceiveCount": 1})
    source_url = await create_queue(cloud, source, RedrivePolicy=redrive, **attributes)
    return source_url, dlq_url


async def dead_letter(cloud: Cloud, url: str, *texts: str, **params: Any) -> None:
    """Send `texts` to `url` and receive them twice, so they move to its DLQ."""
    for text in texts:
        await send(cloud, url, text, **params)
    for _ in range(2):
        await receive_all(cloud, url, VisibilityTimeout=0)


async def start(cloud: Cloud, source: str, **params: Any) -> str:
    response = await sqs(cloud, "StartMessageMoveTask", {"SourceArn": arn(source), **params})
    handle = response["TaskHandle"]
    assert isinstance(handle, str)
    return handle


async def tasks(cloud: Cloud, source: str, **params: Any) -> list[dict[str, Any]]:
    response = await sqs(cloud, "ListMessageMoveTasks", {"SourceArn": arn(source), **params})
    results: list[dict[str, Any]] = response["Results"]
    return results


# -- redrive ------------------------------------------------------------------------


async def test_redrive_to_the_source_queue(cloud: Cloud) -> None:
    src, dlq = await dlq_pair(cloud)
    attributes = {"colour": {"DataType": "String", "StringValue": "blue"}}
    await dead_letter(cloud, src, "one", "two", MessageAttributes=attributes)
    dead = await receive(cloud, dlq, MaxNumberOfMessages=10, VisibilityTimeout=0)
    handle = await start(cloud, "dlq")

    decoded = json.loads(base64.b64decode(handle))
    assert list(decoded) == ["taskId", "sourceArn"]
    assert uuid.UUID(decoded["taskId"]).version == 4
    assert decoded["sourceArn"] == arn("dlq")
    assert await tasks(cloud, "dlq") == [
        {
            "Status": "RUNNING",
            "TaskHandle": handle,
            "SourceArn": arn("dlq"),
            "ApproximateNumberOfMessagesMoved": 0,
            "ApproximateNumberOfMessagesToMove": 2,
            "StartedTimestamp": START * 1000,
        }
    ]

    await cloud.clock.advance(0)
    assert counts(cloud, "dlq") == (0, 0, 0)
    assert await tasks(cloud, "dlq") == [
        {
            "Status": "COMPLETED",
            "SourceArn": arn("dlq"),
            "ApproximateNumberOfMessagesMoved": 2,
            "ApproximateNumberOfMessagesToMove": 2,
            "StartedTimestamp": START * 1000,
        }
    ]
    moved = await receive_all(
        cloud, src, MessageAttributeNames=["All"], MessageSystemAttributeNames=["All"]
    )
    assert bodies(moved) == ["one", "two"]
    assert {m["MessageId"] for m in moved}.isdisjoint(m["MessageId"] for m in dead)
    for message in moved:
        assert message["MessageAttributes"] == attributes
        assert message["Attributes"]["ApproximateReceiveCount"] == "1"
        assert "DeadLetterQueueSourceArn" not in message["Attributes"]


async def test_the_rate_moves_so_many_a_simulated_second(cloud: Cloud) -> None:
    src, _ = await dlq_pair(cloud)
    await dead_letter(cloud, src, *(f"m{i}" for i in range(5)))
    await start(cloud, "dlq", MaxNumberOfMessagesPerSecond=2)
    await cloud.clock.advance(0)
    assert counts(cloud, "dlq") == (3, 0, 0)
    assert counts(cloud, "src") == (2, 0, 0)
    await cloud.clock.advance(1)
    assert counts(cloud, "dlq") == (1, 0, 0)
    (running,) = await tasks(cloud, "dlq")
    assert (running["Status"], running["ApproximateNumberOfMessagesMoved"]) == ("RUNNING", 4)
    assert running["MaxNumberOfMessagesPerSecond"] == 2
    await cloud.clock.advance(1)
    (done,) = await tasks(cloud, "dlq")
    assert (done["Status"], done["ApproximateNumberOfMessagesMoved"]) == ("COMPLETED", 5)
    assert bodies(await receive_all(cloud, src)) == [f"m{i}" for i in range(5)]


async def test_messages_go_back_to_each_their_own_source(cloud: Cloud) -> None:
    first, _ = await dlq_pair(cloud, "first")
    redrive = json.dumps({"deadLetterTargetArn": arn("dlq"), "maxReceiveCount": 1})
    second = await create_queue(cloud, "second", RedrivePolicy=redrive)
    await dead_letter(cloud, first, "a1", "a2")
    await dead_letter(cloud, second, "b1")
    await start(cloud, "dlq")
    await cloud.clock.advance(0)
    assert bodies(await receive_all(cloud, first)) == ["a1", "a2"]
    assert bodies(await receive_all(cloud, second)) == ["b1"]


async def test_redrive_to_a_custom_destination(cloud: Cloud) -> None:
    src, _ = await dlq_pair(cloud)
    other = await create_queue(cloud, "elsewhere")
    await dead_letter(cloud, src, "x")
    await start(cloud, "dlq", DestinationArn=arn("elsewhere"))
    (task,) = await tasks(cloud, "dlq")
    assert task["DestinationArn"] == arn("elsewhere")
    await cloud.clock.advance(0)
    assert bodies(await receive_all(cloud, other)) == ["x"]
    assert counts(cloud, "src") == (0, 0, 0)


async def test_only_what_it_can_receive_of_what_was_there(cloud: Cloud) -> None:
    src, dlq = await dlq_pair(cloud)
    await dead_letter(cloud, src, "held", "free")
    (held,) = await receive(cloud, dlq, VisibilityTimeout=60)
    await start(cloud, "dlq", MaxNumberOfMessagesPerSecond=1)
    await dead_letter(cloud, src, "later")
    (task,) = await tasks(cloud, "dlq")
    assert task["ApproximateNumberOfMessagesToMove"] == 1
    await cloud.clock.advance(5)
    (task,) = await tasks(cloud, "dlq")
    assert (task["Status"], task["ApproximateNumberOfMessagesMoved"]) == ("COMPLETED", 1)
    assert bodies(await receive_all(cloud, src)) == ["free"]
    assert held["Body"] == "held"
    assert counts(cloud, "dlq") == (1, 1, 0)


async def test_fifo_redrive_keeps_groups_and_order(cloud: Cloud) -> None:
    fifo = {"FifoQueue": "true", "ContentBasedDeduplication": "true"}
    src, dlq = await dlq_pair(cloud, "src.fifo", "dlq.fifo", **fifo)
    for text in ("a1", "a2", "b1"):
        await send(cloud, src, text, MessageGroupId=text[0])
    for _ in range(4):
        await receive_all(cloud, src, VisibilityTimeout=0)
    dead = await receive(cloud, dlq, MaxNumberOfMessages=10, VisibilityTimeout=0)
    assert bodies(dead) == ["a1", "a2", "b1"]
    await start(cloud, "dlq.fifo")
    await cloud.clock.advance(0)
    moved = await receive_all(cloud, src, MessageSystemAttributeNames=["All"])
    assert bodies(moved) == ["a1", "a2", "b1"]
    assert [m["Attributes"]["MessageGroupId"] for m in moved] == ["a", "a", "b"]
    assert [m["Attributes"]["MessageDeduplicationId"] for m in moved] == [
        m["MessageId"] for m in dead
    ]
    numbers = [int(m["Attributes"]["SequenceNumber"]) for m in moved]
    assert numbers == sorted(numbers)


# -- ending -------------------------------------------------------------------------


async def test_cancel_stops_at_the_next_step(cloud: Cloud) -> None:
    src, _ = await dlq_pair(cloud)
    await dead_letter(cloud, src, *(f"m{i}" for i in range(5)))
    handle = await start(cloud, "dlq", MaxNumberOfMessagesPerSecond=1)
    await cloud.clock.advance(0)
    cancelled = await sqs(cloud, "CancelMessageMoveTask", {"TaskHandle": handle})
    assert cancelled == {"ApproximateNumberOfMessagesMoved": 1}
    (task,) = await tasks(cloud, "dlq")
    assert task["Status"] == "CANCELLING"
    assert "TaskHandle" not in task
    error = await sqs_error(cloud, "StartMessageMoveTask", {"SourceArn": arn("dlq")})
    assert error.code == "InvalidParameterValue"
    await cloud.clock.advance(1)
    (task,) = await tasks(cloud, "dlq")
    assert (task["Status"], task["ApproximateNumberOfMessagesMoved"]) == ("CANCELLED", 1)
    await cloud.clock.advance(10)
    assert counts(cloud, "dlq") == (4, 0, 0)
    error = await sqs_error(cloud, "CancelMessageMoveTask", {"TaskHandle": handle})
    assert (error.code, error.message, error.status) == (
        "ResourceNotFoundException",
        "Task does not exist.",
        404,
    )
    await start(cloud, "dlq")
    await cloud.clock.advance(0)
    assert counts(cloud, "dlq") == (0, 0, 0)


async def test_only_one_active_task_per_queue(cloud: Cloud) -> None:
    src, _ = await dlq_pair(cloud)
    await dead_letter(cloud, src, "a", "b")
    await start(cloud, "dlq", MaxNumberOfMessagesPerSecond=1)
    error = await sqs_error(cloud, "StartMessageMoveTask", {"SourceArn": arn("dlq")})
    assert (error.code, error.message) == (
        "InvalidParameterValue",
        "There is already a task running. Only one active task is allowed for a source queue "
        "arn at a given time.",
    )


async def test_deleting_the_destination_fails_the_task(cloud: Cloud) -> None:
    src, _ = await dlq_pair(cloud)
    target = await create_queue(cloud, "target")
    await dead_letter(cloud, src, *(f"m{i}" for i in range(4)))
    await start(cloud, "dlq", DestinationArn=arn("target"), MaxNumberOfMessagesPerSecond=1)
    await cloud.clock.advance(1)
    await sqs(cloud, "DeleteQueue", {"QueueUrl": target})
    await cloud.clock.advance(1)
    (task,) = await tasks(cloud, "dlq")
    assert task["Status"] == "FAILED"
    assert task["FailureReason"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert task["ApproximateNumberOfMessagesMoved"] == 2
    assert counts(cloud, "dlq") == (2, 0, 0)


async def test_a_message_without_a_source_fails_a_redrive_to_source(cloud: Cloud) -> None:
    src, dlq = await dlq_pair(cloud)
    await dead_letter(cloud, src, "redriven")
    await send(cloud, dlq, "sent straight here")
    await start(cloud, "dlq")
    await cloud.clock.advance(0)
    (task,) = await tasks(cloud, "dlq")
    assert (task["Status"], task["FailureReason"]) == (
        "FAILED",
        "AWS.SimpleQueueService.NonExistentQueue",
    )
    assert task["ApproximateNumberOfMessagesMoved"] == 1
    assert bodies(await receive_all(cloud, dlq)) == ["sent straight here"]


async def test_deleting_the_source_fails_and_forgets_its_tasks(cloud: Cloud) -> None:
    events: list[CloudEvent] = []
    cloud.bus.subscribe(events.append)
    src, dlq = await dlq_pair(cloud)
    await dead_letter(cloud, src, "a", "b")
    await start(cloud, "dlq", MaxNumberOfMessagesPerSecond=1)
    await sqs(cloud, "DeleteQueue", {"QueueUrl": dlq})
    assert events[-1].kind == "MessageMoveTaskFailed"
    await cloud.clock.advance(60)
    await create_queue(cloud, "dlq")
    assert await tasks(cloud, "dlq") == []


async def test_the_bus_hears_each_start_and_end(cloud: Cloud) -> None:
    events: list[CloudEvent] = []
    src, _ = await dlq_pair(cloud)
    await dead_letter(cloud, src, "a", "b")
    cloud.bus.subscribe(events.append)
    handle = await start(cloud, "dlq", MaxNumberOfMessagesPerSecond=1)
    await cloud.clock.advance(0)
    await sqs(cloud, "CancelMessageMoveTask", {"TaskHandle": handle})
    await cloud.clock.advance(1)
    await start(cloud, "dlq")
    await cloud.clock.advance(0)
    assert [(e.kind, e.severity, e.resource) for e in events] == [
        ("MessageMoveTaskStarted", "information", arn("dlq")),
        ("MessageMoveTaskCancelled", "warning", arn("dlq")),
        ("MessageMoveTaskStarted", "information", arn("dlq")),
        ("MessageMoveTaskCompleted", "information", arn("dlq")),
    ]
    assert (
        events[0].summary == "Redrive from dlq to their source queues started: 2 messages to move"
    )
    assert events[1].summary == "Redrive from dlq cancelled after 1 of 2 messages"
    assert events[3].summary == "Redrive from dlq completed: 1 messages moved"


# -- listing and the dashboard's view -------------------------------------------------


async def test_list_gives_the_newest_first_ten_at_most_for_fourteen_days(cloud: Cloud) -> None:
    await dlq_pair(cloud)
    for _ in range(12):
        await start(cloud, "dlq")
        await cloud.clock.advance(DAY)
    everything = await tasks(cloud, "dlq", MaxResults=10)
    assert len(everything) == 10
    started = [t["StartedTimestamp"] for t in everything]
    assert started == sorted(started, reverse=True)
    assert started[0] == (START + 11 * DAY) * 1000
    assert await tasks(cloud, "dlq") == everything[:1]
    await cloud.clock.advance(5 * DAY)
    assert len(await tasks(cloud, "dlq", MaxResults=10)) == 9


async def test_the_dashboard_view(cloud: Cloud) -> None:
    src, _ = await dlq_pair(cloud)
    await dead_letter(cloud, src, "a", "b", "c")
    await start(cloud, "dlq", MaxNumberOfMessagesPerSecond=2)
    await cloud.clock.advance(0)
    service = cloud.service(SqsService)
    (state,) = service.move_tasks(arn("dlq"))
    assert isinstance(state, MoveTaskState)
    assert (state.status, state.moved, state.to_move, state.rate) == (Status.RUNNING, 2, 3, 2)
    assert (state.destination_arn, state.active, state.ended_at) == (None, True, None)
    await cloud.clock.advance(1)
    (state,) = service.move_tasks(arn("dlq"))
    assert (state.status, state.moved, state.ended_at) == (Status.COMPLETED, 3, START + 1)
    assert service.move_tasks(arn("src")) == []
    assert service.is_dead_letter_queue(arn("dlq"))
    assert not service.is_dead_letter_queue(arn("src"))


async def test_reset_forgets_tasks_and_stops_them(cloud: Cloud) -> None:
    src, _ = await dlq_pair(cloud)
    await dead_letter(cloud, src, "a", "b")
    await start(cloud, "dlq", MaxNumberOfMessagesPerSecond=1)
    cloud.reset()
    src, _ = await dlq_pair(cloud)
    await dead_letter(cloud, src, "c", "d")
    await cloud.clock.advance(10)
    assert counts(cloud, "dlq") == (2, 0, 0)
    assert cloud.service(SqsService).move_tasks(arn("dlq")) == []


# -- errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "code", "message"),
    [
        ({}, "MissingParameter", "The request must contain the parameter SourceArn."),
        (
            {"SourceArn": "dlq"},
            "InvalidParameterValue",
            "You must use this format to specify the SourceArn: "
            "arn:<partition>:<service>:<region>:<account-id>:<resource-id>",
        ),
        (
            {"SourceArn": arn("missing")},
            "ResourceNotFoundException",
            "The resource that you specified for the SourceArn parameter doesn't exist.",
        ),
        (
            {"SourceArn": arn("dlq").replace("us-east-1", "eu-west-1")},
            "ResourceNotFoundException",
            "The resource that you specified for the SourceArn parameter doesn't exist.",
        ),
        (
            {"SourceArn": arn("src")},
            "InvalidParameterValue",
            "Source queue must be configured as a Dead Letter Queue.",
        ),
        (
            {"SourceArn": arn("dlq"), "DestinationArn": arn("dlq") + "doesntexist"},
            "ResourceNotFoundException",
            "The resource that you specified for the DestinationArn parameter doesn't exist.",
        ),
        (
            {"SourceArn": arn("dlq"), "DestinationArn": arn("dlq")},
            "InvalidParameterValue",
            "Source queue arn and destination queue arn cannot be the same.",
        ),
        (
            {"SourceArn": arn("dlq"), "DestinationArn": arn("ordered.fifo")},
            "InvalidParameterValue",
            "Value for parameter DestinationArn is invalid. Reason: The destination queue must "
            "be the same type of queue as the source.",
        ),
        (
            {"SourceArn": arn("dlq"), "MaxNumberOfMessagesPerSecond": 0},
            "InvalidParameterValue",
            "Value 0 for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: Must be "
            "between 1 and 500.",
        ),
        (
            {"SourceArn": arn("dlq"), "MaxNumberOfMessagesPerSecond": 501},
            "InvalidParameterValue",
            "Value 501 for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: Must be "
            "between 1 and 500.",
        ),
    ],
)
async def test_start_errors(cloud: Cloud, params: dict[str, Any], code: str, message: str) -> None:
    await dlq_pair(cloud)
    await create_queue(cloud, "ordered.fifo", FifoQueue="true")
    error = await sqs_error(cloud, "StartMessageMoveTask", params)
    assert (error.code, error.message) == (code, message)
    assert error.status == (404 if code == "ResourceNotFoundException" else 400)


@pytest.mark.parametrize("limit", [0, 11])
async def test_list_max_results(cloud: Cloud, limit: int) -> None:
    await dlq_pair(cloud)
    error = await sqs_error(
        cloud, "ListMessageMoveTasks", {"SourceArn": arn("dlq"), "MaxResults": limit}
    )
    assert (error.code, error.message) == (
        "InvalidParameterValue",
        f"Value {limit} for parameter MaxResults is invalid. Reason: Must be between 1 and 10.",
    )


async def test_list_of_a_missing_queue(cloud: Cloud) -> None:
    error = await sqs_error(cloud, "ListMessageMoveTasks", {"SourceArn": arn("missing")})
    assert (error.code, error.status) == ("ResourceNotFoundException", 404)


def handle_of(task_id: str, source_arn: str) -> str:
    document = json.dumps({"taskId": task_id, "sourceArn": source_arn}, separators=(",", ":"))
    return base64.b64encode(document.encode()).decode()


@pytest.mark.parametrize(
    ("handle", "code", "message"),
    [
        ("foobared", "InvalidParameterValue", "Value for parameter TaskHandle is invalid."),
        (
            base64.b64encode(b'["not", "a", "handle"]').decode(),
            "InvalidParameterValue",
            "Value for parameter TaskHandle is invalid.",
        ),
        (
            base64.b64encode(b"[" * 5000).decode(),
            "InvalidParameterValue",
            "Value for parameter TaskHandle is invalid.",
        ),
        (
            handle_of("10f57157-fc38-4da9-a113-4de7e12d05dd", arn("gone")),
            "ResourceNotFoundException",
            "The resource that you specified for the SourceArn parameter doesn't exist.",
        ),
        (
            handle_of("10f57157-fc38-4da9-a113-4de7e12d05aa", arn("dlq")),
            "ResourceNotFoundException",
            "Task does not exist.",
        ),
    ],
)
async def test_cancel_errors(cloud: Cloud, handle: str, code: str, message: str) -> None:
    await dlq_pair(cloud)
    error = await sqs_error(cloud, "CancelMessageMoveTask", {"TaskHandle": handle})
    assert (error.code, error.message) == (code, message)
    missing = await sqs_error(cloud, "CancelMessageMoveTask", {})
    assert missing.message == "The request must contain the parameter TaskHandle."
