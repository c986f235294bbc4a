"""Kinesis's part of a headless run's summary: per stream, what went in and who read it.

```
stream        mode         open closed   records in     bytes in  thr. writes  thr. reads
clicks        PROVISIONED     4      2       86,400   12,345,678          412           0
  read by analytics (enhanced)  86,400 records, lag 0.2 s
```

Plain text from the same state gives the same bytes: streams sorted by name,
consumers by name, numbers with thousands separators.
"""

from __future__ import annotations

from backend.cloud import Cloud
from backend.services.kinesis.service import KinesisService

_HEADER = (
    "stream",
    "mode",
    "open",
    "closed",
    "records in",
    "bytes in",
    "thr. writes",
    "thr. reads",
)
_WIDTHS = (0, 12, 6, 7, 13, 14, 13, 12)


def summary(cloud: Cloud) -> list[str]:
    service = cloud.service(KinesisService)
    streams = service.stream_list()
    if not streams:
        return []
    now = cloud.clock.now()
    width = max(len(_HEADER[0]), *(len(s.name) for s in streams))
    lines = [
        f"{_HEADER[0]:<{width}} {_HEADER[1]:<{_WIDTHS[1]}}"
        + "".join(f"{h:>{w}}" for h, w in zip(_HEADER[2:], _WIDTHS[2:], strict=True))
    ]
    for stream in streams:
        listed = stream.listed(now)
        open_count = sum(1 for s in listed if s.is_open)
        values = (
            open_count,
            len(listed) - open_count,
            stream.records_in,
            stream.bytes_in,
            stream.throttled_writes,
            stream.throttled_reads,
        )
        lines.append(
            f"{stream.name:<{width}} {stream.mode:<{_WIDTHS[1]}}"
            + "".join(f"{v:>{w},}" for v, w in zip(values, _WIDTHS[2:], strict=True))
        )
        readers = sorted(
            (p for p in service.progress.values() if p.stream == stream.name),
            key=lambda p: p.consumer,
        )
        for reader in readers:
            lines.append(
                f"  read by {reader.consumer} ({reader.mode}): {reader.records:,} records, "
                f"lag {reader.max_lag_ms / 1000:.1f} s"
            )
    return lines
