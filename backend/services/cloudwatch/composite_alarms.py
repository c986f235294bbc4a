"""Composite alarms: an AlarmRule over other alarms' states, apart from the API that puts it.

A composite alarm has no metric and is never judged on the clock: it is
judged when it is put and whenever an alarm its rule names changes state
(`composite_engine`). Its state is ALARM when the rule is true and OK when
it is false; INSUFFICIENT_DATA only from creation until that first
judgement, as AWS documents. The reason names what moved it ("<child ARN>
transitioned to ALARM at Friday 22 July, 2022 15:57:45 UTC") and the reason
data lists the triggering children, as AWS's own alarms write them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from backend.clock import TimerHandle
from backend.services.cloudwatch.alarms import Described
from backend.services.cloudwatch.composite import Expression
from backend.services.cloudwatch.evaluation import INSUFFICIENT_DATA

#: What DescribeAlarms' ChildrenOfAlarmName and ParentsOfAlarmName give of each alarm.
FAMILY_MEMBERS = ("AlarmName", "AlarmArn", "StateValue", "StateUpdatedTimestamp")


@dataclass
class CompositeAlarm(Described):
    alarm_type: ClassVar[str] = "CompositeAlarm"

    name: str
    arn: str
    #: AlarmRule, AlarmDescription, the actions and the suppressor settings, as put.
    config: dict[str, Any]
    #: The parsed AlarmRule.
    rule: Expression
    created: float
    state: str = INSUFFICIENT_DATA
    reason: str = "Unchecked: Initial alarm creation"
    reason_data: str = ""
    state_updated: float = 0.0
    transitioned: float = 0.0
    config_updated: float = 0.0
    tags: dict[str, str] = field(default_factory=dict)
    #: WaitPeriod, Alarm or ExtensionPeriod while the ActionsSuppressor holds the actions.
    suppressed_by: str | None = None
    #: The timer that ends a WaitPeriod or an ExtensionPeriod.
    release: TimerHandle | None = None
    #: The state the held ALARM came from (the notification's OldStateValue).
    held_from: str = INSUFFICIENT_DATA

    def describe(self) -> dict[str, Any]:
        described = super().describe()
        if self.suppressed_by is not None:
            described["ActionsSuppressedBy"] = self.suppressed_by
            described["ActionsSuppressedReason"] = f"Actions suppressed by {self.suppressed_by}"
        return described
