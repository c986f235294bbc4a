"""Read-only views for the dashboard's Firehose pane: streams, buffer fill, last deliveries.

Each is a handful of attribute reads per stream, so a pane refreshing a few
times a second costs what it shows. Buffer fill is given against the hints
(bytes of SizeInMBs, seconds of IntervalInSeconds since the first buffered
record), which is what a person watching needs to see a flush coming.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from backend.services.firehose.base import FirehoseBase
from backend.services.firehose.delivery_log import Delivered
from backend.services.firehose.delivery_stream import Counters, DeliveryStream
from backend.services.firehose.stream_metrics import StreamMetrics


@dataclass(frozen=True, slots=True)
class BufferFill:
    records: int
    bytes: int
    #: SizeInMBs in bytes.
    size_hint: int
    #: Seconds since the first buffered record arrived; None when the buffer is empty.
    age: float | None
    interval_hint: int


@dataclass(frozen=True, slots=True)
class StreamView:
    name: str
    arn: str
    status: str
    type: str
    version: int
    bucket: str
    prefix: str
    #: ErrorOutputPrefix; None when the destination has none.
    error_prefix: str | None
    compression: str
    #: The source Kinesis stream's name, for a KinesisStreamAsSource stream.
    source: str | None
    buffer: BufferFill
    #: Flushed objects waiting for S3 (more than one only while delivery fails).
    waiting: int
    #: Records not yet in S3: buffered, or flushed and waiting for S3.
    waiting_records: int
    #: The error S3 answers the current delivery attempts with, while it fails.
    failing: str | None
    #: A copy of the stream's totals at the time of the view.
    counters: Counters
    tags: dict[str, str]


class Views(FirehoseBase):
    """The accessors the dashboard reads; none of them changes anything."""

    def stream_views(self, region: str | None = None) -> list[StreamView]:
        """Every stream of `region` (default: the cloud's), by name."""
        now = self._now()
        return [self._view(stream, now) for stream in self.stream_list(region)]

    def stream_view(self, name: str, region: str | None = None) -> StreamView | None:
        stream = self.streams.get((region or self.cloud.region, name))
        return None if stream is None else self._view(stream, self._now())

    def stream_view_by_arn(self, arn: str) -> StreamView | None:
        """The stream `arn` names, in its own region; None once it is gone.

        The pane keys its rows by ARN, as AWS names a resource across regions,
        and looks the highlighted one up again on every refresh.
        """
        parts = arn.split(":", 5)
        if len(parts) < 6:
            return None
        stream = self.streams.get((parts[3], parts[5].removeprefix("deliverystream/")))
        return None if stream is None or stream.arn != arn else self._view(stream, self._now())

    def stream_metrics(self, name: str, region: str | None = None) -> StreamMetrics | None:
        """The stream's AWS/Firehose series, for rates and sparklines; None if it is gone."""
        stream = self.streams.get((region or self.cloud.region, name))
        return None if stream is None else stream.metrics

    def deliveries(self, name: str, count: int = 20, region: str | None = None) -> list[Delivered]:
        """The stream's `count` most recent deliveries, newest first (none if it is gone)."""
        stream = self.streams.get((region or self.cloud.region, name))
        return [] if stream is None else stream.deliveries.latest(count)

    def _view(self, stream: DeliveryStream, now: float) -> StreamView:
        courier = stream.courier
        buffer = courier.buffer
        destination = stream.destination
        fill = BufferFill(
            len(buffer),
            buffer.size,
            destination.size_bytes,
            None if buffer.first is None else now - buffer.first,
            destination.interval,
        )
        return StreamView(
            stream.name,
            stream.arn,
            stream.status,
            stream.type,
            stream.version,
            destination.bucket,
            destination.prefix.text,
            None if destination.error_prefix is None else destination.error_prefix.text,
            destination.compression,
            None if stream.source is None else stream.source.stream_name,
            fill,
            len(courier.outbox),
            len(buffer) + sum(parcel.records for parcel in courier.outbox),
            courier.failing,
            replace(stream.counters),
            dict(stream.tags),
        )
