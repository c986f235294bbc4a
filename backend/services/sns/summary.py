"""SNS's part of a headless run's summary: one row per topic, what it took in and passed on.

```
topic            subs  published  delivered   filtered     failed     to DLQ
orders              3     36,000     71,200        800          0          0
```

"delivered" counts deliveries (one message to two queues is two); "filtered"
the deliveries a filter policy turned away; "failed" those SQS refused in the
end, of which "to DLQ" went on to a dead-letter queue. Plain text from the
same state gives the same bytes: topics sorted by name.
"""

from __future__ import annotations

from backend.cloud import Cloud
from backend.services.sns.service import SnsService

_HEADER = ("topic", "subs", "published", "delivered", "filtered", "failed", "to DLQ")
_WIDTHS = (0, 6, 11, 11, 11, 11, 11)


def summary(cloud: Cloud) -> list[str]:
    topics = cloud.service(SnsService).topic_list()
    if not topics:
        return []
    width = max(len(_HEADER[0]), *(len(t.name) for t in topics))
    lines = [
        f"{_HEADER[0]:<{width}}"
        + "".join(f"{h:>{w}}" for h, w in zip(_HEADER[1:], _WIDTHS[1:], strict=True))
    ]
    for topic in topics:
        counters = topic.counters
        values = (
            len(topic.subscriptions),
            counters.published,
            counters.delivered,
            counters.filtered,
            counters.failed,
            counters.to_dlq,
        )
        lines.append(
            f"{topic.name:<{width}}"
            + "".join(f"{v:>{w},}" for v, w in zip(values, _WIDTHS[1:], strict=True))
        )
    return lines
