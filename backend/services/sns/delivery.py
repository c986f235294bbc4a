"""Delivery to SQS subscribers: SendMessage as sns.amazonaws.com, retries, dead-letter queues.

Publish answers first; the deliveries it makes wait in an outbox that one
task on the clock drains, in publish order, right after (so a FIFO topic's
messages reach each queue in order). Each goes through `cloud.call` as
SQS's SendMessage (`backend/kit/queue_sender.py`), with SNS's service
principal, so the trail shows it `invokedBy` SNS and the queue's own rules
apply: its size limit, ten attributes at most, FIFO ids, its throttling.

What SQS answers decides what happens, as in AWS's "message delivery
retries": a client error (the queue is gone, the message too big, too many
attributes) fails the delivery at once; a server error or throttling is
tried again on AWS's schedule for AWS-managed endpoints (twice after a
second, ten times backing off from 1 to 20 s, then every 20 s, 100,012
times in all, about 23 days) before it fails. AWS's three immediate retries
are left out: at the same simulated instant nothing could have changed. A
failed delivery counts in NumberOfNotificationsFailed and goes to the
subscription's dead-letter queue when its RedrivePolicy names one: the same
body and attributes, to that queue.

Deliveries waiting to be retried hold their messages; together they hold at
most `RETRY_BUDGET` bytes, and one that would pass it fails at once. The bus
hears when a subscription starts failing, when it delivers again, and when
its dead-letter queue starts refusing too; not each failure.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from backend.actors.actor import THROTTLED
from backend.bus import CloudEvent, Severity
from backend.clock import ClockTask
from backend.errors import AwsError
from backend.identity import service_principal
from backend.kit.queue_sender import QueueSender

if TYPE_CHECKING:
    from backend.cloud import Cloud
    from backend.services.sns.subscription import Subscription

#: Who delivers: CloudTrail names SNS in `invokedBy`.
SNS_PRINCIPAL = service_principal("sns.amazonaws.com")
#: Bytes that deliveries waiting for a retry may hold together.
RETRY_BUDGET = 32 * 1024 * 1024
#: Retries of AWS's policy for AWS-managed endpoints, after its immediate ones:
#: 2 a second apart, 10 backing off to 20 s, then 100,000 every 20 s.
_PRE_BACKOFF = 2
_BACKOFF = 10
_POST_BACKOFF = 100_000
_MAX_DELAY = 20.0


def retry_delay(retry: int) -> float | None:
    """Seconds before retry number `retry` (from 1), or None once the policy gives up."""
    if retry <= _PRE_BACKOFF:
        return 1.0
    step = retry - _PRE_BACKOFF
    if step <= _BACKOFF:
        return float(_MAX_DELAY ** ((step - 1) / (_BACKOFF - 1)))
    if step <= _BACKOFF + _POST_BACKOFF:
        return _MAX_DELAY
    return None


def retryable(error: AwsError) -> bool:
    """A server-side error or throttling: SNS tries again. Anything else is the client's."""
    return not error.sender_fault or error.code in THROTTLED


@dataclass(slots=True)
class Delivery:
    """One notification on its way to one subscription's queue."""

    subscription: Subscription
    #: SendMessage's params but QueueUrl: the body, raw attributes, FIFO ids.
    params: dict[str, Any]
    #: Bytes the delivery holds while it waits (body and attributes).
    size: int
    retries: int = 0


class Courier:
    """The outbox of deliveries, the task draining it, and the deliveries waiting to retry."""

    def __init__(self, cloud: Cloud) -> None:
        self.cloud = cloud
        self.sender = QueueSender(cloud, SNS_PRINCIPAL)
        self.outbox: deque[Delivery] = deque()
        #: Bytes held by deliveries waiting for a retry.
        self.retrying = 0
        self._task: ClockTask[None] | None = None
        #: Bumped by `reset`, so retries scheduled before it are dropped when they come due.
        self._generation = 0

    def post(self, deliveries: list[Delivery]) -> None:
        """Queue `deliveries` to go out after the current call returns."""
        self.outbox.extend(deliveries)
        if self._task is None and self.outbox:
            self._task = self.cloud.clock.spawn(self._drain(), name="sns deliveries")

    def reset(self) -> None:
        """Forget every delivery not yet made (the account is being wiped)."""
        self.outbox.clear()
        self.retrying = 0
        self._generation += 1

    async def _drain(self) -> None:
        try:
            while self.outbox:
                await self._attempt(self.outbox.popleft())
        finally:
            self._task = None

    async def _attempt(self, delivery: Delivery) -> None:
        subscription = delivery.subscription
        try:
            await self.sender.send(subscription.endpoint, delivery.params)
        except AwsError as error:
            if retryable(error) and self._retry_later(delivery):
                return
            await self._failed(delivery, error)
            return
        self._delivered(delivery)

    def _retry_later(self, delivery: Delivery) -> bool:
        delay = retry_delay(delivery.retries + 1)
        if delay is None or self.retrying + delivery.size > RETRY_BUDGET:
            return False
        delivery.retries += 1
        self.retrying += delivery.size
        self.cloud.clock.call_later(delay, self._retry_due, delivery, self._generation)
        return True

    def _retry_due(self, delivery: Delivery, generation: int) -> None:
        if generation != self._generation:
            return
        self.retrying -= delivery.size
        self.post([delivery])

    def _delivered(self, delivery: Delivery) -> None:
        now = self.cloud.clock.now()
        subscription = delivery.subscription
        topic = subscription.topic
        topic.metrics.delivered.add(now)
        topic.counters.delivered += 1
        subscription.delivered += 1
        if subscription.failing is not None:
            subscription.failing = None
            self._publish(
                "NotificationsDelivered",
                f"{topic.name}: delivering to {_queue(subscription)} again",
                "information",
                subscription,
            )

    async def _failed(self, delivery: Delivery, error: AwsError) -> None:
        now = self.cloud.clock.now()
        subscription = delivery.subscription
        topic = subscription.topic
        topic.metrics.failed.add(now)
        topic.counters.failed += 1
        subscription.failed += 1
        dead_letter = subscription.dead_letter_arn
        if subscription.failing is None:
            where = (
                f"; to dead-letter queue {dead_letter.rsplit(':', 1)[-1]}" if dead_letter else ""
            )
            self._publish(
                "NotificationFailed",
                f"{topic.name}: delivery to {_queue(subscription)} failed with {error.code}{where}",
                "warning",
                subscription,
            )
        subscription.failing = error.code
        if dead_letter is None:
            return
        try:
            await self.sender.send(dead_letter, delivery.params)
        except AwsError as dlq_error:
            topic.metrics.failed_to_dlq.add(now)
            if not subscription.dlq_failing:
                subscription.dlq_failing = True
                self._publish(
                    "RedriveToDlqFailed",
                    f"{topic.name}: the dead-letter queue {dead_letter.rsplit(':', 1)[-1]} of "
                    f"the subscription to {_queue(subscription)} refused the message with "
                    f"{dlq_error.code}; it is lost",
                    "error",
                    subscription,
                )
            return
        subscription.dlq_failing = False
        topic.metrics.to_dlq.add(now)
        topic.counters.to_dlq += 1

    def _publish(
        self, kind: str, summary: str, severity: Severity, subscription: Subscription
    ) -> None:
        self.cloud.bus.publish(
            CloudEvent(self.cloud.clock.now(), "sns", kind, summary, severity, subscription.arn)
        )


def _queue(subscription: Subscription) -> str:
    """The queue a subscription delivers to, by name."""
    return subscription.endpoint.rsplit(":", 1)[-1]
