"""Subscription filters: a group's matching events, forwarded to Kinesis or Firehose.

Each batch PutLogEvents stores is tested against the group's (at most two)
subscription filters; the events a filter matches go to its destination as
AWS shapes them: gzip-compressed JSON,

    {"messageType": "DATA_MESSAGE", "owner": "<account>", "logGroup": "...",
     "logStream": "...", "subscriptionFilters": ["<filter>"],
     "logEvents": [{"id": "<eventId>", "timestamp": <ms>, "message": "..."}]}

one record per log stream of the batch (split when it would pass a record's
1 MiB), put with Kinesis PutRecord (partition key: the log stream for the
ByLogStream distribution, a random one for Random) or Firehose PutRecord,
through `cloud.call` as `logs.amazonaws.com`, so the trail names CloudWatch
Logs in `invokedBy` and the destination applies its own limits. When the
filter is put, a CONTROL_MESSAGE goes first, as AWS sends to check the
destination: one it cannot deliver refuses the filter.

A throttled record is tried again a second later, up to five times, and
counted in AWS/Logs DeliveryThrottling; any other refusal is counted in
DeliveryErrors and dropped, and said on the bus. ForwardedLogEvents and
ForwardedBytes count what arrived.
"""

from __future__ import annotations

import gzip
import json
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from backend.bus import CloudEvent
from backend.errors import AwsError
from backend.identity import service_principal
from backend.services.logs.patterns import FilterPattern

if TYPE_CHECKING:
    from backend.cloud import Cloud
    from backend.metrics import MetricStore

#: Who forwards: CloudTrail names CloudWatch Logs in `invokedBy`.
LOGS = service_principal("logs.amazonaws.com")
#: Raw JSON a record may carry before compression: gzip only makes it smaller.
MAX_RECORD_JSON: Final = 1_000_000
RETRIES: Final = 5
RETRY_DELAY: Final = 1.0
DISTRIBUTIONS: Final = ("ByLogStream", "Random")
_THROTTLED = frozenset({"ProvisionedThroughputExceededException", "ThrottlingException"})


@dataclass(frozen=True, slots=True)
class Destination:
    """Where a filter forwards: the service, its action, and the resource's name."""

    arn: str
    service: str
    name: str

    @property
    def kind(self) -> str:
        """AWS/Logs' DestinationType dimension."""
        return "Kinesis" if self.service == "kinesis" else "Firehose"


def destination_of(arn: str, region: str, account: str) -> Destination | None:
    """A Kinesis stream or Firehose delivery stream ARN of this account and region, or None."""
    for service, resource in (("kinesis", "stream/"), ("firehose", "deliverystream/")):
        prefix = f"arn:aws:{service}:{region}:{account}:{resource}"
        if arn.startswith(prefix) and len(arn) > len(prefix):
            return Destination(arn, service, arn.removeprefix(prefix))
    return None


@dataclass(slots=True)
class SubscriptionFilter:
    name: str
    group: str
    pattern: FilterPattern
    destination: Destination
    role_arn: str | None
    distribution: str
    created: int
    #: The cloud's rng for this filter: Random distribution's partition keys.
    rng: random.Random
    forwarded: int = 0
    errors: int = 0

    def chunks(self, events: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
        """One stream's matched events cut so that each record stays under 1 MiB."""
        out: list[list[dict[str, Any]]] = []
        chunk: list[dict[str, Any]] = []
        size = 0
        for event in events:
            cost = len(event["message"].encode()) + 100
            if chunk and size + cost > MAX_RECORD_JSON:
                out.append(chunk)
                chunk, size = [], 0
            chunk.append(event)
            size += cost
        if chunk:
            out.append(chunk)
        return out

    def message(self, owner: str, stream: str, events: list[dict[str, Any]]) -> bytes:
        """The gzip DATA_MESSAGE record of `events`, all of log stream `stream`."""
        body = {
            "messageType": "DATA_MESSAGE",
            "owner": owner,
            "logGroup": self.group,
            "logStream": stream,
            "subscriptionFilters": [self.name],
            "logEvents": events,
        }
        return gzip.compress(json.dumps(body, separators=(",", ":")).encode(), mtime=0)

    def partition_key(self, stream: str) -> str:
        if self.distribution == "Random":
            return f"{self.rng.getrandbits(64):016x}"
        return stream


def control_message(destination: Destination, now_ms: int) -> bytes:
    """The test record AWS sends a destination when a filter is put."""
    kind = "Kinesis stream" if destination.service == "kinesis" else "Firehose delivery stream"
    body = {
        "messageType": "CONTROL_MESSAGE",
        "owner": "CloudwatchLogs",
        "logGroup": "",
        "logStream": "",
        "subscriptionFilters": [],
        "logEvents": [
            {
                "id": "",
                "timestamp": now_ms,
                "message": f"CWL CONTROL MESSAGE: Checking health of destination {kind}.",
            }
        ],
    }
    return gzip.compress(json.dumps(body, separators=(",", ":")).encode(), mtime=0)


async def put(cloud: Cloud, destination: Destination, data: bytes, key: str) -> None:
    """One record into the destination, as CloudWatch Logs; AwsError if it is refused."""
    if destination.service == "kinesis":
        params: dict[str, Any] = {
            "StreamARN": destination.arn,
            "PartitionKey": key,
            "Data": data,
        }
        await cloud.call("kinesis", "PutRecord", params, caller=LOGS)
    else:
        params = {"DeliveryStreamName": destination.name, "Record": {"Data": data}}
        await cloud.call("firehose", "PutRecord", params, caller=LOGS)


async def forward(
    cloud: Cloud, found: SubscriptionFilter, stream: str, events: list[dict[str, Any]]
) -> None:
    """Send one stream's matched events, retrying throttled records, counting what happened."""
    metrics = _metrics(cloud.metrics, found)
    for chunk in found.chunks(events):
        data = found.message(cloud.account, stream, chunk)
        for attempt in range(RETRIES + 1):
            try:
                await put(cloud, found.destination, data, found.partition_key(stream))
            except AwsError as error:
                if error.code in _THROTTLED and attempt < RETRIES:
                    metrics["DeliveryThrottling"].add(cloud.clock.now(), 1)
                    await cloud.clock.sleep(RETRY_DELAY)
                    continue
                found.errors += 1
                metrics["DeliveryErrors"].add(cloud.clock.now(), 1)
                cloud.bus.publish(
                    CloudEvent(
                        cloud.clock.now(),
                        "logs",
                        "SubscriptionDeliveryFailed",
                        f"{found.group} → {found.destination.name}: {error.code}",
                        "warning",
                        found.group,
                    )
                )
                break
            else:
                found.forwarded += len(chunk)
                metrics["ForwardedLogEvents"].add(cloud.clock.now(), len(chunk))
                metrics["ForwardedBytes"].add(
                    cloud.clock.now(), sum(len(e["message"].encode()) for e in chunk)
                )
                break


def _metrics(store: MetricStore, found: SubscriptionFilter) -> dict[str, Any]:
    dims = {
        "LogGroupName": found.group,
        "DestinationType": found.destination.kind,
        "FilterName": found.name,
    }
    return {
        name: store.series("AWS/Logs", name, dims, "Bytes" if name == "ForwardedBytes" else "None")
        for name in ("ForwardedLogEvents", "ForwardedBytes", "DeliveryErrors", "DeliveryThrottling")
    }
