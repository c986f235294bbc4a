"""The Firehose pane driven by its keys, checked against what the cloud did.

Each test presses the keys a person would, on the demo's `app-logs` stream
(into `log-archive`, 1 MiB / 60 s) with the demo's producer stopped, and
asserts on the streams and objects in the cloud, on the pane's tables and
gauges, and on the toasts on screen.
"""

from __future__ import annotations

import pytest
from rich.text import Text
from textual.pilot import Pilot

from backend.services.firehose import FirehoseService
from backend.services.firehose.views import StreamView
from tests.backend.test_firehose_helpers import objects
from tests.tui.helpers import (
    SIZE,
    AppPilot,
    console_calls,
    field_problem,
    field_value,
    fill,
    form,
    screen,
    screen_lines,
    settle,
    skydeck,
    step,
    submit,
    toasts,
)
from tests.tui.snapshots import SIZES, SnapCompare, SnapshotApp, ansi_only, then
from tui.app import SkydeckApp
from tui.screens.firehose import NOTHING, FirehosePane
from tui.screens.s3 import S3Pane
from widgets.confirm import ConfirmScreen
from widgets.form import FormScreen
from widgets.live_table import Row


def firehose_pane(app: SkydeckApp) -> FirehosePane:
    pane = app.pane(FirehosePane)
    assert isinstance(pane, FirehosePane)
    return pane


def view(app: SkydeckApp, name: str = "app-logs") -> StreamView:
    found = app.cloud.service(FirehoseService).stream_view(name)
    assert found is not None, name
    return found


def has_stream(app: SkydeckApp, name: str) -> bool:
    return app.cloud.service(FirehoseService).stream_view(name) is not None


def cell(row: Row, index: int) -> str:
    value = row.cells[index]
    return value.plain if isinstance(value, Text) else value


def stream_names(app: SkydeckApp) -> list[str]:
    return [cell(r, 0) for r in firehose_pane(app).resource_table.shown]


def detail(app: SkydeckApp) -> list[str]:
    content = firehose_pane(app).detail_view.content
    return (content.plain if isinstance(content, Text) else str(content)).split("\n")


def confirm_question(app: SkydeckApp) -> str:
    confirm = screen(app)
    assert isinstance(confirm, ConfirmScreen)
    return confirm.question


async def show_firehose(pilot: AppPilot, stream: str = "app-logs") -> FirehosePane:
    app = skydeck(pilot)
    await app.action_show_pane("firehose")
    await pilot.pause()
    pane = firehose_pane(app)
    assert pane.go_to(stream), stream
    await pilot.pause()
    return pane


async def put_from_the_form(pilot: AppPilot, data: str, **values: str) -> None:
    await pilot.press("p")
    await pilot.pause()
    await fill(pilot, Data=data, **values)
    await submit(pilot)


# -- what it shows ---------------------------------------------------------------------


async def test_the_demo_stream_is_listed_and_selected_with_its_settings(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await app.action_show_pane("firehose")
        await pilot.pause()
        pane = firehose_pane(app)
        assert pane.resource_table.cursor_key == view(app).arn
        assert stream_names(app) == ["app-logs"]
        row = pane.resource_table.shown[0]
        assert [cell(row, i) for i in (1, 2, 3)] == [
            "ACTIVE",
            "DirectPut",
            "s3://log-archive/app/!{timestamp:yyyy/MM/dd}/",
        ]
        assert detail(app)[0] == (
            "app-logs · VersionId 1 · BufferingHints 1 MiB / 60 s · UNCOMPRESSED · "
            "Prefix app/!{timestamp:yyyy/MM/dd}/ · ErrorOutputPrefix errors/"
        )
        assert pane.child_table.shown == []


# -- PutRecord, and the buffer flushing on the clock -----------------------------------------


async def test_p_puts_a_record_that_fills_the_gauges_and_is_delivered_after_the_interval(
    app: SkydeckApp,
) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        pane = await show_firehose(pilot)
        await pilot.press("p")
        await pilot.pause()
        assert form(app).title_text == "PutRecord → app-logs"
        assert "no delimiter" in form(app).description
        await fill(pilot, Data='{"msg": "hello"}')
        await submit(pilot)

        assert not isinstance(screen(app), FormScreen)
        assert (view(app).buffer.records, view(app).buffer.bytes) == (1, 17)
        assert detail(app)[1].startswith("size ▕█░░░░░░░░░░░░░░░▏ 17 B / 1 MiB ")
        assert detail(app)[2].startswith("time ▕░░░░░░░░░░░░░░░░▏ 0 s / 60 s ")
        assert any(t.startswith("Put into app-logs\nRecordId ") for t in toasts(app))
        assert console_calls(app) == [("PutRecord", "")]

        await step(pilot, 30)
        assert detail(app)[2] == (
            "time ▕████████░░░░░░░░▏ 30 s / 60 s       flushes in 30 s at the latest"
        )
        assert pane.child_table.shown == []

        await step(pilot, 30)
        [row] = pane.child_table.shown
        assert cell(row, 1).startswith("app/2026/11/29/app-logs-1-")
        assert [cell(row, 2), cell(row, 3)] == ["17 B", "1"]
        assert objects(app.cloud, "log-archive") == {row.key: b'{"msg": "hello"}\n'}
        assert detail(app)[1].startswith("size ▕░░░░░░░░░░░░░░░░▏ 0 B / 1 MiB ")
        assert pane.child_table.title.startswith("Deliveries · app-logs · 1 object ")


async def test_records_put_without_a_newline_run_together_in_the_object(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await show_firehose(pilot)
        await put_from_the_form(pilot, "one", delimiter=NOTHING)
        await put_from_the_form(pilot, "two", delimiter=NOTHING)
        await step(pilot, 60)
        assert list(objects(app.cloud, "log-archive").values()) == [b"onetwo"]


# -- CreateDeliveryStream --------------------------------------------------------------


async def test_n_creates_a_stream_from_the_form_and_selects_it(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        pane = await show_firehose(pilot)
        await pilot.press("n")
        await pilot.pause()
        assert form(app).title_text == "CreateDeliveryStream"
        role = f"arn:aws:iam::{app.cloud.account}:role/firehose-delivery"
        assert field_value(app, "RoleARN") == role
        assert "plausible default" in form(app).description
        assert field_value(app, "bucket") == "cloudtrail-logs"
        await fill(
            pilot,
            name="audit",
            bucket="log-archive",
            Prefix="audit/",
            SizeInMBs="2",
            IntervalInSeconds="30",
            CompressionFormat="GZIP",
        )
        await submit(pilot)

        assert not isinstance(screen(app), FormScreen)
        created = view(app, "audit")
        assert (created.status, created.bucket, created.prefix) == (
            "CREATING",
            "log-archive",
            "audit/",
        )
        assert (created.buffer.size_hint, created.buffer.interval_hint) == (2 << 20, 30)
        assert created.compression == "GZIP"
        assert pane.resource_table.cursor_key == created.arn
        assert stream_names(app) == ["app-logs", "audit"]
        assert any(t.startswith("Created audit\n") for t in toasts(app))
        assert console_calls(app) == [("CreateDeliveryStream", "")]
        assert pane.check_action("put_record", ()) is None

        await step(pilot, 5)
        assert cell(pane.resource_table.shown[1], 1) == "ACTIVE"
        assert pane.check_action("put_record", ()) is True


async def test_a_value_out_of_range_is_caught_before_any_call(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await show_firehose(pilot)
        await pilot.press("n")
        await pilot.pause()
        await fill(pilot, name="x", SizeInMBs="0", IntervalInSeconds="ten")
        await submit(pilot)
        assert field_problem(app, "SizeInMBs") == "must be from 1 to 128"
        assert field_problem(app, "IntervalInSeconds") == (
            "a whole number from 0 to 900, in digits 0-9"
        )
        assert console_calls(app) == []
        await pilot.press("escape")
        await pilot.pause()
        assert not has_stream(app, "x")


async def test_a_refused_prefix_brings_the_form_back_with_the_aws_error(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await show_firehose(pilot)
        await pilot.press("n")
        await pilot.pause()
        await fill(pilot, name="dated", Prefix="d/!{timestamp:yyyy}/", SizeInMBs="3")
        await submit(pilot)

        again = form(app)
        assert again.description.startswith("InvalidArgumentException: ")
        assert "ErrorOutputPrefix" in again.description
        assert (field_value(app, "Prefix"), field_value(app, "SizeInMBs")) == (
            "d/!{timestamp:yyyy}/",
            "3",
        )
        assert console_calls(app) == [("CreateDeliveryStream", "InvalidArgumentException")]

        await fill(pilot, ErrorOutputPrefix="failed/")
        await submit(pilot)
        assert not isinstance(screen(app), FormScreen)
        assert view(app, "dated").error_prefix == "failed/"


# -- UpdateDestination -------------------------------------------------------------------


async def test_u_updates_the_buffering_and_bumps_the_version(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await show_firehose(pilot)
        await put_from_the_form(pilot, "before")
        await pilot.press("u")
        await pilot.pause()
        assert form(app).title_text == "UpdateDestination · app-logs"
        assert "CurrentDeliveryStreamVersionId 1" in form(app).description
        assert (field_value(app, "SizeInMBs"), field_value(app, "IntervalInSeconds")) == (
            "1",
            "60",
        )
        await fill(pilot, SizeInMBs="4", IntervalInSeconds="120")
        await submit(pilot)

        updated = view(app)
        assert updated.version == 2
        assert (updated.buffer.size_hint, updated.buffer.interval_hint) == (4 << 20, 120)
        assert detail(app)[0].startswith("app-logs · VersionId 2 · BufferingHints 4 MiB / 120 s · ")
        assert any(t.startswith("Updated app-logs\n") for t in toasts(app))
        assert console_calls(app) == [("PutRecord", ""), ("UpdateDestination", "")]
        # What was buffered was flushed under the old version first.
        await settle(pilot)
        [key] = objects(app.cloud, "log-archive")
        assert "/app-logs-1-" in key


async def test_u_quotes_the_version_it_saw_and_a_newer_one_is_a_conflict(
    app: SkydeckApp,
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await show_firehose(pilot)
        await pilot.press("u")
        await pilot.pause()
        await app.cloud.call(
            "firehose",
            "UpdateDestination",
            {
                "DeliveryStreamName": "app-logs",
                "CurrentDeliveryStreamVersionId": "1",
                "DestinationId": "destinationId-000000000001",
                "ExtendedS3DestinationUpdate": {"CompressionFormat": "GZIP"},
            },
        )
        await fill(pilot, IntervalInSeconds="90")
        await submit(pilot)
        assert form(app).description.startswith("ConcurrentModificationException: ")
        assert view(app).buffer.interval_hint == 60
        assert view(app).version == 2


# -- DeleteDeliveryStream ----------------------------------------------------------------


async def test_d_asks_first_and_deletes(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        pane = await show_firehose(pilot)
        await put_from_the_form(pilot, "unsent")
        await pilot.press("d")
        await pilot.pause()
        assert confirm_question(app) == (
            "Delete delivery stream app-logs? What it has not delivered yet (1 record) is lost; "
            "the objects already in s3://log-archive stay."
        )
        await pilot.press("enter")  # the focused, default answer: No
        await settle(pilot)
        assert view(app).status == "ACTIVE"

        await pilot.press("d", "y")
        await settle(pilot)
        assert view(app).status == "DELETING"
        assert cell(pane.resource_table.shown[0], 1) == "DELETING"
        assert pane.check_action("delete_stream", ()) is None
        assert pane.check_action("put_record", ()) is None
        assert any(t.startswith("Deleted app-logs\n") for t in toasts(app))

        await step(pilot, 5)
        assert not has_stream(app, "app-logs")
        assert pane.resource_table.shown == []
        assert console_calls(app) == [("PutRecord", ""), ("DeleteDeliveryStream", "")]


async def test_deleting_a_stream_still_creating_is_an_aws_error_toast(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await show_firehose(pilot)
        await pilot.press("n")
        await pilot.pause()
        await fill(pilot, name="young")
        await submit(pilot)
        await pilot.press("d", "y")
        await settle(pilot)
        assert view(app, "young").status == "CREATING"
        assert any(
            t.startswith("DeleteDeliveryStream: ResourceInUseException\n") for t in toasts(app)
        )


# -- what applies: keys and the palette ---------------------------------------------------


async def test_a_stream_fed_by_kinesis_takes_no_puts(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        arn = f"arn:aws:kinesis:{app.cloud.region}:{app.cloud.account}:stream/clickstream"
        role = f"arn:aws:iam::{app.cloud.account}:role/reader"
        await app.cloud.call(
            "firehose",
            "CreateDeliveryStream",
            {
                "DeliveryStreamName": "clicks-to-s3",
                "DeliveryStreamType": "KinesisStreamAsSource",
                "KinesisStreamSourceConfiguration": {"KinesisStreamARN": arn, "RoleARN": role},
                "ExtendedS3DestinationConfiguration": {
                    "RoleARN": role,
                    "BucketARN": "arn:aws:s3:::log-archive",
                },
            },
        )
        await step(pilot, 5)
        pane = await show_firehose(pilot, "clicks-to-s3")
        assert cell(pane.resource_table.shown[1], 2) == "kinesis:clickstream"
        assert pane.check_action("put_record", ()) is None
        assert pane.check_action("update_buffering", ()) is True
        titles = [c.title for c in pane.commands()]
        assert titles == [
            "firehose: create delivery stream",
            "firehose: update buffering of clicks-to-s3",
            "firehose: delete clicks-to-s3",
        ]
        await pilot.press("p")
        await settle(pilot)
        assert not isinstance(screen(app), FormScreen)


async def test_the_palette_names_the_highlighted_stream(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        pane = await show_firehose(pilot)
        assert [(c.title, c.action) for c in pane.commands()] == [
            ("firehose: create delivery stream", "create_stream"),
            ("firehose: put a record into app-logs", "put_record"),
            ("firehose: update buffering of app-logs", "update_buffering"),
            ("firehose: delete app-logs", "delete_stream"),
        ]


# -- opening and copying -------------------------------------------------------------------


async def test_enter_on_a_delivery_shows_the_object_in_the_s3_pane(
    app: SkydeckApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    copied: list[str] = []
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        pane = await show_firehose(pilot)
        await pilot.press("y")
        await pilot.pause()
        assert copied == [view(app).arn]

        await put_from_the_form(pilot, "hello")
        await step(pilot, 60)
        [row] = pane.child_table.shown
        await pilot.press("enter")
        await pilot.pause()
        assert pane.child_table.table.has_focus
        await pilot.press("y")
        await pilot.pause()
        assert copied[-1] == f"s3://log-archive/{row.key}"

        await pilot.press("enter")
        await pilot.pause()
        s3 = app.current_pane
        assert isinstance(s3, S3Pane)
        shown = s3.highlighted_object()
        assert shown is not None
        assert (shown.bucket, shown.path) == ("log-archive", row.key)


async def test_enter_on_a_delivery_whose_object_is_gone_says_where_it_was(
    app: SkydeckApp,
) -> None:
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        pane = await show_firehose(pilot)
        await put_from_the_form(pilot, "hello")
        await step(pilot, 60)
        [row] = pane.child_table.shown
        await app.cloud.call("s3", "DeleteObject", {"Bucket": "log-archive", "Key": row.key})
        await app.cloud.call("s3", "DeleteBucket", {"Bucket": "log-archive"})
        pane.child_table.focus_table()
        await pilot.press("enter")
        await pilot.pause()
        assert app.current_pane is pane
        uri = f"s3://log-archive/{row.key}"
        assert any(
            t.startswith(f"Delivered by app-logs\n{uri}\n6 B, 1 record, delivered at 09:01:00")
            for t in toasts(app)
        )


# -- layout and snapshots ------------------------------------------------------------------


async def test_the_stream_gauges_and_deliveries_fit_80x24(app: SkydeckApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await show_firehose(pilot)
        for n in range(3):
            await put_from_the_form(pilot, f"line {n}")
            await step(pilot, 60)
        await put_from_the_form(pilot, "waiting")
        await step(pilot, 20)
        lines = screen_lines(app)
        assert any(line.startswith("▸app-logs ") and "ACTIVE" in line for line in lines)
        assert any(line.startswith(" size ▕█░░") for line in lines)
        assert any(line.startswith(" time ▕█████░░") for line in lines)
        assert sum(" app/2026/11/29/app-logs-1-" in line for line in lines) == 3
        assert firehose_pane(app).child_table.table.size.height >= 6


async def focus_deliveries(pilot: Pilot[None]) -> None:
    app = skydeck(pilot)
    await app.action_show_pane("firehose")
    await pilot.pause()
    await app.cloud.clock.advance(30)
    app.refresh_view()
    await pilot.press("enter")
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_firehose_deliveries_snapshot(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    """The demo's stream one flush in, the cursor on that delivery, the next flush 5 s away."""
    app = SnapshotApp(size)
    assert snap_compare(app, terminal_size=size, run_before=then(focus_deliveries))
    ansi_only(app)
