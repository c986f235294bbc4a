"""A tail of log lines, drawn with the Line API: a million lines cost what the screen shows.

The view keeps no copy of the lines: it asks its `LogLines` for the few on
screen each frame, so lines arriving many a second cost nothing until they
scroll into view, and nothing is rebuilt per tick. In follow mode the view
stays on the newest line as lines arrive, as `tail -f` does; moving the
cursor up leaves follow mode, End takes it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

#: Characters that would break a line on screen: shown as one space each.
_CONTROL = dict.fromkeys(range(32), " ")


@dataclass(frozen=True, slots=True)
class LogLine:
    """One line as the view shows it: its time, where it came from, and its message."""

    time: str
    source: str
    message: str


class LogLines(Protocol):
    """What a `LogView` reads: lines by index, oldest first."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: int) -> LogLine: ...


class NoLines:
    """Nothing to show: a view before it is given its lines."""

    def __len__(self) -> int:
        return 0

    def __getitem__(self, index: int) -> LogLine:
        raise IndexError(index)


class LogView(ScrollView, can_focus=True):
    """Log lines with a cursor, follow mode and highlighted words."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "log-view--time",
        "log-view--source",
        "log-view--cursor",
        "log-view--match",
    }
    DEFAULT_CSS = """
    LogView {
        background: $surface;
        overflow-x: hidden;
    }
    LogView > .log-view--time {
        color: $text-muted;
    }
    LogView > .log-view--source {
        color: $secondary;
    }
    LogView > .log-view--cursor {
        background: $primary 40%;
    }
    LogView > .log-view--match {
        background: $warning 50%;
        text-style: bold;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1)", "Up", show=False, id="log-view.up"),
        Binding("down,j", "move(1)", "Down", show=False, id="log-view.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="log-view.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="log-view.page_down"),
        Binding("home", "first", "First", show=False, id="log-view.first"),
        Binding("end", "last", "Last (follow)", show=False, id="log-view.last"),
        Binding("enter", "select", "Open", show=False, id="log-view.select"),
    ]

    cursor: reactive[int] = reactive(0)
    follow: reactive[bool] = reactive(True)

    class Selected(Message):
        """Enter on a line: the index of it in the view's lines."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    class Moved(Message):
        """The cursor moved: the pane shows the line it is on."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.lines: LogLines = NoLines()
        self.highlights: tuple[str, ...] = ()
        self.show_source = True

    def show(self, lines: LogLines, highlights: tuple[str, ...] = ()) -> None:
        """Show `lines` (or the same lines, grown): in follow mode, the newest."""
        self.lines = lines
        self.highlights = tuple(h for h in highlights if h)
        count = len(lines)
        self.virtual_size = Size(self.scrollable_content_region.width, count)
        if self.follow and count:
            self.cursor = count - 1
            self.scroll_to(y=max(0, count - self._rows()), animate=False)
        elif count:
            self.cursor = min(self.cursor, count - 1)
        self.refresh()

    def go_to(self, index: int) -> None:
        """Put the cursor on line `index`, in view, out of follow mode unless it is the last."""
        count = len(self.lines)
        if not count:
            return
        self.cursor = max(0, min(index, count - 1))
        self.follow = self.cursor == count - 1
        top = self.scroll_offset.y
        if not top <= self.cursor < top + self._rows():
            self.scroll_to(y=max(0, self.cursor - self._rows() // 2), animate=False)
        self.refresh()
        self.post_message(self.Moved(self.cursor))

    def action_move(self, step: int) -> None:
        self.go_to(self.cursor + step)

    def _rows(self) -> int:
        """Lines on screen: the height less any scrollbar."""
        return max(1, self.scrollable_content_region.height)

    def action_page(self, direction: int) -> None:
        self.go_to(self.cursor + direction * max(1, self._rows() - 1))

    def action_first(self) -> None:
        self.go_to(0)

    def action_last(self) -> None:
        self.go_to(len(self.lines) - 1)
        self.follow = True

    def action_select(self) -> None:
        if len(self.lines):
            self.post_message(self.Selected(self.cursor))

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = self.scroll_offset.y + y
        base = self.rich_style
        if index >= len(self.lines):
            return Strip.blank(width, base)
        line = self.lines[index]
        text = Text.assemble(
            (line.time, self.get_component_rich_style("log-view--time")),
            " ",
            no_wrap=True,
            end="",
        )
        if self.show_source and line.source:
            text.append(line.source, self.get_component_rich_style("log-view--source"))
            text.append(" ")
        text.append(line.message.translate(_CONTROL))
        match = self.get_component_rich_style("log-view--match")
        for word in self.highlights:
            text.highlight_words([word], match, case_sensitive=True)
        style: Style = base
        if index == self.cursor:
            style = base + self.get_component_rich_style("log-view--cursor")
            text.stylize(style)
        text.truncate(width, overflow="ellipsis")
        strip = Strip(text.render(self.app.console), text.cell_len)
        return strip.crop_extend(0, width, style)
