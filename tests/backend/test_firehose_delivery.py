"""Buffering and delivery to S3: when a buffer flushes, what the object is called and holds."""

from __future__ import annotations

import gzip

from backend.bus import CloudEvent
from backend.cloud import Cloud
from backend.services.firehose import FirehoseService
from backend.services.firehose.delivery_stream import DeliveryStream
from backend.services.firehose.limits import RETENTION, RETRY_INTERVAL
from backend.services.kinesis import KinesisService
from backend.services.s3 import S3Service
from tests.backend.test_firehose_helpers import (
    MIB,
    START,
    cloud,
    create_stream,
    firehose,
    objects,
    put_batch,
    stream_of,
)

__all__ = ["cloud"]


def failing(stream: DeliveryStream) -> str | None:
    """The error the stream's deliveries fail with (read fresh: it changes on the clock)."""
    return stream.courier.failing


def events(cloud: Cloud) -> list[CloudEvent]:
    seen: list[CloudEvent] = []
    cloud.bus.subscribe(seen.append)
    return seen


async def test_a_buffer_flushes_when_the_interval_has_passed_since_its_first_record(
    cloud: Cloud,
) -> None:
    await create_stream(cloud, interval=60, size_mb=1)
    await cloud.clock.advance(10)
    await put_batch(cloud, "s", b"one\n")
    await cloud.clock.advance(30)
    await put_batch(cloud, "s", b"two\n")
    await cloud.clock.advance(29.999)
    assert objects(cloud) == {}
    await cloud.clock.advance(0.001)
    assert list(objects(cloud).values()) == [b"one\ntwo\n"]
    assert cloud.clock.now() == START + 70


async def test_a_buffer_flushes_at_once_when_it_reaches_size_in_mbs(cloud: Cloud) -> None:
    await create_stream(cloud, size_mb=1, interval=900)
    half = b"x" * (MIB // 2)
    await put_batch(cloud, "s", half)
    await cloud.clock.advance(3)
    await put_batch(cloud, "s", half)
    await cloud.clock.advance(0)
    delivered = objects(cloud)
    assert list(delivered.values()) == [half + half]
    assert cloud.clock.now() == START + 3
    assert len(stream_of(cloud, "s").courier.buffer) == 0


async def test_a_record_that_would_overflow_the_buffer_flushes_it_first(cloud: Cloud) -> None:
    await create_stream(cloud, size_mb=1, interval=900)
    big = b"a" * 600_000
    await put_batch(cloud, "s", big, b"b" * 600_000)
    await cloud.clock.advance(0)
    assert list(objects(cloud).values()) == [big]
    assert stream_of(cloud, "s").courier.buffer.size == 600_000


async def test_records_are_concatenated_with_no_delimiter(cloud: Cloud) -> None:
    await create_stream(cloud, interval=60)
    await put_batch(cloud, "s", b'{"a":1}', b'{"b":2}', b"")
    await firehose(cloud, "PutRecord", {"DeliveryStreamName": "s", "Record": {"Data": b"tail"}})
    await cloud.clock.advance(60)
    assert list(objects(cloud).values()) == [b'{"a":1}{"b":2}tail']


async def test_the_default_key_uses_the_oldest_records_utc_hour(cloud: Cloud) -> None:
    await create_stream(cloud, interval=300)
    await cloud.clock.advance(3599 - 5)
    await put_batch(cloud, "s", b"late in the hour")
    await cloud.clock.advance(300)
    (key,) = objects(cloud)
    assert key.startswith("2026/11/29/09/s-1-2026-11-29-09-59-54-")
    uuid = key.rsplit("-09-59-54-", 1)[1]
    assert len(uuid) == 36 and uuid[14] == "4"


async def test_object_names_are_the_same_for_the_same_seed() -> None:
    async def keys(seed: str) -> list[str]:
        cloud = Cloud(seed=seed, services=[FirehoseService, S3Service, KinesisService])
        await create_stream(
            cloud, interval=60, Prefix="!{firehose:random-string}/", ErrorOutputPrefix="e/"
        )
        for n in range(3):
            await put_batch(cloud, "s", b"x" * n)
            await cloud.clock.advance(60)
        return sorted(objects(cloud))

    first = await keys("same")
    assert len(first) == 3
    assert await keys("same") == first
    assert await keys("other") != first


async def test_custom_prefixes_are_evaluated_per_object(cloud: Cloud) -> None:
    await create_stream(
        cloud,
        interval=60,
        Prefix="year=!{timestamp:yyyy}/hour=!{timestamp:HH}/!{firehose:random-string}/",
        ErrorOutputPrefix="errors/!{firehose:error-output-type}/",
    )
    await put_batch(cloud, "s", b"a")
    await cloud.clock.advance(60)
    await put_batch(cloud, "s", b"b")
    await cloud.clock.advance(60)
    keys = sorted(objects(cloud))
    assert len(keys) == 2
    for key in keys:
        year, hour, random_part, name = key.split("/")
        assert (year, hour) == ("year=2026", "hour=09")
        assert len(random_part) == 11
        assert name.startswith("s-1-2026-11-29-09-0")
    assert keys[0].split("/")[2] != keys[1].split("/")[2]


async def test_a_plain_prefix_gets_the_hour_path_and_a_time_zone_applies(cloud: Cloud) -> None:
    await create_stream(cloud, interval=60, Prefix="logs/", CustomTimeZone="Asia/Tokyo")
    await put_batch(cloud, "s", b"a")
    await cloud.clock.advance(60)
    (key,) = objects(cloud)
    assert key.startswith("logs/2026/11/29/18/s-1-2026-11-29-18-00-00-")


async def test_gzip_objects_end_in_gz_and_decompress_to_the_records(cloud: Cloud) -> None:
    await create_stream(cloud, interval=60, CompressionFormat="GZIP")
    await put_batch(cloud, "s", *[f'{{"n":{i}}}\n'.encode() for i in range(100)])
    await cloud.clock.advance(60)
    ((key, body),) = objects(cloud).items()
    assert key.endswith(".gz")
    assert gzip.decompress(body) == b"".join(f'{{"n":{i}}}\n'.encode() for i in range(100))


async def test_a_file_extension_overrides_the_compressions(cloud: Cloud) -> None:
    await create_stream(cloud, interval=60, CompressionFormat="GZIP", FileExtension=".json.gz")
    await put_batch(cloud, "s", b"{}")
    await cloud.clock.advance(60)
    (key,) = objects(cloud)
    assert key.endswith(".json.gz") and not key.endswith(".gz.json.gz")


async def test_an_update_flushes_what_arrived_under_the_old_version(cloud: Cloud) -> None:
    await create_stream(cloud, interval=300)
    await put_batch(cloud, "s", b"old")
    await cloud.clock.advance(10)
    await firehose(
        cloud,
        "UpdateDestination",
        {
            "DeliveryStreamName": "s",
            "CurrentDeliveryStreamVersionId": "1",
            "DestinationId": "destinationId-000000000001",
            "ExtendedS3DestinationUpdate": {
                "Prefix": "v2/",
                "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60},
            },
        },
    )
    await cloud.clock.advance(0)
    (first,) = objects(cloud)
    assert first.startswith("2026/11/29/09/s-1-")
    await put_batch(cloud, "s", b"new")
    await cloud.clock.advance(60)
    second = next(k for k in objects(cloud) if k != first)
    assert second.startswith("v2/2026/11/29/09/s-2-")


async def test_a_missing_bucket_is_retried_every_five_seconds_until_it_appears(
    cloud: Cloud,
) -> None:
    seen = events(cloud)
    await create_stream(cloud, bucket="later", interval=60)
    await cloud.call("s3", "DeleteBucket", {"Bucket": "later"})
    await put_batch(cloud, "s", b"kept")
    await cloud.clock.advance(60)
    stream = stream_of(cloud, "s")
    assert failing(stream) == "NoSuchBucket" and len(stream.courier.outbox) == 1
    await put_batch(cloud, "s", b"queued")
    await cloud.clock.advance(100)
    assert len(stream.courier.outbox) == 2
    attempts = [e for e in cloud.trail.data if e.action == "PutObject"]
    assert [e.time - START for e in attempts[:3]] == [60, 65, 70]
    await cloud.call("s3", "CreateBucket", {"Bucket": "later"})
    await cloud.clock.advance(RETRY_INTERVAL)
    assert sorted(objects(cloud, "later").values()) == [b"kept", b"queued"]
    assert failing(stream) is None and not stream.courier.outbox
    kinds = [e.kind for e in seen]
    assert kinds.count("DeliveryToS3Failed") == 1
    assert kinds.index("DeliveryToS3Recovered") < kinds.index("DeliveredToS3")
    success = cloud.metrics.find(
        "AWS/Firehose", "DeliveryToS3.Success", {"DeliveryStreamName": "s"}
    )
    assert success is not None
    points = [(b.count, b.total) for b in success.bins(0, 2**40)]
    assert points[0] == (1.0, 0.0) and points[-1][1] >= 1


async def test_data_undelivered_for_24_hours_is_dropped(cloud: Cloud) -> None:
    seen = events(cloud)
    await create_stream(cloud, bucket="gone", interval=60)
    await cloud.call("s3", "DeleteBucket", {"Bucket": "gone"})
    await put_batch(cloud, "s", b"doomed", b"too")
    await cloud.clock.advance(60)
    flushed = cloud.clock.now()
    await cloud.clock.advance(RETENTION - 0.001)
    stream = stream_of(cloud, "s")
    assert len(stream.courier.outbox) == 1
    await cloud.clock.advance(0.001)
    assert not stream.courier.outbox
    assert (stream.counters.dropped_records, stream.counters.dropped_bytes) == (2, 9)
    dropped = [e for e in seen if e.kind == "DeliveryToS3Dropped"]
    assert len(dropped) == 1 and dropped[0].time == flushed + RETENTION
    assert dropped[0].severity == "error" and "NoSuchBucket" in dropped[0].summary
    await cloud.call("s3", "CreateBucket", {"Bucket": "gone"})
    await cloud.clock.advance(60)
    assert objects(cloud, "gone") == {}


async def test_s3_writes_show_firehose_as_invoked_by_in_the_trail(cloud: Cloud) -> None:
    await create_stream(cloud, interval=60)
    await put_batch(cloud, "s", b"x")
    await cloud.clock.advance(60)
    (write,) = [e for e in cloud.trail.data if e.action == "PutObject"]
    record = write.record()
    assert record["userIdentity"] == {"type": "AWSService", "invokedBy": "firehose.amazonaws.com"}
    assert record["eventSource"] == "s3.amazonaws.com"
    puts = [e for e in cloud.trail.data if e.action == "PutRecordBatch"]
    assert len(puts) == 1 and puts[0].record()["eventCategory"] == "Data"
    creates = [e for e in cloud.trail.management if e.action == "CreateDeliveryStream"]
    assert creates[0].record()["resources"] == [
        {
            "accountId": cloud.account,
            "type": "AWS::KinesisFirehose::DeliveryStream",
            "ARN": "arn:aws:firehose:us-east-1:123456789012:deliverystream/s",
        }
    ]


async def test_delivery_publishes_its_metrics_and_a_bus_event(cloud: Cloud) -> None:
    seen = events(cloud)
    await create_stream(cloud, interval=60)
    await cloud.clock.advance(30)
    await put_batch(cloud, "s", b"abc", b"de")
    await cloud.clock.advance(60)

    def total(metric: str) -> float:
        series = cloud.metrics.find("AWS/Firehose", metric, {"DeliveryStreamName": "s"})
        assert series is not None
        return sum(b.total for b in series.bins(0, 2**40))

    assert total("IncomingRecords") == 2 and total("IncomingBytes") == 5
    assert total("IncomingPutRequests") == 1 and total("PutRecordBatch.Records") == 2
    assert total("DeliveryToS3.Records") == 2 and total("DeliveryToS3.Bytes") == 5
    assert total("DeliveryToS3.Success") == 1 and total("DeliveryToS3.ObjectCount") == 1
    freshness = cloud.metrics.find(
        "AWS/Firehose", "DeliveryToS3.DataFreshness", {"DeliveryStreamName": "s"}
    )
    assert freshness is not None
    assert [(b.second - START, b.total) for b in freshness.bins(0, 2**40)] == [(60, 30.0)]
    (delivered,) = [e for e in seen if e.kind == "DeliveredToS3"]
    (key,) = objects(cloud)
    assert delivered.summary == f"s: 2 records (5 B) to s3://bkt/{key}"
    assert delivered.resource == "arn:aws:firehose:us-east-1:123456789012:deliverystream/s"
    view = cloud.service(FirehoseService).deliveries("s")
    assert [(d.key, d.size, d.records) for d in view] == [(key, 5, 2)]
