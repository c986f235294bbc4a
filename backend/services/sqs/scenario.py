"""The `[sqs]` section of scenario files: queues, their dead-letter queues, delivery knobs.

```toml
[sqs.delivery]            # how far from exact the simulated fleet is
duplicate_rate = 0.01

[[sqs.queue]]
name = "orders"
dead_letter_queue = "orders-dlq"
max_receive_count = 3
attributes = { VisibilityTimeout = 30 }
tags = { team = "checkout" }
```
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from backend.cloud import Cloud
from backend.errors import AwsError
from backend.identity import SETUP_ROLE
from backend.kit.scenario import Reader, ScenarioError
from backend.registry import ScenarioSection
from backend.services.sqs.queue import Delivery
from backend.services.sqs.service import SqsService


@dataclass(frozen=True)
class QueueSpec:
    name: str
    attributes: dict[str, str]
    tags: dict[str, str]


@dataclass(frozen=True)
class SqsSection:
    delivery: Delivery
    queues: tuple[QueueSpec, ...]


def parse(table: Reader, region: str) -> SqsSection:
    delivery = Delivery()
    knobs = table.sub("delivery")
    if knobs is not None:
        delivery = Delivery(
            duplicate_rate=knobs.number("duplicate_rate", 0.0, 0.0, 1.0),
            reorder_window=int(knobs.number("reorder_window", 1, 1, 100)),
            short_poll_sample=knobs.number("short_poll_sample", 1.0, 0.05, 1.0),
        )
        knobs.done()
    queues = tuple(_queue(queue, region) for queue in table.tables("queue"))
    table.done()
    return SqsSection(delivery, queues)


def _queue(table: Reader, region: str) -> QueueSpec:
    name = table.required("name", str)
    attributes = {str(k): v for k, v in (table.get("attributes", dict, {}) or {}).items()}
    dead_letter = table.get("dead_letter_queue", str)
    max_receives = table.get("max_receive_count", int)
    if dead_letter is not None:
        arn = f"arn:aws:sqs:{region}:{{account}}:{dead_letter}"
        attributes["RedrivePolicy"] = json.dumps(
            {"deadLetterTargetArn": arn, "maxReceiveCount": max_receives or 3}
        )
    elif max_receives is not None:
        raise table.fail("max_receive_count needs dead_letter_queue")
    if name.endswith(".fifo"):
        attributes.setdefault("FifoQueue", "true")
    tags = table.string_map("tags")
    table.done()
    return QueueSpec(name, {k: _attribute(v) for k, v in attributes.items()}, tags)


def _attribute(value: object) -> str:
    """A TOML value as SQS's string attribute: tables become their JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)


async def apply(section: SqsSection, cloud: Cloud, source: str) -> None:
    delivery = cloud.service(SqsService).delivery
    for knob in fields(Delivery):
        setattr(delivery, knob.name, getattr(section.delivery, knob.name))
    for spec in section.queues:
        attributes = {
            k: v.replace("{account}", cloud.account) if k == "RedrivePolicy" else v
            for k, v in spec.attributes.items()
        }
        params: dict[str, Any] = {"QueueName": spec.name, "Attributes": attributes}
        if spec.tags:
            params["tags"] = spec.tags
        try:
            await cloud.call("sqs", "CreateQueue", params, caller=SETUP_ROLE)
        except AwsError as error:
            raise ScenarioError(
                f"{source}: queue {spec.name!r}: {error.code}: {error.message}"
            ) from None


def names(section: SqsSection) -> Mapping[str, set[str]]:
    return {"queue": {queue.name for queue in section.queues}}


SECTION = ScenarioSection("sqs", parse, apply, names)
