"""The protocol pieces on their own: credentials, routing, query folding, XML, timestamps."""

from __future__ import annotations

import gc
import json
import re
from typing import Any
from xml.etree import ElementTree

import pytest
from botocore.model import OperationModel, ServiceModel

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


@pytest.mark.parametrize(
    "text",
    ["¹", "٣", "\uff13", "--5", "+5", " 5", "5 ", "1_0", "1.0", "", "2147483648", "-2147483649"],
)
def test_query_integers_are_ascii_and_32_bit(text: str) -> None:
    """'¹' and '--5' were a 500 (`isdigit` then `int`); '٣' was read as 3."""
    op = sqs().operation("ReceiveMessage", query=True)
    with pytest.raises(AwsError) as failed:
        query_protocol.decode_request(op, {"MaxNumberOfMessages": text})
    assert (failed.value.code, failed.value.status, failed.value.message) == (
        "InvalidParameterValue",
        400,
        f"Value {text} for parameter MaxNumberOfMessages is invalid. Reason: must be an integer.",
    )


@pytest.mark.parametrize(("text", "number"), [("5", 5), ("-5", -5), ("2147483647", 2**31 - 1)])
def test_query_integers(text: str, number: int) -> None:
    op = sqs().operation("ReceiveMessage", query=True)
    assert query_protocol.decode_request(op, {"MaxNumberOfMessages": text}) == {
        "MaxNumberOfMessages": number
    }


@pytest.mark.parametrize(
    ("fields", "path", "index"),
    [
        ({"AttributeName.¹": "All"}, "AttributeName.¹", "¹"),
        ({"AttributeName.٣": "All"}, "AttributeName.٣", "٣"),
        ({"AttributeName.0": "All"}, "AttributeName.0", "0"),
        ({"AttributeName.-1": "All"}, "AttributeName.-1", "-1"),
        ({"AttributeName.01": "All"}, "AttributeName.01", "01"),
        ({"AttributeName.10001": "All"}, "AttributeName.10001", "10001"),
        ({"AttributeName.999999999": "All"}, "AttributeName.999999999", "999999999"),
        ({"AttributeName.x": "All"}, "AttributeName.x", "x"),
        ({"AttributeNames.member.¹": "All"}, "AttributeNames.member.¹", "¹"),
    ],
)
def test_query_list_indexes_are_whole_numbers_from_1(
    fields: dict[str, str], path: str, index: str
) -> None:
    """'¹' passed `isdigit` and failed `int` (a 500); '01' would alias '1'."""
    op = sqs().operation("ReceiveMessage", query=True)
    with pytest.raises(AwsError) as failed:
        query_protocol.decode_request(op, fields)
    assert (failed.value.code, failed.value.message) == (
        "InvalidParameterValue",
        f"Value {index} for parameter {path} is invalid. Reason: entries are numbered 1 to 10000.",
    )


def test_query_map_and_batch_indexes_too() -> None:
    attributes = sqs().operation("SetQueueAttributes", query=True)
    with pytest.raises(AwsError, match=r"parameter Attribute\.¹ is invalid"):
        query_protocol.decode_request(
            attributes, {"Attribute.¹.Name": "DelaySeconds", "Attribute.¹.Value": "1"}
        )
    batch = sqs().operation("SendMessageBatch", query=True)
    entry = "SendMessageBatchRequestEntry.¹"
    with pytest.raises(AwsError, match=rf"parameter {re.escape(entry)} is invalid"):
        query_protocol.decode_request(batch, {f"{entry}.Id": "a", f"{entry}.MessageBody": "x"})


def test_a_huge_index_is_quoted_short() -> None:
    """5,000 digits: `int()` refuses past 4,300 (a 500); the message quotes 100 characters."""
    op = sqs().operation("GetQueueAttributes", query=True)
    nines = "9" * 5000
    with pytest.raises(AwsError) as failed:
        query_protocol.decode_request(op, {f"AttributeName.{nines}": "All"})
    assert failed.value.message == (
        f"Value {nines[:100]}... for parameter AttributeName.{nines[:86]}... is invalid. "
        "Reason: entries are numbered 1 to 10000."
    )


def test_query_indexes_may_have_gaps_and_come_in_any_order() -> None:
    op = sqs().operation("GetQueueAttributes", query=True)
    fields = {"AttributeName.10000": "c", "AttributeName.1": "a", "AttributeName.7": "b"}
    assert query_protocol.decode_request(op, fields)["AttributeNames"] == ["a", "b", "c"]


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


def test_json_whole_numbers() -> None:
    op = sqs().operation("ReceiveMessage")
    decoded = json_protocol.decode_request(
        op, b'{"MaxNumberOfMessages": 5.0, "WaitTimeSeconds": -0}'
    )
    assert decoded == {"MaxNumberOfMessages": 5, "WaitTimeSeconds": 0}
    assert type(decoded["MaxNumberOfMessages"]) is int


def test_json_numbers_past_what_a_service_can_hold() -> None:
    """A 401-digit StartTime made `float()` overflow inside the decoder: a 500."""
    op = wire_service("cloudtrail").operation("LookupEvents")  # type: ignore[union-attr]
    with pytest.raises(AwsError) as failed:
        json_protocol.decode_request(op, b'{"StartTime": 1' + b"0" * 400 + b"}")
    assert failed.value.code == "SerializationException"
    assert failed.value.message == f"Numeric value (1{'0' * 99}...) out of range."


def test_json_surrogate_pairs_are_text_but_lone_halves_are_not() -> None:
    """A lone half made the message attribute MD5 raise UnicodeEncodeError: a 500."""
    send = sqs().operation("SendMessage")
    pair = b'{"MessageBody": "\\ud83d\\ude00"}'
    assert json_protocol.decode_request(send, pair) == {"MessageBody": "\U0001f600"}
    alone = b'{"MessageAttributes": {"a": {"DataType": "String", "StringValue": "\\ud800"}}}'
    with pytest.raises(AwsError) as failed:
        json_protocol.decode_request(send, alone)
    assert (failed.value.code, failed.value.message) == (
        "SerializationException",
        "Value at 'MessageAttributes.a.StringValue' is not Unicode text: it has a lone surrogate.",
    )
    in_a_key = b'{"MessageAttributes": {"\\udfff": {"DataType": "String", "StringValue": "v"}}}'
    with pytest.raises(AwsError, match="at 'MessageAttributes' is not Unicode text"):
        json_protocol.decode_request(send, in_a_key)


def _model_with(member_type: str) -> OperationModel:
    """A one-operation model whose input member `N` is of `member_type`."""
    raw = {
        "metadata": {"protocol": "json", "apiVersion": "2026-01-01", "targetPrefix": "Fuzz"},
        "operations": {"Op": {"name": "Op", "input": {"shape": "In"}}},
        "shapes": {
            "In": {"type": "structure", "members": {"N": {"shape": "T"}}},
            "T": {"type": member_type},
        },
    }
    return ServiceModel(raw, service_name="fuzz").operation_model("Op")


def test_converters_belong_to_the_operation_not_to_its_id() -> None:
    """Converters were cached by (id(op), name): a new model's op could reuse a dead one's id.

    The third op takes the second's freed memory, with the other type; a few more
    rounds, each a full collection of a heap holding botocore's models, cost
    more than they find.
    """
    for round_ in range(6):
        number = bool(round_ % 2)
        op = _model_with("integer" if number else "string")
        value = 7 if number else "7"
        assert json_protocol.decode_request(op, json.dumps({"N": value}).encode()) == {"N": value}
        assert query_protocol.decode_request(op, {"N": "7"}) == {"N": value}
        del op
        gc.collect()  # a model and its operations hold each other: free them now


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
        (b'{"MaxNumberOfMessages": "\xc2\xb9"}', "of JSON type str can not be converted"),
        (b'{"MaxNumberOfMessages": 2147483648}', "of JSON type int can not be converted"),
        (b'{"MaxNumberOfMessages": 1e30}', "of JSON type float can not be converted"),
        (b'{"MaxNumberOfMessages": NaN}', "not valid JSON"),
        (b'{"MaxNumberOfMessages": -Infinity}', "not valid JSON"),
        (b'{"MaxNumberOfMessages": 1e400}', "Numeric value (1e400) out of range."),
        (b'{"MaxNumberOfMessages": ' + b"9" * 5000 + b"}", "Numeric value (" + "9" * 100 + "...)"),
        (b'{"AttributeNames": ["\\ud800"]}', "at 'AttributeNames.1' is not Unicode text"),
        (b'{"AttributeNames": ["\\udc00x\\ud83d\\ude00"]}', "it has a lone surrogate"),
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
