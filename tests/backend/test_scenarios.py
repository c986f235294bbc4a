"""Scenario files: parsing, the errors a person gets, and what applying one creates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backend.scenarios import ScenarioError, apply, builtin_names, load_scenario, parse_scenario
from backend.services import new_cloud
from backend.services.sqs import SqsService

MINIMAL = """
[scenario]
name = "mini"
start = 2026-01-01T00:00:00Z
seed = 3

[[sqs.queue]]
name = "jobs-dlq"

[[sqs.queue]]
name = "jobs"
dead_letter_queue = "jobs-dlq"
max_receive_count = 2
attributes = { VisibilityTimeout = 45 }

[[actor]]
kind = "sqs-producer"
name = "jobs-api"
queue = "jobs"
rate = 2

[[actor]]
kind = "sqs-consumer"
name = "jobs-worker"
queue = "jobs"
wait_time = 0
process = { min = "1s", max = "2s" }
"""


def test_demo_is_built_in_and_loads() -> None:
    assert "demo" in builtin_names()
    demo = load_scenario("demo")
    assert demo.name == "demo"
    assert demo.defines("queue") >= {"orders", "orders-dlq", "payments.fifo"}
    assert demo.seed == 7


def test_parse_fills_defaults_and_shorthands() -> None:
    scenario = parse_scenario(MINIMAL, "mini.toml")
    assert scenario.start == 1767225600.0
    jobs = next(q for q in scenario.sections["sqs"].queues if q.name == "jobs")
    assert jobs.attributes["VisibilityTimeout"] == "45"
    assert json.loads(jobs.attributes["RedrivePolicy"]) == {
        "deadLetterTargetArn": "arn:aws:sqs:us-east-1:{account}:jobs-dlq",
        "maxReceiveCount": 2,
    }
    consumer = next(a for a in scenario.actors if a.kind == "sqs-consumer")
    assert consumer.options["process_min"] == 1.0
    assert consumer.options["wait_time"] == 0


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("rate = 2", "rate = -1"), "mini.toml: actor[0]: rate: base and amplitude"),
        (('kind = "sqs-producer"', 'kind = "lambda"'), "actor[0]: unknown kind 'lambda'"),
        (('queue = "jobs"\nrate', 'queue = "nope"\nrate'), "queue 'nope' is not defined"),
        (("seed = 3", "seed = 3\nsped = 2"), "mini.toml: scenario: unknown key(s): sped"),
        (
            ('process = { min = "1s", max = "2s" }', 'process = { min = "3s", max = "2s" }'),
            "process.min must not exceed process.max",
        ),
        (('process = { min = "1s"', 'process = { min = "1 sec"'), "not a duration"),
        (("[scenario]", "[scenario\n"), "not valid TOML"),
        (('name = "jobs-dlq"', 'name = "jobs-dlq"\ncolour = 1'), "sqs.queue[0]: unknown key(s)"),
        (("[[sqs.queue]]", "[sqs.oops]\n[[sqs.queue]]"), "sqs: unknown key(s): oops"),
    ],
)
def test_mistakes_say_where_and_why(edit: tuple[str, str], message: str) -> None:
    with pytest.raises(ScenarioError) as error:
        parse_scenario(MINIMAL.replace(*edit, 1), "mini.toml")
    assert message in str(error.value)


def test_missing_file_names_the_built_ins(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="built-in scenarios: anomaly, demo"):
        load_scenario(str(tmp_path / "absent.toml"))


def test_file_scenarios_load_by_path(tmp_path: Path) -> None:
    path = tmp_path / "mini.toml"
    path.write_text(MINIMAL, "utf-8")
    assert load_scenario(str(path)).name == "mini"


async def test_apply_creates_queues_through_the_call_path_and_starts_actors() -> None:
    scenario = parse_scenario(MINIMAL, "mini.toml")
    cloud = new_cloud(seed=scenario.seed, start=scenario.start)
    actors = await apply(scenario, cloud)
    try:
        sqs = cloud.service(SqsService)
        jobs = sqs.queue_by_name("jobs", "us-east-1")
        assert jobs.visibility_timeout == 45
        assert jobs.redrive is not None
        assert jobs.redrive.dead_letter_target_arn.endswith(":123456789012:jobs-dlq")
        creates = [e for e in cloud.trail.management if e.action == "CreateQueue"]
        assert [e.caller.name for e in creates] == ["skydeck-scenario", "skydeck-scenario"]
        await cloud.clock.advance(60)
        assert jobs.counters.sent > 60
        assert jobs.counters.deleted > 0
    finally:
        for actor in actors:
            actor.stop()


async def test_apply_reports_an_aws_error_as_a_scenario_error() -> None:
    broken = MINIMAL.replace(
        "attributes = { VisibilityTimeout = 45 }", "attributes = { VisibilityTimeout = 99999 }"
    )
    scenario = parse_scenario(broken, "mini.toml")
    with pytest.raises(ScenarioError, match="queue 'jobs': InvalidAttributeValue"):
        await apply(scenario, new_cloud(seed=1))
