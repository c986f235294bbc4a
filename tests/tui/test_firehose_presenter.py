"""The Firehose presenter on a bare cloud: rows, the two buffer gauges at exact clock times,
the deliveries, and the views it reads them from."""

from __future__ import annotations

import pytest
from rich.text import Text

from backend.cloud import Cloud
from backend.services import new_cloud
from tests.backend.test_firehose_helpers import create_stream, firehose, put_batch
from tui.presenters.firehose import FirehosePresenter, format_bytes, gauge
from tui.presenters.formats import clock
from tui.presenters.palette import Palette

PALETTE = Palette(
    visible="v-style",
    inflight="i-style",
    delayed="d-style",
    gone="g-style",
    error="e-style",
    accent="a-style",
)
KIB = 1024


def plain(cell: str | Text) -> str:
    return cell.plain if isinstance(cell, Text) else cell


def presenter(cloud: Cloud) -> FirehosePresenter:
    made = FirehosePresenter(cloud)
    made.palette = PALETTE
    return made


def detail_lines(made: FirehosePresenter, name: str = "logs") -> list[str]:
    view = made.firehose.stream_view(name)
    assert view is not None
    return made.detail(view).plain.split("\n")


async def put(cloud: Cloud, data: bytes, name: str = "logs") -> None:
    await firehose(cloud, "PutRecord", {"DeliveryStreamName": name, "Record": {"Data": data}})


# -- the pieces ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (0, "0 B"),
        (812, "812 B"),
        (1023, "1023 B"),
        (1024, "1 KiB"),
        (5 * KIB + 205, "5.2 KiB"),
        (312 * KIB + 100, "312 KiB"),
        (1024 * KIB, "1 MiB"),
        (128 * 1024 * KIB, "128 MiB"),
    ],
)
def test_bytes_are_written_in_binary_units(count: int, text: str) -> None:
    assert format_bytes(count) == text


@pytest.mark.parametrize(
    ("fraction", "bar"),
    [
        (0.0, "░" * 16),
        (0.001, "█" + "░" * 15),
        (0.25, "████" + "░" * 12),
        (15.99 / 16, "█" * 15 + "░"),
        (1.0, "█" * 16),
        (1.5, "█" * 16),
        (-1.0, "░" * 16),
    ],
)
def test_a_gauge_is_full_only_when_its_hint_is_reached(fraction: float, bar: str) -> None:
    assert gauge(fraction) == bar


# -- the streams table -------------------------------------------------------------------


async def test_streams_are_rows_keyed_by_arn_and_found_again() -> None:
    cloud = new_cloud(seed="firehose-presenter")
    made = presenter(cloud)
    assert made.rows(PALETTE) == []
    assert made.badge() == ("", False)
    stream = await create_stream(cloud, "logs", size_mb=1, interval=60, Prefix="logs/")
    [row] = made.rows(PALETTE)
    assert row.key == stream.arn
    assert [plain(c) for c in row.cells] == [
        "logs",
        "ACTIVE",
        "DirectPut",
        "s3://bkt/logs/",
        "0.0",
        "0",
        "0",
    ]
    assert isinstance(row.cells[1], Text) and row.cells[1].style == "v-style"
    view = made.find(stream.arn)
    assert view is not None and made.name(view) == "logs"
    assert made.key_of("logs") == stream.arn
    assert made.key_of("nope") is None
    assert made.find(stream.arn.replace("/logs", "/nope")) is None
    assert made.find(stream.arn.replace("us-east-1", "eu-west-1")) is None
    assert made.find("not an arn") is None

    await put_batch(cloud, "logs", *(b"x" * 10 for _ in range(30)))
    await cloud.clock.advance(1)
    [row] = made.rows(PALETTE)
    # 30 records in the last 10 s: 3 a second; all 30 still waiting in the buffer.
    assert [plain(c) for c in row.cells][4:] == ["3.0", "0", "30"]
    assert row.sort[4:] == (3.0, 0, 30)

    await firehose(cloud, "DeleteDeliveryStream", {"DeliveryStreamName": "logs"})
    [row] = made.rows(PALETTE)
    assert plain(row.cells[1]) == "DELETING"
    assert isinstance(row.cells[1], Text) and row.cells[1].style == "e-style"
    await cloud.clock.advance(5)
    assert made.find(stream.arn) is None
    assert made.rows(PALETTE) == []


# -- the two gauges, at exact times --------------------------------------------------------


async def test_both_gauges_fill_toward_their_hints_on_the_clock() -> None:
    cloud = new_cloud(seed="firehose-presenter")
    made = presenter(cloud)
    await create_stream(cloud, "logs", size_mb=1, interval=60)
    assert detail_lines(made)[1:3] == [
        "size ▕░░░░░░░░░░░░░░░░▏ 0 B / 1 MiB       0 records buffered",
        "time ▕░░░░░░░░░░░░░░░░▏ - / 60 s          starts with the next record",
    ]
    await put(cloud, b"a" * (256 * KIB))
    await cloud.clock.advance(15)
    assert detail_lines(made)[1:3] == [
        "size ▕████░░░░░░░░░░░░▏ 256 KiB / 1 MiB   1 record buffered",
        "time ▕████░░░░░░░░░░░░▏ 15 s / 60 s       flushes in 45 s at the latest",
    ]
    await put(cloud, b"b" * (512 * KIB))
    await cloud.clock.advance(30)
    assert detail_lines(made)[1:3] == [
        "size ▕████████████░░░░▏ 768 KiB / 1 MiB   2 records buffered",
        "time ▕████████████░░░░▏ 45 s / 60 s       flushes in 15 s at the latest",
    ]

    view = made.firehose.stream_view("logs")
    assert view is not None
    gauges = made.detail(view).split("\n")[1]
    assert [(span.start, span.end, span.style) for span in gauges.spans] == [
        (6, 18, "i-style"),
        (18, 22, "g-style"),
    ]

    # The interval is up first: one object, the buffer empty and both gauges back to zero.
    await cloud.clock.advance(15)
    lines = detail_lines(made)
    assert lines[1].startswith("size ▕░░░░░░░░░░░░░░░░▏ 0 B / 1 MiB ")
    assert lines[2].startswith("time ▕░░░░░░░░░░░░░░░░▏ - / 60 s ")
    assert lines[3] == ("records in 2 · delivered 2 in 1 object · throttled 0 · dropped 0")


async def test_the_size_gauge_wins_when_the_buffer_fills_first() -> None:
    cloud = new_cloud(seed="firehose-presenter")
    made = presenter(cloud)
    await create_stream(cloud, "logs", size_mb=1, interval=900)
    await put(cloud, b"a" * (512 * KIB))
    await cloud.clock.advance(10)
    assert detail_lines(made)[1:3] == [
        "size ▕████████░░░░░░░░▏ 512 KiB / 1 MiB   1 record buffered",
        "time ▕█░░░░░░░░░░░░░░░▏ 10 s / 900 s      flushes in 890 s at the latest",
    ]
    await put(cloud, b"b" * (512 * KIB))
    await cloud.clock.advance(0)
    view = made.firehose.stream_view("logs")
    assert view is not None
    assert view.counters.objects == 1 and view.buffer.records == 0


# -- the detail and the deliveries -----------------------------------------------------------


async def test_the_settings_line_names_hints_compression_prefixes_and_version() -> None:
    cloud = new_cloud(seed="firehose-presenter")
    made = presenter(cloud)
    await create_stream(
        cloud,
        "logs",
        size_mb=1,
        interval=60,
        Prefix="app/!{timestamp:yyyy/MM/dd}/",
        ErrorOutputPrefix="errors/",
        CompressionFormat="GZIP",
    )
    await create_stream(cloud, "plain", Prefix="raw/")
    await create_stream(cloud, "bare")
    assert detail_lines(made)[0] == (
        "logs · VersionId 1 · BufferingHints 1 MiB / 60 s · GZIP · "
        "Prefix app/!{timestamp:yyyy/MM/dd}/ · ErrorOutputPrefix errors/"
    )
    assert detail_lines(made, "plain")[0] == (
        "plain · VersionId 1 · BufferingHints 5 MiB / 300 s · UNCOMPRESSED · "
        "Prefix raw/ + YYYY/MM/dd/HH/"
    )
    assert detail_lines(made, "bare")[0].endswith(" · Prefix YYYY/MM/dd/HH/ (default, UTC)")
    await firehose(
        cloud,
        "UpdateDestination",
        {
            "DeliveryStreamName": "plain",
            "CurrentDeliveryStreamVersionId": "1",
            "DestinationId": "destinationId-000000000001",
            "ExtendedS3DestinationUpdate": {
                "BufferingHints": {"SizeInMBs": 2, "IntervalInSeconds": 120}
            },
        },
    )
    assert detail_lines(made, "plain")[0].startswith(
        "plain · VersionId 2 · BufferingHints 2 MiB / 120 s · "
    )


async def test_deliveries_are_rows_newest_first() -> None:
    cloud = new_cloud(seed="firehose-presenter")
    made = presenter(cloud)
    await create_stream(cloud, "logs", size_mb=1, interval=60, Prefix="logs/")
    start = cloud.clock.now()
    await put(cloud, b"one\n")
    await put(cloud, b"two\n")
    await cloud.clock.advance(60)
    await put(cloud, b"three\n")
    await cloud.clock.advance(60)
    view = made.find(made.key_of("logs") or "")
    assert view is not None
    rows = made.child_rows(view, PALETTE)
    assert [[plain(c) for c in r.cells][::2] for r in rows] == [
        [clock(start + 120), "6 B"],
        [clock(start + 60), "8 B"],
    ]
    assert [plain(r.cells[3]) for r in rows] == ["1", "2"]
    assert rows[1].key.startswith("logs/2026/11/29/09/logs-1-2026-11-29-09-00-00-")
    assert rows[0].key == plain(rows[0].cells[1])
    assert made.child_title(view, len(rows)) == "Deliveries · logs · 2 objects to s3://bkt"
    assert made.child_title(view, 1) == (
        "Deliveries · logs · 2 objects to s3://bkt (latest 1 shown)"
    )
    sparks = made.sparks(view)
    assert list(sparks) == ["in", "delivered", "throttled"]
    assert sum(sparks["in"]) == 1
    # The last 60 whole seconds: the first flush, not the one of this very second.
    assert sum(sparks["delivered"]) == 2
    assert len(sparks["in"]) == 60


async def test_a_missing_bucket_is_a_failing_line_a_marked_waiting_count_and_an_alert() -> None:
    cloud = new_cloud(seed="firehose-presenter")
    made = presenter(cloud)
    await create_stream(cloud, "logs", size_mb=1, interval=60)
    await cloud.call("s3", "DeleteBucket", {"Bucket": "bkt"})
    await put(cloud, b"lost?\n")
    await cloud.clock.advance(60)
    await put(cloud, b"more\n")
    lines = detail_lines(made)
    assert lines[3] == (
        "⚠ S3 answers NoSuchBucket: retrying every 5 s, each object for up to 24 h · "
        "1 object (2 records) waiting"
    )
    [row] = made.rows(PALETTE)
    waiting = row.cells[6]
    assert isinstance(waiting, Text)
    assert (waiting.plain, waiting.style) == ("2 ⚠", "e-style")
    assert made.badge() == ("1", True)

    await cloud.call("s3", "CreateBucket", {"Bucket": "bkt"})
    await cloud.clock.advance(5)
    assert made.badge() == ("", False)
    assert detail_lines(made)[3].startswith("records in 2 · delivered 1 in 1 object · ")


async def test_records_dropped_after_24_hours_are_counted_in_the_error_colour() -> None:
    cloud = new_cloud(seed="firehose-presenter")
    made = presenter(cloud)
    await create_stream(cloud, "logs", size_mb=1, interval=60)
    await cloud.call("s3", "DeleteBucket", {"Bucket": "bkt"})
    await put(cloud, b"gone\n")
    await cloud.clock.advance(60 + 86_400)
    assert detail_lines(made)[3].endswith(" · 0 objects (0 records) waiting · 1 record dropped")

    await cloud.call("s3", "CreateBucket", {"Bucket": "bkt"})
    await put(cloud, b"kept\n")
    await cloud.clock.advance(60)
    view = made.firehose.stream_view("logs")
    assert view is not None
    totals = made.detail(view).split("\n")[3]
    assert totals.plain == "records in 2 · delivered 1 in 1 object · throttled 0 · dropped 1"
    assert [totals.plain[s.start : s.end] for s in totals.spans if s.style == "e-style"] == [
        "dropped 1"
    ]


async def test_a_kinesis_source_is_named_in_the_row_and_the_settings() -> None:
    cloud = new_cloud(seed="firehose-presenter")
    made = presenter(cloud)
    await cloud.call("kinesis", "CreateStream", {"StreamName": "clicks", "ShardCount": 1})
    await cloud.clock.advance(30)
    await cloud.call("s3", "CreateBucket", {"Bucket": "bkt"})
    arn = f"arn:aws:kinesis:{cloud.region}:{cloud.account}:stream/clicks"
    role = f"arn:aws:iam::{cloud.account}:role/r"
    await firehose(
        cloud,
        "CreateDeliveryStream",
        {
            "DeliveryStreamName": "from-clicks",
            "DeliveryStreamType": "KinesisStreamAsSource",
            "KinesisStreamSourceConfiguration": {"KinesisStreamARN": arn, "RoleARN": role},
            "ExtendedS3DestinationConfiguration": {
                "RoleARN": role,
                "BucketARN": "arn:aws:s3:::bkt",
            },
        },
    )
    [row] = made.rows(PALETTE)
    assert [plain(c) for c in row.cells][:3] == ["from-clicks", "CREATING", "kinesis:clicks"]
    assert isinstance(row.cells[1], Text) and row.cells[1].style == "d-style"
    assert detail_lines(made, "from-clicks")[0].endswith(" · from Kinesis stream clicks")
