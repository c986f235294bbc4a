"""An actor's SQS queue, known by name and found as a real program finds it.

A program given a queue name looks its URL up once (GetQueueUrl) and keeps
it until SQS answers QueueDoesNotExist; then it looks again, so a queue
deleted and recreated from the dashboard gets its traffic back. Actors of
more than one service use a queue (SQS's own, S3's big-document producer and
consumer), and services may not import each other, so this sits with the
actors and speaks to SQS only through `Actor.call`, by action and error name.
"""

from __future__ import annotations

from typing import ClassVar

from backend.actors.actor import THROTTLED, Actor
from backend.cloud import Cloud
from backend.errors import AwsError

#: The error that makes a known queue URL stale, and that waiting can cure.
QUEUE_GONE = "QueueDoesNotExist"


class QueueByName(Actor):
    """An actor bound to the SQS queue `queue`, which it finds by name and finds again when lost."""

    retry_codes: ClassVar[frozenset[str]] = THROTTLED | {QUEUE_GONE}

    def __init__(self, cloud: Cloud, name: str, queue: str) -> None:
        super().__init__(cloud, name)
        self.queue = queue
        self._queue_url: str | None = None

    def on_error(self, error: AwsError) -> None:
        if error.code == QUEUE_GONE:
            self._queue_url = None

    async def queue_url(self) -> str | None:
        """The queue's URL, looked up (GetQueueUrl) when not known; None while it is missing."""
        if self._queue_url is None:
            found = await self.call("sqs", "GetQueueUrl", {"QueueName": self.queue})
            if found is not None:
                self._queue_url = found["QueueUrl"]
                self.last_error = ""
        return self._queue_url
