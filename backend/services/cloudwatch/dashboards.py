"""Dashboards: a DashboardBody read into widgets, checked as PutDashboard checks it.

The body is AWS's JSON ("Dashboard Body Structure and Syntax"): a `widgets`
array (0 to 500) of objects with a `type`, a place on the 24-column grid
(`x` 0-23, `y` 0 or more, `width` 1-24 and `height` 1-1000, both 6 by
default) and `properties` by type: a metric widget's `metrics` array with
`view`, `stat`, `period`, `region`, `title`; a text widget's `markdown`; an
alarm widget's `alarms`. The dashboard keeps the body as put (GetDashboard
returns it byte for byte) and the typed widgets a pane renders.

Each metric of a metric widget is AWS's shorthand `[namespace, name,
dimName, dimValue, ..., {options}]`, where `"."` repeats the item in the
same place of the metric before and `"..."` repeats every item of the
metric before that the items around it do not give; a metric-math line is
a lone options object with an `expression`. `expand` resolves these, so a
pane never sees the shorthand.

What fails the body is collected as (DataPath, Message) pairs, as AWS's
JSON-schema check reports them (`/widgets/0/properties/metrics/0/2`,
"Invalid metric field type, only \"String\" type is allowed"); PutDashboard
refuses a body with any, quoting them. Unknown widget members are warnings:
the dashboard is saved and PutDashboard returns them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MAX_WIDGETS = 500
#: Widget types the body structure documents.
WIDGET_TYPES = ("metric", "text", "log", "alarm", "explorer", "custom")
VIEWS = ("timeSeries", "singleValue", "gauge", "bar", "pie", "table")
#: What a widget object may hold besides its properties.
WIDGET_MEMBERS = ("type", "x", "y", "width", "height", "properties")
#: The grid's bounds per placement member: (least, most).
PLACEMENT = {"x": (0, 23), "y": (0, None), "width": (1, 24), "height": (1, 1000)}
DEFAULT_SIZE = 6
#: Periods a graph may ask for below a minute (high-resolution metrics).
SUB_MINUTE = (1, 5, 10, 30)
STRING_ONLY = 'Invalid metric field type, only "String" type is allowed'


@dataclass(frozen=True)
class MetricLine:
    """One line of a metric widget: a metric (namespace, name, dimensions) or an expression."""

    namespace: str | None
    metric_name: str | None
    dimensions: tuple[tuple[str, str], ...]
    #: The rendering options as given (`stat`, `period`, `label`, `id`, `expression`, ...).
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def expression(self) -> str | None:
        found = self.options.get("expression")
        return found if isinstance(found, str) else None


@dataclass(frozen=True)
class Widget:
    type: str
    #: None where the body leaves the place to CloudWatch's "next available position".
    x: int | None
    y: int | None
    width: int
    height: int
    properties: Mapping[str, Any]

    @property
    def title(self) -> str | None:
        found = self.properties.get("title")
        return found if isinstance(found, str) else None


@dataclass(frozen=True)
class MetricWidget(Widget):
    metrics: tuple[MetricLine, ...] = ()
    view: str = "timeSeries"
    stat: str = "Average"
    period: int = 300
    region: str | None = None


@dataclass(frozen=True)
class TextWidget(Widget):
    markdown: str = ""


@dataclass(frozen=True)
class AlarmWidget(Widget):
    alarms: tuple[str, ...] = ()


@dataclass
class Dashboard:
    name: str
    arn: str
    #: The DashboardBody exactly as put.
    body: str
    widgets: tuple[Widget, ...]
    last_modified: float
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.body.encode())

    def entry(self) -> dict[str, Any]:
        return {
            "DashboardName": self.name,
            "DashboardArn": self.arn,
            "LastModified": self.last_modified,
            "Size": self.size,
        }


@dataclass
class Findings:
    """What a body check found: errors refuse the body, warnings are returned with it."""

    errors: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)


class NotAnObject(ValueError):
    """The body is not a JSON object at all."""


def read_body(body: str) -> tuple[tuple[Widget, ...], Findings]:
    """The widgets of `body` and what is wrong with it; NotAnObject if it is not JSON."""
    try:
        document = json.loads(body)
    except ValueError:
        raise NotAnObject(body) from None
    if not isinstance(document, dict):
        raise NotAnObject(body)
    findings = Findings()
    widgets = document.get("widgets")
    if widgets is None:
        findings.errors.append(("", "Should have required property 'widgets'"))
        return (), findings
    if not isinstance(widgets, list):
        findings.errors.append(("/widgets", "Should be array"))
        return (), findings
    if len(widgets) > MAX_WIDGETS:
        findings.errors.append(("/widgets", f"Should NOT have more than {MAX_WIDGETS} items"))
        return (), findings
    read = [_widget(raw, f"/widgets/{i}", findings) for i, raw in enumerate(widgets)]
    return tuple(w for w in read if w is not None), findings


def _widget(raw: object, path: str, findings: Findings) -> Widget | None:
    if not isinstance(raw, dict):
        findings.errors.append((path, "Should be object"))
        return None
    errors_before = len(findings.errors)
    for member in ("type", "properties"):
        if member not in raw:
            findings.errors.append((path, f"Should have required property '{member}'"))
    for member in raw:
        if member not in WIDGET_MEMBERS:
            findings.warnings.append(
                (
                    f"{path}/{member}",
                    f'The "{member}" property is not expected to be part of a widget '
                    "definition, will be ignored",
                )
            )
    kind = raw.get("type")
    if "type" in raw and kind not in WIDGET_TYPES:
        findings.errors.append((f"{path}/type", "Should be equal to one of the allowed values"))
    properties = raw.get("properties")
    if "properties" in raw and not isinstance(properties, dict):
        findings.errors.append((f"{path}/properties", "Should be object"))
    if len(findings.errors) > errors_before:
        return None
    assert isinstance(kind, str) and isinstance(properties, dict)
    place = {m: _placement(raw, m, path, findings) for m in PLACEMENT}
    typed = _typed(
        Widget(
            kind,
            place["x"],
            place["y"],
            place["width"] or DEFAULT_SIZE,
            place["height"] or DEFAULT_SIZE,
            properties,
        ),
        f"{path}/properties",
        findings,
    )
    return typed if len(findings.errors) == errors_before else None


def _typed(common: Widget, where: str, findings: Findings) -> Widget | None:
    """`common` as the widget of its type, its properties checked."""
    kind, properties = common.type, common.properties
    if kind == "metric":
        return _metric_widget(common, where, findings)
    if kind == "text":
        markdown = properties.get("markdown")
        if not isinstance(markdown, str):
            findings.errors.append((where, "Should have required property 'markdown'"))
            return None
        return TextWidget(**_fields(common), markdown=markdown)
    if kind == "alarm":
        alarms = properties.get("alarms")
        if not isinstance(alarms, list) or not all(isinstance(a, str) for a in alarms):
            findings.errors.append((f"{where}/alarms", "Should be array of alarm ARNs"))
            return None
        return AlarmWidget(**_fields(common), alarms=tuple(alarms))
    return common


def _fields(widget: Widget) -> dict[str, Any]:
    return {
        "type": widget.type,
        "x": widget.x,
        "y": widget.y,
        "width": widget.width,
        "height": widget.height,
        "properties": widget.properties,
    }


def _placement(raw: dict[str, Any], member: str, path: str, findings: Findings) -> int | None:
    value = raw.get(member)
    if value is None:
        return None
    low, high = PLACEMENT[member]
    if isinstance(value, bool) or not isinstance(value, int):
        findings.errors.append((f"{path}/{member}", "Should be integer"))
    elif value < low:
        findings.errors.append((f"{path}/{member}", f"Should be >= {low}"))
    elif high is not None and value > high:
        findings.errors.append((f"{path}/{member}", f"Should be <= {high}"))
    else:
        return value
    return None


def _metric_widget(common: Widget, path: str, findings: Findings) -> MetricWidget | None:
    properties = common.properties
    errors_before = len(findings.errors)
    view = properties.get("view", "timeSeries")
    if view not in VIEWS:
        findings.errors.append((f"{path}/view", "Should be equal to one of the allowed values"))
    stat = properties.get("stat", "Average")
    if not isinstance(stat, str):
        findings.errors.append((f"{path}/stat", "Should be string"))
    period = properties.get("period", 300)
    if isinstance(period, bool) or not isinstance(period, int):
        findings.errors.append((f"{path}/period", "Should be integer"))
    elif period not in SUB_MINUTE and (period < 60 or period % 60):
        findings.errors.append((f"{path}/period", "Should be 1, 5, 10, 30, or a multiple of 60"))
    region = properties.get("region")
    if region is not None and not isinstance(region, str):
        findings.errors.append((f"{path}/region", "Should be string"))
    raw_metrics = properties.get("metrics", [])
    if not isinstance(raw_metrics, list):
        findings.errors.append((f"{path}/metrics", "Should be array"))
        raw_metrics = []
    metrics = expand(raw_metrics, f"{path}/metrics", findings)
    if len(findings.errors) > errors_before:
        return None
    return MetricWidget(
        **_fields(common),
        metrics=metrics,
        view=str(view),
        stat=str(stat),
        period=int(period),
        region=region,
    )


def expand(raw: list[Any], path: str, findings: Findings) -> tuple[MetricLine, ...]:
    """The metrics array with its `.` and `...` shorthand resolved against the line before."""
    lines: list[MetricLine] = []
    previous: list[str] = []
    for index, entry in enumerate(raw):
        where = f"{path}/{index}"
        if not isinstance(entry, list) or not entry:
            findings.errors.append((where, "Should be a non-empty array"))
            continue
        options: dict[str, Any] = {}
        items = list(entry)
        if isinstance(items[-1], dict):
            options = items.pop()
        bad = [i for i, item in enumerate(items) if not isinstance(item, str)]
        for i in bad:
            findings.errors.append((f"{where}/{i}", STRING_ONLY))
        if bad:
            continue
        if not items:
            if not isinstance(options.get("expression"), str):
                findings.errors.append(
                    (where, "Should have a namespace and metric name, or an expression")
                )
                continue
            lines.append(MetricLine(None, None, (), options))
            continue
        resolved = _resolve(items, previous)
        if resolved is None:
            findings.errors.append((where, 'The "." and "..." shortcuts need a metric before'))
            continue
        if len(resolved) < 2 or len(resolved) % 2:
            findings.errors.append(
                (where, "Should be [namespace, name, dimension name, value, ..., {options}]")
            )
            continue
        previous = resolved
        pairs = tuple(zip(resolved[2::2], resolved[3::2], strict=True))
        lines.append(MetricLine(resolved[0], resolved[1], pairs, options))
    return tuple(lines)


def _resolve(items: list[str], previous: list[str]) -> list[str] | None:
    """`items` with `...` filled from `previous` (keeping the length) and `.` copied."""
    if "..." in items:
        at = items.index("...")
        before, after = items[:at], items[at + 1 :]
        if not previous:
            return None
        items = before + previous[len(before) : max(len(before), len(previous) - len(after))]
        items += after
    resolved: list[str] = []
    for position, item in enumerate(items):
        if item == ".":
            if position >= len(previous):
                return None
            item = previous[position]
        resolved.append(item)
    return resolved
