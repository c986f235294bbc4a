"""Enter on a trail event: its whole CloudTrail record, as JSON, to read and scroll."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea


class RecordScreen(ModalScreen[None]):
    """The record in a read-only text area: every member, nothing elided."""

    DEFAULT_CSS = """
    RecordScreen {
        align: center middle;
    }
    RecordScreen > Vertical {
        width: 100%;
        max-width: 120;
        height: 100%;
        border: round $accent;
        background: $surface;
    }
    RecordScreen .record--title {
        height: 1;
        padding: 0 1;
        text-style: bold;
        color: $accent;
    }
    RecordScreen TextArea {
        height: 1fr;
        border: none;
    }
    RecordScreen .record--hint {
        height: 1;
        padding: 0 1;
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Close", id="record.close"),
        Binding("y", "copy", "Copy", id="record.copy"),
    ]

    def __init__(self, record: dict[str, Any]) -> None:
        super().__init__()
        self.record = record
        self.text = json.dumps(record, indent=2, ensure_ascii=False)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                f"{self.record['eventName']} · {self.record['eventTime']} · "
                f"{self.record['eventID']}",
                classes="record--title",
            )
            yield TextArea(self.text, read_only=True, soft_wrap=True, show_line_numbers=False)
            yield Static("y copies the record · esc closes", classes="record--hint")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.text)
        self.query_one(".record--hint", Static).update(
            f"copied the record ({len(self.text):,} characters) · esc closes"
        )
