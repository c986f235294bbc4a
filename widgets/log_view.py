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

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
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


@dataclass(frozen=True, slots=True)
class _Frame:
    """What every line of one frame shares: resolved once in `render_lines`."""

    width: int
    top: int
    base: Style
    styles: dict[str, Style]


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
        self._frame: _Frame | None = None

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

    def render_lines(self, crop: Region) -> list[Strip]:
        """Resolve the styles and the geometry once a frame, not once a line."""
        self._frame = _Frame(
            self.scrollable_content_region.width,
            self.scroll_offset.y,
            self.rich_style,
            {name: self.get_component_rich_style(name) for name in self.COMPONENT_CLASSES},
        )
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        """One line as segments, cut to the width first: a 1 MB event costs what shows."""
        frame = self._frame
        if frame is None:
            return Strip.blank(self.size.width)
        width, styles = frame.width, frame.styles
        index = frame.top + y
        base = frame.base
        if index >= len(self.lines):
            return Strip.blank(width, base)
        line = self.lines[index]
        if index == self.cursor:
            base = base + styles["log-view--cursor"]
        segments = [
            Segment(line.time, base + styles["log-view--time"]),
            Segment(" ", base),
        ]
        used = len(line.time) + 1
        if self.show_source and line.source:
            source = base + styles["log-view--source"]
            segments += [Segment(line.source, source), Segment(" ", base)]
            used += len(line.source) + 1
        room = max(0, width - used)
        message = line.message[: room + 1].translate(_CONTROL)
        if len(message) > room:
            message = message[: max(0, room - 1)] + "…"
        segments += self._marked(message, base, styles["log-view--match"])
        return Strip(segments).crop_extend(0, width, base)

    def _marked(self, message: str, base: Style, marked: Style) -> list[Segment]:
        """`message` as segments, the highlighted words in the match style."""
        spans: list[tuple[int, int]] = []
        for word in self.highlights:
            at = message.find(word)
            while at >= 0:
                spans.append((at, at + len(word)))
                at = message.find(word, at + len(word))
        if not spans:
            return [Segment(message, base)]
        match = base + marked
        out: list[Segment] = []
        position = 0
        for start, end in sorted(spans):
            start = max(start, position)
            if start >= end:
                continue
            if start > position:
                out.append(Segment(message[position:start], base))
            out.append(Segment(message[start:end], match))
            position = end
        if position < len(message):
            out.append(Segment(message[position:], base))
        return out
