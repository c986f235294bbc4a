"""S3 in scenarios: the `[s3]` section, the big-document producer, the summary, the metrics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backend.cloud import Cloud
from backend.headless import format_summary, run_headless
from backend.kit.scenario import ScenarioError
from backend.registry import Registration
from backend.scenarios.loader import apply, parse_scenario
from backend.services import s3, sqs
from backend.services.s3.actors import POINTER_CLASS, BigDocumentProducer
from backend.services.s3.scenario import SECTION
from backend.services.s3.storage_metrics import NAMESPACE
from tests.backend.test_s3_helpers import new_cloud, put, service
from tests.backend.test_s3_helpers import s3 as call_s3

REGISTRY: tuple[Registration, ...] = (sqs.REGISTRATION, s3.REGISTRATION)

SCENARIO = """
[scenario]
name = "offload"

[[sqs.queue]]
name = "documents"

[[sqs.queue]]
name = "uploads"

[[s3.bucket]]
name = "payloads"
tags = { team = "docs" }
notifications = [{ queue = "uploads", events = ["s3:ObjectCreated:*"], prefix = "big/" }]

[[actor]]
kind = "s3-big-document-producer"
name = "scanner"
bucket = "payloads"
queue = "documents"
rate = 0.02
prefix = "big/"
min_size = 100_000
max_size = 1_500_000
"""


async def test_the_section_creates_buckets_with_tags_and_notifications(tmp_path: Path) -> None:
    scenario = parse_scenario(SCENARIO, "offload.toml", REGISTRY)
    assert SECTION.names(scenario.sections["s3"]) == {"bucket": {"payloads"}}
    cloud = Cloud(services=[e.service for e in REGISTRY], data_dir=tmp_path)
    actors = await apply(scenario, cloud, REGISTRY)
    for actor in actors:
        actor.stop()
    assert (await call_s3(cloud, "GetBucketTagging", Bucket="payloads"))["TagSet"] == [
        {"Key": "team", "Value": "docs"}
    ]
    config = await call_s3(cloud, "GetBucketNotificationConfiguration", Bucket="payloads")
    assert (
        config["QueueConfigurations"][0]["QueueArn"] == "arn:aws:sqs:us-east-1:123456789012:uploads"
    )
    creator = next(e for e in cloud.trail.management if e.action == "CreateBucket").caller
    assert creator.name == "skydeck-scenario"
    again = Cloud(services=[e.service for e in REGISTRY], data_dir=tmp_path)
    await apply(
        parse_scenario(SCENARIO.split("[[actor]]")[0], "offload.toml", REGISTRY), again, REGISTRY
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('name = "payloads"', 'name = "Pay_Loads"'), "'Pay_Loads' is not a valid bucket name"),
        (
            ('bucket = "payloads"', 'bucket = "other"'),
            "bucket 'other' is not defined in [[s3.bucket]]",
        ),
        (('queue = "documents"', 'queue = "nope"'), "queue 'nope' is not defined in [[sqs.queue]]"),
        (
            ('events = ["s3:ObjectCreated:*"]', 'events = ["s3:Made"]'),
            "'s3:Made' is not an S3 event type",
        ),
        (("min_size = 100_000", "min_size = 2_000_000"), "min_size must not exceed max_size"),
    ],
)
def test_mistakes_in_the_file_say_where(change: tuple[str, str], message: str) -> None:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(SCENARIO.replace(*change), "offload.toml", REGISTRY)
    assert message in str(info.value)


async def test_a_refused_bucket_is_a_scenario_error(tmp_path: Path) -> None:
    text = SCENARIO.split("[[actor]]")[0].replace('queue = "uploads", ', 'queue = "missing", ')
    cloud = Cloud(services=[e.service for e in REGISTRY], data_dir=tmp_path)
    with pytest.raises(ScenarioError) as info:
        await apply(parse_scenario(text, "offload.toml", REGISTRY), cloud, REGISTRY)
    assert str(info.value) == (
        "offload.toml: bucket 'payloads': PutBucketNotificationConfiguration: InvalidArgument: "
        "Unable to validate the following destination configurations"
    )


async def test_big_documents_go_through_s3_with_a_pointer(tmp_path: Path) -> None:
    scenario = parse_scenario(
        SCENARIO.replace("rate = 0.02", "rate = 0.05"), "offload.toml", REGISTRY
    )
    summary = await run_headless(scenario, 600, registry=REGISTRY, data_dir=tmp_path)
    cloud = summary.cloud
    url = (await cloud.call("sqs", "GetQueueUrl", {"QueueName": "documents"}))["QueueUrl"]
    got = await cloud.call(
        "sqs",
        "ReceiveMessage",
        {"QueueUrl": url, "MaxNumberOfMessages": 10, "MessageAttributeNames": ["All"]},
    )
    offloaded = [m for m in got["Messages"] if m["Body"].startswith("[")]
    inline = [m for m in got["Messages"] if not m["Body"].startswith("[")]
    assert offloaded and inline
    for message in offloaded:
        kind, where = json.loads(message["Body"])
        assert kind == POINTER_CLASS and where["s3BucketName"] == "payloads"
        assert message["Body"] == json.dumps([kind, where], separators=(",", ":"))
        stored = await cloud.call("s3", "HeadObject", {"Bucket": "payloads", "Key": where["s3Key"]})
        size = int(message["MessageAttributes"]["ExtendedPayloadSize"]["StringValue"])
        assert stored["ContentLength"] == size > 262_144
    producer = BigDocumentProducer.kind
    assert producer == "s3-big-document-producer"
    uploads = (await cloud.call("sqs", "GetQueueUrl", {"QueueName": "uploads"}))["QueueUrl"]
    notified = await cloud.call(
        "sqs", "ReceiveMessage", {"QueueUrl": uploads, "MaxNumberOfMessages": 10}
    )
    assert any("ObjectCreated:Put" in m["Body"] for m in notified["Messages"])


async def test_headless_runs_are_deterministic(tmp_path: Path) -> None:
    scenario = parse_scenario(SCENARIO, "offload.toml", REGISTRY)
    first = await run_headless(scenario, 900, registry=REGISTRY, data_dir=tmp_path / "one")
    second = await run_headless(scenario, 900, registry=REGISTRY, data_dir=tmp_path / "two")
    text = format_summary(first)
    assert text == format_summary(second)
    views = service(first.cloud).bucket_views()
    assert f"payloads{views[0].objects:>11,}{views[0].bytes:>17,}" in text
    assert "bucket" in text and "objects" in text


async def test_storage_metrics_are_sampled_daily(tmp_path: Path) -> None:
    cloud = new_cloud(tmp_path)
    await call_s3(cloud, "CreateBucket", Bucket="bkt")
    await put(cloud, "bkt", "a", b"12345")
    await put(cloud, "bkt", "b", b"678")
    await cloud.clock.advance(2 * 86_400)
    size = cloud.metrics.find(
        NAMESPACE, "BucketSizeBytes", {"BucketName": "bkt", "StorageType": "StandardStorage"}
    )
    count = cloud.metrics.find(
        NAMESPACE, "NumberOfObjects", {"BucketName": "bkt", "StorageType": "AllStorageTypes"}
    )
    assert size is not None and count is not None
    assert [b.total for b in size.bins(0, 2**40)] == [8.0, 8.0]
    assert [b.total for b in count.bins(0, 2**40)] == [2.0, 2.0]
    assert all(b.second % 86_400 == 0 for b in size.bins(0, 2**40))
