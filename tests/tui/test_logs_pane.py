"""The Logs pane and its tail, driven by their keys, checked against what the cloud holds.

Each test runs the demo (its two log writers put JSON lines into
/skydeck/orders-workers every 5 s) on the manual clock, presses what a person
would, and asserts on the tail's lines, the tester's matches, and the groups
and filters in the cloud.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.text import Text
from textual.widgets import Input, Static

from backend.scenarios import load_scenario
from backend.services.logs import LogsService
from backend.services.logs.agent import Source
from backend.services.logs.group import LogGroup
from tests.tui.helpers import (
    SIZE,
    AppPilot,
    field_problem,
    fill,
    form,
    screen,
    settle,
    skydeck,
    step,
    submit,
    toasts,
)
from tests.tui.snapshots import SIZES, SnapCompare, SnapshotApp, ansi_only, then
from tui.app import SkydeckApp
from tui.screens.log_tail import TailScreen
from tui.screens.logs import LogsPane, PatternTesterScreen
from widgets.log_view import LogView

GROUP = "/skydeck/orders-workers"


def demo() -> SkydeckApp:
    """The whole demo, its log writers included, on the manual clock."""
    return SkydeckApp(load_scenario("demo"), realtime=False)


def group(app: SkydeckApp) -> LogGroup:
    found = app.cloud.service(LogsService).groups.get((app.cloud.region, GROUP))
    assert found is not None
    return found


async def open_tail(pilot: AppPilot) -> TailScreen:
    """The demo's first stream, tailed: `8`, then Enter to the streams and Enter on one."""
    app = skydeck(pilot)
    await app.action_show_pane("logs")
    await pilot.pause()
    pane = app.current_pane
    assert isinstance(pane, LogsPane)
    assert pane.go_to(GROUP)
    await pilot.press("enter")
    await pilot.pause()
    await pilot.press("enter")
    await settle(pilot)
    tail = screen(app)
    assert isinstance(tail, TailScreen)
    return tail


def shown(tail: TailScreen) -> list[str]:
    lines = tail.lines
    return [lines[i].message for i in range(len(lines))]


def status(tail: TailScreen) -> str:
    content = tail.query_one(".tail--status", Static).content
    return content.plain if isinstance(content, Text) else str(content)


async def test_enter_on_a_stream_tails_it_following_the_newest_event() -> None:
    app = demo()
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, 60)
        tail = await open_tail(pilot)
        stream = group(app).streams["worker-1"]
        assert shown(tail) == stream.messages
        view = tail.query_one(LogView)
        assert view.follow and view.cursor == len(stream) - 1

        before = len(stream)
        await step(pilot, 30)
        tail.tick()
        assert len(stream) > before
        assert view.cursor == len(stream) - 1, "follow mode stays on the newest event"

        await pilot.press("home")
        assert (view.cursor, view.follow) == (0, False)
        await step(pilot, 10)
        tail.tick()
        assert view.cursor == 0, "paused: new events do not move the cursor"
        assert "paused" in status(tail)


async def test_slash_filters_with_the_pattern_grammar_and_a_bad_pattern_says_why() -> None:
    app = demo()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await step(pilot, 300)
        tail = await open_tail(pilot)
        await pilot.press("slash")
        await pilot.pause()
        tail.query_one(Input).value = '{ $.level = "ERROR" }'
        await pilot.press("enter")
        await settle(pilot)
        errors = [m for m in group(app).streams["worker-1"].messages if '"ERROR"' in m]
        assert errors, "the demo writes failures"
        assert shown(tail) == errors
        assert status(tail).startswith(f"{len(errors)} of ")

        await pilot.press("slash")
        await pilot.pause()
        tail.query_one(Input).value = '{ $.level = "ERROR"'
        await pilot.press("enter")
        await settle(pilot)
        assert shown(tail) == errors, "a refused pattern leaves the filter as it was"
        assert any(t.startswith("Invalid filter pattern") for t in toasts(app))


async def test_g_jumps_to_the_first_event_at_or_after_a_time() -> None:
    app = demo()
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, 120)
        tail = await open_tail(pilot)
        await pilot.press("g")
        await pilot.pause()
        tail.query_one(Input).value = "09:01:00"
        await pilot.press("enter")
        await settle(pilot)
        stream = group(app).streams["worker-1"]
        view = tail.query_one(LogView)
        minute = (int(app.cloud.clock.now()) // 86400 * 86400 + 9 * 3600 + 60) * 1000
        assert stream.timestamps[view.cursor] >= minute > stream.timestamps[view.cursor - 1]
        assert not view.follow


async def test_t_tries_a_pattern_and_a_value_on_the_newest_events() -> None:
    app = demo()
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot, 300)
        await app.action_show_pane("logs")
        await pilot.pause()
        await pilot.press("t")
        await settle(pilot)
        tester = screen(app)
        assert isinstance(tester, PatternTesterScreen)
        assert len(tester.messages) == 50
        tester.query_one("#pattern", Input).value = '{ $.level = "INFO" }'
        tester.query_one("#value", Input).value = "$.latencyMs"
        await settle(pilot)
        content = tester.query_one(".tester--result", Static).content
        text = content.plain if isinstance(content, Text) else str(content)
        infos = [m for m in tester.messages if '"INFO"' in m]
        assert text.startswith(f"{len(infos)} of 50 events match")
        assert "→ no value" not in text, "every INFO line has a latencyMs"


async def test_m_puts_a_metric_filter_that_counts_the_next_events() -> None:
    app = demo()
    async with app.run_test(size=SIZE) as pilot:
        await app.action_show_pane("logs")
        await pilot.pause()
        await pilot.press("m")
        await pilot.pause()
        assert form(app).title_text == f"PutMetricFilter · {GROUP}"
        await fill(pilot, filterName="all-lines", filterPattern="", metricName="Lines")
        await submit(pilot)
        found = group(app).metric_filters["all-lines"]
        assert found.transformation.name == "Lines"
        await step(pilot, 30)
        series = app.cloud.metrics.find("Skydeck/Logs", "Lines", {})
        assert series is not None
        # A point for each event matched (a batch's points reach the store a second at a time).
        assert sum(point.count for point in series.bins(0, 2**62)) == found.matched > 0


async def test_a_tails_a_local_file_whose_new_lines_reach_the_group_and_its_filter(
    app: SkydeckApp, tmp_path: Path
) -> None:
    path = tmp_path / "orders.log"
    path.write_text('{"level": "INFO", "msg": "there before"}\n', "utf-8")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await app.action_show_pane("logs")
        await pilot.pause()
        pane = app.current_pane
        assert isinstance(pane, LogsPane) and pane.go_to(GROUP)
        await pilot.press("a")
        await pilot.pause()
        assert form(app).title_text == f"Tail a local file · {GROUP}"
        await fill(pilot, file=str(tmp_path / "missing.log"), stream="laptop")
        await submit(pilot)
        assert field_problem(app, "file") == "no such file"
        await fill(pilot, file=str(path))
        await submit(pilot)
        agent = app.cloud.service(LogsService).agent
        assert agent.sources == [Source(str(path), GROUP, "laptop")]
        assert f"orders.log → {GROUP} › laptop" in "\n".join(toasts(app))

        # What the dashboard's live work does on each change the watch reports.
        with path.open("a", encoding="utf-8") as file:
            file.write('{"level": "ERROR", "msg": "appended"}\n')
        assert agent.poll() == 2
        await step(pilot, 5)
        stream = group(app).streams["laptop"]
        assert [json.loads(m)["msg"] for m in stream.messages] == ["there before", "appended"]
        assert group(app).metric_filters["order-errors"].matched == 1
        detail = pane.detail_view.content
        text = detail.plain if isinstance(detail, Text) else str(detail)
        assert f"agent tails {path} → stream laptop · reading orders.log" in text


@pytest.mark.parametrize("size", SIZES)
def test_tail_snapshot(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    async def tail_filtered(pilot: AppPilot) -> None:
        tail = await open_tail(pilot)
        await pilot.press("slash")
        await pilot.pause()
        tail.query_one(Input).value = "ERROR"
        await pilot.press("enter")
        await settle(pilot)

    app = SnapshotApp(size)
    assert snap_compare(app, terminal_size=size, run_before=then(tail_filtered))
    ansi_only(app)
