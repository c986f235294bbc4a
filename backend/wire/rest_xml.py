"""The REST-XML protocol (S3): operations named by method and path, XML bodies.

A REST-XML request names its operation by HTTP method and `requestUri`
template (`PUT /{Bucket}/{Key+}`, `POST /{Bucket}?delete`) and spreads its
params over the path, the query string, headers (`x-amz-meta-*` as a map) and
a payload: the raw body (PutObject's `Body`) or one XML document
(`<CreateBucketConfiguration>`). Everything here reads botocore's model, so a
member is decoded where the model says it travels and under the name botocore
gives it; services see plain params and never HTTP.

Routing (`Routes`) is the one place S3 needs judgement the model only
implies. Several operations share a template (PutObject, CopyObject,
UploadPart and UploadPartCopy are all `PUT /{Bucket}/{Key+}`), so the most
specific candidate wins: literal path segments, then required query keys in
the template (`?list-type=2` over none), then the required query and header
members present (`uploadId`, `x-amz-copy-source`), then the SDK's own `x-id`
hint, then not deprecated. Paths are taken raw: the bucket ends at the first
`/`, each part is percent-decoded (`+` stays a plus), and `..`, `//` and `.`
are key characters, never path syntax (AWS_FACTS §16.1).

XML is read with expat directly: a DOCTYPE is refused outright (no S3 body
has one, so no entity can expand), nesting and size are bounded, and anything
unreadable is S3's MalformedXML. Answers are written as botocore's
`RestXMLParser` reads them and as S3 sends them: the root named as S3 names
it (`<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`,
which botocore's model does not record), flattened lists repeated in place,
timestamps `2026-12-02T17:05:40.000Z` in XML and RFC 7231 in headers, and
every answer carrying `x-amz-request-id` and `x-amz-id-2`. Errors are a bare
`<Error>` document, with no body at all for HEAD and 304 (botocore then
reports the status as the code, as it does against AWS).

Decoders and encoders are built from the model per operation
(`request_decoder`, `response_encoder`) and routes per service (`Routes`),
for the endpoint's codec to keep by name; the `match`, `decode_request` and
`encode_response` shorthands build theirs afresh on each call (tests, tools),
so nothing here is cached by object identity.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import formatdate, parsedate_to_datetime
from types import MappingProxyType
from typing import Any, NamedTuple
from urllib.parse import unquote
from xml.parsers import expat

from botocore.model import OperationModel, ServiceModel, Shape

from backend.errors import AwsError, ErrorCode
from backend.numbers import INT32, INT64, decimal_number, whole_number
from backend.params import quoted
from backend.streams import ByteStream, FileSlice
from backend.wire import timestamps
from backend.wire.chunked import CASELESS, aws_chunked, content_encoding, decoded_length
from backend.wire.query_protocol import escape

Params = dict[str, Any]
#: Reads a member's value from the text of a URI label, header or query parameter.
TextReader = Callable[[str], Any]
XmlReader = Callable[["_Node"], Any]
#: Writes a value as an element: (value, tag, attributes for the open tag, output parts).
XmlWriter = Callable[[Any, str, str, list[str]], None]

MalformedXML = ErrorCode("MalformedXML", 400)
InvalidArgument = ErrorCode("InvalidArgument", 400)
InvalidURI = ErrorCode("InvalidURI", 400)
MaxMessageLengthExceeded = ErrorCode("MaxMessageLengthExceeded", 400)

#: Largest XML request body. The biggest S3 sends are DeleteObjects' 1,000 keys
#: of up to 1,024 bytes (each character possibly a 5-byte `&#xD;`) and
#: CompleteMultipartUpload's 10,000 parts with checksums: a few MiB.
MAX_XML_BODY = 8 * 1024 * 1024
#: Deepest XML nesting read; S3's deepest documents (lifecycle, replication) need ~8.
MAX_XML_DEPTH = 64

_MALFORMED = (
    "The XML you provided was not well-formed or did not validate against our published schema"
)
_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
_XML = "application/xml"
_NO_EXTRA: Mapping[str, str] = MappingProxyType({})
#: What may name an element an error adds (`Key`, `BucketName`): services choose these.
_ELEMENT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
#: Control characters, which would end or split a header line.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f]")

#: S3's root elements where they differ from the output shape's name: botocore
#: ignores the root, but S3 documents it and other clients read it.
_ROOTS = {
    "ListBuckets": "ListAllMyBucketsResult",
    "ListDirectoryBuckets": "ListAllMyDirectoryBucketsResult",
    "ListObjects": "ListBucketResult",
    "ListObjectsV2": "ListBucketResult",
    "ListObjectVersions": "ListVersionsResult",
    "ListMultipartUploads": "ListMultipartUploadsResult",
    "ListParts": "ListPartsResult",
    "CreateMultipartUpload": "InitiateMultipartUploadResult",
    "CompleteMultipartUpload": "CompleteMultipartUploadResult",
    "DeleteObjects": "DeleteResult",
    "GetBucketLocation": "LocationConstraint",
    "GetBucketTagging": "Tagging",
    "GetObjectTagging": "Tagging",
    "GetBucketAcl": "AccessControlPolicy",
    "GetObjectAcl": "AccessControlPolicy",
    "GetBucketVersioning": "VersioningConfiguration",
    "GetBucketCors": "CORSConfiguration",
    "GetBucketLifecycle": "LifecycleConfiguration",
    "GetBucketLifecycleConfiguration": "LifecycleConfiguration",
    "GetBucketNotification": "NotificationConfiguration",
    "GetBucketLogging": "BucketLoggingStatus",
    "GetBucketWebsite": "WebsiteConfiguration",
    "GetBucketRequestPayment": "RequestPaymentConfiguration",
    "GetBucketAccelerateConfiguration": "AccelerateConfiguration",
    "GetObjectAttributes": "GetObjectAttributesResponse",
    "CreateSession": "CreateSessionResult",
}


class Outgoing(NamedTuple):
    """An HTTP answer: a FileSlice body is streamed from disk, never read whole."""

    status: int
    headers: dict[str, str]
    body: bytes | FileSlice


def streams_input(op: OperationModel) -> bool:
    """Whether `op`'s body is an object's bytes (PutObject, UploadPart): pass a ByteStream.

    Every other body is an XML document or a small text (a bucket policy),
    read whole into bytes before decoding.
    """
    return bool(op.has_streaming_input)


def host_id(request_id: str) -> str:
    """The `x-amz-id-2` of a request: opaque base64 like S3's, the same for the same id.

    botocore reports it as HostId, from the header and from an error body,
    which must agree; the S3 service puts it in event records too.
    """
    return base64.b64encode(hashlib.sha256(f"skydeck/{request_id}".encode()).digest()).decode()


def _ids(request_id: str) -> dict[str, str]:
    return {"x-amz-request-id": request_id, "x-amz-id-2": host_id(request_id)}


# -- routing ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Route:
    op: OperationModel
    #: The path template's segments: ("literal", text), ("label", name) or ("greedy", name).
    segments: tuple[tuple[str, str], ...]
    #: Query keys the template requires, with the value it requires (None: any).
    query: tuple[tuple[str, str | None], ...]
    required_query: tuple[str, ...]
    #: Lower-case names of the headers of required members.
    required_headers: tuple[str, ...]
    literals: int
    #: The operation's name, and whether it is not deprecated: read once, for ranking.
    name: str = ""
    current: bool = True


#: How a route ranks for a request: literal segments, query keys its template names,
#: whether all its required query keys and headers are there, how many are, whether
#: `x-id` names it, and whether it is not deprecated. The highest wins.
_Rank = tuple[int, int, bool, int, bool, bool]
#: A route with its place in the model and its path shape's number.
_Entry = tuple[int, int, _Route]


class _MethodRoutes:
    """One method's routes, found by the query keys their templates require.

    A template that names query keys (`?tagging`, `?uploads`) fits no request
    without them, so only the routes whose keys the request has are tried,
    each kept with its place in the model so ties fall as before. Most S3
    templates name one, so a plain `PUT /bkt/key` tries the handful that name
    none, and those share two path shapes.

    Without a query string (most object calls) the winner among those depends
    only on which path shapes the path fits and which of their required
    headers are there, so it is decided once for each such combination and
    kept (`_decided`, a few entries at most).
    """

    __slots__ = ("_decided", "_plain_headers", "_plain_shapes", "by_key", "plain")

    def __init__(self, routes: list[_Route]) -> None:
        shapes: dict[tuple[tuple[str, str], ...], int] = {}
        #: (place, shape, route) of the routes whose template names no query key;
        #: routes of one path shape (segments) share its number.
        self.plain: list[_Entry] = []
        #: (place, shape, route) of the others, under the first key their template names.
        self.by_key: dict[str, list[_Entry]] = {}
        for place, route in enumerate(routes):
            entry = (place, shapes.setdefault(route.segments, len(shapes)), route)
            if route.query:
                self.by_key.setdefault(route.query[0][0], []).append(entry)
            else:
                self.plain.append(entry)
        #: The path shapes of `plain` by number, and the headers its routes require.
        self._plain_shapes = {shape: route.segments for _, shape, route in self.plain}
        self._plain_headers = tuple(
            dict.fromkeys(name for _, _, route in self.plain for name in route.required_headers)
        )
        self._decided: dict[tuple[tuple[int, ...], tuple[bool, ...]], tuple[_Route, int] | None]
        self._decided = {}

    def candidates(self, query: Mapping[str, str]) -> list[_Entry]:
        """The routes `query` may fit, in the model's order."""
        if not query or not self.by_key:
            return self.plain
        extra = {entry[0]: entry for key in query for entry in self.by_key.get(key, ())}
        if not extra:
            return self.plain
        extra.update((entry[0], entry) for entry in self.plain)
        return [extra[place] for place in sorted(extra)]

    def plain_match(
        self, rest: str, host_label: str | None, header_names: Container[str]
    ) -> tuple[_Route, dict[str, str]] | None:
        """The route of a request without a query string, and its raw labels (see the class)."""
        fitting = {
            shape: labels
            for shape, segments in self._plain_shapes.items()
            if (labels := _match_path(segments, rest, host_label)) is not None
        }
        present = tuple(name in header_names for name in self._plain_headers)
        key = (tuple(fitting), present)
        if key in self._decided:
            decided = self._decided[key]
        else:
            found = _best(self.plain, {}, fitting.get, header_names, None)
            decided = self._decided[key] = None if found is None else (found[0], found[2])
        if decided is None:
            return None
        route, shape = decided
        return route, fitting[shape]


def _best(
    candidates: list[_Entry],
    query: Mapping[str, str],
    labels_of: Callable[[int], dict[str, str] | None],
    header_names: Container[str],
    hint: str | None,
) -> tuple[_Route, dict[str, str], int] | None:
    """The best-ranked of `candidates` that fit, its raw labels and its shape's number.

    `labels_of` matches a path shape (by number); of routes that rank the
    same, the first in the model's order wins.
    """
    best: tuple[_Rank, _Route, dict[str, str], int] | None = None
    for _, shape, route in candidates:
        if route.query and not all(
            key in query and (value is None or query[key] == value) for key, value in route.query
        ):
            continue
        labels = labels_of(shape)
        if labels is None:
            continue
        present = required = 0
        for key in route.required_query:
            required += 1
            present += key in query
        for name in route.required_headers:
            required += 1
            present += name in header_names
        rank = (
            route.literals,
            len(route.query),
            present == required,
            present,
            hint == route.name,
            route.current,
        )
        if best is None or rank > best[0]:
            best = (rank, route, labels, shape)
    return None if best is None else best[1:]


class Routes:
    """A service's operations by method and `requestUri` template, to match requests against."""

    def __init__(self, model: ServiceModel) -> None:
        by_method: dict[str, list[_Route]] = {}
        for name in model.operation_names:
            op = model.operation_model(name)
            route = _route(op)
            by_method.setdefault(str(op.http.get("method", "POST")).upper(), []).append(route)
        self._by_method = {method: _MethodRoutes(routes) for method, routes in by_method.items()}

    def match(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        host_label: str | None,
        headers: Mapping[str, str],
    ) -> tuple[OperationModel, dict[str, str]] | None:
        """The operation a request names and its decoded URI labels, or None if none fits.

        `path` is the raw path as sent (percent-encoded); `host_label` is the
        bucket a virtual-hosted Host names (`bkt.localhost:4566` -> `bkt`), and
        then the path holds no bucket. InvalidURI if a label is not UTF-8.

        Of the templates that fit, the one with the most literal segments wins,
        then the one naming the most query keys, then the one whose required
        query keys and headers are all there (then most of them there), then
        the one `x-id` names, then one not deprecated; the model's order breaks
        what ties remain. Templates of one path shape are matched once.
        """
        if not path.startswith("/"):
            return None
        table = self._by_method.get(method.upper())
        if table is None:
            return None
        rest = path[1:]
        # aiohttp's headers ignore case already; a plain mapping is lower-cased once.
        header_names: Container[str] = (
            headers if isinstance(headers, CASELESS) else {name.lower() for name in headers}
        )
        if query:
            candidates = table.candidates(query)
            segments = {shape: route.segments for _, shape, route in candidates}
            shapes: dict[int, dict[str, str] | None] = {}

            def labels_of(shape: int) -> dict[str, str] | None:
                if shape not in shapes:
                    shapes[shape] = _match_path(segments[shape], rest, host_label)
                return shapes[shape]

            found = _best(candidates, query, labels_of, header_names, query.get("x-id"))
            best = None if found is None else found[:2]
        else:
            best = table.plain_match(rest, host_label, header_names)
        if best is None:
            return None
        route, labels = best
        return route.op, {
            name: _unquote(value) if "%" in value else value for name, value in labels.items()
        }


def match(
    model: ServiceModel,
    method: str,
    path: str,
    query: Mapping[str, str],
    host_label: str | None,
    headers: Mapping[str, str],
) -> tuple[OperationModel, dict[str, str]] | None:
    """`Routes(model).match(...)`: the routes built afresh (an endpoint keeps its `Routes`)."""
    return Routes(model).match(method, path, query, host_label, headers)


def _route(op: OperationModel) -> _Route:
    path, _, query_text = str(op.http.get("requestUri", "/")).partition("?")
    segments: list[tuple[str, str]] = []
    for part in path.strip("/").split("/"):
        if not part:
            continue
        if part.startswith("{") and part.endswith("+}"):
            segments.append(("greedy", part[1:-2]))
        elif part.startswith("{") and part.endswith("}"):
            segments.append(("label", part[1:-1]))
        else:
            segments.append(("literal", part))
    query: list[tuple[str, str | None]] = []
    for part in query_text.split("&"):
        if part:
            key, equals, value = part.partition("=")
            query.append((key, value if equals and not value.startswith("{") else None))
    required_query: list[str] = []
    required_headers: list[str] = []
    shape = op.input_shape
    if shape is not None:
        for name in shape.required_members:
            member = shape.members[name]
            location = member.serialization.get("location")
            wire_name = str(member.serialization.get("name", name))
            if location == "querystring":
                required_query.append(wire_name)
            elif location == "header":
                required_headers.append(wire_name.lower())
    return _Route(
        op,
        tuple(segments),
        tuple(query),
        tuple(required_query),
        tuple(required_headers),
        sum(kind == "literal" for kind, _ in segments),
        op.name,
        not op.deprecated,
    )


def _match_path(
    segments: tuple[tuple[str, str], ...], rest: str, host_label: str | None
) -> dict[str, str] | None:
    """The raw label values of path `rest` (after its leading `/`) under a template.

    A label is one non-empty segment and a greedy label all the rest (slashes
    and empty segments included, never empty); a trailing `/` after the last
    plain label is allowed, as S3 takes `PUT /bkt/` for `PUT /bkt`. The host
    label stands for the template's first segment, which must then be a label.
    """
    if host_label is not None and not segments:
        return None
    labels: dict[str, str] = {}
    for index, (kind, name) in enumerate(segments):
        if index == 0 and host_label is not None:
            if kind != "label":
                return None
            labels[name] = host_label
            continue
        if kind == "greedy":
            if not rest:
                return None
            labels[name] = rest
            rest = ""
            continue
        head, _, rest = rest.partition("/")
        if not head:
            return None
        if kind == "literal":
            if head != name:
                return None
        else:
            labels[name] = head
    return labels if not rest else None


def _unquote(value: str) -> str:
    try:
        return unquote(value, errors="strict")
    except UnicodeDecodeError:
        raise InvalidURI("Couldn't parse the specified URI.") from None


# -- decoding requests --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RequestDecoder:
    """How one operation's params are read from a request, built once from its input shape."""

    uri: tuple[tuple[str, str, TextReader], ...] = ()
    #: (member, lower-case header, reader)
    headers: tuple[tuple[str, str, TextReader], ...] = ()
    #: (member, lower-case prefix): `x-amz-meta-` -> Metadata
    prefixed: tuple[tuple[str, str], ...] = ()
    #: (member, query key, reader of one value, whether a list)
    query: tuple[tuple[str, str, TextReader, bool], ...] = ()
    #: A map member that takes the query parameters no other member reads.
    query_map: tuple[str, TextReader, bool] | None = None
    #: The member the raw body is (PutObject's Body), and whether it is text.
    raw_payload: tuple[str, bool] | None = None
    #: The member an XML body is, its root element and reader; member "" is the whole input.
    xml_payload: tuple[str, str | None, XmlReader] | None = None
    #: `headers` by lower-case header: a request's few headers are looked up in it,
    #: rather than each of an operation's many header members (PutObject has 45)
    #: looked for among them.
    by_header: Mapping[str, tuple[tuple[str, TextReader], ...]] = field(default_factory=dict)


def request_decoder(op: OperationModel) -> RequestDecoder:
    """`op`'s decoder; building it walks the input shape, so a codec keeps one per operation."""
    shape = op.input_shape
    if shape is None:
        return RequestDecoder()
    uri: list[tuple[str, str, TextReader]] = []
    headers: list[tuple[str, str, TextReader]] = []
    prefixed: list[tuple[str, str]] = []
    query: list[tuple[str, str, TextReader, bool]] = []
    query_map: tuple[str, TextReader, bool] | None = None
    body_members = False
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire_name = str(member.serialization.get("name", name))
        if location == "uri":
            uri.append((name, wire_name, _text_reader(member, wire_name)))
        elif location == "header":
            headers.append((name, wire_name.lower(), _text_reader(member, wire_name)))
        elif location == "headers":
            prefixed.append((name, wire_name.lower()))
        elif location == "querystring":
            if member.type_name == "map":
                many = member.value.type_name == "list"
                value = member.value.member if many else member.value
                query_map = (name, _text_reader(value, name), many)
            elif member.type_name == "list":
                query.append((name, wire_name, _text_reader(member.member, wire_name), True))
            else:
                query.append((name, wire_name, _text_reader(member, wire_name), False))
        elif location is None:
            body_members = True
    raw_payload: tuple[str, bool] | None = None
    xml_payload: tuple[str, str | None, XmlReader] | None = None
    payload = shape.serialization.get("payload")
    if payload is not None:
        member = shape.members[payload]
        if member.type_name in ("blob", "string"):
            raw_payload = (payload, member.type_name == "string")
        else:
            root = str(member.serialization.get("name", payload))
            xml_payload = (payload, root, _xml_reader(member, {}))
    elif body_members:
        xml_payload = ("", None, _xml_reader(shape, {}))
    by_header: dict[str, tuple[tuple[str, TextReader], ...]] = {}
    for name, header, read in headers:
        by_header[header] = (*by_header.get(header, ()), (name, read))
    return RequestDecoder(
        tuple(uri),
        tuple(headers),
        tuple(prefixed),
        tuple(query),
        query_map,
        raw_payload,
        xml_payload,
        MappingProxyType(by_header),
    )


def decode_request(
    op: OperationModel,
    uri: Mapping[str, str],
    headers: Mapping[str, str],
    query: Mapping[str, str],
    body: bytes | ByteStream,
) -> Params:
    """`decode_with(request_decoder(op), ...)`, the decoder built afresh."""
    return decode_with(request_decoder(op), uri, headers, query, body)


def decode_with(
    decoder: RequestDecoder,
    uri: Mapping[str, str],
    headers: Mapping[str, str],
    query: Mapping[str, str],
    body: bytes | ByteStream,
) -> Params:
    """The params of a request, in botocore's member names and Python types.

    `uri` is what `match` returned; `query` is decoded (a multidict's repeated
    keys feed list members); `body` is a ByteStream for a streaming payload
    (`streams_input`), else the whole body. Timestamps become epoch seconds;
    `x-amz-meta-*` keys come lower-cased, as S3 stores them. Of an aws-chunked
    body the framing is the wire's business: ContentLength is the decoded
    length and ContentEncoding loses `aws-chunked`. Bad values are
    InvalidArgument, bad XML MalformedXML.
    """
    params: Params = {}
    for name, label, read in decoder.uri:
        text = uri.get(label)
        if text is not None:
            params[name] = read(text)
    lowered: dict[str, str] = {}
    for key, value in headers.items():
        key = key.lower()
        lowered[key] = f"{lowered[key]},{value}" if key in lowered else value
    by_header = decoder.by_header
    for header, text in lowered.items():
        members = by_header.get(header)
        if members is not None:
            for name, read in members:
                params[name] = read(text)
    if by_header and aws_chunked(lowered, lowered=True):
        _unframe_params(decoder, lowered, params)
    for name, prefix in decoder.prefixed:
        found = {k[len(prefix) :]: v for k, v in lowered.items() if k.startswith(prefix)}
        if found:
            params[name] = found
    if decoder.query:
        getall = getattr(query, "getall", None)
        for name, key, read, many in decoder.query:
            if key not in query:
                continue
            if many:
                values = getall(key) if getall is not None else [query[key]]
                params[name] = [read(value) for value in values]
            else:
                params[name] = read(query[key])
    if decoder.query_map is not None:
        _read_query_map(decoder, query, params)
    if decoder.raw_payload is not None:
        name, is_text = decoder.raw_payload
        params[name] = _text_body(body) if is_text else body
    elif decoder.xml_payload is not None:
        _read_xml_payload(decoder.xml_payload, body, params)
    return params


def decode_trailers(decoder: RequestDecoder, trailers: Mapping[str, str]) -> Params:
    """The params an aws-chunked body's trailers carry (`x-amz-checksum-crc32` -> ChecksumCRC32).

    They arrive after the body, so a service reading a streamed payload asks
    for them once it has read to the end (`ByteStream.trailers`).
    """
    lowered = {key.lower(): value for key, value in trailers.items()}
    return {
        name: read(lowered[header]) for name, header, read in decoder.headers if header in lowered
    }


def _unframe_params(decoder: RequestDecoder, headers: Mapping[str, str], params: Params) -> None:
    """ContentLength and ContentEncoding as the unframed body has them (`headers` lower-cased)."""
    length = decoded_length(headers, lowered=True)
    for name, header, read in decoder.headers:
        if header == "content-length":
            params.pop(name, None)
            if length is not None:
                params[name] = read(str(length))
        elif header == "content-encoding" and name in params:
            kept = content_encoding(str(params[name]))
            if kept is None:
                del params[name]
            else:
                params[name] = kept


def _read_query_map(decoder: RequestDecoder, query: Mapping[str, str], params: Params) -> None:
    assert decoder.query_map is not None
    name, read, many = decoder.query_map
    taken = {key for _, key, _, _ in decoder.query}
    getall = getattr(query, "getall", None)
    found: dict[str, Any] = {}
    for key in query:
        if key in taken or key in found:
            continue
        if many:
            values = getall(key) if getall is not None else [query[key]]
            found[key] = [read(value) for value in values]
        else:
            found[key] = read(query[key])
    if found:
        params[name] = found


def _text_body(body: bytes | ByteStream) -> str:
    if isinstance(body, ByteStream):
        raise TypeError("a text payload is read whole: pass bytes")
    try:
        return bytes(body).decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidArgument("The request body is not valid UTF-8.") from None


def _read_xml_payload(
    payload: tuple[str, str | None, XmlReader], body: bytes | ByteStream, params: Params
) -> None:
    if isinstance(body, ByteStream):
        raise TypeError("an XML payload is read whole: pass bytes")
    if not body or body.isspace():
        return
    name, root_name, read = payload
    root = _parse_xml(body)
    if root_name is not None and root.tag != root_name:
        raise MalformedXML(_MALFORMED)
    value = read(root)
    if name:
        params[name] = value
    else:
        params.update(value)


def _text_reader(shape: Shape, wire_name: str) -> TextReader:
    """A reader of `shape` from a URI label, header or query value named `wire_name`."""
    type_name = shape.type_name
    if type_name == "list":
        element = _text_reader(shape.member, wire_name)
        return lambda text: [element(item) for item in _header_list(text)]
    if type_name in ("integer", "long"):
        values = INT32 if type_name == "integer" else INT64

        def whole(text: str) -> Any:
            number = whole_number(text.strip())
            if number is None or number not in values:
                raise _invalid(wire_name, text, "an integer in range")
            return number

        return whole
    if type_name == "boolean":

        def boolean(text: str) -> Any:
            lowered = text.strip().lower()
            if lowered not in ("true", "false"):
                raise _invalid(wire_name, text, "true or false")
            return lowered == "true"

        return boolean
    if type_name in ("float", "double"):

        def number(text: str) -> Any:
            found = decimal_number(text.strip())
            if found is None:
                raise _invalid(wire_name, text, "a number")
            return found

        return number
    if type_name == "timestamp":

        def timestamp(text: str) -> Any:
            when = _parse_time(text)
            if when is None:
                raise _invalid(wire_name, text, "a date")
            return when

        return timestamp
    if type_name == "blob":

        def blob(text: str) -> Any:
            try:
                return base64.b64decode(text, validate=True)
            except (binascii.Error, ValueError):
                raise _invalid(wire_name, text, "base64") from None

        return blob
    return _same


def _same(text: str) -> Any:
    return text


def _invalid(wire_name: str, text: str, what: str) -> AwsError:
    return InvalidArgument(f"Invalid value {quoted(text)} for {wire_name}: must be {what}.")


def _parse_time(text: str) -> float | None:
    """Epoch seconds from any form AWS clients write a time in, or None.

    Headers carry RFC 7231 dates (`Wed, 02 Dec 2026 17:05:40 GMT`), XML and
    some headers ISO 8601, a few clients epoch seconds; the model's
    `timestampFormat` says which is usual, and every form is accepted.
    """
    when = timestamps.parse(text)
    if when is not None:
        return when
    if len(text) > 64:
        return None
    try:
        date = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if date.tzinfo is None:
        date = date.replace(tzinfo=UTC)
    return date.timestamp()


def _header_list(text: str) -> list[str]:
    """A list header's items: comma-separated, an item with `,` or `"` quoted (botocore)."""
    items: list[str] = []
    current: list[str] = []
    quoted_item = escaped = False
    for char in text:
        if escaped:
            current.append(char)
            escaped = False
        elif quoted_item and char == "\\":
            escaped = True
        elif char == '"':
            quoted_item = not quoted_item
        elif char == "," and not quoted_item:
            items.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    items.append("".join(current).strip())
    return [item for item in items if item]


# -- reading XML --------------------------------------------------------------------


class _Node:
    """An element: local name, attributes by local name, child elements and text."""

    __slots__ = ("attrs", "children", "tag", "text")

    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag = tag
        self.attrs = attrs
        self.children: list[_Node] = []
        self.text: list[str] = []


class _Refused(Exception):
    """Raised from inside expat to stop at something no S3 body holds."""


def _local(name: str) -> str:
    """`uri name` (expat's namespaced form) -> `name`; S3 accepts its namespace or none."""
    return name.rpartition(" ")[2]


def _parse_xml(body: bytes) -> _Node:
    """The element tree of an XML request body, or MalformedXML.

    A DOCTYPE is refused before any entity can be declared, so nothing
    expands (billion laughs, external entities); depth and size are bounded,
    and the tree is built without recursion.
    """
    if len(body) > MAX_XML_BODY:
        raise MaxMessageLengthExceeded("Your request was too big.")
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    roots: list[_Node] = []
    stack: list[_Node] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        if len(stack) >= MAX_XML_DEPTH:
            raise _Refused
        node = _Node(_local(tag), {_local(k): v for k, v in attrs.items()})
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)

    def end(tag: str) -> None:
        stack.pop()

    def text(data: str) -> None:
        if stack:
            stack[-1].text.append(data)

    def refuse(*args: object) -> None:
        raise _Refused

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        parser.Parse(body, True)
    except (expat.ExpatError, _Refused):
        raise MalformedXML(_MALFORMED) from None
    return roots[0]


def _shape_key(shape: Shape) -> str:
    return f"{shape.name}{sorted(shape.serialization.items(), key=str)}"


def _element_name(name: str, member: Shape) -> str:
    """The tag a structure member is written under (a flattened list's member name)."""
    if member.type_name == "list" and member.serialization.get("flattened"):
        element = member.member.serialization.get("name")
        if element:
            return str(element)
    return str(member.serialization.get("name", name))


def _xml_reader(shape: Shape, memo: dict[str, XmlReader]) -> XmlReader:
    """A reader of `shape` from an element; `memo` ties recursive shapes back on themselves."""
    key = _shape_key(shape)
    found = memo.get(key)
    if found is not None:
        return found
    type_name = shape.type_name
    if type_name == "structure":
        return _structure_reader(shape, key, memo)
    if type_name == "list":
        element: list[XmlReader] = []

        def list_(node: _Node) -> Any:
            return [element[0](child) for child in node.children]

        memo[key] = list_
        element.append(_xml_reader(shape.member, memo))
        return list_
    if type_name == "map":
        entry: list[XmlReader] = []

        def map_(node: _Node) -> Any:
            return dict(entry[0](child) for child in node.children)

        memo[key] = map_
        entry.append(_entry_reader(shape, memo))
        return map_
    return _XML_SCALARS.get(type_name, _xml_string)


def _structure_reader(shape: Shape, key: str, memo: dict[str, XmlReader]) -> XmlReader:
    #: (member, tag or attribute name, how it is written, reader): "one" element, an
    #: "attribute", or a flattened "list" or "map" repeated in place.
    members: list[tuple[str, str, str, XmlReader]] = []

    def structure(node: _Node) -> Any:
        by_tag: dict[str, list[_Node]] = {}
        for child in node.children:
            by_tag.setdefault(child.tag, []).append(child)
        out: Params = {}
        for name, tag, how, read in members:
            if how == "attribute":
                value = node.attrs.get(tag)
                if value is not None:
                    out[name] = value
                continue
            found = by_tag.get(tag)
            if not found:
                continue
            if how == "one":
                out[name] = read(found[0])
            elif how == "list":
                out[name] = [read(item) for item in found]
            else:
                out[name] = dict(read(item) for item in found)
        return out

    memo[key] = structure
    for name, member in shape.members.items():
        if member.serialization.get("location") is not None:
            continue
        tag = _element_name(name, member)
        flattened = bool(member.serialization.get("flattened"))
        if member.serialization.get("xmlAttribute"):
            members.append((name, tag.rpartition(":")[2], "attribute", _xml_string))
        elif flattened and member.type_name == "list":
            members.append((name, tag, "list", _xml_reader(member.member, memo)))
        elif flattened and member.type_name == "map":
            members.append((name, tag, "map", _entry_reader(member, memo)))
        else:
            members.append((name, tag, "one", _xml_reader(member, memo)))
    return structure


def _entry_reader(shape: Shape, memo: dict[str, XmlReader]) -> XmlReader:
    key_tag = str(shape.key.serialization.get("name", "key"))
    value_tag = str(shape.value.serialization.get("name", "value"))
    read_key = _xml_reader(shape.key, memo)
    read_value = _xml_reader(shape.value, memo)

    def entry(node: _Node) -> Any:
        found = {child.tag: child for child in node.children}
        if key_tag not in found or value_tag not in found:
            raise MalformedXML(_MALFORMED)
        return read_key(found[key_tag]), read_value(found[value_tag])

    return entry


def _xml_string(node: _Node) -> Any:
    return "".join(node.text)


def _xml_converter(convert: Callable[[str], Any]) -> XmlReader:
    """A reader of a non-string scalar: surrounding whitespace is layout, a bad value malformed."""

    def read(node: _Node) -> Any:
        value = convert("".join(node.text).strip())
        if value is None:
            raise MalformedXML(_MALFORMED)
        return value

    return read


def _whole_in(values: range) -> Callable[[str], Any]:
    def convert(text: str) -> Any:
        number = whole_number(text)
        return number if number is not None and number in values else None

    return convert


def _boolean_text(text: str) -> Any:
    return {"true": True, "false": False}.get(text.lower())


def _blob_text(text: str) -> Any:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


_XML_SCALARS: dict[str, XmlReader] = {
    "integer": _xml_converter(_whole_in(INT32)),
    "long": _xml_converter(_whole_in(INT64)),
    "boolean": _xml_converter(_boolean_text),
    "float": _xml_converter(decimal_number),
    "double": _xml_converter(decimal_number),
    "timestamp": _xml_converter(_parse_time),
    "blob": _xml_converter(_blob_text),
}


# -- encoding responses -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResponseEncoder:
    """How one operation's result is written, built once from its output shape."""

    #: The status S3 answers with (`http.responseCode`: 204 for the deletes).
    status: int = 200
    #: member -> (header, writer of the value as header text); a result's few
    #: members are looked up here, rather than each of an operation's many header
    #: members (GetObject has 44) looked for in the result.
    headers: Mapping[str, tuple[str, Callable[[Any], str]]] = field(default_factory=dict)
    #: (member, header prefix): Metadata -> `x-amz-meta-*`
    prefixed: tuple[tuple[str, str], ...] = ()
    #: A member that sets the status (`location: statusCode`).
    status_member: str | None = None
    #: The member whose bytes are the body (GetObject's Body).
    raw_payload: str | None = None
    #: (member or "" for the whole output, root tag, root attributes, writer)
    xml_payload: tuple[str, str, str, XmlWriter] | None = None
    #: The root is the one member's text (`<LocationConstraint>`): written even when empty.
    text_root: bool = False


def response_encoder(op: OperationModel) -> ResponseEncoder:
    """`op`'s encoder; building it walks the output shape, so a codec keeps one per operation."""
    status = int(op.http.get("responseCode", 200))
    shape = op.output_shape
    if shape is None:
        return ResponseEncoder(status)
    headers: list[tuple[str, str, Callable[[Any], str]]] = []
    prefixed: list[tuple[str, str]] = []
    status_member: str | None = None
    body_members: list[str] = []
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire_name = str(member.serialization.get("name", name))
        if location == "header":
            headers.append((name, wire_name, _header_writer(member)))
        elif location == "headers":
            prefixed.append((name, wire_name))
        elif location == "statusCode":
            status_member = name
        elif location is None:
            body_members.append(name)
    namespace = _namespace(op.service_model)
    root_attrs = f' xmlns="{_attr(namespace)}"' if namespace else ""
    raw_payload: str | None = None
    xml_payload: tuple[str, str, str, XmlWriter] | None = None
    text_root = False
    payload = shape.serialization.get("payload")
    if payload is not None:
        member = shape.members[payload]
        if member.type_name in ("blob", "string"):
            raw_payload = payload
        else:
            root = str(member.serialization.get("name", payload))
            xml_payload = (payload, root, root_attrs, _xml_writer(member, {}))
    elif body_members:
        # Past S3's table, `<Op>Result` is S3's usual form.
        root = _ROOTS.get(op.name) or str(shape.serialization.get("name", f"{op.name}Result"))
        only = shape.members[body_members[0]]
        if (
            len(body_members) == 1
            and only.type_name not in ("structure", "list", "map")
            and _element_name(body_members[0], only) == root
        ):
            xml_payload = (body_members[0], root, root_attrs, _xml_writer(only, {}))
            text_root = True
        else:
            xml_payload = ("", root, root_attrs, _xml_writer(shape, {}))
    return ResponseEncoder(
        status,
        MappingProxyType({name: (header, write) for name, header, write in headers}),
        tuple(prefixed),
        status_member,
        raw_payload,
        xml_payload,
        text_root,
    )


def encode_response(op: OperationModel, result: Mapping[str, Any], request_id: str) -> Outgoing:
    """`encode_with(response_encoder(op), ...)`, the encoder built afresh."""
    return encode_with(response_encoder(op), result, request_id)


def encode_with(encoder: ResponseEncoder, result: Mapping[str, Any], request_id: str) -> Outgoing:
    """The HTTP answer for a service's result.

    Header members become headers (a value that could not travel in one is
    made safe, see `_header_text`); a body payload (bytes, text or a
    FileSlice) goes out as it is, with its Content-Length unless the result
    gave one; anything else is the XML document. A result with ContentRange
    is a 206. The server must keep a HEAD answer's Content-Length: it is the
    object's size, not the empty body's.
    """
    status = encoder.status
    headers = _ids(request_id)
    _write_headers(encoder, result, headers)
    if encoder.status_member is not None and result.get(encoder.status_member) is not None:
        status = int(result[encoder.status_member])
    if status == 200 and result.get("ContentRange") is not None:
        status = 206
    body: bytes | FileSlice = b""
    if encoder.raw_payload is not None:
        body = _raw_body(result.get(encoder.raw_payload))
        if not any(header.lower() == "content-length" for header in headers):
            headers["Content-Length"] = str(
                body.length if isinstance(body, FileSlice) else len(body)
            )
    elif encoder.xml_payload is not None:
        name, root, attrs, write_xml = encoder.xml_payload
        value = result.get(name) if name else result
        if value is None and encoder.text_root:
            value = ""
        if value is not None:
            parts = [_DECLARATION]
            write_xml(value, root, attrs, parts)
            body = "".join(parts).encode()
            headers["Content-Type"] = _XML
    return Outgoing(status, headers, body)


def _write_headers(
    encoder: ResponseEncoder, result: Mapping[str, Any], headers: dict[str, str]
) -> None:
    members = encoder.headers
    for name, value in result.items():
        found = members.get(name)
        if found is not None and value is not None and found[0] not in headers:
            headers[found[0]] = _header_text(found[1](value))
    for name, prefix in encoder.prefixed:
        values = result.get(name)
        if isinstance(values, Mapping):
            for key, value in values.items():
                headers[f"{prefix}{key}"] = _header_text(str(value))


def encode_error(
    error: AwsError,
    request_id: str,
    *,
    method: str,
    extra: Mapping[str, str] = _NO_EXTRA,
    op: OperationModel | None = None,
    members: Mapping[str, Any] = _NO_EXTRA,
) -> Outgoing:
    """S3's `<Error>` document for `error`; `extra` adds elements such as Key or BucketName.

    A HEAD answer and a 304 have no body, as S3 sends them; botocore then
    reports the status as the code ("404"), which is what clients expect.
    `members` are output members of `op` sent as headers all the same: a 304
    carries the object's ETag and Last-Modified, as HTTP caches expect.
    """
    headers = _ids(request_id)
    if op is not None and members:
        _write_headers(response_encoder(op), members, headers)
    if method.upper() == "HEAD" or error.status == 304:
        headers["Content-Length"] = "0"
        return Outgoing(error.status, headers, b"")
    parts = [
        _DECLARATION,
        f"<Error><Code>{escape(error.code)}</Code><Message>{escape(error.message)}</Message>",
    ]
    parts += (
        f"<{name}>{escape(str(value))}</{name}>"
        for name, value in extra.items()
        if _ELEMENT_NAME.fullmatch(name) and name not in ("Code", "Message")
    )
    parts.append(
        f"<RequestId>{escape(request_id)}</RequestId><HostId>{headers['x-amz-id-2']}</HostId>"
    )
    parts.append("</Error>")
    headers["Content-Type"] = _XML
    return Outgoing(error.status, headers, "".join(parts).encode())


def _namespace(model: ServiceModel) -> str | None:
    """The service's XML namespace: botocore records it on request payloads, not outputs."""
    found = model.metadata.get("xmlNamespace")
    if isinstance(found, str):
        return found
    for name in model.operation_names:
        shape = model.operation_model(name).input_shape
        payload = shape.serialization.get("payload") if shape is not None else None
        if payload is None:
            continue
        namespace = shape.members[payload].serialization.get("xmlNamespace")
        if isinstance(namespace, Mapping) and namespace.get("uri"):
            return str(namespace["uri"])
    return None


def _raw_body(value: Any) -> bytes | FileSlice:
    if value is None:
        return b""
    if isinstance(value, FileSlice):
        return value
    if isinstance(value, str):
        return value.encode()
    return bytes(value)


def _header_text(text: str) -> str:
    """A header value that can travel: one line, and ASCII.

    A control character would end the header (or split it into two), so it
    becomes a space. Non-ASCII text is sent RFC 2047-encoded, as S3 sends
    user metadata it cannot put in a header as it is.
    """
    if not text.isascii():
        data = text.encode("utf-8", "replace")
        return f"=?UTF-8?B?{base64.b64encode(data).decode()}?="
    return _CONTROL.sub(" ", text) if _CONTROL.search(text) else text


def _epoch(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, datetime):
        return value.timestamp()
    return None


def _time_text(value: Any, form: str) -> str:
    """A time in the model's `timestampFormat`; text is taken as already written."""
    epoch = _epoch(value)
    if epoch is None:
        return str(value)
    if form == "rfc822":
        return formatdate(epoch, usegmt=True)
    if form == "unixTimestamp":
        return str(int(epoch)) if epoch.is_integer() else str(epoch)
    return timestamps.iso8601(epoch)


def _header_writer(shape: Shape) -> Callable[[Any], str]:
    type_name = shape.type_name
    if type_name == "timestamp":
        form = str(shape.serialization.get("timestampFormat", "rfc822"))
        return lambda value: _time_text(value, form)
    if type_name == "boolean":
        return lambda value: "true" if value else "false"
    if type_name == "blob":
        return _blob_text_out
    if type_name == "list":
        element = _header_writer(shape.member)
        return lambda value: ",".join(_list_item(element(item)) for item in value)
    return str


def _list_item(text: str) -> str:
    """A list header item as botocore writes and reads it: quoted if it holds `,` or `"`."""
    if "," in text or '"' in text:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def _blob_text_out(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(value).decode("ascii")
    return str(value)


def _attr(text: str) -> str:
    return escape(text).replace('"', "&quot;")


def _namespace_attr(shape: Shape) -> str:
    """The `xmlns` declaration a shape carries (Grantee's `xmlns:xsi`), or ""."""
    namespace = shape.serialization.get("xmlNamespace")
    if isinstance(namespace, str):
        return f' xmlns="{_attr(namespace)}"'
    if isinstance(namespace, Mapping) and namespace.get("uri"):
        prefix = namespace.get("prefix")
        name = f"xmlns:{prefix}" if prefix else "xmlns"
        return f' {name}="{_attr(str(namespace["uri"]))}"'
    return ""


def _xml_writer(shape: Shape, memo: dict[str, XmlWriter]) -> XmlWriter:
    """A writer of `shape` as an element; `memo` ties recursive shapes back on themselves."""
    key = _shape_key(shape)
    found = memo.get(key)
    if found is not None:
        return found
    type_name = shape.type_name
    if type_name == "structure":
        return _structure_writer(shape, key, memo)
    if type_name == "list":
        flattened = bool(shape.serialization.get("flattened"))
        element_name = str(shape.member.serialization.get("name", "member"))
        element: list[XmlWriter] = []

        def list_(value: Any, tag: str, attrs: str, parts: list[str]) -> None:
            if not isinstance(value, list | tuple):
                return
            if flattened:
                for item in value:
                    element[0](item, tag, "", parts)
                return
            parts.append(f"<{tag}{attrs}>")
            for item in value:
                element[0](item, element_name, "", parts)
            parts.append(f"</{tag}>")

        memo[key] = list_
        element.append(_xml_writer(shape.member, memo))
        return list_
    if type_name == "map":
        flattened = bool(shape.serialization.get("flattened"))
        key_tag = str(shape.key.serialization.get("name", "key"))
        value_tag = str(shape.value.serialization.get("name", "value"))
        values: list[XmlWriter] = []

        def map_(value: Any, tag: str, attrs: str, parts: list[str]) -> None:
            if not isinstance(value, Mapping):
                return
            if not flattened:
                parts.append(f"<{tag}{attrs}>")
            entry = tag if flattened else "entry"
            for map_key, item in value.items():
                parts.append(f"<{entry}><{key_tag}>{escape(str(map_key))}</{key_tag}>")
                values[0](item, value_tag, "", parts)
                parts.append(f"</{entry}>")
            if not flattened:
                parts.append(f"</{tag}>")

        memo[key] = map_
        values.append(_xml_writer(shape.value, memo))
        return map_
    text = _scalar_text(shape)
    own = _namespace_attr(shape)

    def scalar(value: Any, tag: str, attrs: str, parts: list[str]) -> None:
        opened = attrs + (own if own not in attrs else "")
        written = text(value)
        parts.append(f"<{tag}{opened}>{written}</{tag}>" if written else f"<{tag}{opened}/>")

    memo[key] = scalar
    return scalar


def _structure_writer(shape: Shape, key: str, memo: dict[str, XmlWriter]) -> XmlWriter:
    own = _namespace_attr(shape)
    attributes: list[tuple[str, str]] = []
    elements: list[tuple[str, str, list[XmlWriter]]] = []

    def structure(value: Any, tag: str, attrs: str, parts: list[str]) -> None:
        if not isinstance(value, Mapping):
            return
        opened = (
            attrs
            + (own if own not in attrs else "")
            + "".join(
                f' {attribute}="{_attr(str(value[name]))}"'
                for name, attribute in attributes
                if value.get(name) is not None
            )
        )
        parts.append(f"<{tag}{opened}>")
        for name, element, write in elements:
            item = value.get(name)
            if item is not None:
                write[0](item, element, "", parts)
        parts.append(f"</{tag}>")

    memo[key] = structure
    for name, member in shape.members.items():
        if member.serialization.get("location") is not None:
            continue
        if member.serialization.get("xmlAttribute"):
            attributes.append((name, str(member.serialization.get("name", name))))
        else:
            elements.append((name, _element_name(name, member), [_xml_writer(member, memo)]))
    return structure


def _scalar_text(shape: Shape) -> Callable[[Any], str]:
    type_name = shape.type_name
    if type_name == "boolean":
        return lambda value: "true" if value else "false"
    if type_name == "timestamp":
        form = str(shape.serialization.get("timestampFormat", "iso8601"))
        return lambda value: escape(_time_text(value, form))
    if type_name == "blob":
        return lambda value: escape(_blob_text_out(value))
    return lambda value: escape(str(value))
