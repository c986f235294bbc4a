"""Objects: put, get, head, delete, ranges, conditions, copies, metadata, tags, checksums."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from backend.cloud import Cloud
from backend.services.s3.errors import S3Error
from backend.streams import ByteStream, FileSlice
from tests.backend.test_s3_helpers import get, new_cloud, put, s3, s3_error

HELLO = b"hello world"
HELLO_MD5 = hashlib.md5(HELLO).hexdigest()
HELLO_CRC32 = "DUoRhQ=="


@pytest.fixture
async def cloud(tmp_path: Path) -> Cloud:
    made = new_cloud(tmp_path)
    await s3(made, "CreateBucket", Bucket="bkt")
    return made


def stream(*chunks: bytes, trailers: dict[str, str] | None = None) -> ByteStream:
    """A body as the wire hands it over: chunks, then maybe aws-chunked trailers."""

    async def gen() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    return ByteStream(gen(), sum(map(len, chunks)), (lambda: trailers or {}) if trailers else None)


# -- put, get, head, delete ---------------------------------------------------------


async def test_put_answers_the_md5_etag_and_get_returns_the_bytes(cloud: Cloud) -> None:
    assert await put(cloud, "bkt", "greeting.txt", HELLO) == f'"{HELLO_MD5}"'
    got = await s3(cloud, "GetObject", Bucket="bkt", Key="greeting.txt")
    body = got.pop("Body")
    assert isinstance(body, FileSlice)
    assert body.read() == HELLO
    assert got == {
        "AcceptRanges": "bytes",
        "LastModified": cloud.clock.now(),
        "ContentLength": 11,
        "ETag": f'"{HELLO_MD5}"',
        "ContentType": "binary/octet-stream",
    }


async def test_head_is_get_without_the_body(cloud: Cloud) -> None:
    await put(cloud, "bkt", "k", HELLO, ContentType="text/plain", Metadata={"Owner": "me"})
    head = await s3(cloud, "HeadObject", Bucket="bkt", Key="k")
    assert "Body" not in head
    assert head["ContentType"] == "text/plain"
    assert head["Metadata"] == {"owner": "me"}


async def test_missing_keys_and_buckets(cloud: Cloud) -> None:
    error = await s3_error(cloud, "GetObject", Bucket="bkt", Key="nope")
    assert (error.code, error.status, error.message, error.extra) == (
        "NoSuchKey",
        404,
        "The specified key does not exist.",
        {"Key": "nope"},
    )
    error = await s3_error(cloud, "PutObject", Bucket="nobucket", Key="k", Body=b"")
    assert (error.code, error.extra) == ("NoSuchBucket", {"BucketName": "nobucket"})


async def test_delete_is_204_even_when_missing(cloud: Cloud, tmp_path: Path) -> None:
    await put(cloud, "bkt", "docs/readme.txt", b"read me")
    assert (tmp_path / "s3/bkt/docs/readme.txt").read_bytes() == b"read me"
    assert await s3(cloud, "DeleteObject", Bucket="bkt", Key="docs/readme.txt") == {}
    assert await s3(cloud, "DeleteObject", Bucket="bkt", Key="docs/readme.txt") == {}
    assert not (tmp_path / "s3/bkt/docs").exists()


async def test_delete_with_if_match(cloud: Cloud) -> None:
    etag = await put(cloud, "bkt", "k", b"1")
    error = await s3_error(cloud, "DeleteObject", Bucket="bkt", Key="k", IfMatch='"other"')
    assert (error.code, error.status) == ("PreconditionFailed", 412)
    await s3(cloud, "DeleteObject", Bucket="bkt", Key="k", IfMatch=etag)
    error = await s3_error(cloud, "DeleteObject", Bucket="bkt", Key="k", IfMatch=etag)
    assert error.code == "NoSuchKey"


async def test_delete_objects_reports_each_key(cloud: Cloud) -> None:
    await put(cloud, "bkt", "a", b"1")
    await put(cloud, "bkt", "b", b"2")
    objects = [{"Key": "a"}, {"Key": "b"}, {"Key": "never"}]
    done = await s3(cloud, "DeleteObjects", Bucket="bkt", Delete={"Objects": objects})
    assert done == {"Deleted": objects}
    assert (
        await s3(cloud, "DeleteObjects", Bucket="bkt", Delete={"Objects": objects, "Quiet": True})
        == {}
    )
    error = await s3_error(cloud, "DeleteObjects", Bucket="bkt", Delete={"Objects": []})
    assert error.code == "MalformedXML"
    too_many = [{"Key": f"k{i}"} for i in range(1001)]
    assert (
        await s3_error(cloud, "DeleteObjects", Bucket="bkt", Delete={"Objects": too_many})
    ).code == "MalformedXML"


async def test_overwrite_replaces_bytes_and_etag(cloud: Cloud) -> None:
    await put(cloud, "bkt", "k", b"first version")
    etag = await put(cloud, "bkt", "k", b"second")
    assert etag == f'"{hashlib.md5(b"second").hexdigest()}"'
    assert await get(cloud, "bkt", "k") == b"second"


@pytest.mark.parametrize("key", ["x" * 1025, "\u00e9" * 513])
async def test_keys_over_1024_bytes_are_too_long(cloud: Cloud, key: str) -> None:
    error = await s3_error(cloud, "PutObject", Bucket="bkt", Key=key, Body=b"")
    assert (error.code, error.message) == ("KeyTooLongError", "Your key is too long")


# -- ranges -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "content_range", "data"),
    [
        ("bytes=0-4", "bytes 0-4/11", b"hello"),
        ("bytes=6-", "bytes 6-10/11", b"world"),
        ("bytes=-5", "bytes 6-10/11", b"world"),
        ("bytes=6-100", "bytes 6-10/11", b"world"),
        ("bytes=-100", "bytes 0-10/11", HELLO),
        ("bytes=10-10", "bytes 10-10/11", b"d"),
    ],
)
async def test_ranges(cloud: Cloud, spec: str, content_range: str, data: bytes) -> None:
    await put(cloud, "bkt", "k", HELLO)
    got = await s3(cloud, "GetObject", Bucket="bkt", Key="k", Range=spec)
    assert got["ContentRange"] == content_range
    assert got["ContentLength"] == len(data)
    assert got["Body"].read() == data


@pytest.mark.parametrize("spec", ["bytes=11-", "bytes=20-30", "bytes=-0"])
async def test_unsatisfiable_range_is_416(cloud: Cloud, spec: str) -> None:
    await put(cloud, "bkt", "k", HELLO)
    error = await s3_error(cloud, "GetObject", Bucket="bkt", Key="k", Range=spec)
    assert (error.code, error.status, error.message) == (
        "InvalidRange",
        416,
        "The requested range is not satisfiable",
    )
    assert error.extra == {"RangeRequested": spec, "ActualObjectSize": "11"}


@pytest.mark.parametrize("spec", ["bytes=5-2", "bytes=0-1,3-4", "items=0-1", "bytes=x-"])
async def test_ranges_s3_does_not_serve_give_the_whole_object(cloud: Cloud, spec: str) -> None:
    await put(cloud, "bkt", "k", HELLO)
    got = await s3(cloud, "GetObject", Bucket="bkt", Key="k", Range=spec)
    assert "ContentRange" not in got
    assert got["Body"].read() == HELLO


async def test_head_with_a_range(cloud: Cloud) -> None:
    await put(cloud, "bkt", "k", HELLO)
    head = await s3(cloud, "HeadObject", Bucket="bkt", Key="k", Range="bytes=0-1")
    assert (head["ContentRange"], head["ContentLength"]) == ("bytes 0-1/11", 2)


# -- conditions ---------------------------------------------------------------------


async def test_read_conditions(cloud: Cloud) -> None:
    etag = await put(cloud, "bkt", "k", HELLO)
    modified = cloud.clock.now()
    before, after = modified - 60, modified + 60
    ok = {"Bucket": "bkt", "Key": "k"}
    assert (await s3(cloud, "GetObject", **ok, IfMatch=etag))["ETag"] == etag
    assert (await s3(cloud, "GetObject", **ok, IfMatch="*"))["ETag"] == etag

    def failed(error: S3Error) -> tuple[str, int]:
        return error.code, error.status

    assert failed(await s3_error(cloud, "GetObject", **ok, IfMatch='"nope"')) == (
        "PreconditionFailed",
        412,
    )
    assert failed(await s3_error(cloud, "GetObject", **ok, IfUnmodifiedSince=before)) == (
        "PreconditionFailed",
        412,
    )
    not_modified = await s3_error(cloud, "GetObject", **ok, IfNoneMatch=etag)
    assert failed(not_modified) == ("NotModified", 304)
    assert not_modified.members == {"ETag": etag, "LastModified": modified}
    assert failed(await s3_error(cloud, "HeadObject", **ok, IfModifiedSince=after)) == (
        "NotModified",
        304,
    )
    await s3(cloud, "GetObject", **ok, IfModifiedSince=before)
    await s3(cloud, "GetObject", **ok, IfUnmodifiedSince=after)
    # If-Match true wins over If-Unmodified-Since false; If-None-Match false over If-Modified-Since.
    await s3(cloud, "GetObject", **ok, IfMatch=etag, IfUnmodifiedSince=before)
    error = await s3_error(cloud, "GetObject", **ok, IfNoneMatch=etag, IfModifiedSince=before)
    assert failed(error) == ("NotModified", 304)
    await s3(cloud, "GetObject", **ok, IfNoneMatch='"other"', IfModifiedSince=after)
    # Dates as HTTP writes them are read too.
    error = await s3_error(
        cloud, "GetObject", **ok, IfUnmodifiedSince="Sun, 29 Nov 2026 08:00:00 GMT"
    )
    assert failed(error) == ("PreconditionFailed", 412)


async def test_write_conditions(cloud: Cloud) -> None:
    etag = await put(cloud, "bkt", "k", b"1")
    error = await s3_error(cloud, "PutObject", Bucket="bkt", Key="k", Body=b"2", IfNoneMatch="*")
    assert (error.code, error.status) == ("PreconditionFailed", 412)
    await put(cloud, "bkt", "new", b"2", IfNoneMatch="*")
    error = await s3_error(cloud, "PutObject", Bucket="bkt", Key="k", Body=b"2", IfMatch='"x"')
    assert error.code == "PreconditionFailed"
    await put(cloud, "bkt", "k", b"2", IfMatch=etag)
    error = await s3_error(cloud, "PutObject", Bucket="bkt", Key="absent", Body=b"", IfMatch=etag)
    assert error.code == "NoSuchKey"
    error = await s3_error(cloud, "PutObject", Bucket="bkt", Key="k", Body=b"", IfNoneMatch=etag)
    assert (error.code, error.status) == ("NotImplemented", 501)


# -- copies -------------------------------------------------------------------------


async def test_copy_keeps_metadata_unless_replaced(cloud: Cloud) -> None:
    await put(cloud, "bkt", "src key+1", HELLO, ContentType="text/plain", Metadata={"a": "1"})
    copied = await s3(cloud, "CopyObject", Bucket="bkt", Key="dst", CopySource="bkt/src%20key%2B1")
    assert copied == {
        "CopyObjectResult": {"ETag": f'"{HELLO_MD5}"', "LastModified": cloud.clock.now()}
    }
    head = await s3(cloud, "HeadObject", Bucket="bkt", Key="dst")
    assert (head["ContentType"], head["Metadata"]) == ("text/plain", {"a": "1"})
    await s3(
        cloud,
        "CopyObject",
        Bucket="bkt",
        Key="dst2",
        CopySource="/bkt/src%20key%2B1?versionId=null",
        MetadataDirective="REPLACE",
        ContentType="application/json",
        Metadata={"b": "2"},
    )
    head = await s3(cloud, "HeadObject", Bucket="bkt", Key="dst2")
    assert (head["ContentType"], head["Metadata"]) == ("application/json", {"b": "2"})
    assert await get(cloud, "bkt", "dst2") == HELLO


async def test_copy_to_itself_needs_a_change(cloud: Cloud) -> None:
    await put(cloud, "bkt", "k", HELLO)
    error = await s3_error(cloud, "CopyObject", Bucket="bkt", Key="k", CopySource="bkt/k")
    assert error.code == "InvalidRequest"
    assert error.message.startswith("This copy request is illegal because it is trying to copy")
    await s3(
        cloud,
        "CopyObject",
        Bucket="bkt",
        Key="k",
        CopySource="bkt/k",
        MetadataDirective="REPLACE",
        Metadata={"new": "yes"},
    )
    assert (await s3(cloud, "HeadObject", Bucket="bkt", Key="k"))["Metadata"] == {"new": "yes"}


async def test_copy_errors(cloud: Cloud) -> None:
    await put(cloud, "bkt", "k", HELLO)
    for source in ("bkt", "nokey/", "/bkt"):
        error = await s3_error(cloud, "CopyObject", Bucket="bkt", Key="d", CopySource=source)
        assert (error.code, error.extra["ArgumentName"]) == ("InvalidArgument", "x-amz-copy-source")
    error = await s3_error(cloud, "CopyObject", Bucket="bkt", Key="d", CopySource="bkt/missing")
    assert error.code == "NoSuchKey"
    error = await s3_error(cloud, "CopyObject", Bucket="bkt", Key="d", CopySource="gone/k")
    assert error.code == "NoSuchBucket"
    error = await s3_error(
        cloud, "CopyObject", Bucket="bkt", Key="d", CopySource="bkt/k", CopySourceIfNoneMatch="*"
    )
    assert (error.code, error.status) == ("PreconditionFailed", 412)


# -- metadata and tags --------------------------------------------------------------


async def test_user_metadata_is_limited_to_2_kb(cloud: Cloud) -> None:
    await put(cloud, "bkt", "k", b"", Metadata={"k": "v" * 2047})
    error = await s3_error(
        cloud, "PutObject", Bucket="bkt", Key="k", Body=b"", Metadata={"k": "v" * 2048}
    )
    assert (error.code, error.message, error.extra) == (
        "MetadataTooLarge",
        "Your metadata headers exceed the maximum allowed metadata size",
        {"Size": "2049", "MaxSizeAllowed": "2048"},
    )


async def test_standard_headers_and_overrides(cloud: Cloud) -> None:
    await put(
        cloud,
        "bkt",
        "k",
        HELLO,
        CacheControl="max-age=60",
        ContentEncoding="gzip,aws-chunked",
        ContentDisposition="inline",
    )
    got = await s3(
        cloud,
        "GetObject",
        Bucket="bkt",
        Key="k",
        ResponseContentType="text/csv",
        ResponseContentDisposition="attachment",
    )
    assert (got["CacheControl"], got["ContentEncoding"]) == ("max-age=60", "gzip")
    assert (got["ContentType"], got["ContentDisposition"]) == ("text/csv", "attachment")


async def test_object_tags(cloud: Cloud) -> None:
    await put(cloud, "bkt", "k", b"", Tagging="team=data&stage=raw%20files")
    assert await s3(cloud, "GetObjectTagging", Bucket="bkt", Key="k") == {
        "TagSet": [{"Key": "team", "Value": "data"}, {"Key": "stage", "Value": "raw files"}]
    }
    assert (await s3(cloud, "GetObject", Bucket="bkt", Key="k"))["TagCount"] == 2
    await s3(
        cloud,
        "PutObjectTagging",
        Bucket="bkt",
        Key="k",
        Tagging={"TagSet": [{"Key": "x", "Value": "y"}]},
    )
    assert (await s3(cloud, "GetObjectTagging", Bucket="bkt", Key="k"))["TagSet"] == [
        {"Key": "x", "Value": "y"}
    ]
    await s3(cloud, "DeleteObjectTagging", Bucket="bkt", Key="k")
    assert await s3(cloud, "GetObjectTagging", Bucket="bkt", Key="k") == {"TagSet": []}
    eleven = [{"Key": f"k{i}", "Value": "v"} for i in range(11)]
    error = await s3_error(
        cloud, "PutObjectTagging", Bucket="bkt", Key="k", Tagging={"TagSet": eleven}
    )
    assert (error.code, error.message) == ("BadRequest", "Object tags cannot be greater than 10")
    error = await s3_error(cloud, "PutObject", Bucket="bkt", Key="k", Body=b"", Tagging="a=1&a=2")
    assert (error.code, error.extra["ArgumentName"]) == ("InvalidArgument", "x-amz-tagging")


# -- Content-MD5 and checksums ------------------------------------------------------


async def test_content_md5(cloud: Cloud) -> None:
    good = base64.b64encode(hashlib.md5(HELLO).digest()).decode()
    await put(cloud, "bkt", "k", HELLO, ContentMD5=good)
    error = await s3_error(
        cloud, "PutObject", Bucket="bkt", Key="k", Body=b"other", ContentMD5=good
    )
    assert (error.code, error.message) == (
        "BadDigest",
        "The Content-MD5 you specified did not match what we received.",
    )
    for bad in ("not base64!", base64.b64encode(b"short").decode()):
        error = await s3_error(
            cloud, "PutObject", Bucket="bkt", Key="k", Body=HELLO, ContentMD5=bad
        )
        assert (error.code, error.message) == (
            "InvalidDigest",
            "The Content-MD5 you specified is not valid.",
        )
    assert await get(cloud, "bkt", "k") == HELLO


async def test_crc32_is_checked_echoed_and_returned_on_full_reads(cloud: Cloud) -> None:
    made = await s3(
        cloud, "PutObject", Bucket="bkt", Key="k", Body=HELLO, ChecksumCRC32=HELLO_CRC32
    )
    assert made == {
        "ETag": f'"{HELLO_MD5}"',
        "ChecksumCRC32": HELLO_CRC32,
        "ChecksumType": "FULL_OBJECT",
    }
    full = await s3(cloud, "GetObject", Bucket="bkt", Key="k", ChecksumMode="ENABLED")
    assert (full["ChecksumCRC32"], full["ChecksumType"]) == (HELLO_CRC32, "FULL_OBJECT")
    ranged = await s3(
        cloud, "GetObject", Bucket="bkt", Key="k", ChecksumMode="ENABLED", Range="bytes=0-1"
    )
    assert "ChecksumCRC32" not in ranged
    assert "ChecksumCRC32" not in await s3(cloud, "HeadObject", Bucket="bkt", Key="k")
    error = await s3_error(
        cloud, "PutObject", Bucket="bkt", Key="k", Body=b"other", ChecksumCRC32=HELLO_CRC32
    )
    assert (error.code, error.status, error.message) == (
        "BadDigest",
        400,
        "The CRC32 you specified did not match the calculated checksum.",
    )
    error = await s3_error(
        cloud, "PutObject", Bucket="bkt", Key="k", Body=HELLO, ChecksumCRC32="AAA"
    )
    assert (error.code, error.message) == (
        "InvalidRequest",
        "Value for x-amz-checksum-crc32 header is invalid.",
    )


async def test_algorithm_named_without_value_is_computed(cloud: Cloud) -> None:
    made = await s3(
        cloud, "PutObject", Bucket="bkt", Key="k", Body=HELLO, ChecksumAlgorithm="SHA256"
    )
    assert made["ChecksumSHA256"] == base64.b64encode(hashlib.sha256(HELLO).digest()).decode()
    listed = await s3(cloud, "ListObjectsV2", Bucket="bkt")
    assert listed["Contents"][0]["ChecksumAlgorithm"] == ["SHA256"]


async def test_checksum_mistakes(cloud: Cloud) -> None:
    error = await s3_error(
        cloud,
        "PutObject",
        Bucket="bkt",
        Key="k",
        Body=HELLO,
        ChecksumCRC32=HELLO_CRC32,
        ChecksumSHA1=base64.b64encode(hashlib.sha1(HELLO).digest()).decode(),
    )
    assert error.message == (
        "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."
    )
    error = await s3_error(
        cloud, "PutObject", Bucket="bkt", Key="k", Body=HELLO, ChecksumAlgorithm="CRC32C"
    )
    assert (error.code, error.status) == ("NotImplemented", 501)
    assert "CRC32, SHA1, SHA256, SHA512, MD5" in error.message
    error = await s3_error(
        cloud, "PutObject", Bucket="bkt", Key="k", Body=HELLO, ChecksumAlgorithm="ADLER"
    )
    assert (error.code, error.message) == (
        "InvalidRequest",
        "Value for x-amz-sdk-checksum-algorithm header is invalid.",
    )


async def test_stream_bodies_with_trailer_checksums(cloud: Cloud, tmp_path: Path) -> None:
    body = stream(b"hello", b" ", b"world", trailers={"x-amz-checksum-crc32": HELLO_CRC32})
    made = await s3(cloud, "PutObject", Bucket="bkt", Key="streamed", Body=body)
    assert made["ChecksumCRC32"] == HELLO_CRC32
    assert await get(cloud, "bkt", "streamed") == HELLO
    sha = base64.b64encode(hashlib.sha256(HELLO).digest()).decode()
    body = stream(HELLO, trailers={"x-amz-checksum-sha256": sha})
    assert (await s3(cloud, "PutObject", Bucket="bkt", Key="sha", Body=body))[
        "ChecksumSHA256"
    ] == sha
    body = stream(b"tampered", trailers={"x-amz-checksum-crc32": HELLO_CRC32})
    error = await s3_error(cloud, "PutObject", Bucket="bkt", Key="streamed", Body=body)
    assert error.code == "BadDigest"
    assert await get(cloud, "bkt", "streamed") == HELLO
    assert list((tmp_path / "s3/.skydeck/tmp").iterdir()) == []


async def test_big_stream_bodies_are_written_in_chunks(cloud: Cloud) -> None:
    chunks = [bytes([i]) * 300_000 for i in range(10)]
    etag = await put(cloud, "bkt", "big", stream(*chunks))  # type: ignore[arg-type]
    whole = b"".join(chunks)
    assert etag == f'"{hashlib.md5(whole).hexdigest()}"'
    assert await get(cloud, "bkt", "big", Range="bytes=299999-300000") == b"\x00\x01"


async def test_announced_length_over_5_gib_is_refused_before_reading(cloud: Cloud) -> None:
    reads: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        reads.append(1)
        yield b"x"

    body = ByteStream(chunks(), 5 * 1024**3 + 1)
    error = await s3_error(cloud, "PutObject", Bucket="bkt", Key="k", Body=body)
    assert (error.code, error.extra["MaxSizeAllowed"]) == ("EntityTooLarge", str(5 * 1024**3))
    assert reads == []
