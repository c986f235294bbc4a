"""How an alarm judges its recent datapoints: M out of N, and what missing data counts as.

This is CloudWatch's documented procedure (AWS_FACTS §4, "Configuring how
CloudWatch alarms treat missing data"): the alarm fetches more periods than
its EvaluationPeriods (N), the *evaluation range*. When at least N real
datapoints are in the range, the newest N of them decide and missing ones
do not matter; with fewer, the real ones are all used and missing periods
are filled, as few as needed to make N, with what TreatMissingData says:
`breaching` or `notBreaching`; `missing` and `ignore` fill nothing and judge
the real datapoints alone, and differ only when there is no real datapoint
in the range at all: `missing` makes the alarm INSUFFICIENT_DATA, `ignore`
keeps its state. The alarm is ALARM when at least DatapointsToAlarm (M) of
those N breach, else OK.

The evaluation is a pure function of the datapoints, so the alarms pane can
show the same trace the state came from: each period, its value, whether it
breached, and whether it was missing and how it was treated.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from math import isfinite
from typing import NamedTuple

OK, ALARM, INSUFFICIENT_DATA = "OK", "ALARM", "INSUFFICIENT_DATA"
STATES = (OK, ALARM, INSUFFICIENT_DATA)
TREAT_MISSING = ("breaching", "notBreaching", "ignore", "missing")

#: Periods fetched beyond EvaluationPeriods, so isolated gaps need no filling.
#: AWS does not publish the exact figure; skydeck's choice is in docs/deviations.md.
EXTRA_PERIODS = 5

#: The static threshold operators: the breach test and how the reason words it.
THRESHOLD_OPERATORS: dict[str, tuple[Callable[[float, float], bool], str]] = {
    "GreaterThanOrEqualToThreshold": (operator.ge, "greater than or equal to"),
    "GreaterThanThreshold": (operator.gt, "greater than"),
    "LessThanThreshold": (operator.lt, "less than"),
    "LessThanOrEqualToThreshold": (operator.le, "less than or equal to"),
}
#: The band operators of anomaly-detection alarms (with ThresholdMetricId).
BAND_OPERATORS = (
    "LessThanLowerOrGreaterThanUpperThreshold",
    "LessThanLowerThreshold",
    "GreaterThanUpperThreshold",
)
OPERATORS = (*THRESHOLD_OPERATORS, *BAND_OPERATORS)


class Period(NamedTuple):
    """One period of the evaluation range as the alarm saw it.

    A named tuple, not a dataclass: an evaluation makes N of them, for each
    of thousands of alarms a minute, and a tuple is made in a fraction of the time.
    """

    timestamp: int
    value: float | None
    #: None for a missing period; for a filled one, what it was treated as.
    breaching: bool | None
    missing: bool = False
    #: The band (lower, upper) the value was compared with, for band alarms.
    band: tuple[float, float] | None = None


class Outcome(NamedTuple):
    """The state an evaluation arrives at, and the periods that decided it.

    The reason and its data are words and JSON for a state change; most
    evaluations change nothing, so they are written only when asked for.
    """

    state: str
    #: The newest N periods considered, oldest first (missing ones included).
    trace: tuple[Period, ...]
    rule: Rule
    now: float
    end: int

    @property
    def reason(self) -> str:
        breaching = sum(1 for period in self.trace if period.breaching)
        unknown = sum(1 for period in self.trace if period.breaching is None)
        return _reason(self.rule, list(self.trace), self.state, breaching, unknown)

    @property
    def reason_data(self) -> str:
        return _reason_data(self.rule, list(self.trace), self.now, self.end)


@dataclass(frozen=True, slots=True)
class Rule:
    """What an alarm compares: enough of its configuration to judge datapoints."""

    period: int
    evaluation_periods: int
    datapoints_to_alarm: int
    operator: str
    threshold: float | None
    treat_missing: str
    statistic: str
    unit: str | None = None


def breaches(rule: Rule, value: float, band: tuple[float, float] | None) -> bool:
    if rule.operator in THRESHOLD_OPERATORS:
        assert rule.threshold is not None
        return THRESHOLD_OPERATORS[rule.operator][0](value, rule.threshold)
    if band is None:
        return False
    lower, upper = band
    if rule.operator == "LessThanLowerThreshold":
        return value < lower
    if rule.operator == "GreaterThanUpperThreshold":
        return value > upper
    return value < lower or value > upper


def evaluate(
    rule: Rule,
    points: Mapping[int, float],
    end: int,
    current: str,
    now: float,
    bands: Mapping[int, tuple[float, float]] | None = None,
) -> Outcome:
    """The state `points` (values by period start) put the alarm in, judged at `now`.

    `end` is the end of the newest complete period; the evaluation range is
    the N + EXTRA_PERIODS periods before it. Values outside it do not count.
    """
    n, m, p = rule.evaluation_periods, rule.datapoints_to_alarm, rule.period
    # The range newest first: its real datapoints, stopping at N of them, and its gaps.
    real: list[int] = []
    gaps: list[int] = []
    get = points.get
    t = end
    for _ in range(n + EXTRA_PERIODS):
        t -= p
        value = get(t)
        if value is None:
            gaps.append(t)
        elif isfinite(value):
            real.append(t)
            if len(real) == n:
                break
    # The newest N real datapoints; with fewer, all of them and as few missing periods as make N.
    chosen = real[::-1] if len(real) >= n else sorted({*real, *gaps[: n - len(real)]})
    trace = tuple(_judged(rule, points, bands or {}, chosen))
    breaching = [period.breaching for period in trace].count(True)
    if breaching >= m:
        state = ALARM
    elif not real and rule.treat_missing in ("missing", "ignore"):
        state = current if rule.treat_missing == "ignore" else INSUFFICIENT_DATA
    else:
        state = OK
    return Outcome(state, trace, rule, now, end)


def judged_again(
    rule: Rule, points: Mapping[int, float], end: int, now: float, last: tuple[Period, ...]
) -> Outcome | None:
    """`evaluate` of an alarm without bands at a later `end`, when it surely judges `last` again.

    The caller vouches that `points` are the very values `last` was judged
    from under `rule`. When `last` was N real datapoints (so the newest N),
    no datapoint came after them and the range still holds them all, the
    newest N are those again, and so is the state they make: nothing need be
    judged. None when that does not hold.
    """
    n, p = rule.evaluation_periods, rule.period
    if len(last) != n or last[0].timestamp < end - p * (n + EXTRA_PERIODS):
        return None
    newest = last[-1].timestamp
    if newest >= end:
        return None
    for t in range(end - p, newest, -p):
        if t in points:
            return None
    breaching = 0
    for period in last:
        if period.missing:
            return None
        if period.breaching:
            breaching += 1
    return Outcome(ALARM if breaching >= rule.datapoints_to_alarm else OK, last, rule, now, end)


def _judged(
    rule: Rule,
    points: Mapping[int, float],
    bands: Mapping[int, tuple[float, float]],
    chosen: list[int],
) -> list[Period]:
    """The chosen periods judged: each real datapoint, and each missing one as treated."""
    if rule.treat_missing in ("breaching", "notBreaching"):
        filled: bool | None = rule.treat_missing == "breaching"
    else:
        filled = None
    found = THRESHOLD_OPERATORS.get(rule.operator)
    if found is None:
        return [
            Period(t, points[t], breaches(rule, points[t], bands.get(t)), False, bands.get(t))
            if t in points
            else Period(t, None, filled, True)
            for t in chosen
        ]
    test, threshold = found[0], rule.threshold
    assert threshold is not None
    return [
        Period(t, points[t], test(points[t], threshold))
        if t in points
        else Period(t, None, filled, True)
        for t in chosen
    ]


def _reason(rule: Rule, trace: list[Period], state: str, breaching: int, unknown: int) -> str:
    if state == INSUFFICIENT_DATA:
        return (
            f"Insufficient Data: {unknown} datapoint{'s were' if unknown != 1 else ' was'} unknown."
        )
    shown = [p for p in trace if p.value is not None]
    if not shown:
        # Every period judged was missing and filled (breaching or notBreaching).
        n = len(trace)
        treated = "Breaching" if rule.treat_missing == "breaching" else "NonBreaching"
        return (
            f"Threshold Crossed: no datapoints were received for {n} period{'s' if n != 1 else ''}"
            f" and {n} missing datapoint{'s were' if n != 1 else ' was'} treated as [{treated}]."
        )
    values = ", ".join(f"{_number(p.value)} ({_stamp(p.timestamp)})" for p in reversed(shown))
    if rule.operator in THRESHOLD_OPERATORS:
        words = THRESHOLD_OPERATORS[rule.operator][1]
        target = f"the threshold ({_number(rule.threshold)})"
    else:
        words, target = {
            "LessThanLowerThreshold": ("less than", "the lower threshold"),
            "GreaterThanUpperThreshold": ("greater than", "the upper threshold"),
        }.get(rule.operator, ("outside", "the band"))
    if state == ALARM:
        n = len(trace)
        verb = "was" if breaching == 1 else "were"
        return (
            f"Threshold Crossed: {breaching} out of the last {n} datapoints [{values}] {verb} "
            f"{words} {target} (minimum {rule.datapoints_to_alarm} datapoint"
            f"{'s' if rule.datapoints_to_alarm != 1 else ''} for OK -> ALARM transition)."
        )
    count = len(shown)
    noun = "datapoint" if count == 1 else "datapoints"
    verb = "was" if count == 1 else "were"
    return f"Threshold Crossed: {count} {noun} [{values}] {verb} not {words} {target}."


def _reason_data(rule: Rule, trace: list[Period], now: float, end: int) -> str:
    """StateReasonData as AWS writes it: a JSON document of what was evaluated."""
    evaluated = []
    for period in reversed(trace):
        entry: dict[str, object] = {"timestamp": _iso(period.timestamp)}
        if period.value is not None:
            entry["value"] = period.value
        evaluated.append(entry)
    data: dict[str, object] = {
        "version": "1.0",
        "queryDate": _iso(now),
        "startDate": _iso(trace[0].timestamp) if trace else _iso(end),
        "statistic": rule.statistic,
        "period": rule.period,
        "recentDatapoints": [p.value for p in trace if p.value is not None],
    }
    if rule.unit:
        data["unit"] = rule.unit
    if rule.threshold is not None:
        data["threshold"] = rule.threshold
    data["evaluatedDatapoints"] = evaluated
    return json.dumps(data, separators=(",", ":"))


def _number(value: float | None) -> str:
    return repr(float(value)) if value is not None else "null"


def _stamp(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%d/%m/%y %H:%M:%S")


def _iso(t: float) -> str:
    moment = datetime.fromtimestamp(t, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"
