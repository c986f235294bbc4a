"""The one call path: CloudTrail records, usage counting, errors and determinism."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest

from backend.cloud import Cloud
from backend.errors import MAX_MESSAGE, AwsError, InvalidParameterValue
from backend.identity import CONSOLE, Caller, role
from backend.service import Action
from backend.services import new_cloud
from backend.services.sqs import SqsService
from backend.trail import (
    HIDDEN,
    MAX_KEPT_BYTES,
    MAX_KEPT_STRING,
    TIGHT_KEPT_STRING,
    Trail,
    TrailEntry,
)
from tests.backend.helpers import create_queue, receive, send, sqs, sqs_error

ACCOUNT = "123456789012"

#: Every SQS action and how CloudTrail classifies it: (readOnly, data event).
SQS_ACTIONS: dict[str, tuple[bool, bool]] = {
    "CreateQueue": (False, False),
    "DeleteQueue": (False, False),
    "ListQueues": (True, False),
    "GetQueueUrl": (True, False),
    "GetQueueAttributes": (True, False),
    "SetQueueAttributes": (False, False),
    "TagQueue": (False, False),
    "UntagQueue": (False, False),
    "ListQueueTags": (True, False),
    "PurgeQueue": (False, False),
    "ListDeadLetterSourceQueues": (True, False),
    "SendMessage": (False, True),
    "SendMessageBatch": (False, True),
    "ReceiveMessage": (True, True),
    "DeleteMessage": (False, True),
    "DeleteMessageBatch": (False, True),
    "ChangeMessageVisibility": (False, True),
    "ChangeMessageVisibilityBatch": (False, True),
    "AddPermission": (False, False),
    "RemovePermission": (False, False),
    "StartMessageMoveTask": (False, False),
    "ListMessageMoveTasks": (True, False),
    "CancelMessageMoveTask": (False, False),
}


def last_entry(cloud: Cloud) -> TrailEntry:
    return next(cloud.trail.history(cloud.clock.now(), include_data=True))


def last_record(cloud: Cloud) -> dict[str, Any]:
    return last_entry(cloud).record()


async def test_sqs_registers_exactly_the_classified_actions() -> None:
    assert set(SqsService.actions) == set(SQS_ACTIONS)
    for name, (read_only, data_event) in SQS_ACTIONS.items():
        spec = SqsService.actions[name]
        assert (spec.read_only, spec.data_event) == (read_only, data_event), name


async def test_every_sqs_action_is_recorded_with_its_classification(cloud: Cloud) -> None:
    dlq = await create_queue(cloud, "dlq")
    url = await create_queue(cloud, "work")
    seen: list[str] = []

    async def call(action: str, params: dict[str, Any]) -> dict[str, Any]:
        before = cloud.trail.recorded
        response = await sqs(cloud, action, params)
        assert cloud.trail.recorded == before + 1
        record = last_record(cloud)
        read_only, data_event = SQS_ACTIONS[action]
        assert record["eventName"] == action
        assert record["eventSource"] == "sqs.amazonaws.com"
        assert record["readOnly"] is read_only
        assert record["managementEvent"] is (not data_event)
        assert record["eventCategory"] == ("Data" if data_event else "Management")
        ring = cloud.trail.data if data_event else cloud.trail.management
        assert ring[-1] is last_entry(cloud)
        if read_only:
            assert record["responseElements"] is None
        seen.append(action)
        return response

    await call("CreateQueue", {"QueueName": "third"})
    await call("ListQueues", {})
    await call("GetQueueUrl", {"QueueName": "work"})
    await call("GetQueueAttributes", {"QueueUrl": url, "AttributeNames": ["All"]})
    arn = f"arn:aws:sqs:us-east-1:{ACCOUNT}:dlq"
    policy = json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 5})
    await call("SetQueueAttributes", {"QueueUrl": url, "Attributes": {"RedrivePolicy": policy}})
    await call("ListDeadLetterSourceQueues", {"QueueUrl": dlq})
    grant = {"QueueUrl": url, "Label": "l", "AWSAccountIds": [ACCOUNT], "Actions": ["SendMessage"]}
    await call("AddPermission", grant)
    await call("RemovePermission", {"QueueUrl": url, "Label": "l"})
    task = await call("StartMessageMoveTask", {"SourceArn": arn})
    await call("ListMessageMoveTasks", {"SourceArn": arn})
    await call("CancelMessageMoveTask", {"TaskHandle": task["TaskHandle"]})
    await call("TagQueue", {"QueueUrl": url, "Tags": {"team": "data"}})
    await call("ListQueueTags", {"QueueUrl": url})
    await call("UntagQueue", {"QueueUrl": url, "TagKeys": ["team"]})
    await call("SendMessage", {"QueueUrl": url, "MessageBody": "one"})
    entries = [{"Id": "a", "MessageBody": "two"}, {"Id": "b", "MessageBody": "three"}]
    await call("SendMessageBatch", {"QueueUrl": url, "Entries": entries})
    got = (await call("ReceiveMessage", {"QueueUrl": url, "MaxNumberOfMessages": 3}))["Messages"]
    handles = [m["ReceiptHandle"] for m in got]
    await call(
        "ChangeMessageVisibility",
        {"QueueUrl": url, "ReceiptHandle": handles[0], "VisibilityTimeout": 60},
    )
    await call(
        "ChangeMessageVisibilityBatch",
        {
            "QueueUrl": url,
            "Entries": [{"Id": "x", "ReceiptHandle": handles[1], "VisibilityTimeout": 60}],
        },
    )
    await call("DeleteMessage", {"QueueUrl": url, "ReceiptHandle": handles[0]})
    await call(
        "DeleteMessageBatch",
        {"QueueUrl": url, "Entries": [{"Id": "y", "ReceiptHandle": handles[1]}]},
    )
    await call("PurgeQueue", {"QueueUrl": url})
    await call("DeleteQueue", {"QueueUrl": url})
    assert set(seen) == set(SQS_ACTIONS)


async def test_failed_calls_are_recorded_with_error_code_and_message(cloud: Cloud) -> None:
    url = "https://sqs.us-east-1.amazonaws.com/123456789012/missing"
    error = await sqs_error(cloud, "SendMessage", {"QueueUrl": url, "MessageBody": "x"})
    assert (error.code, error.status, error.legacy_code) == (
        "QueueDoesNotExist",
        400,
        "AWS.SimpleQueueService.NonExistentQueue",
    )
    record = last_record(cloud)
    assert record["errorCode"] == "QueueDoesNotExist"
    assert record["errorMessage"] == "The specified queue does not exist."
    assert record["responseElements"] is None
    assert record["requestParameters"] == {"queueUrl": url, "messageBody": HIDDEN}
    assert cloud.trail.recorded == 1
    assert record["eventCategory"] == "Data"


async def test_record_fields_for_a_management_call(cloud: Cloud) -> None:
    await cloud.clock.advance(3.7)
    params = {"QueueName": "orders", "Attributes": {"VisibilityTimeout": "45"}, "tags": {"t": "v"}}
    response = await cloud.call("sqs", "CreateQueue", params, request_id="req-1")
    record = last_record(cloud)
    assert record == {
        "eventVersion": "1.11",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDA" + hashlib.sha256(b"AIDA:console").hexdigest().upper()[:17],
            "arn": f"arn:aws:iam::{ACCOUNT}:user/console",
            "accountId": ACCOUNT,
            "accessKeyId": "AKIASKYDECKCONSOLE01",
            "userName": "console",
        },
        "eventTime": "2026-11-29T09:00:03Z",
        "eventSource": "sqs.amazonaws.com",
        "eventName": "CreateQueue",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "127.0.0.1",
        "userAgent": "skydeck-dashboard",
        "requestParameters": {
            "queueName": "orders",
            "attributes": {"VisibilityTimeout": "45"},
            "tags": {"t": "v"},
        },
        "responseElements": {"queueUrl": response["QueueUrl"]},
        "requestID": "req-1",
        "eventID": last_entry(cloud).event_id,
        "readOnly": False,
        "resources": [
            {
                "accountId": ACCOUNT,
                "type": "AWS::SQS::Queue",
                "ARN": f"arn:aws:sqs:us-east-1:{ACCOUNT}:orders",
            }
        ],
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management",
    }
    # Built afresh on every look, and not kept: the entry stays small.
    assert last_entry(cloud).record() == record
    assert last_entry(cloud).record() is not record


async def test_request_parameters_are_lower_camel_with_maps_kept_and_blobs_base64(
    cloud: Cloud,
) -> None:
    url = await create_queue(cloud, "q")
    entries: list[dict[str, Any]] = [
        {
            "Id": "e1",
            "MessageBody": "hello",
            "DelaySeconds": 0,
            "MessageAttributes": {
                "Color": {"DataType": "String", "StringValue": "red"},
                "Blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"},
            },
        }
    ]
    result = await sqs(cloud, "SendMessageBatch", {"QueueUrl": url, "Entries": entries})
    record = last_record(cloud)
    assert record["requestParameters"] == {
        "queueUrl": url,
        "entries": [
            {
                "id": "e1",
                "messageBody": HIDDEN,
                "delaySeconds": 0,
                "messageAttributes": {
                    "Color": {"dataType": "String", "stringValue": "red"},
                    "Blob": {
                        "dataType": "Binary",
                        "binaryValue": base64.b64encode(b"\x00\x01\xff").decode(),
                    },
                },
            }
        ],
    }
    ok = result["Successful"][0]
    assert record["responseElements"] == {
        "successful": [
            {
                "mD5OfMessageBody": ok["MD5OfMessageBody"],
                "messageId": ok["MessageId"],
                "id": "e1",
                "mD5OfMessageAttributes": ok["MD5OfMessageAttributes"],
            }
        ],
        "failed": [],
    }
    # The caller's params are not changed by rendering, and the record is valid JSON.
    assert entries[0]["MessageAttributes"]["Blob"]["BinaryValue"] == b"\x00\x01\xff"
    json.dumps(record)
    await receive(cloud, url, MessageAttributeNames=["All"])
    json.dumps(last_record(cloud))


async def test_read_only_calls_have_null_response_elements_and_empty_params_are_null(
    cloud: Cloud,
) -> None:
    await create_queue(cloud, "q")
    response = await sqs(cloud, "ListQueues")
    assert response["QueueUrls"]
    record = last_record(cloud)
    assert record["requestParameters"] is None
    assert record["responseElements"] is None
    assert record["readOnly"] is True


async def test_assumed_role_identity(cloud: Cloud) -> None:
    actor = role("order-producer", "session-7")
    await cloud.call("sqs", "CreateQueue", {"QueueName": "q"}, caller=actor)
    record = last_record(cloud)
    role_id = "AROA" + hashlib.sha256(b"AROA:order-producer").hexdigest().upper()[:17]
    access_key = "ASIA" + hashlib.sha256(b"order-producer").hexdigest().upper()[:16]
    assert record["userIdentity"] == {
        "type": "AssumedRole",
        "principalId": f"{role_id}:session-7",
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/order-producer/session-7",
        "accountId": ACCOUNT,
        "accessKeyId": access_key,
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": role_id,
                "arn": f"arn:aws:iam::{ACCOUNT}:role/order-producer",
                "accountId": ACCOUNT,
                "userName": "order-producer",
            },
            "attributes": {"creationDate": "2026-11-29T09:00:00Z", "mfaAuthenticated": "false"},
        },
    }
    assert (record["sourceIPAddress"], record["userAgent"]) == ("10.0.0.10", "skydeck-actor")
    assert actor.username == "session-7"
    assert role("consumer").session == "consumer"
    assert len(access_key) == 20


async def test_root_and_service_identities() -> None:
    root = Caller(type="Root", name="root", access_key_id="AKIAROOT000000000000")
    assert root.user_identity(ACCOUNT, "t") == {
        "type": "Root",
        "principalId": ACCOUNT,
        "arn": f"arn:aws:iam::{ACCOUNT}:root",
        "accountId": ACCOUNT,
        "accessKeyId": "AKIAROOT000000000000",
    }
    service = Caller(type="AWSService", name="lambda.amazonaws.com", access_key_id="")
    assert service.user_identity(ACCOUNT, "t") == {
        "type": "AWSService",
        "invokedBy": "lambda.amazonaws.com",
    }
    assert CONSOLE.username == "console"


async def test_sender_id_is_the_callers_principal_id(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    actor = role("producer", "p-1")
    await cloud.call("sqs", "SendMessage", {"QueueUrl": url, "MessageBody": "x"}, caller=actor)
    await send(cloud, url, "y")
    got = await receive(cloud, url, MaxNumberOfMessages=2, MessageSystemAttributeNames=["SenderId"])
    assert [m["Attributes"]["SenderId"] for m in got] == [actor.principal_id, CONSOLE.principal_id]
    assert actor.principal_id.endswith(":p-1")


async def test_an_unexpected_exception_becomes_internal_failure(
    cloud: Cloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(service: SqsService, params: dict[str, Any], request: object) -> dict[str, Any]:
        raise KeyError("bug")

    async def broken_async(
        service: SqsService, params: dict[str, Any], request: object
    ) -> dict[str, Any]:
        raise ZeroDivisionError

    monkeypatch.setitem(
        SqsService.actions, "ListQueues", Action("ListQueues", broken, False, True, False)
    )
    monkeypatch.setitem(
        SqsService.actions,
        "ReceiveMessage",
        Action("ReceiveMessage", broken_async, True, True, True),
    )
    url = await create_queue(cloud, "q")
    for action, params in (("ListQueues", {}), ("ReceiveMessage", {"QueueUrl": url})):
        error = await sqs_error(cloud, action, params)
        assert (error.code, error.status, error.sender_fault) == ("InternalFailure", 500, False)
        record = last_record(cloud)
        assert record["eventName"] == action
        assert record["errorCode"] == "InternalFailure"
        assert record["errorMessage"] == "We encountered an internal error. Please try again."
    # The process keeps answering.
    await send(cloud, url, "still here")
    assert cloud.usage[("sqs", "ListQueues")] == 1
    monkeypatch.undo()
    assert [m["Body"] for m in await receive(cloud, url)] == ["still here"]


async def test_unknown_action_and_service(cloud: Cloud) -> None:
    with pytest.raises(AwsError) as info:
        await cloud.call("sqs", "FlyToTheMoon", {})
    assert (info.value.code, info.value.status) == ("InvalidAction", 400)
    assert info.value.message == "The action FlyToTheMoon is not valid for this web service."
    with pytest.raises(AwsError) as info:
        await cloud.call("nosuch", "ListThings", {})
    assert info.value.code == "UnknownOperationException"
    assert cloud.trail.recorded == 0


async def test_usage_call_count_series_counts_every_call(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    for _ in range(3):
        await send(cloud, url, "m")
    await cloud.clock.advance(1)
    await send(cloud, url, "m")
    await sqs_error(cloud, "SendMessage", {"QueueUrl": url})
    assert cloud.usage[("sqs", "SendMessage")] == 5
    assert cloud.usage[("sqs", "CreateQueue")] == 1
    series = cloud.metrics.find(
        "AWS/Usage",
        "CallCount",
        {"Service": "SQS", "Type": "API", "Resource": "SendMessage", "Class": "None"},
    )
    assert series is not None
    assert series.unit == "None"
    start = int(cloud.clock.now()) - 1
    assert series.sums(start + 2, 2) == [3.0, 2.0]
    await cloud.clock.advance(1)
    assert cloud.calls_per_second(window=10) == pytest.approx(0.6)


async def run_scenario(cloud: Cloud) -> tuple[list[dict[str, Any]], list[str]]:
    url = await create_queue(cloud, "q", VisibilityTimeout="5")
    ids = []
    for i in range(5):
        sent = await send(cloud, url, f"m{i}", DelaySeconds=i)
        ids.append(sent["MessageId"])
    await cloud.clock.advance(10)
    got = await receive(cloud, url, MaxNumberOfMessages=3)
    ids += [m["ReceiptHandle"] for m in got]
    await sqs(cloud, "DeleteMessage", {"QueueUrl": url, "ReceiptHandle": got[0]["ReceiptHandle"]})
    await sqs_error(cloud, "GetQueueUrl", {"QueueName": "nope"})
    await cloud.clock.advance(6)
    got = await receive(cloud, url, MaxNumberOfMessages=10)
    ids += [m["ReceiptHandle"] for m in got]
    records = [e.record() for e in cloud.trail.history(cloud.clock.now(), include_data=True)]
    return records, ids


async def test_same_seed_same_steps_give_identical_records_and_ids() -> None:
    records_a, ids_a = await run_scenario(new_cloud(seed=7))
    records_b, ids_b = await run_scenario(new_cloud(seed=7))
    assert ids_a == ids_b
    assert records_a == records_b
    assert len(records_a) == 10
    assert len({r["eventID"] for r in records_a}) == 10
    records_c, ids_c = await run_scenario(new_cloud(seed=8))
    assert not set(ids_a[:5]) & set(ids_c[:5])
    assert records_a[0]["eventID"] != records_c[0]["eventID"]


async def test_without_a_data_history_data_events_are_counted_not_kept() -> None:
    """Nothing else changes: the kept records, their ids, the failure counts."""
    browsed, unbrowsed = new_cloud(seed=7), new_cloud(seed=7, keep_data_history=False)
    records, _ = await run_scenario(browsed)
    await run_scenario(unbrowsed)
    assert not unbrowsed.trail.data
    assert unbrowsed.trail.recorded == browsed.trail.recorded
    now = browsed.clock.now()
    assert [e.record() for e in unbrowsed.trail.history(now, include_data=True)] == [
        r for r in records if r["eventCategory"] != "Data"
    ]
    failed = browsed.trail.recent_errors(now)
    await sqs_error(unbrowsed, "SendMessage", {"QueueUrl": "nope", "MessageBody": "x"})
    assert unbrowsed.trail.recent_errors(now) == failed + 1
    assert unbrowsed.usage[("sqs", "SendMessage")] == browsed.usage[("sqs", "SendMessage")] + 1


async def test_history_is_newest_first_within_ninety_days(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    await send(cloud, url, "data event")
    await cloud.clock.advance(10)
    await sqs(cloud, "ListQueues")
    names = [e.action for e in cloud.trail.history(cloud.clock.now())]
    assert names == ["ListQueues", "CreateQueue"]
    merged = [e.action for e in cloud.trail.history(cloud.clock.now(), include_data=True)]
    assert merged == ["ListQueues", "SendMessage", "CreateQueue"]
    # Without queues the gauge sampler stops, so ninety idle days are one jump.
    await sqs(cloud, "DeleteQueue", {"QueueUrl": url})
    await cloud.clock.advance(90 * 86400 - 5)
    names = [e.action for e in cloud.trail.history(cloud.clock.now())]
    assert names == ["DeleteQueue", "ListQueues"]


def test_trail_rings_are_bounded_but_count_every_call() -> None:
    trail = Trail("s", ACCOUNT, capacity=3)
    for i in range(5):
        trail.record(
            float(i),
            "sqs.amazonaws.com",
            "ListQueues",
            {},
            {},
            None,
            CONSOLE,
            "us-east-1",
            True,
            False,
            None,
        )
    assert trail.recorded == 5
    assert [e.seq for e in trail.management] == [3, 4, 5]
    assert trail.management[0].record()["eventTime"] == "1970-01-01T00:00:02Z"


def test_a_ring_keeps_within_its_byte_budget_as_well_as_its_count() -> None:
    trail = Trail("s", ACCOUNT, capacity=1000, budget=100_000)
    big = {"QueueName": "q" * 5000}
    for i in range(100):
        trail.record(
            float(i),
            "sqs.amazonaws.com",
            "CreateQueue",
            big,
            None,
            None,
            CONSOLE,
            "us-east-1",
            False,
            False,
            None,
        )
    assert trail.recorded == 100
    assert trail.management.bytes <= 100_000
    assert 10 <= len(trail.management) < 20
    assert trail.management[-1].seq == 100
    assert trail.management.bytes == sum(e.size for e in trail.management)


def test_an_entry_keeps_no_exception_and_no_long_values() -> None:
    trail = Trail("s", ACCOUNT)
    error = InvalidParameterValue("Value " + "v" * 50_000 + " is invalid.")
    assert len(error.message) < MAX_MESSAGE + 40
    params = {"QueueName": "w" * 100_000, "Attributes": {"Policy": "p" * 100_000}}
    entry = trail.record(
        0,
        "sqs.amazonaws.com",
        "CreateQueue",
        params,
        None,
        error,
        CONSOLE,
        "us-east-1",
        False,
        False,
        None,
    )
    assert entry is not None
    assert not any(isinstance(getattr(entry, name), BaseException) for name in entry.__slots__)
    assert entry.error_code == "InvalidParameterValue"
    record = entry.record()
    assert record["errorMessage"] == error.message
    assert len(record["requestParameters"]["queueName"]) < MAX_KEPT_STRING + 40
    assert record["requestParameters"]["queueName"].endswith("(91,808 more characters)")
    assert len(record["requestParameters"]["attributes"]["Policy"]) < MAX_KEPT_STRING + 40
    assert entry.size < 3 * MAX_KEPT_STRING
    # The caller's own params are not changed.
    assert len(params["QueueName"]) == 100_000


def test_many_long_members_are_cut_tighter_so_no_entry_is_huge() -> None:
    trail = Trail("s", ACCOUNT)
    attribute = {"DataType": "String", "StringValue": "v" * 8000}
    entries = [
        {
            "Id": f"e{n}",
            "MessageBody": "b",
            "MessageAttributes": {f"a{k}": attribute for k in range(10)},
        }
        for n in range(10)
    ]
    params = {"QueueUrl": "u", "Entries": entries}
    entry = trail.record(
        0,
        "sqs.amazonaws.com",
        "SendMessageBatch",
        params,
        None,
        None,
        CONSOLE,
        "us-east-1",
        False,
        True,
        None,
    )
    assert entry is not None
    assert entry.size < MAX_KEPT_BYTES
    record = entry.record()
    value = record["requestParameters"]["entries"][9]["messageAttributes"]["a9"]["stringValue"]
    assert value == "v" * TIGHT_KEPT_STRING + "… (7,744 more characters)"
    assert len(json.dumps(record)) < 2 * MAX_KEPT_BYTES


async def test_twenty_rejected_ten_mib_sends_keep_next_to_nothing(cloud: Cloud) -> None:
    url = await create_queue(cloud, "small", MaximumMessageSize="1024")
    body = "b" * (10 * 1024 * 1024)
    for _ in range(20):
        error = await sqs_error(cloud, "SendMessage", {"QueueUrl": url, "MessageBody": body})
        assert error.code == "InvalidParameterValue"
    entries = list(cloud.trail.data)
    assert len(entries) == 20
    assert cloud.trail.data.bytes < 20 * 4096
    assert all(e.params["MessageBody"] == HIDDEN for e in entries)


async def test_read_only_calls_keep_no_response(cloud: Cloud) -> None:
    url = await create_queue(cloud, "q")
    await send(cloud, url, "x" * 100_000)
    await receive(cloud, url)
    [entry] = [e for e in cloud.trail.data if e.action == "ReceiveMessage"]
    assert entry.response is None
    assert entry.record()["responseElements"] is None


def test_event_ids_are_uuid4_shaped_and_derived_from_the_seed() -> None:
    one = Trail("s", ACCOUNT)
    two = Trail("s", ACCOUNT)
    a = one.record(0, "e", "A", {}, None, None, CONSOLE, "r", True, False, None)
    b = two.record(0, "e", "A", {}, None, None, CONSOLE, "r", True, False, None)
    assert a is not None and b is not None
    assert a.event_id == b.event_id
    assert a.event_id[14] == "4" and a.event_id[19] in "89ab"
    c = Trail("t", ACCOUNT).record(0, "e", "A", {}, None, None, CONSOLE, "r", True, False, None)
    assert c is not None and c.event_id != a.event_id
