"""SQS as rows: the queues table, the message list, and a queue's settings line."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text

from backend.durations import format_duration
from backend.metrics import Series
from backend.services.sqs.message import Message, State
from backend.services.sqs.queue import Queue
from tui.presenters.palette import Palette
from widgets.live_table import Column, Row

QUEUE_COLUMNS = (
    Column("name", 0),
    Column("type", 4),
    Column("visible", 7, "right"),
    Column("in flight", 9, "right"),
    Column("delayed", 7, "right"),
    Column("oldest", 6, "right"),
    Column("sent/s", 7, "right", hide_below=100),
    Column("recv/s", 7, "right", hide_below=100),
    Column("DLQ", 14),
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
    Column("seq", 6, "right", hide_below=90),
    Column("body", 0),
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
