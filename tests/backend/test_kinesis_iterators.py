"""Shard iterators of every type, their five-minute life, and what GetRecords returns."""

from __future__ import annotations

import base64

from backend.cloud import Cloud
from backend.services.kinesis.iterators import LIFETIME
from tests.backend.test_kinesis_helpers import (
    ACCOUNT,
    cloud,
    create_stream,
    kinesis,
    kinesis_error,
    put,
    read_shard,
    shard_id,
    shard_iterator,
)

__all__ = ["cloud"]

SHARD = shard_id(0)


async def one_shard_with(cloud: Cloud, count: int, gap: float = 1.0) -> list[str]:
    """A one-shard stream holding records r0..r{count-1}, written `gap` seconds apart."""
    await create_stream(cloud, shards=1)
    numbers = []
    for i in range(count):
        numbers.append((await put(cloud, "k", f"r{i}".encode()))["SequenceNumber"])
        await cloud.clock.advance(gap)
    return numbers


def datas(records: list[dict[str, object]]) -> list[object]:
    return [r["Data"] for r in records]


async def test_trim_horizon_and_latest(cloud: Cloud) -> None:
    await one_shard_with(cloud, 3)
    oldest = await shard_iterator(cloud, SHARD, "TRIM_HORIZON")
    latest = await shard_iterator(cloud, SHARD, "LATEST")
    await put(cloud, "k", b"r3")
    assert datas(await read_shard(cloud, oldest)) == [b"r0", b"r1", b"r2", b"r3"]
    assert datas(await read_shard(cloud, latest)) == [b"r3"]


async def test_at_and_after_sequence_number(cloud: Cloud) -> None:
    numbers = await one_shard_with(cloud, 4)
    at = await shard_iterator(cloud, SHARD, "AT_SEQUENCE_NUMBER", StartingSequenceNumber=numbers[1])
    after = await shard_iterator(
        cloud, SHARD, "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=numbers[1]
    )
    assert datas(await read_shard(cloud, at)) == [b"r1", b"r2", b"r3"]
    assert datas(await read_shard(cloud, after)) == [b"r2", b"r3"]


async def test_at_timestamp_finds_the_first_record_at_or_after(cloud: Cloud) -> None:
    await one_shard_with(cloud, 4, gap=10.0)
    written_at = cloud.clock.now() - 40  # r0
    for offset, expected in ((0, 0), (5, 1), (10, 1), (25, 3), (30.5, 4)):
        it = await shard_iterator(cloud, SHARD, "AT_TIMESTAMP", Timestamp=written_at + offset)
        assert datas(await read_shard(cloud, it)) == [f"r{i}".encode() for i in range(expected, 4)]


async def test_at_timestamp_before_the_trim_horizon_reads_from_the_oldest(cloud: Cloud) -> None:
    await create_stream(cloud, shards=1)
    start = cloud.clock.now()
    await put(cloud, "k", b"old")
    await cloud.clock.advance(23 * 3600)
    await put(cloud, "k", b"new")
    await cloud.clock.advance(3600 + 1)  # "old" is now past the 24-hour retention
    it = await shard_iterator(cloud, SHARD, "AT_TIMESTAMP", Timestamp=start - 3600)
    assert datas(await read_shard(cloud, it)) == [b"new"]


async def test_iterator_type_and_sequence_number_must_agree(cloud: Cloud) -> None:
    numbers = await one_shard_with(cloud, 1)
    base = {"StreamName": "s", "ShardId": SHARD}
    error = await kinesis_error(
        cloud,
        "GetShardIterator",
        {**base, "ShardIteratorType": "TRIM_HORIZON", "StartingSequenceNumber": numbers[0]},
    )
    assert (error.code, error.message) == (
        "InvalidArgumentException",
        "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and "
        "StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. "
        "Request specified TRIM_HORIZON and also a StartingSequenceNumber.",
    )
    error = await kinesis_error(
        cloud, "GetShardIterator", {**base, "ShardIteratorType": "AT_SEQUENCE_NUMBER"}
    )
    assert error.message.endswith(
        "Request specified AT_SEQUENCE_NUMBER and no StartingSequenceNumber."
    )
    error = await kinesis_error(
        cloud, "GetShardIterator", {**base, "ShardIteratorType": "AT_TIMESTAMP"}
    )
    assert error.message == (
        "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. "
        "Current request has no timestamp parameter."
    )
    future = cloud.clock.now() + 10
    error = await kinesis_error(
        cloud,
        "GetShardIterator",
        {**base, "ShardIteratorType": "AT_TIMESTAMP", "Timestamp": future},
    )
    assert error.code == "InvalidArgumentException"
    assert "cannot be greater than the currentTimestampInMillis" in error.message


async def test_a_sequence_number_must_come_from_the_shard(cloud: Cloud) -> None:
    await create_stream(cloud, shards=2)
    key_for: dict[str, str] = {}
    for i in range(20):
        key_for.setdefault((await put(cloud, f"k{i}", b"x"))["ShardId"], f"k{i}")
    other = (await put(cloud, key_for[shard_id(1)], b"x"))["SequenceNumber"]
    error = await kinesis_error(
        cloud,
        "GetShardIterator",
        {
            "StreamName": "s",
            "ShardId": shard_id(0),
            "ShardIteratorType": "AT_SEQUENCE_NUMBER",
            "StartingSequenceNumber": other,
        },
    )
    assert error.message == (
        f"Invalid StartingSequenceNumber. It encodes {shard_id(1)}, while it was used in a call "
        f"to a shard with {shard_id(0)}"
    )
    error = await kinesis_error(
        cloud,
        "GetShardIterator",
        {
            "StreamName": "s",
            "ShardId": shard_id(0),
            "ShardIteratorType": "AT_SEQUENCE_NUMBER",
            "StartingSequenceNumber": "12345",
        },
    )
    assert error.message == (
        f"StartingSequenceNumber 12345 used in GetShardIterator on shard {shard_id(0)} in stream "
        f"s under account {ACCOUNT} is invalid."
    )
    await create_stream(cloud, "t", shards=1)
    await cloud.clock.advance(1)
    theirs = (await put(cloud, "k", b"x", stream="t"))["SequenceNumber"]
    error = await kinesis_error(
        cloud,
        "GetShardIterator",
        {
            "StreamName": "s",
            "ShardId": shard_id(0),
            "ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
            "StartingSequenceNumber": theirs,
        },
    )
    assert error.message.endswith("is invalid because it did not come from this stream.")


async def test_an_iterator_expires_after_exactly_five_minutes(cloud: Cloud) -> None:
    await one_shard_with(cloud, 1)
    issued = cloud.clock.now()
    it = await shard_iterator(cloud, SHARD)
    await cloud.clock.advance_to(issued + LIFETIME)
    assert datas((await kinesis(cloud, "GetRecords", {"ShardIterator": it}))["Records"]) == [b"r0"]
    await cloud.clock.advance(0.001)
    error = await kinesis_error(cloud, "GetRecords", {"ShardIterator": it})
    assert error.code == "ExpiredIteratorException"
    assert error.message == (
        "Iterator expired. The iterator was created at time Sun Nov 29 09:00:06 UTC 2026 while "
        "right now it is Sun Nov 29 09:05:06 UTC 2026 which is further in the future than the "
        "tolerated delay of 300000 milliseconds."
    )


async def test_next_shard_iterator_starts_a_new_five_minutes(cloud: Cloud) -> None:
    await one_shard_with(cloud, 1)
    response = await kinesis(
        cloud, "GetRecords", {"ShardIterator": await shard_iterator(cloud, SHARD)}
    )
    await cloud.clock.advance(LIFETIME)
    await put(cloud, "k", b"later")
    again = await kinesis(cloud, "GetRecords", {"ShardIterator": response["NextShardIterator"]})
    assert datas(again["Records"]) == [b"later"]


async def test_iterators_are_opaque_and_cannot_be_altered(cloud: Cloud) -> None:
    await one_shard_with(cloud, 1)
    it = await shard_iterator(cloud, SHARD)
    raw = bytearray(base64.b64decode(it))
    assert raw.startswith(b"\0\0\0\0\0\0\0\1") and len(it) <= 512
    assert b"us-east-1" not in raw
    raw[-1] ^= 1
    for bad in (base64.b64encode(bytes(raw)).decode(), "not-an-iterator", "AAAA"):
        error = await kinesis_error(cloud, "GetRecords", {"ShardIterator": bad})
        assert (error.code, error.message) == ("InvalidArgumentException", "Invalid ShardIterator.")


async def test_an_iterator_of_a_deleted_and_recreated_stream_is_refused(cloud: Cloud) -> None:
    await one_shard_with(cloud, 1)
    it = await shard_iterator(cloud, SHARD)
    await kinesis(cloud, "DeleteStream", {"StreamName": "s"})
    await cloud.clock.advance(5)
    await create_stream(cloud, shards=1)
    error = await kinesis_error(cloud, "GetRecords", {"ShardIterator": it})
    assert (error.code, error.message) == (
        "ResourceNotFoundException",
        f"Shard {SHARD} in stream s under account {ACCOUNT} does not exist",
    )


async def test_get_records_limit_and_millis_behind(cloud: Cloud) -> None:
    await one_shard_with(cloud, 5, gap=2.0)
    response = await kinesis(
        cloud, "GetRecords", {"ShardIterator": await shard_iterator(cloud, SHARD), "Limit": 2}
    )
    assert datas(response["Records"]) == [b"r0", b"r1"]
    # r2 was written 6 seconds ago: the reader is that far behind.
    assert response["MillisBehindLatest"] == 6000
    rest = await kinesis(
        cloud, "GetRecords", {"ShardIterator": response["NextShardIterator"], "Limit": 10}
    )
    assert datas(rest["Records"]) == [b"r2", b"r3", b"r4"]
    assert rest["MillisBehindLatest"] == 0
    arrival = rest["Records"][0]["ApproximateArrivalTimestamp"]
    assert arrival == cloud.clock.now() - 6
    error = await kinesis_error(
        cloud, "GetRecords", {"ShardIterator": rest["NextShardIterator"], "Limit": 10_001}
    )
    assert error.code == "InvalidArgumentException"
    error = await kinesis_error(
        cloud, "GetRecords", {"ShardIterator": rest["NextShardIterator"], "Limit": 0}
    )
    assert (error.code, error.message) == (
        "ValidationException",
        "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1",
    )


async def test_an_empty_open_shard_keeps_giving_an_iterator(cloud: Cloud) -> None:
    await create_stream(cloud, shards=1)
    response = await kinesis(
        cloud, "GetRecords", {"ShardIterator": await shard_iterator(cloud, SHARD)}
    )
    assert response["Records"] == [] and response["MillisBehindLatest"] == 0
    assert "NextShardIterator" in response and "ChildShards" not in response


async def test_shard_ids_may_be_spelt_short_and_unknown_ones_are_not_found(cloud: Cloud) -> None:
    await one_shard_with(cloud, 1)
    for spelling in ("shardId-0", "0", "shardId-000000000000"):
        it = await shard_iterator(cloud, spelling)
        assert datas(await read_shard(cloud, it)) == [b"r0"]
    error = await kinesis_error(
        cloud,
        "GetShardIterator",
        {"StreamName": "s", "ShardId": "shardId-000000000007", "ShardIteratorType": "LATEST"},
    )
    assert (error.code, error.message) == (
        "ResourceNotFoundException",
        f"Shard shardId-000000000007 in stream s under account {ACCOUNT} does not exist",
    )
