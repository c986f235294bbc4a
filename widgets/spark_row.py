"""A row of labelled sparklines: a metric's last minute at a glance."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, Sparkline


class SparkRow(Horizontal):
    """One `label ▁▂▅▇ total` group per series; data is replaced, widgets are kept."""

    DEFAULT_CSS = """
    SparkRow {
        height: 1;
        padding: 0 1;
    }
    SparkRow > Label {
        width: auto;
        color: $text-muted;
        padding-right: 1;
    }
    /* A cell of air on the left: the total would otherwise touch the last bar. */
    SparkRow > Label.spark--total {
        width: 8;
        color: $text;
        padding: 0 1;
    }
    SparkRow > Sparkline {
        width: 1fr;
        height: 1;
    }
    SparkRow > Sparkline > .sparkline--max-color { color: $accent; }
    SparkRow > Sparkline > .sparkline--min-color { color: $accent 40%; }
    """

    def __init__(self, labels: Sequence[str], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.labels = list(labels)

    def compose(self) -> ComposeResult:
        for index, label in enumerate(self.labels):
            yield Label(label)
            yield Sparkline([0.0], id=f"spark-{index}")
            yield Label("", id=f"total-{index}", classes="spark--total")

    def set_series(self, series: Mapping[str, Sequence[float]]) -> None:
        for index, label in enumerate(self.labels):
            values = list(series.get(label, ()))
            self.query_one(f"#spark-{index}", Sparkline).data = values or [0.0]
            total = self.query_one(f"#total-{index}", Label)
            text = f"{sum(values):,.0f}"
            if str(total.content) != text:
                total.update(text, layout=False)
