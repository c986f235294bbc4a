"""Message move tasks: a dead-letter queue redriven, message by message, on the virtual clock.

StartMessageMoveTask is how the console's "Start DLQ redrive" works. The
task takes the messages that are in the dead-letter queue when it starts
(`ApproximateNumberOfMessagesToMove`), oldest first, and sends each one on:
to the queue named as the destination, or, with none named, back to the
queue it was dead-lettered from (its `DeadLetterQueueSourceArn`). A moved
message is a new message there, with a new id, a new enqueue time and a
receive count of zero, and the same body and attributes.

The task runs on the clock: once a simulated second it moves up to its rate
(`MaxNumberOfMessagesPerSecond`, 1 to 500; AWS's "system optimized" default
is taken as the maximum, 500). At 60x speed a person watches a DLQ drain
into its sources; a test steps the clock and sees exactly how many moved.
Like AWS, the task receives from the dead-letter queue as a consumer does,
so it moves only what it can receive (not messages in flight or delayed),
and deletes each message once it is sent on.

A task ends COMPLETED when it has moved what it set out to or finds nothing
left to receive; CANCELLED a step after CancelMessageMoveTask asked
(CANCELLING until then); FAILED when a queue it needs is gone, with AWS's
FailureReason `AWS.SimpleQueueService.NonExistentQueue`, leaving the
unmoved messages in the dead-letter queue. Each of these, and the start,
is published on the cloud's bus.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum

from backend.bus import Bus, CloudEvent, Severity
from backend.clock import Clock, TimerHandle
from backend.ids import uuid4
from backend.services.sqs.message import INFLIGHT, Message
from backend.services.sqs.queue import Queue
from backend.untrusted import json_document

MAX_RATE = 500
#: The rate of a task started without MaxNumberOfMessagesPerSecond. AWS
#: "optimizes" it to the backlog; the documented maximum stands in for that.
DEFAULT_RATE = MAX_RATE
#: ListMessageMoveTasks reports up to the 10 most recent tasks of the last 14 days.
HISTORY = 10
HISTORY_SECONDS = 14 * 86_400
#: The FailureReason AWS gives when a queue the task moves from or to is deleted.
NON_EXISTENT_QUEUE = "AWS.SimpleQueueService.NonExistentQueue"
#: Messages taken from the source per receive: a receive's own maximum.
_BATCH = 10
#: Longest TaskHandle worth decoding (a task id and a queue ARN of 80 characters).
_MAX_HANDLE = 1024


class Status(StrEnum):
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    CANCELLING = "CANCELLING"
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"


@dataclass(frozen=True, slots=True)
class MoveTaskState:
    """One move task as ListMessageMoveTasks and the dashboard see it, at one moment."""

    task_id: str
    source_arn: str
    #: None: each message goes back to the queue it was dead-lettered from.
    destination_arn: str | None
    #: As the request gave it; None when the rate was left to the system.
    max_per_second: int | None
    started_at: float
    to_move: int
    moved: int = 0
    status: Status = Status.RUNNING
    failure_reason: str | None = None
    ended_at: float | None = None

    @property
    def rate(self) -> int:
        """Messages moved per simulated second."""
        return self.max_per_second or DEFAULT_RATE

    @property
    def active(self) -> bool:
        """Still holding its source: only one active task per queue is allowed."""
        return self.status in (Status.RUNNING, Status.CANCELLING)

    @property
    def handle(self) -> str:
        """The TaskHandle: base64 JSON naming the task and its source, as AWS's does."""
        document = json.dumps(
            {"taskId": self.task_id, "sourceArn": self.source_arn}, separators=(",", ":")
        )
        return base64.b64encode(document.encode()).decode("ascii")


def decode_handle(handle: str) -> tuple[str, str] | None:
    """(task id, source ARN) from a TaskHandle, or None when it is not one.

    A real handle is about 200 characters; anything much longer is refused
    unread, so no request can make the JSON parser recurse without bound.
    """
    if len(handle) > _MAX_HANDLE:
        return None
    try:
        document = json_document(base64.b64decode(handle, validate=True))
    except (binascii.Error, ValueError):
        return None
    if not isinstance(document, dict):
        return None
    task_id, source_arn = document.get("taskId"), document.get("sourceArn")
    if not isinstance(task_id, str) or not isinstance(source_arn, str):
        return None
    return task_id, source_arn


class _Task:
    """A task's current state and the timer of its next step."""

    __slots__ = ("state", "timer")

    def __init__(self, state: MoveTaskState) -> None:
        self.state = state
        self.timer: TimerHandle | None = None


class MoveTasks:
    """Every move task of the account: their histories and the clock timers that run them."""

    def __init__(
        self,
        clock: Clock,
        bus: Bus,
        rng: random.Random,
        resolve_arn: Callable[[str], Queue | None],
    ) -> None:
        self._clock = clock
        self._bus = bus
        self._rng = rng
        self._resolve_arn = resolve_arn
        self._by_source: dict[str, deque[_Task]] = {}
        self._by_id: dict[str, _Task] = {}

    # -- queries ----------------------------------------------------------------

    def recent(self, source_arn: str) -> list[MoveTaskState]:
        """The source's tasks of the last 14 days, newest first (at most 10)."""
        since = self._clock.now() - HISTORY_SECONDS
        tasks = self._by_source.get(source_arn, ())
        return [t.state for t in reversed(tasks) if t.state.started_at >= since]

    def active(self, source_arn: str) -> MoveTaskState | None:
        tasks = self._by_source.get(source_arn)
        if tasks and tasks[-1].state.active:
            return tasks[-1].state
        return None

    def find(self, source_arn: str, task_id: str) -> MoveTaskState | None:
        task = self._by_id.get(task_id)
        if task is None or task.state.source_arn != source_arn:
            return None
        return task.state

    # -- changes ----------------------------------------------------------------

    def start(
        self, source: Queue, destination: Queue | None, max_per_second: int | None
    ) -> MoveTaskState:
        """Start moving what `source` holds now; the first step runs at this same instant."""
        now = self._clock.now()
        task = _Task(
            MoveTaskState(
                task_id=uuid4(self._rng),
                source_arn=source.arn,
                destination_arn=destination.arn if destination is not None else None,
                max_per_second=max_per_second,
                started_at=now,
                to_move=source.n_visible,
            )
        )
        history = self._by_source.setdefault(source.arn, deque())
        if len(history) == HISTORY:
            del self._by_id[history.popleft().state.task_id]
        history.append(task)
        self._by_id[task.state.task_id] = task
        task.timer = self._clock.call_at(now, self._step, task)
        target = destination.name if destination is not None else "their source queues"
        self._publish(
            task.state,
            "MessageMoveTaskStarted",
            f"Redrive from {source.name} to {target} started: "
            f"{task.state.to_move} messages to move",
            "information",
        )
        return task.state

    def cancel(self, task_id: str) -> MoveTaskState:
        """Ask a RUNNING task to stop: CANCELLING now, CANCELLED at its next step."""
        task = self._by_id[task_id]
        task.state = replace(task.state, status=Status.CANCELLING)
        return task.state

    def forget(self, source_arn: str) -> None:
        """The source queue was deleted: its running task fails and its history goes."""
        for task in self._by_source.pop(source_arn, ()):
            del self._by_id[task.state.task_id]
            if task.state.active:
                self._fail(task, NON_EXISTENT_QUEUE)

    def reset(self) -> None:
        for task in self._by_id.values():
            if task.timer is not None:
                task.timer.cancel()
        self._by_source.clear()
        self._by_id.clear()

    # -- running ----------------------------------------------------------------

    def _step(self, task: _Task) -> None:
        """One simulated second of a task: move up to its rate, then end or go on."""
        task.timer = None
        state = task.state
        if state.status is Status.CANCELLING:
            self._end(task, Status.CANCELLED)
            return
        source = self._live(state.source_arn)
        destination = None if state.destination_arn is None else self._live(state.destination_arn)
        if source is None or (state.destination_arn is not None and destination is None):
            self._fail(task, NON_EXISTENT_QUEUE)
            return
        now = self._clock.now()
        budget = min(state.rate, state.to_move - state.moved)
        exhausted = False
        while budget > 0 and not exhausted:
            wanted = min(budget, _BATCH)
            taken = source.receive(wanted, source.visibility_timeout, now, short_poll=False)
            exhausted = len(taken) < wanted
            for index, message in enumerate(taken):
                target = destination
                if target is None:
                    target = self._live(message.dead_letter_source or "")
                if target is None:
                    # Nowhere to send it (no recorded source, or that queue is gone): the
                    # rest of this receive goes back, in order, for whoever comes next.
                    for unmoved in reversed(taken[index:]):
                        if unmoved.state is INFLIGHT:
                            source.change_visibility(unmoved, 0, now)
                    self._fail(task, NON_EXISTENT_QUEUE)
                    return
                target.enqueue(self._redriven(message, target, now), target.delay_seconds, now)
                target.counters.sent += 1
                source.delete(message)
                task.state = replace(task.state, moved=task.state.moved + 1)
            budget -= len(taken)
        if exhausted or task.state.moved >= task.state.to_move:
            self._end(task, Status.COMPLETED)
        else:
            task.timer = self._clock.call_at(now + 1, self._step, task)

    def _live(self, arn: str) -> Queue | None:
        queue = self._resolve_arn(arn)
        return None if queue is None or queue.deleted else queue

    def _redriven(self, message: Message, target: Queue, now: float) -> Message:
        """The new message a move sends to `target`: same content, a fresh life."""
        copy = Message(uuid4(self._rng), message.body, now, message.sender_id, message.md5)
        if message.attributes:
            copy.attributes = message.attributes
            copy.md5_attributes = message.md5_attributes
        if message.system_attributes:
            copy.system_attributes = message.system_attributes
            copy.md5_system_attributes = message.md5_system_attributes
        if message.group_id is not None:
            copy.group_id = message.group_id
        if target.fifo:
            # As for a move into a FIFO DLQ: the message's id stands in for its
            # deduplication id, so two messages that shared one both arrive.
            copy.dedup_id = message.message_id
            copy.sequence_number = target.next_sequence_number()
        return copy

    def _fail(self, task: _Task, reason: str) -> None:
        task.state = replace(task.state, failure_reason=reason)
        self._end(task, Status.FAILED)

    def _end(self, task: _Task, status: Status) -> None:
        if task.timer is not None:
            task.timer.cancel()
            task.timer = None
        state = task.state = replace(task.state, status=status, ended_at=self._clock.now())
        source = _name(state.source_arn)
        done = f"{state.moved} of {state.to_move} messages"
        if status is Status.COMPLETED:
            self._publish(
                state,
                "MessageMoveTaskCompleted",
                f"Redrive from {source} completed: {state.moved} messages moved",
                "information",
            )
        elif status is Status.CANCELLED:
            self._publish(
                state,
                "MessageMoveTaskCancelled",
                f"Redrive from {source} cancelled after {done}",
                "warning",
            )
        else:
            self._publish(
                state,
                "MessageMoveTaskFailed",
                f"Redrive from {source} failed after {done}: {state.failure_reason}",
                "error",
            )

    def _publish(self, state: MoveTaskState, kind: str, summary: str, severity: Severity) -> None:
        self._bus.publish(
            CloudEvent(self._clock.now(), "sqs", kind, summary, severity, state.source_arn)
        )


def _name(arn: str) -> str:
    return arn.rsplit(":", 1)[-1]
