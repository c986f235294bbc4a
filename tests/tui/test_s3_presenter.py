"""The S3 presenter on a bare cloud: buckets, one folder level at a time, previews."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text

from backend.cloud import Cloud
from backend.services import new_cloud
from backend.services.s3 import S3Service
from tui.presenters import s3 as presenter_module
from tui.presenters.palette import Palette
from tui.presenters.s3 import (
    PREVIEW_LINES,
    Entry,
    Kind,
    S3Console,
    S3Presenter,
    content_lines,
    parent,
    printable,
    size_text,
)
from widgets.live_table import Row

START = 1_800_000_000.0


@pytest.fixture
def cloud(tmp_path: Path) -> Cloud:
    return new_cloud(start=START, data_dir=tmp_path)


def plain(cell: str | Text) -> str:
    return cell.plain if isinstance(cell, Text) else cell


def names(rows: list[Row]) -> list[str]:
    return [plain(row.cells[0]) for row in rows]


async def s3(cloud: Cloud, action: str, **params: Any) -> dict[str, Any]:
    return await cloud.call("s3", action, params)


async def put(cloud: Cloud, bucket: str, key: str, body: bytes = b"", **params: Any) -> None:
    await s3(cloud, "PutObject", Bucket=bucket, Key=key, Body=body, **params)


def presenter(cloud: Cloud) -> S3Presenter:
    return S3Presenter(cloud, S3Console())


# -- buckets ---------------------------------------------------------------------------


async def test_buckets_show_region_objects_size_and_creation(cloud: Cloud) -> None:
    await s3(cloud, "CreateBucket", Bucket="photos")
    await cloud.clock.advance(60)
    await s3(
        cloud,
        "CreateBucket",
        Bucket="archive",
        CreateBucketConfiguration={"LocationConstraint": "eu-west-1"},
    )
    await put(cloud, "photos", "a.jpg", b"x" * 1500)
    await put(cloud, "photos", "b/c.jpg", b"y" * 100)
    shown = presenter(cloud)

    rows = shown.rows(Palette())
    assert [r.key for r in rows] == ["archive", "photos"]
    assert [plain(c) for c in rows[1].cells] == [
        "photos",
        "us-east-1",
        "2",
        "1.6 KiB",
        "2027-01-15 08:00:00",
    ]
    assert plain(rows[0].cells[1]) == "eu-west-1"
    assert rows[1].sort == ("photos", "us-east-1", 2, 1600, START)

    photos = shown.find("photos")
    assert photos is not None
    assert shown.detail(photos) == (
        "photos · us-east-1 · created 2027-01-15 08:00:00 · 2 objects, 1.6 KiB"
    )
    assert shown.key_of("photos") == "photos"
    assert shown.key_of("nope") is None
    assert shown.badge() == ("2", False)

    await s3(cloud, "DeleteObject", Bucket="photos", Key="a.jpg")
    await s3(cloud, "DeleteObject", Bucket="photos", Key="b/c.jpg")
    await s3(cloud, "DeleteBucket", Bucket="photos")
    assert shown.find("photos") is None
    assert shown.badge() == ("", False)


async def test_the_detail_names_tags_and_event_notifications(cloud: Cloud) -> None:
    await s3(cloud, "CreateBucket", Bucket="docs")
    await cloud.call("sqs", "CreateQueue", {"QueueName": "docs-events"})
    arn = "arn:aws:sqs:us-east-1:123456789012:docs-events"
    await s3(
        cloud,
        "PutBucketNotificationConfiguration",
        Bucket="docs",
        NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]
        },
    )
    await s3(
        cloud,
        "PutBucketTagging",
        Bucket="docs",
        Tagging={"TagSet": [{"Key": "team", "Value": "records"}]},
    )
    bucket = presenter(cloud).find("docs")
    assert bucket is not None
    assert (
        presenter(cloud)
        .detail(bucket)
        .endswith("0 objects, 0 B · 1 event notification to SQS · tags team=records")
    )


# -- one folder level at a time --------------------------------------------------------


async def test_a_level_lists_its_folders_first_then_its_objects(cloud: Cloud) -> None:
    """`a`, `a/` and `a/b` coexist (AWS_FACTS §16.3): the object `a` and the folder `a/`."""
    await s3(cloud, "CreateBucket", Bucket="tree")
    for key in ("a", "a/", "a/b", "a/c/d", "b.txt", "z/y", "a//e"):
        await put(cloud, "tree", key, key.encode())
    console = S3Console()
    shown = S3Presenter(cloud, console)
    bucket = shown.find("tree")
    assert bucket is not None
    palette = Palette(accent="a-style")

    top = shown.child_rows(bucket, palette)
    assert names(top) == ["a/", "z/", "a", "b.txt"]
    assert [Entry.parse(r.key).kind for r in top] == [Kind.FOLDER] * 2 + [Kind.OBJECT] * 2
    folder = top[0].cells[0]
    assert isinstance(folder, Text)
    assert folder.style == "a-style"
    assert shown.child_title(bucket, len(top)) == "Objects · tree/ · 4 shown"

    console.folders["tree"] = "a/"
    inner = shown.child_rows(bucket, palette)
    assert names(inner) == ["..", "/", "c/", "a/ (folder object)", "b"]
    assert Entry.parse(inner[0].key) == Entry(Kind.UP, "tree", "")
    assert Entry.parse(inner[1].key) == Entry(Kind.FOLDER, "tree", "a//")
    assert Entry.parse(inner[4].key) == Entry(Kind.OBJECT, "tree", "a/b")
    assert shown.child_title(bucket, len(inner)) == "Objects · tree/a/ · 4 shown"

    console.folders["tree"] = "a//"
    assert names(shown.child_rows(bucket, palette)) == ["..", "e"]


async def test_an_object_row_has_its_size_time_and_etag(cloud: Cloud) -> None:
    await s3(cloud, "CreateBucket", Bucket="bkt")
    await put(cloud, "bkt", "hello.txt", b"hello world")
    bucket = presenter(cloud).find("bkt")
    assert bucket is not None
    [row] = presenter(cloud).child_rows(bucket, Palette())
    assert [plain(c) for c in row.cells] == [
        "hello.txt",
        "11 B",
        "2027-01-15 08:00:00",
        "5eb63bbbe01eeed093cb22bb8f5acdc3",
    ]


async def test_a_level_is_bounded_and_its_title_says_so(
    cloud: Cloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(presenter_module, "FOLDER_LIMIT", 3)
    await s3(cloud, "CreateBucket", Bucket="many")
    for n in range(5):
        await put(cloud, "many", f"k{n}")
    shown = presenter(cloud)
    bucket = shown.find("many")
    assert bucket is not None
    rows = shown.child_rows(bucket, Palette())
    assert names(rows) == ["k0", "k1", "k2"]
    assert shown.child_title(bucket, 3) == "Objects · many/ · 3 shown (a level lists at most 3)"


@pytest.mark.parametrize(
    ("prefix", "up"),
    [("photos/2026/", "photos/"), ("photos/", ""), ("a//", "a/"), ("/", ""), ("//", "/")],
)
def test_parent_takes_one_segment_off(prefix: str, up: str) -> None:
    assert parent(prefix) == up


def test_a_row_key_names_its_bucket_and_survives_any_key() -> None:
    entry = Entry(Kind.OBJECT, "bkt", "x:y/z\n")
    assert entry.key == "object:bkt/x:y/z\n"
    assert Entry.parse(entry.key) == entry


# -- sizes and printable names ---------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 B"),
        (1023, "1,023 B"),
        (1024, "1.0 KiB"),
        (1_600, "1.6 KiB"),
        (1024**2 - 1, "1.0 MiB"),
        (3_565_158, "3.4 MiB"),
        (5 * 1024**3, "5.0 GiB"),
        (2 * 1024**5, "2.0 PiB"),
    ],
)
def test_sizes_are_in_binary_units(size: int, text: str) -> None:
    assert size_text(size) == text


def test_control_characters_in_keys_show_as_their_pictures() -> None:
    assert printable("a\nb\x00c\x7fd\te") == "a␊b␀c\N{REPLACEMENT CHARACTER}d   e"


# -- previews --------------------------------------------------------------------------


def test_text_shows_its_first_lines() -> None:
    data = b"".join(f"line {n}\r\n".encode() for n in range(50))
    lines = content_lines(data, len(data))
    assert lines[:2] == ["line 0", "line 1"]
    assert len(lines) == PREVIEW_LINES


def test_json_is_pretty_printed_when_whole() -> None:
    data = b'{"order": 7, "items": [{"sku": "A-17"}]}'
    assert content_lines(data, len(data))[:4] == ["{", '  "order": 7,', '  "items": [', "    {"]


def test_the_head_of_a_bigger_json_document_shows_as_written() -> None:
    head = b'{"document": 3, "content": "xxxx'
    assert content_lines(head, 400_000) == [head.decode()]


def test_utf8_cut_inside_a_character_is_still_text() -> None:
    data = "größe".encode()
    assert content_lines(data[:-2], 500) == ["grö"]


def test_gzip_shows_its_decompressed_content() -> None:
    raw = json.dumps({"level": "INFO", "message": "started"}).encode()
    data = gzip.compress(raw, mtime=0)
    assert content_lines(data, len(data)) == [
        f"gzip, {len(data):,} bytes; decompressed:",
        "{",
        '  "level": "INFO",',
        '  "message": "started"',
        "}",
    ]


def test_the_head_of_a_big_gzip_object_decompresses_as_far_as_it_goes() -> None:
    raw = b"".join(f'{{"n": {n}}}\n'.encode() for n in range(100_000))
    data = gzip.compress(raw, mtime=0)
    lines = content_lines(data[:4096], len(data))
    assert lines[0] == f"gzip, {len(data):,} bytes; its decompressed head:"
    assert lines[1:3] == ['{"n": 0}', '{"n": 1}']


def test_a_damaged_gzip_object_says_so() -> None:
    data = b"\x1f\x8b\x08\x00" + b"\xff" * 40
    [line] = content_lines(data, len(data))
    assert line.startswith(f"gzip, {len(data)} bytes, not readable: ")


def test_binary_shows_only_its_size() -> None:
    data = bytes(range(256)) * 4
    assert content_lines(data, 70_000) == ["binary, 70,000 bytes"]
    zipped = gzip.compress(data)
    assert content_lines(zipped, len(zipped)) == [f"gzip, {len(zipped):,} bytes, binary inside"]


def test_an_empty_object_says_it_is_empty() -> None:
    assert content_lines(b"", 0) == ["empty: 0 bytes"]


def test_control_characters_in_text_do_not_break_lines() -> None:
    data = b"\x1b[1mbold\x1b[0m\ta\x0bb"
    assert content_lines(data, len(data)) == ["␛[1mbold␛[0m    a", "b"]


async def test_preview_reads_the_highlighted_object(cloud: Cloud) -> None:
    await s3(cloud, "CreateBucket", Bucket="bkt")
    await put(
        cloud,
        "bkt",
        "logs/app.json",
        b'{"ok": true}',
        ContentType="application/json",
        Metadata={"owner": "ann"},
        Tagging="tier=hot",
    )
    shown = presenter(cloud)
    entry = Entry(Kind.OBJECT, "bkt", "logs/app.json")
    item = shown.object_of(entry)
    assert item is not None
    preview = shown.preview(entry, item)
    assert preview.heading == (
        'logs/app.json · application/json · 12 bytes · ETag "'
        + item.etag.strip('"')
        + '" · 2027-01-15 08:00:00 · metadata owner=ann · tags tier=hot'
    )
    assert preview.lines == ("{", '  "ok": true', "}")

    gone = Entry(Kind.OBJECT, "bkt", "logs/none")
    assert shown.object_of(gone) is None
    assert shown.preview(gone, None).heading == "logs/none · gone"
    assert shown.preview(Entry(Kind.UP, "bkt", ""), None).heading == ".. · up to bkt/"
    assert shown.preview(Entry(Kind.FOLDER, "bkt", "logs/"), None).heading == (
        "bkt/logs/ · a folder: the keys that start with it · enter opens it"
    )


async def test_a_multipart_object_says_how_many_parts(cloud: Cloud) -> None:
    await s3(cloud, "CreateBucket", Bucket="bkt")
    upload = await s3(cloud, "CreateMultipartUpload", Bucket="bkt", Key="big.bin")
    part = await s3(
        cloud,
        "UploadPart",
        Bucket="bkt",
        Key="big.bin",
        UploadId=upload["UploadId"],
        PartNumber=1,
        Body=b"z",
    )
    await s3(
        cloud,
        "CompleteMultipartUpload",
        Bucket="bkt",
        Key="big.bin",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]},
    )
    item = cloud.service(S3Service).object_view("bkt", "big.bin")
    assert item is not None
    heading = presenter(cloud).preview(Entry(Kind.OBJECT, "bkt", "big.bin"), item).heading
    assert '-1" · ' in heading
    assert "multipart, 1 part" in heading
