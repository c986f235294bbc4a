"""The S3 pane driven by its keys, checked against the buckets, the files and the screen.

Uploads and downloads stream in a worker: a test waits for those workers
(`transfers`), never for time to pass.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual.pilot import Pilot

from backend.services.s3 import S3Service
from tests.tui.helpers import (
    PRODUCER,
    SIZE,
    AppPilot,
    console_calls,
    field_value,
    fill,
    form,
    screen,
    screen_lines,
    skydeck,
    submit,
    toasts,
)
from tests.tui.snapshots import SIZES, SnapCompare, SnapshotApp, ansi_only, then
from tui.app import SkydeckApp
from tui.presenters.s3 import Entry, Kind
from tui.screens.s3 import S3Pane, local_name
from widgets.confirm import ConfirmScreen
from widgets.form import FormScreen

SUMMARY = {"month": "2026-11", "orders": 1288, "refunds": {"count": 3, "total": 41.5}}
#: The objects of the `reports` bucket: folders two deep, JSON, gzip, text and binary.
OBJECTS: dict[str, bytes] = {
    "2026/11/summary.json": json.dumps(SUMMARY).encode(),
    "2026/11/orders.csv.gz": gzip.compress(b"order,sku,qty\n1288,A-17,2\n1289,B-02,1\n", mtime=0),
    "2026/12/summary.json": b'{"month": "2026-12"}',
    "2026/notes.txt": b"Totals are in EUR.\nRefunds count once.\n",
    "README.md": b"# reports\nMonthly summaries, one folder a month.\n",
    "logo.png": bytes(range(256)),
}


def s3_service(app: SkydeckApp) -> S3Service:
    return app.cloud.service(S3Service)


def s3_pane(app: SkydeckApp) -> S3Pane:
    pane = app.pane(S3Pane)
    assert isinstance(pane, S3Pane)
    return pane


async def seed(app: SkydeckApp) -> None:
    """The `reports` bucket, filled by someone else than the console."""
    cloud = app.cloud
    await cloud.call("s3", "CreateBucket", {"Bucket": "reports"}, caller=PRODUCER)
    for key, body in OBJECTS.items():
        params: dict[str, Any] = {"Bucket": "reports", "Key": key, "Body": body}
        if key.endswith(".json"):
            params["ContentType"] = "application/json"
            params["Metadata"] = {"owner": "finance"}
        await cloud.call("s3", "PutObject", params, caller=PRODUCER)


async def show(pilot: AppPilot, where: str) -> S3Pane:
    """The S3 pane at `where`, as `:s3 where` goes there."""
    app = skydeck(pilot)
    await app.go_to(f"s3 {where}")
    await pilot.pause()
    return s3_pane(app)


def names(pane: S3Pane) -> list[str]:
    """The object table's names, as shown."""
    cells = [row.cells[0] for row in pane.child_table.shown]
    return [c.plain if isinstance(c, Text) else c for c in cells]


def cursor(pane: S3Pane) -> Entry | None:
    key = pane.child_table.cursor_key
    return Entry.parse(key) if key is not None else None


def question(app: SkydeckApp) -> str:
    confirm = screen(app)
    assert isinstance(confirm, ConfirmScreen)
    return confirm.question


async def transfers(pilot: AppPilot) -> None:
    """Wait for the pane's uploads and downloads to finish, then for what they showed."""
    app = skydeck(pilot)
    await app.workers.wait_for_complete([w for w in app.workers if w.group == "s3-transfer"])
    await pilot.pause()


# -- the folder tree ------------------------------------------------------------------


async def test_enter_opens_folders_and_backspace_and_escape_go_up(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await seed(app)
        pane = await show(pilot, "reports")
        assert names(pane) == ["2026/", "README.md", "logo.png"]
        assert pane.child_table.title == "Objects · reports/ · 3 shown"
        assert not pane.check_action("up", ())

        await pilot.press("enter")
        assert pane.child_table.table.has_focus
        await pilot.press("enter")
        assert names(pane) == ["..", "11/", "12/", "notes.txt"]
        assert pane.child_table.title == "Objects · reports/2026/ · 3 shown"
        assert cursor(pane) == Entry(Kind.FOLDER, "reports", "2026/11/")

        await pilot.press("enter")
        assert names(pane) == ["..", "orders.csv.gz", "summary.json"]
        assert pane.child_table.title == "Objects · reports/2026/11/ · 2 shown"

        # Up, the cursor on the folder it came from.
        await pilot.press("backspace")
        assert pane.child_table.title == "Objects · reports/2026/ · 3 shown"
        assert cursor(pane) == Entry(Kind.FOLDER, "reports", "2026/11/")

        # `..` is a row like any other: Enter on it goes up too.
        await pilot.press("up", "enter")
        assert names(pane) == ["2026/", "README.md", "logo.png"]
        assert cursor(pane) == Entry(Kind.FOLDER, "reports", "2026/")

        # At the top, Esc goes back to the buckets, and then it is not the pane's.
        await pilot.press("escape")
        assert pane.resource_table.table.has_focus
        assert not pane.check_action("up", ())
        assert app.bugs == []


async def test_each_bucket_remembers_its_folder(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await seed(app)
        pane = await show(pilot, "reports/2026/")
        assert names(pane)[0] == ".."
        await show(pilot, "log-archive")
        assert pane.child_table.title == "Objects · log-archive/ · 0 shown"
        assert pane.entry() is None
        await show(pilot, "reports")
        assert pane.child_table.title == "Objects · reports/2026/ · 3 shown"


async def test_go_to_reaches_a_folder_or_an_object(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await seed(app)
        pane = await show(pilot, "s3://reports/2026/11/summary.json")
        assert app.current_pane is pane
        assert pane.child_table.title == "Objects · reports/2026/11/ · 2 shown"
        assert cursor(pane) == Entry(Kind.OBJECT, "reports", "2026/11/summary.json")

        await show(pilot, "no-such-bucket")
        assert any("S3 has nothing called 'no-such-bucket'" in t for t in toasts(app))


async def test_the_highlighted_object_is_previewed(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await seed(app)
        pane = await show(pilot, "reports/2026/11/summary.json")
        text = "\n".join(screen_lines(app))
        etag = hashlib.md5(OBJECTS["2026/11/summary.json"]).hexdigest()
        assert f'2026/11/summary.json · application/json · 76 bytes · ETag "{etag}"' in text
        assert str(pane.preview_title.content).endswith(" · metadata owner=finance")
        # Pretty-printed, indentation and all, as the screen shows it.
        assert '   "month": "2026-11",' in text
        assert '     "count": 3,' in text

        pane.child_table.focus_table()
        await pilot.press("up")
        text = "\n".join(screen_lines(app))
        assert "orders.csv.gz · binary/octet-stream" in text
        assert "gzip, 55 bytes; decompressed:" in text
        assert "1288,A-17,2" in text

        await show(pilot, "reports/logo.png")
        assert "binary, 256 bytes" in "\n".join(screen_lines(app))
        await show(pilot, "reports/2026/")
        assert pane.preview_title.display
        assert not pane.preview_body.display


async def test_a_file_put_in_the_bucket_folder_shows_after_a_rescan(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await seed(app)
        pane = await show(pilot, "reports")
        bucket = s3_service(app).bucket_view("reports")
        assert bucket is not None
        (bucket.folder / "dropped.txt").write_bytes(b"from the file manager\n")
        await s3_service(app).rescan()
        app.refresh_view()
        await pilot.pause()
        assert names(pane) == ["2026/", "README.md", "dropped.txt", "logo.png"]

        (bucket.folder / "README.md").unlink()
        await s3_service(app).rescan()
        app.refresh_view()
        await pilot.pause()
        assert names(pane) == ["2026/", "dropped.txt", "logo.png"]


# -- CreateBucket -----------------------------------------------------------------------


async def test_n_creates_a_bucket_and_a_bad_name_comes_back_with_why(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        pane = await show(pilot, "log-archive")
        await pilot.press("n")
        await pilot.pause()
        assert form(app).title_text == "CreateBucket"
        await fill(pilot, Bucket="Bad_Name")
        await submit(pilot)
        again = form(app)
        assert again.description.startswith("InvalidBucketName: ")
        assert field_value(app, "Bucket") == "Bad_Name"

        await fill(pilot, Bucket="scratch-1")
        await submit(pilot)
        assert not isinstance(screen(app), FormScreen)
        created = s3_service(app).bucket_view("scratch-1")
        assert created is not None
        assert created.folder.is_dir()
        assert pane.resource_table.cursor_key == "scratch-1"
        assert any(
            t.startswith("Created scratch-1\ns3://scratch-1 in us-east-1.") for t in toasts(app)
        )
        assert console_calls(app) == [("CreateBucket", "InvalidBucketName"), ("CreateBucket", "")]


# -- PutObject from a file --------------------------------------------------------------


async def test_u_uploads_a_file_into_the_folder_shown(app: SkydeckApp, tmp_path: Path) -> None:
    data = bytes(range(256)) * 2500  # 640,000 bytes: more than one chunk
    local = tmp_path / "q4.json"
    local.write_bytes(data)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await seed(app)
        pane = await show(pilot, "reports/2026/")
        await pilot.press("u")
        await pilot.pause()
        assert form(app).title_text == "PutObject → reports/2026/"
        assert field_value(app, "Key") == "2026/"
        await fill(pilot, path=str(local))
        await submit(pilot)
        await transfers(pilot)

        item = s3_service(app).object_view("reports", "2026/q4.json")
        assert item is not None
        assert item.file.read_bytes() == data
        assert item.etag == f'"{hashlib.md5(data).hexdigest()}"'
        assert item.content_type == "application/json"
        assert "q4.json" in names(pane)
        assert cursor(pane) == Entry(Kind.OBJECT, "reports", "2026/q4.json")
        assert any(
            t.startswith("Uploaded s3://reports/2026/q4.json\n625.0 KiB") for t in toasts(app)
        )

        # A key of one's own; ending in / it gets the file's name.
        await pilot.press("u")
        await pilot.pause()
        await fill(pilot, path=str(local), Key="elsewhere/")
        await submit(pilot)
        await transfers(pilot)
        assert s3_service(app).object_view("reports", "elsewhere/q4.json") is not None
        assert console_calls(app) == [("PutObject", ""), ("PutObject", "")]


async def test_a_missing_file_or_a_folder_is_not_uploaded(app: SkydeckApp, tmp_path: Path) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await seed(app)
        await show(pilot, "reports")
        for path, why in ((tmp_path / "nope.txt", "no such file"), (tmp_path, "is a folder")):
            await pilot.press("u")
            await pilot.pause()
            await fill(pilot, path=str(path))
            await submit(pilot)
            await transfers(pilot)
            assert any(t.startswith(f"Not uploaded\n{path}: {why}") for t in toasts(app)), why
        assert console_calls(app) == []


# -- GetObject to a file ----------------------------------------------------------------


async def test_g_downloads_the_object_and_asks_before_replacing_a_file(
    app: SkydeckApp, tmp_path: Path
) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await seed(app)
        await show(pilot, "reports/2026/11/summary.json")
        await pilot.press("g")
        await pilot.pause()
        assert form(app).title_text == "GetObject · 2026/11/summary.json"
        assert field_value(app, "path") == str(Path.cwd() / "summary.json")
        await fill(pilot, path=str(tmp_path))  # a folder: the object's name in it
        await submit(pilot)
        await transfers(pilot)
        saved = tmp_path / "summary.json"
        assert saved.read_bytes() == OBJECTS["2026/11/summary.json"]
        assert any(t == f"Downloaded 2026/11/summary.json\n76 B to {saved}" for t in toasts(app))

        saved.write_bytes(b"mine")
        await pilot.press("g")
        await pilot.pause()
        await fill(pilot, path=str(saved))
        await submit(pilot)
        assert question(app) == f"{saved} exists. Replace it?"
        await pilot.press("enter")  # No has the focus
        await transfers(pilot)
        assert saved.read_bytes() == b"mine"

        await pilot.press("g")
        await pilot.pause()
        await fill(pilot, path=str(saved))
        await submit(pilot)
        await pilot.press("y")
        await transfers(pilot)
        assert saved.read_bytes() == OBJECTS["2026/11/summary.json"]
        assert console_calls(app) == [("GetObject", ""), ("GetObject", "")]


async def test_a_download_into_a_missing_folder_is_refused(app: SkydeckApp, tmp_path: Path) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await seed(app)
        await show(pilot, "reports/README.md")
        await pilot.press("g")
        await pilot.pause()
        await fill(pilot, path=str(tmp_path / "no" / "README.md"))
        await submit(pilot)
        await transfers(pilot)
        assert any(t == f"Not downloaded\n{tmp_path / 'no'}: no such folder" for t in toasts(app))
        assert console_calls(app) == []


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("a/b/c.txt", "c.txt"),
        ("photos/", "photos"),
        ("..", "object"),
        ("x\ny", "x␊y"),
    ],
)
def test_a_download_is_named_after_the_keys_last_segment(key: str, name: str) -> None:
    assert local_name(key) == name


# -- deleting -----------------------------------------------------------------------------


async def test_d_deletes_the_object_after_asking(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await seed(app)
        pane = await show(pilot, "reports/README.md")
        await pilot.press("d")
        await pilot.pause()
        assert question(app) == (
            "Delete s3://reports/README.md? With no versioning on the bucket, no copy is kept."
        )
        await pilot.press("escape")
        await pilot.pause()
        assert s3_service(app).object_view("reports", "README.md") is not None

        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert s3_service(app).object_view("reports", "README.md") is None
        assert "README.md" not in names(pane)
        assert console_calls(app) == [("DeleteObject", "")]


async def test_d_and_g_need_an_object(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await seed(app)
        pane = await show(pilot, "reports/2026/")
        assert pane.check_action("delete_object", ()) is None
        assert pane.check_action("download", ()) is None
        await pilot.press("d", "g")
        await pilot.pause()
        assert not isinstance(screen(app), ConfirmScreen | FormScreen)


async def test_delete_bucket_asks_and_s3_refuses_a_bucket_that_is_not_empty(
    app: SkydeckApp,
) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await seed(app)
        pane = await show(pilot, "reports")
        await pilot.press("D")
        await pilot.pause()
        assert question(app) == (
            "Delete bucket reports? It holds 6 objects: S3 deletes only an empty bucket, "
            "and answers BucketNotEmpty."
        )
        await pilot.press("y")
        await pilot.pause()
        assert s3_service(app).bucket_view("reports") is not None
        assert any(
            t == "DeleteBucket: BucketNotEmpty\nThe bucket you tried to delete is not empty"
            for t in toasts(app)
        )

        await show(pilot, "log-archive")
        await pilot.press("D")
        await pilot.pause()
        assert question(app) == "Delete bucket log-archive?"
        await pilot.press("escape")
        await pilot.pause()
        assert s3_service(app).bucket_view("log-archive") is not None
        await pilot.press("D")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert s3_service(app).bucket_view("log-archive") is None
        assert "log-archive" not in [row.key for row in pane.resource_table.shown]
        assert console_calls(app) == [("DeleteBucket", "BucketNotEmpty"), ("DeleteBucket", "")]


# -- palette and copy ---------------------------------------------------------------------


async def test_palette_commands_name_the_bucket_folder_and_object(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await seed(app)
        pane = await show(pilot, "reports/2026/notes.txt")
        assert [(c.title, c.action) for c in pane.commands()] == [
            ("s3: create bucket", "create_bucket"),
            ("s3: upload a file to reports/2026/", "upload"),
            ("s3: delete bucket reports", "delete_bucket"),
            ("s3: up from reports/2026/", "up"),
            ("s3: download 2026/notes.txt", "download"),
            ("s3: delete 2026/notes.txt", "delete_object"),
        ]


async def test_y_copies_the_object_uri_or_the_bucket_folder(
    app: SkydeckApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    copied: list[str] = []
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    async with app.run_test(size=SIZE) as pilot:
        await seed(app)
        pane = await show(pilot, "reports/2026/notes.txt")
        await pilot.press("y")
        bucket = s3_service(app).bucket_view("reports")
        assert bucket is not None
        assert copied == [str(bucket.folder)]
        pane.child_table.focus_table()
        await pilot.press("y")
        assert copied[-1] == "s3://reports/2026/notes.txt"


# -- snapshots ----------------------------------------------------------------------------


async def in_a_folder(pilot: Pilot[None]) -> None:
    """`reports/2026/11/` open on the demo, its JSON summary previewed."""
    app = skydeck(pilot)
    await seed(app)
    pane = await show(pilot, "reports/2026/11/summary.json")
    pane.child_table.focus_table()
    app.refresh_view()
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_s3_pane_in_a_folder(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    app = SnapshotApp(size)
    assert snap_compare(app, terminal_size=size, run_before=then(in_a_folder))
    ansi_only(app)
