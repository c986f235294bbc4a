"""Every pane of the dashboard, in the rail's order: the one list a new pane is added to.

The app's number keys, the rail, `:` and its completion, the palette's pane
commands, `?` and the README's key table (`python -m tui.keys`) are all made
from `PANES`, so a new service pane is a new module and one line here, and
`tests/tui/test_pane_contract.py` checks it against what every pane promises.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from textual.binding import Binding

from tui.screens.alarms import AlarmsPane
from tui.screens.dashboards import DashboardsPane
from tui.screens.firehose import FirehosePane
from tui.screens.kinesis import KinesisPane
from tui.screens.logs import LogsPane
from tui.screens.metrics import MetricsPane
from tui.screens.network import NetworkPane
from tui.screens.pane import Pane
from tui.screens.s3 import S3Pane
from tui.screens.sqs import SqsPane
from tui.screens.trail import TrailPane

PANES: tuple[type[Pane], ...] = (
    SqsPane,
    KinesisPane,
    FirehosePane,
    S3Pane,
    MetricsPane,
    AlarmsPane,
    DashboardsPane,
    LogsPane,
    TrailPane,
    NetworkPane,
)

#: The keys that show the first ten panes, in the rail's order (0 is the tenth).
NUMBER_KEYS = "1234567890"


def numbered(panes: Sequence[type[Pane]] = PANES) -> list[tuple[str, type[Pane]]]:
    """(number key, pane) in order; past the tenth the key is "" and `:` still reaches them."""
    return [(NUMBER_KEYS[i] if i < len(NUMBER_KEYS) else "", p) for i, p in enumerate(panes)]


def number_bindings(panes: Sequence[type[Pane]] = PANES) -> list[Binding]:
    """The app's bindings that show a pane by its number."""
    return [
        Binding(
            key,
            f"show_pane('{pane.pane_id}')",
            pane.label,
            show=False,
            id=f"pane.{pane.pane_id}",
            tooltip=f"Show the {pane.label} pane",
        )
        for key, pane in numbered(panes)
        if key
    ]


def jump_names(panes: Sequence[type[Pane]] = PANES) -> dict[str, str]:
    """Every name `:` takes, lower case, to its pane's id: ids, labels, then aliases.

    In the rail's order, so that a prefix two names share (`s`: sqs, s3)
    completes, and jumps, to the pane higher on the rail.
    """
    names: dict[str, str] = {}
    for pane in panes:
        for name in (pane.pane_id, pane.label.lower(), *pane.aliases):
            names.setdefault(name, pane.pane_id)
    return names


def resolve(word: str, names: Mapping[str, str]) -> str | None:
    """The id of the pane `word` names, exactly or by the start of a name; None if none.

    The start of a name is enough, the first such name winning, which is the
    completion `:` shows: Enter on `kin` goes where `kin` completes to.
    """
    word = word.strip().lower()
    if not word:
        return None
    if word in names:
        return names[word]
    return next((pane for name, pane in names.items() if name.startswith(word)), None)
