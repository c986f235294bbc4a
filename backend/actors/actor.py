"""What every actor shares: an identity, a seeded rng, and calls that never crash it."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from backend.actors.rates import Rate
from backend.bus import CloudEvent
from backend.clock import ClockTask
from backend.cloud import Cloud
from backend.errors import AwsError
from backend.identity import Caller, role
from backend.service import Response

#: How long an actor waits before retrying after an error (simulated seconds).
BACKOFF = 5.0
#: Errors any AWS client waits out rather than drop the request for: throttling.
THROTTLED = frozenset(
    {
        "ThrottlingException",
        "RequestThrottled",
        "OverLimit",
        "SlowDown",
        "ProvisionedThroughputExceededException",
        "ServiceUnavailableException",
    }
)


class Actor:
    """A simulated program calling the cloud as an assumed role.

    An error never ends an actor: a person may purge or delete its resource
    from the dashboard, or reset the endpoint, and the actor must back off and
    carry on, as a real program with retries would. The first error of each
    kind is published on the bus so the person sees why the traffic changed.
    """

    kind: ClassVar[str]
    #: Errors this actor waits out (BACKOFF) before going on: throttling, and
    #: whatever else waiting can cure for its service (a queue not there yet).
    retry_codes: ClassVar[frozenset[str]] = THROTTLED

    def __init__(self, cloud: Cloud, name: str) -> None:
        self.cloud = cloud
        self.name = name
        self.caller: Caller = role(name)
        self.rng = cloud.rng(f"actor/{name}")
        self.status = "starting"
        self.errors = 0
        self.last_error = ""
        self._tasks: list[ClockTask[None]] = []

    @classmethod
    def build(cls, cloud: Cloud, name: str, options: dict[str, Any]) -> Self:
        """The actor a scenario casts, from the options its kind's parser read (`ActorKind`)."""
        return cls(cloud, name, **options)

    def start(self) -> None:
        self._tasks.append(self.cloud.clock.spawn(self.run(), name=f"actor {self.name}"))

    def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        self._tasks.clear()

    async def run(self) -> None:
        raise NotImplementedError

    async def arrival(self, rate: Rate, started: float) -> None:
        """Wait for the next arrival of traffic at `rate` (Poisson), timed from `started`."""
        self.status = "sending"
        clock = self.cloud.clock
        await clock.sleep(rate.next_arrival(clock.now() - started, self.rng))

    def on_error(self, error: AwsError) -> None:
        """Hook for what an error makes stale (a cached queue URL); nothing by default."""

    async def call(self, service: str, action: str, params: dict[str, Any]) -> Response | None:
        """`cloud.call` as this actor; None when it fails.

        Only errors that waiting can cure (`retry_codes`, or a fault on AWS's
        side) make the actor back off; a request AWS rejects as invalid (a
        message over MaximumMessageSize) is dropped and the actor goes on, as
        a real program logging the failure would.
        """
        try:
            response = await self.cloud.call(service, action, params, caller=self.caller)
        except AwsError as error:
            self.errors += 1
            self.on_error(error)
            if error.code != self.last_error:
                self.cloud.bus.publish(
                    CloudEvent(
                        self.cloud.clock.now(),
                        service,
                        "ActorError",
                        f"{self.name}: {action} failed with {error.code}",
                        "warning",
                        self.name,
                    )
                )
            self.last_error = error.code
            if error.code in self.retry_codes or not error.sender_fault:
                self.status = f"backing off after {error.code}"
                await self.cloud.clock.sleep(BACKOFF)
            return None
        return response
