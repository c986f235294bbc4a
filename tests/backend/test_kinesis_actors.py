"""The `[kinesis]` scenario section, the producer and consumer actors, and the summary."""

from __future__ import annotations

import json
import random

import pytest

from backend.actors.actor import Actor
from backend.cloud import Cloud
from backend.kit.scenario import ScenarioError
from backend.scenarios.loader import Scenario, apply, parse_scenario
from backend.services import kinesis
from backend.services.kinesis import KinesisConsumer, KinesisProducer, KinesisService
from backend.services.kinesis.actors import HOT_KEY, poisson
from backend.services.kinesis.hashing import hash_key
from backend.services.kinesis.summary import summary
from tests.backend.test_kinesis_helpers import kinesis as call
from tests.backend.test_kinesis_helpers import shard_id, stream_of

REGISTRY = (kinesis.REGISTRATION,)

SCENARIO = """
[scenario]
name = "clicks"
seed = 3

[[kinesis.stream]]
name = "clicks"
shards = 2
retention_hours = 48
tags = { team = "web" }

[[kinesis.stream]]
name = "audit"
mode = "ON_DEMAND"

[[actor]]
kind = "kinesis-producer"
name = "web"
stream = "clicks"
rate = 200
keys = 50

[[actor]]
kind = "kinesis-consumer"
name = "fast"
stream = "clicks"
interval = "1s"

[[actor]]
kind = "kinesis-consumer"
name = "slow"
stream = "clicks"
interval = "10s"
limit = 100
"""


def parse(text: str) -> Scenario:
    return parse_scenario(text, "test.toml", REGISTRY)


async def started(text: str = SCENARIO) -> tuple[Cloud, dict[str, Actor]]:
    scenario = parse(text)
    cloud = Cloud(seed=scenario.seed, start=scenario.start, services=[KinesisService])
    actors = await apply(scenario, cloud, REGISTRY)
    return cloud, {actor.name: actor for actor in actors}


def bad(text: str) -> str:
    with pytest.raises(ScenarioError) as info:
        parse(text)
    return str(info.value)


HEAD = '[scenario]\nname = "x"\n'


def test_section_errors_say_where() -> None:
    assert bad(HEAD + "[[kinesis.stream]]\nname = 'a'\n") == (
        'test.toml: kinesis.stream[0]: shards is required (or mode = "ON_DEMAND")'
    )
    assert "shards can't be given for an ON_DEMAND stream" in bad(
        HEAD + "[[kinesis.stream]]\nname = 'a'\nmode = 'ON_DEMAND'\nshards = 2\n"
    )
    assert "retention_hours must be between 24 and 8760, not 9000" in bad(
        HEAD + "[[kinesis.stream]]\nname = 'a'\nshards = 1\nretention_hours = 9000\n"
    )
    assert "unknown key(s): shard" in bad(
        HEAD + "[[kinesis.stream]]\nname = 'a'\nmode = 'ON_DEMAND'\nshard = 1\n"
    )
    assert "stream 'a' is defined more than once" in bad(
        HEAD
        + "[[kinesis.stream]]\nname = 'a'\nshards = 1\n" * 1
        + "[[kinesis.stream]]\nname = 'a'\nshards = 1\n"
    )
    assert (
        bad(HEAD + "[[actor]]\nkind = 'kinesis-producer'\nname = 'p'\nstream = 'nope'\nrate = 1\n")
        == "test.toml: actor[0]: stream 'nope' is not defined in [[kinesis.stream]]"
    )
    stream = "[[kinesis.stream]]\nname = 'a'\nshards = 1\n"
    assert "mode must be polling or enhanced, not 'push'" in bad(
        HEAD + stream + "[[actor]]\nkind = 'kinesis-consumer'\nname = 'c'\nstream = 'a'\n"
        "mode = 'push'\n"
    )
    assert "batch must be between 1 and 500, not 501" in bad(
        HEAD + stream + "[[actor]]\nkind = 'kinesis-producer'\nname = 'p'\nstream = 'a'\n"
        "rate = 1\nbatch = 501\n"
    )


async def test_apply_creates_active_streams_as_the_setup_role() -> None:
    cloud, _ = await started(SCENARIO.split("[[actor]]")[0])
    clicks = stream_of(cloud, "clicks")
    assert (clicks.status, clicks.mode, len(clicks.open_shards)) == ("ACTIVE", "PROVISIONED", 2)
    assert (clicks.retention_hours, clicks.tags) == (48, {"team": "web"})
    assert stream_of(cloud, "audit").mode == "ON_DEMAND"
    entry = next(e for e in cloud.trail.history(cloud.clock.now()) if e.action == "CreateStream")
    assert entry.caller.name == "skydeck-scenario"


async def test_apply_reports_aws_refusals() -> None:
    scenario = parse(HEAD + "[[kinesis.stream]]\nname = 'a b'\nshards = 1\n")
    cloud = Cloud(seed=1, services=[KinesisService])
    with pytest.raises(ScenarioError) as info:
        await apply(scenario, cloud, REGISTRY)
    assert str(info.value).startswith("test.toml: stream 'a b': ValidationException: ")


async def test_two_consumers_read_the_same_records_at_their_own_pace() -> None:
    cloud, actors = await started()
    producer, fast, slow = actors["web"], actors["fast"], actors["slow"]
    assert isinstance(producer, KinesisProducer)
    assert isinstance(fast, KinesisConsumer) and isinstance(slow, KinesisConsumer)
    await cloud.clock.advance(120)
    assert producer.sent > 20_000 and producer.throttled == 0
    # The fast reader keeps up; the slow one reads 100 records a shard every 10 s.
    assert producer.sent - fast.progress.records < 1_000
    assert slow.progress.records < 5_000
    assert slow.progress.max_lag_ms > 60_000 > fast.progress.max_lag_ms
    assert set(fast.progress.checkpoints) == {shard_id(0), shard_id(1)}
    _, key, data = next(stream_of(cloud, "clicks").shards[shard_id(0)].records(1, 2))
    record = json.loads(data)
    assert set(record) == {"event", "user", "page", "seq", "ts"} and record["user"] == key
    for actor in actors.values():
        actor.stop()


async def test_consumers_follow_a_reshard_parents_first() -> None:
    cloud, actors = await started()
    actors["slow"].stop()
    fast = actors["fast"]
    assert isinstance(fast, KinesisConsumer)
    await cloud.clock.advance(30)
    await call(
        cloud,
        "UpdateShardCount",
        {"StreamName": "clicks", "TargetShardCount": 3, "ScalingType": "UNIFORM_SCALING"},
    )
    await cloud.clock.advance(60)
    actors["web"].stop()
    await cloud.clock.advance(60)
    producer = actors["web"]
    assert isinstance(producer, KinesisProducer)
    stream = stream_of(cloud, "clicks")
    closed = {s.shard_id for s in stream.shards.values() if not s.is_open}
    assert closed and closed <= fast.progress.finished
    assert fast.progress.records == producer.sent == stream.records_in
    fast.stop()


async def test_a_hot_key_throttles_one_shard_and_nothing_is_lost() -> None:
    text = SCENARIO.split("[[actor]]")[0] + (
        "[[actor]]\nkind = 'kinesis-producer'\nname = 'hot'\nstream = 'clicks'\nrate = 1200\n"
        "hot_key_share = 0.9\nbatch = 500\n"
    )
    cloud, actors = await started(text)
    producer = actors["hot"]
    assert isinstance(producer, KinesisProducer)
    await cloud.clock.advance(20)
    producer.stop()
    stream = stream_of(cloud, "clicks")
    assert producer.throttled > 0 and stream.throttled_writes == producer.throttled
    hot = stream.route(hash_key(HOT_KEY))
    assert hot.throttled_writes == stream.throttled_writes
    assert producer.sent == stream.records_in
    assert producer.dropped == 0 and producer.sent + producer.waiting == producer.made


async def test_an_enhanced_consumer_reads_everything_through_subscriptions() -> None:
    text = SCENARIO.split('[[actor]]\nkind = "kinesis-consumer"')[0] + (
        "[[actor]]\nkind = 'kinesis-consumer'\nname = 'efo'\nstream = 'clicks'\nmode = 'enhanced'\n"
    )
    cloud, actors = await started(text)
    await cloud.clock.advance(60)
    actors["web"].stop()
    await cloud.clock.advance(15)
    efo = actors["efo"]
    assert isinstance(efo, KinesisConsumer)
    stream = stream_of(cloud, "clicks")
    assert efo.progress.records == stream.records_in > 0
    service = cloud.service(KinesisService)
    (consumer,) = service.consumers_of(stream)
    assert consumer.name == "efo" and consumer.status == "ACTIVE"
    assert set(consumer.positions(cloud.clock.now())) == {shard_id(0), shard_id(1)}
    efo.stop()


async def test_the_summary_is_a_fixed_table() -> None:
    cloud, actors = await started()
    await cloud.clock.advance(60)
    for actor in actors.values():
        actor.stop()
    lines = summary(cloud)
    producer = actors["web"]
    assert isinstance(producer, KinesisProducer)
    assert lines[0].split() == [
        "stream",
        "mode",
        "open",
        "closed",
        "records",
        "in",
        "bytes",
        "in",
        "thr.",
        "writes",
        "thr.",
        "reads",
    ]
    assert lines[1].split()[:2] == ["audit", "ON_DEMAND"]
    clicks = lines[2].split()
    assert clicks[:4] == ["clicks", "PROVISIONED", "2", "0"]
    assert clicks[4] == f"{producer.sent:,}"
    assert lines[3].startswith("  read by fast (polling): ")
    assert lines[4].startswith("  read by slow (polling): ")
    assert summary(Cloud(services=[KinesisService])) == []


def test_poisson_counts_average_their_mean() -> None:
    rng = random.Random(1)
    for mean in (0.5, 7.0, 400.0):
        draws = [poisson(mean, rng) for _ in range(2000)]
        assert abs(sum(draws) / len(draws) - mean) < mean * 0.1 + 0.1
    assert poisson(0, rng) == 0


async def test_a_consumer_starts_over_on_a_recreated_stream() -> None:
    cloud, actors = await started()
    actors["slow"].stop()
    fast = actors["fast"]
    assert isinstance(fast, KinesisConsumer)
    await cloud.clock.advance(20)
    await call(cloud, "DeleteStream", {"StreamName": "clicks"})
    await cloud.clock.advance(10)
    await call(cloud, "CreateStream", {"StreamName": "clicks", "ShardCount": 2})
    await cloud.clock.advance(60)
    actors["web"].stop()
    await cloud.clock.advance(30)
    for shard, checkpoint in fast.progress.checkpoints.items():
        iterator = await call(
            cloud,
            "GetShardIterator",
            {
                "StreamName": "clicks",
                "ShardId": shard,
                "ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
                "StartingSequenceNumber": checkpoint,
            },
        )
        response = await call(cloud, "GetRecords", {"ShardIterator": iterator["ShardIterator"]})
        assert response["Records"] == []  # caught up with the new stream
    assert stream_of(cloud, "clicks").records_in > 0
    fast.stop()
