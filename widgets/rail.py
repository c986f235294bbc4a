"""The rail of services down the left, each with a number key and a live badge."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

#: Cells for a pane's name: the longest AWS name on a rail, EventBridge; longer end in "…".
LABEL_CELLS = 11
#: Cells for a badge: a count made compact (`999`, `12k`) fits.
BADGE_CELLS = 4


def fit(text: str, cells: int) -> str:
    """`text` in at most `cells` cells, its end replaced by "…" when cut."""
    if cell_len(text) <= cells:
        return text
    while cell_len(text) > cells - 1:
        text = text[:-1]
    return text + "…"


@dataclass(frozen=True, slots=True)
class RailItem:
    """A pane on the rail: its id, the key that jumps to it, its name and badge."""

    pane: str
    key: str
    label: str
    badge: str = ""
    alert: bool = False


class Rail(OptionList):
    """Pane navigation; badges are refreshed in place, never by rebuilding the list."""

    DEFAULT_CSS = """
    Rail {
        width: 20;
        height: 1fr;
        border: none;
        padding: 0;
        background: $panel;
    }
    Rail:focus {
        border: none;
    }
    """

    def __init__(self, items: Sequence[RailItem], *, id: str | None = None) -> None:
        self.items = list(items)
        super().__init__(*(Option(self._prompt(i), id=i.pane) for i in self.items), id=id)

    def _prompt(self, item: RailItem) -> Content:
        """`1 SQS           3`: the badge in the theme's error colour when it is an alert.

        Name and badge each have their own cells, so a long name never pushes
        the badge off the rail. Styled with theme variables (`$error`),
        resolved when drawn, so the badge follows a theme switch without the
        prompts being rebuilt.
        """
        label = f"{fit(item.label, LABEL_CELLS):<{LABEL_CELLS}} "
        badge = fit(item.badge, BADGE_CELLS).rjust(BADGE_CELLS)
        style = "bold $error" if item.alert else "bold"
        return Content.assemble((f"{item.key or ' '} ", "dim"), label, (badge, style))

    def set_badges(self, items: Sequence[RailItem]) -> None:
        for index, item in enumerate(items):
            if index < len(self.items) and item != self.items[index]:
                self.items[index] = item
                self.replace_option_prompt_at_index(index, self._prompt(item))

    def show_pane(self, pane: str) -> None:
        for index, item in enumerate(self.items):
            if item.pane == pane:
                self.highlighted = index
