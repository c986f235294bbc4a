"""Firehose as rows: delivery streams, the buffer filling up, and the objects it became.

`FirehosePresenter` is the Firehose pane's presenter (see `tui.presenters.resource`).
A buffer is drawn as two gauges, one toward SizeInMBs and one toward
IntervalInSeconds, because Firehose flushes at whichever fills first: with
both in view a person sees which of the two is going to decide, and that a
quiet stream still delivers once its interval is up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.text import Text

from backend.cloud import Cloud
from backend.services.firehose import FirehoseService
from backend.services.firehose.delivery_log import Delivered
from backend.services.firehose.limits import RETRY_INTERVAL
from backend.services.firehose.views import BufferFill, StreamView
from tui.presenters.formats import clock, compact_count
from tui.presenters.palette import Palette
from tui.presenters.resource import ResourcePresenter, TableSpec
from tui.presenters.sqs import rate
from widgets.live_table import Column, Row

STREAM_COLUMNS = (
    Column("name", 0, min_width=12),
    Column("status", 8),
    Column("source", 14, drop=3),
    Column("destination", 0, min_width=18),
    Column("in/s", 6, "right", drop=2),
    Column("delivered", 9, "right", drop=1),
    Column("waiting", 8, "right"),
)

DELIVERY_COLUMNS = (
    Column("time", 8),
    Column("object key", 0, min_width=24),
    Column("size", 9, "right"),
    Column("records", 7, "right", drop=1),
)

#: Deliveries the child table shows at most: the newest (the stream keeps a few hundred).
DELIVERY_LIMIT = 100
#: Cells of a buffer gauge: at a 60 s interval, one cell every 3.75 s.
GAUGE_CELLS = 16
#: Cells a gauge's value takes, so the two gauges' texts line up whatever their numbers.
VALUE_CELLS = 18
#: Seconds of history in the spark row, one bar a second.
SPARK_SECONDS = 60
#: Firehose's own prefix when a Prefix has no `!{...}` expressions (or none is given).
TIME_PATH = "YYYY/MM/dd/HH/"
_UNITS = (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10))


def format_bytes(count: int) -> str:
    """`0 B`, `812 B`, `5.2 KiB`, `312 KiB`, `1 MiB`: binary units, as SizeInMBs means them."""
    for unit, size in _UNITS:
        if count >= size:
            value = count / size
            text = f"{value:.1f}" if value < 10 else f"{value:.0f}"
            return f"{text.removesuffix('.0')} {unit}"
    return f"{count} B"


def counted(count: int, noun: str) -> str:
    """`1 record`, `1,240 records`."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def gauge(fraction: float) -> str:
    """`██████░░░░░░░░░░`: `fraction` of `GAUGE_CELLS`, rounded down, but never empty above 0.

    Rounded down, so a full gauge means the hint is reached and the flush is
    due, never that it is merely close; and one record shows as one cell, so
    an empty buffer and an almost empty one never look alike.
    """
    fraction = max(0.0, min(1.0, fraction))
    cells = int(fraction * GAUGE_CELLS)
    if fraction > 0 and cells == 0:
        cells = 1
    return "█" * cells + "░" * (GAUGE_CELLS - cells)


def size_fraction(fill: BufferFill) -> float:
    return fill.bytes / fill.size_hint if fill.size_hint else 1.0


def time_fraction(fill: BufferFill) -> float:
    """How much of IntervalInSeconds the oldest buffered record has waited (0 when empty)."""
    if fill.age is None:
        return 0.0
    return fill.age / fill.interval_hint if fill.interval_hint else 1.0


def _gauge_line(label: str, fraction: float, value: str, palette: Palette) -> Text:
    bar = gauge(fraction)
    filled = len(bar.rstrip("░"))
    return Text.assemble(
        f"{label} ▕",
        (bar[:filled], palette.inflight),
        (bar[filled:], palette.gone),
        f"▏ {value:<{VALUE_CELLS}}",
    )


def buffer_lines(view: StreamView, palette: Palette) -> Text:
    """The two gauges, a line each: toward SizeInMBs, and toward IntervalInSeconds."""
    fill = view.buffer
    size_value = f"{format_bytes(fill.bytes)} / {format_bytes(fill.size_hint)}"
    size = _gauge_line("size", size_fraction(fill), size_value, palette)
    size.append(f"{counted(fill.records, 'record')} buffered")
    age = "-" if fill.age is None else f"{int(fill.age)} s"
    time = _gauge_line("time", time_fraction(fill), f"{age} / {fill.interval_hint} s", palette)
    if fill.age is not None:
        left = max(0, fill.interval_hint - int(fill.age))
        time.append(f"flushes in {left} s at the latest")
    else:
        time.append("starts with the next record")
    return Text("\n").join([size, time])


def prefix_text(prefix: str) -> str:
    """The Prefix as the keys will have it: without expressions, Firehose appends its time path."""
    if not prefix:
        return f"{TIME_PATH} (default, UTC)"
    if "!{" in prefix:
        return prefix
    return f"{prefix} + {TIME_PATH}"


def destination_text(view: StreamView) -> str:
    return f"s3://{view.bucket}/{view.prefix}"


def source_text(view: StreamView) -> str:
    return view.type if view.source is None else f"kinesis:{view.source}"


def settings_line(view: StreamView) -> str:
    """The stream's settings that shape its objects, in AWS's names."""
    parts = [
        view.name,
        f"VersionId {view.version}",
        f"BufferingHints {format_bytes(view.buffer.size_hint)} / {view.buffer.interval_hint} s",
        view.compression,
        f"Prefix {prefix_text(view.prefix)}",
    ]
    if view.error_prefix is not None:
        parts.append(f"ErrorOutputPrefix {view.error_prefix}")
    if view.source is not None:
        parts.append(f"from Kinesis stream {view.source}")
    return " · ".join(parts)


def totals_line(view: StreamView, palette: Palette) -> Text:
    """Records since the stream was made; dropped ones (24 h undelivered, or deleted) stand out."""
    counters = view.counters
    line = Text(
        f"records in {counters.records_in:,} · delivered {counters.delivered_records:,} "
        f"in {counted(counters.objects, 'object')} · throttled {counters.throttled:,} · "
    )
    dropped = f"dropped {counters.dropped_records:,}"
    line.append(dropped, palette.error if counters.dropped_records else "")
    return line


def failing_line(view: StreamView, palette: Palette) -> Text:
    """While S3 refuses: why, that Firehose keeps trying, what waits, and what was given up."""
    words = (
        f"⚠ S3 answers {view.failing}: retrying every {RETRY_INTERVAL:g} s, each object for up "
        f"to 24 h · {counted(view.waiting, 'object')} "
        f"({counted(view.waiting_records, 'record')}) waiting"
    )
    if view.counters.dropped_records:
        words += f" · {counted(view.counters.dropped_records, 'record')} dropped"
    return Text(words, palette.error)


def stream_row(view: StreamView, records_per_second: float, palette: Palette) -> Row:
    status_style = {"ACTIVE": palette.visible, "CREATING": palette.delayed}
    status = Text(view.status, status_style.get(view.status, palette.error))
    waiting: str | Text = f"{view.waiting_records:,}"
    if view.failing is not None:
        waiting = Text(f"{view.waiting_records:,} ⚠", palette.error)
    return Row(
        key=view.arn,
        cells=(
            view.name,
            status,
            source_text(view),
            destination_text(view),
            f"{records_per_second:.1f}",
            f"{view.counters.delivered_records:,}",
            waiting,
        ),
        sort=(
            view.name,
            view.status,
            source_text(view),
            destination_text(view),
            records_per_second,
            view.counters.delivered_records,
            view.waiting_records,
        ),
    )


def delivery_row(delivered: Delivered) -> Row:
    return Row(
        key=delivered.key,
        cells=(
            clock(delivered.time),
            delivered.key,
            format_bytes(delivered.size),
            f"{delivered.records:,}",
        ),
        sort=(delivered.time, delivered.key, delivered.size, delivered.records),
    )


class FirehosePresenter(ResourcePresenter[StreamView]):
    """Delivery streams keyed by ARN; the highlighted one's buffer, traffic and deliveries."""

    table = TableSpec("Delivery streams", STREAM_COLUMNS, "no delivery streams: press n for one")
    child_table = TableSpec(
        "Deliveries", DELIVERY_COLUMNS, "nothing delivered yet: a flush writes the first object"
    )
    spark_labels = ("in", "delivered", "throttled")

    def __init__(self, cloud: Cloud) -> None:
        super().__init__(cloud)
        self.firehose = cloud.service(FirehoseService)
        #: The theme's colours for `detail`, which (unlike the rows) is not handed them:
        #: the pane passes its palette on before each refresh.
        self.palette = Palette()

    def records_per_second(self, view: StreamView) -> float:
        """Records in per second over the last 10 s: producers batch, so a second alone jumps."""
        metrics = self.firehose.stream_metrics(view.name)
        return 0.0 if metrics is None else rate(metrics.incoming_records, self.cloud.clock.now())

    def rows(self, palette: Palette) -> list[Row]:
        return [
            stream_row(view, self.records_per_second(view), palette)
            for view in self.firehose.stream_views()
        ]

    def find(self, key: str) -> StreamView | None:
        return self.firehose.stream_view_by_arn(key)

    def name(self, resource: StreamView) -> str:
        return resource.name

    def key_of(self, name: str) -> str | None:
        view = self.firehose.stream_view(name)
        return view.arn if view is not None else None

    def detail(self, resource: StreamView) -> Text:
        """Settings, the two buffer gauges, totals, and why delivery fails while it does.

        One line each: the pane gives the detail up to four lines, and the
        failing line only appears while S3 refuses, in place of the totals.
        """
        palette = self.palette
        lines = [Text(settings_line(resource)), buffer_lines(resource, palette)]
        if resource.failing is not None:
            lines.append(failing_line(resource, palette))
        else:
            lines.append(totals_line(resource, palette))
        return Text("\n").join(lines)

    def sparks(self, resource: StreamView) -> Mapping[str, Sequence[float]]:
        metrics = self.firehose.stream_metrics(resource.name)
        if metrics is None:
            return {}
        end = int(self.cloud.clock.now())
        series = (metrics.incoming_records, metrics.delivered_records, metrics.throttled_records)
        return {
            label: s.sums(end, SPARK_SECONDS)
            for label, s in zip(self.spark_labels, series, strict=True)
        }

    def deliveries(self, resource: StreamView) -> list[Delivered]:
        return self.firehose.deliveries(resource.name, DELIVERY_LIMIT)

    def child_rows(self, resource: StreamView, palette: Palette) -> list[Row]:
        return [delivery_row(d) for d in self.deliveries(resource)]

    def child_title(self, resource: StreamView, shown: int) -> str:
        """`Deliveries · app-logs · 12 objects to s3://log-archive`, newest first."""
        objects = resource.counters.objects
        title = (
            f"Deliveries · {resource.name} · {counted(objects, 'object')} to s3://{resource.bucket}"
        )
        if objects > shown:
            title += f" (latest {shown:,} shown)"
        return title

    def badge(self) -> tuple[str, bool]:
        """Streams S3 refuses deliveries for, as an alert: their data is piling up."""
        failing = sum(1 for view in self.firehose.stream_views() if view.failing is not None)
        return (compact_count(failing) if failing else ""), bool(failing)
