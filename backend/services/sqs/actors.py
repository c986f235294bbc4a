"""SQS's scenario actors: producers that send and consumers that receive and delete.

Both know their queue by name and look its URL up as a real program does
(`backend.actors.queues`), so a queue deleted and recreated from the
dashboard gets its traffic back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, ClassVar

from backend.actors.bodies import BODIES, POISON_SKU
from backend.actors.draws import pick
from backend.actors.queues import QueueByName
from backend.actors.rates import Rate, read_rate
from backend.cloud import Cloud
from backend.kit.scenario import Reader
from backend.registry import ActorKind


class Producer(QueueByName):
    """Poisson arrivals at `rate`; bodies from a named generator; FIFO groups if given."""

    kind: ClassVar[str] = "sqs-producer"

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
        started = self.cloud.clock.now()
        while True:
            await self.arrival(self.rate, started)
            url = await self.queue_url()
            if url is None:
                continue
            group = pick(self.rng, self.groups) if self.groups else None
            params: dict[str, Any] = {
                "QueueUrl": url,
                "MessageBody": self.body(self.sent, self.rng, group),
            }
            if group is not None:
                params["MessageGroupId"] = group
            if self.delay is not None:
                params["DelaySeconds"] = self.delay
            if await self.call("sqs", "SendMessage", params) is not None:
                self.sent += 1


class Consumer(QueueByName):
    """`workers` independent receive loops on one queue.

    Processing takes a uniform time in [`process_min`, `process_max`]. A
    message fails with probability `failure_rate`, and always when its body
    names the poison SKU; a failed message is simply not deleted, so it
    reappears when its visibility timeout ends, and after maxReceiveCount
    receives the queue's redrive policy moves it to the dead-letter queue.
    A short-polling consumer (`wait_time` 0) sleeps `poll_interval` after an
    empty receive; a long-polling one waits inside ReceiveMessage instead.
    """

    kind: ClassVar[str] = "sqs-consumer"

    def __init__(
        self,
        cloud: Cloud,
        name: str,
        queue: str,
        *,
        workers: int = 1,
        wait_time: int = 20,
        max_messages: int = 10,
        process_min: float = 0.1,
        process_max: float = 1.0,
        failure_rate: float = 0.0,
        poll_interval: float = 1.0,
    ) -> None:
        super().__init__(cloud, name, queue)
        self.workers = workers
        self.wait_time = wait_time
        self.max_messages = max_messages
        self.process_min = process_min
        self.process_max = process_max
        self.failure_rate = failure_rate
        self.poll_interval = poll_interval
        self.processed = 0
        self.failed = 0

    async def run(self) -> None:
        clock = self.cloud.clock
        workers = [clock.spawn(self._work(), name=f"{self.name}#{i}") for i in range(self.workers)]
        try:
            await asyncio.gather(*workers)
        finally:
            for worker in workers:
                worker.cancel()

    async def _work(self) -> None:
        clock = self.cloud.clock
        while True:
            url = await self.queue_url()
            if url is None:
                continue
            self.status = "polling" if self.wait_time else "short polling"
            received = await self.call(
                "sqs",
                "ReceiveMessage",
                {
                    "QueueUrl": url,
                    "MaxNumberOfMessages": self.max_messages,
                    "WaitTimeSeconds": self.wait_time,
                },
            )
            if received is None:
                continue
            messages = received.get("Messages", [])
            if not messages:
                if self.wait_time == 0:
                    await clock.sleep(self.poll_interval)
                continue
            self.status = "processing"
            for message in messages:
                await clock.sleep(self.rng.uniform(self.process_min, self.process_max))
                if POISON_SKU in message["Body"] or self.rng.random() < self.failure_rate:
                    self.failed += 1
                    continue
                handle = message["ReceiptHandle"]
                deleted = await self.call(
                    "sqs", "DeleteMessage", {"QueueUrl": url, "ReceiptHandle": handle}
                )
                if deleted is not None:
                    self.processed += 1


def _producer_options(table: Reader, defined: Mapping[str, set[str]]) -> dict[str, Any]:
    options: dict[str, Any] = {"queue": table.defined("queue", "sqs.queue", defined)}
    options["rate"] = read_rate(table, "messages per second")
    body = table.get("body", str, "text")
    if body not in BODIES:
        raise table.fail(f"body must be one of {', '.join(BODIES)}, not {body!r}")
    options["body"] = body
    options["groups"] = tuple(str(g) for g in table.get("groups", list, []))
    delay = table.get("delay", int)
    if delay is not None:
        options["delay"] = delay
    return options


def _consumer_options(table: Reader, defined: Mapping[str, set[str]]) -> dict[str, Any]:
    options: dict[str, Any] = {"queue": table.defined("queue", "sqs.queue", defined)}
    options["workers"] = int(table.number("workers", 1, 1, 100))
    options["wait_time"] = int(table.number("wait_time", 20, 0, 20))
    options["max_messages"] = int(table.number("max_messages", 10, 1, 10))
    options["failure_rate"] = table.number("failure_rate", 0.0, 0.0, 1.0)
    options["poll_interval"] = table.duration("poll_interval", 1.0)
    process = table.sub("process")
    if process is not None:
        options["process_min"] = process.duration("min", 0.1)
        options["process_max"] = process.duration("max", 1.0)
        process.done()
        if options["process_min"] > options["process_max"]:
            raise table.fail("process.min must not exceed process.max")
    return options


ACTORS = (
    ActorKind(
        "sqs-producer",
        _producer_options,
        Producer.build,
        "SendMessage at a Poisson rate",
    ),
    ActorKind(
        "sqs-consumer",
        _consumer_options,
        Consumer.build,
        "ReceiveMessage, process, DeleteMessage",
    ),
)
