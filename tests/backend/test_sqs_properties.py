"""Property tests: whatever callers do, SQS keeps its invariants.

Each example builds a fresh seeded cloud and drives it with a random
sequence of calls and clock steps; the async body runs under `asyncio.run`
inside the synchronous hypothesis test.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from backend.cloud import Cloud
from backend.errors import AwsError
from backend.services import new_cloud
from backend.services.sqs import Queue, SqsService
from backend.services.sqs.message import State
from tests.backend.helpers import create_queue, queue, run, sqs

Op = tuple[str, int, int]

#: Weighted so that most scripts send, receive and delete a good deal.
STANDARD_OPS = ["send"] * 4 + ["receive"] * 3 + ["delete"] * 3 + ["change", "advance", "advance"]
FIFO_OPS = ["send"] * 4 + ["receive"] * 3 + ["delete"] * 2 + ["change", "advance", "advance"]


def scripts(names: list[str], max_size: int = 60) -> st.SearchStrategy[list[Op]]:
    """Lists of (operation, a, b): small integers each operation reads in its own way."""
    op = st.tuples(st.sampled_from(names), st.integers(0, 30), st.integers(0, 9))
    return st.lists(op, min_size=max_size // 3, max_size=max_size)


ops = scripts([*STANDARD_OPS, "purge"])


def accounted(q: Queue) -> int:
    c = q.counters
    return c.deleted + c.expired + c.moved_to_dlq + c.purged + len(q)


def live_counts_agree(q: Queue) -> bool:
    states = [m.state for m in q.peek(len(q))]
    return (
        q.n_visible == states.count(State.VISIBLE)
        and q.n_inflight == states.count(State.INFLIGHT)
        and q.n_delayed == states.count(State.DELAYED)
        and len(states) == len(q)
    )


async def drive(cloud: Cloud, url: str, script: list[Op], *, fifo: bool) -> list[str]:
    """Run `script` against the queue at `url`; returns the receipt handles seen."""
    handles: list[str] = []
    n = 0
    for op, a, b in script:
        params: dict[str, Any] = {"QueueUrl": url}
        try:
            if op == "send":
                params["MessageBody"] = f"m{n}"
                if fifo:
                    params |= {"MessageGroupId": f"g{b % 3}", "MessageDeduplicationId": f"d{n}"}
                elif b < 3:
                    params["DelaySeconds"] = a % 6
                n += 1
                await sqs(cloud, "SendMessage", params)
            elif op == "receive":
                params |= {"MaxNumberOfMessages": 1 + a % 10, "VisibilityTimeout": b % 7}
                got = await sqs(cloud, "ReceiveMessage", params)
                handles += [m["ReceiptHandle"] for m in got.get("Messages", [])]
            elif op in ("delete", "change") and handles:
                params["ReceiptHandle"] = handles[a % len(handles)]
                if op == "delete":
                    await sqs(cloud, "DeleteMessage", params)
                else:
                    params["VisibilityTimeout"] = b % 7
                    await sqs(cloud, "ChangeMessageVisibility", params)
            elif op == "advance":
                await cloud.clock.advance(a * 3 if a > 27 else a % 8 + b / 10)
            elif op == "purge":
                await sqs(cloud, "PurgeQueue", params)
        except AwsError as error:
            # Stale handles and purge cooldowns are expected; nothing else is.
            assert error.code in (
                "MessageNotInflight",
                "PurgeQueueInProgress",
                "InvalidParameterValue",
            ), error
    return handles


@given(script=ops, max_receive=st.integers(1, 3), duplicates=st.booleans())
def test_nothing_is_lost_on_a_standard_queue(
    script: list[Op], max_receive: int, duplicates: bool
) -> None:
    async def body() -> None:
        cloud = new_cloud(seed="property")
        cloud.service(SqsService).delivery.duplicate_rate = 0.3 if duplicates else 0.0
        await create_queue(cloud, "dlq", MessageRetentionPeriod="60")
        policy = json.dumps(
            {
                "deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:dlq",
                "maxReceiveCount": max_receive,
            }
        )
        url = await create_queue(
            cloud, "src", MessageRetentionPeriod="90", VisibilityTimeout="3", RedrivePolicy=policy
        )
        await drive(cloud, url, script, fifo=False)
        src, dlq = queue(cloud, "src"), queue(cloud, "dlq")
        for _ in range(2):
            assert src.counters.sent == accounted(src)
            assert src.counters.moved_to_dlq == accounted(dlq)
            assert live_counts_agree(src) and live_counts_agree(dlq)
            # Long enough for every timer to play out: all expire in the end.
            await cloud.clock.advance(200)
        assert len(src) == len(dlq) == 0

    run(body())


@given(script=ops)
def test_nothing_is_lost_on_a_fifo_queue(script: list[Op]) -> None:
    async def body() -> None:
        cloud = new_cloud(seed="property")
        url = await create_queue(
            cloud, "q.fifo", FifoQueue="true", MessageRetentionPeriod="60", VisibilityTimeout="3"
        )
        await drive(cloud, url, script, fifo=True)
        q = queue(cloud, "q.fifo")
        assert q.counters.sent == accounted(q)
        assert live_counts_agree(q)

    run(body())


fifo_ops = scripts(FIFO_OPS, max_size=80)


async def fifo_run(script: list[Op]) -> None:
    """Drive a FIFO queue, checking group order and locking at every receive."""
    cloud = new_cloud(seed="fifo-property")
    url = await create_queue(cloud, "q.fifo", FifoQueue="true", VisibilityTimeout="4")
    q = queue(cloud, "q.fifo")
    sent: dict[str, list[str]] = {}
    body_of: dict[str, str] = {}
    deleted: set[str] = set()
    for op, a, b in script:
        params: dict[str, Any] = {"QueueUrl": url}
        if op == "send":
            group = f"g{b % 3}"
            index = len(sent.setdefault(group, []))
            body = f"{group}:{index}"
            sent[group].append(body)
            params |= {"MessageBody": body, "MessageGroupId": group, "MessageDeduplicationId": body}
            await sqs(cloud, "SendMessage", params)
        elif op == "receive":
            locked = {m.group_id for m in q.peek(len(q)) if m.state is State.INFLIGHT}
            params |= {"MaxNumberOfMessages": 1 + a % 10, "VisibilityTimeout": b % 7}
            got = (await sqs(cloud, "ReceiveMessage", params)).get("Messages", [])
            in_batch: set[str] = set()
            for message in got:
                group, index = message["Body"].split(":")
                # No delivery from a group while one of its messages is in flight.
                assert group not in locked
                # Order per group: every earlier message is deleted or just before in this batch.
                for earlier in sent[group][: int(index)]:
                    assert earlier in deleted or earlier in in_batch
                in_batch.add(message["Body"])
                body_of[message["ReceiptHandle"]] = message["Body"]
        elif op in ("delete", "change") and body_of:
            handle = list(body_of)[a % len(body_of)]
            params["ReceiptHandle"] = handle
            try:
                if op == "delete":
                    await sqs(cloud, "DeleteMessage", params)
                    # On a FIFO queue a delete succeeds only with the current handle.
                    deleted.add(body_of[handle])
                else:
                    params["VisibilityTimeout"] = b % 7
                    await sqs(cloud, "ChangeMessageVisibility", params)
            except AwsError as error:
                assert error.code in ("InvalidParameterValue", "MessageNotInflight"), error
        elif op == "advance":
            await cloud.clock.advance(a % 8 + b / 10)
    assert len(q) == sum(map(len, sent.values())) - len(deleted)


@given(script=fifo_ops)
def test_fifo_order_per_group_and_group_locking(script: list[Op]) -> None:
    run(fifo_run(script))


@given(
    steps=st.lists(
        st.tuples(
            st.one_of(st.sampled_from([0, 1, 299, 300]), st.integers(0, 200)),
            st.integers(0, 3),
            st.booleans(),
        ),
        min_size=5,
        max_size=40,
    ),
)
def test_dedup_lasts_five_minutes_only(steps: list[tuple[int, int, bool]]) -> None:
    async def body() -> None:
        cloud = new_cloud(seed="dedup")
        url = await create_queue(cloud, "q.fifo", FifoQueue="true")
        accepted: dict[str, tuple[float, str]] = {}
        enqueued = 0
        for wait, key, same_body in steps:
            await cloud.clock.advance(wait)
            now = cloud.clock.now()
            dedup = f"d{key}"
            sent = await sqs(
                cloud,
                "SendMessage",
                {
                    "QueueUrl": url,
                    "MessageBody": "same" if same_body else f"body-{now}",
                    "MessageGroupId": "g",
                    "MessageDeduplicationId": dedup,
                },
            )
            original = accepted.get(dedup)
            if original is not None and now - original[0] < 300:
                assert sent["MessageId"] == original[1]
            else:
                assert sent["MessageId"] not in {m for _, m in accepted.values()}
                accepted[dedup] = (now, sent["MessageId"])
                enqueued += 1
        assert queue(cloud, "q.fifo").counters.sent == enqueued
        assert len(queue(cloud, "q.fifo")) == enqueued

    run(body())


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 50),
    st.text(max_size=6),
    st.binary(max_size=4),
    st.floats(allow_nan=False, width=16),
)
junk = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
MEMBERS = [
    "QueueUrl",
    "QueueName",
    "Attributes",
    "AttributeNames",
    "MessageBody",
    "MessageAttributes",
    "MessageSystemAttributes",
    "Entries",
    "ReceiptHandle",
    "VisibilityTimeout",
    "MaxNumberOfMessages",
    "WaitTimeSeconds",
    "DelaySeconds",
    "MessageGroupId",
    "MessageDeduplicationId",
    "Tags",
    "TagKeys",
    "tags",
    "MaxResults",
    "NextToken",
    "QueueNamePrefix",
    "MessageAttributeNames",
    "MessageSystemAttributeNames",
    "ReceiveRequestAttemptId",
    "QueueOwnerAWSAccountId",
    "Id",
    "Label",
    "AWSAccountIds",
    "Actions",
    "SourceArn",
    "DestinationArn",
    "MaxNumberOfMessagesPerSecond",
    "TaskHandle",
]


def valid_params(action: str, url: str, handle: str, fifo: bool) -> dict[str, Any]:
    """A call of `action` that succeeds, for the fuzzer to spoil one member of."""
    send: dict[str, Any] = {"MessageBody": "m", "MessageGroupId": "g"}
    if fifo:
        send["MessageDeduplicationId"] = "d-new"
    entry: dict[str, Any] = {"Id": "e", "ReceiptHandle": handle, "VisibilityTimeout": 5}
    arn = f"arn:aws:sqs:us-east-1:123456789012:{url.rsplit('/', 1)[1]}"
    calls: dict[str, dict[str, Any]] = {
        "CreateQueue": {"QueueName": "new", "Attributes": {"DelaySeconds": "1"}},
        "DeleteQueue": {"QueueUrl": url},
        "ListQueues": {"QueueNamePrefix": "q", "MaxResults": 5},
        "GetQueueUrl": {"QueueName": url.rsplit("/", 1)[1]},
        "GetQueueAttributes": {"QueueUrl": url, "AttributeNames": ["All"]},
        "SetQueueAttributes": {"QueueUrl": url, "Attributes": {"VisibilityTimeout": "5"}},
        "TagQueue": {"QueueUrl": url, "Tags": {"a": "b"}},
        "UntagQueue": {"QueueUrl": url, "TagKeys": ["a"]},
        "ListQueueTags": {"QueueUrl": url},
        "PurgeQueue": {"QueueUrl": url},
        "ListDeadLetterSourceQueues": {"QueueUrl": url, "MaxResults": 5},
        "SendMessage": {"QueueUrl": url, **send},
        "SendMessageBatch": {"QueueUrl": url, "Entries": [{"Id": "e", **send}]},
        "ReceiveMessage": {
            "QueueUrl": url,
            "MaxNumberOfMessages": 10,
            "AttributeNames": ["All"],
            "MessageAttributeNames": ["All"],
            "ReceiveRequestAttemptId": "attempt",
        },
        "DeleteMessage": {"QueueUrl": url, "ReceiptHandle": handle},
        "DeleteMessageBatch": {"QueueUrl": url, "Entries": [{"Id": "e", "ReceiptHandle": handle}]},
        "ChangeMessageVisibility": {"QueueUrl": url, **entry},
        "ChangeMessageVisibilityBatch": {"QueueUrl": url, "Entries": [entry]},
        "AddPermission": {
            "QueueUrl": url,
            "Label": "shared",
            "AWSAccountIds": ["111122223333"],
            "Actions": ["SendMessage"],
        },
        "RemovePermission": {"QueueUrl": url, "Label": "shared"},
        "StartMessageMoveTask": {
            "SourceArn": arn,
            "DestinationArn": arn,
            "MaxNumberOfMessagesPerSecond": 5,
        },
        "ListMessageMoveTasks": {"SourceArn": arn, "MaxResults": 5},
        "CancelMessageMoveTask": {"TaskHandle": "handle"},
    }
    return calls[action]


@given(
    action=st.sampled_from(sorted(SqsService.actions)),
    pick=st.integers(0, 1000),
    known_member=st.booleans(),
    value=junk,
    in_entry=st.booleans(),
    fifo=st.booleans(),
)
def test_any_input_gets_an_aws_error_never_an_internal_failure(
    action: str, pick: int, known_member: bool, value: Any, in_entry: bool, fifo: bool
) -> None:
    """Spoil one member of a valid call (mostly one the action reads) with any value."""

    async def body() -> None:
        cloud = new_cloud(seed="junk")
        name = "q.fifo" if fifo else "q"
        url = await create_queue(cloud, name, **({"FifoQueue": "true"} if fifo else {}))
        for i in range(2):
            message = {
                "QueueUrl": url,
                "MessageBody": f"m{i}",
                "MessageGroupId": f"g{i}",
                "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}},
            }
            await sqs(
                cloud,
                "SendMessage",
                message | ({"MessageDeduplicationId": f"d{i}"} if fifo else {}),
            )
        got = await sqs(cloud, "ReceiveMessage", {"QueueUrl": url})
        params = valid_params(action, url, got["Messages"][0]["ReceiptHandle"], fifo)
        target = params["Entries"][0] if in_entry and "Entries" in params else params
        members = sorted(target) if known_member and target else MEMBERS
        target[members[pick % len(members)]] = value
        before = counts_of(queue(cloud, name))
        try:
            await cloud.call("sqs", action, params)
        except AwsError as error:
            assert error.code != "InternalFailure"
            # A failed call changes nothing (a receive took no message).
            assert counts_of(queue(cloud, name)) == before
        for entry in (*cloud.trail.management, *cloud.trail.data):
            json.dumps(entry.record())

    run(body())


def counts_of(q: Queue) -> tuple[int, int, int, int]:
    return len(q), q.n_visible, q.n_inflight, q.n_delayed
