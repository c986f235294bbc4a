"""Routing and order: MD5 partition keys onto hash-key ranges, sequence numbers per shard."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from backend.cloud import Cloud
from backend.services.kinesis import KinesisService
from backend.services.kinesis.hashing import MAX_HASH_KEY, even_ranges, hash_key
from backend.services.kinesis.sequence import decode
from tests.backend.helpers import run
from tests.backend.test_kinesis_helpers import (
    cloud,
    create_stream,
    kinesis,
    put,
    read_shard,
    shard_id,
    shard_iterator,
)

__all__ = ["cloud"]

TWO = 2**127


def md5_int(key: str) -> int:
    return int(hashlib.md5(key.encode()).hexdigest(), 16)


def test_a_new_stream_splits_the_hash_space_evenly_as_aws_does() -> None:
    assert even_ranges(1) == [(0, MAX_HASH_KEY)]
    assert even_ranges(2) == [(0, TWO - 1), (TWO, MAX_HASH_KEY)]
    three = even_ranges(3)
    assert [start for start, _ in three] == [
        0,
        113427455640312821154458202477256070485,
        226854911280625642308916404954512140970,
    ]
    assert three[0][1] == 113427455640312821154458202477256070484
    assert three[-1][1] == MAX_HASH_KEY


async def test_describe_shows_the_even_ranges(cloud: Cloud) -> None:
    await create_stream(cloud, shards=3)
    shards = (await kinesis(cloud, "DescribeStream", {"StreamName": "s"}))["StreamDescription"][
        "Shards"
    ]
    assert [s["ShardId"] for s in shards] == [shard_id(0), shard_id(1), shard_id(2)]
    assert [s["HashKeyRange"] for s in shards] == [
        {"StartingHashKey": str(a), "EndingHashKey": str(b)} for a, b in even_ranges(3)
    ]


async def test_a_partition_key_goes_to_the_shard_holding_its_md5(cloud: Cloud) -> None:
    await create_stream(cloud, shards=4)
    ranges = even_ranges(4)
    for i in range(40):
        key = f"user-{i}"
        assert hash_key(key) == md5_int(key)
        expected = next(n for n, (a, b) in enumerate(ranges) if a <= md5_int(key) <= b)
        response = await put(cloud, key, b"x")
        assert response["ShardId"] == shard_id(expected)


async def test_explicit_hash_key_overrides_the_partition_key(cloud: Cloud) -> None:
    await create_stream(cloud, shards=2)
    low_key = next(f"k{i}" for i in range(100) if md5_int(f"k{i}") < TWO)
    assert (await put(cloud, low_key, b"x", ExplicitHashKey=str(TWO)))["ShardId"] == shard_id(1)
    assert (await put(cloud, low_key, b"x", ExplicitHashKey=str(TWO - 1)))["ShardId"] == shard_id(0)
    assert (await put(cloud, low_key, b"x", ExplicitHashKey="0"))["ShardId"] == shard_id(0)
    last = str(MAX_HASH_KEY)
    assert (await put(cloud, low_key, b"x", ExplicitHashKey=last))["ShardId"] == shard_id(1)
    response = await kinesis(
        cloud,
        "PutRecords",
        {
            "StreamName": "s",
            "Records": [
                {"PartitionKey": low_key, "Data": b"a", "ExplicitHashKey": str(TWO + 5)},
                {"PartitionKey": low_key, "Data": b"b"},
            ],
        },
    )
    assert [r["ShardId"] for r in response["Records"]] == [shard_id(1), shard_id(0)]


async def test_sequence_numbers_look_like_aws_and_grow_per_shard(cloud: Cloud) -> None:
    stream = await create_stream(cloud, shards=2)
    numbers: dict[str, list[int]] = {}
    for i in range(30):
        response = await put(cloud, f"key-{i}", b"x")
        number = response["SequenceNumber"]
        assert len(number) == 56 and number.startswith("49") and number.isdigit()
        numbers.setdefault(response["ShardId"], []).append(int(number))
        await cloud.clock.advance(0.25)
    for shard, values in numbers.items():
        assert values == sorted(values) and len(set(values)) == len(values), shard
    first = stream.shards[shard_id(0)]
    decoded = decode(first.starting_sequence)
    assert decoded is not None and (decoded.index, decoded.counter) == (0, 0)


async def test_sequence_numbers_replay_exactly_with_the_same_seed() -> None:
    async def numbers() -> list[str]:
        cloud = Cloud(seed="same", services=[KinesisService])
        await create_stream(cloud, shards=3)
        return [(await put(cloud, f"k{i}", b"d"))["SequenceNumber"] for i in range(10)]

    assert await numbers() == await numbers()


async def test_a_shard_returns_its_records_in_the_order_written(cloud: Cloud) -> None:
    await create_stream(cloud, shards=1)
    written = [
        (await put(cloud, f"k{i % 7}", f"r{i}".encode()))["SequenceNumber"] for i in range(50)
    ]
    records = await read_shard(cloud, await shard_iterator(cloud, shard_id(0)))
    assert [r["Data"] for r in records] == [f"r{i}".encode() for i in range(50)]
    assert [r["SequenceNumber"] for r in records] == written
    assert [r["PartitionKey"] for r in records] == [f"k{i % 7}" for i in range(50)]


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.text(min_size=1, max_size=8), st.binary(max_size=16)), min_size=1, max_size=60
    ),
    st.integers(min_value=1, max_value=5),
)
def test_every_record_is_read_back_once_in_per_shard_order(
    writes: list[tuple[str, bytes]], shards: int
) -> None:
    async def body() -> None:
        cloud = Cloud(seed="prop", services=[KinesisService])
        await create_stream(cloud, shards=shards)
        batch = [{"PartitionKey": key, "Data": data} for key, data in writes]
        response = await kinesis(cloud, "PutRecords", {"StreamName": "s", "Records": batch})
        assert response["FailedRecordCount"] == 0
        expected: dict[str, list[tuple[str, bytes]]] = {}
        for (key, data), result in zip(writes, response["Records"], strict=True):
            expected.setdefault(result["ShardId"], []).append((key, data))
        for n in range(shards):
            records = await read_shard(cloud, await shard_iterator(cloud, shard_id(n)))
            got = [(r["PartitionKey"], r["Data"]) for r in records]
            assert got == expected.get(shard_id(n), [])

    run(body())
