"""The Kinesis presenter on a bare cloud: streams as rows, shards as lanes, readers as lines.

Also the views' busiest second (`backend.services.kinesis.views`), which the
lanes' gauges are drawn from.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich.text import Text

from backend.cloud import Cloud
from backend.services import new_cloud
from backend.services.kinesis import KinesisConsumer, KinesisService
from backend.services.kinesis.base import TRANSITION
from backend.services.kinesis.hashing import HASH_SPACE, MAX_HASH_KEY, hash_key
from backend.services.kinesis.stream import Stream
from backend.services.kinesis.views import ReaderView, StreamView, stream_view
from tui.presenters.kinesis import (
    KinesisPresenter,
    detail_lines,
    gauge,
    hash_bar,
    lag_text,
    reader_line,
    short_sequence,
    short_shard,
)
from tui.presenters.palette import Palette

PALETTE = Palette(visible="v-style", gone="g-style", error="e-style", warning="w-style")
HALF = HASH_SPACE // 2


def plain(cell: str | Text) -> str:
    return cell.plain if isinstance(cell, Text) else cell


def styles(text: Text) -> list[tuple[str, str]]:
    """(text, style) of each styled run of `text`."""
    return [(text.plain[s.start : s.end], str(s.style)) for s in text.spans]


def horizon(cloud: Cloud) -> str:
    """The trim horizon of a 24-hour stream now, as the detail writes it."""
    return datetime.fromtimestamp(cloud.clock.now() - 86_400, UTC).strftime("%m-%d %H:%M:%S")


async def kinesis(cloud: Cloud, action: str, **params: Any) -> dict[str, Any]:
    return await cloud.call("kinesis", action, params)


async def make_stream(cloud: Cloud, name: str = "clicks", shards: int = 2) -> Stream:
    await kinesis(cloud, "CreateStream", StreamName=name, ShardCount=shards)
    await cloud.clock.advance(TRANSITION)
    return cloud.service(KinesisService).streams[(cloud.region, name)]


async def put_many(cloud: Cloud, stream: str, key: str, count: int, size: int = 10) -> None:
    """`count` records with one partition key, in PutRecords calls at one moment."""
    for start in range(0, count, 500):
        records = [{"PartitionKey": key, "Data": b"x" * size}] * min(500, count - start)
        await kinesis(cloud, "PutRecords", StreamName=stream, Records=records)


# -- small pieces -------------------------------------------------------------------


def test_a_hash_bar_places_a_range_in_the_key_space_to_half_a_cell() -> None:
    assert hash_bar(0, MAX_HASH_KEY) == "▕████████████████▏"
    assert hash_bar(0, HALF - 1) == "▕████████        ▏"
    assert hash_bar(HALF, MAX_HASH_KEY) == "▕        ████████▏"
    assert hash_bar(HALF, HALF + HASH_SPACE // 4 - 1) == "▕        ████    ▏"
    # A 32nd of the space, in the middle of a cell; a single key still shows.
    thirty_second = HASH_SPACE // 32
    assert hash_bar(thirty_second, 2 * thirty_second - 1) == "▕▐               ▏"
    assert hash_bar(2 * thirty_second, 3 * thirty_second - 1) == "▕ ▌              ▏"
    assert hash_bar(MAX_HASH_KEY, MAX_HASH_KEY) == "▕               ▐▏"


def test_a_gauge_is_a_bar_and_a_percentage_red_at_the_limit() -> None:
    calm = gauge(0.3, PALETTE)
    assert calm.plain == "██░░░░  30%"
    assert styles(calm) == [("██", "v-style"), ("░░░░", "g-style")]
    near = gauge(0.85, PALETTE)
    assert near.plain == "█████░  85%"
    assert ("  85%", "w-style") in styles(near)
    hot = gauge(1.0, PALETTE)
    assert hot.plain == "██████ 100%"
    assert styles(hot) == [("██████", "e-style"), (" 100%", "e-style")]
    # Past the limit (a burst a full bucket lets through) the bar stays whole.
    assert gauge(1.9, PALETTE).plain == "██████ 190%"
    assert gauge(40.0, PALETTE).plain == "██████ 999%"
    assert gauge(0.0, PALETTE).plain == "░░░░░░   0%"


def test_ids_sequence_numbers_and_lags_are_shortened_for_the_lanes() -> None:
    assert short_shard("shardId-000000000004") == "…004"
    assert short_shard("shardId-000000001234") == "…1234"
    assert short_shard("shardId-000000000000") == "…000"
    sequence = "49680671112091413758835976136812280007285941755604631554"
    assert short_sequence(sequence) == "…04631554"
    assert short_sequence(None) == "-"
    assert [lag_text(ms) for ms in (0, 400, 9_949, 12_000, 190_000)] == [
        "0.0s",
        "0.4s",
        "9.9s",
        "12s",
        "3m10s",
    ]


def test_a_reader_line_says_where_a_reader_is_on_each_shard() -> None:
    polling = ReaderView(
        "live-dashboard", "polling", 1303, {"shardId-000000000002": 0, "shardId-000000000001": 400}
    )
    assert reader_line(polling) == (
        "live-dashboard · polling · 1,303 read · lag …001 0.4s, …002 0.0s"
    )
    assert reader_line(ReaderView("analytics", "enhanced", 0, {})) == (
        "analytics · EFO · 0 read · no SubscribeToShard session"
    )


# -- the busiest second (views) ----------------------------------------------------------


async def test_a_shards_busiest_second_outlasts_its_five_second_average() -> None:
    cloud = new_cloud(seed="presenters")
    stream = await make_stream(cloud, shards=1)
    service = cloud.service(KinesisService)
    await put_many(cloud, "clicks", "k", 600, size=99)
    await cloud.clock.advance(1)
    await put_many(cloud, "clicks", "k", 200, size=99)
    await cloud.clock.advance(1)
    (shard,) = stream_view(service, stream, cloud.clock.now()).shards
    assert (shard.peak_records_in, shard.peak_bytes_in) == (600, 600 * 100)
    assert shard.peak_write_share == 0.6

    await cloud.clock.advance(30)
    (shard,) = stream_view(service, stream, cloud.clock.now()).shards
    assert shard.records_in == 0  # the five-second average forgot the burst
    assert shard.peak_records_in == 600
    assert shard.peak_bytes_out == 0

    await cloud.clock.advance(30)
    (shard,) = stream_view(service, stream, cloud.clock.now()).shards
    assert (shard.peak_records_in, shard.peak_bytes_in) == (0, 0)


async def test_a_burst_past_the_limit_peaks_at_the_limit_and_is_throttled() -> None:
    cloud = new_cloud(seed="presenters")
    stream = await make_stream(cloud, shards=1)
    await put_many(cloud, "clicks", "k", 1_200)
    await cloud.clock.advance(1)
    (shard,) = stream_view(cloud.service(KinesisService), stream, cloud.clock.now()).shards
    assert shard.peak_records_in == 1_000
    assert shard.peak_write_share == 1.0
    assert shard.throttled_writes == 200


# -- KinesisPresenter ---------------------------------------------------------------


async def test_streams_are_rows_keyed_by_arn_and_found_again() -> None:
    cloud = new_cloud(seed="presenters")
    presenter = KinesisPresenter(cloud)
    assert presenter.rows(PALETTE) == []
    assert presenter.badge() == ("", False)
    stream = await make_stream(cloud, shards=2)
    await kinesis(
        cloud, "CreateStream", StreamName="auto", StreamModeDetails={"StreamMode": "ON_DEMAND"}
    )
    rows = presenter.rows(PALETTE)
    assert [r.key for r in rows] == [stream.arn.replace("clicks", "auto"), stream.arn]
    assert [plain(c) for c in rows[1].cells] == [
        "clicks",
        "PROVISIONED",
        "ACTIVE",
        "2",
        "0",
        "24h",
        "0.0",
        "0.0",
        "0",
    ]
    assert [plain(c) for c in rows[0].cells][:4] == ["auto", "ON_DEMAND", "CREATING", "4"]
    assert presenter.find(stream.arn) is stream
    assert presenter.key_of("clicks") == stream.arn
    assert presenter.key_of("missing") is None
    assert presenter.name(stream) == "clicks"

    await kinesis(cloud, "DeleteStream", StreamName="clicks")
    assert plain(presenter.rows(PALETTE)[1].cells[2]) == "DELETING"
    await cloud.clock.advance(TRANSITION)
    assert presenter.find(stream.arn) is None


async def test_a_hot_key_throttles_its_shard_in_red_and_the_rail_says_so() -> None:
    cloud = new_cloud(seed="presenters")
    presenter = KinesisPresenter(cloud)
    stream = await make_stream(cloud, shards=2)
    hot = "user-hot"
    shard = stream.route(hash_key(hot))
    hot_shard = shard.shard_id
    await put_many(cloud, "clicks", hot, 1_100)
    await cloud.clock.advance(1)

    row = presenter.stream_row(stream)
    assert [plain(c) for c in row.cells][6:] == ["16.7", "0.0", "100"]
    assert presenter.badge() == ("1", True)
    lanes = {r.key: r for r in presenter.child_rows(stream, PALETTE)}
    assert list(lanes) == ["shardId-000000000000", "shardId-000000000001"]
    lane = lanes[hot_shard]
    assert [plain(c) for c in lane.cells] == [
        f"shardId-{short_shard(hot_shard)}",
        "OPEN",
        hash_bar(shard.start_hash, shard.end_hash),
        "-",
        "██████ 100%",
        "░░░░░░   2%",  # 1,000 records of 18 bytes, key included, of 1 MiB
        "░░░░░░   0%",
        "100",
        short_sequence(shard.newest_sequence),
        "-",
    ]
    throttled = lane.cells[7]
    assert isinstance(throttled, Text) and str(throttled.style) == "e-style"
    (cold,) = (r for key, r in lanes.items() if key != hot_shard)
    assert plain(cold.cells[4]) == "░░░░░░   0%"
    assert plain(cold.cells[8]) == "-"

    # A minute later the burst has left the window: the rail calms down, the count stays.
    await cloud.clock.advance(60)
    assert presenter.badge() == ("", False)
    lane = {r.key: r for r in presenter.child_rows(stream, PALETTE)}[hot_shard]
    assert plain(lane.cells[4]) == "░░░░░░   0%"
    assert isinstance(lane.cells[7], Text) and lane.cells[7].plain == "100"
    assert str(lane.cells[7].style) == ""


async def test_a_split_shows_its_parent_closed_and_the_children_each_half() -> None:
    cloud = new_cloud(seed="presenters")
    presenter = KinesisPresenter(cloud)
    stream = await make_stream(cloud, shards=1)
    await kinesis(
        cloud,
        "SplitShard",
        StreamName="clicks",
        ShardToSplit="shardId-000000000000",
        NewStartingHashKey=str(HALF),
    )
    await cloud.clock.advance(TRANSITION)
    rows = presenter.child_rows(stream, PALETTE)
    assert [[plain(c) for c in r.cells[:4]] for r in rows] == [
        ["shardId-…000", "CLOSED", "▕████████████████▏", "-"],
        ["shardId-…001", "OPEN", "▕████████        ▏", "…000"],
        ["shardId-…002", "OPEN", "▕        ████████▏", "…000"],
    ]
    assert presenter.child_title(stream, len(rows)) == (
        "Shards · clicks · gauges: busiest second of the last minute"
    )
    await kinesis(
        cloud,
        "MergeShards",
        StreamName="clicks",
        ShardToMerge="shardId-000000000001",
        AdjacentShardToMerge="shardId-000000000002",
    )
    await cloud.clock.advance(TRANSITION)
    merged = presenter.child_rows(stream, PALETTE)[-1]
    assert [plain(c) for c in merged.cells[:4]] == [
        "shardId-…003",
        "OPEN",
        "▕████████████████▏",
        "…001+…002",
    ]
    assert plain(presenter.stream_row(stream).cells[3]) == "1"
    assert plain(presenter.stream_row(stream).cells[4]) == "3"


async def test_the_detail_moves_the_trim_horizon_with_the_clock_and_lists_readers() -> None:
    cloud = new_cloud(seed="presenters")
    presenter = KinesisPresenter(cloud)
    stream = await make_stream(cloud, shards=2)
    assert presenter.detail(stream).split("\n") == [
        f"clicks · retention 24h · TRIM_HORIZON {horizon(cloud)} · 0 records held · "
        "PROVISIONED ACTIVE, 2 open + 0 closed shards",
        "no consumers read this stream yet",
    ]
    await cloud.clock.advance(7)
    assert f"· TRIM_HORIZON {horizon(cloud)} ·" in presenter.detail(stream)

    await put_many(cloud, "clicks", "k", 3)
    reader = KinesisConsumer(cloud, "archiver", "clicks", interval=1.0)
    reader.start()
    await kinesis(cloud, "RegisterStreamConsumer", StreamARN=stream.arn, ConsumerName="analytics")
    await cloud.clock.advance(3)
    lines = presenter.detail(stream).split("\n")
    assert lines[0].endswith(" · 3 records held · PROVISIONED ACTIVE, 2 open + 0 closed shards")
    assert lines[1:] == [
        "archiver · polling · 3 read · lag …000 0.0s, …001 0.0s",
        "analytics · EFO · 0 read · no SubscribeToShard session",
    ]
    reader.stop()


def test_readers_past_three_lines_share_the_last_by_worst_lag() -> None:
    view = stream_view_with_readers(
        [ReaderView(f"r{n}", "polling", n, {"shardId-000000000000": 1000 * n}) for n in range(5)]
    )
    assert detail_lines(view).split("\n")[1:] == [
        "r0 · polling · 0 read · lag …000 0.0s",
        "r1 · polling · 1 read · lag …000 1.0s",
        "r2 lag 2.0s · r3 lag 3.0s · r4 lag 4.0s",
    ]


def stream_view_with_readers(readers: list[ReaderView]) -> StreamView:
    """A view of an empty stream read by `readers` (the detail takes any StreamView)."""
    return StreamView(
        name="s",
        arn="arn:aws:kinesis:us-east-1:123456789012:stream/s",
        status="ACTIVE",
        mode="PROVISIONED",
        retention_hours=24,
        trim_horizon=0.0,
        shards=(),
        readers=tuple(readers),
        records_in=0,
        bytes_in=0,
        throttled_writes=0,
        throttled_reads=0,
    )


async def test_sparks_count_records_in_out_and_throttled_a_second_each() -> None:
    cloud = new_cloud(seed="presenters")
    presenter = KinesisPresenter(cloud)
    stream = await make_stream(cloud, shards=1)
    await put_many(cloud, "clicks", "k", 1_050)
    iterator = await kinesis(
        cloud,
        "GetShardIterator",
        StreamName="clicks",
        ShardId="shardId-000000000000",
        ShardIteratorType="TRIM_HORIZON",
    )
    await kinesis(cloud, "GetRecords", ShardIterator=iterator["ShardIterator"], Limit=10)
    await cloud.clock.advance(1)
    sparks = presenter.sparks(stream)
    assert list(sparks) == ["in", "out", "throttled"]
    assert [sum(s) for s in sparks.values()] == [1_000, 10, 50]
    assert all(len(s) == 60 for s in sparks.values())
