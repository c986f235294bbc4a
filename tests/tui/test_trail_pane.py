"""The trail pane: event history, data events on `e`, and the highlighted record."""

from __future__ import annotations

import json

import pytest
from rich.text import Text
from textual.widgets import Static, TextArea

from backend.errors import AwsError
from tests.tui.helpers import (
    RAIL_PLACE,
    SIZE,
    TRAIL_KEY,
    queue,
    select_queue,
    send,
    settle,
    shown_json,
    sqs_service,
    step,
    trail_pane,
)
from tui.app import SkydeckApp
from tui.screens.record import RecordScreen
from widgets.live_table import Row


def cell(row: Row, index: int) -> str:
    value = row.cells[index]
    return value.plain if isinstance(value, Text) else value


def event_names(app: SkydeckApp) -> list[str]:
    return [cell(r, 1) for r in trail_pane(app).events_table.shown]


def set_up(app: SkydeckApp) -> list[str]:
    """The scenario's set-up calls, newest first: the history before the test acts."""
    history = app.cloud.trail.history(app.cloud.clock.now(), include_data=False)
    return [entry.action for entry in history]


async def test_event_history_holds_management_events_and_e_adds_data_events(
    app: SkydeckApp,
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        setup = set_up(app)
        assert "CreateQueue" in setup
        await send(app, "orders", "an order")
        await pilot.press(TRAIL_KEY)
        await pilot.pause()
        pane = trail_pane(app)
        assert app.current_pane is pane
        assert event_names(app) == setup
        shown = pane.events_table.shown
        # The scenario's role made everything; CloudTrail itself looked for the trail's bucket.
        assert {cell(row, 3) for row in shown} == {"skydeck-scenario", "cloudtrail.amazonaws.com"}
        assert "sqs.amazonaws.com" in {cell(row, 2) for row in shown}
        assert pane.events_table.title == f"Event history · {len(setup)} kept"

        await pilot.press("e")
        await pilot.pause()
        assert pane.data_events
        assert event_names(app) == ["SendMessage", *setup]
        assert pane.events_table.title.startswith("Event history + data events")
        name = pane.events_table.shown[0].cells[1]
        assert isinstance(name, Text)
        assert name.style == pane.palette.data_event

        # Live: what happens next comes in at the top, data and management alike.
        await send(app, "orders", "another")
        url = sqs_service(app).queue_url(queue(app, "orders"))
        await app.cloud.call("sqs", "ReceiveMessage", {"QueueUrl": url})
        await step(pilot, 1)
        assert event_names(app)[:3] == ["ReceiveMessage", "SendMessage", "SendMessage"]
        assert cell(pane.events_table.shown[0], 4) == "ro"
        assert cell(pane.events_table.shown[0], 3) == "console"

        await pilot.press("e")
        await pilot.pause()
        assert event_names(app) == set_up(app)


async def test_the_newest_row_stays_in_view_as_events_arrive_unless_the_user_moved_off_it(
    app: SkydeckApp,
) -> None:
    """At 300x for hours the table showed the row first highlighted, ever further down,
    while thousands of newer events arrived above it."""
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(TRAIL_KEY)
        await pilot.pause()
        table = trail_pane(app).events_table.table

        async def look_at_orders(times: int) -> None:
            for _ in range(times):
                await app.cloud.call("sqs", "GetQueueUrl", {"QueueName": "orders"})
            await step(pilot, 1)

        for _ in range(3):
            await look_at_orders(300)
            newest = next(app.cloud.trail.history(app.cloud.clock.now()))
            assert table.cursor_key == table.rows[0].key == str(newest.seq)
            assert table.scroll_y == 0

        # Moved down to an older event, the cursor stays on it as newer ones arrive.
        await pilot.press("down", "down")
        held = table.cursor_key
        await look_at_orders(50)
        assert table.cursor_key == held
        assert table.cursor == 52
        # Once that event has aged out of the table, the cursor follows the newest again.
        await look_at_orders(500)
        assert held not in {row.key for row in table.rows}
        assert (table.cursor, table.scroll_y) == (0, 0)
        await look_at_orders(10)
        assert table.cursor_key == table.rows[0].key


async def test_the_highlighted_event_is_shown_as_its_cloudtrail_record(
    app: SkydeckApp,
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        setup = set_up(app)
        await send(app, "orders", "an order")
        await pilot.press(TRAIL_KEY, "e")
        await pilot.pause()
        pane = trail_pane(app)
        await pilot.press("home")
        await pilot.pause()
        record = shown_json(app)
        assert record is not None
        newest = app.cloud.trail.data[-1]
        assert pane.events_table.cursor_key == str(newest.seq)
        assert record == newest.record()
        assert record["eventName"] == "SendMessage"
        assert record["eventCategory"] == "Data"
        assert record["requestParameters"]["messageBody"] == "HIDDEN_DUE_TO_SECURITY_REASONS"

        await pilot.press("down")
        await pilot.pause()
        record = shown_json(app)
        assert record is not None
        assert record["eventName"] == setup[0]
        assert record["managementEvent"] is True
        assert record["userIdentity"]["type"] == "AssumedRole"

        # New events arrive above; the cursor, and so the record shown, stay put.
        key = pane.events_table.cursor_key
        await send(app, "orders", "later")
        await step(pilot, 1)
        assert pane.events_table.cursor_key == key
        assert shown_json(app) == record


async def test_a_failed_call_shows_its_error_code_and_the_rail_badge_counts_it(
    app: SkydeckApp,
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await select_queue(pilot, "orders")
        for _ in range(2):
            await pilot.press("P", "y")
            await settle(pilot)
        await pilot.press(TRAIL_KEY)
        await pilot.pause()
        rows = trail_pane(app).events_table.shown
        assert [(cell(r, 1), cell(r, 5)) for r in rows[:2]] == [
            ("PurgeQueue", "PurgeQueueInProgress"),
            ("PurgeQueue", ""),
        ]
        error = rows[0].cells[5]
        assert isinstance(error, Text)
        assert error.style == trail_pane(app).palette.error
        assert trail_pane(app).badge() == ("1", True)
        assert app.rail.items[RAIL_PLACE["trail"]].badge == "1"
        assert app.rail.items[RAIL_PLACE["trail"]].alert

        # The error leaves the badge a minute later; the event stays in the history.
        await step(pilot, 61)
        assert app.rail.items[RAIL_PLACE["trail"]].badge == ""
        assert event_names(app)[0] == "PurgeQueue"


async def test_slash_filters_the_trail(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        setup = set_up(app)
        await select_queue(pilot, "orders")
        await pilot.press("P", "y")
        await settle(pilot)
        await pilot.press(TRAIL_KEY, "slash", *"purge")
        await pilot.pause()
        assert event_names(app) == ["PurgeQueue"]
        await pilot.press("escape")
        await pilot.pause()
        assert event_names(app) == ["PurgeQueue", *setup]


async def test_y_copies_the_highlighted_record(
    app: SkydeckApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    copied: list[str] = []
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(TRAIL_KEY)
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert len(copied) == 1
        assert json.loads(copied[0]) == shown_json(app)


async def test_the_filter_searches_the_whole_kept_history_not_only_the_rows_shown(
    app: SkydeckApp,
) -> None:
    """The README's walkthrough: `e`, then `/InvalidParameter`, minutes into the demo.

    The table holds the newest 500 events; the refused send is older than all of
    them, yet the search finds it, and a filter that matches nothing says so.
    """
    async with app.run_test(size=(80, 24)) as pilot:
        url = sqs_service(app).queue_url(queue(app, "documents-256k"))
        refused = {"QueueUrl": url, "MessageBody": "d" * 300_000}
        with pytest.raises(AwsError):
            await app.cloud.call("sqs", "SendMessage", refused)
        for n in range(700):
            await send(app, "orders", f"order {n}")
        await pilot.press(TRAIL_KEY, "e", "slash", *"InvalidParameter")
        for _ in range(3):
            await step(pilot, 0)
        pane = trail_pane(app)
        assert event_names(app) == ["SendMessage"]
        assert cell(pane.events_table.shown[0], 5) == "InvalidParameterValue"
        search = pane.search
        assert search is not None
        assert not search.searching
        kept = len(set_up(app)) + 1 + 700  # the set-up, the refused send, the sends
        assert f"searched {kept} of {kept}" in pane.events_table.title

        await pilot.press(*"xyz")
        await step(pilot, 0)
        table = pane.events_table.table
        assert table.rows == []
        no_match = "no match for /InvalidParameterxyz  (esc clears)"
        assert table.render_line(1).text.strip() == no_match

        await pilot.press("enter", "escape")
        await step(pilot, 0)
        assert trail_pane(app).search is None
        assert len(event_names(app)) == 500
        assert f"newest 500 of {kept}; / searches all" in pane.events_table.title


async def test_enter_opens_the_whole_record(app: SkydeckApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(TRAIL_KEY, "home", "enter")
        await pilot.pause()
        record = app.screen
        assert isinstance(record, RecordScreen)
        assert json.loads(record.query_one(TextArea).text) == record.record
        assert record.record["eventName"] == set_up(app)[0]
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, RecordScreen)


async def test_the_trails_strip_counts_down_to_the_batch_and_lists_the_files(
    app: SkydeckApp,
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(TRAIL_KEY)
        await pilot.pause()
        pane = trail_pane(app)
        trails = pane.trails_table
        assert trails.display
        [row] = trails.shown
        assert [cell(row, i) for i in (0, 1, 2, 3)] == [
            "skydeck-trail",
            "yes",
            "s3://cloudtrail-logs + logs",
            "Management",
        ]
        assert cell(row, 5) == "in 300 s" and cell(row, 6) == "0"
        waiting = int(cell(row, 4))
        assert waiting > 0, "the set-up calls wait for the first batch"

        await step(pilot, 300)
        [row] = trails.shown
        assert cell(row, 6) == "1" and cell(row, 5) == "in 300 s"
        trails.focus_table()
        await pilot.pause()
        detail = str(pane.query_one("#event-json", Static).content)
        assert "delivered 1 files" in detail
        assert (
            "s3://cloudtrail-logs/AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/29/" in detail
        )
