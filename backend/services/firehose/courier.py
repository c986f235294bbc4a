"""Buffering on the clock and delivery to S3: size-or-time flushes, then PutObject with retries.

A stream's buffer flushes when it reaches SizeInMBs or when IntervalInSeconds
have passed since its first record, whichever comes first: the interval is
one clock timer armed by the first record and cancelled by a size flush, so
an idle stream costs nothing. A flush never makes an object larger than
SizeInMBs: a record that would overflow the buffer flushes it first.

Each flush becomes a parcel in the stream's outbox, written with S3 PutObject
through `cloud.call` as `firehose.amazonaws.com` (the trail shows it in
`invokedBy`, and S3 applies its own rules). Parcels go in order, one at a
time. When S3 refuses (the bucket is missing, say) the head parcel is tried
again every 5 seconds, as AWS retries S3, and the rest wait behind it; a
parcel still undelivered 24 hours after its flush is dropped, counted on the
stream and announced on the bus. Once the bucket is back, the next retry
delivers the head and the rest follow at once.
"""

from __future__ import annotations

import gzip
import random
from collections import deque
from typing import TYPE_CHECKING

from backend.bus import CloudEvent, Severity
from backend.clock import ClockTask, TimerHandle
from backend.errors import AwsError
from backend.identity import service_principal
from backend.services.firehose.buffer import Buffer, Parcel
from backend.services.firehose.delivery_log import Delivered
from backend.services.firehose.limits import RETENTION, RETRY_INTERVAL
from backend.services.firehose.prefixes import object_key

if TYPE_CHECKING:
    from backend.cloud import Cloud
    from backend.services.firehose.delivery_stream import DeliveryStream

#: Who writes the objects: CloudTrail names Firehose in `invokedBy`.
FIREHOSE = service_principal("firehose.amazonaws.com")


class Courier:
    """One stream's buffer, its flush timer and its outbox of parcels on their way to S3."""

    def __init__(self, cloud: Cloud, stream: DeliveryStream, rng: random.Random) -> None:
        self.cloud = cloud
        self.stream = stream
        self.rng = rng
        self.buffer = Buffer()
        self.outbox: deque[Parcel] = deque()
        #: The error code of the failing delivery spell, if one is going on.
        self.failing: str | None = None
        self._timer: TimerHandle | None = None
        self._sender: ClockTask[None] | None = None
        self._retry: TimerHandle | None = None

    @property
    def oldest(self) -> float | None:
        """Arrival of the oldest record not yet delivered (buffered or in the outbox)."""
        if self.outbox:
            return self.outbox[0].oldest
        return self.buffer.first

    def add(self, records: list[bytes], now: float) -> None:
        """Buffer records that arrived at `now`, in order, flushing by size as it fills."""
        buffer = self.buffer
        destination = self.stream.destination
        limit = destination.size_bytes
        for data in records:
            size = len(data)
            if buffer.size and buffer.size + size > limit:
                self.flush(now)
            if buffer.first is None:
                buffer.first = now
                self._timer = self.cloud.clock.call_at(
                    now + destination.interval, self._interval_passed
                )
            buffer.records.append(data)
            buffer.size += size
            if buffer.size >= limit:
                self.flush(now)

    def flush(self, now: float) -> None:
        """Make the buffer a parcel and send it on (nothing if the buffer is empty)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self.buffer.records:
            return
        records, size, first = self.buffer.take()
        stream = self.stream
        destination = stream.destination
        data = b"".join(records)
        body = gzip.compress(data, mtime=0) if destination.compression == "GZIP" else data
        key = object_key(
            destination.prefix,
            stream.name,
            stream.version,
            first,
            destination.zone,
            self.rng,
            destination.extension,
        )
        self.outbox.append(Parcel(destination.bucket, key, body, len(records), size, first, now))
        if self._retry is None:
            self._kick()

    def stop(self) -> None:
        """Stop for good (the stream is deleted): what is buffered or waiting is lost."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None
        if self._sender is not None:
            self._sender.cancel()
            self._sender = None
        lost = list(self.outbox)
        self.outbox.clear()
        counters = self.stream.counters
        counters.dropped_records += len(self.buffer) + sum(p.records for p in lost)
        counters.dropped_bytes += self.buffer.size + sum(p.size for p in lost)
        self.buffer = Buffer()

    def _interval_passed(self) -> None:
        self._timer = None
        self.flush(self.cloud.clock.now())

    def _kick(self) -> None:
        """Send what is in the outbox, unless a sender is at it already."""
        self._retry = None
        if self._sender is None and self.outbox:
            self._sender = self.cloud.clock.spawn(self._send(), name=f"firehose {self.stream.name}")

    async def _send(self) -> None:
        """Deliver the outbox in order; on a refusal, try again in 5 s (a timer, not a wait).

        Parcels flushed meanwhile queue behind the head, so a failing bucket
        sees one attempt every 5 s whatever the traffic.
        """
        outbox = self.outbox
        try:
            while outbox:
                parcel = outbox[0]
                error = await self._put(parcel)
                if error is None:
                    outbox.popleft()
                    self._delivered(parcel)
                    continue
                self._failed(parcel, error)
                if outbox:
                    self._retry = self.cloud.clock.call_later(RETRY_INTERVAL, self._kick)
                return
        finally:
            self._sender = None

    async def _put(self, parcel: Parcel) -> AwsError | None:
        params = {"Bucket": parcel.bucket, "Key": parcel.key, "Body": parcel.body}
        try:
            await self.cloud.call(
                "s3", "PutObject", params, caller=FIREHOSE, region=self.stream.region
            )
        except AwsError as error:
            return error
        return None

    def _delivered(self, parcel: Parcel) -> None:
        now = self.cloud.clock.now()
        stream = self.stream
        metrics, counters = stream.metrics, stream.counters
        metrics.delivered_records.add(now, parcel.records)
        metrics.delivered_bytes.add(now, parcel.size)
        metrics.delivered_objects.add(now, 1)
        metrics.delivery_success.add(now, 1)
        counters.delivered_records += parcel.records
        counters.delivered_bytes += parcel.size
        counters.objects += 1
        stream.deliveries.add(
            Delivered(now, parcel.bucket, parcel.key, len(parcel.body), parcel.records)
        )
        if self.failing is not None:
            self.failing = None
            self._publish(
                "DeliveryToS3Recovered",
                f"{stream.name}: delivering to s3://{parcel.bucket} again",
                "information",
            )
        self._publish(
            "DeliveredToS3",
            f"{stream.name}: {parcel.records:,} records ({len(parcel.body):,} B) to "
            f"s3://{parcel.bucket}/{parcel.key}",
            "information",
        )

    def _failed(self, parcel: Parcel, error: AwsError) -> None:
        """A refused PutObject: announce a new failing spell, and drop what is 24 hours old."""
        now = self.cloud.clock.now()
        stream = self.stream
        stream.metrics.delivery_success.add(now, 0)
        if self.failing is None:
            self._publish(
                "DeliveryToS3Failed",
                f"{stream.name}: S3 refused the delivery to s3://{parcel.bucket} with "
                f"{error.code}; retrying every {RETRY_INTERVAL:g} s for up to 24 h",
                "warning",
            )
        self.failing = error.code
        expired = [p for p in self.outbox if now - p.flushed >= RETENTION]
        if not expired:
            return
        for gone in expired:
            self.outbox.remove(gone)
        records = sum(p.records for p in expired)
        nbytes = sum(p.size for p in expired)
        stream.counters.dropped_records += records
        stream.counters.dropped_bytes += nbytes
        self._publish(
            "DeliveryToS3Dropped",
            f"{stream.name}: dropped {records:,} records ({nbytes:,} B) undelivered for 24 h "
            f"(s3://{parcel.bucket}: {error.code})",
            "error",
        )

    def _publish(self, kind: str, summary: str, severity: Severity) -> None:
        self.cloud.bus.publish(
            CloudEvent(self.cloud.clock.now(), "firehose", kind, summary, severity, self.stream.arn)
        )
