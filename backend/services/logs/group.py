"""A log group: its streams, retention, class, key, tags and the serial its events share.

A group never expires by default (AWS_FACTS §5); with `retentionInDays` set,
its events older than that many days go on the next sweep, and the bytes it
reports shrink with them. The retention values are exactly AWS's set.
"""

from __future__ import annotations

from typing import Final

from backend.metrics import MetricStore, Series
from backend.services.logs.metric_filters import MetricFilter
from backend.services.logs.stream import SERIAL_BITS, LogStream
from backend.services.logs.subscriptions import SubscriptionFilter

#: Every value PutRetentionPolicy accepts (AWS_FACTS §5).
RETENTION_DAYS: Final = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
GROUP_CLASSES: Final = ("STANDARD", "INFREQUENT_ACCESS", "DELIVERY", "ESSENTIALS")
_SERIALS: Final = 1 << SERIAL_BITS


class GroupMetrics:
    """AWS/Logs' metrics of one group, by LogGroupName: what PutLogEvents brought in."""

    __slots__ = ("incoming_bytes", "incoming_events")

    def __init__(self, store: MetricStore, group: str) -> None:
        dims = {"LogGroupName": group}
        self.incoming_events: Series = store.series("AWS/Logs", "IncomingLogEvents", dims, "None")
        self.incoming_bytes: Series = store.series("AWS/Logs", "IncomingBytes", dims, "Bytes")


class LogGroup:
    """One log group of one region."""

    __slots__ = (
        "arn",
        "created",
        "deletion_protection",
        "group_class",
        "kms_key_id",
        "metric_filters",
        "metrics",
        "name",
        "region",
        "retention_days",
        "serial",
        "streams",
        "subscriptions",
        "tags",
    )

    def __init__(
        self,
        name: str,
        region: str,
        account: str,
        created: int,
        group_class: str,
        store: MetricStore,
    ) -> None:
        self.name = name
        self.region = region
        #: `logGroupArn`; DescribeLogGroups' `arn` is this with `:*` after it.
        self.arn = f"arn:aws:logs:{region}:{account}:log-group:{name}"
        self.created = created
        self.group_class = group_class
        self.kms_key_id: str | None = None
        #: None: never expire.
        self.retention_days: int | None = None
        self.tags: dict[str, str] = {}
        self.streams: dict[str, LogStream] = {}
        self.serial = 0
        self.deletion_protection = False
        #: Metric filters by name (`metric_filters.py`), in the order they were put.
        self.metric_filters: dict[str, MetricFilter] = {}
        self.metrics = GroupMetrics(store, name)
        #: Subscription filters by name (`subscriptions.py`), two at most.
        self.subscriptions: dict[str, SubscriptionFilter] = {}

    def stream_arn(self, stream: str) -> str:
        return f"{self.arn}:log-stream:{stream}"

    @property
    def stored_bytes(self) -> int:
        return sum(stream.stored_bytes for stream in self.streams.values())

    @property
    def event_count(self) -> int:
        return sum(len(stream) for stream in self.streams.values())

    def keys_for(self, timestamps: list[int]) -> list[int]:
        """The keys of a batch of events stored now, in its order (`stream.py`)."""
        start = self.serial
        self.serial += len(timestamps)
        return [
            (timestamp << SERIAL_BITS) | ((start + i) % _SERIALS)
            for i, timestamp in enumerate(timestamps)
        ]

    def retention_start(self, now: int) -> int | None:
        """The oldest timestamp (ms) the group keeps at `now`, or None if it keeps all."""
        if self.retention_days is None:
            return None
        return now - self.retention_days * 86_400_000

    def expire(self, now: int) -> int:
        """Drop what retention no longer keeps; returns the bytes freed."""
        start = self.retention_start(now)
        if start is None:
            return 0
        return sum(stream.expire(start) for stream in self.streams.values())
