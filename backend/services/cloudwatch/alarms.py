"""Metric alarms and their history: what an alarm is, apart from the API that puts it.

An alarm keeps its configuration as put (re-putting overwrites it and keeps
the state), its state with the reason and reason data AWS reports, and the
last evaluation's trace for the alarms pane. History is kept per region, for
30 days as AWS keeps it, and within a byte budget, so a flapping alarm cannot
grow memory without bound.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from backend.services.cloudwatch.evaluation import INSUFFICIENT_DATA, Period, Rule
from backend.services.cloudwatch.readings import Readings

#: How long alarm history is kept.
HISTORY_DAYS = 30
#: Bytes of history kept per region, whatever the age.
HISTORY_BUDGET = 8 * 1024 * 1024


class Alarm(Protocol):
    """What history, the engine and actions need of an alarm, metric or composite."""

    name: str
    arn: str
    state: str
    reason: str
    reason_data: str
    state_updated: float
    transitioned: float
    tags: dict[str, str]

    @property
    def alarm_type(self) -> str: ...

    @property
    def actions_enabled(self) -> bool: ...

    def actions_for(self, state: str) -> list[str]: ...

    def describe(self) -> dict[str, Any]: ...


class Described:
    """What both kinds of alarm keep alike: the action lists and ActionsEnabled switch in
    `config`, and the members DescribeAlarms gives besides the configuration."""

    name: str
    arn: str
    config: dict[str, Any]
    state: str
    reason: str
    reason_data: str
    state_updated: float
    transitioned: float
    config_updated: float

    @property
    def actions_enabled(self) -> bool:
        return bool(self.config.get("ActionsEnabled", True))

    def actions_for(self, state: str) -> list[str]:
        key = {"OK": "OKActions", "ALARM": "AlarmActions"}.get(state, "InsufficientDataActions")
        return list(self.config.get(key) or [])

    def described_actions(self) -> dict[str, Any]:
        return {
            "ActionsEnabled": self.actions_enabled,
            "OKActions": self.actions_for("OK"),
            "AlarmActions": self.actions_for("ALARM"),
            "InsufficientDataActions": self.actions_for("INSUFFICIENT_DATA"),
        }

    def describe(self) -> dict[str, Any]:
        described = {
            "AlarmName": self.name,
            "AlarmArn": self.arn,
            **self.config,
            **self.described_actions(),
            "AlarmConfigurationUpdatedTimestamp": self.config_updated,
            "StateValue": self.state,
            "StateReason": self.reason,
            "StateUpdatedTimestamp": self.state_updated,
            "StateTransitionedTimestamp": self.transitioned,
        }
        if self.reason_data:
            described["StateReasonData"] = self.reason_data
        return described


@dataclass
class MetricAlarm(Described):
    alarm_type: ClassVar[str] = "MetricAlarm"

    name: str
    arn: str
    #: The configuration as put, normalised: what DescribeAlarms returns.
    config: dict[str, Any]
    rule: Rule
    #: The metric-math queries of a metric-math alarm (empty for a single metric).
    metrics: list[dict[str, Any]]
    created: float
    state: str = INSUFFICIENT_DATA
    reason: str = "Unchecked: Initial alarm creation"
    reason_data: str = ""
    state_updated: float = 0.0
    transitioned: float = 0.0
    config_updated: float = 0.0
    tags: dict[str, str] = field(default_factory=dict)
    #: The periods the last evaluation judged (for the pane's trace).
    trace: tuple[Period, ...] = ()
    #: A single-metric alarm's last reading of its metric, for the next evaluation.
    readings: Readings | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class HistoryItem:
    alarm_name: str
    timestamp: float
    item_type: str
    summary: str
    data: str
    alarm_type: str = "MetricAlarm"

    @property
    def size(self) -> int:
        return len(self.alarm_name) + len(self.summary) + len(self.data) + 64

    def describe(self) -> dict[str, Any]:
        return {
            "AlarmName": self.alarm_name,
            "AlarmType": self.alarm_type,
            "Timestamp": self.timestamp,
            "HistoryItemType": self.item_type,
            "HistorySummary": self.summary,
            "HistoryData": self.data,
        }


class History:
    """One region's alarm history, oldest first, bounded by age and bytes."""

    def __init__(self) -> None:
        self.items: deque[HistoryItem] = deque()
        self.bytes = 0

    def add(self, item: HistoryItem) -> None:
        self.items.append(item)
        self.bytes += item.size
        horizon = item.timestamp - HISTORY_DAYS * 86_400
        while self.items and (self.bytes > HISTORY_BUDGET or self.items[0].timestamp < horizon):
            self.bytes -= self.items.popleft().size

    def state_update(self, alarm: Alarm, old: str, new: str, when: float) -> None:
        data = {
            "version": "1.0",
            "oldState": {"stateValue": old},
            "newState": {"stateValue": new, "stateReason": alarm.reason},
        }
        if alarm.reason_data:
            data["newState"]["stateReasonData"] = json.loads(alarm.reason_data)  # type: ignore[index]
        summary = f"Alarm updated from {old} to {new}"
        self.add(
            HistoryItem(
                alarm.name, when, "StateUpdate", summary, json.dumps(data), alarm.alarm_type
            )
        )

    def configuration(self, alarm: Alarm, kind: str, when: float) -> None:
        """A ConfigurationUpdate: `kind` is Create, Update or Delete, as AWS words it."""
        data = {
            "version": "1.0",
            "type": kind,
            f"{'updated' if kind != 'Delete' else 'deleted'}Alarm": alarm.describe(),
        }
        summary = f'Alarm "{alarm.name}" {kind.lower()}d'
        self.add(
            HistoryItem(
                alarm.name,
                when,
                "ConfigurationUpdate",
                summary,
                json.dumps(data, default=str),
                alarm.alarm_type,
            )
        )

    def action(self, alarm: Alarm, target: str, ok: bool, detail: str, when: float) -> None:
        verb = "Successfully executed" if ok else "Failed to execute"
        data = {
            "actionState": "Succeeded" if ok else "Failed",
            "notificationResource": target,
            "stateUpdateTimestamp": int(alarm.state_updated * 1000),
        }
        if detail:
            data["error" if not ok else "publishedMessage"] = detail
        self.add(
            HistoryItem(
                alarm.name,
                when,
                "Action",
                f"{verb} action {target}",
                json.dumps(data),
                alarm.alarm_type,
            )
        )
