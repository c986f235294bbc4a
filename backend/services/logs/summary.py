"""Logs' part of a headless run's summary: one row per log group.

```
log group                streams     events    stored  retention  filters    matched
/skydeck/orders-workers        2     28,800   3.1 MiB         7d        1      1,440
```

"stored" is what the group's events hold (message bytes plus 26 each);
"matched" the events its metric filters matched. Plain text from the same
state gives the same bytes: groups sorted by name.
"""

from __future__ import annotations

from backend.cloud import Cloud
from backend.services.logs.service import LogsService

_HEADER = ("log group", "streams", "events", "stored", "retention", "filters", "matched")
_WIDTHS = (0, 9, 11, 11, 11, 9, 11)


def _size(count: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= size:
            return f"{count / size:.1f} {unit}"
    return f"{count} B"


def summary(cloud: Cloud) -> list[str]:
    groups = cloud.service(LogsService).group_list()
    if not groups:
        return []
    width = max(len(_HEADER[0]), *(len(g.name) for g in groups))
    lines = [
        f"{_HEADER[0]:<{width}}"
        + "".join(f"{h:>{w}}" for h, w in zip(_HEADER[1:], _WIDTHS[1:], strict=True))
    ]
    for group in groups:
        values = (
            f"{len(group.streams):,}",
            f"{group.event_count:,}",
            _size(group.stored_bytes),
            "never" if group.retention_days is None else f"{group.retention_days}d",
            f"{len(group.metric_filters):,}",
            f"{sum(f.matched for f in group.metric_filters.values()):,}",
        )
        lines.append(
            f"{group.name:<{width}}"
            + "".join(f"{v:>{w}}" for v, w in zip(values, _WIDTHS[1:], strict=True))
        )
    return lines
