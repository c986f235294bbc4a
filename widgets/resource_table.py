"""The one resource list every pane uses: a titled `LiveTable` with filter and sort.

Queues, trail events, messages (and later streams, log groups, keys, alarms)
are all "a sortable, filterable table of resources". The pane hands over plain
`Row`s on every refresh; this widget keeps the person's view of them: the
filter (`/`, a substring or regex, `!` to invert, as in k9s), the sort column
(`o` to move it, `O` to reverse) and the cursor.

Some lists hold only a window of what there is (the trail keeps the newest
events of a long history): filtering the window would miss the rest. With
`remote_filter=True` the table leaves the filtering to its owner: it posts
`FilterChanged` as the person types and shows the rows (and the counts) the
owner hands back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Static

from widgets.live_table import Column, LiveTable, Row, RowMessage


def text_filter(pattern: str) -> Callable[[str], bool]:
    """A predicate on text for `pattern`: regex when it compiles, else plain text; `!` inverts.

    Case is ignored. An owner that filters for a `remote_filter` table can
    apply the same rule to its own records' text.
    """
    inverse = pattern.startswith("!")
    body = pattern[1:] if inverse else pattern
    if not body:
        return lambda text: True
    try:
        regex = re.compile(body, re.IGNORECASE)
    except re.error:
        regex = re.compile(re.escape(body), re.IGNORECASE)
    return lambda text: (regex.search(text) is None) == inverse


def row_filter(pattern: str) -> Callable[[Row], bool]:
    """`text_filter` on a row's cells."""
    matches = text_filter(pattern)
    return lambda row: matches(row.search_text)


def sort_rows(rows: Sequence[Row], column: int | None, reverse: bool) -> list[Row]:
    """`rows` ordered by `column` (None keeps the given order); mixed types sort by kind."""
    if column is None:
        return list(reversed(rows)) if reverse else list(rows)

    def key(row: Row) -> tuple[int, object]:
        value = row.sort_value(column)
        if value is None:
            return (2, 0)
        if isinstance(value, int | float):
            return (0, value)
        return (1, str(value).lower())

    return sorted(rows, key=key, reverse=reverse)


class FilterBox(Input):
    """The one-line filter input; while it has the focus the footer says how to leave it.

    Typing takes every printable key, so the pane's letter keys leave the
    footer while it is focused; Enter (keep the filter, back to the table) and
    Esc (clear it) are what works, and are what the footer shows.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "submit",
            "Done",
            id="table.filter_done",
            tooltip="Keep the filter and go back to the table",
        ),
    ]

    def allow_focus(self) -> bool:
        """Only while shown.

        An app's auto focus would otherwise pick the hidden box (`display` does
        not count for it), and every key typed would vanish into it.
        """
        return self.display


class ResourceTable(Vertical):
    """A title line, a filter box that appears on `/`, and the table.

    To be as tall as its rows up to a cap, give it `height: auto` and a
    `max-height`, and its `LiveTable` `height: auto`. The title and filter box
    are docked, so the table's height is measured against the lines they
    leave: under the cap the table gets fewer lines than rows, scrolls, and
    keeps its cursor in view. (Stacked in the flow instead, the table would
    count the whole cap as its own and be cut off by its parent, which never
    lets it scroll.)
    """

    DEFAULT_CSS = """
    ResourceTable {
        height: 1fr;
    }
    ResourceTable > .resource-table--top {
        dock: top;
        height: auto;
    }
    ResourceTable .resource-table--title {
        height: 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        padding: 0 1;
        background: $panel;
        color: $text;
        text-style: bold;
    }
    ResourceTable FilterBox.-textual-compact {
        padding: 0 1;
        background: $primary-muted;
        color: $foreground;
    }
    ResourceTable > LiveTable {
        height: 1fr;
        max-height: 100%;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "slash",
            "filter",
            "Filter",
            show=False,
            id="table.filter",
            tooltip="Filter rows (text or regex, ! inverts)",
        ),
        Binding(
            "o", "sort", "Sort", show=False, id="table.sort", tooltip="Sort by the next column"
        ),
        Binding(
            "O",
            "reverse",
            "Reverse",
            show=False,
            id="table.reverse",
            tooltip="Reverse the sort order",
        ),
        Binding(
            "escape",
            "clear_filter",
            "Clear filter",
            id="table.clear_filter",
            tooltip="Clear filter",
        ),
    ]

    class Highlighted(RowMessage):
        """The cursor moved to another row of this resource table."""

    class Selected(RowMessage):
        """A double click on a row of this resource table."""

    class FilterChanged(Message):
        """The filter text of a `remote_filter` table changed ('' when cleared).

        The owner filters and answers with `set_rows(rows, matched=..., total=...)`.
        A burst of keystrokes coalesces into the latest text, so a slow search
        runs once per pause in typing rather than once per key.
        """

        def __init__(self, table: ResourceTable, text: str) -> None:
            super().__init__()
            self.table = table
            self.text = text

        @property
        def control(self) -> Widget:
            return self.table

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, ResourceTable.FilterChanged) and message.table is self.table

    def __init__(
        self,
        title: str,
        columns: Sequence[Column],
        *,
        empty: str = "nothing here yet",
        remote_filter: bool = False,
        follow_newest: bool = False,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.title = title
        self.remote_filter = remote_filter
        self._columns = columns
        self._empty = empty
        self._follow_newest = follow_newest
        self._rows: list[Row] = []
        self._counts: tuple[int | None, int | None] = (None, None)
        self.filter_text = ""
        self._matches: Callable[[Row], bool] = row_filter("")

    def compose(self) -> ComposeResult:
        with Vertical(classes="resource-table--top"):
            yield Static(self.title, classes="resource-table--title")
            box = FilterBox(placeholder="filter: text or regex, ! inverts", compact=True)
            box.display = False
            yield box
        yield LiveTable(self._columns, empty=self._empty, follow_newest=self._follow_newest)

    @property
    def table(self) -> LiveTable:
        return self.query_one(LiveTable)

    @property
    def filter_box(self) -> FilterBox:
        return self.query_one(FilterBox)

    @property
    def cursor_key(self) -> str | None:
        return self.table.cursor_key

    @property
    def shown(self) -> list[Row]:
        """The rows as they are on screen: filtered and sorted."""
        return self.table.rows

    def set_title(self, title: str) -> None:
        self.title = title
        self._update_title()

    def set_columns(self, columns: Sequence[Column]) -> None:
        self.table.set_columns(columns)

    def set_rows(
        self, rows: Sequence[Row], *, matched: int | None = None, total: int | None = None
    ) -> None:
        """Show `rows`, filtered (unless `remote_filter`) and sorted.

        Under a filter the title says `matched of total`: by default the rows
        that pass of all those given. A `remote_filter` owner that hands over
        only some of its matches, out of a larger whole, passes both counts.
        """
        self._rows = list(rows)
        self._counts = (matched, total)
        self._show()

    def _show(self) -> None:
        table = self.table
        kept = self._rows if self.remote_filter else [r for r in self._rows if self._matches(r)]
        table.set_rows(sort_rows(kept, table.sort_column, table.sort_reverse))
        table.empty_text = (
            f"no match for /{self.filter_text}  (esc clears)" if self.filter_text else self._empty
        )
        self._update_title()

    def _update_title(self) -> None:
        title = Text(self.title)
        if self.filter_text:
            matched, total = self._counts
            shown = len(self.table.rows) if matched is None else matched
            whole = len(self._rows) if total is None else total
            title.append(f"   /{self.filter_text}  {shown:,} of {whole:,}")
        title.append("   / filter  o sort", "dim")
        self.query_one(".resource-table--title", Static).update(title, layout=False)

    def focus_table(self) -> None:
        self.table.focus()

    # -- actions ----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Esc is ours only while there is a filter to clear; otherwise it goes on up."""
        if action == "clear_filter":
            return bool(self.filter_text) or self.filter_box.display
        return True

    def action_filter(self) -> None:
        box = self.filter_box
        box.display = True
        box.value = self.filter_text
        box.focus()

    def action_clear_filter(self) -> None:
        box = self.filter_box
        box.value = ""
        self._apply_filter("")
        box.display = False
        self.table.focus()

    def action_sort(self) -> None:
        """Sort by the next column on screen, then by none (the order the owner gave)."""
        table = self.table
        current = table.sort_column
        later = [i for i in table.shown_columns if current is None or i > current]
        table.sort_column = later[0] if later else None
        self._show()

    def action_reverse(self) -> None:
        self.table.sort_reverse = not self.table.sort_reverse
        self._show()

    def _apply_filter(self, text: str) -> None:
        if text == self.filter_text:
            return
        self.filter_text = text
        if self.remote_filter:
            self.post_message(self.FilterChanged(self, text))
        else:
            self._matches = row_filter(text)
        self._show()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._apply_filter(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value:
            event.input.display = False
        self.table.focus()

    def on_live_table_highlighted(self, event: LiveTable.Highlighted) -> None:
        event.stop()
        self.post_message(self.Highlighted(self, event.key))

    def on_live_table_selected(self, event: LiveTable.Selected) -> None:
        event.stop()
        self.post_message(self.Selected(self, event.key))
