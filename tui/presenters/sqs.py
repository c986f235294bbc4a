"""SQS as rows: the queues table, the message list, and a queue's settings line."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from datetime import UTC, datetime

from rich.text import Text

from backend.durations import format_duration
from backend.metrics import Series
from backend.services.sqs.message import Message, State, system_attribute_values
from backend.services.sqs.move_tasks import MoveTaskState, Status
from backend.services.sqs.queue import Queue
from tui.presenters.palette import Palette
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
            queue.name, queue.fifo, queue.n_visible, queue.n_inflight, queue.n_delayed,
            age if age is not None else -1.0, sent, received, dlq_name or "",
        ),
    )  # fmt: skip


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
            ident, state, receives, message.group_id or "", seq, preview,
        )  # fmt: skip
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
