"""Enter on a message: all of it — body, attributes, system attributes, receive history.

The list shows one line per message; this shows what a consumer would get
(the body JSON-indented, the attributes as sent) and what SQS knows about it
(who sent it and when, each receive and by whom). The heading follows the
message live: its visibility timeout running down, or `gone` once deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TabbedContent, TabPane, Tabs, TextArea

from backend.services.sqs import Queue
from backend.services.sqs.message import Message
from tui.presenters.sqs import (
    message_attribute_rows,
    message_heading,
    pretty_body,
    receive_rows,
    system_attribute_rows,
)

#: Seconds of wall time between updates of the heading.
REFRESH = 0.25


def _table(headers: tuple[str, ...], rows: Sequence[tuple[str, ...]], empty: str) -> Table | Text:
    if not rows:
        return Text(empty, style="italic")
    table = Table(box=None, padding=(0, 2, 0, 0), show_edge=False)
    for header in headers:
        table.add_column(header, style="bold" if header == headers[0] else "", overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table


class MessageScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    MessageScreen {
        align: center middle;
    }
    MessageScreen > Vertical {
        width: 100%;
        max-width: 120;
        height: 100%;
        border: round $accent;
        background: $surface;
    }
    MessageScreen .message--heading {
        height: auto;
        padding: 0 1;
        text-style: bold;
        color: $accent;
    }
    MessageScreen TextArea {
        height: 1fr;
        border: none;
    }
    MessageScreen TabbedContent {
        height: 1fr;
    }
    MessageScreen ContentSwitcher {
        height: 1fr;
    }
    MessageScreen TabPane {
        height: 1fr;
        overflow-y: auto;
    }
    MessageScreen .message--hint {
        height: 1;
        padding: 0 1;
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close", id="message.close"),
        Binding("y", "copy", "Copy body", id="message.copy"),
    ]

    def __init__(self, message: Message, queue: Queue, now: Callable[[], float]) -> None:
        super().__init__()
        self.message = message
        self.queue = queue
        self._now = now

    def compose(self) -> ComposeResult:
        message = self.message
        with Vertical():
            yield Static(self._heading(), classes="message--heading")
            with TabbedContent():
                with TabPane(f"Body ({len(message.body):,} characters)", id="body"):
                    yield TextArea(
                        pretty_body(message.body),
                        read_only=True,
                        soft_wrap=True,
                        show_line_numbers=False,
                        id="message-body",
                    )
                with TabPane(f"Attributes ({len(message.attributes)})", id="attributes"):
                    yield Static(self._attributes())
                with TabPane("System attributes", id="system"):
                    yield Static(_table(("name", "value"), system_attribute_rows(message), ""))
                with TabPane(f"Receives ({message.receive_count})", id="receives"):
                    yield Static(self._receives())
            yield Static(
                "←/→ tabs · tab scrolls the body · y copies it · esc closes",
                classes="message--hint",
            )

    def on_mount(self) -> None:
        self.query_one(Tabs).focus()
        self.set_interval(REFRESH, self.refresh_heading)

    def _heading(self) -> str:
        present = self.queue.message(self.message.message_id) is self.message
        return message_heading(self.message, self.queue, self._now(), present)

    def refresh_heading(self) -> None:
        """The tick (and a test) calls this: the heading says visible, in flight or gone, live."""
        self.query_one(".message--heading", Static).update(self._heading())

    def _attributes(self) -> Table | Text:
        rows = message_attribute_rows(self.message)
        return _table(("name", "DataType", "value"), rows, "no message attributes")

    def _receives(self) -> Table | Text:
        rows = receive_rows(self.message)
        table = _table(("received at (UTC)", "by"), rows, "not received yet")
        if isinstance(table, Table):
            table.title = f"{self.message.receive_count:,} receives; the latest {len(rows)} here"
            table.title_justify = "left"
        return table

    def action_copy(self) -> None:
        """Copy the body as sent (not indented); say so here, where the person is looking."""
        self.app.copy_to_clipboard(self.message.body)
        self.query_one(".message--hint", Static).update(
            f"copied the body ({len(self.message.body):,} characters) · esc closes"
        )
