"""The rail of services down the left, each with a number key and a live badge."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option


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
        width: 16;
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

    def _prompt(self, item: RailItem) -> Text:
        text = Text(no_wrap=True)
        text.append(f"{item.key} ", "dim")
        text.append(f"{item.label:<9}")
        if item.badge:
            text.append(f"{item.badge:>3}", "bold red" if item.alert else "bold")
        return text

    def set_badges(self, items: Sequence[RailItem]) -> None:
        for index, item in enumerate(items):
            if index < len(self.items) and item != self.items[index]:
                self.items[index] = item
                self.replace_option_prompt_at_index(index, self._prompt(item))

    def show_pane(self, pane: str) -> None:
        for index, item in enumerate(self.items):
            if item.pane == pane:
                self.highlighted = index
