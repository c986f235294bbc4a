"""Firehose's part of a headless run's summary: per delivery stream, what came in and went out.

```
delivery stream  records in     bytes in  throttled  objects  delivered  dropped  waiting
logs-to-s3          86,400   12,345,678          0      288     86,400        0        0
  to s3://raw-logs (GZIP, 5 MiB / 300 s), from Kinesis stream clicks
```

Plain text from the same state gives the same bytes: streams sorted by name,
numbers with thousands separators. "waiting" counts records not yet in S3
(buffered, or flushed and waiting for a delivery to succeed).
"""

from __future__ import annotations

from backend.cloud import Cloud
from backend.services.firehose.service import FirehoseService

_HEADER = (
    "delivery stream",
    "records in",
    "bytes in",
    "throttled",
    "objects",
    "delivered",
    "dropped",
    "waiting",
)
_WIDTHS = (0, 12, 14, 11, 9, 11, 9, 9)


def summary(cloud: Cloud) -> list[str]:
    streams = cloud.service(FirehoseService).stream_list()
    if not streams:
        return []
    width = max(len(_HEADER[0]), *(len(s.name) for s in streams))
    lines = [
        f"{_HEADER[0]:<{width}}"
        + "".join(f"{h:>{w}}" for h, w in zip(_HEADER[1:], _WIDTHS[1:], strict=True))
    ]
    for stream in streams:
        counters = stream.counters
        courier = stream.courier
        waiting = len(courier.buffer) + sum(p.records for p in courier.outbox)
        values = (
            counters.records_in,
            counters.bytes_in,
            counters.throttled,
            counters.objects,
            counters.delivered_records,
            counters.dropped_records,
            waiting,
        )
        lines.append(
            f"{stream.name:<{width}}"
            + "".join(f"{v:>{w},}" for v, w in zip(values, _WIDTHS[1:], strict=True))
        )
        destination = stream.destination
        source = f", from Kinesis stream {stream.source.stream_name}" if stream.source else ""
        lines.append(
            f"  to s3://{destination.bucket} ({destination.compression}, "
            f"{destination.size_mb} MiB / {destination.interval} s){source}"
        )
    return lines
