"""Helpers for the SNS tests, and tests of the pure parts: retries, deduplication, signing keys."""

from __future__ import annotations

import json
from typing import Any

import pytest

from backend.cloud import Cloud
from backend.errors import AwsError
from backend.services.sns import SnsService
from backend.services.sns.dedup import BUDGET, WINDOW, Deduplication, Seen
from backend.services.sns.delivery import retry_delay
from backend.services.sns.signing import signing_certificate, signing_key
from backend.services.sns.topic import Topic

ACCOUNT = "123456789012"
REGION = "us-east-1"

Params = dict[str, Any]


async def sns(cloud: Cloud, action: str, params: Params | None = None) -> dict[str, Any]:
    return await cloud.call("sns", action, params or {})


async def sns_error(cloud: Cloud, action: str, params: Params | None = None) -> AwsError:
    """The error `action` fails with; the test fails if it succeeds."""
    with pytest.raises(AwsError) as info:
        await cloud.call("sns", action, params or {})
    return info.value


def topic_arn(name: str) -> str:
    return f"arn:aws:sns:{REGION}:{ACCOUNT}:{name}"


def queue_arn(name: str) -> str:
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"


async def create_topic(cloud: Cloud, name: str = "t", **attributes: str) -> str:
    params: Params = {"Name": name}
    if name.endswith(".fifo"):
        attributes.setdefault("FifoTopic", "true")
    if attributes:
        params["Attributes"] = attributes
    return str((await sns(cloud, "CreateTopic", params))["TopicArn"])


async def create_queue(cloud: Cloud, name: str = "q", **attributes: str) -> str:
    """A queue (FIFO when the name ends .fifo); its URL."""
    if name.endswith(".fifo"):
        attributes.setdefault("FifoQueue", "true")
    params: Params = {"QueueName": name}
    if attributes:
        params["Attributes"] = attributes
    return str((await cloud.call("sqs", "CreateQueue", params))["QueueUrl"])


async def subscribe_queue(cloud: Cloud, topic: str, queue: str, **attributes: str) -> str:
    """Subscribe queue `queue` (by name) to `topic`; the subscription's ARN."""
    params: Params = {"TopicArn": topic, "Protocol": "sqs", "Endpoint": queue_arn(queue)}
    if attributes:
        params["Attributes"] = attributes
    return str((await sns(cloud, "Subscribe", params))["SubscriptionArn"])


async def fan_out(cloud: Cloud, topic: str = "t", queue: str = "q", **attributes: str) -> str:
    """A topic with one queue subscribed (both made here); the queue's URL."""
    url = await create_queue(cloud, queue)
    arn = await create_topic(cloud, topic)
    await subscribe_queue(cloud, arn, queue, **attributes)
    return url


async def publish(cloud: Cloud, topic: str, message: str = "hi", **params: Any) -> dict[str, Any]:
    """Publish, then let the deliveries it made run."""
    response = await sns(cloud, "Publish", {"TopicArn": topic, "Message": message, **params})
    await cloud.clock.settle()
    return response


async def received(cloud: Cloud, url: str, **params: Any) -> list[dict[str, Any]]:
    """Every message in the queue (received, so in flight afterwards), oldest first."""
    out: list[dict[str, Any]] = []
    while True:
        response = await cloud.call(
            "sqs", "ReceiveMessage", {"QueueUrl": url, "MaxNumberOfMessages": 10, **params}
        )
        batch = response.get("Messages", [])
        if not batch:
            return out
        out += batch


async def bodies(cloud: Cloud, url: str) -> list[str]:
    return [m["Body"] for m in await received(cloud, url)]


async def messages(cloud: Cloud, url: str) -> list[str]:
    """The `Message` of every envelope in the queue."""
    return [json.loads(body)["Message"] for body in await bodies(cloud, url)]


def topic(cloud: Cloud, name: str = "t") -> Topic:
    found = cloud.service(SnsService).topic(name)
    assert found is not None
    return found


def metric(cloud: Cloud, name: str, topic_name: str = "t") -> float:
    """The total of AWS/SNS `name` for the topic, over all its points."""
    series = cloud.metrics.find("AWS/SNS", name, {"TopicName": topic_name})
    if series is None:
        return 0.0
    end = int(cloud.clock.now()) + 1
    return sum(series.sums(end, 3 * 3600))


# -- retries -------------------------------------------------------------------------


def test_retries_follow_awss_policy_for_aws_managed_endpoints() -> None:
    delays = [d for n in range(1, 16) if (d := retry_delay(n)) is not None]
    assert len(delays) == 15
    assert delays[:2] == [1.0, 1.0]
    backoff = delays[2:12]
    assert backoff[0] == pytest.approx(1.0)
    assert backoff[-1] == pytest.approx(20.0)
    assert backoff == sorted(backoff)
    assert delays[12:] == [20.0, 20.0, 20.0]
    assert retry_delay(12 + 100_000) == 20.0
    assert retry_delay(12 + 100_001) is None
    total = sum(d for n in range(1, 100_013) if (d := retry_delay(n)) is not None)
    assert 22 * 86_400 < total < 24 * 86_400  # "about 23 days"


# -- deduplication --------------------------------------------------------------------


def test_deduplication_forgets_after_five_minutes() -> None:
    window = Deduplication()
    key = (1, "", "d1")
    window.remember(key, Seen(100.0, "m1", "1"))
    assert window.find(key, 100.0 + WINDOW - 0.001) == Seen(100.0, "m1", "1")
    assert window.find(key, 100.0 + WINDOW) is None
    assert len(window) == 0
    assert window.bytes == 0


def test_deduplication_keeps_to_its_byte_budget_dropping_the_oldest() -> None:
    window = Deduplication(budget=10_000)
    for n in range(100):
        window.remember((1, "", f"id-{n}"), Seen(0.0, f"m{n}", str(n)))
    assert window.bytes <= 10_000
    assert window.find((1, "", "id-99"), 1.0) is not None
    assert window.find((1, "", "id-0"), 1.0) is None
    assert BUDGET >= 16 * 1024 * 1024


# -- signing -----------------------------------------------------------------------------


def test_the_signing_key_is_the_same_for_the_same_seed_and_2048_bits() -> None:
    assert signing_key("tests") is signing_key("tests")
    assert signing_key("tests").key_size == 2048
    first = signing_certificate("tests")
    signing_certificate.cache_clear()
    assert signing_certificate("tests") == first
    assert first.startswith(b"-----BEGIN CERTIFICATE-----")
