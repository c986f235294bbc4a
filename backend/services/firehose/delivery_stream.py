"""A delivery stream: its configuration, its state and what has gone through it.

Plain Python with no wire shapes. The buffering and delivering live in
`courier.py` and a Kinesis source's reading in `kinesis_source.py`; this
object holds what they share and what the dashboard and summary read.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from backend.services.firehose.courier import Courier
from backend.services.firehose.delivery_log import DeliveryLog
from backend.services.firehose.destination import S3Destination
from backend.services.firehose.limits import DirectPutQuota
from backend.services.firehose.stream_metrics import StreamMetrics

if TYPE_CHECKING:
    from backend.cloud import Cloud
    from backend.services.firehose.kinesis_source import KinesisReader


@dataclass
class KinesisSource:
    """A KinesisStreamAsSource stream's source: the Kinesis stream and the role that reads it."""

    stream_arn: str
    role_arn: str
    #: When reading began (DeliveryStartTimestamp): the stream became ACTIVE.
    started: float | None = None

    @property
    def stream_name(self) -> str:
        return self.stream_arn.rsplit("/", 1)[1]


@dataclass
class Counters:
    """Totals since creation, for the summary and the pane."""

    records_in: int = 0
    bytes_in: int = 0
    throttled: int = 0
    delivered_records: int = 0
    delivered_bytes: int = 0
    objects: int = 0
    #: Records and bytes given up after 24 hours of failed delivery, or lost with
    #: a deleted stream's buffer.
    dropped_records: int = 0
    dropped_bytes: int = 0


class DeliveryStream:
    """One Firehose stream with its single S3 destination."""

    def __init__(
        self,
        *,
        name: str,
        region: str,
        account: str,
        stream_type: str,
        destination: S3Destination,
        source: KinesisSource | None,
        throughput_hint: int | None,
        encryption: dict[str, Any] | None,
        tags: dict[str, str],
        cloud: Cloud,
        rng: random.Random,
    ) -> None:
        now = cloud.clock.now()
        self.name = name
        self.region = region
        self.arn = f"arn:aws:firehose:{region}:{account}:deliverystream/{name}"
        self.type = stream_type
        self.status = "CREATING"
        self.version = 1
        self.created = now
        self.updated: float | None = None
        self.destination = destination
        self.source = source
        self.throughput_hint = throughput_hint
        #: KeyType, KeyARN and Status of server-side encryption; None while never enabled.
        self.encryption = encryption
        self.tags = tags
        self.quota = DirectPutQuota(region, now)
        self.metrics = StreamMetrics(cloud.metrics, name)
        self.counters = Counters()
        self.deliveries = DeliveryLog()
        self.courier = Courier(cloud, self, rng)
        #: The reader of a KinesisStreamAsSource stream, from when it is ACTIVE.
        self.reader: KinesisReader | None = None

    @property
    def encrypted(self) -> bool:
        return self.encryption is not None and self.encryption.get("Status") == "ENABLED"
