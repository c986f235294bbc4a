"""A row of labelled sparklines: a metric's recent past at a glance.

Textual's Sparkline scales each series to its own maximum (a steady rate is a
wall of full bars, an idle one too) and squeezes the data into whatever width
layout gives it (so series with the same data came out different widths). A
count per second wants neither, so this draws its own bars, one line of text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from math import ceil
from typing import ClassVar

from rich.text import Text
from textual.widget import Widget

#: Bar heights: index 0 is the baseline drawn for a zero, 1..7 the rising bars.
BARS = "▁▂▃▄▅▆▇█"
#: Cells between one series' total and the next series' label.
GAP = 2
#: The fewest cells a total takes, so one that grows from 9 to 10 moves nothing.
TOTAL_CELLS = 3


def bar_levels(values: Sequence[float]) -> list[int]:
    """A bar height (index into `BARS`) per value, on a scale that starts at zero.

    The top of the scale is the larger of the series' maximum and twice its
    mean. So a burst reaches the top, while a steady rate, whatever its size,
    is a steady line at about half height rather than a wall of full bars; a
    zero is the baseline (`▁`, level 0), and any count above zero at least one
    step above it, so "idle" and "a little" never look alike.
    """
    positive = [max(0.0, v) for v in values]
    if not positive:
        return []
    top = max(max(positive), 2 * sum(positive) / len(positive))
    if top <= 0:
        return [0] * len(positive)
    steps = len(BARS) - 1
    return [0 if v <= 0 else max(1, min(steps, ceil(v / top * steps))) for v in positive]


class SparkRow(Widget):
    """One `label ▁▂▅▇ total` group per series, on one line.

    One cell per bucket, the newest on the right: every series gets the same
    number of cells, whatever the length of its label, namely as many as fit
    the width (at most as many as there are buckets). The total is the sum of
    the whole series given, so it does not change with the width.
    """

    DEFAULT_CSS = """
    SparkRow {
        height: 1;
        padding: 0 1;
    }
    SparkRow > .spark-row--label { color: $text-muted; }
    SparkRow > .spark-row--bar { color: $accent; }
    SparkRow > .spark-row--zero { color: $text-muted; }
    SparkRow > .spark-row--total { color: $foreground; }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "spark-row--label",
        "spark-row--bar",
        "spark-row--zero",
        "spark-row--total",
    }

    def __init__(
        self, labels: Sequence[str], *, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.labels = list(labels)
        self.series: dict[str, tuple[float, ...]] = {}

    def set_series(self, series: Mapping[str, Sequence[float]]) -> None:
        """Show `series` by label; a label with no series draws no bars and no total."""
        fresh = {label: tuple(series.get(label, ())) for label in self.labels}
        if fresh != self.series:
            self.series = fresh
            self.refresh()

    def _layout(self) -> tuple[list[str], int, int]:
        """Each total as text, the cells a total takes, and the bars each series gets."""
        totals = [
            f"{sum(self.series[label]):,.0f}" if self.series.get(label) else ""
            for label in self.labels
        ]
        total_cells = max([TOTAL_CELLS, *(len(t) for t in totals)])
        fixed = sum(len(label) + 2 + total_cells for label in self.labels)
        fixed += GAP * (len(self.labels) - 1)
        fit = (self.size.width - fixed) // max(1, len(self.labels))
        longest = max((len(s) for s in self.series.values()), default=0)
        return totals, total_cells, max(0, min(fit, longest))

    @property
    def cells(self) -> int:
        """Bars each series gets at the current width: what an owner can size buckets to."""
        return self._layout()[2]

    def render(self) -> Text:
        label_style = self.get_component_rich_style("spark-row--label")
        bar_style = self.get_component_rich_style("spark-row--bar")
        zero_style = self.get_component_rich_style("spark-row--zero")
        total_style = self.get_component_rich_style("spark-row--total")
        totals, total_cells, cells = self._layout()
        line = Text(no_wrap=True, overflow="crop", end="")
        for index, (label, total) in enumerate(zip(self.labels, totals, strict=True)):
            if index:
                line.append(" " * GAP)
            line.append(label, label_style)
            line.append(" ")
            values = self.series.get(label, ())[-cells:] if cells else ()
            line.append(" " * (cells - len(values)))
            for level in bar_levels(values):
                line.append(BARS[level], bar_style if level else zero_style)
            line.append(" ")
            line.append(total.rjust(total_cells), total_style)
        return line
