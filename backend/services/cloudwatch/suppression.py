"""Composite alarm action suppression: ActionsSuppressor, WaitPeriod and ExtensionPeriod.

A composite with an ActionsSuppressor holds its ALARM actions while the
suppressor alarm is in ALARM (a maintenance window, a deployment). When the
composite goes into ALARM:

- with the suppressor in ALARM, the actions are held (`Alarm`) until the
  suppressor leaves ALARM, then for ExtensionPeriod seconds more
  (`ExtensionPeriod`), and run if the composite is still in ALARM;
- otherwise they wait WaitPeriod seconds for the suppressor (`WaitPeriod`):
  if it goes into ALARM meanwhile they are held as above, else they run.

A composite that leaves ALARM drops what it held. DescribeAlarms shows the
hold as ActionsSuppressedBy and "Actions suppressed by <it>", as AWS's events
word it. Only ALARM actions are held; OK and INSUFFICIENT_DATA actions run
at once (docs/deviations.md).
"""

from __future__ import annotations

from collections.abc import Mapping

from backend.clock import Clock
from backend.services.cloudwatch.alarm_engine import AlarmEngine
from backend.services.cloudwatch.alarms import Alarm
from backend.services.cloudwatch.composite_alarms import CompositeAlarm
from backend.services.cloudwatch.composite_engine import CompositeEngine
from backend.services.cloudwatch.evaluation import ALARM


class Suppression:
    """Holds and releases composite alarms' actions; owns nothing but their timers."""

    def __init__(
        self,
        engine: AlarmEngine,
        composites: Mapping[tuple[str, str], CompositeAlarm],
        finder: CompositeEngine,
    ) -> None:
        self.engine = engine
        self.clock: Clock = engine.cloud.clock
        self.composites = composites
        self.finder = finder
        engine.gates.append(self.admit)
        engine.listeners.append(self.suppressor_changed)

    def admit(self, region: str, alarm: Alarm, old: str, now: float) -> bool:
        """Whether `alarm`'s new state acts now; a held composite acts later, or never."""
        if not isinstance(alarm, CompositeAlarm):
            return True
        self._drop(alarm)
        suppressor_name = alarm.config.get("ActionsSuppressor")
        if alarm.state != ALARM or suppressor_name is None:
            return True
        alarm.held_from = old
        suppressor = self.finder.find(region, suppressor_name)
        if suppressor is not None and suppressor.state == ALARM:
            alarm.suppressed_by = "Alarm"
        else:
            self._hold(alarm, region, "WaitPeriod", "ActionsSuppressorWaitPeriod", now)
        return False

    def suppressor_changed(self, region: str, alarm: Alarm, now: float) -> None:
        for (where, _), composite in self.composites.items():
            if where != region or composite.suppressed_by is None:
                continue
            if self.finder.find(region, composite.config["ActionsSuppressor"]) is not alarm:
                continue
            if alarm.state == ALARM and composite.suppressed_by == "WaitPeriod":
                self._drop(composite)
                composite.suppressed_by = "Alarm"
            elif alarm.state != ALARM and composite.suppressed_by == "Alarm":
                member = "ActionsSuppressorExtensionPeriod"
                self._hold(composite, region, "ExtensionPeriod", member, now)

    def _hold(
        self, composite: CompositeAlarm, region: str, by: str, member: str, now: float
    ) -> None:
        """Hold `composite`'s actions `by` a period, then run them if it is still in ALARM."""
        composite.suppressed_by = by
        seconds = int(composite.config[member])
        composite.release = self.clock.call_at(now + seconds, self._release, composite, region)

    def _release(self, composite: CompositeAlarm, region: str) -> None:
        composite.suppressed_by, composite.release = None, None
        still = self.composites.get((region, composite.name)) is composite
        if still and composite.state == ALARM and composite.actions_enabled:
            self.engine.act(composite, composite.held_from, region)

    @staticmethod
    def _drop(composite: CompositeAlarm) -> None:
        if composite.release is not None:
            composite.release.cancel()
        composite.suppressed_by, composite.release = None, None
