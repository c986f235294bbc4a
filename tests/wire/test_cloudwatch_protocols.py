"""CloudWatch in each protocol its model lists, and RPC v2 CBOR against hostile bodies.

botocore picks a client's protocol from the model's `protocols` list in an order
of its own (JSON first, in 1.44), so a test cannot ask for one through any
setting. Each client here comes from a botocore session whose loader returns
CloudWatch's model with `protocol` and `protocols` cut down to the one under
test (`_OneProtocol`): the serializer, the parser and the error handling are
botocore's own for that protocol, and nothing else in the model changes. A
`before-send` hook keeps what went out, so each test also checks the request
really was CBOR, JSON or a query form.

The hostile bodies are sent by hand (`cbor_call`), since no SDK writes them;
each must be an AWS-shaped 4xx in the CBOR envelope, and the endpoint must
go on answering. Time passes only when a test advances the virtual clock.
"""

from __future__ import annotations

import copy
import datetime as dt
import gzip
from typing import Any
from urllib.parse import parse_qs

import boto3
import botocore.session
import cbor2
import pytest
from botocore.loaders import Loader

from backend.wire import cbor_protocol, query_protocol
from backend.wire.models import wire_service
from backend.wire.server import MAX_BODY
from tests.wire.live import Live
from tests.wire.rawhttp import SIGNED, Reply, request

PROTOCOLS = ("smithy-rpc-v2-cbor", "json", "query")
SERVICE_PATH = "/service/GraniteServiceVersion20100801/operation/"
CBOR_HEADERS = {
    "smithy-protocol": "rpc-v2-cbor",
    "Content-Type": "application/cbor",
    "Accept": "application/cbor",
}


class _OneProtocol(Loader):  # type: ignore[misc]  # botocore is untyped
    """botocore's loader, but CloudWatch's model speaks `protocol` and nothing else."""

    def __init__(self, protocol: str) -> None:
        super().__init__()
        self.protocol = protocol

    def load_service_model(
        self, service_name: str, type_name: str, api_version: str | None = None
    ) -> Any:
        model = super().load_service_model(service_name, type_name, api_version)
        if service_name == "cloudwatch" and type_name == "service-2":
            model = copy.deepcopy(model)  # the loader's cache keeps the original
            model["metadata"]["protocol"] = self.protocol
            model["metadata"]["protocols"] = [self.protocol]
        return model


@pytest.fixture(scope="module")
def sessions() -> dict[str, Any]:
    """A boto3 session per protocol, made once: each loads the model once."""
    made = {}
    for protocol in PROTOCOLS:
        core = botocore.session.get_session()
        core.register_component("data_loader", _OneProtocol(protocol))
        made[protocol] = boto3.session.Session(botocore_session=core)
    return made


class Sent:
    """What a client sent, as botocore's `before-send` event saw it."""

    def __init__(self) -> None:
        self.requests: list[Any] = []

    def __call__(self, request: Any, **_: Any) -> None:
        self.requests.append(request)

    def spoke(self, protocol: str, action: str) -> bool:
        """Whether the last request was `action` in `protocol`, judged by what went out."""
        last = self.requests[-1]
        headers = {k.lower(): v for k, v in last.headers.items()}
        body = last.body if isinstance(last.body, bytes) else str(last.body or "").encode()
        if headers.get("content-encoding") == b"gzip":
            body = gzip.decompress(body)
        if protocol == "smithy-rpc-v2-cbor":
            return bool(
                last.url.endswith(SERVICE_PATH + action)
                and headers.get("smithy-protocol") == b"rpc-v2-cbor"
                and "x-amz-target" not in headers
            )
        if protocol == "json":
            return headers.get("x-amz-target") == f"GraniteServiceVersion20100801.{action}".encode()
        return parse_qs(body.decode()).get("Action") == [action]


@pytest.fixture(params=PROTOCOLS)
def cloudwatch(
    request: pytest.FixtureRequest, live: Live, sessions: dict[str, Any]
) -> tuple[Any, Sent, str]:
    """A CloudWatch client speaking one protocol, and what it sent."""
    protocol: str = request.param
    client = live.client("cloudwatch", session=sessions[protocol])
    assert client.meta.service_model.resolved_protocol == protocol
    sent = Sent()
    client.meta.events.register("before-send.cloudwatch", sent)
    return client, sent, protocol


def _minute(live: Live) -> dt.datetime:
    """The start of the simulated minute now, as a UTC datetime."""
    now = live.call(live.cloud.clock.now)
    return dt.datetime.fromtimestamp(now - now % 60, dt.UTC)


LATENCY = {
    "MetricName": "Latency",
    "Dimensions": [{"Name": "Route", "Value": "/pay"}],
    "Values": [10.0, 20.0],
    "Counts": [1.0, 3.0],
    "Unit": "Milliseconds",
}


def test_put_then_list(live: Live, cloudwatch: tuple[Any, Sent, str]) -> None:
    client, sent, protocol = cloudwatch
    answer = client.put_metric_data(
        Namespace="App/Orders", MetricData=[{**LATENCY, "Timestamp": _minute(live)}]
    )
    assert sent.spoke(protocol, "PutMetricData")
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    listed = client.list_metrics(Namespace="App/Orders")
    assert sent.spoke(protocol, "ListMetrics")
    assert listed["Metrics"] == [
        {
            "Namespace": "App/Orders",
            "MetricName": "Latency",
            "Dimensions": [{"Name": "Route", "Value": "/pay"}],
        }
    ]
    assert client.list_metrics(Namespace="App/Other")["Metrics"] == []


def test_put_then_statistics(live: Live, cloudwatch: tuple[Any, Sent, str]) -> None:
    client, sent, protocol = cloudwatch
    minute = _minute(live)
    client.put_metric_data(Namespace="App/Orders", MetricData=[{**LATENCY, "Timestamp": minute}])
    live.advance(60)
    stats = client.get_metric_statistics(
        Namespace="App/Orders",
        MetricName="Latency",
        Dimensions=[{"Name": "Route", "Value": "/pay"}],
        StartTime=minute,
        EndTime=minute + dt.timedelta(minutes=1),
        Period=60,
        Statistics=["SampleCount", "Sum", "Average", "Minimum", "Maximum"],
        Unit="Milliseconds",
    )
    assert sent.spoke(protocol, "GetMetricStatistics")
    assert stats["Label"] == "Latency"
    [point] = stats["Datapoints"]
    assert point.pop("Timestamp").timestamp() == minute.timestamp()
    assert point == {
        "SampleCount": 4.0,
        "Sum": 70.0,
        "Average": 17.5,
        "Minimum": 10.0,
        "Maximum": 20.0,
        "Unit": "Milliseconds",
    }


def test_a_service_error_is_the_modelled_exception(cloudwatch: tuple[Any, Sent, str]) -> None:
    """The legacy code reaches botocore in every protocol: `x-amzn-query-error` or `<Code>`."""
    client, sent, protocol = cloudwatch
    with pytest.raises(client.exceptions.InvalidParameterValueException) as raised:
        client.put_metric_data(Namespace="AWS/X", MetricData=[{"MetricName": "m", "Value": 1.0}])
    assert sent.spoke(protocol, "PutMetricData")
    response = raised.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["Error"]["Code"] == "InvalidParameterValue"
    assert response["Error"]["Message"] == "The value AWS/X for parameter Namespace is invalid."
    assert response["Error"]["Type"] == "Sender"
    if protocol != "query":
        assert response["Error"]["QueryErrorCode"] == "InvalidParameterValueException"


def test_a_put_big_enough_for_botocore_to_gzip(
    live: Live, cloudwatch: tuple[Any, Sent, str]
) -> None:
    """PutMetricData is `requestcompression: gzip`: botocore gzips a body from 10 KiB.

    The endpoint must read it inflated, not cut at its compressed Content-Length.
    """
    client, sent, protocol = cloudwatch
    data = [
        {"MetricName": f"metric-{i:03}", "Dimensions": [{"Name": "Host", "Value": "h"}], "Value": i}
        for i in range(400)
    ]
    client.put_metric_data(Namespace="App/Big", MetricData=data)
    assert sent.spoke(protocol, "PutMetricData")
    headers = {k.lower(): v for k, v in sent.requests[-1].headers.items()}
    assert headers.get("content-encoding") == b"gzip"
    names = [m["MetricName"] for m in client.list_metrics(Namespace="App/Big")["Metrics"]]
    assert names == [d["MetricName"] for d in data]


# -- RPC v2 CBOR by hand -----------------------------------------------------------------


def cbor_call(
    live: Live,
    action: str,
    body: bytes = b"",
    *,
    path: str | None = None,
    method: str = "POST",
    headers: dict[str, str] | None = None,
) -> Reply:
    return request(
        live.url, method, path or SERVICE_PATH + action, body, {**CBOR_HEADERS, **(headers or {})}
    )


def cbor_error(
    reply: Reply, *, cloudwatch: bool = True, legacy: str | None = None
) -> tuple[int, str, str]:
    """(status, code, message) of an error in the CBOR envelope; fails on any other shape.

    `cloudwatch`: the request was routed to CloudWatch, which is query-compatible,
    so its errors must carry their `legacy` code (by default the code itself) in
    `x-amzn-query-error`.
    """
    assert 400 <= reply.status < 500, reply
    assert reply.headers["smithy-protocol"] == "rpc-v2-cbor"
    assert reply.headers["content-type"] == "application/cbor"
    assert reply.headers["x-amzn-requestid"]
    document = cbor2.loads(reply.body)
    assert set(document) == {"__type", "message"}, document
    code = document["__type"]
    if cloudwatch:
        assert reply.headers["x-amzn-query-error"] == f"{legacy or code};Sender"
    else:
        assert "x-amzn-query-error" not in reply.headers
    return reply.status, code, document["message"]


def still_answering(live: Live) -> None:
    reply = cbor_call(live, "ListMetrics", cbor2.dumps({}))
    assert reply.status == 200, reply
    assert reply.headers["smithy-protocol"] == "rpc-v2-cbor"
    assert isinstance(cbor2.loads(reply.body)["Metrics"], list)


def text(value: str) -> bytes:
    return cbor2.dumps(value)


def put(namespace: bytes) -> bytes:
    """A PutMetricData body whose Namespace is the CBOR item `namespace`, as written."""
    return b"\xa1" + text("Namespace") + namespace


def datum(member: str, item: bytes) -> bytes:
    """A PutMetricData body of one datum whose `member` is the CBOR item `item`."""
    head = b"\xa2" + text("Namespace") + text("App") + text("MetricData") + b"\x81"
    return head + b"\xa2" + text("MetricName") + text("m") + text(member) + item


NOT_CBOR = "The request body is not valid CBOR: "
HOSTILE = [
    # nesting
    ("deep arrays", put(b"\x81" * 100_000 + b"\x00"), NOT_CBOR),
    ("deep indefinite arrays", put(b"\x9f" * 100_000), NOT_CBOR),
    ("deep maps", put(b"\xa1\x60" * 100_000 + b"\x00"), NOT_CBOR),
    # lengths declared, never sent
    ("array of 2^64-1", put(b"\x9b" + b"\xff" * 8), NOT_CBOR),
    ("map of 2^32", put(b"\xba\xff\xff\xff\xff"), NOT_CBOR),
    ("bytes of 2^63", put(b"\x5b\x7f" + b"\xff" * 7), NOT_CBOR),
    ("text of 2^32", put(b"\x7a\xff\xff\xff\xff" + b"a" * 100), NOT_CBOR),
    ("body of 2^64-1 entries", b"\xbb" + b"\xff" * 8, NOT_CBOR),
    # tags other than 1
    ("shared cycle (28, 29)", put(bytes.fromhex("d81c82d81d00d81d00")), "CBOR tag "),
    ("shared reference (29)", put(bytes.fromhex("d81d00")), "CBOR tag 29"),
    ("string references (256, 25)", put(bytes.fromhex("d9010082d81900d81900")), "CBOR tag"),
    ("bignum (2)", datum("Value", b"\xc2\x49\x01" + b"\x00" * 8), "CBOR tag 2:"),
    ("decimal fraction (4)", datum("Value", b"\xc4\x82\x21\x19\x6a\xb3"), "CBOR tag 4:"),
    ("regular expression (35)", put(b"\xd8\x23" + text("(a+)+$")), "CBOR tag 35:"),
    ("date in text (0)", datum("Timestamp", b"\xc0" + text("2026-11-29T00:00:00Z")), "tag 0:"),
    ("self-described (55799)", b"\xd9\xd9\xf7\xa0", "CBOR tag 55799:"),
    ("unknown tag", put(b"\xd9\x27\x0f" + text("App")), "CBOR tag 9999:"),
    ("tag 1 on a string", put(b"\xc1" + text("App")), "of CBOR type timestamp"),
    ("tag 1 around text", datum("Timestamp", b"\xc1" + text("1")), "of CBOR type text string"),
    # indefinite-length items gone wrong
    ("unterminated array", put(b"\x9f\x00\x00"), NOT_CBOR),
    ("unterminated text", put(b"\x7f\x61a"), NOT_CBOR),
    ("text of byte chunks", put(b"\x7f\x41a\xff"), NOT_CBOR),
    ("map missing a value", b"\xbf" + text("Namespace") + b"\xff", NOT_CBOR),
    ("a lone break", b"\xff", NOT_CBOR),
    # not one map of text keys
    ("array body", b"\x80", "The request body must be a CBOR map."),
    ("trailing bytes", cbor2.dumps({"Namespace": "App"}) + b"\x00", "bytes after its CBOR map"),
    ("integer keys", b"\xa2\x01\x02\x03\x04", NOT_CBOR),
    ("duplicate keys", b"\xa2" + (text("Namespace") + text("a")) * 2, NOT_CBOR),
    ("text not UTF-8", put(b"\x62\xff\xfe"), NOT_CBOR),
    ("surrogate in UTF-8", put(b"\x63\xed\xa0\x80"), NOT_CBOR),
    ("truncated", cbor2.dumps({"Namespace": "App"})[:-2], NOT_CBOR),
]


@pytest.mark.parametrize(
    ("body", "message"), [(b, m) for _, b, m in HOSTILE], ids=[n for n, _, _ in HOSTILE]
)
def test_hostile_bodies_are_serialization_exceptions(live: Live, body: bytes, message: str) -> None:
    status, code, said = cbor_error(cbor_call(live, "PutMetricData", body))
    assert (status, code) == (400, "SerializationException")
    assert message in said, said
    still_answering(live)


@pytest.mark.parametrize(
    ("member", "item", "message"),
    [
        (
            "Value",
            text("1.5"),
            "Value at 'MetricData.1.Value' of CBOR type text string can not be converted to "
            "a Double.",
        ),
        ("Value", b"\xf9\x7e\x00", "Value at 'MetricData.1.Value' is not a finite number."),
        ("Value", b"\xfa\x7f\x80\x00\x00", "Value at 'MetricData.1.Value' is not a finite number."),
        ("Value", b"\xc1\x00", "of CBOR type timestamp can not be converted to a Double."),
        ("Value", b"\xf5", "of CBOR type boolean can not be converted to a Double."),
        ("StorageResolution", b"\xfb\x40\x4e\x40\x00\x00\x00\x00\x00", "to an Integer."),
        ("StorageResolution", b"\x1b" + (2**40).to_bytes(8, "big"), "to an Integer."),
        ("StorageResolution", b"\xf8\x63", "of CBOR type simple value can not be converted"),
        ("Timestamp", b"\xfb\x41\xd8" + bytes(6), "float can not be converted to a Timestamp."),
        ("Timestamp", b"\xc1\xf9\x7c\x00", "at 'MetricData.1.Timestamp' is not a finite time."),
        ("Dimensions", b"\xa0", "of CBOR type map can not be converted to a list."),
        ("Dimensions", b"\x81\x80", "Value at 'MetricData.1.Dimensions.1' of CBOR type array"),
    ],
)
def test_wrong_types_name_the_member(live: Live, member: str, item: bytes, message: str) -> None:
    status, code, said = cbor_error(cbor_call(live, "PutMetricData", datum(member, item)))
    assert (status, code) == (400, "SerializationException")
    assert message in said, said


def test_a_body_over_the_cbor_limit_is_refused(live: Live) -> None:
    head = put(b"\x5a" + (cbor_protocol.MAX_BODY - 16).to_bytes(4, "big"))
    body = head + b"x" * (cbor_protocol.MAX_BODY - len(head))
    assert len(body) == cbor_protocol.MAX_BODY
    status, code, _ = cbor_error(cbor_call(live, "PutMetricData", body + b"x"))
    assert (status, code) == (413, "RequestEntityTooLarge")
    # The largest body allowed is read, and refused for what it holds, not for its size.
    status, code, said = cbor_error(cbor_call(live, "PutMetricData", body))
    assert (status, code) == (400, "SerializationException")
    assert "of CBOR type byte string can not be converted to a String" in said
    still_answering(live)


def test_a_gzip_bomb_is_refused_by_what_it_inflates_to(live: Live) -> None:
    """64 MiB of zeros gzip to 64 KiB; reading stops once the inflated body passes a limit."""
    bomb = gzip.compress(bytes(64 * 1024 * 1024))
    assert len(bomb) < 100_000
    reply = cbor_call(live, "PutMetricData", bomb, headers={"Content-Encoding": "gzip"})
    assert cbor_error(reply)[:2] == (413, "RequestEntityTooLarge")
    still_answering(live)


def test_indefinite_lengths_are_read_like_any_other(live: Live) -> None:
    """Smithy's own protocol tests send indefinite-length maps; well-formed ones are fine."""
    body = (
        b"\xbf"
        + text("Namespace")
        + b"\x7f"
        + text("Ap")
        + text("p")
        + b"\xff"
        + text("MetricData")
        + b"\x9f\xbf"
        + text("MetricName")
        + text("m")
        + text("Value")
        + b"\xf9\x3c\x00"  # 1.0, half precision
        + b"\xff\xff\xff"
    )
    reply = cbor_call(live, "PutMetricData", body)
    assert reply.status == 200, cbor2.loads(reply.body)
    listed = cbor2.loads(cbor_call(live, "ListMetrics", cbor2.dumps({"Namespace": "App"})).body)
    assert listed["Metrics"] == [{"Namespace": "App", "MetricName": "m", "Dimensions": []}]


def test_null_and_undefined_are_absent_members(live: Live) -> None:
    for absent in (b"\xf6", b"\xf7"):
        reply = cbor_call(live, "PutMetricData", put(absent))
        status, code, said = cbor_error(reply, legacy="MissingParameter")
        assert (status, said) == (400, "The parameter Namespace is required.")
        assert code == "MissingRequiredParameterException"


def test_answers_carry_the_protocol_and_no_body_without_output(live: Live) -> None:
    put_reply = cbor_call(live, "PutMetricData", datum("Value", b"\xf9\x3c\x00"))
    assert put_reply.status == 200
    assert put_reply.headers["smithy-protocol"] == "rpc-v2-cbor"
    assert put_reply.headers["x-amzn-requestid"]
    assert put_reply.body == b""
    assert "content-type" not in put_reply.headers
    listed = cbor_call(live, "ListMetrics")  # no body at all: an empty input
    assert listed.status == 200
    assert listed.headers["content-type"] == "application/cbor"
    metrics = cbor2.loads(listed.body)["Metrics"]
    assert {"Namespace": "App", "MetricName": "m", "Dimensions": []} in metrics


@pytest.mark.parametrize(
    "path",
    [
        "/service/com.amazonaws.cloudwatch.GraniteServiceVersion20100801/operation/ListMetrics",
        "/v1/service/GraniteServiceVersion20100801/operation/ListMetrics",
    ],
)
def test_paths_smithy_asks_servers_to_accept(live: Live, path: str) -> None:
    assert cbor_call(live, "ListMetrics", b"\xa0", path=path).status == 200


UNKNOWN = (400, "UnknownOperationException")


@pytest.mark.parametrize(
    ("path", "method", "headers", "expected"),
    [
        (SERVICE_PATH + "NoSuchThing", "POST", {}, UNKNOWN),
        (SERVICE_PATH + "GraniteServiceVersion20100801.ListMetrics", "POST", {}, UNKNOWN),
        (SERVICE_PATH, "POST", {}, UNKNOWN),
        (SERVICE_PATH + "ListMetrics", "GET", {}, (405, "MethodNotAllowed")),
        (
            SERVICE_PATH + "ListMetrics",
            "POST",
            {"X-Amz-Target": "GraniteServiceVersion20100801.ListMetrics"},
            (400, "SerializationException"),
        ),
        (
            SERVICE_PATH + "ListMetrics",
            "POST",
            {"X-Amzn-Target": "GraniteServiceVersion20100801.ListMetrics"},
            (400, "SerializationException"),
        ),
        (
            SERVICE_PATH + "ListMetrics",
            "POST",
            {"Content-Type": "application/json"},
            (400, "SerializationException"),
        ),
    ],
)
def test_routing_refusals_come_in_the_cbor_envelope(
    live: Live, path: str, method: str, headers: dict[str, str], expected: tuple[int, str]
) -> None:
    reply = cbor_call(live, "", b"\xa0", path=path, method=method, headers=headers)
    status, code, _ = cbor_error(reply)
    assert (status, code) == expected


@pytest.mark.parametrize(
    "path", ["/service/AmazonSQS/operation/ListQueues", "/service/Nope/operation/ListMetrics", "/"]
)
def test_paths_naming_no_cbor_service(live: Live, path: str) -> None:
    reply = cbor_call(live, "", b"\xa0", path=path)
    assert cbor_error(reply, cloudwatch=False)[:2] == UNKNOWN


def test_cbor_without_its_header_is_told_what_is_missing(live: Live) -> None:
    headers = {"Content-Type": "application/cbor"}
    reply = request(live.url, "POST", SERVICE_PATH + "ListMetrics", b"\xa0", headers)
    status, code, said = cbor_error(reply, cloudwatch=False)
    assert (status, code) == UNKNOWN
    assert "smithy-protocol: rpc-v2-cbor" in said


def test_a_query_member_is_not_read_as_another_members_singular() -> None:
    """`MetricData.member.1.Value` is the datum's Value, not a one-item `Values`.

    The query codec also takes a list member under its singular (old clients
    write `AttributeName.1`), but MetricDatum has both `Value` and `Values`.
    """
    wire = wire_service("cloudwatch")
    assert wire is not None
    op = wire.operation("PutMetricData", query=True)
    fields = {
        "Namespace": "App",
        "MetricData.member.1.MetricName": "m",
        "MetricData.member.1.Value": "1.5",
        "MetricData.member.2.MetricName": "n",
        "MetricData.member.2.Values.member.1": "2",
    }
    assert query_protocol.decode_request(op, fields)["MetricData"] == [
        {"MetricName": "m", "Value": 1.5},
        {"MetricName": "n", "Values": [2.0]},
    ]


def test_every_tag_cbor2_reads_by_itself_is_refused() -> None:
    """`CBOR2_TAGS` must name every tag the installed `cbor2` gives a meaning of its own.

    A tag missing from it would be read the way `cbor2` reads it (value
    sharing, say) instead of refused, so an upgrade that adds one fails here.
    """
    handled = set()
    for tag in [*range(65536), 2**32 - 1, 2**63, 2**64 - 1]:
        for value in (0, b"", [], "", [0, 0], b"\x01" * 16):
            try:
                decoded = cbor2.loads(cbor2.dumps(cbor2.CBORTag(tag, value)))
            except cbor2.CBORDecodeError:
                handled.add(tag)
                break
            if not isinstance(decoded, cbor2.CBORTag):
                handled.add(tag)
                break
    assert handled - {1} <= cbor_protocol.CBOR2_TAGS


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"not gzip at all", 400, "SerializationException"),
        (gzip.compress(b'{"Namespace": "App"}', mtime=0)[:-12], 400, "SerializationException"),
        (gzip.compress(b"\0" * (MAX_BODY + 1), mtime=0), 413, "RequestEntityTooLarge"),
    ],
    ids=["corrupt", "cut short", "inflating past the limit"],
)
def test_a_bad_gzip_body_is_refused(live: Live, body: bytes, status: int, code: str) -> None:
    """Corrupt, cut short, or inflating past the body limit: refused, never half read."""
    reply = request(
        live.url,
        "POST",
        "/",
        body,
        {
            "Content-Type": "application/x-amz-json-1.0",
            "Content-Encoding": "gzip",
            "X-Amz-Target": "GraniteServiceVersion20100801.PutMetricData",
            "Authorization": SIGNED.format(region="us-east-1", service="monitoring"),
        },
    )
    assert reply.status == status
    assert reply.json()["__type"].endswith(code)
