"""The [firehose] scenario section, the firehose-producer actor, the summary, the views."""

from __future__ import annotations

import gzip
import json

import pytest

from backend.headless import format_summary, run_headless
from backend.registry import Registration
from backend.scenarios import ScenarioError, apply, parse_scenario
from backend.services import kinesis, new_cloud, s3, sqs
from backend.services.firehose import REGISTRATION, FirehoseService
from tests.backend.test_firehose_helpers import objects

REGISTRY: tuple[Registration, ...] = (
    sqs.REGISTRATION,
    s3.REGISTRATION,
    kinesis.REGISTRATION,
    REGISTRATION,
)

LOGS = """
[scenario]
name = "logs"
start = 2026-01-01T00:00:00Z
seed = 5

[[s3.bucket]]
name = "raw-logs"

[[kinesis.stream]]
name = "clicks"
shards = 1

[[firehose.delivery_stream]]
name = "logs-to-s3"
bucket = "raw-logs"
prefix = "logs/"
buffer_size_mb = 1
buffer_interval = "60s"
compression = "GZIP"
tags = { team = "data" }

[[firehose.delivery_stream]]
name = "clicks-to-s3"
bucket = "raw-logs"
prefix = "clicks/!{timestamp:yyyy-MM-dd}/"
error_prefix = "errors/"
source_stream = "clicks"

[[actor]]
kind = "firehose-producer"
name = "shipper"
delivery_stream = "logs-to-s3"
rate = 20
batch = 50
"""


def parse(text: str) -> object:
    return parse_scenario(text, "test.toml", REGISTRY)


def test_the_section_reads_streams_with_defaults() -> None:
    scenario = parse_scenario(LOGS, "logs.toml", REGISTRY)
    logs, clicks = scenario.sections["firehose"]
    assert (logs.buffer_size_mb, logs.buffer_interval, logs.compression) == (1, 60, "GZIP")
    assert (clicks.buffer_size_mb, clicks.buffer_interval, clicks.compression) == (
        5,
        300,
        "UNCOMPRESSED",
    )
    assert clicks.source_stream == "clicks"
    assert REGISTRATION.sections[0].names(scenario.sections["firehose"]) == {
        "delivery_stream": {"logs-to-s3", "clicks-to-s3"}
    }


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('name = "a"', "test.toml: firehose.delivery_stream[0]: bucket is required"),
        (
            'name = "a"\nbucket = "b"\nbuffer_size_mb = 200',
            "firehose.delivery_stream[0]: buffer_size_mb must be between 1 and 128, not 200",
        ),
        (
            'name = "a"\nbucket = "b"\nbuffer_interval = "20m"',
            "buffer_interval must be a whole number of seconds from 0 to 900, not 1200",
        ),
        (
            'name = "a"\nbucket = "b"\ncompression = "ZIP"',
            "compression must be UNCOMPRESSED or GZIP, not 'ZIP'",
        ),
        ('name = "a"\nbucket = "b"\nshards = 2', "unknown key(s): shards"),
    ],
)
def test_section_mistakes_say_where(table: str, message: str) -> None:
    text = f'[scenario]\nname = "x"\n\n[[firehose.delivery_stream]]\n{table}\n'
    with pytest.raises(ScenarioError) as info:
        parse(text)
    assert message in str(info.value)


def test_an_actor_must_name_a_defined_delivery_stream() -> None:
    text = LOGS.replace('delivery_stream = "logs-to-s3"', 'delivery_stream = "nope"')
    with pytest.raises(ScenarioError) as info:
        parse(text)
    assert "delivery_stream 'nope' is not defined in [[firehose.delivery_stream]]" in str(
        info.value
    )


async def test_applying_needs_the_bucket_and_the_source_stream() -> None:
    no_bucket = LOGS.replace('[[s3.bucket]]\nname = "raw-logs"\n', "")
    cloud = new_cloud(REGISTRY, seed=1)
    with pytest.raises(ScenarioError) as info:
        await apply(parse_scenario(no_bucket, "t.toml", REGISTRY), cloud, REGISTRY)
    assert str(info.value) == (
        "t.toml: delivery stream 'logs-to-s3': bucket 'raw-logs' is not defined in [[s3.bucket]]"
    )
    no_stream = LOGS.replace('[[kinesis.stream]]\nname = "clicks"\nshards = 1\n', "")
    cloud = new_cloud(REGISTRY, seed=1)
    with pytest.raises(ScenarioError) as info:
        await apply(parse_scenario(no_stream, "t.toml", REGISTRY), cloud, REGISTRY)
    assert str(info.value) == (
        "t.toml: delivery stream 'clicks-to-s3': InvalidArgumentException: The Kinesis stream "
        "arn:aws:kinesis:us-east-1:123456789012:stream/clicks does not exist or is not accessible."
    )
    bad_prefix = LOGS.replace('error_prefix = "errors/"\n', "")
    cloud = new_cloud(REGISTRY, seed=1)
    with pytest.raises(ScenarioError) as info:
        await apply(parse_scenario(bad_prefix, "t.toml", REGISTRY), cloud, REGISTRY)
    assert "ErrorOutputPrefix cannot be null or empty when Prefix contains expressions" in str(
        info.value
    )


async def test_applied_streams_are_active_and_the_producer_ships_json_lines() -> None:
    scenario = parse_scenario(LOGS, "logs.toml", REGISTRY)
    cloud = new_cloud(REGISTRY, seed=scenario.seed, start=scenario.start)
    actors = await apply(scenario, cloud, REGISTRY)
    service = cloud.service(FirehoseService)
    views = service.stream_views()
    assert [(v.name, v.status, v.source) for v in views] == [
        ("clicks-to-s3", "ACTIVE", "clicks"),
        ("logs-to-s3", "ACTIVE", None),
    ]
    assert views[1].tags == {"team": "data"}
    await cloud.clock.advance(30.5)
    view = service.stream_view("logs-to-s3")
    assert view is not None and view.buffer.records > 0 and view.buffer.age is not None
    assert (view.buffer.size_hint, view.buffer.interval_hint) == (1024 * 1024, 60)
    await cloud.clock.advance(300)
    for actor in actors:
        actor.stop()
    delivered = objects(cloud, "raw-logs")
    assert delivered and all(k.startswith("logs/2026/01/01/00/logs-to-s3-1-") for k in delivered)
    lines = b"".join(gzip.decompress(body) for _, body in sorted(delivered.items())).splitlines()
    records = [json.loads(line) for line in lines]
    assert {"ts", "level", "service", "msg", "latency_ms", "seq"} <= set(records[0])
    assert [r["seq"] for r in records] == list(range(len(records)))


async def test_a_headless_run_summarises_each_stream_the_same_way_twice() -> None:
    scenario = parse_scenario(LOGS, "logs.toml", REGISTRY)
    first = format_summary(await run_headless(scenario, 600, registry=REGISTRY))
    second = format_summary(await run_headless(scenario, 600, registry=REGISTRY))
    assert first == second
    lines = first.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("delivery stream"))
    assert lines[header].split() == [
        "delivery",
        "stream",
        "records",
        "in",
        "bytes",
        "in",
        "throttled",
        "objects",
        "delivered",
        "dropped",
        "waiting",
    ]
    assert lines[header + 1].startswith("clicks-to-s3 ")
    assert lines[header + 2] == (
        "  to s3://raw-logs (UNCOMPRESSED, 5 MiB / 300 s), from Kinesis stream clicks"
    )
    name, *numbers = lines[header + 3].split()
    records_in, _, throttled, objects_made, delivered, dropped, waiting = (
        int(n.replace(",", "")) for n in numbers
    )
    assert name == "logs-to-s3" and records_in > 10_000 and objects_made >= 9
    assert (throttled, dropped) == (0, 0) and records_in == delivered + waiting
    assert lines[header + 4] == "  to s3://raw-logs (GZIP, 1 MiB / 60 s)"
