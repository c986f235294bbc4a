"""SNS's scenario actor: a publisher, Publish at a Poisson rate, with message attributes.

Like SQS's producer it sends bodies from `backend/actors/bodies.py`; each
message also carries attributes for filter policies to look at, one value
drawn per attribute from the choices the scenario lists:

```toml
[[actor]]
kind = "sns-publisher"
name = "orders-api"
topic = "orders"
rate = 5
body = "order"
attributes = { kind = ["order", "refund"], priority = [1, 2, 3] }
# groups = ["a", "b"]     # MessageGroupId choices, for a FIFO topic
```

Text choices are String attributes, numbers Number ones. A FIFO topic's
messages get a MessageDeduplicationId of their own (the actor's name and a
count), so they need no ContentBasedDeduplication. The actor names its topic
by ARN, in the cloud's account and region; while the topic is missing
(NotFound) it backs off and tries again, so a topic deleted and made again
gets its traffic back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from backend.actors.actor import THROTTLED, Actor
from backend.actors.bodies import BODIES
from backend.actors.rates import Rate, read_rate
from backend.cloud import Cloud
from backend.kit.scenario import Reader
from backend.registry import ActorKind

Choice = str | int | float


class Publisher(Actor):
    """Poisson arrivals at `rate` on one topic, with attributes drawn from their choices."""

    kind: ClassVar[str] = "sns-publisher"
    retry_codes: ClassVar[frozenset[str]] = THROTTLED | {"NotFound"}

    def __init__(
        self,
        cloud: Cloud,
        name: str,
        topic: str,
        *,
        rate: Rate,
        body: str = "text",
        attributes: dict[str, tuple[Choice, ...]] | None = None,
        groups: tuple[str, ...] = (),
    ) -> None:
        super().__init__(cloud, name)
        self.topic_arn = f"arn:aws:sns:{cloud.region}:{cloud.account}:{topic}"
        self.rate = rate
        self.body = BODIES[body]
        self.attributes = attributes or {}
        self.groups = groups
        self.published = 0

    async def run(self) -> None:
        started = self.cloud.clock.now()
        while True:
            await self.arrival(self.rate, started)
            group = self.rng.choice(self.groups) if self.groups else None
            params: dict[str, Any] = {
                "TopicArn": self.topic_arn,
                "Message": self.body(self.published, self.rng, group),
            }
            if self.attributes:
                params["MessageAttributes"] = {
                    name: _attribute(self.rng.choice(choices))
                    for name, choices in self.attributes.items()
                }
            if group is not None:
                params["MessageGroupId"] = group
                params["MessageDeduplicationId"] = f"{self.name}-{self.published}"
            if await self.call("sns", "Publish", params) is not None:
                self.published += 1


def _attribute(value: Choice) -> dict[str, str]:
    if isinstance(value, str):
        return {"DataType": "String", "StringValue": value}
    return {"DataType": "Number", "StringValue": repr(value)}


def _options(table: Reader, defined: Mapping[str, set[str]]) -> dict[str, Any]:
    options: dict[str, Any] = {"topic": table.defined("topic", "sns.topic", defined)}
    options["rate"] = read_rate(table, "messages per second")
    body = table.get("body", str, "text")
    if body not in BODIES:
        raise table.fail(f"body must be one of {', '.join(BODIES)}, not {body!r}")
    options["body"] = body
    attributes: dict[str, tuple[Choice, ...]] = {}
    for name, value in (table.get("attributes", dict, {}) or {}).items():
        choices = value if isinstance(value, list) else [value]
        if not choices or not all(
            isinstance(c, str | int | float) and not isinstance(c, bool) for c in choices
        ):
            raise table.fail(
                f"attributes.{name} must be text, a number, or a list of them, not {value!r}"
            )
        attributes[str(name)] = tuple(choices)
    options["attributes"] = attributes
    options["groups"] = tuple(str(g) for g in table.get("groups", list, []))
    return options


ACTORS = (
    ActorKind(
        "sns-publisher",
        _options,
        Publisher.build,
        "Publish at a Poisson rate, with attributes",
    ),
)
