"""SQS's part of a headless run's summary: one row per queue, what went through it."""

from __future__ import annotations

from backend.cloud import Cloud
from backend.services.sqs.service import SqsService

_HEADER = ("queue", "sent", "received", "deleted", "to DLQ", "expired", "empty rcv", "left")


def summary(cloud: Cloud) -> list[str]:
    queues = sorted(cloud.service(SqsService).queues.values(), key=lambda q: q.name)
    if not queues:
        return []
    rows = [
        (
            q.name,
            q.counters.sent,
            q.counters.received,
            q.counters.deleted,
            q.counters.moved_to_dlq,
            q.counters.expired,
            q.counters.empty_receives,
            q.n_visible + q.n_inflight + q.n_delayed,
        )
        for q in queues
    ]
    width = max([len(_HEADER[0]), *(len(r[0]) for r in rows)])
    lines = [f"{_HEADER[0]:<{width}}" + "".join(f"{h:>11}" for h in _HEADER[1:])]
    lines += [f"{row[0]:<{width}}" + "".join(f"{v:>11,}" for v in row[1:]) for row in rows]
    return lines
