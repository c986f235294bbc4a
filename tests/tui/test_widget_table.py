"""LiveTable and ResourceTable as a new user met them: at 80x24 in 16 colours, at 160x48.

Each test mounts the widget in a tiny app and asserts on its state and on what
the screen shows, read back from Textual's own SVG export (`screen_lines`), so
a widget that is "there" but drawn as two borders and no text fails.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from rich.color import ColorSystem
from rich.style import Style
from textual.app import App, ComposeResult
from textual.widgets import Footer

from tests.tui.helpers import screen_lines
from themes import THEMES
from tui.presenters.sqs import QUEUE_COLUMNS as SQS_COLUMNS
from widgets.live_table import BLURRED_MARK, FOCUSED_MARK, Column, LiveTable, Row, column_widths
from widgets.resource_table import ResourceTable

THEME_NAMES = [t.name for t in THEMES]


def ansi(style: Style, *, background: bool = False) -> int | None:
    """The ANSI colour number a style's colour lands on in 16 colours."""
    color = style.bgcolor if background else style.color
    if color is None:
        return None
    number = color.downgrade(ColorSystem.STANDARD).number
    assert number is not None
    return number


def queue(name: str, visible: int = 0) -> Row:
    return Row(name, (name, "std", str(visible), "-"), sort=(name, "std", visible, ""))


QUEUE_COLUMNS = (
    Column("name", 0, min_width=14),
    Column("type", 4),
    Column("visible", 7, "right"),
    Column("DLQ", 14, drop=1),
)
QUEUES = [
    queue(n, v)
    for n, v in [
        ("documents", 3),
        ("documents-256k", 0),
        ("notifications-long", 1),
        ("notifications-short", 8),
        ("orders", 142),
        ("orders-dlq", 3),
        ("payments.fifo", 12),
    ]
]


class TablesApp(App[None]):
    """Two resource tables stacked like the SQS pane: the first as tall as its rows, capped."""

    CSS = """
    #queues { height: auto; max-height: 33%; }
    #queues LiveTable { height: auto; }
    """

    def __init__(self, *, theme: str = "skydeck-dark", remote: bool = False) -> None:
        super().__init__()
        self._theme_name = theme
        self.remote = remote
        self.filters: list[str] = []

    def compose(self) -> ComposeResult:
        yield ResourceTable(
            "Queues",
            QUEUE_COLUMNS,
            id="queues",
            empty="no queues yet: press n to create one",
            remote_filter=self.remote,
        )
        yield ResourceTable("Messages", QUEUE_COLUMNS, id="messages", empty="no messages")
        yield Footer()

    def on_mount(self) -> None:
        for theme in THEMES:
            self.register_theme(theme)
        self.theme = self._theme_name

    @property
    def queues(self) -> ResourceTable:
        return self.query_one("#queues", ResourceTable)

    @property
    def messages(self) -> ResourceTable:
        return self.query_one("#messages", ResourceTable)

    def on_resource_table_filter_changed(self, event: ResourceTable.FilterChanged) -> None:
        self.filters.append(event.text)


def cursor_line(app: App[None], table: LiveTable) -> str | None:
    """The screen line showing `table`'s cursor row (marked in its gutter), if on screen."""
    for line in screen_lines(app):
        if line[:1] in (FOCUSED_MARK, BLURRED_MARK) and line[1:].startswith(
            table.cursor_key or "\0"
        ):
            return line
    return None


# -- 1. the filter box ---------------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (160, 48), (40, 12)])
async def test_the_filter_box_is_one_row_that_shows_what_is_typed(size: tuple[int, int]) -> None:
    app = TablesApp()
    async with app.run_test(size=size) as pilot:
        app.queues.set_rows(QUEUES)
        app.queues.focus_table()
        await pilot.press("slash")
        await pilot.pause()  # the box opens and takes the focus first
        await pilot.press(*"docu")
        box = app.queues.filter_box
        box.cursor_blink = False
        await pilot.pause()
        assert box.has_focus
        assert box.outer_size.height == 1
        lines = screen_lines(app)
        # Title, then the box with the text typed, then the table's header.
        title_y = box.region.y - 1
        assert lines[title_y].startswith(" Queues")
        assert lines[box.region.y].strip() == "docu"
        assert lines[box.region.y + 1].split()[:2] == ["name", "type"]
        # The cursor is drawn right after the text, in a style of its own.
        cells = [(char, seg.style) for seg in box.render_line(0) for char in seg.text]
        text = "".join(char for char, _ in cells)
        end = text.index("docu") + len("docu")
        assert cells[end][1] != cells[end - 1][1]
        # Typing takes the letter keys; the footer says what does work.
        footer = lines[-1]
        assert "Done" in footer and "Clear filter" in footer
        assert [r.key for r in app.queues.shown] == ["documents", "documents-256k"]

        await pilot.press("enter")
        assert app.focused is app.queues.table
        await pilot.press("escape")
        assert app.queues.filter_text == ""
        assert not app.queues.filter_box.display


async def test_escape_without_a_filter_is_left_to_the_screen() -> None:
    app = TablesApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.queues.set_rows(QUEUES)
        await pilot.pause()
        # Auto focus lands on the first table, never on the hidden filter box.
        assert app.focused is app.queues.table
        assert "escape" not in app.screen.active_bindings
        assert "Clear filter" not in screen_lines(app)[-1]


# -- 2. the cursor row stays on screen --------------------------------------------


async def test_a_capped_auto_height_table_scrolls_to_keep_the_cursor_on_screen() -> None:
    app = TablesApp()
    async with app.run_test(size=(80, 24)) as pilot:
        queues = app.queues
        queues.set_rows(QUEUES)
        queues.focus_table()
        table = queues.table
        await pilot.pause()
        # Capped at a third of 23 lines: the title, the header and 5 of the 7 rows.
        # The table's own size says so, rather than 8 lines cut off by its parent.
        assert queues.outer_size.height == 7
        assert table.size.height == 6
        assert table.region.bottom <= queues.region.bottom

        await pilot.press("end")
        assert table.cursor_key == "payments.fifo"
        assert cursor_line(app, table) is not None
        await pilot.press("home")
        assert cursor_line(app, table) is not None

        # Sort so the cursor's row moves to the bottom, then to the top.
        assert table.move_to_key("orders")
        await pilot.press("o", "o", "o")
        assert table.sort_column == 2
        assert table.rows[-1].key == "orders"
        assert cursor_line(app, table) is not None
        await pilot.press("O")
        assert table.rows[0].key == "orders"
        assert cursor_line(app, table) is not None

        # New rows push the cursor's row down; then the terminal shrinks.
        await pilot.press("O", "o", "o")
        assert table.move_to_key("documents")
        queues.set_rows([queue(f"aaa-{n}") for n in range(6)] + QUEUES)
        await pilot.pause()
        assert cursor_line(app, table) is not None
        assert table.move_to_key("payments.fifo")
        await pilot.resize_terminal(80, 12)
        await pilot.pause()
        assert table.size.height == 2
        assert cursor_line(app, table) is not None


async def test_a_short_list_is_as_tall_as_its_rows() -> None:
    app = TablesApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.queues.set_rows(QUEUES[:2])
        await pilot.pause()
        assert app.queues.outer_size.height == 4
        app.queues.set_rows(QUEUES)
        await pilot.pause()
        assert app.queues.outer_size.height == 7


# -- 3. empty under a filter ------------------------------------------------------


async def test_an_empty_table_under_a_filter_says_no_match() -> None:
    app = TablesApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.queues.set_rows(QUEUES)
        app.queues.focus_table()
        await pilot.press("slash")
        await pilot.pause()  # the box opens and takes the focus first
        await pilot.press(*"xyz")
        await pilot.pause()
        table = app.queues.table
        assert table.render_line(1).text.strip() == "no match for /xyz  (esc clears)"
        assert "no queues yet" not in "\n".join(screen_lines(app))
        await pilot.press("escape")
        app.queues.set_rows([])
        await pilot.pause()
        assert table.render_line(1).text.strip() == "no queues yet: press n to create one"


# -- 4. a filter the owner runs ---------------------------------------------------


async def test_a_remote_filter_is_posted_to_the_owner_who_supplies_rows_and_counts() -> None:
    app = TablesApp(remote=True)
    async with app.run_test(size=(80, 24)) as pilot:
        queues = app.queues
        queues.set_rows(QUEUES)
        queues.focus_table()
        await pilot.press("slash")
        await pilot.pause()  # the box opens and takes the focus first
        await pilot.press(*"fifo")
        await pilot.pause()
        assert app.filters == ["f", "fi", "fif", "fifo"]
        # Nothing filtered here: the table shows what the owner last gave it.
        assert len(queues.shown) == len(QUEUES)

        queues.set_rows([queue("payments.fifo", 12)], matched=812, total=10_000)
        await pilot.pause()
        assert [r.key for r in queues.shown] == ["payments.fifo"]
        title = screen_lines(app)[0]
        assert "/fifo  812 of 10,000" in title

        await pilot.press("escape")
        await pilot.pause()
        assert app.filters[-1] == ""
        assert queues.filter_text == ""


def test_filter_changes_coalesce_per_table() -> None:
    """A burst of keystrokes waiting in the queue is one search for the latest text."""
    first, second = ResourceTable("a", QUEUE_COLUMNS), ResourceTable("b", QUEUE_COLUMNS)
    older = ResourceTable.FilterChanged(first, "fi")
    assert older.can_replace(ResourceTable.FilterChanged(first, "fif"))
    assert not older.can_replace(ResourceTable.FilterChanged(second, "fif"))


# -- 5. focus without colour ------------------------------------------------------


@pytest.mark.parametrize("theme", THEME_NAMES)
async def test_the_focused_tables_cursor_is_marked_and_differs_in_16_colours(theme: str) -> None:
    app = TablesApp(theme=theme)
    async with app.run_test(size=(80, 24)) as pilot:
        app.queues.set_rows(QUEUES)
        app.messages.set_rows(QUEUES)
        app.messages.focus_table()
        await pilot.pause()
        focused, blurred = app.messages.table, app.queues.table
        assert focused.render_line(1).text.startswith(FOCUSED_MARK + "documents")
        assert blurred.render_line(1).text.startswith(BLURRED_MARK + "documents")
        assert focused.render_line(2).text.startswith(" documents-256k")
        # In the SVG export too.
        lines = screen_lines(app)
        assert sum(line.startswith(FOCUSED_MARK) for line in lines) == 1
        assert sum(line.startswith(BLURRED_MARK) for line in lines) == 1

        def backgrounds(table: LiveTable, y: int) -> set[int | None]:
            return {ansi(s.style, background=True) for s in table.render_line(y) if s.style}

        on, off, plain = backgrounds(focused, 1), backgrounds(blurred, 1), backgrounds(focused, 2)
        assert len(on) == len(off) == len(plain) == 1
        assert len(on | off | plain) == 3, (on, off, plain)
        # The cursor's text colour is drawn over the cells' own, and reads on it.
        for table in (focused, blurred):
            fg = {ansi(s.style) for s in table.render_line(1) if s.style and s.text.strip()}
            assert len(fg) == 1
            assert fg != backgrounds(table, 1)


# -- 6. sorting and columns at any width -------------------------------------------


async def test_the_sort_arrow_never_costs_a_label_a_cell() -> None:
    app = TablesApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.queues.set_rows(QUEUES)
        app.queues.focus_table()
        table = app.queues.table
        for column in range(4):
            await pilot.press("o")
            header = table.render_line(0).text
            for label in ("name", "type", "visible", "DLQ"):
                assert label in header
            label = QUEUE_COLUMNS[column].label
            assert f"▲{label}" in header
            await pilot.press("O")
            assert f"▼{table.columns[column].label}" in table.render_line(0).text
            await pilot.press("O")


async def test_sort_cycles_over_the_columns_on_screen_only() -> None:
    columns = (*QUEUE_COLUMNS, Column("sent/s", 7, "right", drop=2))
    app = TablesApp()
    async with app.run_test(size=(40, 24)) as pilot:
        app.queues.set_columns(columns)
        app.queues.set_rows(QUEUES)
        app.queues.focus_table()
        table = app.queues.table
        await pilot.pause()
        assert table.shown_columns == [0, 1, 2]
        seen = []
        for _ in range(4):
            await pilot.press("o")
            seen.append(table.sort_column)
            if table.sort_column is not None:
                assert "▲" in table.render_line(0).text
        assert seen == [0, 1, 2, None]


def shown(widths: Sequence[int]) -> list[str]:
    return [c.label for c, w in zip(SQS_COLUMNS, widths, strict=True) if w >= 0]


def test_lesser_columns_drop_before_the_name_shrinks_below_its_minimum() -> None:
    everything = [c.label for c in SQS_COLUMNS]
    assert shown(column_widths(SQS_COLUMNS, 120)) == everything
    # At 80 columns: the rates go (the highest `drop` first), the name keeps 26.
    widths = column_widths(SQS_COLUMNS, 79)
    assert shown(widths) == [c for c in everything if not c.endswith("/s")]
    assert widths[0] == 26
    # At 60: the DLQ too; at 50, oldest and delayed.
    assert shown(column_widths(SQS_COLUMNS, 59))[-2:] == ["delayed", "oldest"]
    assert shown(column_widths(SQS_COLUMNS, 50)) == ["name", "type", "visible", "in flight"]
    for total in range(43, 200):
        widths = column_widths(SQS_COLUMNS, total)
        assert widths[0] >= 20, total
        assert sum(w + 1 for w in widths if w >= 0) - 1 <= total, total


def test_the_sort_column_is_kept_when_the_table_narrows() -> None:
    assert "sent/s" not in shown(column_widths(SQS_COLUMNS, 79))
    assert "sent/s" in shown(column_widths(SQS_COLUMNS, 79, keep=6))


async def test_names_stay_readable_at_60_columns() -> None:
    app = TablesApp()
    async with app.run_test(size=(60, 24)) as pilot:
        app.queues.set_columns(SQS_COLUMNS)
        app.queues.set_rows(
            [Row(r.key, (r.key, "std", "0", "0", "0", "-", "0.0", "0.0", "-")) for r in QUEUES]
        )
        await pilot.pause()
        names = [line.split()[0].lstrip("▸▹") for line in screen_lines(app)[2:7]]
        assert names[:2] == ["documents", "documents-256k"]
        assert not any("…" in name for name in names)
