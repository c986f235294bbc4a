"""Splits, merges and UpdateShardCount: shard states, lineage, ChildShards, listing."""

from __future__ import annotations

from typing import Any

from backend.cloud import Cloud
from backend.services.kinesis.hashing import MAX_HASH_KEY, even_ranges
from backend.services.kinesis.shard import Shard
from tests.backend.test_kinesis_helpers import (
    ACCOUNT,
    cloud,
    create_stream,
    kinesis,
    kinesis_error,
    put,
    settle_reshard,
    shard_id,
    shard_iterator,
    stream_of,
)

__all__ = ["cloud"]

HALF = 2**127


def covers_the_hash_space(shards: list[Shard]) -> bool:
    expected = 0
    for shard in sorted(shards, key=lambda s: s.start_hash):
        if shard.start_hash != expected:
            return False
        expected = shard.end_hash + 1
    return expected == MAX_HASH_KEY + 1


async def listed(cloud: Cloud, **params: Any) -> list[dict[str, Any]]:
    shards: list[dict[str, Any]] = (
        await kinesis(cloud, "ListShards", {"StreamName": "s", **params})
    )["Shards"]
    return shards


async def test_split_closes_the_parent_and_opens_two_children(cloud: Cloud) -> None:
    stream = await create_stream(cloud, shards=1)
    await put(cloud, "before", b"1")
    await kinesis(
        cloud,
        "SplitShard",
        {"StreamName": "s", "ShardToSplit": shard_id(0), "NewStartingHashKey": str(HALF)},
    )
    assert stream.status == "UPDATING"
    await put(cloud, "during", b"2")  # writes go on, to the parent, while UPDATING
    await settle_reshard(cloud)
    assert stream.status == "ACTIVE"
    shards = await listed(cloud)
    assert [s["ShardId"] for s in shards] == [shard_id(0), shard_id(1), shard_id(2)]
    parent, low, high = shards
    assert "EndingSequenceNumber" in parent["SequenceNumberRange"]
    assert low["ParentShardId"] == high["ParentShardId"] == shard_id(0)
    assert low["HashKeyRange"] == {"StartingHashKey": "0", "EndingHashKey": str(HALF - 1)}
    assert high["HashKeyRange"] == {
        "StartingHashKey": str(HALF),
        "EndingHashKey": str(MAX_HASH_KEY),
    }
    assert "AdjacentParentShardId" not in low
    assert covers_the_hash_space(stream.open_shards)
    after = await put(cloud, "after", b"3")
    assert after["ShardId"] in (shard_id(1), shard_id(2))


async def test_a_closed_shard_ends_with_its_children(cloud: Cloud) -> None:
    await create_stream(cloud, shards=1)
    await put(cloud, "k", b"old")
    iterator = await shard_iterator(cloud, shard_id(0))
    await kinesis(
        cloud,
        "SplitShard",
        {"StreamName": "s", "ShardToSplit": shard_id(0), "NewStartingHashKey": str(HALF)},
    )
    await settle_reshard(cloud)
    response = await kinesis(cloud, "GetRecords", {"ShardIterator": iterator})
    assert [r["Data"] for r in response["Records"]] == [b"old"]
    assert "NextShardIterator" not in response
    assert response["MillisBehindLatest"] == 0
    assert response["ChildShards"] == [
        {
            "ShardId": shard_id(1),
            "ParentShards": [shard_id(0)],
            "HashKeyRange": {"StartingHashKey": "0", "EndingHashKey": str(HALF - 1)},
        },
        {
            "ShardId": shard_id(2),
            "ParentShards": [shard_id(0)],
            "HashKeyRange": {"StartingHashKey": str(HALF), "EndingHashKey": str(MAX_HASH_KEY)},
        },
    ]
    latest = await shard_iterator(cloud, shard_id(0), "LATEST")
    assert "ChildShards" in await kinesis(cloud, "GetRecords", {"ShardIterator": latest})


async def test_merge_names_both_parents(cloud: Cloud) -> None:
    stream = await create_stream(cloud, shards=3)
    error = await kinesis_error(
        cloud,
        "MergeShards",
        {"StreamName": "s", "ShardToMerge": shard_id(0), "AdjacentShardToMerge": shard_id(2)},
    )
    assert (error.code, error.message) == (
        "InvalidArgumentException",
        f"Shards {shard_id(0)} and {shard_id(2)} in stream s under account {ACCOUNT} are not an "
        "adjacent pair of shards eligible for merging",
    )
    await kinesis(
        cloud,
        "MergeShards",
        {"StreamName": "s", "ShardToMerge": shard_id(2), "AdjacentShardToMerge": shard_id(1)},
    )
    await settle_reshard(cloud)
    child = (await listed(cloud))[-1]
    assert child["ShardId"] == shard_id(3)
    assert (child["ParentShardId"], child["AdjacentParentShardId"]) == (shard_id(2), shard_id(1))
    ranges = even_ranges(3)
    assert child["HashKeyRange"] == {
        "StartingHashKey": str(ranges[1][0]),
        "EndingHashKey": str(MAX_HASH_KEY),
    }
    assert covers_the_hash_space(stream.open_shards)
    error = await kinesis_error(
        cloud,
        "MergeShards",
        {"StreamName": "s", "ShardToMerge": shard_id(0), "AdjacentShardToMerge": shard_id(1)},
    )
    assert error.message == (
        f"Shard {shard_id(1)} in stream s under account {ACCOUNT} has already been merged or "
        "split, and thus is not eligible for merging."
    )


async def test_split_rules(cloud: Cloud) -> None:
    await create_stream(cloud, shards=2)
    for key in ("0", "1", str(HALF - 1), str(HALF + 5)):
        error = await kinesis_error(
            cloud,
            "SplitShard",
            {"StreamName": "s", "ShardToSplit": shard_id(0), "NewStartingHashKey": key},
        )
        assert error.code == "InvalidArgumentException"
    assert error.message == (
        f"NewStartingHashKey {HALF + 5} used in SplitShard() on shard {shard_id(0)} in stream s "
        f"under account {ACCOUNT} is not both greater than one plus the shard's StartingHashKey 0 "
        f"and less than the shard's EndingHashKey {HALF - 1}."
    )
    await kinesis(
        cloud,
        "SplitShard",
        {"StreamName": "s", "ShardToSplit": shard_id(0), "NewStartingHashKey": "2"},
    )
    error = await kinesis_error(
        cloud,
        "SplitShard",
        {"StreamName": "s", "ShardToSplit": shard_id(1), "NewStartingHashKey": str(HALF + 9)},
    )
    assert (error.code, error.message) == (
        "ResourceInUseException",
        f"Stream s under account {ACCOUNT} not ACTIVE, instead in state UPDATING",
    )


async def test_update_shard_count_scales_uniformly_through_splits_and_merges(cloud: Cloud) -> None:
    stream = await create_stream(cloud, shards=2)
    response = await kinesis(
        cloud,
        "UpdateShardCount",
        {"StreamName": "s", "TargetShardCount": 4, "ScalingType": "UNIFORM_SCALING"},
    )
    assert response == {
        "StreamName": "s",
        "CurrentShardCount": 2,
        "TargetShardCount": 4,
        "StreamARN": stream.arn,
    }
    await settle_reshard(cloud)
    assert [(s.start_hash, s.end_hash) for s in stream.open_shards] == even_ranges(4)
    assert all(len(s.parents()) == 1 for s in stream.open_shards)
    await kinesis(
        cloud,
        "UpdateShardCount",
        {"StreamName": "s", "TargetShardCount": 3, "ScalingType": "UNIFORM_SCALING"},
    )
    await settle_reshard(cloud)
    assert [(s.start_hash, s.end_hash) for s in stream.open_shards] == even_ranges(3)
    for shard in stream.shards.values():
        assert len(shard.parents()) <= 2
        for parent in shard.parents():
            assert stream.shards[parent].closed_at is not None


async def test_update_shard_count_limits(cloud: Cloud) -> None:
    await create_stream(cloud, shards=4)

    async def scale(target: int) -> str:
        error = await kinesis_error(
            cloud,
            "UpdateShardCount",
            {"StreamName": "s", "TargetShardCount": target, "ScalingType": "UNIFORM_SCALING"},
        )
        assert error.code == "LimitExceededException"
        return error.message

    assert await scale(9) == (
        "UpdateShardCount cannot scale up over double your current open shard count. "
        "Current open shard count: 4, Target shard count: 9"
    )
    assert await scale(1) == (
        "UpdateShardCount cannot scale down below half your current open shard count. "
        "Current open shard count: 4, Target shard count: 1"
    )
    for _ in range(5):
        for target in (5, 4):
            await kinesis(
                cloud,
                "UpdateShardCount",
                {"StreamName": "s", "TargetShardCount": target, "ScalingType": "UNIFORM_SCALING"},
            )
            await settle_reshard(cloud)
    assert "10 UpdateShardCount calls in a rolling 24-hour period" in await scale(5)
    await cloud.clock.advance(24 * 3600)
    await kinesis(
        cloud,
        "UpdateShardCount",
        {"StreamName": "s", "TargetShardCount": 5, "ScalingType": "UNIFORM_SCALING"},
    )
    error = await kinesis_error(
        cloud,
        "UpdateShardCount",
        {"StreamName": "s", "TargetShardCount": 5, "ScalingType": "DOUBLE"},
    )
    assert error.message == (
        "1 validation error detected: Value 'DOUBLE' at 'scalingType' failed to satisfy "
        "constraint: Member must satisfy enum value set: [UNIFORM_SCALING]"
    )


async def test_on_demand_streams_do_not_reshard_by_hand(cloud: Cloud) -> None:
    await kinesis(cloud, "CreateStream", {"StreamName": "s"})
    await settle_reshard(cloud)
    assert len(stream_of(cloud).open_shards) == 4
    error = await kinesis_error(
        cloud,
        "UpdateShardCount",
        {"StreamName": "s", "TargetShardCount": 5, "ScalingType": "UNIFORM_SCALING"},
    )
    assert error.code == "ValidationException"


async def test_reading_parents_before_children_keeps_each_key_in_order(cloud: Cloud) -> None:
    await create_stream(cloud, shards=1)
    for i in range(5):
        await put(cloud, "user", f"a{i}".encode())
    await kinesis(
        cloud,
        "SplitShard",
        {"StreamName": "s", "ShardToSplit": shard_id(0), "NewStartingHashKey": str(HALF)},
    )
    await settle_reshard(cloud)
    await kinesis(
        cloud,
        "MergeShards",
        {"StreamName": "s", "ShardToMerge": shard_id(1), "AdjacentShardToMerge": shard_id(2)},
    )
    for i in range(5):
        await put(cloud, "user", f"b{i}".encode())  # UPDATING: still to a child of the split
    await settle_reshard(cloud)
    for i in range(5):
        await put(cloud, "user", f"c{i}".encode())
    # Walk the lineage as KCL does: a shard only after its parents, following ChildShards.
    seen: list[bytes] = []
    finished: set[str] = set()
    pending = [shard_id(0)]
    parents: dict[str, list[str]] = {shard_id(0): []}
    while pending:
        shard = next(s for s in pending if all(p in finished for p in parents[s]))
        pending.remove(shard)
        current: str | None = await shard_iterator(cloud, shard)
        while current is not None:
            response = await kinesis(cloud, "GetRecords", {"ShardIterator": current})
            seen += [r["Data"] for r in response["Records"]]
            current = response.get("NextShardIterator")
            if current is not None and not response["Records"]:
                break
            await cloud.clock.advance(0.2)
        finished.add(shard)
        for child in response.get("ChildShards", []):
            parents.setdefault(child["ShardId"], child["ParentShards"])
            if child["ShardId"] not in pending and child["ShardId"] not in finished:
                pending.append(child["ShardId"])
    assert seen == [f"{p}{i}".encode() for p in "abc" for i in range(5)]


async def test_closed_shards_expire_after_the_retention_period(cloud: Cloud) -> None:
    await create_stream(cloud, shards=1)
    await kinesis(
        cloud,
        "SplitShard",
        {"StreamName": "s", "ShardToSplit": shard_id(0), "NewStartingHashKey": str(HALF)},
    )
    await settle_reshard(cloud)
    await cloud.clock.advance(24 * 3600 - 1)
    assert len(await listed(cloud)) == 3
    await cloud.clock.advance(1)
    shards = await listed(cloud)
    assert [s["ShardId"] for s in shards] == [shard_id(1), shard_id(2)]
    assert shards[0]["ParentShardId"] == shard_id(0)  # lineage keeps the expired id
    error = await kinesis_error(
        cloud,
        "GetShardIterator",
        {"StreamName": "s", "ShardId": shard_id(0), "ShardIteratorType": "TRIM_HORIZON"},
    )
    assert error.code == "ResourceNotFoundException"


def ids(shards: list[dict[str, Any]]) -> list[str]:
    return [s["ShardId"] for s in shards]


async def test_list_shards_filters_and_pages(cloud: Cloud) -> None:
    await create_stream(cloud, shards=2)
    split_at = cloud.clock.now()
    await kinesis(
        cloud,
        "SplitShard",
        {"StreamName": "s", "ShardToSplit": shard_id(0), "NewStartingHashKey": "10"},
    )
    await settle_reshard(cloud)
    assert ids(await listed(cloud, ShardFilter={"Type": "AT_LATEST"})) == [
        shard_id(1),
        shard_id(2),
        shard_id(3),
    ]
    assert ids(await listed(cloud, ShardFilter={"Type": "AT_TRIM_HORIZON"})) == [
        shard_id(0),
        shard_id(1),
    ]
    assert ids(
        await listed(cloud, ShardFilter={"Type": "AFTER_SHARD_ID", "ShardId": shard_id(1)})
    ) == [shard_id(2), shard_id(3)]
    assert ids(
        await listed(cloud, ShardFilter={"Type": "AT_TIMESTAMP", "Timestamp": split_at})
    ) == [
        shard_id(0),
        shard_id(1),
    ]
    assert ids(await listed(cloud, ExclusiveStartShardId=shard_id(2))) == [shard_id(3)]
    first = await kinesis(cloud, "ListShards", {"StreamName": "s", "MaxResults": 3})
    assert ids(first["Shards"]) == [shard_id(0), shard_id(1), shard_id(2)]
    rest = await kinesis(cloud, "ListShards", {"NextToken": first["NextToken"]})
    assert ids(rest["Shards"]) == [shard_id(3)] and "NextToken" not in rest
    error = await kinesis_error(
        cloud, "ListShards", {"StreamName": "s", "NextToken": first["NextToken"]}
    )
    assert (error.code, error.message) == (
        "InvalidArgumentException",
        "NextToken and StreamName cannot be provided together.",
    )
    await cloud.clock.advance(301)
    error = await kinesis_error(cloud, "ListShards", {"NextToken": first["NextToken"]})
    assert error.code == "ExpiredNextTokenException"
    error = await kinesis_error(cloud, "ListShards", {"NextToken": "bm90IGEgdG9rZW4="})
    assert error.code == "InvalidArgumentException"


async def test_describe_stream_pages_its_shards(cloud: Cloud) -> None:
    await create_stream(cloud, shards=3)
    page = (await kinesis(cloud, "DescribeStream", {"StreamName": "s", "Limit": 2}))[
        "StreamDescription"
    ]
    assert [s["ShardId"] for s in page["Shards"]] == [shard_id(0), shard_id(1)]
    assert page["HasMoreShards"] is True
    rest = (
        await kinesis(
            cloud, "DescribeStream", {"StreamName": "s", "ExclusiveStartShardId": shard_id(1)}
        )
    )["StreamDescription"]
    assert [s["ShardId"] for s in rest["Shards"]] == [shard_id(2)]
    assert rest["HasMoreShards"] is False
