"""The [sns] scenario section, the sns-publisher actor and SNS's lines of the headless summary."""

from __future__ import annotations

import json

import pytest

from backend.headless import format_summary, run_headless
from backend.registry import Registration
from backend.scenarios import ScenarioError, apply, parse_scenario
from backend.services import new_cloud, sqs
from backend.services.sns import REGISTRATION, SnsService
from tests.backend.test_sns_helpers import queue_arn

REGISTRY: tuple[Registration, ...] = (sqs.REGISTRATION, REGISTRATION)

SHOP = """
[scenario]
name = "shop"
start = 2026-01-01T00:00:00Z
seed = 3

[[sqs.queue]]
name = "billing"

[[sqs.queue]]
name = "audit"

[[sqs.queue]]
name = "audit-dlq"

[[sns.topic]]
name = "orders"
attributes = { DisplayName = "Orders", SignatureVersion = 2 }
tags = { team = "checkout" }

[[sns.topic.subscriptions]]
queue = "billing"
raw = true
filter_policy = { kind = ["order"] }

[[sns.topic.subscriptions]]
queue = "audit"
filter_policy_scope = "MessageBody"
filter_policy = { order = [{ numeric = [">=", 1000] }] }
dead_letter_queue = "audit-dlq"

[[sns.topic.subscriptions]]
protocol = "https"
endpoint = "https://example.com/hook"

[[sns.topic]]
name = "events.fifo"
attributes = { ContentBasedDeduplication = true }

[[actor]]
kind = "sns-publisher"
name = "shop-api"
topic = "orders"
rate = 4
body = "order"
attributes = { kind = ["order", "refund"], priority = [1, 2] }
"""


def parse(text: str) -> object:
    return parse_scenario(text, "test.toml", REGISTRY)


def test_the_section_reads_topics_and_subscriptions() -> None:
    scenario = parse_scenario(SHOP, "shop.toml", REGISTRY)
    orders, events = scenario.sections["sns"]
    assert orders.attributes == {"DisplayName": "Orders", "SignatureVersion": "2"}
    assert events.attributes == {"ContentBasedDeduplication": "true", "FifoTopic": "true"}
    billing, audit, hook = orders.subscriptions
    assert (billing.protocol, billing.target, billing.raw) == ("sqs", "billing", True)
    assert billing.filter_policy == '{"kind":["order"]}'
    assert (audit.filter_policy_scope, audit.dead_letter_queue) == ("MessageBody", "audit-dlq")
    assert (hook.protocol, hook.target) == ("https", "https://example.com/hook")
    assert REGISTRATION.sections[0].names(scenario.sections["sns"]) == {
        "topic": {"orders", "events.fifo"}
    }


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("", "test.toml: sns.topic[0]: name is required"),
        (
            'name = "t"\nsubscriptions = [{ raw = true }]',
            "sns.topic[0].subscriptions[0]: queue is required",
        ),
        (
            'name = "t"\nsubscriptions = [{ protocol = "pigeon", endpoint = "x" }]',
            "sns.topic[0].subscriptions[0]: protocol must be one of http, https, email, "
            "email-json, sms, sqs, application, lambda, firehose, not 'pigeon'",
        ),
        (
            'name = "t"\nsubscriptions = [{ protocol = "https", queue = "q", endpoint = "x" }]',
            "a https subscription has an endpoint, not a queue",
        ),
        (
            'name = "t"\nsubscriptions = [{ queue = "q", filter_policy_scope = "Body" }]',
            "filter_policy_scope must be MessageAttributes or MessageBody, not 'Body'",
        ),
        ('name = "t"\nsubscriptions = [{ queue = "q", colour = 1 }]', "unknown key(s): colour"),
        ('name = "t"\nshards = 2', "sns.topic[0]: unknown key(s): shards"),
    ],
)
def test_section_mistakes_say_where(table: str, message: str) -> None:
    text = f'[scenario]\nname = "x"\n\n[[sns.topic]]\n{table}\n'
    with pytest.raises(ScenarioError) as info:
        parse(text)
    assert message in str(info.value)


def test_an_actor_must_name_a_defined_topic() -> None:
    text = SHOP.replace('topic = "orders"', 'topic = "nope"')
    with pytest.raises(ScenarioError) as info:
        parse(text)
    assert "topic 'nope' is not defined in [[sns.topic]]" in str(info.value)


async def test_applying_needs_the_queues_and_words_aws_refusals() -> None:
    no_queue = SHOP.replace('[[sqs.queue]]\nname = "audit-dlq"\n', "")
    cloud = new_cloud(REGISTRY, seed=1)
    with pytest.raises(ScenarioError) as info:
        await apply(parse_scenario(no_queue, "t.toml", REGISTRY), cloud, REGISTRY)
    assert str(info.value) == (
        "t.toml: topic 'orders': queue 'audit-dlq' is not defined in [[sqs.queue]]"
    )
    bad_policy = SHOP.replace('kind = ["order"]', "kind = []")
    cloud = new_cloud(REGISTRY, seed=1)
    with pytest.raises(ScenarioError) as info:
        await apply(parse_scenario(bad_policy, "t.toml", REGISTRY), cloud, REGISTRY)
    assert str(info.value) == (
        "t.toml: topic 'orders': subscription to 'billing': InvalidParameter: Invalid "
        "parameter: Attributes Reason: FilterPolicy: Empty arrays are not allowed"
    )


async def test_applied_topics_fan_out_the_publishers_messages() -> None:
    scenario = parse_scenario(SHOP, "shop.toml", REGISTRY)
    cloud = new_cloud(REGISTRY, seed=scenario.seed, start=scenario.start)
    actors = await apply(scenario, cloud, REGISTRY)
    service = cloud.service(SnsService)
    orders = service.topic("orders")
    assert orders is not None
    assert orders.tags == {"team": "checkout"}
    billing, audit, hook = orders.subscriptions.values()
    assert billing.raw and billing.endpoint == queue_arn("billing")
    assert audit.dead_letter_arn == queue_arn("audit-dlq")
    assert not hook.confirmed
    await cloud.clock.advance(120)
    for actor in actors:
        actor.stop()
    counters = orders.counters
    assert counters.published > 300
    # Every message reaches audit's policy or is filtered there; billing takes the orders only.
    assert counters.delivered + counters.filtered == 2 * counters.published
    url = (await cloud.call("sqs", "GetQueueUrl", {"QueueName": "billing"}))["QueueUrl"]
    received = await cloud.call(
        "sqs",
        "ReceiveMessage",
        {"QueueUrl": url, "MaxNumberOfMessages": 10, "MessageAttributeNames": ["All"]},
    )
    for message in received["Messages"]:
        assert message["MessageAttributes"]["kind"]["StringValue"] == "order"
        assert message["MessageAttributes"]["priority"]["DataType"] == "Number"
        assert json.loads(message["Body"])["order"] >= 1000


async def test_a_headless_run_summarises_each_topic() -> None:
    """One run: that a run gives the same bytes twice is test_cli's and test_headless's."""
    scenario = parse_scenario(SHOP, "shop.toml", REGISTRY)
    lines = format_summary(await run_headless(scenario, 600, registry=REGISTRY)).splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("topic "))
    assert lines[header].split() == [
        "topic",
        "subs",
        "published",
        "delivered",
        "filtered",
        "failed",
        "to",
        "DLQ",
    ]
    assert lines[header + 1].split()[:2] == ["events.fifo", "0"]
    name, subs, published, delivered, filtered, failed, to_dlq = lines[header + 2].split()
    assert (name, subs, failed, to_dlq) == ("orders", "3", "0", "0")
    total = int(published.replace(",", ""))
    assert int(delivered.replace(",", "")) + int(filtered.replace(",", "")) == 2 * total


async def test_a_fifo_publisher_gives_each_message_its_own_deduplication_id() -> None:
    text = SHOP.replace('topic = "orders"', 'topic = "events.fifo"').replace(
        'attributes = { kind = ["order", "refund"], priority = [1, 2] }', 'groups = ["a", "b"]'
    )
    scenario = parse_scenario(text, "fifo.toml", REGISTRY)
    cloud = new_cloud(REGISTRY, seed=scenario.seed, start=scenario.start)
    actors = await apply(scenario, cloud, REGISTRY)
    await cloud.clock.advance(30)
    for actor in actors:
        actor.stop()
    events = cloud.service(SnsService).topic("events.fifo")
    assert events is not None
    assert events.counters.published > 50
    assert events.sequence == events.counters.published
