"""The top line: what is running, the simulated time, the speed, the endpoint.

On the right: the endpoint's address and the calls per simulated second it
answers (outside SDKs and CLIs), then every call in the account (actors and
the console too).

It takes plain strings and fits them to its width: at 80 columns it drops
the date and the long labels rather than cutting words in half.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget


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
        state = self.state
        width = self.size.width
        wide = width >= 110
        title = self.get_component_rich_style("header--title")
        muted = self.get_component_rich_style("header--muted")
        clock_style = self.get_component_rich_style(
            "header--paused" if state.paused else "header--running"
        )
        left = Text(" ")
        left.append(state.title, title)
        if state.scenario and wide:
            left.append(f" · {state.scenario}", muted)
        middle = Text()
        if wide:
            middle.append(f"sim {state.date} ", muted)
        middle.append(state.time)
        middle.append("  ")
        middle.append(("‖ paused " if state.paused else "▶ ") + state.speed, clock_style)
        right = Text()
        outside = f"{state.endpoint_calls_per_second:,.0f}"
        if state.endpoint and wide:
            right.append(f"endpoint {state.endpoint} · ", muted)
            right.append(f"{outside} calls/s", clock_style)
            right.append("  all ", muted)
        elif state.endpoint:
            right.append(":" + state.endpoint.rsplit(":", 1)[-1] + " ", muted)
            right.append(f"{outside}/s", clock_style)
            right.append(" all ", muted)
        right.append(f"{state.calls_per_second:,.0f} calls/s " if wide else
                     f"{state.calls_per_second:,.0f}/s ")  # fmt: skip
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append_text(left)
        line.append(" " * max(1, (width - middle.cell_len) // 2 - left.cell_len))
        line.append_text(middle)
        line.append(" " * max(1, width - line.cell_len - right.cell_len))
        line.append_text(right)
        return line
