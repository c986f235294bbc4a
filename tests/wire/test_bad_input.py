"""Bad input gets AWS-shaped 4xx answers, and the server goes on answering.

Everything here is what an SDK never sends: bodies cut short, wrong content
types, unknown actions, bytes that are not UTF-8, members of the wrong JSON
type (requests over the size limits are in `test_limits`). Each must come
back as the error envelope of the protocol the request seemed to speak, with
a request id, never a 500.
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree

import cbor2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.wire.live import ACCOUNT, Live
from tests.wire.rawhttp import HOST, Reply, amz_json, form, raw, request


def aws_error(reply: Reply) -> tuple[int, str]:
    """(status, code) of an AWS-shaped error reply; fails the test on any other shape."""
    assert 400 <= reply.status < 500, reply
    content_type = reply.headers["content-type"]
    if content_type == "application/xml":  # S3's bare <Error>
        assert reply.headers.get("x-amz-request-id"), reply.headers
        root = ElementTree.fromstring(reply.body)
        assert root.tag == "Error"
        code = root.findtext("Code")
        assert code
        return reply.status, code
    assert reply.headers.get("x-amzn-requestid"), reply.headers
    if content_type == "application/cbor":  # RPC v2 CBOR
        assert reply.headers["smithy-protocol"] == "rpc-v2-cbor", reply.headers
        document = cbor2.loads(reply.body)
        assert set(document) == {"__type", "message"}
        return reply.status, str(document["__type"])
    if content_type.startswith("application/x-amz-json"):
        document = json.loads(reply.body)
        assert set(document) == {"__type", "message"}
        return reply.status, str(document["__type"])
    assert content_type == "text/xml", content_type
    root = ElementTree.fromstring(reply.body)
    if root.tag == "Response":  # EC2's <Response><Errors><Error>, with a capital RequestID
        assert root.findtext("RequestID"), reply.body
        code = root.findtext("Errors/Error/Code")
        assert code
        return reply.status, code
    assert root.tag.endswith("ErrorResponse")
    code = root.findtext("{*}Error/{*}Code") or root.findtext("Error/Code")
    assert code
    return reply.status, code


def still_answering(live: Live) -> None:
    assert request(live.url, "GET", "/_skydeck/health").status == 200
    assert "QueueUrls" not in live.client("sqs").list_queues(QueueNamePrefix="zzz")


@pytest.fixture
def queue(live: Live) -> str:
    url: str = live.client("sqs").create_queue(QueueName="target")["QueueUrl"]
    return url


def test_truncated_json(live: Live, queue: str) -> None:
    reply = amz_json(live.url, "AmazonSQS.SendMessage", b'{"QueueUrl": "' + queue.encode())
    assert aws_error(reply) == (400, "SerializationException")
    assert reply.headers["x-amzn-query-error"] == "SerializationException;Sender"
    still_answering(live)


def test_body_shorter_than_its_content_length(live: Live) -> None:
    head = (
        f"POST / HTTP/1.1\r\n{HOST}Content-Type: application/x-amz-json-1.0\r\n"
        "X-Amz-Target: AmazonSQS.ListQueues\r\nContent-Length: 100\r\n\r\n"
    )
    answer = raw(live.url, head.encode() + b'{"QueueNamePrefix"', half_close=True)
    assert answer == b"" or answer.startswith(b"HTTP/1.1 400")
    still_answering(live)


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        (
            {"Content-Type": "text/plain", "X-Amz-Target": "AmazonSQS.ListQueues"},
            b"{}",
            (400, "SerializationException"),
        ),
        ({"Content-Type": "application/x-amz-json-1.0"}, b"{}", (400, "UnknownOperationException")),
        ({"Content-Type": "text/plain"}, b"Action=ListQueues", (400, "MissingAction")),
        ({"Content-Type": "application/xml"}, b"<ListQueues/>", (400, "MissingAction")),
        (
            {"Content-Type": "multipart/form-data; boundary=x"},
            b"--x\r\nContent-Disposition: form-data; name=Action\r\n\r\nListQueues\r\n--x--",
            (400, "MissingAction"),
        ),
        ({}, b"", (400, "MissingAction")),
    ],
)
def test_wrong_content_types(
    live: Live, headers: dict[str, str], body: bytes, expected: tuple[int, str]
) -> None:
    assert aws_error(request(live.url, "POST", "/", body, headers)) == expected
    still_answering(live)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("Logs_20140328.CreateExportTask", "UnknownOperationException"),
        ("AmazonSQS.ReticulateSplines", "UnknownOperationException"),
        (
            "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.CreateEventDataStore",
            "UnknownOperationException",
        ),
        ("AmazonSQS", "UnknownOperationException"),
        ("", "UnknownOperationException"),
    ],
)
def test_unknown_targets(live: Live, target: str, expected: str) -> None:
    assert aws_error(amz_json(live.url, target, {})) == (400, expected)


def test_unknown_query_actions(live: Live) -> None:
    assert aws_error(form(live.url, {"Action": "ReticulateSplines"})) == (400, "InvalidAction")
    assert aws_error(form(live.url, {"Version": "2012-11-05"})) == (400, "MissingAction")
    unsigned = form(live.url, {"Action": "NoSuchThing"}, service=None)
    assert aws_error(unsigned) == (400, "InvalidAction")
    assert aws_error(form(live.url, {"Action": "LookupEvents"}, service="cloudtrail")) == (
        400,
        "InvalidAction",
    )


def test_non_utf8_bytes(live: Live, queue: str) -> None:
    body = b'{"QueueUrl": "' + queue.encode() + b'", "MessageBody": "\xff\xfe"}'
    assert aws_error(amz_json(live.url, "AmazonSQS.SendMessage", body)) == (
        400,
        "SerializationException",
    )
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    for payload in (
        b"Action=SendMessage&MessageBody=%FF%FE",
        b"Action=SendMessage&MessageBody=\xff",
    ):
        reply = request(live.url, "POST", f"/{ACCOUNT}/target", payload, headers)
        assert aws_error(reply) == (404, "MalformedQueryString")
    still_answering(live)


@pytest.mark.parametrize(
    "document",
    [
        [1, 2, 3],
        "a string",
        {"QueueUrl": 5, "MessageBody": "x"},
        {"QueueUrl": "q", "MessageBody": "x", "DelaySeconds": "10"},
        {"QueueUrl": "q", "MessageBody": "x", "DelaySeconds": True},
        {"QueueUrl": "q", "MessageBody": "x", "MessageAttributes": []},
        {
            "QueueUrl": "q",
            "MessageBody": "x",
            "MessageAttributes": {"a": {"DataType": "Binary", "BinaryValue": "%%%"}},
        },
    ],
)
def test_ill_typed_json(live: Live, document: Any) -> None:
    reply = amz_json(live.url, "AmazonSQS.SendMessage", document)
    assert aws_error(reply) == (400, "SerializationException")


def test_deeply_nested_json(live: Live) -> None:
    body = b'{"QueueUrl": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert aws_error(amz_json(live.url, "AmazonSQS.SendMessage", body)) == (
        400,
        "SerializationException",
    )
    still_answering(live)


def test_missing_members_answer_as_the_service_does(live: Live) -> None:
    reply = amz_json(live.url, "AmazonSQS.SendMessage", {"MessageBody": "x"})
    assert aws_error(reply) == (400, "MissingParameter")
    assert reply.headers["x-amzn-query-error"] == "MissingParameter;Sender"
    assert aws_error(form(live.url, {"Action": "GetQueueUrl"})) == (400, "MissingParameter")


def test_not_http_at_all(live: Live) -> None:
    answer = raw(live.url, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(200))
    assert answer == b"" or answer.startswith(b"HTTP/1.")
    assert not answer.startswith(b"HTTP/1.1 5")
    still_answering(live)


_TARGETS = st.sampled_from(
    [
        "AmazonSQS.SendMessage",
        "AmazonSQS.ReceiveMessage",
        "AmazonSQS.SendMessageBatch",
        "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents",
        "AmazonSQS.Nope",
        "garbage",
        None,
    ]
)
_TYPES = st.sampled_from(
    [
        "application/x-amz-json-1.0",
        "application/x-amz-json-1.1",
        "application/json",
        "application/x-www-form-urlencoded",
        "text/plain",
        "",
        "application/octet-stream",
    ]
)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["QueueUrl", "MessageBody", "Entries", "MaxResults", "Id", "x"]),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)
_BODIES = st.one_of(
    st.binary(max_size=300),
    _JSON.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(st.text(max_size=10), st.text(max_size=10), max_size=5).map(
        lambda d: "&".join(f"{k}={v}" for k, v in d.items()).encode("utf-8", "surrogatepass")
    ),
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    target=_TARGETS,
    content_type=_TYPES,
    body=_BODIES,
    path=st.sampled_from(["/", f"/{ACCOUNT}/target", "/x/y/z"]),
)
def test_whatever_arrives_is_never_a_server_error(
    live: Live, target: str | None, content_type: str, body: bytes, path: str
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    if target is not None:
        headers["X-Amz-Target"] = target
    reply = request(live.url, "POST", path, body, headers)
    assert reply.status < 500, reply
    # S3's answers (a bucket-and-key path is S3's) carry its own id header.
    assert reply.headers.get("x-amzn-requestid") or reply.headers.get("x-amz-request-id")
    if reply.status >= 400:
        aws_error(reply)
