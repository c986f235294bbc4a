"""The README's key table, generated from the bindings themselves.

`python -m tui.keys` prints it; `python -m tui.keys --write README.md`
replaces the table between the markers. A test fails when the README and the
bindings drift apart, so the documentation can't lie about a key.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from textual.binding import Binding, BindingType

from tui.app import SkydeckApp
from tui.screens.sqs import SqsPane
from tui.screens.trail import TrailPane
from widgets.resource_table import FilterBox, ResourceTable

START = "<!-- keys:start -->"
END = "<!-- keys:end -->"

SECTIONS: tuple[tuple[str, Iterable[BindingType]], ...] = (
    ("Anywhere", SkydeckApp.BINDINGS),
    ("Any table", ResourceTable.BINDINGS),
    ("Filter box", FilterBox.BINDINGS),
    ("SQS pane", SqsPane.BINDINGS),
    ("Trail pane", TrailPane.BINDINGS),
)


def _key(binding: Binding) -> str:
    if binding.key_display:
        return binding.key_display
    names = {"question_mark": "?", "slash": "/", "space": "space", "escape": "esc",
             "equals_sign": "=", "minus": "-", "plus": "+", "enter": "enter"}  # fmt: skip
    keys = [names.get(k, k) for k in binding.key.split(",")]
    return " / ".join(keys)


def key_table() -> str:
    lines = ["| Where | Key | What it does |", "| --- | --- | --- |"]
    for where, bindings in SECTIONS:
        for item in bindings:
            binding = item if isinstance(item, Binding) else Binding(*item)
            what = binding.tooltip or binding.description
            lines.append(f"| {where} | `{_key(binding)}` | {what} |")
    return "\n".join(lines) + "\n"


def replace_table(readme: str) -> str:
    before, start, rest = readme.partition(START)
    _, end, after = rest.partition(END)
    if not start or not end:
        raise ValueError(f"README has no {START} … {END} markers")
    return f"{before}{START}\n{key_table()}{END}{after}"


def main(argv: list[str]) -> None:
    if argv[:1] == ["--write"] and len(argv) == 2:
        path = Path(argv[1])
        path.write_text(replace_table(path.read_text("utf-8")), "utf-8")
    else:
        sys.stdout.write(key_table())


if __name__ == "__main__":
    main(sys.argv[1:])
