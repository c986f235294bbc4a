"""The one resource list every pane uses: a titled `LiveTable` with filter and sort.

Queues, trail events, messages (and later streams, log groups, keys, alarms)
are all "a sortable, filterable table of resources". The pane hands over plain
`Row`s on every refresh; this widget keeps the person's view of them: the
filter (`/`, a substring or regex, `!` to invert, as in k9s), the sort column
(`o` to move it, `O` to reverse) and the cursor.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Static

from widgets.live_table import Column, LiveTable, Row, RowMessage


def row_filter(pattern: str) -> Callable[[Row], bool]:
    """A predicate for `pattern`: regex when it compiles, else plain text; `!` inverts."""
    inverse = pattern.startswith("!")
    body = pattern[1:] if inverse else pattern
    if not body:
        return lambda row: True
    try:
        regex = re.compile(body, re.IGNORECASE)
    except re.error:
        regex = re.compile(re.escape(body), re.IGNORECASE)
    return lambda row: (regex.search(row.search_text) is None) == inverse


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


class ResourceTable(Vertical):
    """A title line, a filter box that appears on `/`, and the table."""

    DEFAULT_CSS = """
    ResourceTable {
        height: 1fr;
    }
    ResourceTable > .resource-table--title {
        height: 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        padding: 0 1;
        background: $panel;
        color: $text;
        text-style: bold;
    }
    ResourceTable > Input {
        height: 1;
        border: none;
        padding: 0 1;
        background: $boost;
    }
    ResourceTable > Input.-hidden {
        display: none;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", show=False, id="table.filter",
                tooltip="Filter rows (text or regex, ! inverts)"),
        Binding("o", "sort", "Sort", show=False, id="table.sort",
                tooltip="Sort by the next column"),
        Binding("O", "reverse", "Reverse", show=False, id="table.reverse",
                tooltip="Reverse the sort order"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="table.clear_filter"),
    ]  # fmt: skip

    class Highlighted(RowMessage):
        """The cursor moved to another row of this resource table."""

    class Selected(RowMessage):
        """Enter (or a double click) on a row of this resource table."""

    def __init__(
        self,
        title: str,
        columns: Sequence[Column],
        *,
        empty: str = "nothing here yet",
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.title = title
        self._columns = columns
        self._empty = empty
        self._rows: list[Row] = []
        self.filter_text = ""
        self._matches: Callable[[Row], bool] = row_filter("")

    def compose(self) -> ComposeResult:
        yield Static(self.title, classes="resource-table--title")
        yield Input(placeholder="filter: text or regex, ! inverts", classes="-hidden")
        yield LiveTable(self._columns, empty=self._empty)

    @property
    def table(self) -> LiveTable:
        return self.query_one(LiveTable)

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

    def set_rows(self, rows: Sequence[Row]) -> None:
        self._rows = list(rows)
        self._show()

    def _show(self) -> None:
        table = self.table
        kept = [row for row in self._rows if self._matches(row)]
        table.set_rows(sort_rows(kept, table.sort_column, table.sort_reverse))
        self._update_title()

    def _update_title(self) -> None:
        title = Text(self.title)
        if self.filter_text:
            title.append(f"   /{self.filter_text}  {len(self.table.rows)} of {len(self._rows)}")
        title.append("   / filter  o sort", "dim")
        self.query_one(".resource-table--title", Static).update(title, layout=False)

    def focus_table(self) -> None:
        self.table.focus()

    # -- actions ----------------------------------------------------------------

    def action_filter(self) -> None:
        box = self.query_one(Input)
        box.remove_class("-hidden")
        box.value = self.filter_text
        box.focus()

    def action_clear_filter(self) -> None:
        box = self.query_one(Input)
        box.value = ""
        self._apply_filter("")
        box.add_class("-hidden")
        self.table.focus()

    def action_sort(self) -> None:
        table = self.table
        count = len(table.columns)
        table.sort_column = 0 if table.sort_column is None else table.sort_column + 1
        if table.sort_column >= count:
            table.sort_column = None
        self._show()

    def action_reverse(self) -> None:
        self.table.sort_reverse = not self.table.sort_reverse
        self._show()

    def _apply_filter(self, text: str) -> None:
        self.filter_text = text
        self._matches = row_filter(text)
        self._show()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._apply_filter(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value:
            event.input.add_class("-hidden")
        self.table.focus()

    def on_live_table_highlighted(self, event: LiveTable.Highlighted) -> None:
        event.stop()
        self.post_message(self.Highlighted(self, event.key))

    def on_live_table_selected(self, event: LiveTable.Selected) -> None:
        event.stop()
        self.post_message(self.Selected(self, event.key))
