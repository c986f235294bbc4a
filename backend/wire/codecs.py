"""One codec per wire protocol, chosen by botocore's protocol name.

A codec turns a routed request into a service's params and its result (or
its `AwsError`) back into an HTTP answer, reading only the botocore model:
the server has no per-protocol branches, and a protocol that comes with a
later service (RPC v2 CBOR came with CloudWatch, `ec2` with EC2) is one
more entry in `CODECS`. A codec is made per service and keeps what it builds
from the model (decoders, encoders) by operation name, so nothing is cached
by object identity and nothing outlives its endpoint.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, ClassVar, NamedTuple, Protocol

from botocore.model import OperationModel

from backend.errors import AwsError, ErrorCode, InvalidAction, UnknownOperationException
from backend.service import Params
from backend.streams import ByteStream, FileSlice
from backend.wire import (
    cbor_protocol,
    ec2_protocol,
    eventstream,
    json_protocol,
    query_protocol,
    rest_xml,
)
from backend.wire.models import WireService
from backend.wire.routing import Route

#: Where JSON, CBOR and query answers carry the request id (S3 has its own pair of headers).
REQUEST_ID = "x-amzn-RequestId"
#: The header every RPC v2 CBOR answer carries, and SDKs check before reading it.
SMITHY_PROTOCOL = "smithy-protocol"


class Incoming(NamedTuple):
    """What a codec may read of a request: its head, and its body on demand.

    Named tuples, this and `Outgoing`: one of each is made for every request,
    and a frozen dataclass sets each field through `object.__setattr__`.
    """

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    #: The whole body, bounded (for payloads a codec parses).
    read: Callable[[], Awaitable[bytes]]
    #: The body as it arrives (for payloads streamed to disk: S3 objects).
    stream: Callable[[], ByteStream]


class Streamed(Protocol):
    """A body made while it is sent (an event stream), of no length known beforehand.

    The server writes each chunk as it comes (HTTP/1.1 chunked) and calls
    `aclose` however the answer ends, so what feeds it can stop.
    """

    def __aiter__(self) -> AsyncIterator[bytes]: ...

    async def aclose(self) -> None: ...


class Outgoing(NamedTuple):
    """An HTTP answer: status, headers, and a body held, streamed from disk or made as sent."""

    status: int
    #: The answer's own (the server adds CORS headers to it).
    headers: dict[str, str]
    body: bytes | FileSlice | Streamed = b""


#: What S3 answers for functionality it does not implement.
NotImplementedByService = ErrorCode("NotImplemented", 501, sender_fault=False)


class Codec:
    """Reads requests and writes answers in one protocol for one service."""

    protocol: ClassVar[str]

    def __init__(self, service: WireService) -> None:
        self.service = service
        self._built: dict[tuple[str, str], Any] = {}

    def _once(self, kind: str, op: OperationModel, build: Callable[[OperationModel], Any]) -> Any:
        key = (kind, op.name)
        if key not in self._built:
            self._built[key] = build(op)
        return self._built[key]

    def operation(self, action: str) -> OperationModel:
        """The model of `action`, or the protocol's unknown-action error."""
        op = self.service.operation(action)
        if op is None:
            raise self.unknown(action)
        return op

    def unknown(self, action: str) -> AwsError:
        """The error for an action the model lacks or the simulated service doesn't answer."""
        return UnknownOperationException(
            f"Operation {action[:100]} is not supported by {self.service.name}."
        )

    async def decode(self, route: Route, op: OperationModel, incoming: Incoming) -> Params:
        raise NotImplementedError

    def encode(self, op: OperationModel, result: Params, request_id: str) -> Outgoing:
        raise NotImplementedError

    @classmethod
    def error(
        cls,
        service: WireService | None,
        error: AwsError,
        request_id: str,
        method: str,
        op: OperationModel | None = None,
    ) -> Outgoing:
        """`error` as this protocol answers it; `service` (and `op`) None when not found."""
        raise NotImplementedError


class JsonCodec(Codec):
    protocol = "json"

    async def decode(self, route: Route, op: OperationModel, incoming: Incoming) -> Params:
        decoder = self._once("in", op, json_protocol.request_decoder)
        return json_protocol.decode_with(decoder, await incoming.read())

    def encode(self, op: OperationModel, result: Params, request_id: str) -> Outgoing:
        if op.has_event_stream_output:
            events = self._once("events", op, eventstream.json_event_stream)
            headers = {"Content-Type": eventstream.CONTENT_TYPE, REQUEST_ID: request_id}
            return Outgoing(200, headers, events(result))
        encoder = self._once("out", op, json_protocol.response_encoder)
        return Outgoing(
            200,
            {"Content-Type": self.service.content_type, REQUEST_ID: request_id},
            json_protocol.encode_with(encoder, result),
        )

    @classmethod
    def error(
        cls,
        service: WireService | None,
        error: AwsError,
        request_id: str,
        method: str,
        op: OperationModel | None = None,
    ) -> Outgoing:
        headers = {
            "Content-Type": service.content_type if service else "application/x-amz-json-1.0",
            REQUEST_ID: request_id,
        }
        _add_query_error(headers, service, error)
        return Outgoing(error.status, headers, json_protocol.encode_error(error))


def _add_query_error(headers: dict[str, str], service: WireService | None, error: AwsError) -> None:
    """`x-amzn-query-error` for a query-compatible service, in JSON and CBOR alike.

    Its SDKs map the legacy code there, not `__type`, to the exception class:
    without it botocore raises a plain `ClientError` for a CloudWatch
    `InvalidParameterValueException`, with it the modelled class, its Code
    the legacy `InvalidParameterValue` (AWS_FACTS §0.2).
    """
    if service is not None and service.query_compatible:
        fault = "Sender" if error.sender_fault else "Receiver"
        headers["x-amzn-query-error"] = f"{error.legacy_code};{fault}"


class RpcV2CborCodec(Codec):
    """Smithy RPC v2 CBOR (`cbor_protocol`); the action is the path's last segment."""

    protocol = "smithy-rpc-v2-cbor"

    async def decode(self, route: Route, op: OperationModel, incoming: Incoming) -> Params:
        decoder = self._once("in", op, cbor_protocol.request_decoder)
        return cbor_protocol.decode_with(decoder, await incoming.read())

    def encode(self, op: OperationModel, result: Params, request_id: str) -> Outgoing:
        """The output as CBOR; none at all, not even a Content-Type, for an operation without."""
        headers = {SMITHY_PROTOCOL: cbor_protocol.SMITHY_PROTOCOL, REQUEST_ID: request_id}
        encoder = self._once("out", op, cbor_protocol.response_encoder)
        if encoder is None:
            return Outgoing(200, headers)
        headers["Content-Type"] = cbor_protocol.CONTENT_TYPE
        return Outgoing(200, headers, cbor_protocol.encode_with(encoder, result))

    @classmethod
    def error(
        cls,
        service: WireService | None,
        error: AwsError,
        request_id: str,
        method: str,
        op: OperationModel | None = None,
    ) -> Outgoing:
        headers = {
            SMITHY_PROTOCOL: cbor_protocol.SMITHY_PROTOCOL,
            "Content-Type": cbor_protocol.CONTENT_TYPE,
            REQUEST_ID: request_id,
        }
        _add_query_error(headers, service, error)
        return Outgoing(error.status, headers, cbor_protocol.encode_error(error))


class QueryCodec(Codec):
    protocol = "query"

    def operation(self, action: str) -> OperationModel:
        op = self.service.operation(action, query=True)
        if op is None:
            raise self.unknown(action)
        return op

    def unknown(self, action: str) -> AwsError:
        return InvalidAction(f"The action {action[:100]} is not valid for this web service.")

    async def decode(self, route: Route, op: OperationModel, incoming: Incoming) -> Params:
        decoder = self._once("in", op, query_protocol.request_decoder)
        params = query_protocol.decode_with(decoder, route.fields)
        by_path = self.service.path_member
        if by_path is not None:
            pattern, member = by_path
            if member not in params and pattern.match(incoming.path):
                base = incoming.headers.get("Host", "")
                params[member] = f"http://{base}{incoming.path.rstrip('/')}"
        return params

    def encode(self, op: OperationModel, result: Params, request_id: str) -> Outgoing:
        writer = self._once("out", op, query_protocol.response_writer)
        body = query_protocol.encode_with(
            op.name, writer, result, self.service.xml_namespace, request_id
        )
        return Outgoing(200, {"Content-Type": "text/xml", REQUEST_ID: request_id}, body)

    @classmethod
    def error(
        cls,
        service: WireService | None,
        error: AwsError,
        request_id: str,
        method: str,
        op: OperationModel | None = None,
    ) -> Outgoing:
        namespace = service.xml_namespace if service else ""
        body = query_protocol.encode_error(error, namespace, request_id)
        headers = {"Content-Type": "text/xml", REQUEST_ID: request_id}
        return Outgoing(error.status, headers, body)


class Ec2Codec(QueryCodec):
    """EC2's dialect of the query form, and its own XML answers (`ec2_protocol`)."""

    protocol = "ec2"

    async def decode(self, route: Route, op: OperationModel, incoming: Incoming) -> Params:
        decoder = self._once("in", op, _ec2_decoder)
        return query_protocol.decode_with(decoder, route.fields)

    def encode(self, op: OperationModel, result: Params, request_id: str) -> Outgoing:
        writer = self._once("out", op, query_protocol.bare_writer)
        body = ec2_protocol.encode_with(
            op.name, writer, result, self.service.xml_namespace, request_id
        )
        return Outgoing(200, {"Content-Type": "text/xml", REQUEST_ID: request_id}, body)

    @classmethod
    def error(
        cls,
        service: WireService | None,
        error: AwsError,
        request_id: str,
        method: str,
        op: OperationModel | None = None,
    ) -> Outgoing:
        body = ec2_protocol.encode_error(error, request_id)
        return Outgoing(error.status, {"Content-Type": "text/xml", REQUEST_ID: request_id}, body)


def _ec2_decoder(op: OperationModel) -> query_protocol.Decoder | None:
    return query_protocol.request_decoder(op, ec2=True)


class RestXmlCodec(Codec):
    protocol = "rest-xml"

    def unknown(self, action: str) -> AwsError:
        return NotImplementedByService(
            f"The {action[:100]} operation is not implemented by skydeck's {self.service.name}."
        )

    async def decode(self, route: Route, op: OperationModel, incoming: Incoming) -> Params:
        decoder = self._once("in", op, rest_xml.request_decoder)
        body: bytes | ByteStream
        body = incoming.stream() if rest_xml.streams_input(op) else await incoming.read()
        return rest_xml.decode_with(decoder, route.uri, incoming.headers, incoming.query, body)

    def encode(self, op: OperationModel, result: Params, request_id: str) -> Outgoing:
        encoder = self._once("out", op, rest_xml.response_encoder)
        out = rest_xml.encode_with(encoder, result, request_id)
        return Outgoing(out.status, out.headers, out.body)

    @classmethod
    def error(
        cls,
        service: WireService | None,
        error: AwsError,
        request_id: str,
        method: str,
        op: OperationModel | None = None,
    ) -> Outgoing:
        """S3's `<Error>`, with what the service's error adds (`<Key>`; a 304's ETag)."""
        extra = getattr(error, "extra", None) or {}
        members = getattr(error, "members", None) or {}
        out = rest_xml.encode_error(
            error, request_id, method=method, extra=extra, op=op, members=members
        )
        return Outgoing(out.status, out.headers, out.body)


#: The codecs by botocore protocol name.
CODECS: dict[str, type[Codec]] = {
    codec.protocol: codec
    for codec in (JsonCodec, RpcV2CborCodec, QueryCodec, Ec2Codec, RestXmlCodec)
}
