"""Composite alarms: the AlarmRule grammar, judgement as children move, history and actions.

Children are metric alarms on `Shop/<name>` (Maximum over a minute, above 5,
missing data ignored), moved either by data on the manual clock or by
SetAlarmState; the composites follow at once, since AWS judges a composite
when a child changes, not on a timer.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from backend.cloud import Cloud
from backend.services.cloudwatch.composite import (
    Both,
    Child,
    Constant,
    Either,
    Not,
    RuleError,
    parse,
    truth,
)
from tests.backend.helpers import cw, cw_error

NS = "Shop"
REGION_ARN = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:"


async def child(cloud: Cloud, *names: str) -> None:
    for name in names:
        await cw(
            cloud,
            "PutMetricAlarm",
            AlarmName=name,
            Namespace=NS,
            MetricName=name,
            Statistic="Maximum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=5.0,
            ComparisonOperator="GreaterThanThreshold",
            TreatMissingData="ignore",
        )


async def force(cloud: Cloud, name: str, state: str) -> None:
    await cw(cloud, "SetAlarmState", AlarmName=name, StateValue=state, StateReason="test")


async def composite(cloud: Cloud, name: str) -> dict[str, Any]:
    found = await cw(cloud, "DescribeAlarms", AlarmNames=[name], AlarmTypes=["CompositeAlarm"])
    [described] = found["CompositeAlarms"]
    assert isinstance(described, dict)
    return described


# -- the grammar ----------------------------------------------------------------------------

A, B = Child("ALARM", "a"), Child("ALARM", "b")


@pytest.mark.parametrize(
    ("rule", "tree"),
    [
        ("ALARM(a)", A),
        ('ALARM("a")', A),
        ('ALARM( "cpu high" )', Child("ALARM", "cpu high")),
        ("OK(a)", Child("OK", "a")),
        ("INSUFFICIENT_DATA(a)", Child("INSUFFICIENT_DATA", "a")),
        (f"ALARM({REGION_ARN}a)", Child("ALARM", f"{REGION_ARN}a")),
        ("TRUE", Constant(True)),
        ("FALSE", Constant(False)),
        ("NOT ALARM(a)", Not(A)),
        ("ALARM(a) AND ALARM(b)", Both((A, B))),
        ("ALARM(a) OR ALARM(b) OR TRUE", Either((A, B, Constant(True)))),
        ("ALARM(a) OR ALARM(b) AND FALSE", Either((A, Both((B, Constant(False)))))),
        ("(ALARM(a) OR ALARM(b)) AND NOT OK(c)", Both((Either((A, B)), Not(Child("OK", "c"))))),
        ("NOT NOT (TRUE)", Not(Not(Constant(True)))),
    ],
)
def test_valid_rules_parse_to_their_tree(rule: str, tree: object) -> None:
    assert parse(rule) == tree


@pytest.mark.parametrize(
    ("rule", "says"),
    [
        ("", "leading or trailing whitespace or be null"),
        (" ALARM(a)", "leading or trailing whitespace"),
        ("ALARM(a) AND", "ends where an operand is expected"),
        ("(ALARM(a)", "ends where an operand is expected"),
        ("ALARM(a))", "unexpected )"),
        ("ALARM(a) ALARM(b)", "unexpected ALARM(b)"),
        ("AND ALARM(a)", "unexpected AND"),
        ("ALARMS(a)", "unknown function ALARMS"),
        ("ALARM()", "ALARM() must name an alarm"),
        ("alarm(a)", "unexpected word alarm"),
        ("true", "unexpected word true"),
        ("ALARM(a) && ALARM(b)", "unexpected character '&'"),
        pytest.param("NOT " * 101 + "TRUE", "nested more than 100", id="too deep"),
        pytest.param("TRUE OR " * 500 + "TRUE", "more than 500 elements", id="too long"),
        pytest.param(
            " OR ".join(f"ALARM(a{i})" for i in range(101)),
            "more than 100 alarms",
            id="too many children",
        ),
        pytest.param("ALARM(" + "a" * 10_240 + ")", "at most 10240 characters", id="too big"),
    ],
)
def test_invalid_rules_are_refused_saying_why(rule: str, says: str) -> None:
    with pytest.raises(RuleError) as info:
        parse(rule)
    assert says in str(info.value)


def test_truth_follows_the_named_states() -> None:
    states = {"a": "ALARM", "b": "OK"}
    rule = parse("ALARM(a) AND (OK(b) OR INSUFFICIENT_DATA(c)) AND NOT ALARM(b)")
    assert truth(rule, lambda name: states.get(name, "INSUFFICIENT_DATA"))
    states["a"] = "OK"
    assert not truth(rule, lambda name: states.get(name, "INSUFFICIENT_DATA"))


# -- PutCompositeAlarm ----------------------------------------------------------------------


async def test_a_composite_is_judged_at_creation_and_follows_its_children(cloud: Cloud) -> None:
    await child(cloud, "a", "b")
    await cw(cloud, "PutCompositeAlarm", AlarmName="both", AlarmRule="ALARM(a) AND ALARM(b)")
    described = await composite(cloud, "both")
    assert described["StateValue"] == "OK"
    assert described["StateReason"] == (
        f"{REGION_ARN}both was created and its alarm rule evaluates to OK"
    )
    assert described["AlarmRule"] == "ALARM(a) AND ALARM(b)"
    # a breaches on the clock: one of two, still OK
    await cw(cloud, "PutMetricData", Namespace=NS, MetricData=[{"MetricName": "a", "Value": 9}])
    await cloud.clock.advance(120)
    assert (await composite(cloud, "both"))["StateValue"] == "OK"
    await force(cloud, "b", "ALARM")
    described = await composite(cloud, "both")
    assert described["StateValue"] == "ALARM"
    assert described["StateReason"] == (
        f"{REGION_ARN}b transitioned to ALARM at Sunday 29 November, 2026 09:02:00 UTC"
    )
    data = json.loads(described["StateReasonData"])
    assert [t["arn"] for t in data["triggeringAlarms"]] == [f"{REGION_ARN}a", f"{REGION_ARN}b"]
    assert data["triggeringAlarms"][1]["state"] == {
        "value": "ALARM",
        "timestamp": "2026-11-29T09:02:00.000+0000",
    }
    await force(cloud, "a", "OK")
    assert (await composite(cloud, "both"))["StateValue"] == "OK"


async def test_composites_of_composites_follow_in_turn(cloud: Cloud) -> None:
    await child(cloud, "a")
    await cw(cloud, "PutCompositeAlarm", AlarmName="inner", AlarmRule="ALARM(a)")
    await cw(
        cloud,
        "PutCompositeAlarm",
        AlarmName="outer",
        AlarmRule=f'ALARM("{REGION_ARN}inner") AND TRUE',
    )
    await force(cloud, "a", "ALARM")
    assert (await composite(cloud, "inner"))["StateValue"] == "ALARM"
    assert (await composite(cloud, "outer"))["StateValue"] == "ALARM"


async def test_a_cycle_stops_the_evaluation_instead_of_looping(cloud: Cloud) -> None:
    await cw(cloud, "PutCompositeAlarm", AlarmName="c1", AlarmRule="TRUE")
    await cw(cloud, "PutCompositeAlarm", AlarmName="c2", AlarmRule="ALARM(c1)")
    assert (await composite(cloud, "c2"))["StateValue"] == "ALARM"
    # c1 now names c2, which names c1: AWS lets an update close the loop.
    await cw(cloud, "PutCompositeAlarm", AlarmName="c1", AlarmRule="NOT ALARM(c2)")
    await force(cloud, "c1", "ALARM")
    states = {(await composite(cloud, n))["StateValue"] for n in ("c1", "c2")}
    assert states <= {"OK", "ALARM"}
    error = await cw_error(cloud, "DeleteAlarms", AlarmNames=["c1"])
    assert "composite alarm(s) depending on it" in error.message


async def test_put_composite_alarm_refuses_what_aws_refuses(cloud: Cloud) -> None:
    await child(cloud, "a")
    error = await cw_error(
        cloud, "PutCompositeAlarm", AlarmName="x", AlarmRule="ALARM(a) OR ALARM(gone)"
    )
    assert (error.code, error.message) == (
        "ValidationError",
        "Could not save the composite alarm as alarms [gone] in the alarm rule do not exist",
    )
    error = await cw_error(cloud, "PutCompositeAlarm", AlarmName="x", AlarmRule="ALARM(a) AND")
    assert error.code == "ValidationError"
    error = await cw_error(cloud, "PutCompositeAlarm", AlarmName="x")
    assert error.legacy_code == "MissingParameter"
    error = await cw_error(cloud, "PutCompositeAlarm", AlarmName="a", AlarmRule="TRUE")
    assert "already exists as a metric alarm" in error.message
    error = await cw_error(
        cloud, "PutCompositeAlarm", AlarmName="x", AlarmRule="TRUE", AlarmActions=["nope"]
    )
    assert error.legacy_code == "InvalidParameterValue"
    error = await cw_error(
        cloud, "PutCompositeAlarm", AlarmName="x", AlarmRule="TRUE", ActionsSuppressor="a"
    )
    assert "ActionsSuppressorWaitPeriod is required" in error.message
    error = await cw_error(
        cloud,
        "PutCompositeAlarm",
        AlarmName="x",
        AlarmRule="TRUE",
        ActionsSuppressorWaitPeriod=60,
    )
    assert "can only be used with ActionsSuppressor" in error.message
    error = await cw_error(cloud, "PutMetricAlarm", AlarmName="x", AlarmRule="TRUE")
    assert error.legacy_code == "MissingParameter"
    found = await cw(cloud, "DescribeAlarms", AlarmTypes=["CompositeAlarm"])
    assert found["CompositeAlarms"] == []


async def test_suppressor_settings_are_described(cloud: Cloud) -> None:
    await child(cloud, "a", "maintenance")
    await cw(
        cloud,
        "PutCompositeAlarm",
        AlarmName="svc",
        AlarmRule="ALARM(a)",
        ActionsSuppressor="maintenance",
        ActionsSuppressorWaitPeriod=120,
        ActionsSuppressorExtensionPeriod=180,
    )
    described = await composite(cloud, "svc")
    assert (
        described["ActionsSuppressor"],
        described["ActionsSuppressorWaitPeriod"],
        described["ActionsSuppressorExtensionPeriod"],
    ) == ("maintenance", 120, 180)


MISSING_TOPIC = "arn:aws:sns:us-east-1:123456789012:missing"


async def suppressed(cloud: Cloud, wait: int, extension: int) -> None:
    """Composite `svc` on child `a`, its ALARM actions held by alarm `maint`."""
    await child(cloud, "a", "maint")
    await cw(
        cloud,
        "PutCompositeAlarm",
        AlarmName="svc",
        AlarmRule="ALARM(a)",
        AlarmActions=[MISSING_TOPIC],
        ActionsSuppressor="maint",
        ActionsSuppressorWaitPeriod=wait,
        ActionsSuppressorExtensionPeriod=extension,
    )


async def actions_taken(cloud: Cloud) -> int:
    await cloud.clock.settle()
    history = await cw(
        cloud,
        "DescribeAlarmHistory",
        AlarmName="svc",
        AlarmTypes=["CompositeAlarm"],
        HistoryItemType="Action",
    )
    return len(history["AlarmHistoryItems"])


async def test_actions_wait_for_the_suppressor_then_run(cloud: Cloud) -> None:
    await suppressed(cloud, wait=120, extension=180)
    await force(cloud, "a", "ALARM")
    described = await composite(cloud, "svc")
    assert described["StateValue"] == "ALARM"
    assert (described["ActionsSuppressedBy"], described["ActionsSuppressedReason"]) == (
        "WaitPeriod",
        "Actions suppressed by WaitPeriod",
    )
    await cloud.clock.advance(119)
    assert await actions_taken(cloud) == 0
    await cloud.clock.advance(1)
    assert await actions_taken(cloud) == 1
    assert "ActionsSuppressedBy" not in await composite(cloud, "svc")
    await cloud.clock.advance(3600)
    assert await actions_taken(cloud) == 1


async def test_a_suppressor_in_alarm_holds_the_actions_until_its_extension_ends(
    cloud: Cloud,
) -> None:
    await suppressed(cloud, wait=60, extension=180)
    await force(cloud, "a", "ALARM")
    await force(cloud, "maint", "ALARM")
    assert (await composite(cloud, "svc"))["ActionsSuppressedBy"] == "Alarm"
    await cloud.clock.advance(600)
    assert await actions_taken(cloud) == 0
    await force(cloud, "maint", "OK")
    assert (await composite(cloud, "svc"))["ActionsSuppressedBy"] == "ExtensionPeriod"
    await cloud.clock.advance(179)
    assert await actions_taken(cloud) == 0
    await cloud.clock.advance(1)
    assert await actions_taken(cloud) == 1


async def test_a_composite_that_leaves_alarm_drops_its_held_actions(cloud: Cloud) -> None:
    await suppressed(cloud, wait=60, extension=60)
    await force(cloud, "maint", "ALARM")
    await force(cloud, "a", "ALARM")
    assert (await composite(cloud, "svc"))["ActionsSuppressedBy"] == "Alarm"
    await force(cloud, "a", "OK")
    assert "ActionsSuppressedBy" not in await composite(cloud, "svc")
    await force(cloud, "maint", "OK")
    await cloud.clock.advance(600)
    assert await actions_taken(cloud) == 0


async def test_history_records_configuration_state_and_actions(cloud: Cloud) -> None:
    await child(cloud, "a")
    topic = "arn:aws:sns:us-east-1:123456789012:missing"
    await cw(
        cloud, "PutCompositeAlarm", AlarmName="svc", AlarmRule="ALARM(a)", AlarmActions=[topic]
    )
    await force(cloud, "a", "ALARM")
    await cloud.clock.settle()
    await cw(cloud, "PutCompositeAlarm", AlarmName="svc", AlarmRule="ALARM(a) OR FALSE")
    history = await cw(
        cloud,
        "DescribeAlarmHistory",
        AlarmName="svc",
        AlarmTypes=["CompositeAlarm"],
        ScanBy="TimestampAscending",
    )
    items = history["AlarmHistoryItems"]
    assert [(i["HistoryItemType"], i["HistorySummary"]) for i in items] == [
        ("ConfigurationUpdate", 'Alarm "svc" created'),
        ("StateUpdate", "Alarm updated from INSUFFICIENT_DATA to OK"),
        ("StateUpdate", "Alarm updated from OK to ALARM"),
        ("Action", f"Failed to execute action {topic}"),
        ("ConfigurationUpdate", 'Alarm "svc" updated'),
    ]
    assert {i["AlarmType"] for i in items} == {"CompositeAlarm"}
    # Without AlarmTypes only metric alarms' history comes back, as in AWS.
    metric_only = await cw(cloud, "DescribeAlarmHistory", AlarmName="svc")
    assert metric_only["AlarmHistoryItems"] == []


async def test_a_composite_notifies_a_topic_and_its_queue_gets_the_message(cloud: Cloud) -> None:
    topic = (await cloud.call("sns", "CreateTopic", {"Name": "ops"}))["TopicArn"]
    url = (await cloud.call("sqs", "CreateQueue", {"QueueName": "ops-inbox"}))["QueueUrl"]
    queue_arn = "arn:aws:sqs:us-east-1:123456789012:ops-inbox"
    await cloud.call(
        "sns", "Subscribe", {"TopicArn": topic, "Protocol": "sqs", "Endpoint": queue_arn}
    )
    await child(cloud, "a", "b")
    await cw(
        cloud,
        "PutCompositeAlarm",
        AlarmName="either",
        AlarmRule="ALARM(a) OR ALARM(b)",
        AlarmActions=[topic],
        AlarmDescription="one is enough",
    )
    await force(cloud, "b", "ALARM")
    await cloud.clock.settle()
    [message] = (await cloud.call("sqs", "ReceiveMessage", {"QueueUrl": url}))["Messages"]
    envelope = json.loads(message["Body"])
    assert envelope["Subject"] == 'ALARM: "either" in US East (N. Virginia)'
    notice = json.loads(envelope["Message"])
    assert notice["AlarmRule"] == "ALARM(a) OR ALARM(b)"
    assert (notice["NewStateValue"], notice["OldStateValue"]) == ("ALARM", "OK")
    assert notice["TriggeringChildren"] == [
        {
            "Arn": f"{REGION_ARN}b",
            "State": {"Value": "ALARM", "Timestamp": notice["StateChangeTime"]},
        }
    ]
    assert "Trigger" not in notice


async def test_disabled_actions_and_set_alarm_state_work_on_composites(cloud: Cloud) -> None:
    await child(cloud, "a")
    topic = "arn:aws:sns:us-east-1:123456789012:missing"
    await cw(
        cloud, "PutCompositeAlarm", AlarmName="svc", AlarmRule="ALARM(a)", AlarmActions=[topic]
    )
    await cw(cloud, "DisableAlarmActions", AlarmNames=["svc"])
    assert (await composite(cloud, "svc"))["ActionsEnabled"] is False
    await cw(cloud, "SetAlarmState", AlarmName="svc", StateValue="ALARM", StateReason="drill")
    await cloud.clock.settle()
    described = await composite(cloud, "svc")
    assert (described["StateValue"], described["StateReason"]) == ("ALARM", "drill")
    actions = await cw(
        cloud,
        "DescribeAlarmHistory",
        AlarmName="svc",
        AlarmTypes=["CompositeAlarm"],
        HistoryItemType="Action",
    )
    assert actions["AlarmHistoryItems"] == []
    await cw(cloud, "EnableAlarmActions", AlarmNames=["svc"])
    assert (await composite(cloud, "svc"))["ActionsEnabled"] is True


# -- DescribeAlarms and DeleteAlarms --------------------------------------------------------


async def test_describe_alarms_filters_composites(cloud: Cloud) -> None:
    await child(cloud, "m1", "m2")
    for name in ("c1", "c2", "c3"):
        await cw(cloud, "PutCompositeAlarm", AlarmName=name, AlarmRule="ALARM(m1)")
    default = await cw(cloud, "DescribeAlarms")
    assert [a["AlarmName"] for a in default["MetricAlarms"]] == ["m1", "m2"]
    assert default["CompositeAlarms"] == []
    both = ["MetricAlarm", "CompositeAlarm"]
    pages: list[list[str]] = []
    token: str | None = None
    while True:
        extra = {"NextToken": token} if token else {}
        page = await cw(cloud, "DescribeAlarms", AlarmTypes=both, MaxRecords=2, **extra)
        pages.append([a["AlarmName"] for a in page["MetricAlarms"] + page["CompositeAlarms"]])
        token = page.get("NextToken")
        if token is None:
            break
    assert pages == [["m1", "m2"], ["c1", "c2"], ["c3"]]
    prefixed = await cw(cloud, "DescribeAlarms", AlarmTypes=both, AlarmNamePrefix="c")
    assert [a["AlarmName"] for a in prefixed["CompositeAlarms"]] == ["c1", "c2", "c3"]
    ok = await cw(cloud, "DescribeAlarms", AlarmTypes=["CompositeAlarm"], StateValue="OK")
    assert len(ok["CompositeAlarms"]) == 3
    error = await cw_error(cloud, "DescribeAlarms", AlarmTypes=["Nope"])
    assert error.legacy_code == "InvalidParameterValue"


async def test_children_and_parents_give_names_and_states_only(cloud: Cloud) -> None:
    await child(cloud, "a", "b")
    await cw(cloud, "PutCompositeAlarm", AlarmName="mid", AlarmRule="ALARM(a)")
    await cw(cloud, "PutCompositeAlarm", AlarmName="top", AlarmRule="ALARM(mid) OR ALARM(b)")
    kids = await cw(cloud, "DescribeAlarms", ChildrenOfAlarmName="top")
    assert [a["AlarmName"] for a in kids["MetricAlarms"]] == ["b"]
    assert [a["AlarmName"] for a in kids["CompositeAlarms"]] == ["mid"]
    assert set(kids["CompositeAlarms"][0]) == {
        "AlarmName",
        "AlarmArn",
        "StateValue",
        "StateUpdatedTimestamp",
    }
    parents = await cw(cloud, "DescribeAlarms", ParentsOfAlarmName="a")
    assert [a["AlarmName"] for a in parents["CompositeAlarms"]] == ["mid"]
    assert parents["MetricAlarms"] == []
    error = await cw_error(cloud, "DescribeAlarms", ChildrenOfAlarmName="top", StateValue="OK")
    assert "cannot be used with other filters" in error.message
    error = await cw_error(
        cloud, "DescribeAlarms", ChildrenOfAlarmName="top", ParentsOfAlarmName="a"
    )
    assert "cannot be used together" in error.message


async def test_delete_alarms_guards_what_composites_need(cloud: Cloud) -> None:
    await child(cloud, "a", "b")
    await cw(cloud, "PutCompositeAlarm", AlarmName="p1", AlarmRule="ALARM(a)")
    await cw(cloud, "PutCompositeAlarm", AlarmName="p2", AlarmRule="ALARM(a) OR ALARM(b)")
    error = await cw_error(cloud, "DeleteAlarms", AlarmNames=["a", "b"])
    assert error.message == ("Cannot delete a,b as there are composite alarm(s) depending on them.")
    error = await cw_error(cloud, "DeleteAlarms", AlarmNames=["p1", "p2"])
    assert "at most one composite alarm" in error.message
    # A composite and the child only it still needs go together.
    await cw(cloud, "DeleteAlarms", AlarmNames=["b", "p2"])
    found = await cw(cloud, "DescribeAlarms", AlarmTypes=["MetricAlarm", "CompositeAlarm"])
    assert [a["AlarmName"] for a in found["MetricAlarms"]] == ["a"]
    assert [a["AlarmName"] for a in found["CompositeAlarms"]] == ["p1"]
    history = await cw(cloud, "DescribeAlarmHistory", AlarmName="p2", AlarmTypes=["CompositeAlarm"])
    assert history["AlarmHistoryItems"][0]["HistorySummary"] == 'Alarm "p2" deleted'
