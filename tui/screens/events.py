"""`!`: the log of the cloud's events, newest first, live while it is open."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.event_log import EventLog
from tui.presenters.events import EVENT_COLUMNS, event_row
from tui.presenters.palette import Palette
from widgets.resource_table import ResourceTable

#: Seconds of wall time between refreshes of the open log.
REFRESH = 0.5


class EventsScreen(ModalScreen[None]):
    """The whole event log in a filterable, sortable table."""

    DEFAULT_CSS = """
    EventsScreen {
        align: center middle;
    }
    EventsScreen > Vertical {
        width: 100%;
        max-width: 140;
        height: 100%;
        border: round $accent;
        background: $surface;
    }
    EventsScreen .events--hint {
        height: 1;
        padding: 0 1;
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,exclamation_mark", "dismiss", "Close", id="events.close"),
    ]

    def __init__(self, log: EventLog, palette: Callable[[], Palette]) -> None:
        super().__init__()
        self.event_log = log
        self._palette = palette
        self._total = -1

    def compose(self) -> ComposeResult:
        with Vertical():
            yield ResourceTable(
                "Cloud events",
                EVENT_COLUMNS,
                id="events",
                follow_newest=True,
                empty="nothing has happened yet: DLQ moves, purges and redrives show here",
            )
            yield Static(
                "a burst of one event folds into one line · / filter · esc closes",
                classes="events--hint",
            )

    @property
    def table(self) -> ResourceTable:
        return self.query_one("#events", ResourceTable)

    def on_mount(self) -> None:
        self.refresh_rows()
        self.table.focus_table()
        self.set_interval(REFRESH, self.refresh_rows)

    def refresh_rows(self) -> None:
        """Rebuild the rows when the log has grown (folded events change counts, too)."""
        if self.event_log.total == self._total:
            return
        self._total = self.event_log.total
        palette = self._palette()
        self.table.set_rows([event_row(line, palette) for line in self.event_log.lines()])
        self.table.set_title(f"Cloud events · {self.event_log.total:,} since start")
