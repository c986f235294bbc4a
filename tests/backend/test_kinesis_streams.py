"""Stream lifecycle, listings, retention and its trimming, limits, tags."""

from __future__ import annotations

from backend.cloud import Cloud
from backend.services.kinesis import KinesisService
from backend.services.kinesis.base import TRANSITION
from backend.services.kinesis.shard import RECORD_OVERHEAD
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
    stream_of,
)

__all__ = ["cloud"]

HOUR = 3600.0


async def test_a_stream_is_creating_then_active(cloud: Cloud) -> None:
    await kinesis(cloud, "CreateStream", {"StreamName": "s", "ShardCount": 1})
    summary = (await kinesis(cloud, "DescribeStreamSummary", {"StreamName": "s"}))[
        "StreamDescriptionSummary"
    ]
    assert summary["StreamStatus"] == "CREATING"
    assert summary["StreamARN"] == f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/s"
    assert summary["StreamModeDetails"] == {"StreamMode": "PROVISIONED"}
    assert (summary["RetentionPeriodHours"], summary["OpenShardCount"]) == (24, 1)
    assert summary["StreamCreationTimestamp"] == cloud.clock.now()
    error = await kinesis_error(
        cloud, "PutRecord", {"StreamName": "s", "PartitionKey": "k", "Data": b"x"}
    )
    assert (error.code, error.message) == (
        "ResourceNotFoundException",
        f"Stream s under account {ACCOUNT} not found.",
    )
    await cloud.clock.advance(TRANSITION - 0.001)
    assert stream_of(cloud).status == "CREATING"
    await cloud.clock.advance(0.001)
    assert stream_of(cloud).status == "ACTIVE"
    await put(cloud, "k", b"x")


async def test_names_are_unique_and_arns_work_as_names(cloud: Cloud) -> None:
    stream = await create_stream(cloud, shards=1)
    error = await kinesis_error(cloud, "CreateStream", {"StreamName": "s", "ShardCount": 1})
    assert (error.code, error.message) == (
        "ResourceInUseException",
        f"Stream s under account {ACCOUNT} already exists.",
    )
    by_arn = await kinesis(
        cloud, "PutRecord", {"StreamARN": stream.arn, "PartitionKey": "k", "Data": b"x"}
    )
    assert by_arn["ShardId"] == shard_id(0)
    both = await kinesis(
        cloud, "DescribeStreamSummary", {"StreamName": "s", "StreamARN": stream.arn}
    )
    assert both["StreamDescriptionSummary"]["StreamName"] == "s"
    error = await kinesis_error(
        cloud, "DescribeStreamSummary", {"StreamName": "t", "StreamARN": stream.arn}
    )
    assert error.code == "InvalidArgumentException"
    elsewhere = f"arn:aws:kinesis:eu-west-1:{ACCOUNT}:stream/s"
    error = await kinesis_error(cloud, "DescribeStreamSummary", {"StreamARN": elsewhere})
    assert error.code == "ResourceNotFoundException"
    error = await kinesis_error(cloud, "DescribeStreamSummary", {})
    assert error.code == "InvalidArgumentException"


async def test_on_demand_is_the_default_without_a_shard_count(cloud: Cloud) -> None:
    await kinesis(cloud, "CreateStream", {"StreamName": "s"})
    await kinesis(
        cloud,
        "CreateStream",
        {"StreamName": "p", "ShardCount": 2, "StreamModeDetails": {"StreamMode": "PROVISIONED"}},
    )
    assert stream_of(cloud, "s").mode == "ON_DEMAND"
    assert stream_of(cloud, "p").mode == "PROVISIONED"
    error = await kinesis_error(
        cloud,
        "CreateStream",
        {"StreamName": "q", "ShardCount": 2, "StreamModeDetails": {"StreamMode": "ON_DEMAND"}},
    )
    assert error.code == "InvalidArgumentException"
    error = await kinesis_error(
        cloud,
        "CreateStream",
        {"StreamName": "q", "StreamModeDetails": {"StreamMode": "PROVISIONED"}},
    )
    assert error.code == "InvalidArgumentException"
    limits = await kinesis(cloud, "DescribeLimits")
    assert limits == {
        "ShardLimit": 20_000,
        "OpenShardCount": 6,
        "OnDemandStreamCount": 1,
        "OnDemandStreamCountLimit": 50,
    }


async def test_the_account_shard_limit(cloud: Cloud) -> None:
    await create_stream(cloud, "a", shards=10_000)
    await create_stream(cloud, "b", shards=10_000)
    error = await kinesis_error(cloud, "CreateStream", {"StreamName": "c", "ShardCount": 1})
    assert error.code == "LimitExceededException"
    assert error.message.startswith(
        f"This request would exceed the shard limit for the account {ACCOUNT} in us-east-1. "
        "Current shard count for the account: 20000. Limit: 20000. Number of additional shards "
        "that would have resulted from this request: 1."
    )


async def test_delete_goes_through_deleting(cloud: Cloud) -> None:
    await create_stream(cloud, shards=1)
    await put(cloud, "k", b"x")
    await kinesis(cloud, "DeleteStream", {"StreamName": "s"})
    summary = (await kinesis(cloud, "DescribeStreamSummary", {"StreamName": "s"}))[
        "StreamDescriptionSummary"
    ]
    assert summary["StreamStatus"] == "DELETING"
    await put(cloud, "k", b"still")  # AWS keeps taking I/O while DELETING
    error = await kinesis_error(cloud, "CreateStream", {"StreamName": "s", "ShardCount": 1})
    assert error.code == "ResourceInUseException"
    await cloud.clock.advance(TRANSITION)
    error = await kinesis_error(cloud, "DescribeStream", {"StreamName": "s"})
    assert error.code == "ResourceNotFoundException"
    assert cloud.service(KinesisService).streams == {}
    await create_stream(cloud, shards=1)


async def test_list_streams_pages_with_summaries(cloud: Cloud) -> None:
    for name in ("c", "a", "b"):
        await create_stream(cloud, name, shards=1)
    first = await kinesis(cloud, "ListStreams", {"Limit": 2})
    assert first["StreamNames"] == ["a", "b"] and first["HasMoreStreams"] is True
    assert first["StreamSummaries"][0] == {
        "StreamName": "a",
        "StreamARN": f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/a",
        "StreamStatus": "ACTIVE",
        "StreamModeDetails": {"StreamMode": "PROVISIONED"},
        "StreamCreationTimestamp": stream_of(cloud, "a").created,
    }
    rest = await kinesis(cloud, "ListStreams", {"NextToken": first["NextToken"]})
    assert rest["StreamNames"] == ["c"] and rest["HasMoreStreams"] is False
    assert "NextToken" not in rest
    by_name = await kinesis(cloud, "ListStreams", {"ExclusiveStartStreamName": "a"})
    assert by_name["StreamNames"] == ["b", "c"]
    other_region = await cloud.call("kinesis", "ListStreams", {}, region="eu-west-1")
    assert other_region["StreamNames"] == []


async def test_records_past_retention_are_trimmed(cloud: Cloud) -> None:
    stream = await create_stream(cloud, shards=1)
    await put(cloud, "k", b"first")
    await cloud.clock.advance(HOUR)
    await put(cloud, "k", b"second")
    await cloud.clock.advance(23 * HOUR - 1)
    records = await read_shard(cloud, await shard_iterator(cloud, shard_id(0)))
    assert [r["Data"] for r in records] == [b"first", b"second"]
    await cloud.clock.advance(1)  # "first" is exactly 24 hours old: gone
    records = await read_shard(cloud, await shard_iterator(cloud, shard_id(0)))
    assert [r["Data"] for r in records] == [b"second"]
    await cloud.clock.advance(HOUR)
    assert await read_shard(cloud, await shard_iterator(cloud, shard_id(0))) == []
    assert stream.open_shards[0].stored == 1  # gone to readers; the sweep has not run since
    await cloud.clock.advance(60)
    assert stream.open_shards[0].stored == 0  # the once-a-minute sweep let it go


async def test_records_past_the_memory_budget_go_oldest_first_whatever_their_stream(
    cloud: Cloud,
) -> None:
    await create_stream(cloud, shards=1)
    await create_stream(cloud, name="other", shards=1)
    service = cloud.service(KinesisService)
    record = len("k") + 100 + RECORD_OVERHEAD
    service.record_budget = 40 * record
    await put(cloud, "k", b"o" * 100, stream="other")  # the oldest record of all
    await cloud.clock.advance(1)
    for n in range(80):
        await put(cloud, "k", b"%03d" % n + b"." * 97)
        await cloud.clock.advance(1)
    held = [shard.held_bytes for s in ("s", "other") for shard in stream_of(cloud, s).open_shards]
    assert sum(held) <= service.record_budget * (1 + 1 / 16) + record
    assert stream_of(cloud, "other").open_shards[0].stored == 0
    records = await read_shard(cloud, await shard_iterator(cloud, shard_id(0)))
    assert records[-1]["Data"].startswith(b"079")  # the newest are kept, in order
    numbers = [int(r["Data"][:3]) for r in records]
    assert numbers == list(range(numbers[0], 80)) and numbers[0] > 30


async def test_records_read_back_as_written_across_trims(cloud: Cloud) -> None:
    stream = await create_stream(cloud, shards=1)
    written = [(f"ключ-{n}", bytes([n]) * n) for n in range(1, 40)]
    for key, data in written[:20]:
        await put(cloud, key, data)
    await cloud.clock.advance(HOUR)
    for key, data in written[20:]:
        await put(cloud, key, data)
    await cloud.clock.advance(23 * HOUR + 60)  # the first twenty are swept
    assert stream.open_shards[0].stored == 19
    records = await read_shard(cloud, await shard_iterator(cloud, shard_id(0)))
    assert [(r["PartitionKey"], r["Data"]) for r in records] == written[20:]


async def test_retention_rules(cloud: Cloud) -> None:
    await create_stream(cloud, shards=1)

    async def change(action: str, hours: int) -> str:
        error = await kinesis_error(
            cloud, action, {"StreamName": "s", "RetentionPeriodHours": hours}
        )
        assert error.code == "InvalidArgumentException"
        return error.message

    increase, decrease = "IncreaseStreamRetentionPeriod", "DecreaseStreamRetentionPeriod"
    assert await change(increase, 23) == (
        "Minimum allowed retention period is 24 hours. Requested retention period (23 hours) is "
        "too short."
    )
    assert await change(increase, 8761) == (
        "Maximum allowed retention period is 8760 hours. Requested retention period (8761 hours) "
        "is too long."
    )
    assert await change(decrease, 48) == (
        "Requested retention period (48 hours) for stream s can not be longer than existing "
        "retention period (24 hours). Use IncreaseRetentionPeriod API."
    )
    await kinesis(cloud, increase, {"StreamName": "s", "RetentionPeriodHours": 8760})
    assert await change(increase, 100) == (
        "Requested retention period (100 hours) for stream s can not be shorter than existing "
        "retention period (8760 hours). Use DecreaseRetentionPeriod API."
    )
    await kinesis(cloud, decrease, {"StreamName": "s", "RetentionPeriodHours": 24})
    assert stream_of(cloud).retention_hours == 24


async def test_raising_retention_does_not_bring_back_expired_records(cloud: Cloud) -> None:
    await create_stream(cloud, shards=1)
    await put(cloud, "k", b"old")
    await cloud.clock.advance(24 * HOUR + 30)  # expired, but perhaps not yet swept
    await kinesis(
        cloud, "IncreaseStreamRetentionPeriod", {"StreamName": "s", "RetentionPeriodHours": 48}
    )
    assert await read_shard(cloud, await shard_iterator(cloud, shard_id(0))) == []


async def test_lowering_retention_hides_older_records_at_once(cloud: Cloud) -> None:
    await create_stream(
        cloud,
        shards=1,
    )
    await kinesis(
        cloud, "IncreaseStreamRetentionPeriod", {"StreamName": "s", "RetentionPeriodHours": 48}
    )
    await put(cloud, "k", b"old")
    await cloud.clock.advance(30 * HOUR)
    await put(cloud, "k", b"new")
    await kinesis(
        cloud, "DecreaseStreamRetentionPeriod", {"StreamName": "s", "RetentionPeriodHours": 24}
    )
    records = await read_shard(cloud, await shard_iterator(cloud, shard_id(0)))
    assert [r["Data"] for r in records] == [b"new"]


async def test_tags_on_streams(cloud: Cloud) -> None:
    stream = await create_stream(cloud, shards=1, Tags={"team": "web"})
    await kinesis(cloud, "AddTagsToStream", {"StreamName": "s", "Tags": {"env": "prod", "b": ""}})
    listed = await kinesis(cloud, "ListTagsForStream", {"StreamName": "s"})
    assert listed == {
        "Tags": [
            {"Key": "b", "Value": ""},
            {"Key": "env", "Value": "prod"},
            {"Key": "team", "Value": "web"},
        ],
        "HasMoreTags": False,
    }
    page = await kinesis(
        cloud, "ListTagsForStream", {"StreamName": "s", "Limit": 1, "ExclusiveStartTagKey": "b"}
    )
    assert page == {"Tags": [{"Key": "env", "Value": "prod"}], "HasMoreTags": True}
    await kinesis(cloud, "RemoveTagsFromStream", {"StreamName": "s", "TagKeys": ["b", "nope"]})
    by_arn = await kinesis(cloud, "ListTagsForResource", {"ResourceARN": stream.arn})
    assert by_arn == {"Tags": [{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "web"}]}
    await kinesis(cloud, "TagResource", {"ResourceARN": stream.arn, "Tags": {"x": "1"}})
    await kinesis(cloud, "UntagResource", {"ResourceARN": stream.arn, "TagKeys": ["team"]})
    assert stream.tags == {"env": "prod", "x": "1"}
    error = await kinesis_error(cloud, "AddTagsToStream", {"StreamName": "s", "Tags": {"a%": "1"}})
    assert (error.code, error.message) == (
        "InvalidArgumentException",
        f"Failed to add tags to stream s under account {ACCOUNT} because some tags contained "
        "illegal characters. The allowed characters are Unicode letters, white-spaces, "
        "'_',',','/','=','+','-','@',':'.",
    )
    error = await kinesis_error(cloud, "AddTagsToStream", {"StreamName": "s", "Tags": {"a*": "1"}})
    assert error.message == (
        "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white "
        "space, _ . / = + - % @ :."
    )
    many = {f"k{i}": "v" for i in range(49)}
    error = await kinesis_error(cloud, "AddTagsToStream", {"StreamName": "s", "Tags": many})
    assert error.message == (
        f"Failed to add tags to stream s under account {ACCOUNT} because a given stream cannot "
        "have more than 50 tags associated with it."
    )
    assert stream.tags == {"env": "prod", "x": "1"}  # a refused request changes nothing
