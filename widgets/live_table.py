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

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.events import Click, MouseScrollDown, MouseScrollUp, Resize
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

Cell = str | Text

#: In the gutter cell of the cursor's row: the focused table's cursor, and the
#: cursor of a table that is not focused. Marks, not only colours, so that the
#: table `d`/`v`/`y` act on can be told apart in 16 colours and in monochrome.
FOCUSED_MARK = "▸"
BLURRED_MARK = "▹"
#: In the header, next to the label of the sort column: ascending, descending.
SORT_MARKS = ("▲", "▼")


@dataclass(frozen=True, slots=True)
class Column:
    """A column: its header, its width in cells (0 = share what is left) and alignment.

    When a row does not fit the table, columns with a `drop` go first, the
    highest `drop` first (the rightmost on a tie), until the rest fit; `drop=0`
    columns stay. A flexible column (width 0) counts as `min_width` cells
    while that is decided (its label's width when 0), so a name column keeps
    enough of each name to be told apart while lesser columns make room.
    """

    label: str
    width: int = 0
    justify: Literal["left", "right"] = "left"
    drop: int = 0
    min_width: int = 0

    @property
    def least(self) -> int:
        """The fewest cells this column needs before a droppable column makes room."""
        if self.width:
            return self.width
        return self.min_width or cell_len(self.label)


def column_widths(columns: Sequence[Column], total: int, keep: int | None = None) -> list[int]:
    """Width of each column in `total` cells, -1 for a dropped one.

    Columns are dropped by their `drop` priority until the row fits (see
    `Column`); `keep` (the sort column) is never dropped, since its arrow is
    the only sign of the order the rows are in. Each flexible column gets its
    minimum and then an equal share of what is left; when even the columns
    that stay do not fit, the flexible ones share what there is and the line
    is cut at the table's edge.
    """
    shown = list(range(len(columns)))
    droppable = sorted(
        (i for i in shown if columns[i].drop and i != keep), key=lambda i: (columns[i].drop, i)
    )
    while droppable and sum(columns[i].least + 1 for i in shown) - 1 > total:
        shown.remove(droppable.pop())
    widths = [-1] * len(columns)
    flex = [i for i in shown if columns[i].width == 0]
    spare = max(0, total - sum(columns[i].width for i in shown) - (len(shown) - 1))
    floor = sum(columns[i].least for i in flex)
    base = {i: columns[i].least for i in flex} if spare >= floor else dict.fromkeys(flex, 0)
    extra = spare - sum(base.values())
    for i in shown:
        widths[i] = columns[i].width
    for n, i in enumerate(flex):
        widths[i] = base[i] + extra // len(flex) + (1 if n < extra % len(flex) else 0)
    return widths


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
    """Rows under a fixed header line; a row cursor that follows its row's key.

    The cursor's row is drawn in the cursor's colours over the cells' own (a
    state colour on the cursor's background can be unreadable, most of all in
    16 colours), and its gutter cell carries a mark: `▸` when the table has
    the focus, `▹` when not.

    Its natural height is the header and every row (or the empty text): with
    `height: auto` it grows with its rows; under a cap (a `max-height`, or an
    auto-height `ResourceTable` with one) it is given fewer lines and scrolls,
    keeping the cursor's row on screen through moves, sorts, new rows and
    resizes.

    A table of history, newest first (`follow_newest`), treats its top row as
    the place to watch: a cursor there stays there as newer rows arrive above,
    as a log's follow mode does; moved down to an older row, it stays on that
    row until the row ages out of the table, then goes back to the top.
    Without it, the trail's history kept the row first highlighted while
    hundreds of newer events pushed it, and the view, down the table.
    """

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
        color: $block-cursor-blurred-foreground;
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
    ]

    cursor: reactive[int] = reactive(0, always_update=True, init=False)
    #: What the table says when it has no rows.
    empty_text: reactive[str] = reactive("nothing here yet", init=False)

    class Highlighted(RowMessage):
        """The cursor moved to another row (or the row under it changed key)."""

    class Selected(RowMessage):
        """A double click on a row."""

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        empty: str = "nothing here yet",
        follow_newest: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns: list[Column] = list(columns)
        self.follow_newest = follow_newest
        self.rows: list[Row] = []
        self.set_reactive(LiveTable.empty_text, empty)
        self.sort_column: int | None = None
        self.sort_reverse = False
        self._cursor_key: str | None = None
        # Computed once per frame's worth of lines, not per line: resolving a
        # widget's rich style walks the DOM and dominated the render time.
        self._styles: tuple[object, Style, Style, Style, Style] | None = None
        self._widths_for: tuple[tuple[int, int | None], list[int]] | None = None
        self._frame: tuple[int, int, list[int], Style, Style, Style, Style] | None = None

    # -- data -------------------------------------------------------------------

    @property
    def cursor_key(self) -> str | None:
        return self._cursor_key

    def set_rows(self, rows: Sequence[Row]) -> None:
        """Show `rows`; the cursor stays on its row's key if that row is still here.

        In a table that follows the newest, a cursor on the top row stays there,
        and one whose row has aged out goes back to the top to follow again
        (held at the bottom, it would show the oldest row ever after).
        """
        rows = list(rows)
        if rows == self.rows:
            return
        self.rows = rows
        index = 0
        following = self.follow_newest and self.cursor == 0 and self.sort_column is None
        if self._cursor_key is not None and not following:
            for i, row in enumerate(self.rows):
                if row.key == self._cursor_key:
                    index = i
                    break
            else:
                if not self.follow_newest:
                    index = min(self.cursor, max(0, len(self.rows) - 1))
        size = Size(self.size.width, len(self.rows) + 1)
        if size != self.virtual_size:
            self.virtual_size = size
        self._move_to(index)
        self._scroll_to_cursor()
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

    def watch_cursor(self) -> None:
        self._scroll_to_cursor()
        self.refresh()

    def _scroll_to_cursor(self) -> None:
        """Scroll just enough to show the cursor's row under the header.

        Called on every cursor move, new rows and resize: with rows added or
        the table shrunk, a cursor that did not move can still fall off screen.
        """
        body = self.scrollable_content_region.height - 1
        if body < 1:
            return
        top = round(self.scroll_y)
        if self.cursor < top:
            top = self.cursor
        elif self.cursor >= top + body:
            top = self.cursor - body + 1
        top = max(0, min(top, len(self.rows) - body))
        if top != round(self.scroll_y):
            self.scroll_to(y=top, animate=False)

    def on_resize(self, event: Resize) -> None:
        self._scroll_to_cursor()

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """The header and every row, or the header and the empty text."""
        return 1 + max(1, len(self.rows))

    # -- actions ----------------------------------------------------------------

    def action_cursor(self, step: int) -> None:
        self._move_to(self.cursor + step)

    def action_page(self, direction: int) -> None:
        self._move_to(self.cursor + direction * max(1, self.size.height - 2))

    def action_edge(self, direction: int) -> None:
        self._move_to(0 if direction < 0 else len(self.rows) - 1)

    def action_select(self) -> None:
        """Post `Selected` for the cursor's row (a double click does).

        Enter is not bound here: what opening a row means is the owner's to say,
        so panes bind it with a description the footer and `?` can show.
        """
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

    @property
    def shown_columns(self) -> list[int]:
        """Indexes of the columns on screen at the table's current width, left to right."""
        return [i for i, width in enumerate(self._widths(self._row_width())) if width > 0]

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

    def _row_width(self) -> int:
        """Cells for the columns: the table's width less the gutter cell on the left."""
        return self._line_width() - 1

    def _line_width(self) -> int:
        """Cells a line has: the width less the scrollbar's, while there is one.

        Laid out over the scrollbar too, a line lost its last column's end
        under it as soon as the rows outgrew the table.
        """
        return self.scrollable_content_region.width

    def _widths(self, total: int) -> list[int]:
        key = (total, self.sort_column)
        if self._widths_for is None or self._widths_for[0] != key:
            self._widths_for = (key, column_widths(self.columns, total, self.sort_column))
        return self._widths_for[1]

    def _line(self, cells: Sequence[Cell], widths: list[int], gutter: str) -> Text:
        """The cells laid out in `widths`, one cell apart, after a one-cell `gutter`."""
        line = Text(gutter, no_wrap=True, end="")
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
        """The labels, with the sort arrow where it costs no label a cell.

        The arrow sits right before its label: inside the column when a
        right-aligned label leaves room there, else in the one-cell gap (or
        the gutter) before the column, so `type` never becomes `typ…`.
        """
        line = self._line([c.label for c in self.columns], widths, " ")
        sort = self.sort_column
        if sort is None or sort >= len(widths) or widths[sort] <= 0:
            return line
        column = self.columns[sort]
        start = 1 + sum(w + 1 for w in widths[:sort] if w >= 0)
        room = widths[sort] - cell_len(column.label)
        at = start + room - 1 if column.justify == "right" and room > 0 else start - 1
        plain = line.plain
        arrow = SORT_MARKS[self.sort_reverse]
        return Text(plain[:at] + arrow + plain[at + 1 :], no_wrap=True, end="")

    def _new_frame(self) -> tuple[int, int, list[int], Style, Style, Style, Style]:
        # What every line needs, worked out once per render rather than per line:
        # `size` and `scroll_y` each recompute the widget's region.
        width = self._line_width()
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
        if index != self.cursor:
            return self._strip(self._line(self.rows[index].cells, widths, " "), width, base)
        mark = FOCUSED_MARK if self.has_focus else BLURRED_MARK
        line = self._line(self.rows[index].cells, widths, mark)
        line.stylize(cursor)
        return self._strip(line, width, cursor)

    def _strip(self, text: Text, width: int, style: Style) -> Strip:
        text.stylize_before(style)
        strip = Strip(text.render(self.app.console))
        return strip.crop_extend(0, width, style)
