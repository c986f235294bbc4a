"""Helpers for the Firehose tests, and tests of the pure parts: prefixes, object keys, the log."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import pytest

from backend.cloud import Cloud
from backend.errors import AwsError
from backend.services.firehose import FirehoseService
from backend.services.firehose.delivery_log import Delivered, DeliveryLog
from backend.services.firehose.delivery_stream import DeliveryStream
from backend.services.firehose.prefixes import compile_prefix, object_key
from backend.services.kinesis import KinesisService
from backend.services.s3 import S3Service

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/firehose-delivery"
#: 2026-11-29T09:00:00Z, where test clouds start.
START = 1_795_942_800.0
MIB = 1024 * 1024

Params = dict[str, Any]


@pytest.fixture
def cloud() -> Cloud:
    return Cloud(seed="t", services=[FirehoseService, S3Service, KinesisService])


async def firehose(cloud: Cloud, action: str, params: Params | None = None) -> dict[str, Any]:
    return await cloud.call("firehose", action, params or {})


async def firehose_error(cloud: Cloud, action: str, params: Params | None = None) -> AwsError:
    """The error `action` fails with; the test fails if it succeeds."""
    with pytest.raises(AwsError) as info:
        await cloud.call("firehose", action, params or {})
    return info.value


def s3_config(bucket: str = "bkt", **members: Any) -> Params:
    return {"RoleARN": ROLE, "BucketARN": f"arn:aws:s3:::{bucket}", **members}


async def create_stream(
    cloud: Cloud,
    name: str = "s",
    *,
    bucket: str = "bkt",
    size_mb: int | None = None,
    interval: int | None = None,
    active: bool = True,
    **members: Any,
) -> DeliveryStream:
    """A DirectPut stream to `bucket` (made first), ACTIVE unless `active` is False."""
    if bucket not in {b.name for b in cloud.service(S3Service).bucket_views()}:
        where: Params = {"Bucket": bucket}
        if cloud.region != "us-east-1":
            where["CreateBucketConfiguration"] = {"LocationConstraint": cloud.region}
        await cloud.call("s3", "CreateBucket", where)
    config = s3_config(bucket, **members)
    if size_mb is not None or interval is not None:
        config["BufferingHints"] = {"SizeInMBs": size_mb or 5, "IntervalInSeconds": interval or 300}
    await firehose(
        cloud,
        "CreateDeliveryStream",
        {"DeliveryStreamName": name, "ExtendedS3DestinationConfiguration": config},
    )
    if active:
        cloud.service(FirehoseService).activate_now(name, cloud.region)
    return stream_of(cloud, name)


def stream_of(cloud: Cloud, name: str) -> DeliveryStream:
    return cloud.service(FirehoseService).streams[(cloud.region, name)]


async def put_batch(cloud: Cloud, name: str, *records: bytes) -> dict[str, Any]:
    return await firehose(
        cloud,
        "PutRecordBatch",
        {"DeliveryStreamName": name, "Records": [{"Data": r} for r in records]},
    )


def objects(cloud: Cloud, bucket: str = "bkt") -> dict[str, bytes]:
    """Every object of `bucket`, by key, with its bytes."""
    s3 = cloud.service(S3Service)
    found: dict[str, bytes] = {}

    def walk(prefix: str) -> None:
        view = s3.folder_view(bucket, prefix)
        for item in view.objects:
            found[item.key] = item.file.read_bytes()
        for folder in view.folders:
            walk(folder)

    walk("")
    return found


# -- prefixes and keys ------------------------------------------------------------

MOMENT = datetime(2018, 8, 27, 10, 30, 5, 123456, tzinfo=UTC)


def render(text: str, *, error_output: bool = False) -> str:
    return compile_prefix(text, error_output=error_output).render(MOMENT, random.Random(1))


def test_a_prefix_without_expressions_gets_the_hour_path() -> None:
    assert render("") == "2018/08/27/10/"
    assert render("logs/") == "logs/2018/08/27/10/"


def test_timestamp_expressions_use_java_pattern_letters() -> None:
    assert render("y=!{timestamp:yyyy}/m=!{timestamp:MM}/d=!{timestamp:dd}/h=!{timestamp:HH}/") == (
        "y=2018/m=08/d=27/h=10/"
    )
    assert render("!{timestamp:yyyy'-'MM'-'dd}/") == "2018-08-27/"
    assert render("!{timestamp:yy.M.d H:m:s}") == "18.8.27 10:30:5"
    assert render("!{timestamp:MMM MMMM EEE EEEE D a SSS}") == ("Aug August Mon Monday 239 AM 123")
    assert render("!{timestamp:''yyyy''}") == "'2018'"


def test_random_string_is_eleven_characters_drawn_per_render() -> None:
    template = compile_prefix("r=!{firehose:random-string}/")
    rng = random.Random(7)
    first, second = template.render(MOMENT, rng), template.render(MOMENT, rng)
    assert len(first) == len("r=/") + 11 and first != second
    assert first[2:13] == first[2:13].lower() and first[10] == "-"


def test_error_output_type_only_in_the_error_prefix() -> None:
    assert render("e/!{firehose:error-output-type}/", error_output=True) == "e/processing-failed/"
    with pytest.raises(AwsError) as info:
        compile_prefix("!{firehose:error-output-type}/")
    assert info.value.code == "InvalidArgumentException"
    assert "can only be used in ErrorOutputPrefix" in info.value.message


@pytest.mark.parametrize(
    ("prefix", "words"),
    [
        ("!{timestamp:yyyy", "is not a valid expression"),
        ("!{time:yyyy}", "the namespace must be"),
        ("!{firehose:nope}", "random-string or error-output-type"),
        ("!{timestamp:qq}", "unsupported pattern letter 'q'"),
        ("!{timestamp:'yyyy}", "unterminated quote"),
        ("!{partitionKeyFromQuery:id}", "dynamic partitioning is enabled"),
    ],
)
def test_bad_expressions_are_refused(prefix: str, words: str) -> None:
    with pytest.raises(AwsError) as info:
        compile_prefix(prefix)
    assert info.value.code == "InvalidArgumentException"
    assert info.value.message.startswith(
        "The supplied prefix(es) do not satisfy the following constraint: "
    )
    assert words in info.value.message


def test_object_key_is_prefix_stream_version_time_uuid_extension() -> None:
    key = object_key(
        compile_prefix(""), "orders", 3, MOMENT.timestamp(), UTC, random.Random(2), ".gz"
    )
    head, uuid_and_ext = key[: -len("8c5e7a2c-2b8b-4c7a-9d61-3a5f0c1e9b77.gz")], key[-39:]
    assert head == "2018/08/27/10/orders-3-2018-08-27-10-30-05-"
    assert uuid_and_ext.endswith(".gz") and uuid_and_ext[14] == "4"
    again = object_key(
        compile_prefix(""), "orders", 3, MOMENT.timestamp(), UTC, random.Random(2), ".gz"
    )
    assert again == key


def test_the_delivery_log_keeps_the_newest_within_its_budget() -> None:
    log = DeliveryLog(budget=1000)
    for i in range(50):
        log.add(Delivered(float(i), "bkt", f"key-{i:03d}", 10, 1))
    kept = log.latest(100)
    assert kept[0].key == "key-049" and len(kept) == len(log) < 50
    assert sum(len(d.key) + len(d.bucket) + 96 for d in log) <= 1000
    assert [d.key for d in log.latest(2)] == ["key-049", "key-048"]
