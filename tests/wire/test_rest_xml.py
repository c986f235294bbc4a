"""The REST-XML codec against botocore itself, offline.

A real boto3 S3 client is pointed at an address nothing listens on; a
`before-send` handler takes the request it prepared (exactly what it would
put on the wire: `encoding-type=url`, checksums, aws-chunked over https),
runs it through `match` and `decode_request`, and answers with what
`encode_response` or `encode_error` made of a result. So each test checks
both ways at once: the params a service would see, and what the client
parses (with its own handlers: GetBucketLocation, `encoding-type=url`
decoding, checksum validation) from our answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.exceptions import ClientError, FlexibleChecksumError
from botocore.model import OperationModel, ServiceModel
from botocore.parsers import create_parser
from botocore.serialize import create_serializer
from multidict import MultiDict

from backend.errors import AwsError
from backend.streams import ByteStream, FileSlice
from backend.wire import rest_xml
from backend.wire.chunked import aws_chunked, decode_aws_chunked, decoded_length
from backend.wire.models import wire_service

NOW = datetime(2026, 12, 2, 17, 5, 40, tzinfo=UTC)
EPOCH = NOW.timestamp()
NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"
REQUEST_ID = "4442587FB7D0A2F9"


def s3_model() -> ServiceModel:
    service = wire_service("s3")
    assert service is not None
    return service.model


ROUTES = rest_xml.Routes(s3_model())


class _Raw:
    """What botocore reads a response body from (urllib3's response, in life)."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body

    def read(self, *_: Any, **__: Any) -> bytes:
        body, self._body = self._body, b""
        return body


@dataclass
class Sent:
    """One request as the codec saw it."""

    op: str
    params: dict[str, Any]
    method: str
    path: str
    headers: dict[str, str]
    trailers: dict[str, str] = field(default_factory=dict)


class Wire:
    """A boto3 S3 client wired to the codec instead of a socket."""

    def __init__(self, *, style: str = "path", scheme: str = "http") -> None:
        host = "127.0.0.1" if style == "path" else "localhost"
        self.client: Any = boto3.client(
            "s3",
            endpoint_url=f"{scheme}://{host}:1",
            region_name="us-east-1",
            aws_access_key_id="AKIDEXAMPLE",
            aws_secret_access_key="secret",
            config=Config(s3={"addressing_style": style}, retries={"total_max_attempts": 1}),
        )
        self.client.meta.events.register("before-send", self._send)
        self.sent: list[Sent] = []
        self.result: dict[str, Any] = {}
        self.error: AwsError | None = None
        self.extra: dict[str, str] = {}
        self.answers: list[rest_xml.Outgoing] = []

    def call(self, method: str, result: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        self.result = result or {}
        return getattr(self.client, method)(**kwargs)

    @property
    def last(self) -> Sent:
        return self.sent[-1]

    def _send(self, request: Any, **_: Any) -> AWSResponse:
        split = urlsplit(request.url)
        host = split.hostname or ""
        label = host.removesuffix(".localhost") if host.endswith(".localhost") else None
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        headers = {
            k: v.decode() if isinstance(v, bytes) else str(v) for k, v in request.headers.items()
        }
        body = request.body
        if hasattr(body, "read"):
            body = body.read()
        raw: bytes = body or b""
        found = ROUTES.match(request.method, split.path, query, label, headers)
        assert found is not None, f"no operation for {request.method} {request.url}"
        op, uri = found
        trailers: dict[str, str] = {}
        if rest_xml.streams_input(op):
            stream = _stream(raw, headers)
            params = rest_xml.decode_request(op, uri, headers, query, stream)
            params["Body"] = asyncio.run(stream.read())
            trailers = stream.trailers
        else:
            params = rest_xml.decode_request(op, uri, headers, query, raw)
        self.sent.append(Sent(op.name, params, request.method, split.path, headers, trailers))
        if self.error is not None:
            out = rest_xml.encode_error(
                self.error, REQUEST_ID, method=request.method, extra=self.extra
            )
        else:
            out = rest_xml.encode_response(op, self.result, REQUEST_ID)
        self.answers.append(out)
        answer = out.body.read() if isinstance(out.body, FileSlice) else out.body
        return AWSResponse(request.url, out.status, out.headers, _Raw(answer))


def _stream(raw: bytes, headers: dict[str, str]) -> ByteStream:
    """The body as the server hands it over: in small pieces, unframed if aws-chunked."""

    async def pieces() -> AsyncIterator[bytes]:
        for start in range(0, len(raw), 7):
            yield raw[start : start + 7]

    if aws_chunked(headers):
        return decode_aws_chunked(pieces(), decoded_length(headers))
    return ByteStream(pieces(), len(raw))


@pytest.fixture(scope="module")
def wire() -> Wire:
    return Wire()


@pytest.fixture(scope="module")
def https() -> Wire:
    return Wire(scheme="https", style="virtual")


def includes(params: dict[str, Any], expected: dict[str, Any]) -> None:
    assert {k: params.get(k) for k in expected} == expected


# -- requests: what a service sees --------------------------------------------------


NOTIFICATIONS = {
    "QueueConfigurations": [
        {
            "Id": "q1",
            "QueueArn": "arn:aws:sqs:us-east-1:111122223333:q",
            "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:Delete"],
            "Filter": {
                "Key": {
                    "FilterRules": [
                        {"Name": "prefix", "Value": "in/"},
                        {"Name": "suffix", "Value": ".csv"},
                    ]
                }
            },
        }
    ],
    "EventBridgeConfiguration": {},
}


@pytest.mark.parametrize(
    ("method", "kwargs", "op", "expected"),
    [
        ("list_buckets", {}, "ListBuckets", {}),
        ("create_bucket", {"Bucket": "bkt"}, "CreateBucket", {"Bucket": "bkt"}),
        (
            "create_bucket",
            {
                "Bucket": "bkt",
                "CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"},
            },
            "CreateBucket",
            {"Bucket": "bkt", "CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"}},
        ),
        ("head_bucket", {"Bucket": "bkt"}, "HeadBucket", {"Bucket": "bkt"}),
        ("delete_bucket", {"Bucket": "bkt"}, "DeleteBucket", {"Bucket": "bkt"}),
        ("get_bucket_location", {"Bucket": "bkt"}, "GetBucketLocation", {"Bucket": "bkt"}),
        (
            "put_object",
            {
                "Bucket": "bkt",
                "Key": "k",
                "Body": b"hello world",
                "Metadata": {"Colour": "Blue", "size": "XL"},
                "ContentType": "text/plain",
                "Tagging": "a=b&c=d",
                "Expires": NOW,
                "ObjectLockRetainUntilDate": NOW,
            },
            "PutObject",
            {
                "Bucket": "bkt",
                "Key": "k",
                "Body": b"hello world",
                "Metadata": {"colour": "Blue", "size": "XL"},
                "ContentType": "text/plain",
                "ContentLength": 11,
                "Tagging": "a=b&c=d",
                "ChecksumCRC32": "DUoRhQ==",
                "ChecksumAlgorithm": "CRC32",
                "Expires": EPOCH,
                "ObjectLockRetainUntilDate": EPOCH,
            },
        ),
        (
            "get_object",
            {
                "Bucket": "bkt",
                "Key": "k",
                "Range": "bytes=0-3",
                "IfMatch": '"abc"',
                "IfModifiedSince": NOW,
                "ResponseContentType": "text/csv",
                "PartNumber": 2,
            },
            "GetObject",
            {
                "Bucket": "bkt",
                "Key": "k",
                "Range": "bytes=0-3",
                "IfMatch": '"abc"',
                "IfModifiedSince": EPOCH,
                "ResponseContentType": "text/csv",
                "PartNumber": 2,
                "ChecksumMode": "ENABLED",
            },
        ),
        (
            "head_object",
            {"Bucket": "bkt", "Key": "k", "IfNoneMatch": '"abc"'},
            "HeadObject",
            {"Bucket": "bkt", "Key": "k", "IfNoneMatch": '"abc"'},
        ),
        (
            "delete_object",
            {"Bucket": "bkt", "Key": "k", "VersionId": "v1"},
            "DeleteObject",
            {"Bucket": "bkt", "Key": "k", "VersionId": "v1"},
        ),
        (
            "delete_objects",
            {
                "Bucket": "bkt",
                "Delete": {
                    "Objects": [{"Key": "a\rb\nc"}, {"Key": " x ", "VersionId": "v1"}],
                    "Quiet": True,
                },
            },
            "DeleteObjects",
            {
                "Bucket": "bkt",
                "Delete": {
                    "Objects": [{"Key": "a\rb\nc"}, {"Key": " x ", "VersionId": "v1"}],
                    "Quiet": True,
                },
            },
        ),
        (
            "copy_object",
            {
                "Bucket": "bkt",
                "Key": "k",
                "CopySource": {"Bucket": "src", "Key": "a b/c+d"},
                "MetadataDirective": "REPLACE",
                "Metadata": {"k": "v"},
                "CopySourceIfMatch": '"e"',
            },
            "CopyObject",
            {
                "Bucket": "bkt",
                "Key": "k",
                "CopySource": "src/a%20b/c%2Bd",
                "MetadataDirective": "REPLACE",
                "Metadata": {"k": "v"},
                "CopySourceIfMatch": '"e"',
            },
        ),
        (
            "list_objects_v2",
            {
                "Bucket": "bkt",
                "Prefix": "logs/2026 +x/",
                "Delimiter": "/",
                "ContinuationToken": "tok+/=",
                "StartAfter": "logs/a",
                "MaxKeys": 5,
                "FetchOwner": True,
            },
            "ListObjectsV2",
            {
                "Bucket": "bkt",
                "Prefix": "logs/2026 +x/",
                "Delimiter": "/",
                "ContinuationToken": "tok+/=",
                "StartAfter": "logs/a",
                "MaxKeys": 5,
                "FetchOwner": True,
                "EncodingType": "url",
            },
        ),
        (
            "list_objects",
            {"Bucket": "bkt", "Prefix": "p", "Marker": "p/b", "MaxKeys": 2},
            "ListObjects",
            {"Bucket": "bkt", "Prefix": "p", "Marker": "p/b", "MaxKeys": 2, "EncodingType": "url"},
        ),
        (
            "create_multipart_upload",
            {"Bucket": "bkt", "Key": "big", "ContentType": "video/mp4", "Metadata": {"a": "1"}},
            "CreateMultipartUpload",
            {"Bucket": "bkt", "Key": "big", "ContentType": "video/mp4", "Metadata": {"a": "1"}},
        ),
        (
            "upload_part",
            {"Bucket": "bkt", "Key": "big", "PartNumber": 3, "UploadId": "u1", "Body": b"part"},
            "UploadPart",
            {"Bucket": "bkt", "Key": "big", "PartNumber": 3, "UploadId": "u1", "Body": b"part"},
        ),
        (
            "upload_part_copy",
            {
                "Bucket": "bkt",
                "Key": "big",
                "PartNumber": 1,
                "UploadId": "u1",
                "CopySource": "src/k",
                "CopySourceRange": "bytes=0-99",
            },
            "UploadPartCopy",
            {
                "Bucket": "bkt",
                "Key": "big",
                "PartNumber": 1,
                "UploadId": "u1",
                "CopySource": "src/k",
                "CopySourceRange": "bytes=0-99",
            },
        ),
        (
            "complete_multipart_upload",
            {
                "Bucket": "bkt",
                "Key": "big",
                "UploadId": "u1",
                "MultipartUpload": {
                    "Parts": [
                        {"ETag": '"e1"', "PartNumber": 1, "ChecksumCRC32": "AAAAAA=="},
                        {"ETag": '"e2"', "PartNumber": 2},
                    ]
                },
            },
            "CompleteMultipartUpload",
            {
                "Bucket": "bkt",
                "Key": "big",
                "UploadId": "u1",
                "MultipartUpload": {
                    "Parts": [
                        {"ETag": '"e1"', "PartNumber": 1, "ChecksumCRC32": "AAAAAA=="},
                        {"ETag": '"e2"', "PartNumber": 2},
                    ]
                },
            },
        ),
        (
            "abort_multipart_upload",
            {"Bucket": "bkt", "Key": "big", "UploadId": "u1"},
            "AbortMultipartUpload",
            {"Bucket": "bkt", "Key": "big", "UploadId": "u1"},
        ),
        (
            "list_parts",
            {"Bucket": "bkt", "Key": "big", "UploadId": "u1", "MaxParts": 2, "PartNumberMarker": 1},
            "ListParts",
            {"Bucket": "bkt", "Key": "big", "UploadId": "u1", "MaxParts": 2, "PartNumberMarker": 1},
        ),
        (
            "list_multipart_uploads",
            {"Bucket": "bkt", "Prefix": "b", "KeyMarker": "a", "MaxUploads": 10},
            "ListMultipartUploads",
            {"Bucket": "bkt", "Prefix": "b", "KeyMarker": "a", "MaxUploads": 10},
        ),
        (
            "put_bucket_notification_configuration",
            {"Bucket": "bkt", "NotificationConfiguration": NOTIFICATIONS},
            "PutBucketNotificationConfiguration",
            {"Bucket": "bkt", "NotificationConfiguration": NOTIFICATIONS},
        ),
        (
            "get_bucket_notification_configuration",
            {"Bucket": "bkt"},
            "GetBucketNotificationConfiguration",
            {"Bucket": "bkt"},
        ),
        (
            "put_object_tagging",
            {
                "Bucket": "bkt",
                "Key": "k",
                "Tagging": {"TagSet": [{"Key": "a", "Value": "b"}, {"Key": "c", "Value": ""}]},
            },
            "PutObjectTagging",
            {
                "Bucket": "bkt",
                "Key": "k",
                "Tagging": {"TagSet": [{"Key": "a", "Value": "b"}, {"Key": "c", "Value": ""}]},
            },
        ),
        (
            "get_object_tagging",
            {"Bucket": "bkt", "Key": "k", "VersionId": "v1"},
            "GetObjectTagging",
            {"Bucket": "bkt", "Key": "k", "VersionId": "v1"},
        ),
        (
            "put_bucket_policy",
            {"Bucket": "bkt", "Policy": '{"Version": "2012-10-17", "Statement": []}'},
            "PutBucketPolicy",
            {"Bucket": "bkt", "Policy": '{"Version": "2012-10-17", "Statement": []}'},
        ),
        (
            "get_object_attributes",
            {"Bucket": "bkt", "Key": "k", "ObjectAttributes": ["ETag", "Checksum", "ObjectSize"]},
            "GetObjectAttributes",
            {"Bucket": "bkt", "Key": "k", "ObjectAttributes": ["ETag", "Checksum", "ObjectSize"]},
        ),
    ],
)
def test_requests_decode_to_the_params_boto3_was_given(
    wire: Wire, method: str, kwargs: dict[str, Any], op: str, expected: dict[str, Any]
) -> None:
    wire.call(method, **kwargs)
    assert wire.last.op == op
    includes(wire.last.params, expected)
    if not expected:
        assert wire.last.params == {}


KEYS = [
    "plain.txt",
    "a b",
    "a+b",
    "100%",
    "%41",
    "sp%20ace",
    "ü/ñ/日本語",
    "../up",
    "a/../b",
    "a/./b",
    "./x",
    "a//b",
    "/lead",
    "//",
    "trail/",
    "q?x=1&y",
    "#frag",
    "~tilde;a=b,c",
    "tab\there",
]


@pytest.mark.parametrize("style", ["path", "virtual"])
def test_keys_arrive_exactly_as_written(style: str) -> None:
    wire = Wire(style=style)
    for key in KEYS:
        wire.call("put_object", Bucket="bkt", Key=key, Body=b"x")
        assert (wire.last.op, wire.last.params["Key"], wire.last.params["Bucket"]) == (
            "PutObject",
            key,
            "bkt",
        )
        wire.call("get_object", {"Body": b"x"}, Bucket="bkt", Key=key)
        assert (wire.last.op, wire.last.params["Key"]) == ("GetObject", key)
    assert wire.sent[0].path == ("/bkt/plain.txt" if style == "path" else "/plain.txt")


def test_virtual_hosted_bucket_operations(https: Wire) -> None:
    https.call("list_objects_v2", Bucket="my.bucket", Prefix="p")
    assert https.last.op == "ListObjectsV2"
    includes(https.last.params, {"Bucket": "my.bucket", "Prefix": "p"})
    https.call("delete_objects", Bucket="bkt", Delete={"Objects": [{"Key": "k"}]})
    includes(https.last.params, {"Bucket": "bkt", "Delete": {"Objects": [{"Key": "k"}]}})


def test_aws_chunked_upload_over_https(https: Wire) -> None:
    """botocore's https upload: no Content-Length, the CRC32 as a trailer (AWS_FACTS §16.5)."""
    https.call(
        "put_object",
        Bucket="bkt",
        Key="k",
        Body=b"hello world",
        ContentEncoding="gzip",
        Metadata={"m": "1"},
    )
    sent = https.last
    assert sent.headers["Content-Encoding"] == "gzip,aws-chunked"
    assert "Content-Length" not in sent.headers
    includes(
        sent.params,
        {
            "Body": b"hello world",
            "ContentLength": 11,
            "ContentEncoding": "gzip",
            "ChecksumAlgorithm": "CRC32",
            "Metadata": {"m": "1"},
        },
    )
    assert "ChecksumCRC32" not in sent.params
    assert sent.trailers == {"x-amz-checksum-crc32": "DUoRhQ=="}
    decoder = rest_xml.request_decoder(s3_model().operation_model("PutObject"))
    assert rest_xml.decode_trailers(decoder, sent.trailers) == {"ChecksumCRC32": "DUoRhQ=="}


def test_aws_chunked_framing_is_neither_the_objects_length_nor_its_encoding() -> None:
    op = s3_model().operation_model("UploadPart")
    headers = {
        "Content-Encoding": "aws-chunked",
        "X-Amz-Content-SHA256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "X-Amz-Decoded-Content-Length": "5",
        "Content-Length": "173",
    }
    query = {"partNumber": "1", "uploadId": "u"}
    params = rest_xml.decode_request(op, {"Bucket": "b", "Key": "k"}, headers, query, b"")
    assert params["ContentLength"] == 5
    assert "ContentEncoding" not in params


# -- routing ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "query", "headers", "label", "op", "uri"),
    [
        ("GET", "/", {}, {}, None, "ListBuckets", {}),
        ("GET", "/bkt", {}, {}, None, "ListObjects", {"Bucket": "bkt"}),
        ("GET", "/bkt/", {}, {}, None, "ListObjects", {"Bucket": "bkt"}),
        ("GET", "/bkt", {"list-type": "2"}, {}, None, "ListObjectsV2", {"Bucket": "bkt"}),
        ("GET", "/bkt", {"list-type": "1"}, {}, None, "ListObjects", {"Bucket": "bkt"}),
        ("GET", "/", {"list-type": "2"}, {}, "bkt", "ListObjectsV2", {"Bucket": "bkt"}),
        ("GET", "/", {}, {}, "bkt", "ListObjects", {"Bucket": "bkt"}),
        ("GET", "/k", {}, {}, "bkt", "GetObject", {"Bucket": "bkt", "Key": "k"}),
        ("GET", "//k", {}, {}, "bkt", "GetObject", {"Bucket": "bkt", "Key": "/k"}),
        ("GET", "/bkt//", {}, {}, None, "GetObject", {"Bucket": "bkt", "Key": "/"}),
        (
            "GET",
            "/bkt/a%2Fb/c%2520",
            {},
            {},
            None,
            "GetObject",
            {"Bucket": "bkt", "Key": "a/b/c%20"},
        ),
        ("GET", "/bkt/a+b%2B", {}, {}, None, "GetObject", {"Bucket": "bkt", "Key": "a+b+"}),
        (
            "GET",
            "/bkt/a/../b/./c",
            {},
            {},
            None,
            "GetObject",
            {"Bucket": "bkt", "Key": "a/../b/./c"},
        ),
        ("GET", "/bkt/k", {"uploadId": "u"}, {}, None, "ListParts", {"Bucket": "bkt", "Key": "k"}),
        ("GET", "/bkt", {"lifecycle": ""}, {}, None, "GetBucketLifecycleConfiguration", None),
        ("GET", "/bkt", {"uploads": ""}, {}, None, "ListMultipartUploads", None),
        (
            "GET",
            "/bkt",
            {"analytics": "", "id": "a"},
            {},
            None,
            "GetBucketAnalyticsConfiguration",
            None,
        ),
        ("GET", "/bkt", {"analytics": ""}, {}, None, "ListBucketAnalyticsConfigurations", None),
        ("GET", "/", {"x-id": "ListDirectoryBuckets"}, {}, None, "ListDirectoryBuckets", None),
        ("PUT", "/bkt", {}, {}, None, "CreateBucket", None),
        ("PUT", "/bkt/", {}, {}, None, "CreateBucket", None),
        ("PUT", "/bkt/k", {}, {}, None, "PutObject", None),
        ("PUT", "/bkt/k", {}, {"X-Amz-Copy-Source": "a/b"}, None, "CopyObject", None),
        ("PUT", "/bkt/k", {"partNumber": "1", "uploadId": "u"}, {}, None, "UploadPart", None),
        (
            "PUT",
            "/bkt/k",
            {"partNumber": "1", "uploadId": "u"},
            {"x-amz-copy-source": "a/b"},
            None,
            "UploadPartCopy",
            None,
        ),
        ("PUT", "/bkt/k", {"partNumber": "1"}, {}, None, "PutObject", None),
        ("PUT", "/bkt/k", {"renameObject": ""}, {}, None, "RenameObject", None),
        ("PUT", "/bkt", {"notification": ""}, {}, None, "PutBucketNotificationConfiguration", None),
        ("POST", "/bkt", {"delete": ""}, {}, None, "DeleteObjects", None),
        ("POST", "/bkt/k", {"uploads": ""}, {}, None, "CreateMultipartUpload", None),
        ("POST", "/bkt/k", {"uploadId": "u"}, {}, None, "CompleteMultipartUpload", None),
        (
            "POST",
            "/bkt/k",
            {"select": "", "select-type": "2"},
            {},
            None,
            "SelectObjectContent",
            None,
        ),
        ("POST", "/WriteGetObjectResponse", {}, {}, None, "WriteGetObjectResponse", {}),
        ("DELETE", "/bkt/k", {}, {}, None, "DeleteObject", None),
        ("DELETE", "/bkt/k", {"uploadId": "u"}, {}, None, "AbortMultipartUpload", None),
        ("DELETE", "/bkt/k", {"tagging": ""}, {}, None, "DeleteObjectTagging", None),
        ("HEAD", "/bkt", {}, {}, None, "HeadBucket", None),
        ("head", "/bkt/k", {}, {}, None, "HeadObject", None),
    ],
)
def test_match_picks_the_most_specific_operation(
    method: str,
    path: str,
    query: dict[str, str],
    headers: dict[str, str],
    label: str | None,
    op: str,
    uri: dict[str, str] | None,
) -> None:
    found = rest_xml.match(s3_model(), method, path, query, label, headers)
    assert found is not None
    assert found[0].name == op
    if uri is not None:
        assert found[1] == uri


def test_one_routes_table_answers_as_a_fresh_one_whatever_it_answered_before() -> None:
    """`Routes` keeps its decisions for requests without a query: each still gets its own."""
    requests = [
        ("PUT", "/bkt/k", {}, None),
        ("PUT", "/bkt/k", {"x-amz-copy-source": "a/b"}, None),
        ("PUT", "/k", {}, "bkt"),
        ("PUT", "/bkt", {}, None),
        ("PUT", "/bkt/", {"X-Amz-Copy-Source": "a/b"}, None),
        ("PUT", "/", {}, "bkt"),
        ("PUT", "/bkt//", {}, None),
        ("GET", "/bkt/a%2Fb", {}, None),
        ("GET", "/bkt", {}, None),
        ("GET", "/", {}, None),
        ("GET", "/", {}, "bkt"),
        ("HEAD", "/bkt/k", {}, None),
        ("DELETE", "/bkt", {}, None),
        ("POST", "/bkt/k", {}, None),
        ("PATCH", "/bkt/k", {}, None),
    ]
    routes = rest_xml.Routes(s3_model())
    for method, path, headers, label in [*requests, *reversed(requests), *requests]:
        kept = routes.match(method, path, {}, label, headers)
        fresh = rest_xml.match(s3_model(), method, path, {}, label, headers)
        assert (kept and (kept[0].name, kept[1])) == (fresh and (fresh[0].name, fresh[1]))


@pytest.mark.parametrize(
    ("method", "path", "label"),
    [
        ("PATCH", "/bkt/k", None),
        ("GET", "bkt/k", None),
        ("GET", "//k", None),
        ("POST", "/bkt", None),
        ("DELETE", "/", None),
    ],
)
def test_match_finds_nothing(method: str, path: str, label: str | None) -> None:
    assert ROUTES.match(method, path, {}, label, {}) is None


def test_a_label_that_is_not_utf8_is_an_invalid_uri() -> None:
    with pytest.raises(AwsError) as caught:
        ROUTES.match("GET", "/bkt/%FF", {}, None, {})
    assert (caught.value.code, caught.value.status) == ("InvalidURI", 400)


# -- bad requests -------------------------------------------------------------------


def decode(op: str, body: bytes = b"", **query: str) -> dict[str, Any]:
    model = s3_model().operation_model(op)
    return rest_xml.decode_request(model, {"Bucket": "b", "Key": "k"}, {}, query, body)


def refused(op: str, body: bytes = b"", **query: str) -> AwsError:
    with pytest.raises(AwsError) as caught:
        decode(op, body, **query)
    return caught.value


MALFORMED = (
    "The XML you provided was not well-formed or did not validate against our published schema"
)
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<Tagging><TagSet><Tag><Key>&lol2;</Key><Value>v</Value></Tag></TagSet></Tagging>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<Tagging><TagSet><Tag><Key>&x;</Key><Value>v</Value></Tag></TagSet></Tagging>"""


@pytest.mark.parametrize(
    ("op", "body"),
    [
        ("PutObjectTagging", b"<Tagging><TagSet>"),
        ("PutObjectTagging", b"not xml at all"),
        ("PutObjectTagging", b"<Tagging></Tagging><Tagging></Tagging>"),
        ("PutObjectTagging", BILLION_LAUGHS),
        ("PutObjectTagging", EXTERNAL),
        (
            "PutObjectTagging",
            b"<Tagging><TagSet><Tag><Key>&undefined;</Key></Tag></TagSet></Tagging>",
        ),
        ("PutObjectTagging", b"<Wrong><TagSet/></Wrong>"),
        ("PutObjectTagging", b"<Tagging>" + b"<a>" * 100 + b"</a>" * 100 + b"</Tagging>"),
        ("PutObjectTagging", "<Tagging>\udcff</Tagging>".encode("utf-8", "surrogatepass")),
        (
            "CompleteMultipartUpload",
            b"<CompleteMultipartUpload><Part><PartNumber>one</PartNumber></Part>"
            b"</CompleteMultipartUpload>",
        ),
        (
            "CompleteMultipartUpload",
            b"<CompleteMultipartUpload><Part><PartNumber>99999999999</PartNumber></Part>"
            b"</CompleteMultipartUpload>",
        ),
        ("DeleteObjects", b"<Delete><Quiet>maybe</Quiet></Delete>"),
    ],
)
def test_bad_xml_is_malformed_xml(op: str, body: bytes) -> None:
    error = refused(op, body, uploadId="u")
    assert (error.code, error.message, error.status) == ("MalformedXML", MALFORMED, 400)


def test_xml_is_read_however_laid_out() -> None:
    body = b"""<?xml version="1.0" encoding="UTF-8"?>
    <s3:CompleteMultipartUpload xmlns:s3="http://s3.amazonaws.com/doc/2006-03-01/">
      <s3:Part> <s3:PartNumber> 2 </s3:PartNumber> <s3:ETag>"e"</s3:ETag> </s3:Part>
      <Part><PartNumber>3</PartNumber><Unknown>ignored</Unknown></Part>
    </s3:CompleteMultipartUpload>"""
    params = decode("CompleteMultipartUpload", body, uploadId="u")
    assert params["MultipartUpload"] == {
        "Parts": [{"PartNumber": 2, "ETag": '"e"'}, {"PartNumber": 3}]
    }
    assert "CreateBucketConfiguration" not in decode("CreateBucket", b"  \n")


def test_an_oversized_xml_body_is_refused() -> None:
    body = b"<Delete>" + b" " * rest_xml.MAX_XML_BODY + b"</Delete>"
    error = refused("DeleteObjects", body)
    assert (error.code, error.status) == ("MaxMessageLengthExceeded", 400)


@pytest.mark.parametrize(
    ("op", "query", "headers", "argument"),
    [
        ("ListObjectsV2", {"list-type": "2", "max-keys": "ten"}, {}, "max-keys"),
        ("ListObjectsV2", {"list-type": "2", "max-keys": "99999999999"}, {}, "max-keys"),
        ("ListObjectsV2", {"list-type": "2", "max-keys": "٣"}, {}, "max-keys"),
        ("ListObjectsV2", {"list-type": "2", "fetch-owner": "yes"}, {}, "fetch-owner"),
        ("UploadPart", {"partNumber": "1.5", "uploadId": "u"}, {}, "partNumber"),
        ("GetObject", {}, {"If-Modified-Since": "yesterday"}, "If-Modified-Since"),
        ("PutObject", {}, {"Content-Length": "-"}, "Content-Length"),
        (
            "PutObject",
            {},
            {"x-amz-server-side-encryption-bucket-key-enabled": "1"},
            "x-amz-server-side-encryption-bucket-key-enabled",
        ),
    ],
)
def test_bad_values_are_invalid_argument(
    op: str, query: dict[str, str], headers: dict[str, str], argument: str
) -> None:
    model = s3_model().operation_model(op)
    with pytest.raises(AwsError) as caught:
        rest_xml.decode_request(model, {"Bucket": "b", "Key": "k"}, headers, query, b"")
    assert (caught.value.code, caught.value.status) == ("InvalidArgument", 400)
    assert argument in caught.value.message


def test_header_dates_in_every_form_clients_write() -> None:
    model = s3_model().operation_model("GetObject")
    for written in [
        "Wed, 02 Dec 2026 17:05:40 GMT",
        "Wednesday, 02-Dec-26 17:05:40 GMT",
        "2026-12-02T17:05:40Z",
        "2026-12-02T17:05:40.000Z",
        str(int(EPOCH)),
    ]:
        params = rest_xml.decode_request(
            model, {"Bucket": "b", "Key": "k"}, {"if-unmodified-since": written}, {}, b""
        )
        assert params["IfUnmodifiedSince"] == EPOCH, written


def test_a_text_payload_must_be_utf8() -> None:
    error = refused("PutBucketPolicy", b"\xff\xfe")
    assert (error.code, error.status) == ("InvalidArgument", 400)


# -- responses: what boto3 parses -------------------------------------------------------


GRANTS = [
    {
        "Grantee": {"Type": "CanonicalUser", "ID": "owner-id", "DisplayName": "me"},
        "Permission": "FULL_CONTROL",
    },
    {
        "Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"},
        "Permission": "READ",
    },
]


@pytest.mark.parametrize(
    ("method", "kwargs", "result", "expected", "status"),
    [
        (
            "list_buckets",
            {},
            {
                "Buckets": [
                    {"Name": "a", "CreationDate": EPOCH, "BucketRegion": "eu-west-1"},
                    {"Name": "b", "CreationDate": NOW},
                ],
                "Owner": {"ID": "owner-id", "DisplayName": "me"},
            },
            {
                "Buckets": [
                    {"Name": "a", "CreationDate": NOW, "BucketRegion": "eu-west-1"},
                    {"Name": "b", "CreationDate": NOW},
                ],
                "Owner": {"ID": "owner-id", "DisplayName": "me"},
            },
            200,
        ),
        ("create_bucket", {"Bucket": "bkt"}, {"Location": "/bkt"}, {"Location": "/bkt"}, 200),
        (
            "head_bucket",
            {"Bucket": "bkt"},
            {"BucketRegion": "eu-west-1"},
            {"BucketRegion": "eu-west-1"},
            200,
        ),
        ("delete_bucket", {"Bucket": "bkt"}, {}, {}, 204),
        (
            "put_object",
            {"Bucket": "bkt", "Key": "k", "Body": b"hello world"},
            {
                "ETag": '"5eb63bbbe01eeed093cb22bb8f5acdc3"',
                "ChecksumCRC32": "DUoRhQ==",
                "ChecksumType": "FULL_OBJECT",
                "VersionId": "v1",
                "BucketKeyEnabled": False,
            },
            {
                "ETag": '"5eb63bbbe01eeed093cb22bb8f5acdc3"',
                "ChecksumCRC32": "DUoRhQ==",
                "ChecksumType": "FULL_OBJECT",
                "VersionId": "v1",
                "BucketKeyEnabled": False,
            },
            200,
        ),
        (
            "head_object",
            {"Bucket": "bkt", "Key": "k"},
            {
                "ContentLength": 11,
                "ContentType": "text/plain",
                "ETag": '"e"',
                "LastModified": EPOCH,
                "Metadata": {"colour": "blue"},
                "AcceptRanges": "bytes",
                "PartsCount": 2,
            },
            {
                "ContentLength": 11,
                "ContentType": "text/plain",
                "ETag": '"e"',
                "LastModified": NOW,
                "Metadata": {"colour": "blue"},
                "AcceptRanges": "bytes",
                "PartsCount": 2,
            },
            200,
        ),
        ("delete_object", {"Bucket": "bkt", "Key": "k"}, {}, {}, 204),
        (
            "delete_object",
            {"Bucket": "bkt", "Key": "k"},
            {"DeleteMarker": True, "VersionId": "v2"},
            {"DeleteMarker": True, "VersionId": "v2"},
            204,
        ),
        (
            "delete_objects",
            {"Bucket": "bkt", "Delete": {"Objects": [{"Key": "a"}, {"Key": "b"}]}},
            {
                "Deleted": [{"Key": "a\r\nb"}, {"Key": "c", "DeleteMarker": True}],
                "Errors": [{"Key": "b", "Code": "AccessDenied", "Message": "Access Denied"}],
            },
            {
                "Deleted": [{"Key": "a\r\nb"}, {"Key": "c", "DeleteMarker": True}],
                "Errors": [{"Key": "b", "Code": "AccessDenied", "Message": "Access Denied"}],
            },
            200,
        ),
        (
            "copy_object",
            {"Bucket": "bkt", "Key": "k", "CopySource": "src/k"},
            {"CopyObjectResult": {"ETag": '"e"', "LastModified": EPOCH}, "VersionId": "v"},
            {"CopyObjectResult": {"ETag": '"e"', "LastModified": NOW}, "VersionId": "v"},
            200,
        ),
        (
            "list_objects_v2",
            {"Bucket": "bkt", "Delimiter": "/"},
            {
                "Name": "bkt",
                "Prefix": "",
                "Delimiter": "/",
                "MaxKeys": 1000,
                "KeyCount": 3,
                "IsTruncated": True,
                "NextContinuationToken": "tok",
                "EncodingType": "url",
                "Contents": [
                    {
                        "Key": "a+b%2Bc",
                        "LastModified": EPOCH,
                        "ETag": '"e"',
                        "Size": 5,
                        "StorageClass": "STANDARD",
                    },
                    {"Key": "%C3%BC", "LastModified": EPOCH, "ETag": '"f"', "Size": 0},
                ],
                "CommonPrefixes": [{"Prefix": "dir+1/"}],
            },
            {
                "Name": "bkt",
                "Prefix": "",
                "Delimiter": "/",
                "MaxKeys": 1000,
                "KeyCount": 3,
                "IsTruncated": True,
                "NextContinuationToken": "tok",
                "EncodingType": "url",
                "Contents": [
                    {
                        "Key": "a b+c",
                        "LastModified": NOW,
                        "ETag": '"e"',
                        "Size": 5,
                        "StorageClass": "STANDARD",
                    },
                    {"Key": "ü", "LastModified": NOW, "ETag": '"f"', "Size": 0},
                ],
                "CommonPrefixes": [{"Prefix": "dir 1/"}],
            },
            200,
        ),
        (
            "list_objects",
            {"Bucket": "bkt", "Delimiter": "/"},
            {
                "Name": "bkt",
                "Marker": "",
                "NextMarker": "b",
                "IsTruncated": True,
                "MaxKeys": 1,
                "Contents": [{"Key": "b", "Size": 1, "Owner": {"ID": "o"}}],
            },
            {
                "Name": "bkt",
                "Marker": "",
                "NextMarker": "b",
                "IsTruncated": True,
                "MaxKeys": 1,
                "Contents": [{"Key": "b", "Size": 1, "Owner": {"ID": "o"}}],
            },
            200,
        ),
        (
            "create_multipart_upload",
            {"Bucket": "bkt", "Key": "big"},
            {"Bucket": "bkt", "Key": "big", "UploadId": "u1", "ChecksumAlgorithm": "CRC32"},
            {"Bucket": "bkt", "Key": "big", "UploadId": "u1", "ChecksumAlgorithm": "CRC32"},
            200,
        ),
        (
            "upload_part",
            {"Bucket": "bkt", "Key": "big", "PartNumber": 1, "UploadId": "u1", "Body": b"p"},
            {"ETag": '"e1"', "ChecksumCRC32": "AAAAAA=="},
            {"ETag": '"e1"', "ChecksumCRC32": "AAAAAA=="},
            200,
        ),
        (
            "upload_part_copy",
            {
                "Bucket": "bkt",
                "Key": "big",
                "PartNumber": 1,
                "UploadId": "u1",
                "CopySource": "s/k",
            },
            {"CopyPartResult": {"ETag": '"e1"', "LastModified": EPOCH}},
            {"CopyPartResult": {"ETag": '"e1"', "LastModified": NOW}},
            200,
        ),
        (
            "complete_multipart_upload",
            {
                "Bucket": "bkt",
                "Key": "big",
                "UploadId": "u1",
                "MultipartUpload": {"Parts": [{"ETag": '"e1"', "PartNumber": 1}]},
            },
            {
                "Location": "http://127.0.0.1:1/bkt/big",
                "Bucket": "bkt",
                "Key": "big",
                "ETag": '"abc-1"',
                "ChecksumCRC32": "GlPyHw==-2",
            },
            {
                "Location": "http://127.0.0.1:1/bkt/big",
                "Bucket": "bkt",
                "Key": "big",
                "ETag": '"abc-1"',
                "ChecksumCRC32": "GlPyHw==-2",
            },
            200,
        ),
        (
            "abort_multipart_upload",
            {"Bucket": "bkt", "Key": "big", "UploadId": "u1"},
            {},
            {},
            204,
        ),
        (
            "list_parts",
            {"Bucket": "bkt", "Key": "big", "UploadId": "u1"},
            {
                "Bucket": "bkt",
                "Key": "big",
                "UploadId": "u1",
                "PartNumberMarker": 0,
                "NextPartNumberMarker": 2,
                "MaxParts": 2,
                "IsTruncated": True,
                "Parts": [
                    {"PartNumber": 1, "ETag": '"e1"', "Size": 5242880, "LastModified": EPOCH},
                    {"PartNumber": 2, "ETag": '"e2"', "Size": 1, "LastModified": EPOCH},
                ],
            },
            {
                "Bucket": "bkt",
                "Key": "big",
                "UploadId": "u1",
                "PartNumberMarker": 0,
                "NextPartNumberMarker": 2,
                "MaxParts": 2,
                "IsTruncated": True,
                "Parts": [
                    {"PartNumber": 1, "ETag": '"e1"', "Size": 5242880, "LastModified": NOW},
                    {"PartNumber": 2, "ETag": '"e2"', "Size": 1, "LastModified": NOW},
                ],
            },
            200,
        ),
        (
            "list_multipart_uploads",
            {"Bucket": "bkt"},
            {
                "Bucket": "bkt",
                "Uploads": [{"Key": "big", "UploadId": "u1", "Initiated": EPOCH}],
                "IsTruncated": False,
            },
            {
                "Bucket": "bkt",
                "Uploads": [{"Key": "big", "UploadId": "u1", "Initiated": NOW}],
                "IsTruncated": False,
            },
            200,
        ),
        (
            "get_bucket_location",
            {"Bucket": "bkt"},
            {"LocationConstraint": "eu-west-1"},
            {"LocationConstraint": "eu-west-1"},
            200,
        ),
        ("get_bucket_location", {"Bucket": "bkt"}, {}, {"LocationConstraint": None}, 200),
        (
            "get_object_tagging",
            {"Bucket": "bkt", "Key": "k"},
            {"TagSet": [{"Key": "a", "Value": "b"}], "VersionId": "v1"},
            {"TagSet": [{"Key": "a", "Value": "b"}], "VersionId": "v1"},
            200,
        ),
        (
            "put_object_tagging",
            {"Bucket": "bkt", "Key": "k", "Tagging": {"TagSet": []}},
            {"VersionId": "v1"},
            {"VersionId": "v1"},
            200,
        ),
        (
            "get_bucket_notification_configuration",
            {"Bucket": "bkt"},
            NOTIFICATIONS,
            NOTIFICATIONS,
            200,
        ),
        (
            "get_bucket_policy",
            {"Bucket": "bkt"},
            {"Policy": '{"Statement": []}'},
            {"Policy": '{"Statement": []}'},
            200,
        ),
        (
            "get_bucket_acl",
            {"Bucket": "bkt"},
            {"Owner": {"ID": "owner-id"}, "Grants": GRANTS},
            {"Owner": {"ID": "owner-id"}, "Grants": GRANTS},
            200,
        ),
        (
            "get_object_attributes",
            {"Bucket": "bkt", "Key": "k", "ObjectAttributes": ["ETag"]},
            {"ETag": "e", "ObjectSize": 11, "LastModified": EPOCH},
            {"ETag": "e", "ObjectSize": 11, "LastModified": NOW},
            200,
        ),
    ],
)
def test_responses_parse_back_in_boto3(
    wire: Wire,
    method: str,
    kwargs: dict[str, Any],
    result: dict[str, Any],
    expected: dict[str, Any],
    status: int,
) -> None:
    parsed = wire.call(method, result, **kwargs)
    metadata = parsed.pop("ResponseMetadata")
    assert parsed == expected
    assert metadata["HTTPStatusCode"] == status
    assert (metadata["RequestId"], metadata["HostId"]) == (REQUEST_ID, rest_xml.host_id(REQUEST_ID))


def test_xml_roots_are_named_as_s3_names_them(wire: Wire) -> None:
    wire.call("list_objects_v2", {"Name": "bkt"}, Bucket="bkt")
    wire.call("list_buckets", {"Buckets": []})
    wire.call("create_multipart_upload", {"UploadId": "u"}, Bucket="b", Key="k")
    wire.call("get_object_tagging", {"TagSet": []}, Bucket="b", Key="k")
    wire.call("get_bucket_location", {"LocationConstraint": ""}, Bucket="b")
    bodies = [answer.body for answer in wire.answers[-5:] if isinstance(answer.body, bytes)]
    declaration = '<?xml version="1.0" encoding="UTF-8"?>\n'
    xmlns = f'xmlns="{NAMESPACE}"'
    assert [body.decode() for body in bodies] == [
        f"{declaration}<ListBucketResult {xmlns}><Name>bkt</Name></ListBucketResult>",
        f"{declaration}<ListAllMyBucketsResult {xmlns}><Buckets></Buckets>"
        "</ListAllMyBucketsResult>",
        f"{declaration}<InitiateMultipartUploadResult {xmlns}><UploadId>u</UploadId>"
        "</InitiateMultipartUploadResult>",
        f"{declaration}<Tagging {xmlns}><TagSet></TagSet></Tagging>",
        f"{declaration}<LocationConstraint {xmlns}/>",
    ]
    assert all(a.headers["Content-Type"] == "application/xml" for a in wire.answers[-5:])


def test_get_object_streams_the_body_and_boto3_checks_its_checksum(wire: Wire) -> None:
    parsed = wire.call(
        "get_object",
        {
            "Body": b"hello world",
            "ContentType": "text/plain",
            "ETag": '"5eb63bbbe01eeed093cb22bb8f5acdc3"',
            "LastModified": EPOCH,
            "Metadata": {"colour": "blue"},
            "ChecksumCRC32": "DUoRhQ==",
            "AcceptRanges": "bytes",
        },
        Bucket="bkt",
        Key="k",
    )
    assert parsed["Body"].read() == b"hello world"
    assert parsed["ContentLength"] == 11
    assert (parsed["LastModified"], parsed["Metadata"]) == (NOW, {"colour": "blue"})
    assert wire.answers[-1].headers["Last-Modified"] == "Wed, 02 Dec 2026 17:05:40 GMT"

    wrong = {"Body": b"hello world", "ChecksumCRC32": "AAAAAA=="}
    parsed = wire.call("get_object", wrong, Bucket="bkt", Key="k")
    with pytest.raises(FlexibleChecksumError):
        parsed["Body"].read()


def test_a_ranged_get_is_a_206(wire: Wire) -> None:
    parsed = wire.call(
        "get_object",
        {"Body": b"hell", "ContentRange": "bytes 0-3/11", "ContentLength": 4},
        Bucket="bkt",
        Key="k",
        Range="bytes=0-3",
    )
    assert parsed["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert (parsed["ContentRange"], parsed["ContentLength"]) == ("bytes 0-3/11", 4)
    assert parsed["Body"].read() == b"hell"


def test_a_body_from_disk_is_passed_through_with_its_length(tmp_path: Path, wire: Wire) -> None:
    path = tmp_path / "object"
    path.write_bytes(b"0123456789")
    body = FileSlice(path, 2, 5)
    op = s3_model().operation_model("GetObject")
    out = rest_xml.encode_response(op, {"Body": body}, REQUEST_ID)
    assert out.body is body
    assert out.headers["Content-Length"] == "5"
    parsed = wire.call("get_object", {"Body": body}, Bucket="b", Key="k")
    assert parsed["Body"].read() == b"23456"


def test_header_values_stay_one_ascii_line() -> None:
    op = s3_model().operation_model("HeadObject")
    out = rest_xml.encode_response(
        op,
        {"ContentDisposition": "a\r\nSet-Cookie: x", "Metadata": {"note": "grüße"}},
        REQUEST_ID,
    )
    assert out.headers["Content-Disposition"] == "a  Set-Cookie: x"
    assert out.headers["x-amz-meta-note"] == "=?UTF-8?B?Z3LDvMOfZQ==?="


# -- errors -------------------------------------------------------------------------


@contextmanager
def failing(wire: Wire, error: AwsError, extra: dict[str, str] | None = None) -> Iterator[None]:
    wire.error, wire.extra = error, extra or {}
    try:
        yield
    finally:
        wire.error, wire.extra = None, {}


def test_errors_parse_to_their_code_message_and_details(wire: Wire) -> None:
    missing = AwsError("NoSuchKey", "The specified key does not exist.", status=404)
    with failing(wire, missing, {"Key": "a&b"}), pytest.raises(ClientError) as caught:
        wire.call("get_object", Bucket="bkt", Key="a&b")
    error = caught.value.response
    assert error["Error"] == {
        "Code": "NoSuchKey",
        "Message": "The specified key does not exist.",
        "Key": "a&b",
    }
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert error["ResponseMetadata"]["HostId"] == rest_xml.host_id(REQUEST_ID)
    assert caught.value.response["Error"]["Code"] == "NoSuchKey"
    body = wire.answers[-1].body
    assert isinstance(body, bytes)
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code>')
    assert f"<RequestId>{REQUEST_ID}</RequestId>".encode() in body
    assert wire.answers[-1].headers["Content-Type"] == "application/xml"


def test_head_and_not_modified_errors_have_no_body(wire: Wire) -> None:
    missing = AwsError("NoSuchKey", "The specified key does not exist.", status=404)
    with failing(wire, missing), pytest.raises(ClientError) as caught:
        wire.call("head_object", Bucket="bkt", Key="k")
    assert caught.value.response["Error"]["Code"] == "404"
    assert (wire.answers[-1].body, wire.answers[-1].headers["Content-Length"]) == (b"", "0")
    unchanged = AwsError("NotModified", "Not Modified", status=304)
    with failing(wire, unchanged), pytest.raises(ClientError) as caught:
        wire.call("get_object", Bucket="bkt", Key="k", IfNoneMatch='"e"')
    assert caught.value.response["Error"]["Code"] == "304"
    assert wire.answers[-1].body == b""


def test_a_304_carries_the_objects_etag_and_date() -> None:
    op = s3_model().operation_model("GetObject")
    unchanged = AwsError("NotModified", "Not Modified", status=304)
    members = {"ETag": '"e"', "LastModified": EPOCH, "Body": b"never sent"}
    out = rest_xml.encode_error(unchanged, REQUEST_ID, method="GET", op=op, members=members)
    assert (out.status, out.body) == (304, b"")
    assert out.headers["ETag"] == '"e"'
    assert out.headers["Last-Modified"] == "Wed, 02 Dec 2026 17:05:40 GMT"


def test_error_details_are_elements_only_when_they_can_be() -> None:
    error = AwsError(
        "PreconditionFailed",
        "At least one of the pre-conditions you specified did not hold",
        status=412,
    )
    out = rest_xml.encode_error(
        error,
        REQUEST_ID,
        method="GET",
        extra={"Condition": "If-Match", "bad name": "x", "Code": "Y"},
    )
    assert isinstance(out.body, bytes)
    assert b"<Condition>If-Match</Condition>" in out.body
    assert b"bad name" not in out.body
    assert out.body.count(b"<Code>") == 1
    assert out.status == 412


# -- a model S3 does not exercise: query lists and maps, body members, status members --


DEMO = {
    "version": "2.0",
    "metadata": {
        "apiVersion": "2020-01-01",
        "endpointPrefix": "demo",
        "protocol": "rest-xml",
        "serviceId": "Demo",
        "signatureVersion": "v4",
        "uid": "demo-2020-01-01",
    },
    "operations": {
        "PutThing": {
            "name": "PutThing",
            "http": {"method": "POST", "requestUri": "/2020/things/{Name}"},
            "input": {
                "shape": "PutThingRequest",
                "locationName": "PutThingRequest",
                "xmlNamespace": {"uri": "https://demo.example/doc/2020-01-01/"},
            },
            "output": {"shape": "PutThingResponse"},
        }
    },
    "shapes": {
        "PutThingRequest": {
            "type": "structure",
            "required": ["Name"],
            "members": {
                "Name": {"shape": "String", "location": "uri", "locationName": "Name"},
                "Tags": {"shape": "Strings", "location": "querystring", "locationName": "tag"},
                "Extra": {"shape": "StringMap", "location": "querystring"},
                "Count": {"shape": "Integer"},
                "Attributes": {
                    "shape": "StringMap",
                    "flattened": True,
                    "locationName": "Attribute",
                },
                "Labels": {"shape": "StringMap"},
                "When": {"shape": "Time"},
            },
        },
        "PutThingResponse": {
            "type": "structure",
            "members": {
                "Status": {"shape": "Integer", "location": "statusCode"},
                "Stamp": {"shape": "EpochTime", "location": "header", "locationName": "x-stamp"},
                "Attributes": {
                    "shape": "StringMap",
                    "flattened": True,
                    "locationName": "Attribute",
                },
                "Labels": {"shape": "StringMap"},
                "Data": {"shape": "Blob"},
            },
        },
        "String": {"type": "string"},
        "Integer": {"type": "integer"},
        "Blob": {"type": "blob"},
        "Time": {"type": "timestamp"},
        "EpochTime": {"type": "timestamp", "timestampFormat": "unixTimestamp"},
        "Strings": {"type": "list", "member": {"shape": "String"}},
        "StringMap": {"type": "map", "key": {"shape": "String"}, "value": {"shape": "String"}},
    },
}


def test_a_model_s3_does_not_exercise_round_trips() -> None:
    op: OperationModel = ServiceModel(DEMO, "demo").operation_model("PutThing")
    given = {
        "Name": "n 1",
        "Tags": ["a", "b"],
        "Extra": {"x": "1"},
        "Count": 3,
        "Attributes": {"k1": "v1", "k2": "v2"},
        "Labels": {"l": "m"},
        "When": NOW,
    }
    request = create_serializer("rest-xml").serialize_to_request(given, op)
    query: MultiDict[str] = MultiDict()
    for key, value in request["query_string"].items():
        for item in value if isinstance(value, list) else [value]:
            query.add(key, item)
    found = rest_xml.Routes(op.service_model).match("POST", request["url_path"], query, None, {})
    assert found is not None
    params = rest_xml.decode_request(found[0], found[1], request["headers"], query, request["body"])
    assert params == {**given, "When": EPOCH}

    result = {
        "Status": 202,
        "Stamp": EPOCH,
        "Attributes": {"k": "v"},
        "Labels": {"a": "b"},
        "Data": b"\x00\x01",
    }
    out = rest_xml.encode_response(op, result, REQUEST_ID)
    assert out.status == 202
    assert out.headers["x-stamp"] == str(int(EPOCH))
    response = {"status_code": out.status, "headers": out.headers, "body": out.body}
    parsed = create_parser("rest-xml").parse(response, op.output_shape)
    parsed.pop("ResponseMetadata")
    assert parsed == {**result, "Stamp": NOW}
