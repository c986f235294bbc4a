"""A metric's graph over time: axes, time labels, lines, named threshold lines, a legend.

Built on textual-plot's `PlotWidget`, which draws the frame, the ticks and
their labels and the legend on Textual canvases, in colours from the CSS
(so the theme's). The lines themselves are drawn by `widgets.line_raster`:
the library walks a line dot by dot, ten times too slow for a week of
five-minute periods. The datasets handed to the library are empty; they
give the legend its entries.

The graph is for watching, not exploring: it takes no focus and has no keys
(the pane's keys choose the window), so `+`, `-` and the arrows keep their
meaning for the rest of the dashboard, and the window follows the clock
rather than a mouse drag.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

import numpy as np
from rich.markup import escape
from rich.style import Style
from textual.app import RenderResult
from textual_hires_canvas import Canvas, HiResMode, TextAlign
from textual_plot import AxisFormatter, LegendLocation, NumericAxisFormatter, PlotWidget

from widgets.line_raster import Floats, band_cells, line_cells, runs

#: Seconds between two time ticks, the first that leaves at most `max_ticks` labels.
TIME_STEPS = (60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800)
#: Colours of the lines, in the order lines are given: `metric-graph--line-N`.
LINE_CLASSES = tuple(f"metric-graph--line-{n}" for n in range(1, 6))
#: Cells of the y labels; the tick takes one more.
Y_LABEL_CELLS = 6


class ClockAxis(AxisFormatter):
    """Epoch seconds as UTC times of day (`09:15`), or as dates (`Nov 29`) a day apart.

    `most` caps the ticks for the width there is: the library asks for up to
    eight whatever the width, and a narrow graph's labels would run together.
    """

    def __init__(self) -> None:
        self.most = 8

    def get_ticks(self, min_: float, max_: float, max_ticks: int = 8) -> list[float]:
        max_ticks = min(max_ticks, self.most)
        step = next((s for s in TIME_STEPS if (max_ - min_) / s <= max_ticks), TIME_STEPS[-1])
        first = math.ceil(min_ / step) * step
        return [float(t) for t in range(first, math.floor(max_) + 1, step)]

    def get_labels_for_ticks(self, ticks: Sequence[float]) -> list[str]:
        step = ticks[1] - ticks[0] if len(ticks) > 1 else 3600.0
        pattern = "%b %d" if step >= 86400 else "%H:%M"
        return [datetime.fromtimestamp(t, UTC).strftime(pattern) for t in ticks]


def compact(value: float, decimals: int) -> str:
    """`950`, `1.5k`, `12M`: a label that fits `Y_LABEL_CELLS` whatever the magnitude."""
    for unit, size in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(value) >= size:
            scaled = value / size
            return f"{scaled:.{1 if scaled % 1 else 0}f}{unit}"
    return f"{value:.{min(decimals, 3)}f}"


class CompactAxis(NumericAxisFormatter):
    """The library's round ticks (1, 2, 5 × 10^n), labelled in at most six cells."""

    def get_labels_for_ticks(self, ticks: Sequence[float]) -> list[str]:
        decimals = 0
        if len(ticks) > 1 and ticks[1] > ticks[0]:
            decimals = max(0, -math.floor(math.log10(ticks[1] - ticks[0])))
        return [compact(t, decimals) for t in ticks]


@dataclass(frozen=True, slots=True)
class GraphLine:
    """A series to draw: (time, value) points oldest first, and the spacing of its periods.

    Points further apart than `gap` seconds have a missing period between
    them and are not joined.
    """

    label: str
    times: Floats
    values: Floats
    gap: float = 0.0


@dataclass(frozen=True, slots=True)
class Band:
    """An area between two bounds over time: an anomaly detection band.

    Periods further apart than `gap` seconds have no band between them.
    """

    times: Floats
    lower: Floats
    upper: Floats
    gap: float = 0.0


@dataclass(frozen=True, slots=True)
class Threshold:
    """A horizontal line at `value`: an alarm's threshold."""

    label: str
    value: float


class MetricGraph(PlotWidget, can_focus=False, inherit_bindings=False):
    """Lines over a time window that ends now, with dashed thresholds and a legend."""

    DEFAULT_CSS = """
    MetricGraph {
        height: 1fr;
        background: $surface;
    }
    MetricGraph > .plot--axis { color: $text-muted; }
    MetricGraph > .plot--tick { color: $text-muted; text-style: none; }
    MetricGraph > .plot--label { color: $text-muted; text-style: none; }
    MetricGraph > .metric-graph--line-1 { color: $accent; }
    MetricGraph > .metric-graph--line-2 { color: $primary; }
    MetricGraph > .metric-graph--line-3 { color: $sd-data-event; }
    MetricGraph > .metric-graph--line-4 { color: $sd-delayed; }
    MetricGraph > .metric-graph--line-5 { color: $success; }
    MetricGraph > .metric-graph--threshold { color: $error; }
    MetricGraph > .metric-graph--band { color: $text-muted; background: $primary-darken-3; }
    MetricGraph #legend, MetricGraph #legend.dragged {
        border: round $panel-lighten-2;
        background: $surface;
        color: $text;
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        *PlotWidget.COMPONENT_CLASSES,
        *LINE_CLASSES,
        "metric-graph--threshold",
        "metric-graph--band",
    }

    def __init__(
        self,
        *,
        id: str | None = None,
        classes: str | None = None,
        mode: HiResMode,
        legend: bool = True,
    ) -> None:
        """`legend` False: the owner names the lines itself (`line_style` gives their colours)."""
        super().__init__(id=id, classes=classes, allow_pan_and_zoom=False)
        self.mode = mode
        self.legend = legend
        self._clock = ClockAxis()
        self.lines: tuple[GraphLine, ...] = ()
        self.thresholds: tuple[Threshold, ...] = ()
        self.bands: tuple[Band, ...] = ()
        self.window = (0.0, 1.0)
        #: What the legend was last made for: its labels and the drawing mode.
        self._legend: tuple[object, ...] | None = None
        self.set_reactive(PlotWidget.margin_top, 0)
        self.set_reactive(PlotWidget.margin_bottom, 1)
        self.set_reactive(PlotWidget.margin_left, Y_LABEL_CELLS + 1)
        self.set_x_formatter(self._clock)
        self.set_y_formatter(CompactAxis())

    def on_mount(self) -> None:
        """After the library's own mount handler, which resets the limits and the datasets."""
        self.call_later(self._apply)

    def show(
        self,
        lines: Sequence[GraphLine],
        thresholds: Sequence[Threshold],
        window: tuple[float, float],
        mode: HiResMode,
        bands: Sequence[Band] = (),
    ) -> None:
        """Draw `bands`, then `lines` and `thresholds`, over `window` (start, end), afresh.

        Redrawing costs the whole plot: the owner calls this when what it
        shows changed, not on every tick.
        """
        self.lines, self.thresholds = tuple(lines), tuple(thresholds)
        self.bands = tuple(bands)
        self.window, self.mode = window, mode
        if not self.is_mounted:
            return
        if self._legend_key() != self._legend:
            self._apply()
        else:
            self.set_xlimits(*window)
            self.set_ylimits(*self.y_limits())

    def y_limits(self) -> tuple[float, float]:
        """From zero (or the lowest value, if negative) to a little over the highest value."""
        values = [t.value for t in self.thresholds]
        for line in self.lines:
            if len(line.values):
                values += [float(line.values.min()), float(line.values.max())]
        for band in self.bands:
            if len(band.times):
                values += [float(band.lower.min()), float(band.upper.max())]
        low, high = min([0.0, *values]), max([0.0, *values])
        if high <= low:
            return low, low + 1.0
        return low, high + (high - low) * 0.1

    def _legend_key(self) -> tuple[object, ...]:
        return (tuple(line.label for line in self.lines), self.mode)

    def _apply(self) -> None:
        """Hand the library the limits and, for the legend, an empty dataset per line.

        The legend is for telling overlaid lines apart: one line needs none
        (the caption above names it), and a threshold carries its name on
        the plot, where the legend would cover a short graph's data. Making
        the legend is a third of a redraw: `show` skips it while the lines'
        names stay the same.
        """
        self._legend = self._legend_key()
        self.clear()
        start, end = self.window
        self.set_xlimits(start, end)
        self.set_ylimits(*self.y_limits())
        for index, line in enumerate(self.lines):
            style = self.line_style(index)
            self.plot([], [], line_style=style, hires_mode=self.mode, label=line.label)
        self.show_legend(LegendLocation.TOPLEFT, is_visible=self.legend and len(self.lines) > 1)

    def _style(self, component: str) -> str:
        return str(self.get_component_rich_style(component, partial=True))

    def line_style(self, index: int) -> str:
        """The style the `index`th line is drawn in: the theme's, from the CSS."""
        return self._style(LINE_CLASSES[index % len(LINE_CLASSES)])

    def notify_style_update(self) -> None:
        """A new theme: the legend's entries carry their colours, so they are made again."""
        super().notify_style_update()
        if self.is_mounted:
            self._apply()

    def render(self) -> RenderResult:
        """The library's frame, ticks and labels, then the lines, with one refresh per canvas.

        Every cell the library sets asks its canvas for a refresh; batched,
        a frame of the 160-column graph is a few milliseconds cheaper.
        """
        # A time label is five cells: one tick per nine columns leaves room between them.
        self._clock.most = max(2, (self.size.width - Y_LABEL_CELLS) // 9)
        with ExitStack() as batch:
            for canvas in self.query(Canvas):
                batch.enter_context(canvas.batch_refresh())
            result = super().render()
            self._draw_lines()
        return result

    def _draw_lines(self) -> None:
        plot = self.query_one("#plot", Canvas)
        width, height = plot.size
        if width < 3 or height < 3:
            return
        clip = (1, 1, width - 1, height - 1)
        shade = self.get_component_rich_style("metric-graph--band", partial=True)
        under = Style(bgcolor=shade.bgcolor)
        shaded: set[tuple[int, int]] = set()
        for band in self.bands:
            for times, lower, upper in band_runs(band):
                xs, low = self._cells_of(times, lower)
                _, high = self._cells_of(times, upper)
                for x, y, glyph in band_cells(xs, low, high, clip):
                    plot.set_pixel(x, y, glyph, str(shade))
                    shaded.add((x, y))
        for index, line in enumerate(self.lines):
            parts = [self._cells_of(xs, ys) for xs, ys in runs(line.times, line.values, line.gap)]
            style = self.get_component_rich_style(
                LINE_CLASSES[index % len(LINE_CLASSES)], partial=True
            )
            # A line through the band keeps the band's shade behind it: a band as narrow as
            # a steady metric's would otherwise hide under its own line.
            plain, over = str(style), str(style + under)
            for x, y, glyph in line_cells(parts, clip, self.mode):
                plot.set_pixel(x, y, glyph, over if (x, y) in shaded else plain)
        threshold = self._style("metric-graph--threshold")
        start, end = self.window
        for mark in self.thresholds:
            level = self._cells_of(np.array([start, end]), np.array([mark.value, mark.value]))
            for x, y, glyph in line_cells([level], clip, self.mode, dashed=True):
                plot.set_pixel(x, y, glyph, threshold)
            row = min(max(int(level[1][0]), 1), height - 2)
            plot.write_text(width - 2, row, f"[{threshold}] {escape(mark.label)}", TextAlign.RIGHT)

    def _cells_of(self, times: Floats, values: Floats) -> tuple[Floats, Floats]:
        """Data coordinates to the plot canvas's, in cells (fractions place the dots).

        The library maps one point at a time; the map is linear, so two
        corners of the plot, mapped by the library, give it for every point.
        """
        (start, end), (low, high) = self.window, self.y_limits()
        left, bottom = self.get_hires_pixel_from_coordinate(start, low)
        right, top = self.get_hires_pixel_from_coordinate(end, high)
        xs = float(left) + (times - start) * (float(right - left) / (end - start))
        ys = float(bottom) + (values - low) * (float(top - bottom) / (high - low))
        return xs, ys


def band_runs(band: Band) -> list[tuple[Floats, Floats, Floats]]:
    """The band's stretches without a missing period: (times, lower, upper) each."""
    parts = runs(band.times, np.arange(len(band.times), dtype=np.float64), band.gap)
    return [
        (times, band.lower[index.astype(np.int64)], band.upper[index.astype(np.int64)])
        for times, index in parts
    ]
