"""The [cloudwatch] scenario section, the headless summary and the demo's alarms."""

from __future__ import annotations

import pytest

from backend.headless import format_summary, run_headless
from backend.registry import Registration
from backend.scenarios import ScenarioError, apply, load_scenario, parse_scenario
from backend.services import new_cloud, sqs
from backend.services.cloudwatch import REGISTRATION, CloudWatchService

REGISTRY: tuple[Registration, ...] = (sqs.REGISTRATION, REGISTRATION)

WATCHED = """
[scenario]
name = "watched"
start = 2026-01-01T00:00:00Z

[[sqs.queue]]
name = "jobs"

[[cloudwatch.alarm]]
name = "jobs-waiting"
namespace = "AWS/SQS"
metric = "ApproximateNumberOfMessagesVisible"
dimensions = { QueueName = "jobs" }
statistic = "Maximum"
period = "1m"
evaluation_periods = 2
comparison = "GreaterThanOrEqualToThreshold"
threshold = 10
alarm_actions = ["ops", "arn:aws:automate:us-east-1:ec2:stop"]

[[actor]]
kind = "sqs-producer"
name = "flood"
queue = "jobs"
rate = 1
"""


async def test_an_alarm_in_a_scenario_is_put_and_judged_as_the_run_goes() -> None:
    scenario = parse_scenario(WATCHED, "watched.toml", REGISTRY)
    summary = await run_headless(scenario, 600, registry=REGISTRY)
    lines = format_summary(summary).splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("alarm "))
    assert lines[header + 1].split()[:3] == ["jobs-waiting", "ALARM", "2"]


async def test_topic_names_become_topic_arns_in_the_scenarios_region() -> None:
    scenario = parse_scenario(WATCHED, "watched.toml", REGISTRY)
    cloud = new_cloud(REGISTRY, start=scenario.start)
    await apply(scenario, cloud, REGISTRY)
    [alarm] = cloud.service(CloudWatchService).alarms.values()
    assert alarm.actions_for("ALARM") == [
        "arn:aws:sns:us-east-1:123456789012:ops",
        "arn:aws:automate:us-east-1:ec2:stop",
    ]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("threshold = 10", 'threshold = "ten"'), "threshold must be a int or float"),
        (('period = "1m"', 'period = "45s"'), "The parameter Period must be 10, 20, 30"),
        (
            ('comparison = "GreaterThanOrEqualToThreshold"', 'comparison = "Bigger"'),
            "alarm 'jobs-waiting': InvalidParameterValueException: The value Bigger",
        ),
        (
            ("evaluation_periods = 2", "evaluation_periods = 2\ncolour = 1"),
            "unknown key(s): colour",
        ),
        (('alarm_actions = ["ops"', "alarm_actions = [1"), "alarm_actions must be a list"),
    ],
)
async def test_a_bad_alarm_says_where_and_why(change: tuple[str, str], problem: str) -> None:
    text = WATCHED.replace(*change)
    with pytest.raises(ScenarioError) as info:
        scenario = parse_scenario(text, "watched.toml", REGISTRY)
        await apply(scenario, new_cloud(REGISTRY, start=scenario.start), REGISTRY)
    message = str(info.value)
    assert "watched.toml" in message
    assert problem in message


async def test_the_demo_alarms_on_orders_go_off_and_recover_within_the_hour() -> None:
    summary = await run_headless(load_scenario("demo"), 3600)
    lines = format_summary(summary).splitlines()
    backlog = next(line for line in lines if line.startswith("orders-backlog"))
    throttled = next(line for line in lines if line.startswith("clickstream-throttled"))
    # INSUFFICIENT_DATA -> OK, then ALARM and OK again at each traffic peak it catches.
    assert backlog.split()[1] == "OK" and int(backlog.split()[2]) >= 5
    assert throttled.split()[1] == "ALARM"
    # The workers' log: the metric filter's errors trip orders-errors in the burst at
    # minute 20 and it recovers after (INSUFFICIENT_DATA -> OK -> ALARM -> OK).
    errors = next(line for line in lines if line.startswith("orders-errors"))
    assert errors.split()[1:3] == ["OK", "3"]
    # The composite follows both: ALARM while either is, OK once neither is.
    degraded = next(line for line in lines if line.startswith("orders-degraded"))
    assert degraded.split()[1] == "OK" and int(degraded.split()[2]) >= 3
    assert degraded.endswith('rule ALARM("orders-backlog") OR ALARM("orders-errors")')


async def test_the_anomaly_scenario_alarm_waits_for_a_band_then_judges() -> None:
    """No band for the first ten periods (INSUFFICIENT_DATA), then judged against one.

    The whole story (three days of learning, the storm caught on the fourth
    afternoon) takes half a minute headless: the model's part of it is
    tested on its own in test_cloudwatch_anomaly.py.
    """
    summary = await run_headless(load_scenario("anomaly"), 100 * 60)
    cloudwatch = summary.cloud.service(CloudWatchService)
    [alarm] = cloudwatch.alarms.values()
    assert alarm.state == "INSUFFICIENT_DATA"
    summary = await run_headless(load_scenario("anomaly"), 110 * 60)
    [alarm] = summary.cloud.service(CloudWatchService).alarms.values()
    assert alarm.state == "OK"
    assert "Threshold Crossed" in alarm.reason
    text = format_summary(summary)
    assert "ad1 = ANOMALY_DETECTION_BAND(m1, 2)" in text
    assert "m1 = AWS/Kinesis IncomingRecords StreamName=clicks" in text


async def test_a_composite_alarm_is_put_after_the_alarms_its_rule_names() -> None:
    text = WATCHED + (
        '\n[[cloudwatch.composite_alarm]]\nname = "jobs-trouble"\n'
        'rule = \'ALARM("jobs-waiting")\'\nalarm_actions = ["ops"]\n'
    )
    scenario = parse_scenario(text, "watched.toml", REGISTRY)
    summary = await run_headless(scenario, 600, registry=REGISTRY)
    [composite] = summary.cloud.service(CloudWatchService).composites.values()
    assert composite.state == "ALARM"
    assert composite.actions_for("ALARM") == ["arn:aws:sns:us-east-1:123456789012:ops"]


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ("'ALARM(\"nobody\")'", "alarm 'jobs-trouble': ValidationError:"),
        ("1", "rule must be a str"),
    ],
)
async def test_a_bad_composite_alarm_says_where_and_why(rule: str, problem: str) -> None:
    text = WATCHED + f'\n[[cloudwatch.composite_alarm]]\nname = "jobs-trouble"\nrule = {rule}\n'
    with pytest.raises(ScenarioError) as info:
        scenario = parse_scenario(text, "watched.toml", REGISTRY)
        await apply(scenario, new_cloud(REGISTRY, start=scenario.start), REGISTRY)
    assert problem in str(info.value)


async def test_a_composite_may_not_share_a_metric_alarms_name() -> None:
    text = WATCHED + '\n[[cloudwatch.composite_alarm]]\nname = "jobs-waiting"\nrule = "TRUE"\n'
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "watched.toml", REGISTRY)
    assert "jobs-waiting" in str(info.value)
