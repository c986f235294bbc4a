"""PutCompositeAlarm: a rule over other alarms, checked as CloudWatch checks it.

The rule must parse (`composite.parse`: the grammar, 10,240 characters, 100
children, 500 elements) and every alarm it names must exist in the region
("Could not save the composite alarm as alarms [a, b] in the alarm rule do
not exist"); an alarm may be named by at most 150 composites. The actions
are the metric alarms' (`action_lists`). An ActionsSuppressor must name an
existing alarm and comes with both its WaitPeriod and ExtensionPeriod
(`suppression` holds the actions by them). A new
composite starts INSUFFICIENT_DATA and is judged at once; putting it again
overwrites its configuration, keeps its state and judges it again. Tags
count only when the alarm is created, as AWS documents.

The other alarm actions (DescribeAlarms, DeleteAlarms, SetAlarmState,
DescribeAlarmHistory, Enable/DisableAlarmActions) take composites too, in
`alarm_actions`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backend.service import Params, Request, Response, Service, action
from backend.services.cloudwatch import metric_params as read
from backend.services.cloudwatch.alarm_actions import action_lists
from backend.services.cloudwatch.alarms import History, MetricAlarm
from backend.services.cloudwatch.composite import RuleError, children, parse
from backend.services.cloudwatch.composite_alarms import CompositeAlarm
from backend.services.cloudwatch.composite_engine import CompositeEngine
from backend.services.cloudwatch.errors import (
    InvalidParameterValue,
    LimitExceeded,
    MissingParameter,
    ValidationError,
)
from backend.services.cloudwatch.tag_actions import tag_list

#: Composites that may name any one alarm.
MAX_PARENTS = 150
_SUPPRESSOR_PERIODS = ("ActionsSuppressorWaitPeriod", "ActionsSuppressorExtensionPeriod")


class CompositeActions(Service):
    """PutCompositeAlarm; the composites live in `self.composites` by (region, name)."""

    alarms: dict[tuple[str, str], MetricAlarm]
    composites: dict[tuple[str, str], CompositeAlarm]
    composite_engine: CompositeEngine

    #: The region's alarm history, of `AlarmActions`.
    history: Callable[[str], History]

    @action("PutCompositeAlarm")
    def put_composite_alarm(self, params: Params, request: Request) -> Response:
        region, now = request.region, request.now
        name = read.text(params, "AlarmName")
        if name is None:
            raise MissingParameter("The parameter AlarmName is required.")
        if params.get("ActionConfiguration") is not None:
            raise InvalidParameterValue(
                "The parameter ActionConfiguration is not supported by skydeck's CloudWatch."
            )
        if (region, name) in self.alarms:
            raise ValidationError(f"The alarm {name} already exists as a metric alarm.")
        rule_text = read.text(params, "AlarmRule", high=10_240)
        if rule_text is None:
            raise MissingParameter("The parameter AlarmRule is required.")
        try:
            rule = parse(rule_text)
        except RuleError as error:
            raise ValidationError(str(error)) from None
        self._check_children(region, name, [child.name for child in children(rule)])
        config = self._config(params, region, rule_text)
        tags = tag_list(params)
        history = self.history(region)
        existing = self.composites.get((region, name))
        if existing is None:
            arn = f"arn:aws:cloudwatch:{region}:{request.account}:alarm:{name}"
            composite = CompositeAlarm(
                name,
                arn,
                config,
                rule,
                now,
                state_updated=now,
                transitioned=now,
                config_updated=now,
                tags=tags,
            )
            self.composites[(region, name)] = composite
            history.configuration(composite, "Create", now)
            self.composite_engine.judge(region, composite, now, "created")
        else:
            existing.config, existing.rule, existing.config_updated = config, rule, now
            history.configuration(existing, "Update", now)
            self.composite_engine.judge(region, existing, now, "updated")
        return {}

    def _check_children(self, region: str, name: str, references: list[str]) -> None:
        engine = self.composite_engine
        missing = sorted({r for r in references if engine.find(region, r) is None})
        if missing:
            raise ValidationError(
                f"Could not save the composite alarm as alarms [{', '.join(missing)}] in the "
                "alarm rule do not exist"
            )
        for reference in dict.fromkeys(references):
            child = engine.find(region, reference)
            assert child is not None
            parents = {p.name for p in engine.parents_of(region, child)} - {name}
            if len(parents) >= MAX_PARENTS:
                raise LimitExceeded(
                    f"The alarm {child.name} is already in the rules of {MAX_PARENTS} "
                    "composite alarms."
                )

    def _config(self, params: Params, region: str, rule: str) -> dict[str, Any]:
        """The configuration as DescribeAlarms returns it."""
        description = read.text(params, "AlarmDescription", low=0, high=1024)
        enabled = params.get("ActionsEnabled", True)
        if not isinstance(enabled, bool):
            raise read.invalid(enabled, "ActionsEnabled")
        config: dict[str, Any] = {
            "AlarmDescription": description or "",
            "ActionsEnabled": enabled,
            **action_lists(params),
            "AlarmRule": rule,
        }
        suppressor = read.text(params, "ActionsSuppressor", high=1600)
        periods = {m: params.get(m) for m in _SUPPRESSOR_PERIODS}
        if suppressor is None:
            given = [m for m, v in periods.items() if v is not None]
            if given:
                raise ValidationError(f"{given[0]} can only be used with ActionsSuppressor.")
            return config
        if self.composite_engine.find(region, suppressor) is None:
            raise ValidationError(f"The ActionsSuppressor alarm {suppressor} does not exist.")
        for member, value in periods.items():
            if value is None:
                raise ValidationError(f"{member} is required when ActionsSuppressor is set.")
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise read.invalid(value, member)
        return {**config, "ActionsSuppressor": suppressor, **periods}
