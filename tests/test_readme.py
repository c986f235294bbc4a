"""The README keeps its promises: two set-up commands, CI runs the second, keys match."""

from __future__ import annotations

from pathlib import Path

from tui.keys import END, START, key_table

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
    table = README.split(START, 1)[1].split(END, 1)[0]
    assert table.strip() == key_table().strip(), "run: python -m tui.keys --write README.md"
