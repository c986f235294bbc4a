"""Helpers the Kinesis tests share: a cloud of Kinesis alone, calls, streams, reads.

Named like a test module so it sits with them; it holds no tests itself.
"""

from __future__ import annotations

from typing import Any

import pytest

from backend.cloud import Cloud
from backend.errors import AwsError
from backend.services.kinesis import KinesisService
from backend.services.kinesis.base import TRANSITION
from backend.services.kinesis.stream import Stream

Params = dict[str, Any]
ACCOUNT = "123456789012"


@pytest.fixture
def cloud() -> Cloud:
    return Cloud(seed="tests", services=[KinesisService])


async def kinesis(cloud: Cloud, action: str, params: Params | None = None) -> dict[str, Any]:
    return await cloud.call("kinesis", action, params or {})


async def kinesis_error(cloud: Cloud, action: str, params: Params | None = None) -> AwsError:
    """The error `action` fails with; the test fails if it succeeds."""
    with pytest.raises(AwsError) as info:
        await cloud.call("kinesis", action, params or {})
    return info.value


def stream_of(cloud: Cloud, name: str = "s") -> Stream:
    return cloud.service(KinesisService).streams[(cloud.region, name)]


async def create_stream(cloud: Cloud, name: str = "s", shards: int = 2, **params: Any) -> Stream:
    """A PROVISIONED stream of `shards` shards, already ACTIVE (the clock moves on TRANSITION)."""
    await kinesis(cloud, "CreateStream", {"StreamName": name, "ShardCount": shards, **params})
    await cloud.clock.advance(TRANSITION)
    return stream_of(cloud, name)


async def settle_reshard(cloud: Cloud) -> None:
    """Let a SplitShard, MergeShards or UpdateShardCount happen."""
    await cloud.clock.advance(TRANSITION)


async def put(
    cloud: Cloud, key: str, data: bytes, stream: str = "s", **params: Any
) -> dict[str, Any]:
    return await kinesis(
        cloud, "PutRecord", {"StreamName": stream, "PartitionKey": key, "Data": data, **params}
    )


async def shard_iterator(
    cloud: Cloud, shard: str, kind: str = "TRIM_HORIZON", stream: str = "s", **params: Any
) -> str:
    response = await kinesis(
        cloud,
        "GetShardIterator",
        {"StreamName": stream, "ShardId": shard, "ShardIteratorType": kind, **params},
    )
    token: str = response["ShardIterator"]
    return token


async def read_shard(cloud: Cloud, iterator: str, limit: int = 10_000) -> list[dict[str, Any]]:
    """Every record from `iterator` on, until a read comes back empty or the shard ends.

    The clock moves a fifth of a second between reads, as a reader within the
    shard's 5 GetRecords a second would.
    """
    records: list[dict[str, Any]] = []
    current: str | None = iterator
    while current is not None:
        response = await kinesis(cloud, "GetRecords", {"ShardIterator": current, "Limit": limit})
        records += response["Records"]
        if not response["Records"]:
            break
        current = response.get("NextShardIterator")
        await cloud.clock.advance(0.2)
    return records


def shard_id(n: int) -> str:
    return f"shardId-{n:012d}"
