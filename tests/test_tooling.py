"""The project's own promises, checked with the tools that enforce them.

ruff, mypy (strict) and import-linter run here rather than as separate CI
steps, so the one test command of the README checks everything CI checks.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)


BIN = Path(sys.executable).parent


@pytest.mark.parametrize(
    "command",
    [
        (sys.executable, "-m", "ruff", "check", "."),
        (sys.executable, "-m", "ruff", "format", "--check", "."),
        (sys.executable, "-m", "mypy"),
        (str(BIN / "lint-imports"),),
    ],
    ids=["ruff-check", "ruff-format", "mypy-strict", "import-linter"],
)
def test_tool_is_clean(command: tuple[str, ...]) -> None:
    result = _run(*command)
    assert result.returncode == 0, result.stdout + result.stderr


def test_backend_runs_without_textual_or_rich() -> None:
    """The headless faces must never pull the UI stack in, not even indirectly."""
    code = (
        "import sys, asyncio\n"
        "import backend.cloud, backend.services, backend.scenarios, backend.headless\n"
        "from backend.scenarios import load_scenario\n"
        "asyncio.run(backend.headless.run_headless(load_scenario('demo'), 60))\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('textual', 'rich', 'tui', 'widgets'))\n"
        "print(' '.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


#: A comment that tells the formatter to leave a statement's layout alone.
_FORMATTER_OFF = re.compile(r"#\s*fmt:\s*(?:skip|off)\b")


def test_the_formatter_lays_out_every_line() -> None:
    """`ruff format` is enforced: a suppression comment would keep a hand layout that
    every later edit has to fight, so none is allowed."""
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("backend", "tui", "widgets", "themes", "tests", "bench")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _FORMATTER_OFF.search(line)
    ]
    assert found == []
