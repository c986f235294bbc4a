"""The dashboard as the snapshot tests see it: the demo at a fixed moment, and, at 80
columns, truly in 16 colours.

Textual's screenshots are always drawn in truecolor (`App.export_screenshot`
renders with a truecolor console, whatever the terminal), so an "80x24"
snapshot taken as is shows colours a TERM=xterm terminal never would. Here
every colour is first turned into the nearest of the 16 ANSI ones, as Rich
does when it writes to such a terminal (`Color.downgrade`), by a line filter
applied to everything drawn; `ansi_only` then checks that the SVG holds
nothing else.

Deterministic by construction: the demo's seed, a clock that only `warm_up`
moves (by a fixed amount), no user config, no blinking cursor, and the
toasts of the warm-up cleared, since they expire on the wall clock.
Regenerate with `pytest tests/tui --snapshot-update` and look at the SVGs
(`rsvg-convert -o x.png file.svg`) before committing them.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from functools import lru_cache

import pytest
from rich.color import ColorSystem
from rich.segment import Segment
from rich.style import Style
from rich.terminal_theme import SVG_EXPORT_THEME
from textual.color import Color
from textual.filter import LineFilter
from textual.pilot import Pilot

from backend.scenarios import load_scenario
from tui.app import SkydeckApp

SnapCompare = Callable[..., bool]

#: 16 colours at 80x24 (over ssh), truecolor at 160x48.
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]
#: Simulated seconds of the demo before the screenshot: producers ramped up,
#: messages in flight with bars part-way down, a few redelivered.
WARM_UP = 95.0


@lru_cache(maxsize=4096)
def standard(style: Style | None) -> Style | None:
    """`style` with its colours as the nearest of the 16 ANSI colours."""
    if style is None:
        return None
    color = style.color.downgrade(ColorSystem.STANDARD) if style.color else None
    bgcolor = style.bgcolor.downgrade(ColorSystem.STANDARD) if style.bgcolor else None
    return style + Style.from_color(color, bgcolor)


class SixteenColours(LineFilter):
    """What a terminal with 16 colours (TERM=xterm, no COLORTERM) shows."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [Segment(text, standard(style), control) for text, style, control in segments]


class SnapshotApp(SkydeckApp):
    """The demo, seen as a terminal of `size` would show it; keeps the screenshots taken."""

    def __init__(self, size: tuple[int, int]) -> None:
        super().__init__(load_scenario("demo"), realtime=False)
        self.sixteen = size[0] <= 80
        self.svgs: list[str] = []

    def get_line_filters(self) -> Sequence[LineFilter]:
        filters = super().get_line_filters()
        return [*filters, SixteenColours()] if self.sixteen else filters

    def export_screenshot(self, *, title: str | None = None, simplify: bool = False) -> str:
        svg = super().export_screenshot(title=title, simplify=simplify)
        self.svgs.append(svg)
        return svg


async def warm_up(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, SkydeckApp)
    await app.cloud.clock.advance(WARM_UP)
    app.refresh_view()
    await pilot.pause()
    app.clear_notifications()


def then(
    *steps: Callable[[Pilot[None]], Awaitable[None]],
) -> Callable[[Pilot[None]], Awaitable[None]]:
    """The warm-up, then `steps`: what a snapshot does before it is taken."""

    async def run(pilot: Pilot[None]) -> None:
        await warm_up(pilot)
        for step in steps:
            await step(pilot)
        await pilot.pause()

    return run


#: The colours an SVG export draws the 16 ANSI colours in, and its default text and
#: background; the window's three buttons are the only other colours it may hold.
ANSI_FILLS = {
    *(SVG_EXPORT_THEME.ansi_colors[number].hex.lower() for number in range(16)),
    SVG_EXPORT_THEME.foreground_color.hex.lower(),
    SVG_EXPORT_THEME.background_color.hex.lower(),
}
WINDOW_BUTTONS = {"#ff5f57", "#febc2e", "#28c840"}
_FILL = re.compile(r'fill(?:="|: )(#[0-9a-fA-F]{6})')


def fills(svg: str) -> set[str]:
    """Every colour the SVG draws text or a background in, lower case, but the window's."""
    return {fill.lower() for fill in _FILL.findall(svg)} - WINDOW_BUTTONS


def ansi_only(app: SnapshotApp) -> None:
    """Assert the last screenshot of `app` has only the 16 ANSI colours, if it should."""
    assert app.svgs, "no screenshot taken"
    if app.sixteen:
        assert fills(app.svgs[-1]) <= ANSI_FILLS, fills(app.svgs[-1]) - ANSI_FILLS
