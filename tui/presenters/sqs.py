"""SQS as rows: the queues table, the message list, and a queue's settings line.

`SqsPresenter` is the SQS pane's presenter (see `tui.presenters.resource`);
the functions it is made of are also used alone by the message screen.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from rich.text import Text

from backend.cloud import Cloud
from backend.durations import format_duration
from backend.metrics import Series
from backend.services.sqs import SqsService
from backend.services.sqs.message import Message, State, system_attribute_values
from backend.services.sqs.move_tasks import MoveTaskState, Status
from backend.services.sqs.queue import Queue
from tui.presenters.formats import compact_count
from tui.presenters.palette import Palette
from tui.presenters.resource import ResourcePresenter, TableSpec
from widgets.live_table import Column, Row

QUEUE_COLUMNS = (
    Column("name", 0, min_width=20),
    Column("type", 4),
    Column("visible", 7, "right"),
    Column("in flight", 9, "right"),
    Column("delayed", 7, "right", drop=1),
    Column("oldest", 6, "right", drop=2),
    Column("sent/s", 7, "right", drop=5),
    Column("recv/s", 7, "right", drop=4),
    Column("DLQ", 14, drop=3),
)

MESSAGE_COLUMNS = (
    Column("id", 8),
    Column("state", 22),
    Column("rcv", 3, "right"),
    Column("body", 0),
)

FIFO_MESSAGE_COLUMNS = (
    Column("id", 8),
    Column("state", 22),
    Column("rcv", 3, "right"),
    Column("group", 11),
    Column("seq", 6, "right", drop=1),
    Column("body", 0, min_width=30),
)

#: Messages the list shows at most, whatever the queue holds: the pane's cost is bounded.
MESSAGE_LIMIT = 200
BAR_CELLS = 8
#: Seconds of history in the spark row, one bar a second.
SPARK_SECONDS = 60


def rate(series: Series, now: float, window: int = 10) -> float:
    """Per-second average of a counter series over the last `window` whole seconds."""
    return sum(series.sums(int(now), window)) / window


def queue_row(queue: Queue, now: float, dlq_name: str | None) -> Row:
    oldest = queue.oldest_enqueued()
    age = now - oldest if oldest is not None else None
    sent = rate(queue.metrics.sent, now)
    received = rate(queue.metrics.received, now)
    return Row(
        key=queue.arn,
        cells=(
            queue.name,
            "fifo" if queue.fifo else "std",
            f"{queue.n_visible:,}",
            f"{queue.n_inflight:,}",
            f"{queue.n_delayed:,}",
            format_duration(age) if age is not None else "-",
            f"{sent:.1f}",
            f"{received:.1f}",
            dlq_name or "-",
        ),
        sort=(
            queue.name,
            queue.fifo,
            queue.n_visible,
            queue.n_inflight,
            queue.n_delayed,
            age if age is not None else -1.0,
            sent,
            received,
            dlq_name or "",
        ),
    )


def _bar(fraction: float) -> str:
    filled = round(max(0.0, min(1.0, fraction)) * BAR_CELLS)
    return "█" * filled + "░" * (BAR_CELLS - filled)


def message_state(message: Message, now: float, palette: Palette) -> Text:
    """`in flight ██████░░ 18s`: the visibility timeout running down, in words and a bar."""
    state = message.state
    if state is State.INFLIGHT:
        started = message.received_at if message.received_at is not None else now
        total = max(message.deadline - started, 1e-9)
        left = max(0.0, message.deadline - now)
        return Text(f"in flight {_bar(left / total)} {format_duration(left):>3}", palette.inflight)
    if state is State.DELAYED:
        total = max(message.deadline - message.sent_at, 1e-9)
        left = max(0.0, message.deadline - now)
        return Text(f"delayed   {_bar(left / total)} {format_duration(left):>3}", palette.delayed)
    if state is State.VISIBLE:
        return Text("visible", palette.visible)
    return Text("gone", palette.gone)


def message_row(
    message: Message, now: float, palette: Palette, *, fifo: bool, held: bool = False
) -> Row:
    """One message; `held` marks messages whose receipt handle the console holds."""
    receives = Text(str(message.receive_count))
    if held:
        receives = Text(f"●{message.receive_count}", palette.accent)
    preview = message.body.replace("\n", " ")[:200]
    ident = message.message_id[:8]
    state = message_state(message, now, palette)
    if fifo:
        seq = (message.sequence_number or "")[-6:]
        cells: tuple[str | Text, ...] = (
            ident,
            state,
            receives,
            message.group_id or "",
            seq,
            preview,
        )
    else:
        cells = (ident, state, receives, preview)
    return Row(key=message.message_id, cells=cells)


def message_rows(
    messages: Iterable[Message], now: float, palette: Palette, *, fifo: bool, held: set[str]
) -> list[Row]:
    return [message_row(m, now, palette, fifo=fifo, held=m.message_id in held) for m in messages]


def settings_line(queue: Queue, dlq_name: str | None, calls_per_minute: float) -> str:
    """The queue's settings that shape its behaviour, in AWS's names."""
    parts = [
        queue.name,
        f"VisibilityTimeout {format_duration(queue.visibility_timeout)}",
        f"Retention {format_duration(queue.retention_period)}",
    ]
    if queue.delay_seconds:
        parts.append(f"DelaySeconds {queue.delay_seconds}")
    if queue.wait_time_seconds:
        parts.append(f"ReceiveMessageWaitTimeSeconds {queue.wait_time_seconds}")
    if queue.redrive is not None:
        parts.append(f"maxReceiveCount {queue.redrive.max_receive_count} → {dlq_name or '?'}")
    if queue.fifo and queue.content_based_deduplication:
        parts.append("ContentBasedDeduplication")
    if queue.counters.duplicates:
        parts.append(f"missed deletes {queue.counters.duplicates:,}")
    parts.append(f"{calls_per_minute:,.0f} API calls/min")
    return " · ".join(parts)


#: Characters of a body pretty-printed as JSON at most; longer bodies show as sent.
PRETTY_LIMIT = 256 * 1024


def pretty_body(body: str) -> str:
    """The body as a person reads it: JSON indented, anything else as it was sent."""
    if len(body) <= PRETTY_LIMIT and body.lstrip()[:1] in ("{", "["):
        try:
            return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
        except ValueError:
            pass
    return body


def _stamp(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M:%S")


def system_attribute_rows(message: Message) -> list[tuple[str, str]]:
    """(name, value) of every system attribute, timestamps also in words."""
    rows = []
    for name, value in system_attribute_values(message, {"All"}).items():
        if name.endswith("Timestamp"):
            value = f"{value}  ({_stamp(int(value) / 1000)} UTC)"
        rows.append((name, value))
    return rows


def message_attribute_rows(message: Message) -> list[tuple[str, str, str]]:
    """(name, DataType, value) of each message attribute; binary values as base64."""
    rows = []
    for name, value in sorted(message.attributes.items()):
        data_type = value["DataType"]
        if data_type.startswith("Binary"):
            shown = base64.b64encode(value["BinaryValue"]).decode("ascii")
        else:
            shown = value["StringValue"]
        rows.append((name, data_type, shown))
    return rows


def receive_rows(message: Message) -> list[tuple[str, str]]:
    """(when, by whom) of the message's most recent receives, newest first."""
    return [(_stamp(when), receiver or "-") for when, receiver in reversed(message.receives)]


def message_heading(message: Message, queue: Queue, now: float, present: bool) -> str:
    """`MessageId · queue · state`, with when the state ends; `gone` once deleted."""
    if not present:
        state = "gone (deleted, expired, purged or moved)"
    elif message.state is State.INFLIGHT:
        state = f"in flight, visible again in {format_duration(message.deadline - now)}"
    elif message.state is State.DELAYED:
        state = f"delayed, visible in {format_duration(message.deadline - now)}"
    else:
        state = "visible"
    return f"{message.message_id} · {queue.name} · {state}"


def move_task_line(task: MoveTaskState, now: float) -> str:
    """A redrive in one phrase: `redrive RUNNING 120 of 500 at 50/s`, or how it ended."""
    if task.status is Status.RUNNING or task.status is Status.CANCELLING:
        return f"redrive {task.status.value} {task.moved:,} of {task.to_move:,} at {task.rate}/s"
    words = f"redrive {task.status.value} {task.moved:,} of {task.to_move:,} moved"
    if task.failure_reason:
        words += f" ({task.failure_reason})"
    return words


@dataclass
class SqsConsole:
    """What the dashboard's `console` user holds on SQS that the cloud would not tell it again.

    Only the receiver of a message holds its receipt handle, and DeleteMessage
    and ChangeMessageVisibility need it: the pane keeps the handles of the
    messages the console received (● in the list), and the long polls it is
    waiting in, which the messages title counts down.
    """

    #: Receipt handles of messages the console received, by message id.
    receipts: dict[str, str] = field(default_factory=dict)
    #: Long polls the console is waiting in: (queue name, simulated deadline) each.
    receiving: list[tuple[str, float]] = field(default_factory=list)


class SqsPresenter(ResourcePresenter[Queue]):
    """Queues keyed by ARN; the highlighted queue's settings, traffic and oldest messages."""

    table = TableSpec("Queues", QUEUE_COLUMNS, "no queues yet: press n to create one")
    child_table = TableSpec("Messages", MESSAGE_COLUMNS, "no messages")
    spark_labels = ("sent", "recv", "del", "empty")

    def __init__(self, cloud: Cloud, console: SqsConsole) -> None:
        super().__init__(cloud)
        self.sqs = cloud.service(SqsService)
        self.console = console

    def rows(self, palette: Palette) -> list[Row]:
        now = self.cloud.clock.now()
        queues = sorted(self.sqs.queues.values(), key=lambda q: (q.region, q.name))
        return [queue_row(q, now, self.dlq_name(q)) for q in queues]

    def find(self, key: str) -> Queue | None:
        return self.sqs.queue_by_arn(key)

    def name(self, resource: Queue) -> str:
        return resource.name

    def key_of(self, name: str) -> str | None:
        queue = self.sqs.queues.get((self.cloud.region, name))
        return queue.arn if queue is not None else None

    def dlq_name(self, queue: Queue) -> str | None:
        if queue.redrive is None:
            return None
        target = self.sqs.queue_by_arn(queue.redrive.dead_letter_target_arn)
        return target.name if target else queue.redrive.dead_letter_target_arn.rsplit(":", 1)[-1]

    def move_task(self, queue: Queue) -> MoveTaskState | None:
        """The queue's redrive worth showing: one under way, or one that ended a minute ago."""
        tasks = self.sqs.move_tasks(queue.arn)
        if not tasks:
            return None
        task = tasks[0]
        recent = task.ended_at is not None and self.cloud.clock.now() - task.ended_at < 60
        return task if task.active or recent else None

    def held(self, queue: Queue) -> set[str]:
        """Ids of `queue`'s in-flight messages whose receipt handle the console holds."""
        return {
            message_id
            for message_id in self.console.receipts
            if (message := queue.message(message_id)) is not None
            and message.state is State.INFLIGHT
        }

    def detail(self, resource: Queue) -> str:
        now = self.cloud.clock.now()
        end = int(now)
        m = resource.metrics
        calls = sum(sum(s.sums(end, 60)) for s in (m.sent, m.received, m.deleted, m.empty_receives))
        line = settings_line(resource, self.dlq_name(resource), calls)
        task = self.move_task(resource)
        return f"{move_task_line(task, now)} · {line}" if task is not None else line

    def sparks(self, resource: Queue) -> Mapping[str, Sequence[float]]:
        end = int(self.cloud.clock.now())
        m = resource.metrics
        series = (m.sent, m.received, m.deleted, m.empty_receives)
        return {
            label: s.sums(end, SPARK_SECONDS)
            for label, s in zip(self.spark_labels, series, strict=True)
        }

    def child_columns(self, resource: Queue) -> Sequence[Column]:
        return FIFO_MESSAGE_COLUMNS if resource.fifo else MESSAGE_COLUMNS

    def child_rows(self, resource: Queue, palette: Palette) -> list[Row]:
        now = self.cloud.clock.now()
        shown = resource.peek(MESSAGE_LIMIT)
        return message_rows(shown, now, palette, fifo=resource.fifo, held=self.held(resource))

    def child_title(self, resource: Queue, shown: int) -> str:
        """`Messages · orders · 1,740 (oldest 200 shown)`, and a long poll counting down."""
        title = f"Messages · {resource.name} · {len(resource):,}"
        if len(resource) > shown:
            title += f" (oldest {shown:,} shown)"
        deadlines = [deadline for name, deadline in self.console.receiving if name == resource.name]
        if deadlines:
            left = max(0.0, min(deadlines) - self.cloud.clock.now())
            title += f" · ReceiveMessage long poll waiting… {left:.0f}s left"
        return title

    def badge(self) -> tuple[str, bool]:
        """Queues with a backlog; an alert while a dead-letter queue holds messages."""
        queues = self.sqs.queues.values()
        backlog = sum(1 for q in queues if q.n_visible)
        targets = {q.redrive.dead_letter_target_arn for q in queues if q.redrive}
        dead = any(len(q) for q in queues if q.arn in targets)
        return (compact_count(backlog) if backlog else ""), dead
