"""The event bus: discrete happenings the dashboard turns into notifications.

Panes pull state on an interval; this bus is for the few things worth pushing
(a message moved to a dead-letter queue, a queue purged, an alarm flipping), so
a person sees them even when looking at another pane. Publishing is synchronous
and cheap with no subscribers, so services publish freely.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

log = logging.getLogger(__name__)

Severity = Literal["information", "warning", "error"]


@dataclass(frozen=True, slots=True)
class CloudEvent:
    """Something that happened in the cloud, in words a person can read."""

    time: float
    service: str
    kind: str
    summary: str
    severity: Severity = "information"
    resource: str = ""


Subscriber = Callable[[CloudEvent], None]


class Bus:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Add `subscriber`; the returned function removes it again."""
        self._subscribers.append(subscriber)
        return lambda: self._subscribers.remove(subscriber)

    def publish(self, event: CloudEvent) -> None:
        for subscriber in list(self._subscribers):
            try:
                subscriber(event)
            except Exception:
                log.exception("bus subscriber %r failed on %s", subscriber, event.kind)
