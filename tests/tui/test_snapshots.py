"""Snapshots of the dashboard's other states; each pane's own are in `test_pane_contract.py`.

How they are taken (16 colours at 80x24, a fixed moment of the demo) is in
`tests/tui/snapshots.py`.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from tests.tui.helpers import TRAIL_KEY
from tests.tui.snapshots import SIZES, SnapCompare, SnapshotApp, ansi_only, then


async def data_events(pilot: Pilot[None]) -> None:
    await pilot.press(TRAIL_KEY, "e")


async def help_box(pilot: Pilot[None]) -> None:
    await pilot.press("question_mark")


async def jump_box(pilot: Pilot[None]) -> None:
    """`:` with `tr` typed: the completion shows, in the colours it will have in 16."""
    await pilot.press("colon")
    await pilot.pause()  # the box opens and takes the focus first
    await pilot.press("t", "r")
    await pilot.pause()
    box = pilot.app.screen.query_one(Input)
    box.cursor_blink = False


@pytest.mark.parametrize("size", SIZES)
def test_trail_pane_with_data_events(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    app = SnapshotApp(size)
    assert snap_compare(app, terminal_size=size, run_before=then(data_events))
    ansi_only(app)


def test_help_at_80x24(snap_compare: SnapCompare) -> None:
    app = SnapshotApp((80, 24))
    assert snap_compare(app, terminal_size=(80, 24), run_before=then(help_box))
    ansi_only(app)


@pytest.mark.parametrize("size", SIZES)
def test_go_to_box(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    app = SnapshotApp(size)
    assert snap_compare(app, terminal_size=size, run_before=then(jump_box))
    ansi_only(app)
