"""Per-shard limits on the virtual clock: 1,000 records/s and 1 MiB/s in; 5 reads/s, 2 MiB/s out."""

from __future__ import annotations

from backend.bus import CloudEvent
from backend.cloud import Cloud
from backend.metrics import Series
from backend.services.kinesis.hashing import hash_key
from tests.backend.test_kinesis_helpers import (
    ACCOUNT,
    cloud,
    create_stream,
    kinesis,
    kinesis_error,
    put,
    shard_id,
    shard_iterator,
)

__all__ = ["cloud"]

MIB = 1024 * 1024
SHARD = shard_id(0)
THROTTLED = f"Rate exceeded for shard {SHARD} in stream s under account {ACCOUNT}."


async def put_many(cloud: Cloud, count: int, size: int = 1) -> dict[str, object]:
    records = [{"PartitionKey": "k", "Data": b"x" * size} for _ in range(count)]
    return await kinesis(cloud, "PutRecords", {"StreamName": "s", "Records": records})


def total(cloud: Cloud, name: str, dims: dict[str, str] | None = None) -> float:
    series = cloud.metrics.find("AWS/Kinesis", name, dims or {"StreamName": "s"})
    assert isinstance(series, Series), name
    return sum(b.total for b in series.bins(0, 2**40))


async def test_write_throttling_starts_at_1000_records_a_second_and_stops_as_it_refills(
    cloud: Cloud,
) -> None:
    await create_stream(cloud, shards=1)
    assert (await put_many(cloud, 500))["FailedRecordCount"] == 0
    assert (await put_many(cloud, 499))["FailedRecordCount"] == 0
    await put(cloud, "k", b"x")  # the 1,000th record this second
    error = await kinesis_error(
        cloud, "PutRecord", {"StreamName": "s", "PartitionKey": "k", "Data": b"x"}
    )
    assert (error.code, error.message) == ("ProvisionedThroughputExceededException", THROTTLED)
    # One and a half records' worth of refill (a millisecond is not exact at epoch
    # seconds in floating point): one more record, then throttled again.
    await cloud.clock.advance(0.0015)
    await put(cloud, "k", b"x")
    assert (
        await kinesis_error(
            cloud, "PutRecord", {"StreamName": "s", "PartitionKey": "k", "Data": b"x"}
        )
    ).code == ("ProvisionedThroughputExceededException")
    await cloud.clock.advance(1)
    assert (await put_many(cloud, 500))["FailedRecordCount"] == 0


async def test_write_throttling_at_one_mib_a_second_counts_the_partition_key(cloud: Cloud) -> None:
    await create_stream(cloud, shards=1)
    await put(cloud, "k", b"x" * (MIB - 1))  # 1 MiB with its one-byte key: the whole second
    error = await kinesis_error(
        cloud, "PutRecord", {"StreamName": "s", "PartitionKey": "k", "Data": b""}
    )
    assert error.code == "ProvisionedThroughputExceededException"
    await cloud.clock.advance(0.5)
    await put(cloud, "kk", b"x" * (MIB // 2 - 2))
    error = await kinesis_error(
        cloud, "PutRecord", {"StreamName": "s", "PartitionKey": "k", "Data": b""}
    )
    assert error.code == "ProvisionedThroughputExceededException"


async def test_put_records_fails_per_record_and_keeps_order(cloud: Cloud) -> None:
    await create_stream(cloud, shards=2)
    hot = {"PartitionKey": "k", "Data": b"x"}
    hot_shard = (await put(cloud, "k", b"x"))["ShardId"]
    other_key = next(
        f"o{i}" for i in range(100) if (hash_key(f"o{i}") < 2**127) != (hot_shard == SHARD)
    )
    await put_many(cloud, 500)
    await put_many(cloud, 100)  # 601 records on the hot shard this second: 399 more fit
    batch = [hot] * 398 + [{"PartitionKey": other_key, "Data": b"y"}] + [hot] * 101
    response = await kinesis(cloud, "PutRecords", {"StreamName": "s", "Records": batch})
    results = response["Records"]
    assert len(results) == len(batch)
    ok = [i for i, r in enumerate(results) if "SequenceNumber" in r]
    assert ok == list(range(400))
    assert response["FailedRecordCount"] == 100
    assert results[398]["ShardId"] != hot_shard
    refusal = {
        "ErrorCode": "ProvisionedThroughputExceededException",
        "ErrorMessage": f"Rate exceeded for shard {hot_shard} in stream s under account {ACCOUNT}.",
    }
    assert results[400] == results[499] == refusal
    numbers = [int(r["SequenceNumber"]) for r in results[:398]]
    assert numbers == sorted(numbers)


async def test_write_metrics_and_the_throttling_event(cloud: Cloud) -> None:
    events: list[CloudEvent] = []
    cloud.bus.subscribe(events.append)
    await create_stream(cloud, shards=1)
    await put_many(cloud, 500, size=10)
    await put_many(cloud, 500, size=10)
    await put_many(cloud, 10, size=10)
    assert total(cloud, "IncomingRecords") == 1000
    assert total(cloud, "IncomingBytes") == 1000 * 11
    assert total(cloud, "WriteProvisionedThroughputExceeded") == 10
    assert total(cloud, "PutRecords.TotalRecords") == 1010
    assert total(cloud, "PutRecords.FailedRecords") == 10
    assert total(cloud, "PutRecords.ThrottledRecords") == 10
    assert [e.kind for e in events] == ["WriteThrottlingBegan"]
    await put_many(cloud, 10, size=10)
    assert len(events) == 1  # still the same bout of throttling


async def test_shard_level_metrics_only_when_enabled(cloud: Cloud) -> None:
    await create_stream(cloud, shards=1)
    await put_many(cloud, 3)
    dims = {"StreamName": "s", "ShardId": SHARD}
    assert cloud.metrics.find("AWS/Kinesis", "IncomingRecords", dims) is None
    response = await kinesis(
        cloud,
        "EnableEnhancedMonitoring",
        {"StreamName": "s", "ShardLevelMetrics": ["IncomingRecords", "IteratorAgeMilliseconds"]},
    )
    assert response["CurrentShardLevelMetrics"] == []
    assert response["DesiredShardLevelMetrics"] == ["IncomingRecords", "IteratorAgeMilliseconds"]
    await put_many(cloud, 4)
    assert total(cloud, "IncomingRecords", dims) == 4
    assert cloud.metrics.find("AWS/Kinesis", "IncomingBytes", dims) is None
    response = await kinesis(
        cloud, "DisableEnhancedMonitoring", {"StreamName": "s", "ShardLevelMetrics": ["ALL"]}
    )
    assert response["DesiredShardLevelMetrics"] == []


async def test_read_throttling_at_five_get_records_a_second(cloud: Cloud) -> None:
    await create_stream(cloud, shards=1)
    await put(cloud, "k", b"x")
    iterator = await shard_iterator(cloud, SHARD)
    for _ in range(5):
        await kinesis(cloud, "GetRecords", {"ShardIterator": iterator})
    error = await kinesis_error(cloud, "GetRecords", {"ShardIterator": iterator})
    assert (error.code, error.message) == (
        "ProvisionedThroughputExceededException",
        f"Rate exceeded for Shard - {ACCOUNT}/s/{SHARD}",
    )
    await cloud.clock.advance(0.2)
    await kinesis(cloud, "GetRecords", {"ShardIterator": iterator})
    assert (await kinesis_error(cloud, "GetRecords", {"ShardIterator": iterator})).code == (
        "ProvisionedThroughputExceededException"
    )
    assert total(cloud, "ReadProvisionedThroughputExceeded") == 2


async def test_a_big_read_holds_back_the_next_ones_at_two_mib_a_second(cloud: Cloud) -> None:
    await create_stream(cloud, shards=1)
    for _ in range(3):
        await put(cloud, "k", b"x" * (MIB - 1))
        await cloud.clock.advance(1)
    response = await kinesis(
        cloud, "GetRecords", {"ShardIterator": await shard_iterator(cloud, SHARD)}
    )
    assert len(response["Records"]) == 3  # 3 MiB: one MiB more than the second's share
    following = response["NextShardIterator"]
    await cloud.clock.advance(0.4)
    assert (await kinesis_error(cloud, "GetRecords", {"ShardIterator": following})).code == (
        "ProvisionedThroughputExceededException"
    )
    await cloud.clock.advance(0.2)
    assert (await kinesis(cloud, "GetRecords", {"ShardIterator": following}))["Records"] == []
    assert total(cloud, "GetRecords.Bytes") == 3 * (MIB - 1)
    assert total(cloud, "GetRecords.Records") == 3
