"""A producer: sends messages to a queue at a varying rate."""

from __future__ import annotations

from typing import Any, ClassVar

from backend.actors.actor import Actor
from backend.actors.bodies import BODIES
from backend.actors.rates import Rate
from backend.cloud import Cloud


class Producer(Actor):
    """Poisson arrivals at `rate`; bodies from a named generator; FIFO groups if given."""

    kind: ClassVar[str] = "producer"

    def __init__(
        self,
        cloud: Cloud,
        name: str,
        queue: str,
        *,
        rate: Rate,
        body: str = "text",
        groups: tuple[str, ...] = (),
        delay: int | None = None,
    ) -> None:
        super().__init__(cloud, name, queue)
        self.rate = rate
        self.body = BODIES[body]
        self.groups = groups
        self.delay = delay
        self.sent = 0

    async def run(self) -> None:
        clock = self.cloud.clock
        started = clock.now()
        while True:
            self.status = "sending"
            await clock.sleep(self.rate.next_arrival(clock.now() - started, self.rng))
            url = await self.queue_url()
            if url is None:
                continue
            group = self.rng.choice(self.groups) if self.groups else None
            params: dict[str, Any] = {
                "QueueUrl": url,
                "MessageBody": self.body(self.sent, self.rng, group),
            }
            if group is not None:
                params["MessageGroupId"] = group
            if self.delay is not None:
                params["DelaySeconds"] = self.delay
            if await self.call("SendMessage", params) is not None:
                self.sent += 1
