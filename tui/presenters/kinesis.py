"""Kinesis Data Streams as rows: the streams table, a stream's shards as lanes, its readers.

`KinesisPresenter` is the Kinesis pane's presenter (see `tui.presenters.resource`).
A shard's lane is its place in the hash-key space (a bar over 0 … 2^128 - 1,
so a split shows as a range cut in two) and gauges of its busiest second of
the last minute against AWS's per-shard limits: a shard's limits hold per
second, and a hot key that throttles it within one second would be gone from
a five-second average before anyone looked (`backend.services.kinesis.views`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from rich.text import Text

from backend.cloud import Cloud
from backend.durations import format_duration
from backend.services.kinesis import KinesisService
from backend.services.kinesis.hashing import HASH_SPACE
from backend.services.kinesis.shard import WRITE_BYTES_PER_SECOND, WRITE_RECORDS_PER_SECOND
from backend.services.kinesis.stream import Stream
from backend.services.kinesis.views import ReaderView, ShardView, StreamView, stream_view
from tui.presenters.formats import compact_count
from tui.presenters.palette import Palette
from tui.presenters.resource import ResourcePresenter, TableSpec
from widgets.live_table import Column, Row

STREAM_COLUMNS = (
    Column("name", 0, min_width=16),
    Column("mode", 11),
    Column("status", 8, drop=4),
    Column("open", 4, "right"),
    Column("closed", 6, "right", drop=3),
    Column("retention", 9, "right", drop=5),
    Column("in/s", 7, "right"),
    Column("out/s", 7, "right", drop=2),
    Column("throttled", 9, "right", drop=1),
)

#: Cells of the hash-range bar between its two end marks; each cell is two halves.
HASH_CELLS = 16
#: Cells of a gauge's bar, before its percentage.
GAUGE_CELLS = 6

SHARD_COLUMNS = (
    Column("shard", 12),
    Column("state", 6),
    Column("hash range", HASH_CELLS + 2),
    Column("parent", 9, drop=6),
    Column("in 1k rec/s", GAUGE_CELLS + 5),
    Column("in 1 MiB/s", GAUGE_CELLS + 5, drop=4),
    Column("out 2 MiB/s", GAUGE_CELLS + 5, drop=3),
    Column("throttled", 9, "right"),
    Column("newest seq", 10, drop=5),
    Column("lag", 6, "right", drop=2),
)

#: Seconds of history in the spark row and in the streams table's rates.
SPARK_SECONDS = 60
#: A gauge's share from which it warns, before the limit itself.
NEAR_LIMIT = 0.8
#: Lines of readers under the stream's settings line, at most.
READER_LINES = 3


def short_shard(shard_id: str) -> str:
    """`…004` for `shardId-000000000004`: the digits that tell shards apart."""
    digits = shard_id.removeprefix("shardId-").lstrip("0")
    return "…" + digits.rjust(3, "0")


def short_sequence(sequence: str | None) -> str:
    """The last eight digits of a 56-digit sequence number: they change with every record."""
    return f"…{sequence[-8:]}" if sequence else "-"


def lag_text(ms: int) -> str:
    """MillisBehindLatest as a person reads it: `0.4s` under ten seconds, `12s`, `3m10s`."""
    seconds = ms / 1000
    return f"{seconds:.1f}s" if seconds < 10 else format_duration(seconds)


def hash_bar(start: int, end: int, cells: int = HASH_CELLS) -> str:
    """`▕    ████    ▏`: where [start, end] lies in the 2^128 hash-key space.

    Drawn to the half cell (`▌` and `▐` end a range inside a cell), so the two
    children of a split each take exactly half of their parent's bar, down to
    a 32nd of the key space.
    """
    halves = cells * 2
    first = start * halves // HASH_SPACE
    last = end * halves // HASH_SPACE
    out = []
    for cell in range(cells):
        left = first <= 2 * cell <= last
        right = first <= 2 * cell + 1 <= last
        out.append("█" if left and right else "▌" if left else "▐" if right else " ")
    return "▕" + "".join(out) + "▏"


def gauge(share: float, palette: Palette, cells: int = GAUGE_CELLS) -> Text:
    """`████░░  67%`: a share of a limit; at the limit in the error colour, near it in warning.

    Below that only the bar is coloured: the percentage keeps the text colour,
    which every theme makes readable on the table in 16 colours too.
    """
    filled = round(max(0.0, min(1.0, share)) * cells)
    if share >= 1.0:
        bar = figure = palette.error
    elif share >= NEAR_LIMIT:
        bar = figure = palette.warning
    else:
        bar, figure = palette.visible, ""
    text = Text(no_wrap=True)
    text.append("█" * filled, bar)
    text.append("░" * (cells - filled), palette.gone)
    text.append(f" {min(share, 9.99) * 100:3.0f}%", figure)
    return text


def parents_text(shard: ShardView) -> str:
    return "+".join(short_shard(p) for p in shard.parents) or "-"


def shard_lags(readers: Iterable[ReaderView]) -> dict[str, int]:
    """The worst MillisBehindLatest of any reader, by shard id."""
    worst: dict[str, int] = {}
    for reader in readers:
        for shard_id, lag in reader.lag_ms.items():
            worst[shard_id] = max(lag, worst.get(shard_id, 0))
    return worst


def shard_row(shard: ShardView, lag_ms: int | None, palette: Palette) -> Row:
    """One shard's lane; its throttle count in the error colour while it is at its limit."""
    hot = shard.peak_write_share >= 1.0 or shard.peak_read_share >= 1.0
    throttled = shard.throttled_writes
    return Row(
        key=shard.shard_id,
        cells=(
            f"shardId-{short_shard(shard.shard_id)}",
            Text(shard.state, "" if shard.state == "OPEN" else palette.gone),
            hash_bar(shard.start_hash, shard.end_hash),
            parents_text(shard),
            gauge(shard.peak_records_in / WRITE_RECORDS_PER_SECOND, palette),
            gauge(shard.peak_bytes_in / WRITE_BYTES_PER_SECOND, palette),
            gauge(shard.peak_read_share, palette),
            Text(f"{throttled:,}", palette.error if hot and throttled else ""),
            short_sequence(shard.newest_sequence),
            lag_text(lag_ms) if lag_ms is not None else "-",
        ),
        sort=(
            shard.shard_id,
            shard.state,
            shard.start_hash,
            parents_text(shard),
            shard.peak_records_in,
            shard.peak_bytes_in,
            shard.peak_bytes_out,
            throttled,
            shard.newest_sequence or "",
            lag_ms if lag_ms is not None else -1,
        ),
    )


def shard_rows(view: StreamView, palette: Palette) -> list[Row]:
    lags = shard_lags(view.readers)
    return [shard_row(s, lags.get(s.shard_id), palette) for s in view.shards]


def _stamp(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%m-%d %H:%M:%S")


def reader_line(reader: ReaderView) -> str:
    """`live-dashboard · polling · 1,303 read · lag …000 0.4s, …001 0.0s`: where it is, per shard.

    An enhanced fan-out consumer that no application subscribes with reads
    nothing, and says so.
    """
    kind = "EFO" if reader.mode == "enhanced" else reader.mode
    head = f"{reader.name} · {kind} · {reader.records:,} read"
    if not reader.lag_ms:
        where = "no SubscribeToShard session" if reader.mode == "enhanced" else "not reading"
        return f"{head} · {where}"
    lags = ", ".join(f"{short_shard(s)} {lag_text(ms)}" for s, ms in sorted(reader.lag_ms.items()))
    return f"{head} · lag {lags}"


def detail_lines(view: StreamView) -> str:
    """What the streams table leaves out at 80 columns first, then a line per reader.

    Readers past `READER_LINES` share the last line, by name and worst lag,
    so the detail never grows past the four lines the pane gives it.
    """
    closed = len(view.shards) - view.open_shards
    held = sum(s.stored for s in view.shards)
    parts = [
        view.name,
        f"retention {view.retention_hours}h",
        f"TRIM_HORIZON {_stamp(view.trim_horizon)}",
        f"{held:,} records held",
        f"{view.mode} {view.status}, {view.open_shards} open + {closed} closed shards",
    ]
    if view.throttled_reads:
        parts.append(f"{view.throttled_reads:,} reads throttled")
    readers = list(view.readers)
    if not readers:
        return " · ".join(parts) + "\nno consumers read this stream yet"
    lines = [reader_line(r) for r in readers[: READER_LINES - 1]]
    rest = readers[READER_LINES - 1 :]
    if len(rest) == 1:
        lines.append(reader_line(rest[0]))
    elif rest:
        lines.append(" · ".join(f"{r.name} lag {lag_text(r.max_lag_ms)}" for r in rest))
    return "\n".join([" · ".join(parts), *lines])


class KinesisPresenter(ResourcePresenter[Stream]):
    """Streams keyed by ARN; the highlighted stream's shards, readers and traffic."""

    table = TableSpec("Streams", STREAM_COLUMNS, "no streams yet: press n to create one")
    child_table = TableSpec("Shards", SHARD_COLUMNS, "no shards")
    spark_labels = ("in", "out", "throttled")

    def __init__(self, cloud: Cloud) -> None:
        super().__init__(cloud)
        self.kinesis = cloud.service(KinesisService)

    def streams(self) -> list[Stream]:
        return self.kinesis.stream_list()

    def view(self, stream: Stream) -> StreamView:
        return stream_view(self.kinesis, stream, self.cloud.clock.now())

    def _minute(self, stream: Stream) -> tuple[list[float], list[float], list[float]]:
        """Records in, records out and writes throttled, a second each, for the last minute."""
        end = int(self.cloud.clock.now())
        metrics = stream.metrics
        records_in = metrics.incoming_records.sums(end, SPARK_SECONDS)
        records_out = metrics.get_records.sums(end, SPARK_SECONDS)
        for consumer in self.kinesis.consumers_of(stream):
            pushed = consumer.event_records.sums(end, SPARK_SECONDS)
            records_out = [a + b for a, b in zip(records_out, pushed, strict=True)]
        return records_in, records_out, metrics.write_exceeded.sums(end, SPARK_SECONDS)

    def stream_row(self, stream: Stream) -> Row:
        """Rates and throttles over the last minute, the spark row's window.

        A five-second rate of a stream fed in bursts would be zero most of
        the time; a minute's average and count hold the last burst.
        """
        now = self.cloud.clock.now()
        listed = stream.listed(now)
        opened = len(stream.open_shards)
        closed = len(listed) - opened
        records_in, records_out, throttled = self._minute(stream)
        rate_in, rate_out = sum(records_in) / SPARK_SECONDS, sum(records_out) / SPARK_SECONDS
        throttles = int(sum(throttled))
        return Row(
            key=stream.arn,
            cells=(
                stream.name,
                stream.mode,
                stream.status,
                str(opened),
                str(closed),
                f"{stream.retention_hours}h",
                f"{rate_in:,.1f}",
                f"{rate_out:,.1f}",
                f"{throttles:,}",
            ),
            sort=(
                stream.name,
                stream.mode,
                stream.status,
                opened,
                closed,
                stream.retention_hours,
                rate_in,
                rate_out,
                throttles,
            ),
        )

    def rows(self, palette: Palette) -> list[Row]:
        return [self.stream_row(s) for s in self.streams()]

    def find(self, key: str) -> Stream | None:
        return next((s for s in self.kinesis.streams.values() if s.arn == key), None)

    def name(self, resource: Stream) -> str:
        return resource.name

    def key_of(self, name: str) -> str | None:
        stream = self.kinesis.streams.get((self.cloud.region, name))
        return stream.arn if stream is not None else None

    def detail(self, resource: Stream) -> str:
        return detail_lines(self.view(resource))

    def sparks(self, resource: Stream) -> Mapping[str, Sequence[float]]:
        return dict(zip(self.spark_labels, self._minute(resource), strict=True))

    def child_rows(self, resource: Stream, palette: Palette) -> list[Row]:
        return shard_rows(self.view(resource), palette)

    def child_title(self, resource: Stream, shown: int) -> str:
        """The stream's name, and what the gauges measure (the detail counts the shards)."""
        return f"Shards · {resource.name} · gauges: busiest second of the last minute"

    def badge(self) -> tuple[str, bool]:
        """Streams that had writes throttled in the last minute, as an alert."""
        end = int(self.cloud.clock.now())
        hot = sum(
            1 for s in self.streams() if any(s.metrics.write_exceeded.sums(end, SPARK_SECONDS))
        )
        return (compact_count(hot) if hot else ""), bool(hot)
