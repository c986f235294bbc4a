"""HeaderBar: readable words at 80 columns, whole pieces dropped as it narrows, a still clock."""

from __future__ import annotations

import dataclasses

import pytest
from textual.app import App, ComposeResult

from widgets.header_bar import SPEED_CELLS, HeaderBar, HeaderState, speed_text

STATE = HeaderState(
    scenario="demo: orders pipeline",
    date="2026-11-29",
    time="09:14:05",
    speed="10x",
    endpoint="127.0.0.1:4566",
    endpoint_calls_per_second=3,
    calls_per_second=42,
)
#: Every word the header may show for STATE: anything else is a word cut short.
WORDS = {
    "skydeck",
    "·",
    "demo:",
    "orders",
    "pipeline",
    "sim",
    "2026-11-29",
    "09:14:05",
    "▶",
    "10x",
    "endpoint",
    "127.0.0.1:4566",
    ":4566",
    "3/s",
    "all",
    "42",
    "calls/s",
    "42/s",
    "‖",
    "paused",
}


class HeaderApp(App[None]):
    def compose(self) -> ComposeResult:
        yield HeaderBar()


async def shown(pilot_app: HeaderApp, state: HeaderState) -> str:
    header = pilot_app.query_one(HeaderBar)
    header.state = state
    return header.render().plain


async def test_at_80_columns_it_reads_in_words() -> None:
    app = HeaderApp()
    async with app.run_test(size=(80, 3)) as pilot:
        await pilot.pause()
        line = await shown(app, STATE)
        assert line.split() == [
            "skydeck",
            "09:14:05",
            "▶",
            "10x",
            "endpoint",
            ":4566",
            "3/s",
            "·",
            "all",
            "42",
            "calls/s",
        ]
        assert len(line) <= 80


async def test_at_160_columns_it_says_everything() -> None:
    app = HeaderApp()
    async with app.run_test(size=(160, 3)) as pilot:
        await pilot.pause()
        line = await shown(app, STATE)
        for piece in (
            "demo: orders pipeline",
            "sim 2026-11-29 09:14:05",
            "▶",
            "10x",
            "endpoint 127.0.0.1:4566 3/s",
            "all 42 calls/s",
        ):
            assert piece in line


async def test_as_it_narrows_it_drops_whole_pieces_never_part_of_a_word() -> None:
    app = HeaderApp()
    async with app.run_test(size=(200, 3)) as pilot:
        for width in range(36, 200, 3):
            await pilot.resize_terminal(width, 3)
            await pilot.pause()
            for state in (STATE, dataclasses.replace(STATE, paused=True)):
                line = await shown(app, state)
                assert len(line) <= width, width
                assert set(line.split()) <= WORDS, (width, line)
                assert "09:14:05" in line and "10x" in line, width


@pytest.mark.parametrize("width", [80, 160])
async def test_the_clock_holds_still_as_speed_and_rates_change(width: int) -> None:
    app = HeaderApp()
    async with app.run_test(size=(width, 3)) as pilot:
        await pilot.pause()
        places = set()
        speeds = [dataclasses.replace(STATE, speed=s) for s in ("0.1x", "1x", "300x", "1000x")]
        for state in [*speeds, dataclasses.replace(STATE, paused=True)]:
            for rate in (0.0, 7.0, 12_345.0):
                state = dataclasses.replace(
                    state, calls_per_second=rate, endpoint_calls_per_second=rate
                )
                line = await shown(app, state)
                places.add(line.index("09:14:05"))
                assert ("paused" in line) == state.paused
        assert len(places) == 1


def test_the_speed_is_one_fixed_width_field() -> None:
    speeds = ("0.25x", "1x", "300x", "1000x")
    texts = [speed_text(dataclasses.replace(STATE, speed=s)) for s in speeds]
    texts.append(speed_text(dataclasses.replace(STATE, paused=True)))
    assert {len(text) for text in texts} == {SPEED_CELLS}
    assert [t.rstrip() for t in texts] == [
        "▶ 0.25x",
        "▶    1x",
        "▶  300x",
        "▶ 1000x",
        "‖   10x paused",
    ]
