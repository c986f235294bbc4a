"""What every Firehose action shares: the service's state, and how a request finds its stream.

Handlers are grouped by subject in mixins (`stream_actions.py`,
`record_actions.py`, `tag_actions.py`, `encryption_actions.py`), all on this
base, and `service.py` puts them together.

Timing, on the virtual clock: a new stream is CREATING for `TRANSITION`
seconds, then ACTIVE (a KinesisStreamAsSource stream starts reading then); a
deleted one is DELETING for `TRANSITION` seconds and then gone, its buffer
and undelivered parcels lost with it. DeliveryToS3.DataFreshness, a gauge, is
sampled each whole minute while some stream holds undelivered data.
"""

from __future__ import annotations

from backend.bus import CloudEvent, Severity
from backend.cloud import Cloud
from backend.kit.sampler import MinuteSampler
from backend.kit.validation import Checks
from backend.service import Params, Request, Service
from backend.services.firehose.delivery_stream import DeliveryStream
from backend.services.firehose.errors import stream_not_found
from backend.services.firehose.limits import NAME_PATTERN

#: A quiet minute before a throttled put counts as throttling beginning again.
THROTTLE_QUIET = 60.0


class FirehoseBase(Service):
    """The service state and lookups the action groups share."""

    def __init__(self, cloud: Cloud) -> None:
        super().__init__(cloud)
        #: Every stream, by (region, name), DELETING ones included.
        self.streams: dict[tuple[str, str], DeliveryStream] = {}
        self.record_ids = cloud.rng("firehose/record-ids")
        self.object_ids = cloud.rng("firehose/objects")
        self.freshness = MinuteSampler(cloud.clock, self._sample_freshness)
        #: When each stream last had a put throttled (for the "throttling began" event).
        self._throttled_at: dict[DeliveryStream, float] = {}

    def reset(self) -> None:
        for stream in self.streams.values():
            self._stop(stream)
        self.streams.clear()
        self._throttled_at.clear()
        self.freshness.stop()

    def trail_resources(self, action: str, params: Params, region: str) -> list[dict[str, str]]:
        name = params.get("DeliveryStreamName")
        if not isinstance(name, str) or not name:
            return []
        arn = f"arn:aws:firehose:{region}:{self.cloud.account}:deliverystream/{name}"
        return [
            {
                "accountId": self.cloud.account,
                "type": "AWS::KinesisFirehose::DeliveryStream",
                "ARN": arn,
            }
        ]

    def stream_list(self, region: str | None = None) -> list[DeliveryStream]:
        """The streams of `region` (default: the cloud's), by name; DELETING ones too."""
        region = region or self.cloud.region
        return sorted(
            (s for (r, _), s in self.streams.items() if r == region), key=lambda s: s.name
        )

    def _name(self, checks: Checks) -> str | None:
        return checks.string(
            "DeliveryStreamName", required=True, min_len=1, max_len=64, pattern=NAME_PATTERN
        )

    def _find(self, name: str, request: Request) -> DeliveryStream:
        stream = self.streams.get((request.region, name))
        if stream is None:
            raise stream_not_found(name, self.cloud.account)
        return stream

    def _now(self) -> float:
        return self.cloud.clock.now()

    def _publish(self, kind: str, summary: str, resource: str, severity: Severity) -> None:
        self.cloud.bus.publish(
            CloudEvent(self._now(), "firehose", kind, summary, severity, resource)
        )

    def _stop(self, stream: DeliveryStream) -> None:
        stream.courier.stop()
        if stream.reader is not None:
            stream.reader.stop()
            stream.reader = None

    def _sample_freshness(self, now: float) -> bool:
        """DataFreshness of each stream holding undelivered data; False when none does."""
        pending = False
        for stream in self.streams.values():
            oldest = stream.courier.oldest
            if oldest is not None:
                stream.metrics.freshness.add(now, now - oldest)
                pending = True
        return pending
