"""A consumer: receives, processes for a while, and deletes, or fails and lets go."""

from __future__ import annotations

import asyncio
from typing import ClassVar

from backend.actors.actor import Actor
from backend.actors.bodies import POISON_SKU
from backend.cloud import Cloud


class Consumer(Actor):
    """`workers` independent receive loops on one queue.

    Processing takes a uniform time in [`process_min`, `process_max`]. A
    message fails with probability `failure_rate`, and always when its body
    names the poison SKU; a failed message is simply not deleted, so it
    reappears when its visibility timeout ends, and after maxReceiveCount
    receives the queue's redrive policy moves it to the dead-letter queue.
    A short-polling consumer (`wait_time` 0) sleeps `poll_interval` after an
    empty receive; a long-polling one waits inside ReceiveMessage instead.
    """

    kind: ClassVar[str] = "consumer"

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
                deleted = await self.call(
                    "DeleteMessage", {"QueueUrl": url, "ReceiptHandle": message["ReceiptHandle"]}
                )
                if deleted is not None:
                    self.processed += 1
