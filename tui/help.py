"""`?`: what the current pane shows, and its keys (dimmed where they don't apply now)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


def key_rows(
    bindings: Mapping[str, ActiveBinding], display: Callable[[Binding], str] | None = None
) -> list[tuple[str, str]]:
    """(key, what it does) for each of skydeck's own active bindings, first key wins.

    `display` names a key as the footer does (`App.get_key_display`: `/`, `^p`);
    without it, a key shows under its Textual name (`slash`, `ctrl+p`).

    skydeck's own keys are the ones declared with an id and a tooltip.
    Textual's generic ones (`^q`, scrolling, focus, `^c`) are left out: they
    filled the box and pushed out what this pane can do (and `^q`, first in
    the chain, hid `q`); the arrows get one line of their own.
    """
    rows: list[tuple[str, str]] = []
    seen: set[str] = set()
    for key, active in bindings.items():
        binding = active.binding
        if not (binding.id and binding.tooltip) or binding.action in seen:
            continue
        seen.add(binding.action)
        label = display(binding) if display is not None else binding.key_display or key
        rows.append((label, binding.tooltip))
    return rows


def reflow(text: str) -> str:
    """`text` with its hard line breaks joined, blank lines kept as paragraph breaks.

    Panes write their help wrapped for the source file; shown as is in a box
    narrower than those lines (80 columns), every line would wrap again and
    leave a ragged word alone on the next.
    """
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(" ".join(p.split()) for p in paragraphs)


#: The keys every table shares, in one line instead of a row each.
MOVING = "↑ ↓ PgUp PgDn Home End move in a table · tab moves between tables"


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
        self.shown_bindings = bindings
        self.rows: list[tuple[str, str]] = []
        #: Keys shown dimmed: they exist here but don't apply to what is selected now.
        self.inapplicable: set[str] = set()

    def compose(self) -> ComposeResult:
        self.rows = key_rows(self.shown_bindings, self.app.get_key_display)
        self.inapplicable = {
            self.app.get_key_display(active.binding)
            for active in self.shown_bindings.values()
            if not active.enabled
        }
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        for key, text in self.rows:
            style = "dim" if key in self.inapplicable else ""
            table.add_row(Text(key, style), Text(text, style))
        with VerticalScroll():
            yield Static(Text(f"{self.pane} — keys", style="bold"))
            yield Static(table)
            yield Static(Text(MOVING, style="dim"))
            yield Static(Text("\n" + reflow(self.text) + "\n"))
            yield Static(Text("esc closes", style="dim"))
