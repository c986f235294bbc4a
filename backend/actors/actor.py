"""What every actor shares: an identity, a seeded rng, and calls that never crash it."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from backend.bus import CloudEvent
from backend.cloud import Cloud
from backend.errors import AwsError
from backend.identity import Caller, role
from backend.service import Response

#: How long an actor waits before retrying after an error (simulated seconds).
BACKOFF = 5.0
#: Errors a client should wait out rather than drop the request for.
_WAIT_AND_RETRY = frozenset(
    {"QueueDoesNotExist", "ThrottlingException", "RequestThrottled", "OverLimit"}
)


class Actor:
    """A simulated program calling the cloud as an assumed role.

    An error never ends an actor: a person may purge or delete its queue from
    the dashboard, or reset the endpoint, and the actor must back off and carry
    on, as a real service with retries would. The first error of each kind is
    published on the bus so the person sees why the traffic changed.
    """

    kind: ClassVar[str]

    def __init__(self, cloud: Cloud, name: str, queue: str) -> None:
        self.cloud = cloud
        self.name = name
        self.queue = queue
        self.caller: Caller = role(name)
        self.rng = cloud.rng(f"actor/{name}")
        self.status = "starting"
        self.errors = 0
        self.last_error = ""
        self._queue_url: str | None = None
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks.append(self.cloud.clock.spawn(self.run(), name=f"actor {self.name}"))

    def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        self._tasks.clear()

    async def run(self) -> None:
        raise NotImplementedError

    async def call(self, action: str, params: dict[str, Any]) -> Response | None:
        """`cloud.call` as this actor; None when it fails.

        Only errors that waiting can cure (a missing queue, throttling, a fault on
        AWS's side) make the actor back off; a request AWS rejects as invalid (a
        message over MaximumMessageSize) is dropped and the actor goes on, as a
        real producer logging the failure would.
        """
        try:
            return await self.cloud.call("sqs", action, params, caller=self.caller)
        except AwsError as error:
            self.errors += 1
            if error.code == "QueueDoesNotExist":
                self._queue_url = None
            if error.code != self.last_error:
                self.cloud.bus.publish(
                    CloudEvent(
                        self.cloud.clock.now(), "sqs", "ActorError",
                        f"{self.name}: {action} failed with {error.code}", "warning", self.name,
                    )
                )  # fmt: skip
            self.last_error = error.code
            if error.code in _WAIT_AND_RETRY or not error.sender_fault:
                self.status = f"backing off after {error.code}"
                await self.cloud.clock.sleep(BACKOFF)
            return None

    async def queue_url(self) -> str | None:
        """The queue's URL, looked up (GetQueueUrl) as a real program does at start."""
        if self._queue_url is None:
            found = await self.call("GetQueueUrl", {"QueueName": self.queue})
            if found is not None:
                self._queue_url = found["QueueUrl"]
                self.last_error = ""
        return self._queue_url
