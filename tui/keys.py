"""The README's key table, generated from the bindings themselves.

`python -m tui.keys` prints it; `python -m tui.keys --write README.md`
replaces the table between the markers. The panes' sections come from the
registry (`tui.panes.PANES`), so a new pane is in the table as soon as it is
on the rail, and a test fails when the README and the bindings drift apart:
the documentation can't lie about a key.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from textual.binding import Binding, BindingType

from tui.app import FRAME_BINDINGS
from tui.panes import PANES, number_bindings
from tui.screens.pane import Pane
from widgets.jump import JumpScreen
from widgets.resource_table import FilterBox, ResourceTable

START = "<!-- keys:start -->"
END = "<!-- keys:end -->"

#: How the README writes the keys Textual names in words.
NAMES = {
    "question_mark": "?",
    "slash": "/",
    "space": "space",
    "escape": "esc",
    "equals_sign": "=",
    "minus": "-",
    "plus": "+",
    "enter": "enter",
    "tab": "tab",
    "colon": ":",
}


def sections(panes: Sequence[type[Pane]] = PANES) -> list[tuple[str, Iterable[BindingType]]]:
    """(where, bindings): the keys that work everywhere and in any table, then each pane's."""
    return [
        ("Anywhere", [*FRAME_BINDINGS, *number_bindings(panes)]),
        ("Any table", ResourceTable.BINDINGS),
        ("Filter box", FilterBox.BINDINGS),
        ("Go-to box", JumpScreen.BINDINGS),
        *((f"{pane.label} pane", pane.pane_bindings()) for pane in panes),
    ]


def _key(binding: Binding) -> str:
    if binding.key_display:
        return binding.key_display
    return " / ".join(NAMES.get(k, k) for k in binding.key.split(","))


def key_table(panes: Sequence[type[Pane]] = PANES) -> str:
    lines = ["| Where | Key | What it does |", "| --- | --- | --- |"]
    for where, bindings in sections(panes):
        for item in bindings:
            binding = item if isinstance(item, Binding) else Binding(*item)
            what = binding.tooltip or binding.description
            lines.append(f"| {where} | `{_key(binding)}` | {what} |")
    return "\n".join(lines) + "\n"


def _split(readme: str) -> tuple[str, str, str]:
    """The README before the table, the table, and after it."""
    before, start, rest = readme.partition(START)
    table, end, after = rest.partition(END)
    if not start or not end:
        raise ValueError(f"README has no {START} … {END} markers")
    return before, table, after


def readme_table(readme: str) -> str:
    """The key table as the README has it, between the markers."""
    return _split(readme)[1].strip() + "\n"


def replace_table(readme: str) -> str:
    before, _, after = _split(readme)
    return f"{before}{START}\n{key_table()}{END}{after}"


def main(argv: list[str]) -> None:
    if argv[:1] == ["--write"] and len(argv) == 2:
        path = Path(argv[1])
        path.write_text(replace_table(path.read_text("utf-8")), "utf-8")
    else:
        sys.stdout.write(key_table())


if __name__ == "__main__":
    main(sys.argv[1:])
