"""The read-only views the dashboard shows: rates against limits, lineage, readers."""

from __future__ import annotations

from backend.cloud import Cloud
from backend.services.kinesis import KinesisConsumer, KinesisService
from backend.services.kinesis.base import TRANSITION
from backend.services.kinesis.views import stream_view
from tests.backend.test_kinesis_helpers import (
    cloud,
    create_stream,
    kinesis,
    put,
    settle_reshard,
    shard_id,
)

__all__ = ["cloud"]


async def test_a_shard_at_half_its_write_limit(cloud: Cloud) -> None:
    stream = await create_stream(cloud, shards=1)
    for _ in range(5):
        records = [{"PartitionKey": "k", "Data": b"x" * 9} for _ in range(500)]
        await kinesis(cloud, "PutRecords", {"StreamName": "s", "Records": records})
        await cloud.clock.advance(1)
    view = stream_view(cloud.service(KinesisService), stream, cloud.clock.now())
    (shard,) = view.shards
    assert (shard.records_in, shard.bytes_in) == (500, 5000)
    assert shard.write_share == 0.5  # 500 of 1,000 records a second
    assert shard.stored == 2500 and shard.newest_sequence is not None
    assert shard.oldest_arrival == stream.created + TRANSITION
    assert (view.records_in, view.open_shards) == (2500, 1)


async def test_lineage_and_readers(cloud: Cloud) -> None:
    stream = await create_stream(cloud, shards=1)
    await put(cloud, "k", b"x")
    await kinesis(
        cloud,
        "SplitShard",
        {"StreamName": "s", "ShardToSplit": shard_id(0), "NewStartingHashKey": str(2**127)},
    )
    await settle_reshard(cloud)
    reader = KinesisConsumer(cloud, "archiver", "s", interval=1.0)
    reader.start()
    registered = await kinesis(
        cloud, "RegisterStreamConsumer", {"StreamARN": stream.arn, "ConsumerName": "analytics"}
    )
    await cloud.clock.advance(3)
    view = stream_view(cloud.service(KinesisService), stream, cloud.clock.now())
    parent, low, high = view.shards
    assert (parent.state, parent.children) == ("CLOSED", (shard_id(1), shard_id(2)))
    assert low.parents == high.parents == (shard_id(0),)
    assert [(r.name, r.mode, r.records) for r in view.readers] == [
        ("archiver", "polling", 1),
        ("analytics", "enhanced", 0),
    ]
    assert set(view.readers[0].lag_ms) == {shard_id(1), shard_id(2)}
    assert registered["Consumer"]["ConsumerName"] == "analytics"
    reader.stop()
