"""Alarms evaluated on the virtual clock, state changes recorded, actions taken.

CloudWatch evaluates an alarm about once a minute, and a high-resolution one
(period 10, 20 or 30 s) every ten seconds (AWS_FACTS §4); skydeck does the
same on the simulated clock, waking only while there are alarms. Each
evaluation judges the newest complete periods (`evaluation.evaluate`); a
changed state is written to the alarm, its history, and the bus (so the
dashboard notifies once per change, not per tick), and the actions for the
new state run when the alarm's actions are enabled.

Most evaluations find what the last one found, give or take the newest
period: a single-metric alarm reads again only the periods that may have
changed since (`readings`), and when none did and the same datapoints still
decide, takes the last judgement again (`evaluation.judged_again`).

Actions go through `ACTION_TARGETS`, one entry per AWS service an action ARN
names: the hook later services (SNS, Auto Scaling, EC2, Lambda) fill in.
Until a service is simulated, its actions are recorded in the alarm's history
as failed, saying so, so nothing is silently dropped.

Every state change, of a metric or a composite alarm, goes through `change`:
its `listeners` (composite alarms re-judging their rules) hear of it, and its
`gates` (a composite's ActionsSuppressor) may hold the actions for `act` later.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from backend.bus import CloudEvent, Severity
from backend.errors import AwsError
from backend.kit.sampler import MinuteSampler
from backend.services.cloudwatch import notifications
from backend.services.cloudwatch.alarms import Alarm, History, MetricAlarm
from backend.services.cloudwatch.anomaly import Detectors, band_source
from backend.services.cloudwatch.evaluation import (
    ALARM,
    EXTRA_PERIODS,
    OK,
    Outcome,
    evaluate,
    judged_again,
)
from backend.services.cloudwatch.metric_data import Results
from backend.services.cloudwatch.metric_math import Context, TimeSeries
from backend.services.cloudwatch.readings import Readings

if TYPE_CHECKING:
    from backend.cloud import Cloud

#: Seconds between evaluations of standard alarms and of high-resolution ones.
STANDARD_EVERY = 60
HIGH_RESOLUTION_EVERY = 10

#: What runs an alarm action: (cloud, alarm, old state, region, action ARN) -> a detail
#: for the history (SNS's MessageId).
ActionTarget = Callable[["Cloud", Alarm, str, str, str], Awaitable[str]]
#: What hears of every state change (region, alarm, time): composite alarms re-judge their rules.
StateListener = Callable[[str, Alarm, float], None]
#: What may hold a state change's actions back (region, alarm, old state, time) -> act now:
#: a composite alarm's ActionsSuppressor, which runs them later through `act`.
ActionGate = Callable[[str, Alarm, str, float], bool]
#: Action runners by the service the ARN names (`arn:aws:<service>:...`): the one place
#: the alarm actions of services still to come (autoscaling, automate, lambda, ssm) go.
ACTION_TARGETS: dict[str, ActionTarget] = {"sns": notifications.publish}

_SEVERITY: dict[str, Severity] = {ALARM: "error", OK: "information"}


class AlarmEngine:
    """Evaluates one CloudWatch's alarms; owns nothing but the timers."""

    def __init__(
        self,
        cloud: Cloud,
        alarms: dict[tuple[str, str], MetricAlarm],
        history: Callable[[str], History],
    ) -> None:
        self.cloud = cloud
        self.alarms = alarms
        self.history = history
        #: The anomaly detectors band alarms read (the service shares this dict).
        self.detectors: Detectors = {}
        self.listeners: list[StateListener] = []
        self.gates: list[ActionGate] = []
        self._standard = MinuteSampler(cloud.clock, self._tick_standard, STANDARD_EVERY)
        self._fast = MinuteSampler(cloud.clock, self._tick_fast, HIGH_RESOLUTION_EVERY)

    def watch(self, alarm: MetricAlarm) -> None:
        """Start evaluating `alarm` (a new or re-put one) from the next tick."""
        if alarm.rule.period < 60:
            self._fast.start()
        else:
            self._standard.start()

    def _tick_standard(self, now: float) -> bool:
        return self._tick(now, fast=False)

    def _tick_fast(self, now: float) -> bool:
        return self._tick(now, fast=True)

    def _tick(self, now: float, *, fast: bool) -> bool:
        due = [
            (region, alarm)
            for (region, _), alarm in self.alarms.items()
            if (alarm.rule.period < 60) == fast
        ]
        for region, alarm in due:
            self.evaluate(alarm, region, now)
        return bool(due)

    def evaluate(self, alarm: MetricAlarm, region: str, now: float) -> Outcome:
        """Judge `alarm` as at `now`, and change its state if the judgement says so."""
        rule = alarm.rule
        end = int(now) // rule.period * rule.period
        start = end - rule.period * (rule.evaluation_periods + EXTRA_PERIODS)
        if alarm.metrics:
            try:
                points, bands = self._math_points(alarm, region, start, end, now)
            except AwsError:
                # A metric-math alarm whose expression fails on this data has no datapoints.
                points, bands = {}, {}
            outcome = evaluate(rule, points, end, alarm.state, now, bands)
        else:
            readings = alarm.readings
            if readings is None or readings.config is not alarm.config:
                readings = alarm.readings = Readings(alarm.config)
            points = readings.read(self.cloud.metrics, start, end, rule.period, now)
            again = None if readings.changed else judged_again(rule, points, end, now, alarm.trace)
            outcome = evaluate(rule, points, end, alarm.state, now) if again is None else again
        alarm.trace = outcome.trace
        if outcome.state != alarm.state:
            self.change(alarm, region, outcome.state, outcome.reason, outcome.reason_data, now)
        return outcome

    def _math_points(
        self, alarm: MetricAlarm, region: str, start: int, end: int, now: float
    ) -> tuple[dict[int, float], dict[int, tuple[float, float]]]:
        """A metric-math alarm's values by period in [start, end), and a band alarm's bands."""
        stats = [q["Id"] for q in alarm.metrics if "MetricStat" in q]
        bands_of = band_source(self.cloud.metrics, self.detectors, region, alarm.metrics, now)
        context = Context(stats, start, end, alarm.rule.period, bands=bands_of)
        results = Results(self.cloud.metrics, alarm.metrics, context, now)
        threshold_id = alarm.config.get("ThresholdMetricId")
        chosen = next(
            q["Id"] for q in alarm.metrics if q.get("ReturnData", True) and q["Id"] != threshold_id
        )
        [judged] = results.of(chosen)
        bands: dict[int, tuple[float, float]] = {}
        if threshold_id is not None:
            bands = _bands(results.of(threshold_id))
            # A period without a band (the model still training) cannot be judged: missing.
            return {t: v for t, v in judged.points.items() if t in bands}, bands
        return judged.points, bands

    def change(
        self, alarm: Alarm, region: str, state: str, reason: str, data: str, now: float
    ) -> None:
        """Put `alarm` in `state` (by evaluation or SetAlarmState), take its actions, and
        tell the listeners (after the actions are spawned, so a parent's follow its child's)."""
        old = alarm.state
        alarm.state, alarm.reason, alarm.reason_data = state, reason, data
        alarm.state_updated = now
        if old == state:
            # SetAlarmState to the state the alarm is in: AWS takes actions only "when the
            # updated state differs from the previous value"; nothing to record or announce.
            return
        alarm.transitioned = now
        history = self.history(region)
        history.state_update(alarm, old, state, now)
        self.cloud.bus.publish(
            CloudEvent(
                now,
                "cloudwatch",
                "AlarmStateChange",
                f"alarm {alarm.name}: {old} → {state}",
                _SEVERITY.get(state, "warning"),
                alarm.arn,
            )
        )
        if alarm.actions_enabled and all(gate(region, alarm, old, now) for gate in self.gates):
            self.act(alarm, old, region)
        for listener in self.listeners:
            listener(region, alarm, now)

    def act(self, alarm: Alarm, old: str, region: str) -> None:
        """Run the actions of `alarm`'s present state, each a task: they call other services."""
        history = self.history(region)
        for arn in alarm.actions_for(alarm.state):
            action = self._act(alarm, old, region, history, arn)
            self.cloud.clock.spawn(action, name=f"alarm {alarm.name}")

    async def _act(self, alarm: Alarm, old: str, region: str, history: History, arn: str) -> None:
        service = arn.split(":")[2]
        target = ACTION_TARGETS.get(service) if service in self.cloud.services else None
        now = self.cloud.clock.now()
        if target is None:
            history.action(
                alarm, arn, False, f"skydeck does not simulate {service} actions yet.", now
            )
            return
        try:
            detail = await target(self.cloud, alarm, old, region, arn)
        except Exception as exc:  # an AwsError from the target service, or its bug
            history.action(alarm, arn, False, str(exc), self.cloud.clock.now())
            return
        history.action(alarm, arn, True, detail, self.cloud.clock.now())


def _bands(found: list[TimeSeries]) -> dict[int, tuple[float, float]]:
    """A band query's result (two series: lower, then upper) as (lower, upper) by period."""
    if len(found) != 2:
        return {}
    lower, upper = found
    return {
        t: (min(v, upper.points[t]), max(v, upper.points[t]))
        for t, v in lower.points.items()
        if t in upper.points
    }
