"""The dashboards pane: CloudWatch dashboards, the selected one drawn as its grid of widgets.

A dashboard's body (`PutDashboard`, or the scenario's `[[cloudwatch.dashboard]]`)
places widgets on a 24-column grid; the pane scales the grid to its width,
two terminal rows to a grid row, and scrolls it. Metric widgets are live
graphs whose window ends at the simulated clock (the same graph as the
metrics pane's), or their newest value for `singleValue`; text widgets are
their Markdown; alarm widgets list their alarms' states. The pane reads
the cloud as every pane does; a graph is redrawn only when a period ends.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import ScrollableContainer, Vertical
from textual.css.query import NoMatches
from textual.widgets import Markdown, Static

from backend.cloud import Cloud
from backend.services.cloudwatch.dashboards import AlarmWidget, Dashboard, MetricWidget, TextWidget
from backend.services.cloudwatch.evaluation import ALARM, OK
from tui.presenters.dashboards import (
    GRID_COLUMNS,
    DashboardsPresenter,
    Line,
    Placed,
    place,
    time_range,
)
from tui.presenters.metrics import SeriesWindow
from tui.screens.metrics import default_mode
from tui.screens.pane import PaneCommand
from tui.screens.resource_pane import ResourcePane
from widgets.metric_graph import GraphLine, MetricGraph, Threshold, compact

HELP = """\
A CloudWatch dashboard is a page of widgets on a grid 24 columns wide:
graphs of metrics, text, alarms. PutDashboard puts its body (JSON: each
widget's type, x, y, width, height and properties); GetDashboard gives it
back as put. Dashboards belong to the account, not to a region.

The selected dashboard is drawn below the list, its graphs live over the
dashboard's time range (the body's "start", three hours if it gives none),
each at its own statistic and period. Metric math lines are not drawn: the
graph's title counts them. The arrows scroll a long dashboard once it has
the focus (tab)."""

#: Terminal rows per grid row.
ROW_CELLS = 2


class WidgetCell(Vertical):
    """One widget of the body at its place: a title line, then what it shows."""

    DEFAULT_CSS = """
    WidgetCell {
        position: absolute;
        padding: 0 1 0 0;
    }
    WidgetCell > .widget-cell--title {
        height: 1;
        text-style: bold;
        color: $text;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    WidgetCell > MetricGraph {
        height: 1fr;
        min-height: 3;
    }
    WidgetCell > .widget-cell--value {
        height: 1fr;
        content-align: center middle;
        text-style: bold;
        color: $accent;
    }
    WidgetCell > Markdown {
        height: 1fr;
        padding: 0;
        margin: 0;
        background: $panel;
    }
    WidgetCell > Markdown > * {
        margin: 0;
        padding: 0;
    }
    WidgetCell > .widget-cell--alarms {
        height: 1fr;
    }
    """

    def __init__(self, placed: Placed) -> None:
        super().__init__()
        self.placed = placed
        self.heading = Static("", classes="widget-cell--title", markup=False)

    def follow(self, presenter: DashboardsPresenter, now: float, span: int) -> None:
        """Bring what the widget shows up to `now`: a no-op unless something changed."""


class MetricCell(WidgetCell):
    """A metric widget: its lines as a graph, or the newest value of the first."""

    def __init__(self, placed: Placed) -> None:
        super().__init__(placed)
        widget = placed.widget
        assert isinstance(widget, MetricWidget)
        self.widget = widget
        self.single = widget.view == "singleValue"
        self.mode = default_mode(os.environ.get("TERM"))
        self.graph = MetricGraph(mode=self.mode, legend=False)
        self.value = Static("", classes="widget-cell--value", markup=False)
        self.windows: dict[str, SeriesWindow] = {}
        self._drawn: tuple[object, ...] | None = None
        self._title: Text | None = None

    def compose(self) -> ComposeResult:
        yield self.heading
        yield self.value if self.single else self.graph

    def follow(self, presenter: DashboardsPresenter, now: float, span: int) -> None:
        lines, expressions = presenter.lines(self.widget)
        windows = [self._window(line, span) for line in lines]
        for window in windows:
            window.follow(now)
        self._show_title(lines, expressions)
        if self.single:
            self._show_value(windows)
            return
        end = int(now) // 60 * 60
        shown = (float(end - span), float(end))
        drawn = (tuple((w.series.id, w.stat, w.period, w.version) for w in windows), shown)
        if drawn == self._drawn:
            return
        self._drawn = drawn
        graph_lines = [
            GraphLine(line.label, *w.arrays(), gap=w.period)
            for line, w in zip(lines, windows, strict=True)
        ]
        self.graph.show(graph_lines, self._annotations(), shown, self.mode)

    def _show_title(self, lines: list[Line], expressions: int) -> None:
        """The widget's title, then each line's label in its colour: the cell's legend."""
        title = Text(self.widget.title or "", style="bold")
        for index, line in enumerate(lines):
            style = "" if self.single else self.graph.line_style(index)
            title.append("  ").append("━ " if style else "", style=style).append(line.label)
        if expressions:
            title.append(f"  +{expressions} metric math, not drawn", style="italic")
        if not title.plain:
            title.append("no data yet")
        if title != self._title:
            self._title = title
            self.heading.update(title)

    def _window(self, line: Line, span: int) -> SeriesWindow:
        key = f"{line.label}/{line.stat}/{line.period}/{span}"
        found = self.windows.get(key)
        if found is None or found.series is not line.series[0]:
            found = self.windows[key] = SeriesWindow(line.series[0], line.stat, line.period, span)
        return found

    def _annotations(self) -> tuple[Threshold, ...]:
        """The body's horizontal annotations (`{"label": ..., "value": ...}`) as threshold lines."""
        annotations = self.widget.properties.get("annotations")
        marks = annotations.get("horizontal", []) if isinstance(annotations, dict) else []
        return tuple(
            Threshold(str(mark.get("label", "")), float(mark["value"]))
            for mark in marks
            if isinstance(mark, dict) and isinstance(mark.get("value"), int | float)
        )

    def _show_value(self, windows: list[SeriesWindow]) -> None:
        newest = next((w.points[max(w.points)] for w in windows if w.points), None)
        text = "no data" if newest is None else compact(newest, 0 if newest.is_integer() else 2)
        if str(self.value.content) != text:
            self.value.update(text)


class TextCell(WidgetCell):
    def compose(self) -> ComposeResult:
        widget = self.placed.widget
        assert isinstance(widget, TextWidget)
        yield Markdown(widget.markdown)


class AlarmCell(WidgetCell):
    """An alarm widget: each alarm it names, with its state in the theme's colours."""

    def __init__(self, placed: Placed) -> None:
        super().__init__(placed)
        self.states = Static("", classes="widget-cell--alarms")

    def compose(self) -> ComposeResult:
        yield self.heading
        yield self.states

    def follow(self, presenter: DashboardsPresenter, now: float, span: int) -> None:
        widget = self.placed.widget
        assert isinstance(widget, AlarmWidget)
        self.heading.update(widget.title or "alarms")
        palette = self.app_palette()
        text = Text()
        for arn in widget.alarms:
            alarm = presenter.alarm(arn)
            name = arn.rsplit(":alarm:", 1)[-1]
            state = alarm.state if alarm is not None else "not found"
            style = palette.get(state, "")
            text.append(f"{state:<17} ", style=style).append(f"{name}\n")
        if text.plain != str(self.states.content):
            self.states.update(text)

    def app_palette(self) -> dict[str, str]:
        pane = next((a for a in self.ancestors if isinstance(a, DashboardsPane)), None)
        if pane is None:
            return {}
        return {ALARM: pane.palette.error, OK: pane.palette.success}


def cell_for(placed: Placed) -> WidgetCell:
    widget = placed.widget
    if isinstance(widget, MetricWidget):
        return MetricCell(placed)
    if isinstance(widget, TextWidget):
        return TextCell(placed)
    if isinstance(widget, AlarmWidget):
        return AlarmCell(placed)
    cell = WidgetCell(placed)
    cell.heading.update(f"{widget.type} widget: not drawn in the terminal")
    return cell


def shown_key(dashboard: Dashboard | None) -> tuple[str, float] | None:
    """What tells one body from another: a PutDashboard replaces it, with a new time."""
    return None if dashboard is None else (dashboard.name, dashboard.last_modified)


class DashboardGrid(ScrollableContainer, can_focus=True):
    """The selected dashboard's widgets, placed on the grid scaled to this width."""

    DEFAULT_CSS = """
    DashboardGrid {
        height: 1fr;
        background: $surface;
    }
    DashboardGrid > .dashboard-grid--extent {
        width: 1;
        background: $surface;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self.shown: tuple[str, float] | None = None
        self.cells: list[WidgetCell] = []
        self._extent = Static("", classes="dashboard-grid--extent")

    def compose(self) -> ComposeResult:
        yield self._extent

    async def show(self, dashboard: Dashboard | None) -> None:
        """Build the cells of `dashboard` (None: none), unless they are built already."""
        key = shown_key(dashboard)
        if key == self.shown:
            return
        self.shown = key
        for cell in self.cells:
            await cell.remove()
        placed = place(dashboard.widgets) if dashboard is not None else []
        self.cells = [cell_for(p) for p in placed]
        rows = max((p.y + p.height for p in placed), default=0) * ROW_CELLS
        self._extent.styles.height = rows
        await self.mount_all(self.cells)
        self.lay_out()

    def lay_out(self) -> None:
        """Scale the grid's columns to the width there is (the cells' size and place)."""
        width = self.scrollable_content_region.width

        def column(x: int) -> int:
            return round(x * width / GRID_COLUMNS)

        for cell in self.cells:
            placed = cell.placed
            left = column(placed.x)
            cell.styles.offset = (left, placed.y * ROW_CELLS)
            cell.styles.width = max(column(placed.x + placed.width) - left, 1)
            cell.styles.height = placed.height * ROW_CELLS

    def on_resize(self) -> None:
        self.lay_out()


class DashboardsPane(ResourcePane[Dashboard]):
    pane_id: ClassVar[str] = "dashboards"
    label: ClassVar[str] = "Dashboards"
    help_text: ClassVar[str] = HELP
    aliases: ClassVar[tuple[str, ...]] = ("board",)
    service: ClassVar[str] = "cloudwatch"
    presenter: DashboardsPresenter

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "y",
            "copy",
            "Copy",
            show=False,
            id="dashboards.copy",
            tooltip="Copy the dashboard's ARN",
        ),
        Binding(
            "Y",
            "copy_body",
            "Body",
            show=False,
            id="dashboards.copy_body",
            tooltip="Copy the dashboard's body, as PutDashboard took it",
        ),
    ]

    DEFAULT_CSS = """
    DashboardsPane > .resource-pane--resources {
        height: auto;
        max-height: 25%;
    }
    DashboardsPane > .resource-pane--resources LiveTable {
        height: auto;
    }
    """

    def __init__(self, cloud: Cloud) -> None:
        super().__init__(cloud, DashboardsPresenter(cloud))
        self.grid = DashboardGrid()
        self._rebuilding = False

    def compose(self) -> ComposeResult:
        yield from super().compose()
        yield self.grid

    def show_highlighted(self) -> None:
        if self._rebuilding:
            return
        dashboard = self.selected()
        if self.grid.shown != shown_key(dashboard):
            self._rebuilding = True
            self.run_worker(self._rebuild(), group="dashboard-grid")
            return
        self._follow(dashboard)

    async def _rebuild(self) -> None:
        """Build the grid of the selected dashboard, again if the selection moved meanwhile.

        The app may close while it builds (the worker outlives the key that
        started it), taking the pane's widgets down one by one: with its table
        gone there is nothing to build for, so it stops.
        """
        try:
            dashboard = self.selected()
            while self.grid.shown != shown_key(dashboard):
                await self.grid.show(dashboard)
                dashboard = self.selected()
        except NoMatches:
            return
        finally:
            self._rebuilding = False
        self._follow(dashboard)

    def _follow(self, dashboard: Dashboard | None) -> None:
        if dashboard is None:
            return
        now = self.cloud.clock.now()
        span = time_range(dashboard)
        for cell in self.grid.cells:
            cell.follow(self.presenter, now, span)

    def commands(self) -> Iterable[PaneCommand]:
        dashboard = self.selected()
        if dashboard is not None:
            yield PaneCommand(f"dashboards: copy the ARN of {dashboard.name}", "ARN", "copy")
            yield PaneCommand(
                f"dashboards: copy the body of {dashboard.name}", "GetDashboard", "copy_body"
            )

    def action_copy(self) -> None:
        """Copy the dashboard's ARN (what tags and the CLI name it by)."""
        dashboard = self.selected()
        if dashboard is not None:
            self.app.copy_to_clipboard(dashboard.arn)
            self.app.notify(dashboard.arn, title=f"Copied the ARN of {dashboard.name}")

    def action_copy_body(self) -> None:
        """Copy the body as put: what `aws cloudwatch put-dashboard --dashboard-body` takes."""
        dashboard = self.selected()
        if dashboard is not None:
            self.app.copy_to_clipboard(dashboard.body)
            self.app.notify(
                f"{dashboard.size:,} bytes", title=f"Copied the body of {dashboard.name}"
            )
