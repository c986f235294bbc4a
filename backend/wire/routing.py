"""Which service, protocol and action a request is for: routing without service logic.

The order follows what AWS clients send (AWS_FACTS §0):

0. A `smithy-protocol: rpc-v2-cbor` header is Smithy RPC v2 CBOR, whose path
   names service and action: `/service/<Service>/operation/<Action>`, the
   service by its model's `targetPrefix` (`GraniteServiceVersion20100801`,
   the Smithy shape name botocore puts there). It comes first because the
   protocol requires refusing such a request that also has an `X-Amz-Target`.
1. An `X-Amz-Target: <prefix>.<Action>` header is JSON 1.0/1.1; the prefix
   names the service (`AmazonSQS`, `com.amazonaws.cloudtrail.v20131101...`).
2. A form body (or a GET query string) with `Action=` is the query protocol
   (or EC2's dialect of it, when the service is EC2), unless the request is
   signed for a REST service (an S3 object may well be uploaded as a form).
   Its service is the SigV4 credential scope's service name when the request
   is signed; else a path a service claims in its wire traits
   (`/<account>/<queue>` is SQS); else the `Version` field (2012-11-05 is
   SQS, 2011-06-15 is STS, 2016-11-15 is EC2); else the one query service
   that has an action of that name.
3. A REST protocol (rest-xml: S3) names its action by method and path alone:
   the service is the signed one, or the only REST service there is (except
   for a POST that none of its `requestUri` templates match: an unsigned
   `POST /` with no Action still gets the query protocol's error).
4. Anything else cannot be routed: a JSON body without a target is an
   `UnknownOperationException`, any other body a query `MissingAction`. (A
   CBOR POST without its `smithy-protocol` header is refused before rule 3,
   in the CBOR envelope: S3 would take it for an upload otherwise.)

A routing failure carries the protocol whose envelope it should be answered
in, so a JSON client gets a JSON error and a form client an XML one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple

from backend.errors import (
    AwsError,
    InvalidAction,
    SerializationException,
    UnknownOperationException,
)
from backend.wire import cbor_protocol, query_protocol, rest_xml
from backend.wire.errors import MethodNotAllowed, MissingAction
from backend.wire.models import WireService
from backend.wire.sigv4 import Credentials

#: A botocore protocol name: "json", "query", "ec2", "rest-xml", "smithy-rpc-v2-cbor".
Protocol = str
RPC_V2_CBOR: Protocol = "smithy-rpc-v2-cbor"
#: EC2's dialect of the query form, routed as rule 2 says and answered in its own XML.
EC2: Protocol = "ec2"
#: Protocols whose action is the method and path: no target, no Action field.
REST: frozenset[str] = frozenset({"rest-xml"})

FORM = "application/x-www-form-urlencoded"
#: Most Host headers whose label `Registry.host_labels` keeps (they come from requests).
_HOSTS_KEPT = 1024
#: No form fields, no path parameters: shared, as nothing may change it.
_EMPTY: Mapping[str, str] = MappingProxyType({})


class RoutingError(Exception):
    """A request the wire cannot route, and the envelope to answer it in."""

    def __init__(self, error: AwsError, protocol: Protocol, service: WireService | None) -> None:
        super().__init__(error.message)
        self.error = error
        self.protocol = protocol
        self.service = service


class Route(NamedTuple):
    """Where a request goes, and what routing read on the way.

    A named tuple rather than a frozen dataclass, which sets each field
    through `object.__setattr__`: one is made for every request.
    """

    service: WireService
    protocol: Protocol
    action: str
    #: The query protocol's form fields (empty for JSON, whose body the codec reads).
    fields: Mapping[str, str] = _EMPTY
    #: A REST protocol's path parameters (`Bucket`, `Key`), decoded.
    uri: Mapping[str, str] = _EMPTY


@dataclass
class Registry:
    """The services the endpoint answers, indexed the ways routing looks them up."""

    services: dict[str, WireService] = field(default_factory=dict)
    by_target: dict[str, WireService] = field(default_factory=dict)
    #: Services that speak RPC v2 CBOR, by the service name its paths carry.
    by_cbor_name: dict[str, WireService] = field(default_factory=dict)
    by_signing_name: dict[str, WireService] = field(default_factory=dict)
    by_version: dict[str, WireService] = field(default_factory=dict)
    #: REST services' route tables, built on first use (walking every operation).
    rest_routes: dict[str, rest_xml.Routes] = field(default_factory=dict)
    #: The label each Host header names, by (service, Host): clients send the same
    #: few hosts over and over, and reading one is a regular expression.
    host_labels: dict[tuple[str, str], str | None] = field(default_factory=dict)

    @classmethod
    def of(cls, services: Iterable[WireService]) -> Registry:
        registry = cls()
        for service in services:
            registry.services[service.name] = service
            registry.by_signing_name[service.signing_name] = service
            registry.by_signing_name.setdefault(service.name, service)
            if service.target_prefix:
                registry.by_target[service.target_prefix] = service
                if RPC_V2_CBOR in service.protocols:
                    registry.by_cbor_name[service.target_prefix] = service
            if service.query_model is not None:
                registry.by_version[service.api_version] = service
        return registry

    def query_services(self) -> list[WireService]:
        return [s for s in self.services.values() if s.query_model is not None]

    def rest_services(self) -> list[WireService]:
        return [s for s in self.services.values() if s.protocol in REST]


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_json(media: str) -> bool:
    return media.startswith("application/x-amz-json") or media == "application/json"


def is_cbor(headers: Mapping[str, str]) -> bool:
    """Whether the request says it speaks RPC v2 CBOR (`smithy-protocol: rpc-v2-cbor`)."""
    said = headers.get("smithy-protocol")
    return said is not None and said.strip().lower() == cbor_protocol.SMITHY_PROTOCOL


def guess_protocol(headers: Mapping[str, str]) -> Protocol:
    """The protocol a request seems to speak, for errors found before it is routed."""
    media = media_type(headers.get("Content-Type"))
    if is_cbor(headers) or media == cbor_protocol.CONTENT_TYPE:
        return RPC_V2_CBOR
    if "X-Amz-Target" in headers or is_json(media):
        return "json"
    return "query"


def route(
    registry: Registry,
    method: str,
    path: str,
    headers: Mapping[str, str],
    query: Mapping[str, str],
    body: bytes,
    signer: Credentials,
) -> Route:
    if is_cbor(headers):
        media = media_type(headers.get("Content-Type"))
        return _cbor_route(registry, method, path, headers, media, signer)
    target = headers.get("X-Amz-Target")
    if target is not None:
        return _json_route(registry, target, media_type(headers.get("Content-Type")), signer)
    signed = registry.by_signing_name.get(signer.service or "")
    if signed is not None and signed.protocol in REST:
        return _rest_route(registry, signed, method, path, headers, query)
    media = media_type(headers.get("Content-Type"))
    if media == FORM or (method == "GET" and "Action" in query):
        try:
            fields = query_protocol.parse_form(body if media == FORM else b"", query.items())
        except AwsError as error:
            raise RoutingError(error, "query", None) from None
        return _query_route(registry, path, fields, signer)
    if method == "POST" and media == cbor_protocol.CONTENT_TYPE:
        # No S3 operation takes a CBOR body, so this is RPC v2 CBOR missing its header.
        raise RoutingError(
            UnknownOperationException(
                "A CBOR request must say smithy-protocol: rpc-v2-cbor in its headers."
            ),
            RPC_V2_CBOR,
            signed,
        )
    rest = registry.rest_services()
    if signed is None and len(rest) == 1 and not is_json(media):
        # Unsigned: S3's, unless a POST no S3 route takes (a query request missing
        # its Action, say), which gets the query protocol's error as before.
        try:
            return _rest_route(registry, rest[0], method, path, headers, query)
        except RoutingError:
            if method != "POST":
                raise
    if is_json(media):
        service = registry.by_signing_name.get(signer.service or "")
        raise RoutingError(
            UnknownOperationException("The request has no X-Amz-Target header naming its action."),
            "json",
            service,
        )
    raise RoutingError(
        MissingAction("The request must contain the parameter Action."), "query", None
    )


def _json_route(registry: Registry, target: str, media: str, signer: Credentials) -> Route:
    prefix, _, action = target.rpartition(".")
    service = registry.by_target.get(prefix)
    if service is None or not action:
        fallback = registry.by_signing_name.get(signer.service or "")
        raise RoutingError(
            UnknownOperationException(f"The target {target[:200]} names no known operation."),
            "json",
            fallback,
        )
    if media and not is_json(media):
        raise RoutingError(
            SerializationException(
                f"Content-Type {media[:100]} is not supported here; send {service.content_type}."
            ),
            "json",
            service,
        )
    return Route(service, "json", action)


def _cbor_route(
    registry: Registry,
    method: str,
    path: str,
    headers: Mapping[str, str],
    media: str,
    signer: Credentials,
) -> Route:
    """The operation an RPC v2 CBOR path names, or its refusal in the CBOR envelope.

    Only the path's last four segments count (Smithy allows a prefix before
    them), and the service may also be named by its absolute shape id with
    `#` written `.` (`com.amazonaws.cloudwatch.GraniteServiceVersion20100801`),
    as Smithy asks servers to accept; any namespace is taken, as botocore's
    model does not say which is the service's. The protocol forbids
    `X-Amz-Target` and `X-Amzn-Target` on such a request: honoured alongside
    the path, either could make one request mean two operations.
    """
    segments = path.split("/")[-4:]
    service = None
    if len(segments) == 4 and segments[0] == "service" and segments[2] == "operation":
        name = segments[1]
        service = registry.by_cbor_name.get(name) or registry.by_cbor_name.get(
            name.rpartition(".")[2]
        )
    if service is None or not segments[3]:
        raise RoutingError(
            UnknownOperationException(
                f"The path {path[:200]} names no known operation: send "
                "/service/<ServiceName>/operation/<Operation>."
            ),
            RPC_V2_CBOR,
            service or registry.by_signing_name.get(signer.service or ""),
        )
    if "X-Amz-Target" in headers or "X-Amzn-Target" in headers:
        raise RoutingError(
            SerializationException("An rpc-v2-cbor request must not have an X-Amz-Target header."),
            RPC_V2_CBOR,
            service,
        )
    if method != "POST":
        raise RoutingError(
            MethodNotAllowed(f"An rpc-v2-cbor request is a POST, not a {method[:20]}."),
            RPC_V2_CBOR,
            service,
        )
    if media and media != cbor_protocol.CONTENT_TYPE:
        raise RoutingError(
            SerializationException(
                f"Content-Type {media[:100]} is not supported here; send "
                f"{cbor_protocol.CONTENT_TYPE}."
            ),
            RPC_V2_CBOR,
            service,
        )
    return Route(service, RPC_V2_CBOR, segments[3])


def _query_route(
    registry: Registry, path: str, fields: dict[str, str], signer: Credentials
) -> Route:
    action = fields.get("Action")
    if not action:
        raise RoutingError(
            MissingAction("The request must contain the parameter Action."), "query", None
        )
    service = _query_service(registry, path, fields, action, signer)
    protocol = EC2 if service is not None and service.protocol == EC2 else "query"
    if service is None or service.query_model is None:
        raise RoutingError(
            InvalidAction(f"The action {action[:100]} is not valid for this web service."),
            protocol,
            service,
        )
    return Route(service, protocol, action, fields)


def _query_service(
    registry: Registry, path: str, fields: dict[str, str], action: str, signer: Credentials
) -> WireService | None:
    if signer.service:
        signed = registry.by_signing_name.get(signer.service)
        if signed is not None:
            return signed
    for service in registry.query_services():
        if service.path_member is not None and service.path_member[0].match(path):
            return service
    version = fields.get("Version")
    if version and version in registry.by_version:
        return registry.by_version[version]
    having = [s for s in registry.query_services() if s.operation(action, query=True)]
    return having[0] if len(having) == 1 else None


def _rest_route(
    registry: Registry,
    service: WireService,
    method: str,
    path: str,
    headers: Mapping[str, str],
    query: Mapping[str, str],
) -> Route:
    """The operation a REST request's method and path name, or the service's refusal."""
    host = headers.get("Host", "")
    labels = registry.host_labels
    key = (service.name, host)
    if key in labels:
        label = labels[key]
    else:
        if len(labels) >= _HOSTS_KEPT:
            labels.clear()
        label = labels[key] = service.host_label_of(host)
    routes = registry.rest_routes.get(service.name)
    if routes is None:
        routes = registry.rest_routes[service.name] = rest_xml.Routes(service.model)
    try:
        found = routes.match(method, path, query, label, headers)
    except AwsError as error:
        raise RoutingError(error, service.protocol, service) from None
    if found is None:
        raise RoutingError(
            MethodNotAllowed("The specified method is not allowed against this resource."),
            service.protocol,
            service,
        )
    op, uri = found
    return Route(service, service.protocol, op.name, uri=uri)
