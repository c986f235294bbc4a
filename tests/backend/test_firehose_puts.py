"""PutRecord and PutRecordBatch: sizes, counts, partial failures and the direct-put quota."""

from __future__ import annotations

from typing import Any

import pytest

from backend.cloud import Cloud
from backend.services.firehose import FirehoseService
from backend.services.firehose.limits import TRANSITION
from backend.services.kinesis import KinesisService
from backend.services.s3 import S3Service
from tests.backend.test_firehose_helpers import (
    ACCOUNT,
    MIB,
    cloud,
    create_stream,
    firehose,
    firehose_error,
    put_batch,
    stream_of,
)

__all__ = ["cloud"]

SLOW_DOWN = {"ErrorCode": "ServiceUnavailableException", "ErrorMessage": "Slow down."}


async def test_put_record_answers_a_record_id(cloud: Cloud) -> None:
    await create_stream(cloud)
    put = await firehose(cloud, "PutRecord", {"DeliveryStreamName": "s", "Record": {"Data": b"x"}})
    assert put["Encrypted"] is False
    assert len(put["RecordId"]) == 168
    assert stream_of(cloud, "s").courier.buffer.records == [b"x"]


async def test_put_record_batch_answers_in_order(cloud: Cloud) -> None:
    await create_stream(cloud)
    batch = await put_batch(cloud, "s", b"a", b"b", b"c")
    assert batch["FailedPutCount"] == 0 and batch["Encrypted"] is False
    ids = [r["RecordId"] for r in batch["RequestResponses"]]
    assert len(set(ids)) == 3
    assert stream_of(cloud, "s").courier.buffer.records == [b"a", b"b", b"c"]


@pytest.mark.parametrize(
    ("params", "code", "message"),
    [
        (
            {"DeliveryStreamName": "s", "Records": []},
            "ValidationException",
            "1 validation error detected: Value '[]' at 'records' failed to satisfy constraint: "
            "Member must have length greater than or equal to 1",
        ),
        (
            {"DeliveryStreamName": "s", "Records": [{"Data": b"x"}] * 501},
            "ValidationException",
            "at 'records' failed to satisfy constraint: Member must have length less than or "
            "equal to 500",
        ),
        (
            {"DeliveryStreamName": "s", "Records": [{"Data": b"x"}, {"Data": b"y" * 1_024_001}]},
            "ValidationException",
            "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=1024001 "
            "cap=1024001]' at 'records.2.member.data' failed to satisfy constraint: Member must "
            "have length less than or equal to 1024000",
        ),
        (
            {"DeliveryStreamName": "s", "Records": [{}]},
            "ValidationException",
            "Value null at 'records.1.member.data' failed to satisfy constraint: Member must not "
            "be null",
        ),
        (
            {"DeliveryStreamName": "s", "Records": [{"Data": "text"}]},
            "SerializationException",
            "Value at 'records.1.member.data' of JSON type str can not be converted to a Blob.",
        ),
        (
            {"DeliveryStreamName": "s", "Records": ["x"]},
            "SerializationException",
            "can not be converted to a structure",
        ),
        (
            {"DeliveryStreamName": "a/b", "Records": [{"Data": b"x"}]},
            "ValidationException",
            "Value 'a/b' at 'deliveryStreamName' failed to satisfy constraint: Member must satisfy "
            "regular expression pattern: [a-zA-Z0-9_.-]+",
        ),
        (
            {"DeliveryStreamName": "s", "Records": [{"Data": b"x" * 1_000_000}] * 5},
            "InvalidArgumentException",
            "Records size exceeds 4 MB limit",
        ),
    ],
)
async def test_bad_batches_are_refused_as_aws_does(
    cloud: Cloud, params: dict[str, Any], code: str, message: str
) -> None:
    await create_stream(cloud)
    error = await firehose_error(cloud, "PutRecordBatch", params)
    assert error.code == code
    assert message in error.message
    assert len(stream_of(cloud, "s").courier.buffer) == 0


async def test_a_batch_of_exactly_4_mib_and_a_record_of_1000_kib_are_taken(cloud: Cloud) -> None:
    await create_stream(cloud, size_mb=128, interval=900)
    record = b"r" * 1_024_000
    tail = b"t" * (4 * MIB - 4 * len(record))
    batch = await put_batch(cloud, "s", record, record, record, record, tail)
    assert batch["FailedPutCount"] == 0


@pytest.mark.parametrize(
    ("params", "code", "words"),
    [
        ({"DeliveryStreamName": "s"}, "ValidationException", "at 'record' failed to satisfy"),
        ({"DeliveryStreamName": "s", "Record": {}}, "ValidationException", "'record.data'"),
        (
            {"DeliveryStreamName": "s", "Record": {"Data": b"x" * 1_024_001}},
            "ValidationException",
            "Value 'java.nio.HeapByteBuffer[pos=0 lim=1024001 cap=1024001]' at 'record.data'",
        ),
        ({"DeliveryStreamName": "s", "Record": "x"}, "SerializationException", "'record'"),
    ],
)
async def test_bad_put_records_are_refused(
    cloud: Cloud, params: dict[str, Any], code: str, words: str
) -> None:
    await create_stream(cloud)
    error = await firehose_error(cloud, "PutRecord", params)
    assert (error.code, words in error.message) == (code, True)


async def test_a_stream_not_yet_active_is_not_found_for_puts(cloud: Cloud) -> None:
    await create_stream(cloud, active=False)
    error = await firehose_error(
        cloud, "PutRecordBatch", {"DeliveryStreamName": "s", "Records": [{"Data": b"x"}]}
    )
    assert (error.code, error.message) == (
        "ResourceNotFoundException",
        f"Firehose s under account {ACCOUNT} not found.",
    )
    await cloud.clock.advance(TRANSITION)
    assert (await put_batch(cloud, "s", b"x"))["FailedPutCount"] == 0


async def test_records_over_5000_a_second_fail_one_by_one(cloud: Cloud) -> None:
    await create_stream(cloud, size_mb=128, interval=900)
    for _ in range(10):
        assert (await put_batch(cloud, "s", *[b"x"] * 500))["FailedPutCount"] == 0
    over = await put_batch(cloud, "s", *[b"y"] * 3)
    assert over["FailedPutCount"] == 3
    assert over["RequestResponses"] == [SLOW_DOWN] * 3
    await cloud.clock.advance(1)
    for _ in range(10):
        assert (await put_batch(cloud, "s", *[b"z"] * 500))["FailedPutCount"] == 0
    mixed = await put_batch(cloud, "s", b"w")
    assert mixed["RequestResponses"] == [SLOW_DOWN]
    assert stream_of(cloud, "s").counters.throttled == 4
    throttled = cloud.metrics.find("AWS/Firehose", "ThrottledRecords", {"DeliveryStreamName": "s"})
    assert throttled is not None
    assert [(b.count, b.total) for b in throttled.bins(0, 2**40)] == [(1, 3.0), (1, 1.0)]


async def test_bytes_over_5_mib_a_second_fail_the_records_that_do_not_fit(cloud: Cloud) -> None:
    await create_stream(cloud, size_mb=128, interval=900)
    big = b"b" * 1_000_000
    first = await put_batch(cloud, "s", big, big, big, big)
    second = await put_batch(cloud, "s", big, b"small", big)
    assert first["FailedPutCount"] == 0
    assert second["FailedPutCount"] == 1
    assert [("RecordId" in r) for r in second["RequestResponses"]] == [True, True, False]
    assert second["RequestResponses"][2] == SLOW_DOWN


async def test_requests_over_2000_a_second_are_refused_whole(cloud: Cloud) -> None:
    await create_stream(cloud, size_mb=128, interval=900)
    for _ in range(2000):
        await firehose(cloud, "PutRecord", {"DeliveryStreamName": "s", "Record": {"Data": b""}})
    error = await firehose_error(
        cloud, "PutRecord", {"DeliveryStreamName": "s", "Record": {"Data": b""}}
    )
    assert (error.code, error.message, error.status) == (
        "ServiceUnavailableException",
        "Slow down.",
        503,
    )
    error = await firehose_error(
        cloud, "PutRecordBatch", {"DeliveryStreamName": "s", "Records": [{"Data": b""}]}
    )
    assert error.code == "ServiceUnavailableException"


async def test_smaller_regions_have_smaller_quotas() -> None:
    cloud = Cloud(
        seed="t", region="ap-south-1", services=[FirehoseService, S3Service, KinesisService]
    )
    await create_stream(cloud, size_mb=128, interval=900)
    batch = await put_batch(cloud, "s", *[b"x"] * 500)
    again = await put_batch(cloud, "s", *[b"x"] * 500)
    third = await put_batch(cloud, "s", *[b"x"] * 500)
    assert (batch["FailedPutCount"], again["FailedPutCount"], third["FailedPutCount"]) == (
        0,
        0,
        500,
    )


async def test_a_kinesis_source_stream_refuses_direct_puts(cloud: Cloud) -> None:
    await cloud.call("kinesis", "CreateStream", {"StreamName": "k", "ShardCount": 1})
    await firehose(
        cloud,
        "CreateDeliveryStream",
        {
            "DeliveryStreamName": "s",
            "DeliveryStreamType": "KinesisStreamAsSource",
            "KinesisStreamSourceConfiguration": {
                "KinesisStreamARN": f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/k",
                "RoleARN": f"arn:aws:iam::{ACCOUNT}:role/r",
            },
            "ExtendedS3DestinationConfiguration": {
                "RoleARN": f"arn:aws:iam::{ACCOUNT}:role/r",
                "BucketARN": "arn:aws:s3:::bkt",
            },
        },
    )
    puts: list[tuple[str, dict[str, Any]]] = [
        ("PutRecord", {"DeliveryStreamName": "s", "Record": {"Data": b"x"}}),
        ("PutRecordBatch", {"DeliveryStreamName": "s", "Records": [{"Data": b"x"}]}),
    ]
    for action, params in puts:
        error = await firehose_error(cloud, action, params)
        assert (error.code, error.message) == (
            "InvalidArgumentException",
            "This operation is not permitted on KinesisStreamAsSource delivery stream type.",
        )
