"""The protocol pieces on their own: credentials, routing, query folding, XML, timestamps."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree

import pytest

from backend.errors import AwsError
from backend.wire import json_protocol, query_protocol, timestamps
from backend.wire.models import wire_service
from backend.wire.routing import Registry, RoutingError, route
from backend.wire.sigv4 import ANONYMOUS, Credentials, credentials

SCOPE = "AKIDEXAMPLE/20261129/eu-west-1/sqs/aws4_request"


def sqs() -> Any:
    service = wire_service("sqs")
    assert service is not None
    return service


def registry() -> Registry:
    services = [wire_service(n) for n in ("sqs", "cloudtrail", "sts")]
    return Registry.of(s for s in services if s is not None)


@pytest.mark.parametrize(
    ("headers", "query", "expected"),
    [
        (
            {
                "Authorization": f"AWS4-HMAC-SHA256 Credential={SCOPE}, SignedHeaders=host, "
                "Signature=abc"
            },
            {},
            Credentials("AKIDEXAMPLE", "eu-west-1", "sqs"),
        ),
        ({}, {"X-Amz-Credential": SCOPE}, Credentials("AKIDEXAMPLE", "eu-west-1", "sqs")),
        ({"Authorization": "AWS AKIDV2:signature"}, {}, Credentials("AKIDV2")),
        ({}, {"AWSAccessKeyId": "AKIDQUERY"}, Credentials("AKIDQUERY")),
        (
            {"Authorization": "AWS4-HMAC-SHA256 Credential=AKID/2026/Bad_Region!/sqs/aws4_request"},
            {},
            Credentials("AKID", None, "sqs"),
        ),
        (
            {"Authorization": "AWS4-HMAC-SHA256 Credential=only-a-key"},
            {},
            Credentials("only-a-key"),
        ),
        ({"Authorization": "Bearer token"}, {}, ANONYMOUS),
        ({}, {}, ANONYMOUS),
    ],
)
def test_credentials(headers: dict[str, str], query: dict[str, str], expected: Credentials) -> None:
    assert credentials(headers, query) == expected


def routed(
    headers: dict[str, str],
    body: bytes = b"",
    *,
    path: str = "/",
    method: str = "POST",
    query: dict[str, str] | None = None,
    signer: Credentials = ANONYMOUS,
) -> tuple[str, str, str]:
    found = route(registry(), method, path, headers, query or {}, body, signer)
    return found.service.name, found.protocol, found.action


FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


def test_routing_by_target_form_scope_path_version_and_action() -> None:
    assert routed({"X-Amz-Target": "AmazonSQS.SendMessage"}) == ("sqs", "json", "SendMessage")
    trail = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"
    assert routed({"X-Amz-Target": trail, "Content-Type": "application/x-amz-json-1.1"}) == (
        "cloudtrail",
        "json",
        "LookupEvents",
    )
    signed = Credentials("AKID", "us-east-1", "sts")
    assert routed(FORM, b"Action=GetCallerIdentity", signer=signed) == (
        "sts",
        "query",
        "GetCallerIdentity",
    )
    assert routed(FORM, b"Action=SendMessage", path="/123456789012/q") == (
        "sqs",
        "query",
        "SendMessage",
    )
    assert routed(FORM, b"Action=GetCallerIdentity&Version=2011-06-15")[0] == "sts"
    assert routed(FORM, b"Action=ListQueues")[0] == "sqs"
    assert routed({}, method="GET", query={"Action": "ListQueues"})[0] == "sqs"


@pytest.mark.parametrize(
    ("headers", "body", "protocol", "code"),
    [
        ({"X-Amz-Target": "Nope.Action"}, b"", "json", "UnknownOperationException"),
        (
            {"X-Amz-Target": "AmazonSQS.X", "Content-Type": "text/csv"},
            b"",
            "json",
            "SerializationException",
        ),
        (
            {"Content-Type": "application/x-amz-json-1.1"},
            b"{}",
            "json",
            "UnknownOperationException",
        ),
        (FORM, b"Version=1", "query", "MissingAction"),
        (FORM, b"Action=Unheard", "query", "InvalidAction"),
        (FORM, b"Action=%FF", "query", "MalformedQueryString"),
        ({"Content-Type": "image/png"}, b"\x89PNG", "query", "MissingAction"),
    ],
)
def test_routing_failures_carry_their_envelope(
    headers: dict[str, str], body: bytes, protocol: str, code: str
) -> None:
    with pytest.raises(RoutingError) as failed:
        routed(headers, body)
    assert (failed.value.protocol, failed.value.error.code) == (protocol, code)


def test_fold_and_decode_query_lists_maps_and_scalars() -> None:
    op = sqs().operation("SendMessageBatch", query=True)
    fields = {
        "QueueUrl": "q",
        "SendMessageBatchRequestEntry.2.Id": "b",
        "SendMessageBatchRequestEntry.2.MessageBody": "second",
        "SendMessageBatchRequestEntry.10.Id": "c",
        "SendMessageBatchRequestEntry.10.MessageBody": "tenth",
        "SendMessageBatchRequestEntry.1.Id": "a",
        "SendMessageBatchRequestEntry.1.MessageBody": "first",
        "SendMessageBatchRequestEntry.1.DelaySeconds": "5",
        "SendMessageBatchRequestEntry.1.MessageAttribute.1.Name": "blob",
        "SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType": "Binary",
        "SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.BinaryValue": "AAE=",
        "Unrelated.Field": "ignored",
    }
    params = query_protocol.decode_request(op, fields)
    assert params == {
        "QueueUrl": "q",
        "Entries": [
            {
                "Id": "a",
                "MessageBody": "first",
                "DelaySeconds": 5,
                "MessageAttributes": {"blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}},
            },
            {"Id": "b", "MessageBody": "second"},
            {"Id": "c", "MessageBody": "tenth"},
        ],
    }


@pytest.mark.parametrize(
    "fields",
    [
        {"AttributeName.1": "All", "AttributeName.2": "VisibilityTimeout"},
        {"AttributeNames.member.1": "All", "AttributeNames.member.2": "VisibilityTimeout"},
        {"AttributeNames.1": "All", "AttributeNames.2": "VisibilityTimeout"},
    ],
)
def test_query_lists_in_every_spelling(fields: dict[str, str]) -> None:
    op = sqs().operation("GetQueueAttributes", query=True)
    assert query_protocol.decode_request(op, {"QueueUrl": "q", **fields})["AttributeNames"] == [
        "All",
        "VisibilityTimeout",
    ]


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"MaxNumberOfMessages": "ten"}, "must be an integer"),
        ({"MaxNumberOfMessages": "9" * 30}, "must be an integer"),
        ({"WaitTimeSeconds.1": "1"}, "must be integer"),
    ],
)
def test_query_type_errors(fields: dict[str, str], reason: str) -> None:
    op = sqs().operation("ReceiveMessage", query=True)
    with pytest.raises(AwsError) as failed:
        query_protocol.decode_request(op, {"QueueUrl": "q", **fields})
    assert failed.value.code == "InvalidParameterValue"
    assert reason in failed.value.message


def test_query_map_entry_without_a_key() -> None:
    op = sqs().operation("SetQueueAttributes", query=True)
    with pytest.raises(AwsError, match="no Name"):
        query_protocol.decode_request(op, {"QueueUrl": "q", "Attribute.1.Value": "5"})


def test_xml_reply_shape_and_escaping() -> None:
    op = sqs().operation("ReceiveMessage", query=True)
    body = "a\r\nb <&> \x00 end"
    reply = query_protocol.encode_response(
        op,
        {
            "Messages": [
                {
                    "MessageId": "m1",
                    "Body": body,
                    "Attributes": {"SenderId": "s"},
                    "MessageAttributes": {"b": {"DataType": "Binary", "BinaryValue": b"\xff"}},
                }
            ]
        },
        "urn:ns",
        "req-1",
    )
    root = ElementTree.fromstring(reply)
    ns = "{urn:ns}"
    message = root.find(f"{ns}ReceiveMessageResult/{ns}Message")
    assert message is not None
    assert message.findtext(f"{ns}Body") == "a\r\nb <&> \ufffd end"
    assert message.findtext(f"{ns}Attribute/{ns}Name") == "SenderId"
    assert message.findtext(f"{ns}MessageAttribute/{ns}Value/{ns}BinaryValue") == "/w=="
    assert root.findtext(f"{ns}ResponseMetadata/{ns}RequestId") == "req-1"


def test_xml_error() -> None:
    error = AwsError("QueueDoesNotExist", "gone <now>", legacy_code="AWS.X.NonExistent")
    root = ElementTree.fromstring(query_protocol.encode_error(error, "", "r"))
    assert root.tag == "ErrorResponse"
    assert [
        root.findtext(p) for p in ("Error/Type", "Error/Code", "Error/Message", "RequestId")
    ] == [
        "Sender",
        "AWS.X.NonExistent",
        "gone <now>",
        "r",
    ]


def test_json_decode_converts_blobs_and_timestamps() -> None:
    op = wire_service("cloudtrail").operation("LookupEvents")  # type: ignore[union-attr]
    params = json_protocol.decode_request(
        op,
        json.dumps(
            {
                "StartTime": 1795942800,
                "EndTime": "2026-11-29T10:00:00Z",
                "Unknown": 1,
                "MaxResults": None,
            }
        ).encode(),
    )
    assert params == {"StartTime": 1795942800.0, "EndTime": 1795946400.0}
    send = sqs().operation("SendMessage")
    attributes = {"a": {"DataType": "Binary", "BinaryValue": "AP8="}}
    decoded = json_protocol.decode_request(
        send,
        json.dumps({"QueueUrl": "q", "MessageBody": "x", "MessageAttributes": attributes}).encode(),
    )
    assert decoded["MessageAttributes"]["a"]["BinaryValue"] == b"\x00\xff"


def test_json_encode_converts_blobs_and_timestamps_back() -> None:
    trail = wire_service("cloudtrail").operation("LookupEvents")  # type: ignore[union-attr]
    out = json.loads(json_protocol.encode_response(trail, {"Events": [{"EventTime": 12.0}]}))
    assert out == {"Events": [{"EventTime": 12.0}]}
    receive = sqs().operation("ReceiveMessage")
    message = {"MessageAttributes": {"b": {"DataType": "Binary", "BinaryValue": b"\x00"}}}
    out = json.loads(json_protocol.encode_response(receive, {"Messages": [message]}))
    assert out["Messages"][0]["MessageAttributes"]["b"]["BinaryValue"] == "AA=="


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"[]", "must be a JSON object"),
        (b'{"QueueUrl": ', "not valid JSON"),
        (b'{"QueueUrl": "\xff"}', "not valid UTF-8"),
        (b'{"QueueUrl": 1}', "at 'QueueUrl' of JSON type int can not be converted to a String"),
        (b'{"QueueUrl": "q", "MaxNumberOfMessages": 1.5}', "to an Integer"),
        (b'{"QueueUrl": "q", "AttributeNames": "All"}', "to a list"),
        (b'{"QueueUrl": "q", "AttributeNames": [1]}', "at 'AttributeNames.1'"),
    ],
)
def test_json_serialization_errors(body: bytes, fragment: str) -> None:
    op = sqs().operation("ReceiveMessage")
    with pytest.raises(AwsError) as failed:
        json_protocol.decode_request(op, body)
    assert failed.value.code == "SerializationException"
    assert fragment in failed.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (1795942800, 1795942800.0),
        ("1795942800.5", 1795942800.5),
        ("2026-11-29T09:00:00Z", 1795942800.0),
        ("2026-11-29T10:00:00+01:00", 1795942800.0),
        ("2026-11-29T09:00:00", 1795942800.0),
        ("yesterday", None),
        (True, None),
        ("nan", None),
        (float("inf"), None),
    ],
)
def test_timestamps(text: object, expected: float | None) -> None:
    assert timestamps.parse(text) == expected


def test_iso8601_has_milliseconds() -> None:
    assert timestamps.iso8601(1795942800.25) == "2026-11-29T09:00:00.250Z"


def test_wire_facts_from_the_models() -> None:
    service = sqs()
    assert (service.target_prefix, service.json_version, service.query_compatible) == (
        "AmazonSQS",
        "1.0",
        True,
    )
    assert service.xml_namespace == "http://queue.amazonaws.com/doc/2012-11-05/"
    trail = wire_service("cloudtrail")
    assert trail is not None and trail.query_model is None
    assert trail.content_type == "application/x-amz-json-1.1"
    sts = wire_service("sts")
    assert sts is not None and sts.protocol == "query"
    assert sts.xml_namespace == "https://sts.amazonaws.com/doc/2011-06-15/"
    assert wire_service("no-such-service") is None
