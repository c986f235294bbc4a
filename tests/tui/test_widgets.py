"""The reusable widgets on their own: plain rows in, mounted in a tiny app."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from rich.text import Text
from textual.app import App, ComposeResult

from widgets.live_table import Column, LiveTable, Row
from widgets.resource_table import ResourceTable, row_filter, sort_rows

COLUMNS = (
    Column("name", 0, min_width=30),
    Column("count", 6, "right"),
    Column("rate/s", 7, "right", drop=1),
)


def row(key: str, count: int = 0, rate: float = 0.0) -> Row:
    return Row(key, (key, str(count), f"{rate:.1f}"), sort=(key, count, rate))


class TableApp(App[None]):
    """One LiveTable (or ResourceTable) and a record of what it announced."""

    def __init__(self, *, resource: bool = False) -> None:
        super().__init__()
        self.resource = resource
        self.highlighted: list[str | None] = []
        self.selected: list[str | None] = []

    def compose(self) -> ComposeResult:
        if self.resource:
            yield ResourceTable("Things", COLUMNS, id="things")
        else:
            yield LiveTable(COLUMNS, empty="nothing at all", id="things")

    @property
    def live(self) -> LiveTable:
        if self.resource:
            return self.query_one(ResourceTable).table
        return self.query_one(LiveTable)

    def on_live_table_highlighted(self, event: LiveTable.Highlighted) -> None:
        self.highlighted.append(event.key)

    def on_live_table_selected(self, event: LiveTable.Selected) -> None:
        self.selected.append(event.key)

    def on_resource_table_highlighted(self, event: ResourceTable.Highlighted) -> None:
        self.highlighted.append(event.key)


def keys(rows: Sequence[Row]) -> list[str]:
    return [r.key for r in rows]


def line(table: LiveTable, y: int) -> str:
    return table.render_line(y).text


# -- LiveTable --------------------------------------------------------------------


async def test_the_cursor_stays_on_its_key_when_rows_reorder() -> None:
    app = TableApp()
    async with app.run_test(size=(80, 10)) as pilot:
        table = app.live
        table.set_rows([row("a"), row("b"), row("c")])
        assert table.move_to_key("b")
        await pilot.pause()
        assert (table.cursor, table.cursor_key) == (1, "b")
        announced = list(app.highlighted)

        table.set_rows([row("c"), row("a"), row("b"), row("z")])
        await pilot.pause()
        assert (table.cursor, table.cursor_key) == (2, "b")
        table.set_rows([row("b", 5), row("c")])
        await pilot.pause()
        assert (table.cursor, table.cursor_key) == (0, "b")
        # Same row, new place: nothing to announce.
        assert app.highlighted == announced


async def test_when_the_cursors_row_goes_the_cursor_keeps_its_place() -> None:
    app = TableApp()
    async with app.run_test(size=(80, 10)) as pilot:
        table = app.live
        table.set_rows([row("a"), row("b"), row("c")])
        table.move_to_key("c")
        table.set_rows([row("a"), row("b")])
        await pilot.pause()
        assert (table.cursor, table.cursor_key) == (1, "b")
        assert app.highlighted[-1:] == ["b"]
        table.set_rows([])
        await pilot.pause()
        assert table.cursor_key is None
        assert app.highlighted[-1:] == [None]
        assert line(table, 1).strip() == "nothing at all"


async def test_keys_move_the_cursor_and_enter_selects() -> None:
    app = TableApp()
    async with app.run_test(size=(80, 6)) as pilot:
        table = app.live
        table.set_rows([row(f"r{n:02}") for n in range(20)])
        table.focus()
        await pilot.press("down", "down")
        assert table.cursor_key == "r02"
        await pilot.press("end")
        assert table.cursor_key == "r19"
        # Only the visible lines are drawn; the last row is in view.
        assert "r19" in line(table, 5)
        await pilot.press("pageup")
        assert table.cursor == 15
        await pilot.press("home", "up")
        assert table.cursor_key == "r00"
        # Enter belongs to the table's owner; a double click selects.
        await pilot.press("enter")
        await pilot.pause()
        assert app.selected == []
        await pilot.click(table, offset=(3, 1), times=2)
        await pilot.pause()
        assert app.selected == ["r00"]


async def test_columns_are_laid_out_and_dropped_when_the_name_would_shrink() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 5)) as pilot:
        table = app.live
        table.set_rows([row("orders-with-a-very-long-name-indeed", 142, 38.0)])
        await pilot.pause()
        header, first = line(table, 0), line(table, 1)
        assert "rate/s" not in header
        assert header.rstrip().endswith(" count")
        # The flexible column takes what is left and ends in an ellipsis when cut;
        # the gutter marks the focused table's cursor row.
        assert first == "▸orders-with-a-very-long-name-in…    142"

    app = TableApp()
    async with app.run_test(size=(80, 5)) as pilot:
        table = app.live
        table.set_rows([row("orders", 142, 38.0)])
        await pilot.pause()
        assert line(table, 0).rstrip().endswith("count  rate/s")
        assert line(table, 1).rstrip().endswith("   142    38.0")


# -- ResourceTable ------------------------------------------------------------------


ROWS = [row("orders", 142, 38.0), row("orders-dlq", 3), row("payments.fifo", 12, 4.0)]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("", ["orders", "orders-dlq", "payments.fifo"]),
        ("ORDERS", ["orders", "orders-dlq"]),
        ("dlq|fifo", ["orders-dlq", "payments.fifo"]),
        (r"^orders \d", ["orders"]),
        # Not a regex: searched as plain text rather than failing.
        ("s.fifo(", []),
        ("(", []),
        ("!orders", ["payments.fifo"]),
        ("!dlq|fifo", ["orders"]),
        ("!", ["orders", "orders-dlq", "payments.fifo"]),
        ("38.0", ["orders"]),
    ],
)
def test_row_filter(pattern: str, expected: list[str]) -> None:
    assert keys([r for r in ROWS if row_filter(pattern)(r)]) == expected


def test_row_filter_searches_styled_cells_as_text() -> None:
    styled = Row("k", (Text("in flight", "yellow"), "x"))
    assert row_filter("in flight")(styled)


def test_sort_rows_by_sort_values_then_text() -> None:
    assert keys(sort_rows(ROWS, 1, False)) == ["orders-dlq", "payments.fifo", "orders"]
    assert keys(sort_rows(ROWS, 1, True)) == ["orders", "payments.fifo", "orders-dlq"]
    assert keys(sort_rows(ROWS, 0, True)) == ["payments.fifo", "orders-dlq", "orders"]
    # No sort column keeps the order the pane gave (newest first in the trail).
    assert keys(sort_rows(ROWS, None, False)) == keys(ROWS)
    assert keys(sort_rows(ROWS, None, True)) == keys(ROWS)[::-1]


def test_sort_rows_puts_numbers_before_text_before_none_and_ignores_case() -> None:
    mixed = [
        Row("none", ("",), sort=(None,)),
        Row("Beta", ("Beta",)),
        Row("two", ("",), sort=(2,)),
        Row("alpha", ("alpha",)),
        Row("half", ("",), sort=(0.5,)),
    ]
    assert keys(sort_rows(mixed, 0, False)) == ["half", "two", "alpha", "Beta", "none"]


async def test_resource_table_keeps_filter_and_sort_across_new_rows() -> None:
    app = TableApp(resource=True)
    async with app.run_test(size=(80, 10)) as pilot:
        resource = app.query_one(ResourceTable)
        resource.set_rows(ROWS)
        resource.focus_table()
        await pilot.press("slash")
        await pilot.pause()  # the box opens and takes the focus first
        await pilot.press(*"orders")
        await pilot.press("enter")
        assert keys(resource.shown) == ["orders", "orders-dlq"]
        assert app.focused is resource.table
        await pilot.press("o", "o", "O")
        assert keys(resource.shown) == ["orders", "orders-dlq"]
        assert "▼count" in line(resource.table, 0)

        resource.set_rows([*ROWS, row("orders-archive", 999)])
        await pilot.pause()
        assert keys(resource.shown) == ["orders-archive", "orders", "orders-dlq"]
        assert resource.filter_text == "orders"

        await pilot.press("escape")
        await pilot.pause()
        assert len(resource.shown) == 4
        assert resource.filter_text == ""


async def test_resource_table_sort_cycles_through_the_columns_and_back_to_none() -> None:
    app = TableApp(resource=True)
    async with app.run_test(size=(80, 10)) as pilot:
        resource = app.query_one(ResourceTable)
        resource.set_rows(ROWS[::-1])
        resource.focus_table()
        for column in (0, 1, 2, None):
            await pilot.press("o")
            assert resource.table.sort_column == column
        assert keys(resource.shown) == keys(ROWS[::-1])
