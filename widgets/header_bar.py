"""The top line: what is running, the simulated time, the speed, the endpoint.

On the right: the endpoint's address and the calls per simulated second it
answers (outside SDKs and CLIs), then every call in the account (actors and
the console too).

It takes plain strings and fits them to its width by dropping whole pieces,
least useful first (the scenario, the date, the endpoint's host, the word
"endpoint", ...), never cutting a word in half. Where the clock sits depends
only on the width and on which pieces are shown, never on the numbers: the
speed has a fixed width and the rates are fitted as if at their widest, so
the clock does not jump as the speed or the rates change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Literal

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

#: Cells of the speed, `▶ 1000x` and `‖ 1000x paused` alike.
SPEED_CELLS = 14
#: A rate at its widest (`9,999`): what the layout is fitted against, so that
#: the endpoint keeps its name at 80 columns. A rate past it takes a cell of
#: the gap before the right-hand part; the clock still holds still.
RATE_CELLS = 5


@dataclass(frozen=True, slots=True)
class HeaderState:
    title: str = "skydeck"
    scenario: str = ""
    date: str = ""
    time: str = ""
    speed: str = "1x"
    paused: bool = False
    endpoint: str = ""
    endpoint_calls_per_second: float = 0.0
    calls_per_second: float = 0.0


@dataclass(frozen=True, slots=True)
class _Detail:
    """How much a layout shows: each step down drops a piece or a word."""

    scenario: bool
    date: bool
    endpoint: Literal["full", "port", ""]  # host:port, :port, or none
    word: bool  # "endpoint" before the address
    all_unit: str  # the unit of the account-wide rate: " calls/s", "/s", "" (not shown)


#: Richest first; the first that fits the width is drawn.
_DETAILS = (
    _Detail(scenario=True, date=True, endpoint="full", word=True, all_unit=" calls/s"),
    _Detail(scenario=False, date=True, endpoint="full", word=True, all_unit=" calls/s"),
    _Detail(scenario=False, date=False, endpoint="full", word=True, all_unit=" calls/s"),
    _Detail(scenario=False, date=False, endpoint="port", word=True, all_unit=" calls/s"),
    # A bare `:4566 0/s` read as a riddle: the endpoint goes whole, words stay.
    _Detail(scenario=False, date=False, endpoint="", word=False, all_unit=" calls/s"),
    _Detail(scenario=False, date=False, endpoint="", word=False, all_unit=""),
)


def speed_text(state: HeaderState) -> str:
    """`▶   10x`, `▶ 1000x` or `‖   10x paused`, always `SPEED_CELLS` wide.

    The speed stays in its place when paused, so `+` and `-` still show what
    they did while time stands still.
    """
    mark, word = ("‖", " paused") if state.paused else ("▶", "")
    return f"{mark} {state.speed:>5}{word}".ljust(SPEED_CELLS)


class HeaderBar(Widget):
    DEFAULT_CSS = """
    HeaderBar {
        height: 1;
        background: $panel;
        color: $text;
    }
    HeaderBar > .header--title { text-style: bold; color: $accent; }
    HeaderBar > .header--paused { text-style: bold; color: $warning; }
    HeaderBar > .header--running { color: $success; }
    HeaderBar > .header--muted { color: $text-muted; }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "header--title",
        "header--paused",
        "header--running",
        "header--muted",
    }

    state: reactive[HeaderState] = reactive(HeaderState, layout=False)

    def render(self) -> Text:
        width = self.size.width
        for detail in _DETAILS:
            left, middle, widest = self._parts(detail, _widest)
            if left.cell_len + 2 + middle.cell_len + 2 + widest.cell_len <= width:
                break
        right = self._parts(detail, _rate)[2]
        return _place(width, left, middle, right, widest.cell_len)

    def _parts(self, detail: _Detail, rate: Callable[[float], str]) -> tuple[Text, Text, Text]:
        """The left, middle and right of the line at `detail`, rates written by `rate`."""
        state = self.state
        style = self.get_component_rich_style
        clock = style("header--paused" if state.paused else "header--running")
        muted = style("header--muted")
        left = Text(" ")
        left.append(state.title, style("header--title"))
        if detail.scenario and state.scenario:
            left.append(f" · {state.scenario}", muted)
        middle = Text()
        if detail.date and state.date:
            middle.append(f"sim {state.date} ", muted)
        middle.append(f"{state.time} ")
        middle.append(speed_text(state), clock)
        right = Text()
        endpoint = bool(state.endpoint and detail.endpoint)
        if endpoint:
            address = state.endpoint
            if detail.endpoint == "port":
                address = ":" + address.rsplit(":", 1)[-1]
            right.append(f"endpoint {address} " if detail.word else f"{address} ", muted)
            right.append(f"{rate(state.endpoint_calls_per_second)}/s", clock)
        if detail.all_unit:
            if endpoint:
                right.append(" · all ", muted)
            right.append(f"{rate(state.calls_per_second)}{detail.all_unit}")
        right.append(" ")
        return left, middle, right


def _widest(_: float) -> str:
    return "9" * RATE_CELLS


def _rate(value: float) -> str:
    return f"{value:,.0f}"


def _place(width: int, left: Text, middle: Text, right: Text, widest: int) -> Text:
    """`left` at the left edge, `right` at the right, `middle` centred in between.

    `middle`'s place is worked out from `widest` (the right part with every
    rate at its widest), not from `right` itself, so it holds still as rates
    change.
    """
    start = max(left.cell_len + 2, (width - middle.cell_len) // 2)
    start = min(start, max(left.cell_len + 2, width - widest - 2 - middle.cell_len))
    line = Text(no_wrap=True, overflow="crop", end="")
    line.append_text(left)
    line.append(" " * (start - left.cell_len))
    line.append_text(middle)
    line.append(" " * max(1, width - line.cell_len - right.cell_len))
    line.append_text(right)
    return line
