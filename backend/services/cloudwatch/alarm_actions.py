"""Metric alarms through the API: put, describe, history, set state, delete, actions on/off.

What PutMetricAlarm checks is checked here in AWS's words (AWS_FACTS §4):
Period 10, 20, 30 or a multiple of 60, Period × EvaluationPeriods within a
day (a week for periods of an hour or more), DatapointsToAlarm at most
EvaluationPeriods, a single metric or metric-math queries but not both, a
static threshold or a band's ThresholdMetricId as the operator needs, at
most five actions per state. A new alarm starts INSUFFICIENT_DATA; putting
it again overwrites its configuration and keeps its state. The alarms are
evaluated on the clock by `alarm_engine`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from backend.kit.pages import decode_token, encode_token, fingerprint
from backend.metrics import STATISTICS, is_extended
from backend.service import Params, Request, Response, Service, action
from backend.services.cloudwatch import metric_params as read
from backend.services.cloudwatch.alarm_engine import AlarmEngine
from backend.services.cloudwatch.alarms import Alarm, History, MetricAlarm
from backend.services.cloudwatch.composite_alarms import FAMILY_MEMBERS, CompositeAlarm
from backend.services.cloudwatch.composite_engine import CompositeEngine
from backend.services.cloudwatch.errors import (
    InvalidFormat,
    InvalidNextToken,
    InvalidParameterCombination,
    InvalidParameterValue,
    MissingParameter,
    ResourceNotFound,
    ValidationError,
)
from backend.services.cloudwatch.evaluation import (
    BAND_OPERATORS,
    OPERATORS,
    STATES,
    TREAT_MISSING,
    Rule,
)
from backend.services.cloudwatch.metric_data import check_queries
from backend.services.cloudwatch.tag_actions import tag_list

MAX_ACTIONS = 5
MAX_NAMES = 100
#: DescribeAlarms' AlarmTypes (LogAlarm is valid; skydeck has none to return).
ALARM_TYPES = ("MetricAlarm", "CompositeAlarm", "LogAlarm")
#: DescribeAlarms members ChildrenOfAlarmName and ParentsOfAlarmName allow beside them.
_FAMILY_COMPANIONS = ("MaxRecords", "NextToken")
#: Action ARNs CloudWatch takes: a topic, an EC2 action, Auto Scaling, Lambda, Systems Manager.
ACTION_ARN = re.compile(
    r"arn:aws:(sns:[a-z0-9-]+:\d{12}:[\w.-]+"
    r"|automate:[a-z0-9-]+:ec2:(stop|terminate|reboot|recover)"
    r"|swf:[a-z0-9-]+:\d{12}:action/actions/AWS_EC2\.InstanceId\.(Stop|Terminate|Reboot)/1\.0"
    r"|autoscaling:[a-z0-9-]+:\d{12}:scalingPolicy:.+"
    r"|lambda:[a-z0-9-]+:\d{12}:function:[\w.:-]+"
    r"|ssm(-incidents)?:[a-z0-9-]+:\d{12}:.+)"
)
#: The single-metric members of PutMetricAlarm, which `Metrics` replaces.
_METRIC_MEMBERS = (
    "MetricName",
    "Namespace",
    "Statistic",
    "ExtendedStatistic",
    "Dimensions",
    "Period",
    "Unit",
)
#: Members the model has that skydeck does not simulate: refused rather than ignored.
_UNSIMULATED = (
    "EvaluationWindow",
    "WarmUpConfiguration",
    "EvaluationCriteria",
    "EvaluationInterval",
    "ActionConfiguration",
)


class AlarmActions(Service):
    """The alarm API; the alarms live in `self.alarms` by (region, name)."""

    alarms: dict[tuple[str, str], MetricAlarm]
    composites: dict[tuple[str, str], CompositeAlarm]
    histories: dict[str, History]
    engine: AlarmEngine
    composite_engine: CompositeEngine

    def history(self, region: str) -> History:
        found = self.histories.get(region)
        if found is None:
            found = self.histories[region] = History()
        return found

    # -- PutMetricAlarm -------------------------------------------------------------------

    @action("PutMetricAlarm")
    def put_metric_alarm(self, params: Params, request: Request) -> Response:
        name = read.text(params, "AlarmName")
        if name is None:
            raise MissingParameter("The parameter AlarmName is required.")
        for member in _UNSIMULATED:
            if params.get(member) is not None:
                raise InvalidParameterValue(
                    f"The parameter {member} is not supported by skydeck's CloudWatch."
                )
        if (request.region, name) in self.composites:
            raise ValidationError(f"The alarm {name} already exists as a composite alarm.")
        config, rule, metrics = _alarm_config(params)
        tags = tag_list(params)
        now = request.now
        key = (request.region, name)
        existing = self.alarms.get(key)
        history = self.history(request.region)
        if existing is None:
            arn = f"arn:aws:cloudwatch:{request.region}:{request.account}:alarm:{name}"
            alarm = MetricAlarm(
                name,
                arn,
                config,
                rule,
                metrics,
                now,
                state_updated=now,
                transitioned=now,
                config_updated=now,
                tags=tags,
            )
            self.alarms[key] = alarm
            history.configuration(alarm, "Create", now)
        else:
            alarm = existing
            alarm.config, alarm.rule, alarm.metrics = config, rule, metrics
            alarm.config_updated = now
            history.configuration(alarm, "Update", now)
        self.engine.watch(alarm)
        return {}

    # -- DescribeAlarms, DescribeAlarmsForMetric ------------------------------------------

    @action("DescribeAlarms", read_only=True)
    def describe_alarms(self, params: Params, request: Request) -> Response:
        limit = _max_records(params, 50)
        family = _family(params)
        members: tuple[str, ...]
        if family is not None:
            found, members = self._family(request.region, *family), FAMILY_MEMBERS
        else:
            found, members = self._matching(params, request.region), ()
        page, token = _page(params, request, [a.name for a in found], limit)
        by_name = {a.name: a for a in found}
        response: Response = {"MetricAlarms": [], "CompositeAlarms": []}
        for name in page:
            alarm = by_name[name]
            described = alarm.describe()
            if members:
                described = {k: v for k, v in described.items() if k in members}
            response[f"{alarm.alarm_type}s"].append(described)
        if token:
            response["NextToken"] = token
        return response

    def _matching(self, params: Params, region: str) -> list[Alarm]:
        """The alarms DescribeAlarms' filters pick: metric alarms, then composites, by name."""
        names = _names(params, "AlarmNames", required=False)
        prefix = params.get("AlarmNamePrefix")
        if names and prefix:
            raise InvalidParameterCombination(
                "AlarmNamePrefix and AlarmNames cannot be specified together."
            )
        state = params.get("StateValue")
        if state is not None and state not in STATES:
            raise read.invalid(state, "StateValue")
        types = params.get("AlarmTypes") or ["MetricAlarm"]
        if not isinstance(types, list):
            raise read.invalid(types, "AlarmTypes")
        for index, kind in enumerate(types, start=1):
            if kind not in ALARM_TYPES:
                raise read.invalid(kind, f"AlarmTypes.member.{index}")
        action_prefix = params.get("ActionPrefix")
        candidates: list[Alarm] = []
        if "MetricAlarm" in types:
            candidates += [a for (r, _), a in sorted(self.alarms.items()) if r == region]
        if "CompositeAlarm" in types:
            candidates += [a for (r, _), a in sorted(self.composites.items()) if r == region]
        return [
            alarm
            for alarm in candidates
            if (not names or alarm.name in names)
            and (not isinstance(prefix, str) or alarm.name.startswith(prefix))
            and (state is None or alarm.state == state)
            and (
                not isinstance(action_prefix, str)
                or any(a.startswith(action_prefix) for s in STATES for a in alarm.actions_for(s))
            )
        ]

    def _family(self, region: str, relation: str, name: str) -> list[Alarm]:
        """ChildrenOfAlarmName's children or ParentsOfAlarmName's parents of alarm `name`."""
        alarm = self.any_alarm(region, name)
        if alarm is None:
            return []
        if relation == "ParentsOfAlarmName":
            return list(self.composite_engine.parents_of(region, alarm))
        if not isinstance(alarm, CompositeAlarm):
            return []
        found = self.composite_engine.children_of(region, alarm)
        return sorted(found, key=lambda a: (a.alarm_type != "MetricAlarm", a.name))

    @action("DescribeAlarmsForMetric", read_only=True)
    def describe_alarms_for_metric(self, params: Params, request: Request) -> Response:
        namespace = read.namespace(params)
        name = read.text(params, "MetricName")
        if name is None:
            raise MissingParameter("The parameter MetricName is required.")
        dims = read.dimensions(params, "")
        wanted = {k: params.get(k) for k in ("Statistic", "ExtendedStatistic", "Period", "Unit")}
        found = []
        for (region, _), alarm in sorted(self.alarms.items()):
            config = alarm.config
            if region != request.region or config.get("Namespace") != namespace:
                continue
            if config.get("MetricName") != name:
                continue
            given = {d["Name"]: d["Value"] for d in config.get("Dimensions") or []}
            if given != dims:
                continue
            if any(v is not None and config.get(k) != v for k, v in wanted.items()):
                continue
            found.append(alarm.describe())
        return {"MetricAlarms": found}

    # -- DescribeAlarmHistory -------------------------------------------------------------

    @action("DescribeAlarmHistory", read_only=True)
    def describe_alarm_history(self, params: Params, request: Request) -> Response:
        name = params.get("AlarmName")
        kind = params.get("HistoryItemType")
        kinds = (
            "ConfigurationUpdate",
            "StateUpdate",
            "Action",
            "AlarmContributorStateUpdate",
            "AlarmContributorAction",
        )
        if kind is not None and kind not in kinds:
            raise read.invalid(kind, "HistoryItemType")
        start = read.timestamp(params, "StartDate")
        end = read.timestamp(params, "EndDate")
        scan_by = params.get("ScanBy", "TimestampDescending")
        if scan_by not in ("TimestampDescending", "TimestampAscending"):
            raise read.invalid(scan_by, "ScanBy")
        limit = _max_records(params, 100)
        types = params.get("AlarmTypes") or ["MetricAlarm"]
        if not isinstance(types, list) or any(t not in ALARM_TYPES for t in types):
            raise read.invalid(types, "AlarmTypes")
        items = [
            item
            for item in self.history(request.region).items
            if item.alarm_type in types
            and (name is None or item.alarm_name == name)
            and (kind is None or item.item_type == kind)
            and (start is None or item.timestamp >= start)
            and (end is None or item.timestamp <= end)
        ]
        if scan_by == "TimestampDescending":
            items.reverse()
        keys = [str(i) for i in range(len(items))]
        page, token = _page(params, request, keys, limit)
        response: Response = {"AlarmHistoryItems": [items[int(k)].describe() for k in page]}
        if token:
            response["NextToken"] = token
        return response

    # -- SetAlarmState, DeleteAlarms, Enable/DisableAlarmActions --------------------------

    @action("SetAlarmState")
    def set_alarm_state(self, params: Params, request: Request) -> Response:
        alarm = self._alarm(params, request)
        state = params.get("StateValue")
        if state is None:
            raise MissingParameter("The parameter StateValue is required.")
        if state not in STATES:
            raise read.invalid(state, "StateValue")
        reason = read.text(params, "StateReason", high=1023)
        if reason is None:
            raise MissingParameter("The parameter StateReason is required.")
        data = params.get("StateReasonData")
        if data is not None:
            try:
                json.loads(str(data))
            except ValueError:
                raise InvalidFormat("StateReasonData is not valid JSON.") from None
        self.engine.change(alarm, request.region, str(state), reason, str(data or ""), request.now)
        return {}

    @action("DeleteAlarms")
    def delete_alarms(self, params: Params, request: Request) -> Response:
        """All or nothing: an unknown name, two composites, or an alarm a remaining
        composite still names refuses the whole call."""
        region = request.region
        names = _names(params, "AlarmNames", required=True)
        missing = [n for n in names if self.any_alarm(region, n) is None]
        if missing:
            raise ResourceNotFound(f"{len(missing)} alarm(s) not found: {', '.join(missing)}")
        doomed = {name: self.any_alarm(region, name) for name in names}
        if sum(isinstance(a, CompositeAlarm) for a in doomed.values()) > 1:
            raise ValidationError("A DeleteAlarms call can delete at most one composite alarm.")
        needed = [
            name
            for name, alarm in doomed.items()
            if alarm is not None
            and any(p.name not in doomed for p in self.composite_engine.parents_of(region, alarm))
        ]
        if needed:
            them = "it" if len(needed) == 1 else "them"
            raise ValidationError(
                f"Cannot delete {','.join(needed)} as there are composite alarm(s) depending "
                f"on {them}."
            )
        for alarm_name in names:
            key = (region, alarm_name)
            alarm = self.alarms.pop(key, None) or self.composites.pop(key)
            self.history(region).configuration(alarm, "Delete", request.now)
        return {}

    @action("EnableAlarmActions")
    def enable_alarm_actions(self, params: Params, request: Request) -> Response:
        return self._actions_enabled(params, request, True)

    @action("DisableAlarmActions")
    def disable_alarm_actions(self, params: Params, request: Request) -> Response:
        return self._actions_enabled(params, request, False)

    def _actions_enabled(self, params: Params, request: Request, enabled: bool) -> Response:
        for alarm_name in _names(params, "AlarmNames", required=True):
            alarm = self.any_alarm(request.region, alarm_name)
            if isinstance(alarm, MetricAlarm | CompositeAlarm) and alarm.actions_enabled != enabled:
                alarm.config["ActionsEnabled"] = enabled
                alarm.config_updated = request.now
                self.history(request.region).configuration(alarm, "Update", request.now)
        return {}

    def _alarm(self, params: Params, request: Request) -> Alarm:
        name = read.text(params, "AlarmName")
        if name is None:
            raise MissingParameter("The parameter AlarmName is required.")
        alarm = self.any_alarm(request.region, name)
        if alarm is None:
            raise ResourceNotFound(f"Alarm {name} not found")
        return alarm

    def any_alarm(self, region: str, name: str) -> MetricAlarm | CompositeAlarm | None:
        """The metric or composite alarm called `name`: the two share one name space."""
        key = (region, name)
        return self.alarms.get(key) or self.composites.get(key)


def _names(params: Params, member: str, *, required: bool) -> list[str]:
    names = params.get(member)
    if names is None:
        if required:
            raise MissingParameter(f"The parameter {member} is required.")
        return []
    if len(names) > MAX_NAMES:
        raise InvalidParameterValue(
            f"The collection {member} must not have a size greater than {MAX_NAMES}."
        )
    return [str(n) for n in names]


def _family(params: Params) -> tuple[str, str] | None:
    """(member, alarm name) of ChildrenOfAlarmName or ParentsOfAlarmName, which take no
    other filter (only paging)."""
    given = [m for m in ("ChildrenOfAlarmName", "ParentsOfAlarmName") if params.get(m) is not None]
    if not given:
        return None
    if len(given) > 1:
        raise ValidationError("ChildrenOfAlarmName and ParentsOfAlarmName cannot be used together.")
    others = [
        k for k, v in params.items() if v is not None and k not in (*given, *_FAMILY_COMPANIONS)
    ]
    if others:
        raise ValidationError(
            f"{given[0]} cannot be used with other filters: {', '.join(sorted(others))}."
        )
    name = read.text(params, given[0])
    assert name is not None
    return given[0], name


def _max_records(params: Params, default: int) -> int:
    limit = params.get("MaxRecords", default)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 100:
        raise read.invalid(limit, "MaxRecords")
    return limit


def _page(params: Params, request: Request, keys: list[str], limit: int) -> tuple[list[str], str]:
    scope = fingerprint(params, request.region, ignore=("NextToken", "MaxRecords"))
    start = 0
    token = params.get("NextToken")
    if token is not None:
        position = decode_token(str(token), scope, InvalidNextToken, "The NextToken is invalid.")
        if not isinstance(position, int) or position < 0:
            raise InvalidNextToken("The NextToken is invalid.")
        start = position
    page = keys[start : start + limit]
    more = start + limit < len(keys)
    return page, encode_token(scope, start + limit) if more else ""


def action_lists(params: Params) -> dict[str, list[str]]:
    """OKActions, AlarmActions and InsufficientDataActions: at most five ARNs CloudWatch
    can act on in each, whichever kind of alarm they belong to."""
    actions: dict[str, list[str]] = {}
    for member in ("OKActions", "AlarmActions", "InsufficientDataActions"):
        given = params.get(member) or []
        if not isinstance(given, list):
            raise read.invalid(given, member)
        arns = [str(a) for a in given]
        if len(arns) > MAX_ACTIONS:
            raise InvalidParameterValue(
                f"The collection {member} must not have a size greater than {MAX_ACTIONS}."
            )
        for index, arn in enumerate(arns, start=1):
            if not ACTION_ARN.fullmatch(arn):
                raise read.invalid(arn, f"{member}.member.{index}")
        actions[member] = arns
    return actions


def _alarm_config(params: Params) -> tuple[dict[str, Any], Rule, list[dict[str, Any]]]:
    """The alarm's configuration as DescribeAlarms will return it, and the rule it judges by."""
    metrics = params.get("Metrics")
    single = [m for m in _METRIC_MEMBERS if params.get(m) is not None]
    if metrics is not None and single:
        raise InvalidParameterCombination(
            f"The parameters Metrics and {single[0]} are mutually exclusive and you have "
            "specified both."
        )
    n = params.get("EvaluationPeriods")
    if n is None:
        raise MissingParameter("The parameter EvaluationPeriods is required.")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise read.invalid(n, "EvaluationPeriods")
    m = params.get("DatapointsToAlarm", n)
    if isinstance(m, bool) or not isinstance(m, int) or m < 1:
        raise read.invalid(m, "DatapointsToAlarm")
    if m > n:
        raise InvalidParameterValue(
            "DatapointsToAlarm must be less than or equal to EvaluationPeriods."
        )
    operator = params.get("ComparisonOperator")
    if operator is None:
        raise MissingParameter("The parameter ComparisonOperator is required.")
    if operator not in OPERATORS:
        raise read.invalid(operator, "ComparisonOperator")
    threshold = params.get("Threshold")
    threshold_id = params.get("ThresholdMetricId")
    if operator in BAND_OPERATORS:
        if threshold_id is None:
            raise InvalidParameterCombination(
                f"ComparisonOperator {operator} requires ThresholdMetricId."
            )
        if threshold is not None:
            raise InvalidParameterCombination(
                "The parameters Threshold and ThresholdMetricId are mutually exclusive."
            )
    else:
        if threshold is None:
            raise MissingParameter("The parameter Threshold is required.")
        threshold = read.number(threshold, "Threshold")
        if threshold_id is not None:
            raise InvalidParameterCombination(
                f"ThresholdMetricId can only be used with the band operators, not {operator}."
            )
    treat = params.get("TreatMissingData", "missing")
    if treat not in TREAT_MISSING:
        raise read.invalid(treat, "TreatMissingData")
    low_samples = params.get("EvaluateLowSampleCountPercentile")
    if low_samples is not None and low_samples not in ("evaluate", "ignore"):
        raise read.invalid(low_samples, "EvaluateLowSampleCountPercentile")
    actions = action_lists(params)
    config: dict[str, Any] = {
        "AlarmDescription": params.get("AlarmDescription", ""),
        "ActionsEnabled": params.get("ActionsEnabled", True),
        **actions,
        "EvaluationPeriods": n,
        "DatapointsToAlarm": m,
        "ComparisonOperator": operator,
        "TreatMissingData": treat,
    }
    if low_samples is not None:
        config["EvaluateLowSampleCountPercentile"] = low_samples
    if threshold is not None:
        config["Threshold"] = threshold
    if threshold_id is not None:
        config["ThresholdMetricId"] = threshold_id
    if metrics is not None:
        period, statistic, unit = _math_alarm(metrics, threshold_id)
        config["Metrics"] = metrics
        query_list = list(metrics)
    else:
        period, statistic, unit = _single_metric(params, config)
        query_list = []
    limit = 86_400 if period < 3600 else 604_800
    if period * n > limit:
        raise InvalidParameterValue(
            f"The evaluation period multiplied by the number of periods must not exceed "
            f"{limit} seconds."
        )
    rule = Rule(period, n, m, operator, threshold, treat, statistic, unit)
    return config, rule, query_list


def _single_metric(params: Params, config: dict[str, Any]) -> tuple[int, str, str | None]:
    namespace = read.namespace(params)
    name = read.text(params, "MetricName")
    if name is None:
        raise MissingParameter("The parameter MetricName is required.")
    dims = read.dimensions(params, "")
    statistic, extended = params.get("Statistic"), params.get("ExtendedStatistic")
    if statistic is None and extended is None:
        raise MissingParameter("Must specify either Statistic or ExtendedStatistic.")
    if statistic is not None and extended is not None:
        raise InvalidParameterCombination(
            "The parameters Statistic and ExtendedStatistic are mutually exclusive and you "
            "have specified both."
        )
    if statistic is not None and statistic not in STATISTICS:
        raise read.invalid(statistic, "Statistic")
    if extended is not None and not is_extended(str(extended)):
        raise read.invalid(extended, "ExtendedStatistic")
    period = read.alarm_period(params)
    unit = read.unit(params)
    config.update(
        {
            "Namespace": namespace,
            "MetricName": name,
            "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
            "Period": period,
        }
    )
    if statistic is not None:
        config["Statistic"] = statistic
    else:
        config["ExtendedStatistic"] = extended
    if unit is not None:
        config["Unit"] = unit
    return period, str(statistic or extended), unit


def _math_alarm(metrics: list[Any], threshold_id: str | None) -> tuple[int, str, str | None]:
    """A metric-math alarm's queries: exactly one returns the data the alarm judges."""
    queries = check_queries(metrics, "Metrics")
    returned = [q for q in queries if q.get("ReturnData", True) and q["Id"] != threshold_id]
    if len(returned) != 1:
        raise InvalidParameterValue(
            "Exactly one element of the metrics list should return data, besides the one "
            "ThresholdMetricId names."
        )
    if threshold_id is not None and threshold_id not in {q["Id"] for q in queries}:
        raise InvalidParameterValue(f"ThresholdMetricId {threshold_id} is not in Metrics.")
    stats = [q for q in queries if "MetricStat" in q]
    chosen = returned[0]
    if "MetricStat" in chosen:
        return int(chosen["MetricStat"]["Period"]), str(chosen["MetricStat"]["Stat"]), None
    period = chosen.get("Period") or (stats[0]["MetricStat"]["Period"] if stats else None)
    if period is None:
        raise MissingParameter("The parameter Metrics.member.1.Period is required.")
    return int(period), "", None
