"""The `[sns]` section of scenario files: topics and their subscriptions.

```toml
[[sns.topic]]
name = "orders"
attributes = { DisplayName = "Orders" }     # any CreateTopic attribute, AWS names
tags = { team = "checkout" }
subscriptions = [
  { queue = "billing", raw = true, filter_policy = { kind = ["order"] } },
  { protocol = "https", endpoint = "https://example.com/hook" },   # stays pending
]

[[sns.topic]]
name = "payments"

[[sns.topic.subscriptions]]        # the same, a table each: TOML's inline tables are one line
queue = "audit"
filter_policy_scope = "MessageBody"
filter_policy = { total = [{ numeric = [">", 100] }] }
dead_letter_queue = "audit-dlq"
```

A subscription's protocol is `sqs` unless it says otherwise; an SQS one names
its queue (a queue of `[[sqs.queue]]`, by name: the section makes its ARN),
any other gives its `endpoint`. `raw`, `filter_policy` (a table, written as
the JSON SNS keeps), `filter_policy_scope` and `dead_letter_queue` (a queue's
name, made the RedrivePolicy) are its attributes. A name ending `.fifo`
makes a FIFO topic. Topics are made with CreateTopic and Subscribe by the
scenario's set-up role; sections apply in registry order, SQS's first, so the
queues exist by then, and that they are defined is checked when this section
applies, by asking SQS for each (GetQueueUrl).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from backend.cloud import Cloud
from backend.errors import AwsError
from backend.identity import SETUP_ROLE
from backend.kit.scenario import Reader, ScenarioError
from backend.registry import ScenarioSection
from backend.services.sns.subscription import PROTOCOLS, SCOPES


@dataclass(frozen=True)
class SubscriptionSpec:
    protocol: str
    #: The queue's name for `sqs`, the endpoint itself for any other protocol.
    target: str
    raw: bool
    filter_policy: str | None
    filter_policy_scope: str | None
    dead_letter_queue: str | None


@dataclass(frozen=True)
class TopicSpec:
    name: str
    attributes: dict[str, str]
    tags: dict[str, str]
    subscriptions: tuple[SubscriptionSpec, ...]


def parse(table: Reader, region: str) -> tuple[TopicSpec, ...]:
    topics = tuple(_topic(topic) for topic in table.tables("topic"))
    table.done()
    table.unique([t.name for t in topics], "topic")
    return topics


def _topic(table: Reader) -> TopicSpec:
    name = table.required("name", str)
    attributes = {str(k): _text(v) for k, v in (table.get("attributes", dict, {}) or {}).items()}
    if name.endswith(".fifo"):
        attributes.setdefault("FifoTopic", "true")
    tags = table.string_map("tags")
    subscriptions = tuple(_subscription(sub) for sub in table.tables("subscriptions"))
    table.done()
    return TopicSpec(name, attributes, tags, subscriptions)


def _subscription(table: Reader) -> SubscriptionSpec:
    protocol = table.get("protocol", str, "sqs")
    if protocol not in PROTOCOLS:
        raise table.fail(f"protocol must be one of {', '.join(PROTOCOLS)}, not {protocol!r}")
    if protocol == "sqs":
        target = table.required("queue", str)
        if "endpoint" in table.table:
            raise table.fail("an sqs subscription names its queue, not an endpoint")
    else:
        target = table.required("endpoint", str)
        if "queue" in table.table:
            raise table.fail(f"a {protocol} subscription has an endpoint, not a queue")
    policy = table.get("filter_policy", dict)
    scope = table.get("filter_policy_scope", str)
    if scope is not None and scope not in SCOPES:
        raise table.fail(f"filter_policy_scope must be {' or '.join(SCOPES)}, not {scope!r}")
    spec = SubscriptionSpec(
        protocol=protocol,
        target=target,
        raw=bool(table.get("raw", bool, False)),
        filter_policy=None if policy is None else json.dumps(policy, separators=(",", ":")),
        filter_policy_scope=scope,
        dead_letter_queue=table.get("dead_letter_queue", str),
    )
    table.done()
    return spec


def _text(value: object) -> str:
    """A TOML value as SNS's string attribute: tables become JSON, booleans `true`/`false`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


async def apply(topics: tuple[TopicSpec, ...], cloud: Cloud, source: str) -> None:
    for spec in topics:
        where = f"{source}: topic {spec.name!r}"
        params: dict[str, Any] = {"Name": spec.name}
        if spec.attributes:
            params["Attributes"] = spec.attributes
        if spec.tags:
            params["Tags"] = [{"Key": k, "Value": v} for k, v in spec.tags.items()]
        arn = str((await _call(cloud, "CreateTopic", params, where))["TopicArn"])
        for sub in spec.subscriptions:
            await _subscribe(cloud, arn, sub, where)


async def _subscribe(cloud: Cloud, topic_arn: str, sub: SubscriptionSpec, where: str) -> None:
    attributes: dict[str, str] = {}
    endpoint = sub.target
    if sub.protocol == "sqs":
        endpoint = await _queue_arn(cloud, sub.target, where)
    if sub.raw:
        attributes["RawMessageDelivery"] = "true"
    if sub.filter_policy_scope is not None:
        attributes["FilterPolicyScope"] = sub.filter_policy_scope
    if sub.filter_policy is not None:
        attributes["FilterPolicy"] = sub.filter_policy
    if sub.dead_letter_queue is not None:
        target = await _queue_arn(cloud, sub.dead_letter_queue, where)
        attributes["RedrivePolicy"] = json.dumps({"deadLetterTargetArn": target})
    params: dict[str, Any] = {"TopicArn": topic_arn, "Protocol": sub.protocol, "Endpoint": endpoint}
    if attributes:
        params["Attributes"] = attributes
    await _call(cloud, "Subscribe", params, f"{where}: subscription to {sub.target!r}")


async def _queue_arn(cloud: Cloud, queue: str, where: str) -> str:
    try:
        await cloud.call("sqs", "GetQueueUrl", {"QueueName": queue}, caller=SETUP_ROLE)
    except AwsError:
        raise ScenarioError(f"{where}: queue {queue!r} is not defined in [[sqs.queue]]") from None
    return f"arn:aws:sqs:{cloud.region}:{cloud.account}:{queue}"


async def _call(cloud: Cloud, action: str, params: dict[str, Any], where: str) -> dict[str, Any]:
    try:
        return await cloud.call("sns", action, params, caller=SETUP_ROLE)
    except AwsError as error:
        raise ScenarioError(f"{where}: {error.code}: {error.message}") from None


def names(topics: tuple[TopicSpec, ...]) -> Mapping[str, set[str]]:
    return {"topic": {t.name for t in topics}}


SECTION = ScenarioSection("sns", parse, apply, names)
