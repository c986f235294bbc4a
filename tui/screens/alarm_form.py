"""PutMetricAlarm as a form: `a` on a metric in the metrics pane, `n` in the alarms pane.

One form for both, filled in from the highlighted metric or typed in. It
checks only what is the form's own syntax (dimensions as `Name=Value`, a
number where the API takes one); every rule of CloudWatch's (a Period of
10, 20, 30 or a multiple of 60, DatapointsToAlarm at most
EvaluationPeriods, a known statistic) is the API's to check, and its error
comes back into the form with everything typed kept (`Pane.ask`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from backend.errors import AwsError
from backend.metrics import STATISTICS, Dimensions
from backend.numbers import decimal_number, whole_number
from backend.services.cloudwatch.evaluation import THRESHOLD_OPERATORS, TREAT_MISSING
from tui.presenters.cloudwatch import dimensions_text
from tui.screens.pane import Pane
from widgets.form import Field, required


@dataclass(frozen=True, slots=True)
class AlarmTarget:
    """What a new alarm watches, as far as the pane knows it: the form starts from this."""

    namespace: str = ""
    metric: str = ""
    dimensions: Dimensions = ()
    statistic: str = "Average"
    period: int = 60


def parse_dimensions(text: str) -> list[dict[str, str]] | None:
    """`QueueName=orders, Name=Value`: the Dimensions member; None when it is not that shape."""
    found: list[dict[str, str]] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, equals, value = part.partition("=")
        if not equals or not name.strip():
            return None
        found.append({"Name": name.strip(), "Value": value.strip()})
    return found


def _dimensions_check(value: str) -> str | None:
    return None if parse_dimensions(value) is not None else "Name=Value, separated by commas"


def _number(text: str) -> Any:
    """A number the form read, or what was typed: the API says what is wrong with it."""
    text = text.strip()
    whole = whole_number(text)
    if whole is not None:
        return whole
    decimal = decimal_number(text)
    return decimal if decimal is not None else text


def alarm_fields(target: AlarmTarget) -> list[Field]:
    dims = dimensions_text(target.dimensions) if target.dimensions else ""
    values = ",".join(v for _, v in target.dimensions)
    name = "-".join(filter(None, (values, target.metric)))
    return [
        Field("AlarmName", "AlarmName", name, placeholder="orders-backlog", check=required),
        Field("Namespace", "Namespace", target.namespace, placeholder="AWS/SQS"),
        Field("MetricName", "MetricName", target.metric, placeholder="NumberOfMessagesSent"),
        Field(
            "Dimensions",
            "Dimensions",
            dims,
            placeholder="QueueName=orders",
            check=_dimensions_check,
        ),
        Field(
            "Statistic",
            "Statistic or percentile",
            target.statistic,
            placeholder="Average, Sum, Maximum, p99",
        ),
        Field("Period", "Period (seconds)", str(target.period)),
        Field("EvaluationPeriods", "EvaluationPeriods", "3"),
        Field("DatapointsToAlarm", "DatapointsToAlarm", "3"),
        Field(
            "ComparisonOperator",
            "ComparisonOperator",
            "GreaterThanThreshold",
            choices=tuple(THRESHOLD_OPERATORS),
        ),
        Field("Threshold", "Threshold", placeholder="a number"),
        Field("TreatMissingData", "TreatMissingData", "missing", choices=TREAT_MISSING),
    ]


def alarm_params(values: dict[str, str]) -> dict[str, Any]:
    """The PutMetricAlarm request for the form's values; empty fields are left out."""
    stat = values["Statistic"].strip()
    params: dict[str, Any] = {
        "AlarmName": values["AlarmName"].strip(),
        "Dimensions": parse_dimensions(values["Dimensions"]) or [],
        "ComparisonOperator": values["ComparisonOperator"],
        "TreatMissingData": values["TreatMissingData"],
    }
    if stat:
        params["Statistic" if stat in STATISTICS else "ExtendedStatistic"] = stat
    for member in ("Namespace", "MetricName"):
        if values[member].strip():
            params[member] = values[member].strip()
    for member in ("Period", "EvaluationPeriods", "DatapointsToAlarm", "Threshold"):
        if values[member].strip():
            params[member] = _number(values[member])
    return params


def ask_put_metric_alarm(pane: Pane, target: AlarmTarget, created: Callable[[str], None]) -> None:
    """Ask for an alarm on `target` and put it; `created(name)` once CloudWatch took it."""

    async def run(values: dict[str, str]) -> AwsError | None:
        params = alarm_params(values)
        response, error = await pane.attempt("PutMetricAlarm", params)
        if response is not None:
            name = params["AlarmName"]
            pane.app.notify(
                "INSUFFICIENT_DATA until its first evaluation, within a minute.",
                title=f"Created alarm {name}",
            )
            created(name)
        return error

    pane.ask(
        "PutMetricAlarm",
        alarm_fields(target),
        run,
        submit="Create",
        description="An alarm on one metric: ALARM when DatapointsToAlarm of the last "
        "EvaluationPeriods periods breach the threshold.",
    )
