"""`?`: what the current pane shows, and every key that works right now."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


def key_rows(bindings: Mapping[str, ActiveBinding]) -> list[tuple[str, str]]:
    """(key, what it does) for each active binding with a description, first key wins."""
    rows: list[tuple[str, str]] = []
    seen: set[str] = set()
    for key, active in bindings.items():
        binding = active.binding
        if not binding.description or binding.action in seen:
            continue
        seen.add(binding.action)
        label = binding.key_display or key
        text = binding.tooltip or binding.description
        rows.append((label, text))
    return rows


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen > VerticalScroll {
        width: 84;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, pane: str, text: str, bindings: Mapping[str, ActiveBinding]) -> None:
        super().__init__()
        self.pane = pane
        self.text = text
        self.rows = key_rows(bindings)

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        for key, text in self.rows:
            table.add_row(key, text)
        with VerticalScroll():
            yield Static(Text(f"{self.pane} — keys", style="bold"))
            yield Static(self.text + "\n")
            yield Static(table)
            yield Static(Text("\nesc closes", style="dim"))
