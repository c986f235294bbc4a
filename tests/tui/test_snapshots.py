"""Snapshots of the main panes at 80x24 (16-colour territory) and at 160x48.

Deterministic by construction: the demo's seed, a clock that only `run_before`
moves (by a fixed amount), no user config, no focused input (so no blinking
cursor), and the toasts of the warm-up cleared, since they expire on the wall
clock. Regenerate with `pytest tests/tui/test_snapshots.py --snapshot-update`
and look at the SVGs before committing them.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot

from backend.scenarios import load_scenario
from tui.app import SkydeckApp

SnapCompare = Callable[..., bool]

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]
#: Simulated seconds of the demo before the screenshot: producers ramped up,
#: messages in flight with bars part-way down, a few redelivered.
WARM_UP = 95.0


def demo() -> SkydeckApp:
    return SkydeckApp(load_scenario("demo"), realtime=False)


async def warm_up(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, SkydeckApp)
    await app.cloud.clock.advance(WARM_UP)
    app.refresh_view()
    await pilot.pause()
    app.clear_notifications()


@pytest.mark.parametrize("size", SIZES)
def test_sqs_pane(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    assert snap_compare(demo(), terminal_size=size, run_before=warm_up)


@pytest.mark.parametrize("size", SIZES)
def test_trail_pane(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    assert snap_compare(demo(), terminal_size=size, run_before=warm_up, press=["2"])


@pytest.mark.parametrize("size", SIZES)
def test_trail_pane_with_data_events(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    assert snap_compare(demo(), terminal_size=size, run_before=warm_up, press=["2", "e"])


def test_help_at_80x24(snap_compare: SnapCompare) -> None:
    assert snap_compare(demo(), terminal_size=(80, 24), run_before=warm_up, press=["question_mark"])
