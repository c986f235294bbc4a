"""One line above the footer: the newest thing that happened in the cloud.

The cloud's discrete events (a message moved to a dead-letter queue, a queue
purged, a redrive finished) used to be toasts, and at speed they buried the
screen. They are shown here instead, one line that changes in place, folded
bursts counted (`×37`), with the key that opens the whole log on the right.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

Severity = Literal["information", "warning", "error"]

#: Severity as a symbol as well as a colour, so 16 colours and monochrome still read.
MARKS: dict[Severity, str] = {"information": "·", "warning": "▲", "error": "✖"}


@dataclass(frozen=True, slots=True)
class StripLine:
    """What the strip shows: plain text, chosen by the app."""

    time: str = ""
    kind: str = ""
    summary: str = ""
    severity: Severity = "information"
    count: int = 1
    #: Lines in the whole log, for the hint on the right.
    logged: int = 0
    #: The key that opens the log, as the footer shows keys.
    key: str = "!"


class EventStrip(Widget):
    DEFAULT_CSS = """
    EventStrip {
        height: 1;
        background: $panel;
        color: $text-muted;
    }
    EventStrip > .event-strip--information { color: $text; }
    EventStrip > .event-strip--warning { color: $warning; text-style: bold; }
    EventStrip > .event-strip--error { color: $error; text-style: bold; }
    EventStrip > .event-strip--key { color: $footer-key-foreground; text-style: bold; }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "event-strip--information",
        "event-strip--warning",
        "event-strip--error",
        "event-strip--key",
    }

    line: reactive[StripLine] = reactive(StripLine, layout=False)

    def render(self) -> Text:
        line = self.line
        width = self.size.width
        hint = Text()
        hint.append(line.key, self.get_component_rich_style("event-strip--key"))
        hint.append(f" events ({line.logged:,}) " if line.logged else " events ")
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        text.append(" ")
        if not line.kind:
            text.append("no cloud events yet")
        else:
            style = self.get_component_rich_style(f"event-strip--{line.severity}")
            text.append(f"{line.time} ")
            text.append(f"{MARKS[line.severity]} {line.kind}", style)
            if line.count > 1:
                text.append(f" ×{line.count:,}", style)
            text.append(f"  {line.summary}")
        room = max(0, width - hint.cell_len - 1)
        text.truncate(room, overflow="ellipsis", pad=True)
        text.append(" ")
        text.append_text(hint)
        return text
