"""A table for live data, drawn with the Line API.

Panes replace a `LiveTable`'s rows several times a second. A DataTable keeps a
widget-side model per row and can only be reordered by rebuilding it; this
table keeps nothing but the list of plain `Row`s it was last given and draws
only the lines on screen, so an update costs the same for ten rows or ten
thousand, and the cursor stays on the same row (by key) while rows move.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.events import Click, MouseScrollDown, MouseScrollUp
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

Cell = str | Text


@dataclass(frozen=True, slots=True)
class Column:
    """A column: its header, its width in cells (0 = share what is left) and alignment.

    `hide_below` drops the column while the table is narrower than that many
    cells, so an 80-column terminal shows fewer columns rather than cut ones.
    """

    label: str
    width: int = 0
    justify: Literal["left", "right"] = "left"
    hide_below: int = 0


@dataclass(frozen=True, slots=True)
class Row:
    """One row: a stable key, the cells to show, and optional per-column sort values."""

    key: str
    cells: tuple[Cell, ...]
    sort: tuple[object, ...] = field(default=())

    def sort_value(self, column: int) -> object:
        if self.sort and column < len(self.sort):
            return self.sort[column]
        cell = self.cells[column]
        return cell.plain if isinstance(cell, Text) else cell

    @property
    def search_text(self) -> str:
        return " ".join(c.plain if isinstance(c, Text) else c for c in self.cells)


class RowMessage(Message):
    """Something happened to the row with `key` in `table` (None: the table is empty)."""

    def __init__(self, table: Widget, key: str | None) -> None:
        super().__init__()
        self.table = table
        self.key = key

    @property
    def control(self) -> Widget:
        return self.table


class LiveTable(ScrollView, can_focus=True):
    """Rows under a fixed header line; a row cursor that follows its row's key."""

    DEFAULT_CSS = """
    LiveTable {
        height: 1fr;
        scrollbar-size-vertical: 1;
        scrollbar-size-horizontal: 0;
        background: $surface;
    }
    LiveTable > .live-table--header {
        text-style: bold;
        color: $text-muted;
    }
    LiveTable > .live-table--cursor {
        background: $block-cursor-blurred-background;
    }
    LiveTable:focus > .live-table--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }
    LiveTable > .live-table--empty {
        color: $text-muted;
        text-style: italic;
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "live-table--header",
        "live-table--cursor",
        "live-table--empty",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "edge(-1)", "First", show=False),
        Binding("end", "edge(1)", "Last", show=False),
        Binding("enter", "select", "Open", show=False),
    ]

    cursor: reactive[int] = reactive(0, always_update=True, init=False)

    class Highlighted(RowMessage):
        """The cursor moved to another row (or the row under it changed key)."""

    class Selected(RowMessage):
        """Enter (or a click) on a row."""

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        empty: str = "nothing here yet",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns: list[Column] = list(columns)
        self.rows: list[Row] = []
        self.empty_text = empty
        self.sort_column: int | None = None
        self.sort_reverse = False
        self._cursor_key: str | None = None
        # Computed once per frame's worth of lines, not per line: resolving a
        # widget's rich style walks the DOM and dominated the render time.
        self._styles: tuple[object, Style, Style, Style, Style] | None = None
        self._widths_for: tuple[int, list[int]] | None = None
        self._frame: tuple[int, int, list[int], Style, Style, Style, Style] | None = None

    # -- data -------------------------------------------------------------------

    @property
    def cursor_key(self) -> str | None:
        return self._cursor_key

    def set_rows(self, rows: Sequence[Row]) -> None:
        """Show `rows`; the cursor stays on its row's key if that row is still here."""
        rows = list(rows)
        if rows == self.rows:
            return
        self.rows = rows
        index = 0
        if self._cursor_key is not None:
            for i, row in enumerate(self.rows):
                if row.key == self._cursor_key:
                    index = i
                    break
            else:
                index = min(self.cursor, max(0, len(self.rows) - 1))
        size = Size(self.size.width, len(self.rows) + 1)
        if size != self.virtual_size:
            self.virtual_size = size
        self._move_to(index)
        self.refresh()

    def move_to_key(self, key: str) -> bool:
        for i, row in enumerate(self.rows):
            if row.key == key:
                self._move_to(i)
                return True
        return False

    def _move_to(self, index: int) -> None:
        index = max(0, min(index, len(self.rows) - 1))
        key = self.rows[index].key if self.rows else None
        changed = key != self._cursor_key
        self._cursor_key = key
        if index != self.cursor or changed:
            self.cursor = index
        if changed:
            self.post_message(self.Highlighted(self, key))

    def watch_cursor(self, index: int) -> None:
        body = max(1, self.size.height - 1)
        top = int(self.scroll_y)
        if index < top:
            self.scroll_to(y=index, animate=False)
        elif index >= top + body:
            self.scroll_to(y=index - body + 1, animate=False)
        self.refresh()

    # -- actions ----------------------------------------------------------------

    def action_cursor(self, step: int) -> None:
        self._move_to(self.cursor + step)

    def action_page(self, direction: int) -> None:
        self._move_to(self.cursor + direction * max(1, self.size.height - 2))

    def action_edge(self, direction: int) -> None:
        self._move_to(0 if direction < 0 else len(self.rows) - 1)

    def action_select(self) -> None:
        if self.rows:
            self.post_message(self.Selected(self, self.rows[self.cursor].key))

    def on_click(self, event: Click) -> None:
        if event.y >= 1:
            index = int(self.scroll_y) + event.y - 1
            if index < len(self.rows):
                self._move_to(index)
                if event.chain >= 2:
                    self.action_select()

    def on_mouse_scroll_down(self, event: MouseScrollDown) -> None:
        event.stop()
        self.scroll_to(y=self.scroll_y + 3, animate=False)

    def on_mouse_scroll_up(self, event: MouseScrollUp) -> None:
        event.stop()
        self.scroll_to(y=self.scroll_y - 3, animate=False)

    # -- drawing ----------------------------------------------------------------

    def set_columns(self, columns: Sequence[Column]) -> None:
        self.columns = list(columns)
        self._widths_for = None
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None

    def _line_styles(self) -> tuple[Style, Style, Style, Style]:
        """Base, header, cursor and empty-table styles, resolved once per theme and focus."""
        key = (self.app.theme, self.has_focus)
        if self._styles is None or self._styles[0] != key:
            base = self.rich_style
            self._styles = (
                key,
                base,
                base + self.get_component_rich_style("live-table--header"),
                base + self.get_component_rich_style("live-table--cursor"),
                base + self.get_component_rich_style("live-table--empty"),
            )
        return self._styles[1:]

    def _widths(self, total: int) -> list[int]:
        """Column widths for `total` cells (-1 = hidden): fixed first, the rest shared."""
        if self._widths_for is not None and self._widths_for[0] == total:
            return self._widths_for[1]
        shown = [i for i, c in enumerate(self.columns) if total + 1 >= c.hide_below]
        gaps = len(shown) - 1
        fixed = sum(self.columns[i].width for i in shown)
        flex = [i for i in shown if self.columns[i].width == 0]
        spare = max(0, total - fixed - gaps)
        widths = [-1] * len(self.columns)
        for i in shown:
            widths[i] = self.columns[i].width
        for n, i in enumerate(flex):
            widths[i] = spare // len(flex) + (1 if n < spare % len(flex) else 0)
        self._widths_for = (total, widths)
        return widths

    def _line(self, cells: Sequence[Cell], widths: list[int]) -> Text:
        line = Text(no_wrap=True, end="")
        first = True
        for i, (column, width) in enumerate(zip(self.columns, widths, strict=False)):
            if width < 0:
                continue
            if not first:
                line.append(" ")
            first = False
            if width == 0:
                continue
            cell = cells[i] if i < len(cells) else ""
            text = cell.copy() if isinstance(cell, Text) else Text(cell)
            text.truncate(width, overflow="ellipsis", pad=False)
            pad = width - text.cell_len
            if column.justify == "right":
                line.append(" " * pad)
                line.append_text(text)
            else:
                line.append_text(text)
                line.append(" " * pad)
        return line

    def _header(self, widths: list[int]) -> Text:
        labels: list[Cell] = []
        for i, column in enumerate(self.columns):
            mark = ""
            if i == self.sort_column:
                mark = "▼" if self.sort_reverse else "▲"
            labels.append(column.label + mark)
        return self._line(labels, widths)

    def _new_frame(self) -> tuple[int, int, list[int], Style, Style, Style, Style]:
        # What every line needs, worked out once per render rather than per line:
        # `size` and `scroll_y` each recompute the widget's region.
        width = self.size.width
        self._frame = (width, int(self.scroll_y), self._widths(width - 1), *self._line_styles())
        return self._frame

    def render_lines(self, crop: Region) -> list[Strip]:
        self._new_frame()
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width, top, widths, base, header, cursor, empty = self._frame or self._new_frame()
        if y == 0:
            return self._strip(self._header(widths), width, header)
        index = top + y - 1
        if index >= len(self.rows):
            if index == 0:
                return self._strip(Text(" " + self.empty_text), width, empty)
            return Strip.blank(width, base)
        line = self._line(self.rows[index].cells, widths)
        return self._strip(line, width, cursor if index == self.cursor else base)

    def _strip(self, text: Text, width: int, style: Style) -> Strip:
        text.pad_left(1)
        text.stylize_before(style)
        strip = Strip(text.render(self.app.console))
        return strip.crop_extend(0, width, style)
