"""The [logs] scenario section, the logs-writer actor and Logs' lines of the headless summary."""

from __future__ import annotations

import json

import pytest

from backend.headless import format_summary, run_headless
from backend.registry import Registration
from backend.scenarios import ScenarioError, apply, parse_scenario
from backend.services import cloudwatch, new_cloud
from backend.services.logs import REGISTRATION, LogsService
from backend.services.logs.actors import LogWriter

REGISTRY: tuple[Registration, ...] = (cloudwatch.REGISTRATION, REGISTRATION)

SHOP = """
[scenario]
name = "shop"
start = 2026-01-01T00:00:00Z
seed = 3

[[logs.group]]
name = "/skydeck/orders-workers"
retention_days = 7
class = "STANDARD"
tags = { team = "checkout" }
streams = ["worker-1", "worker-2"]

[[logs.group.metric_filter]]
name = "order-errors"
pattern = '{ $.level = "ERROR" }'
namespace = "Skydeck/Orders"
metric = "OrderErrors"
value = "1"
default = 0
unit = "Count"

[[logs.group.metric_filter]]
name = "latency"
pattern = '{ $.latencyMs >= 0 }'
namespace = "Skydeck/Orders"
metric = "Latency"
value = "$.latencyMs"
dimensions = { Level = "$.level" }

[[logs.group]]
name = "/skydeck/quiet"

[[actor]]
kind = "logs-writer"
name = "orders-workers"
group = "/skydeck/orders-workers"
stream = "worker-1"
rate = 4
format = "json"
error_share = 0.25
flush = "5s"
"""
START = 1_767_225_600.0  # 2026-01-01T00:00:00Z


def test_the_section_reads_groups_streams_and_filters() -> None:
    scenario = parse_scenario(SHOP, "shop.toml", REGISTRY)
    orders, quiet = scenario.sections["logs"].groups
    assert (orders.retention_days, orders.group_class, orders.tags) == (
        7,
        "STANDARD",
        {"team": "checkout"},
    )
    assert orders.streams == ("worker-1", "worker-2")
    errors, latency = orders.metric_filters
    assert errors.transformation == {
        "metricNamespace": "Skydeck/Orders",
        "metricName": "OrderErrors",
        "metricValue": "1",
        "defaultValue": 0.0,
        "unit": "Count",
    }
    assert latency.transformation["dimensions"] == {"Level": "$.level"}
    assert (quiet.retention_days, quiet.streams, quiet.metric_filters) == (None, (), ())
    assert REGISTRATION.sections[0].names(scenario.sections["logs"]) == {
        "group": {"/skydeck/orders-workers", "/skydeck/quiet"}
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[logs.group]]\nretention_days = 7", "logs.group[0]: name is required"),
        ('[[logs.group]]\nname = "g"\nstreams = [1]', "streams must be a list of names"),
        ('[[logs.group]]\nname = "g"\ncolour = 1', "logs.group[0]: unknown key(s): colour"),
        (
            '[[logs.group]]\nname = "g"\n[[logs.group.metric_filter]]\nname = "f"\nmetric = "M"',
            "logs.group[0].metric_filter[0]: namespace is required",
        ),
        (
            '[[actor]]\nkind = "logs-writer"\nname = "w"\ngroup = "nope"\nstream = "s"\nrate = 1',
            "group 'nope' is not defined in [[logs.group]]",
        ),
        (
            '[[logs.group]]\nname = "g"\n[[actor]]\nkind = "logs-writer"\nname = "w"\n'
            'group = "g"\nstream = "s"\nrate = 1\nformat = "xml"',
            "format must be one of json, text, not 'xml'",
        ),
    ],
    ids=["no-name", "streams", "unknown-key", "filter-namespace", "actor-group", "format"],
)
def test_section_mistakes_say_where(text: str, message: str) -> None:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(f'[scenario]\nname = "x"\n\n{text}\n', "test.toml", REGISTRY)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "retention_days = 7",
            "retention_days = 2",
            "t.toml: log group '/skydeck/orders-workers': InvalidParameterException: 1 "
            "validation error detected: Value '2' at 'retentionInDays' failed to satisfy "
            "constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, "
            "120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]",
        ),
        (
            "pattern = '{ $.level = \"ERROR\" }'",
            "pattern = '{ $.level = \"ERROR\"'",
            "t.toml: log group '/skydeck/orders-workers': metric filter 'order-errors': "
            "InvalidParameterException: If a filter pattern starts with '{' it must end "
            "with '}'",
        ),
        (
            "pattern = '{ $.latencyMs >= 0 }'",
            "pattern = '[a'",
            "t.toml: log group '/skydeck/orders-workers': metric filter 'latency': "
            "InvalidParameterException: Invalid metric filter pattern",
        ),
        (
            'streams = ["worker-1", "worker-2"]',
            'streams = ["worker:1"]',
            "t.toml: log group '/skydeck/orders-workers': stream 'worker:1': "
            "InvalidParameterException: 1 validation error detected: Value 'worker:1' at "
            "'logStreamName' failed to satisfy constraint: Member must satisfy regular "
            "expression pattern: [^:*]*",
        ),
    ],
    ids=["retention", "unclosed-json", "bad-pattern", "stream-name"],
)
async def test_applying_words_aws_refusals_and_says_where(old: str, new: str, message: str) -> None:
    assert old in SHOP
    scenario = parse_scenario(SHOP.replace(old, new), "t.toml", REGISTRY)
    with pytest.raises(ScenarioError) as info:
        await apply(scenario, new_cloud(REGISTRY, seed=1), REGISTRY)
    assert str(info.value) == message


async def test_the_writer_puts_a_batch_every_flush_with_the_lines_own_times() -> None:
    scenario = parse_scenario(SHOP, "shop.toml", REGISTRY)
    cloud = new_cloud(REGISTRY, seed=scenario.seed, start=scenario.start)
    [writer] = await apply(scenario, cloud, REGISTRY)
    assert isinstance(writer, LogWriter)
    service = cloud.service(LogsService)
    group = service.groups[(cloud.region, "/skydeck/orders-workers")]
    assert (group.retention_days, group.tags) == (7, {"team": "checkout"})
    assert sorted(group.streams) == ["worker-1", "worker-2"]
    assert sorted(group.metric_filters) == ["latency", "order-errors"]
    stream = group.streams["worker-1"]
    await cloud.clock.advance(4.999)
    assert len(stream) == 0  # lines wait in the writer until the flush
    await cloud.clock.advance(0.001)
    first = len(stream)
    assert first > 5
    assert set(stream.ingested) == {int(START * 1000) + 5000}
    assert all(int(START * 1000) <= t < int(START * 1000) + 5000 for t in stream.timestamps)
    await cloud.clock.advance(5)
    assert len(stream) > first
    assert set(stream.ingested[first:]) == {int(START * 1000) + 10_000}
    assert all(t >= int(START * 1000) + 5000 for t in stream.timestamps[first:])
    assert writer.written == len(stream)
    lines = [json.loads(m) for m in stream.messages]
    assert {line["level"] for line in lines} == {"INFO", "ERROR"}
    errors = sum(line["level"] == "ERROR" for line in lines)
    assert group.metric_filters["order-errors"].matched == errors
    assert group.metric_filters["latency"].matched == len(lines)
    writer.stop()


async def test_the_writer_makes_its_stream_when_it_is_missing() -> None:
    text = SHOP.replace('stream = "worker-1"', 'stream = "worker-9"')
    scenario = parse_scenario(text, "shop.toml", REGISTRY)
    cloud = new_cloud(REGISTRY, seed=scenario.seed, start=scenario.start)
    [writer] = await apply(scenario, cloud, REGISTRY)
    assert isinstance(writer, LogWriter)
    await cloud.clock.advance(5)
    group = cloud.service(LogsService).groups[(cloud.region, "/skydeck/orders-workers")]
    assert len(group.streams["worker-9"]) == writer.written > 0
    writer.stop()


async def test_a_headless_run_summarises_each_group_the_same_way_twice() -> None:
    scenario = parse_scenario(SHOP, "shop.toml", REGISTRY)
    first = format_summary(await run_headless(scenario, 120, registry=REGISTRY))
    second = format_summary(await run_headless(scenario, 120, registry=REGISTRY))
    assert first == second
    lines = first.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("log group "))
    assert lines[header].split() == [
        "log",
        "group",
        "streams",
        "events",
        "stored",
        "retention",
        "filters",
        "matched",
    ]
    name, streams, events, stored, unit, retention, filters, matched = lines[header + 1].split()
    assert (name, streams, retention, filters) == ("/skydeck/orders-workers", "2", "7d", "2")
    written = int(events.replace(",", ""))
    assert 300 < written < 660  # about 4 a second for two minutes, flushed every 5 s
    # A JSON line is some 80 bytes, and 26 more are counted for each.
    assert unit == "KiB"
    assert written * (26 + 60) < float(stored) * 1024 < written * (26 + 120)
    assert int(matched.replace(",", "")) > written  # latency matches every line, errors some
    assert lines[header + 2].split() == ["/skydeck/quiet", "0", "0", "0", "B", "never", "0", "0"]
