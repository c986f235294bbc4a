"""The README keeps its promises: two set-up commands, CI runs the second, keys match."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.binding import Binding, BindingType

from tui.keys import key_table, readme_table
from tui.panes import PANES, numbered
from tui.screens.pane import Pane

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text("utf-8")


def _first_commands() -> list[str]:
    block = README.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line and not line.startswith("#")]


def test_first_screen_gives_exactly_two_commands() -> None:
    commands = _first_commands()
    assert len(commands) == 2
    assert commands[0].endswith(".venv/bin/skydeck")
    assert commands[1].endswith(".venv/bin/pytest")
    assert README.index("```sh") < len("\n".join(README.splitlines()[:24]))


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert _first_commands()[1] in ci.splitlines()


def test_key_table_matches_the_bindings() -> None:
    assert readme_table(README) == key_table(), "run: python -m tui.keys --write README.md"


class LaterPane(Pane):
    """A pane added to the registry after the README was written."""

    pane_id: ClassVar[str] = "later"
    label: ClassVar[str] = "Later"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("x", "expire", "Expire", id="later.expire", tooltip="Expire the later thing"),
    ]


def test_a_pane_missing_from_the_readme_fails_the_key_table_test() -> None:
    """The check above can fail: a pane in the registry but not in the README is caught."""
    panes: list[type[Pane]] = [*PANES, LaterPane]
    table = key_table(panes)
    assert "| Later pane | `x` | Expire the later thing |" in table
    key, _ = numbered(panes)[-1]
    assert not key or f"| Anywhere | `{key}` | Show the Later pane |" in table
    assert readme_table(README) != table
