"""The cloud's discrete happenings as the dashboard keeps them: a log that folds bursts.

At 300x a poison-message scenario moves dozens of messages to a dead-letter
queue a second. As toasts they buried the screen; here a burst of one kind of
event on one resource is one line whose count grows (`MovedToDeadLetterQueue
×37`), kept in a bounded log the person can open (`!`) and read at leisure,
while the strip above the footer shows the newest line. Plain Python: the app
feeds it from the cloud's bus, the strip and the log screen read it.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from backend.bus import CloudEvent, Severity

#: Lines the log keeps; older ones go.
CAPACITY = 1000
#: Simulated seconds within which another event of the same kind on the same
#: resource folds into the line instead of starting a new one.
FOLD_WINDOW = 60.0

_RANK: dict[Severity, int] = {"information": 0, "warning": 1, "error": 2}


@dataclass
class LoggedEvent:
    """One line of the log: an event, or a burst of the same event on one resource."""

    first: float
    last: float
    service: str
    kind: str
    resource: str
    #: The newest event's words; earlier ones of the burst are counted, not kept.
    summary: str
    #: The worst severity of the burst.
    severity: Severity
    count: int = 1


class EventLog:
    """Lines ordered by their newest event, at most `capacity` of them."""

    def __init__(self, capacity: int = CAPACITY, fold_window: float = FOLD_WINDOW) -> None:
        self._capacity = capacity
        self._window = fold_window
        self._lines: OrderedDict[int, LoggedEvent] = OrderedDict()
        #: The line each (service, kind, resource) folds into, by its number.
        self._open: dict[tuple[str, str, str], int] = {}
        self._numbers = itertools.count()
        #: Events ever added, folded or not.
        self.total = 0

    def add(self, event: CloudEvent) -> LoggedEvent:
        """Log `event`, folding it into its kind's line when that line is recent."""
        self.total += 1
        key = (event.service, event.kind, event.resource)
        number = self._open.get(key)
        line = self._lines.get(number) if number is not None else None
        if number is not None and line is not None and event.time - line.last <= self._window:
            line.count += 1
            line.last = max(line.last, event.time)
            line.summary = event.summary
            if _RANK[event.severity] > _RANK[line.severity]:
                line.severity = event.severity
            self._lines.move_to_end(number)
            return line
        line = LoggedEvent(
            event.time,
            event.time,
            event.service,
            event.kind,
            event.resource,
            event.summary,
            event.severity,
        )
        number = next(self._numbers)
        self._lines[number] = line
        self._open[key] = number
        while len(self._lines) > self._capacity:
            gone, old = self._lines.popitem(last=False)
            old_key = (old.service, old.kind, old.resource)
            if self._open.get(old_key) == gone:
                del self._open[old_key]
        return line

    def newest(self) -> LoggedEvent | None:
        return next(reversed(self._lines.values()), None)

    def lines(self) -> Iterator[LoggedEvent]:
        """Every line, newest first."""
        return reversed(self._lines.values())

    def __len__(self) -> int:
        return len(self._lines)

    def clear(self) -> None:
        self._lines.clear()
        self._open.clear()
