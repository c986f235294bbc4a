"""Composite alarms judged when they are put and whenever a child alarm changes state.

The alarm engine tells its listeners of every state change (evaluation or
SetAlarmState, of a metric alarm or a composite); this engine re-judges the
composites of that region whose rule names the changed alarm, by name or by
ARN. A judgement that moves a composite goes through `AlarmEngine.change`
like any other, so history, the bus and the actions (`ACTION_TARGETS`) are
the metric alarms' own, and a composite of composites follows in turn.

Composites can form a cycle (A's rule names B and B's names A: AWS lets an
update make one). AWS stops evaluating when it detects a cycle in the
evaluation path; here the composites being judged on the current path are
remembered, and a change that comes back to one of them goes no further, so
the propagation always ends.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from backend.services.cloudwatch.alarm_engine import AlarmEngine
from backend.services.cloudwatch.alarms import Alarm, MetricAlarm
from backend.services.cloudwatch.composite import children, truth
from backend.services.cloudwatch.composite_alarms import CompositeAlarm
from backend.services.cloudwatch.evaluation import ALARM, INSUFFICIENT_DATA, OK
from backend.services.cloudwatch.notifications import cloudwatch_time


class CompositeEngine:
    """Judges one CloudWatch's composite alarms; owns nothing but the evaluation path."""

    def __init__(
        self,
        engine: AlarmEngine,
        metric_alarms: Mapping[tuple[str, str], MetricAlarm],
        composites: Mapping[tuple[str, str], CompositeAlarm],
    ) -> None:
        self.engine = engine
        self.metric_alarms = metric_alarms
        self.composites = composites
        self._path: set[tuple[str, str]] = set()
        engine.listeners.append(self.child_changed)

    def find(self, region: str, reference: str) -> Alarm | None:
        """The alarm a rule names by `reference` (a name, or an ARN in `region`)."""
        name = reference
        if reference.startswith("arn:"):
            parts = reference.split(":", 6)
            if len(parts) != 7 or parts[3] != region or parts[5] != "alarm":
                return None
            name = parts[6]
        key = (region, name)
        return self.metric_alarms.get(key) or self.composites.get(key)

    def children_of(self, region: str, composite: CompositeAlarm) -> list[Alarm]:
        """The alarms `composite`'s rule names, each once, in rule order."""
        found: dict[str, Alarm] = {}
        for child in children(composite.rule):
            alarm = self.find(region, child.name)
            if alarm is not None:
                found.setdefault(alarm.arn, alarm)
        return list(found.values())

    def parents_of(self, region: str, alarm: Alarm) -> list[CompositeAlarm]:
        """The composites of `region` whose rule names `alarm`."""
        return [
            composite
            for (where, _), composite in sorted(self.composites.items())
            if where == region
            and any(child.arn == alarm.arn for child in self.children_of(where, composite))
        ]

    def judge(self, region: str, composite: CompositeAlarm, now: float, cause: str) -> None:
        """Set `composite` from its rule; `cause` completes "<arn> was <cause> and ..." when
        it is put ("created", "updated"), and a state change names the child instead."""
        state = self._outcome(region, composite)
        if state == composite.state:
            return
        reason = f"{composite.arn} was {cause} and its alarm rule evaluates to {state}"
        self._set(region, composite, state, reason, now)

    def child_changed(self, region: str, alarm: Alarm, now: float) -> None:
        for parent in self.parents_of(region, alarm):
            key = (region, parent.name)
            if key in self._path:
                continue  # a cycle: AWS stops evaluating here
            state = self._outcome(region, parent)
            if state == parent.state:
                continue
            moment = datetime.fromtimestamp(alarm.state_updated, UTC)
            when = moment.strftime("%A %d %B, %Y %H:%M:%S UTC")
            reason = f"{alarm.arn} transitioned to {alarm.state} at {when}"
            self._set(region, parent, state, reason, now)

    def _outcome(self, region: str, composite: CompositeAlarm) -> str:
        return ALARM if truth(composite.rule, self._state_of(region)) else OK

    def _state_of(self, region: str) -> Callable[[str], str]:
        def state_of(reference: str) -> str:
            found = self.find(region, reference)
            return found.state if found is not None else INSUFFICIENT_DATA

        return state_of

    def _set(
        self, region: str, composite: CompositeAlarm, state: str, reason: str, now: float
    ) -> None:
        key = (region, composite.name)
        self._path.add(key)
        try:
            data = json.dumps(
                {"triggeringAlarms": self._triggering(region, composite, state)},
                separators=(",", ":"),
            )
            self.engine.change(composite, region, state, reason, data, now)
        finally:
            self._path.discard(key)

    def _triggering(self, region: str, composite: CompositeAlarm, state: str) -> list[object]:
        """The children whose test agrees with the outcome: true ones for ALARM, false for OK.

        AWS lists the children that put the composite where it is; for a rule
        of tests combined with AND and OR that is this, and for negations it
        is the closest reading the state alone allows (docs/deviations.md).
        """
        state_of = self._state_of(region)
        tests = {(c.state, c.name) for c in children(composite.rule)}
        triggering: list[object] = []
        for alarm in self.children_of(region, composite):
            agrees = any(
                (state_of(name) == wanted) == (state == ALARM)
                for wanted, name in tests
                if self.find(region, name) is alarm
            )
            if agrees:
                triggering.append(
                    {
                        "arn": alarm.arn,
                        "state": {
                            "value": alarm.state,
                            "timestamp": cloudwatch_time(alarm.state_updated),
                        },
                    }
                )
        return triggering
