"""S3 over the endpoint, as boto3 and the aws CLI speak it (REST-XML, AWS_FACTS §16).

Path-style requests (what a custom endpoint gets by default), a virtual-hosted
request by its Host header, objects over the 8 MiB multipart threshold both
ways with the default flexible checksums, errors as SDKs parse them, and the
commands people type (`aws s3 mb/cp/ls/sync/rm`).
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from botocore.exceptions import ClientError

from backend.cloud import DEFAULT_START
from tests.wire.aws_cli import AwsCli
from tests.wire.live import TIMEOUT, Live


def test_objects_round_trip_with_metadata_and_listing(live: Live) -> None:
    s3 = live.client("s3")
    s3.create_bucket(Bucket="photos")
    put = s3.put_object(
        Bucket="photos",
        Key="2026/red flower+1.txt",
        Body=b"hello world",
        ContentType="text/plain",
        Metadata={"camera": "x100"},
    )
    assert put["ETag"] == '"5eb63bbbe01eeed093cb22bb8f5acdc3"'
    assert put["ChecksumCRC32"] == "DUoRhQ=="
    got = s3.get_object(Bucket="photos", Key="2026/red flower+1.txt", ChecksumMode="ENABLED")
    assert got["Body"].read() == b"hello world"
    assert (got["ContentType"], got["Metadata"]) == ("text/plain", {"camera": "x100"})
    listed = s3.list_objects_v2(Bucket="photos", Prefix="2026/", Delimiter="/")
    assert [o["Key"] for o in listed["Contents"]] == ["2026/red flower+1.txt"]
    ranged = s3.get_object(Bucket="photos", Key="2026/red flower+1.txt", Range="bytes=6-")
    assert (ranged["Body"].read(), ranged["ContentRange"]) == (b"world", "bytes 6-10/11")


def test_a_gzip_object_is_stored_as_sent(live: Live) -> None:
    """`Content-Encoding: gzip` on PutObject describes the object: S3 keeps its bytes."""
    s3 = live.client("s3")
    s3.create_bucket(Bucket="logs")
    packed = gzip.compress(b"line one\nline two\n" * 100)
    put = s3.put_object(Bucket="logs", Key="app.log.gz", Body=packed, ContentEncoding="gzip")
    assert put["ETag"] == f'"{hashlib.md5(packed).hexdigest()}"'
    got = s3.get_object(Bucket="logs", Key="app.log.gz")
    assert got["ContentEncoding"] == "gzip"
    assert got["Body"].read() == packed


def test_errors_are_what_sdks_expect(live: Live) -> None:
    s3 = live.client("s3")
    s3.create_bucket(Bucket="bkt")
    with pytest.raises(ClientError) as missing:
        s3.get_object(Bucket="bkt", Key="nope")
    assert missing.value.response["Error"]["Code"] == "NoSuchKey"
    assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(ClientError) as head:
        s3.head_object(Bucket="bkt", Key="nope")
    assert head.value.response["Error"]["Code"] == "404"
    s3.put_object(Bucket="bkt", Key="k", Body=b"x")
    with pytest.raises(ClientError) as full:
        s3.delete_bucket(Bucket="bkt")
    assert full.value.response["Error"]["Code"] == "BucketNotEmpty"
    with pytest.raises(ClientError) as bad:
        s3.create_bucket(Bucket="Not_A_Bucket")
    assert bad.value.response["Error"]["Code"] == "InvalidBucketName"


def test_twenty_mib_both_ways_through_multipart(live: Live, tmp_path: Path) -> None:
    s3 = live.client("s3")
    s3.create_bucket(Bucket="big")
    data = os.urandom(20 * 1024 * 1024)
    source = tmp_path / "in.bin"
    source.write_bytes(data)
    s3.upload_file(str(source), "big", "blob.bin")
    head = s3.head_object(Bucket="big", Key="blob.bin")
    parts = [data[i : i + 8 * 1024 * 1024] for i in range(0, len(data), 8 * 1024 * 1024)]
    digest = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest()
    assert head["ETag"] == f'"{digest}-3"'
    target = tmp_path / "out.bin"
    s3.download_file("big", "blob.bin", str(target))
    assert target.read_bytes() == data


def test_a_virtual_hosted_request_names_its_bucket_in_the_host(live: Live) -> None:
    live.client("s3").create_bucket(Bucket="vhost")
    live.client("s3").put_object(Bucket="vhost", Key="k.txt", Body=b"by host")
    port = urlsplit(live.url).port
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    conn.request("GET", "/k.txt", headers={"Host": f"vhost.localhost:{port}"})
    reply = conn.getresponse()
    assert (reply.status, reply.read()) == (200, b"by host")


def test_object_calls_are_data_events_bucket_calls_management(live: Live) -> None:
    s3 = live.client("s3")
    s3.create_bucket(Bucket="trail")
    s3.put_object(Bucket="trail", Key="k", Body=b"x")
    management = {e.action for e in live.call(lambda: list(live.cloud.trail.management))}
    assert "CreateBucket" in management
    assert "PutObject" not in management


# -- the aws CLI -----------------------------------------------------------------------


def aws(cli: AwsCli, *args: str) -> str:
    done = cli.run(*args)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.awscli
def test_the_s3_commands_verbatim(cli: AwsCli, tmp_path: Path) -> None:
    folder = tmp_path / "site"
    (folder / "css").mkdir(parents=True)
    (folder / "index.html").write_text("<h1>hi</h1>")
    (folder / "css" / "a.css").write_text("h1 {}")
    big = tmp_path / "video.bin"
    big.write_bytes(os.urandom(20 * 1024 * 1024))
    # LastModified is simulated time (the scenario's 2026-11-29): files older than it
    # are "not newer", so a second sync has nothing to do, as against AWS.
    for path in (*folder.rglob("*"), big):
        os.utime(path, (DEFAULT_START - 3600, DEFAULT_START - 3600))
    aws(cli, "s3", "mb", "s3://site")
    aws(cli, "s3", "sync", str(folder), "s3://site/www")
    aws(cli, "s3", "cp", str(big), "s3://site/video.bin")
    listing = aws(cli, "s3", "ls", "--recursive", "s3://site")
    assert "www/index.html" in listing and "www/css/a.css" in listing
    assert "20971520 video.bin" in listing
    back = tmp_path / "back.bin"
    aws(cli, "s3", "cp", "s3://site/video.bin", str(back))
    assert back.read_bytes() == big.read_bytes()
    assert aws(cli, "s3", "sync", str(folder), "s3://site/www").strip() == ""
    aws(cli, "s3", "rm", "--recursive", "s3://site/www")
    aws(cli, "s3api", "delete-object", "--bucket", "site", "--key", "video.bin")
    aws(cli, "s3", "rb", "s3://site")
    assert "site" not in aws(cli, "s3", "ls")
