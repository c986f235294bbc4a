"""Event notifications to SQS: the configuration, its checks, and the messages (AWS_FACTS §16.8).

A bucket's NotificationConfiguration says which events (`s3:ObjectCreated:*`,
`s3:ObjectRemoved:Delete`, ...) go to which queues, filtered by key prefix
and suffix. Saving it validates each queue the way S3 does, by sending it an
`s3:TestEvent`: a queue that can't take one fails the save with
InvalidArgument "Unable to validate the following destination
configurations", unless `x-amz-skip-destination-validation` is set.

Records are sent after the response, in a task on the clock, so a PutObject
never waits on SQS; they go through `cloud.call` as `s3.amazonaws.com`, so
the trail shows SendMessage `invokedBy` S3 and the queue's own rules apply.
The key in a record is form-encoded (`red flower.jpg` is `red+flower.jpg`),
and prefix and suffix filters match that encoded key, as S3's do.

skydeck runs no SNS or Lambda here: topic and function configurations are
kept and returned (when saved with validation skipped) but nothing is sent
to them; EventBridgeConfiguration is kept and returned likewise.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from typing import Any

from backend.bus import CloudEvent
from backend.cloud import Cloud
from backend.errors import AwsError
from backend.identity import CONSOLE, Caller, service_principal
from backend.ids import uuid4
from backend.kit.queue_sender import ARN, QueueSender, queue_arn_parts
from backend.kit.timestamps import iso_millis
from backend.services.s3.errors import InvalidArgument, MalformedXML
from backend.services.s3.index import StoredBucket
from backend.services.s3.listing import url_encoded
from backend.services.s3.names import owner_principal

#: Who S3 is when it calls another service.
S3_PRINCIPAL: Caller = service_principal("s3.amazonaws.com")

#: Every event type botocore's model names (Event).
EVENTS = frozenset(
    {
        "s3:ReducedRedundancyLostObject",
        "s3:ObjectCreated:*",
        "s3:ObjectCreated:Put",
        "s3:ObjectCreated:Post",
        "s3:ObjectCreated:Copy",
        "s3:ObjectCreated:CompleteMultipartUpload",
        "s3:ObjectRemoved:*",
        "s3:ObjectRemoved:Delete",
        "s3:ObjectRemoved:DeleteMarkerCreated",
        "s3:ObjectRestore:*",
        "s3:ObjectRestore:Post",
        "s3:ObjectRestore:Completed",
        "s3:Replication:*",
        "s3:Replication:OperationFailedReplication",
        "s3:Replication:OperationNotTracked",
        "s3:Replication:OperationMissedThreshold",
        "s3:Replication:OperationReplicatedAfterThreshold",
        "s3:ObjectRestore:Delete",
        "s3:LifecycleTransition",
        "s3:IntelligentTiering",
        "s3:ObjectAcl:Put",
        "s3:LifecycleExpiration:*",
        "s3:LifecycleExpiration:Delete",
        "s3:LifecycleExpiration:DeleteMarkerCreated",
        "s3:ObjectTagging:*",
        "s3:ObjectTagging:Put",
        "s3:ObjectTagging:Delete",
        "s3:ObjectAnnotation:*",
        "s3:ObjectAnnotation:Put",
        "s3:ObjectAnnotation:Delete",
        "s3:ObjectRetention:Put",
        "s3:MultipartUpload:*",
        "s3:MultipartUpload:PartUploaded",
        "s3:MultipartUpload:PartCopied",
        "s3:MultipartUpload:Aborted",
    }
)
#: (configuration list, ARN member) of each kind of destination.
KINDS = (
    ("QueueConfigurations", "QueueArn"),
    ("TopicConfigurations", "TopicArn"),
    ("LambdaFunctionConfigurations", "LambdaFunctionArn"),
)
_MAX_FILTER_VALUE = 1024
#: Event versions by kind: 2.1 for object created and removed, 2.3 for tagging.
_VERSIONS = {"ObjectTagging": "2.3"}


# -- the configuration -----------------------------------------------------------


def parse_configuration(params: Mapping[str, Any], new_id: Callable[[], str]) -> dict[str, Any]:
    """The NotificationConfiguration member, checked, as GetBucketNotificationConfiguration
    will return it (filter rule names as `Prefix`/`Suffix`, every configuration with an Id).

    `new_id()` makes the Id S3 generates for a configuration that names none.
    """
    given = params.get("NotificationConfiguration")
    if given is None:
        given = {}
    if not isinstance(given, dict):
        raise MalformedXML()
    out: dict[str, Any] = {}
    all_configs: list[dict[str, Any]] = []
    for kind, arn_member in KINDS:
        configs = given.get(kind) or []
        if not isinstance(configs, list):
            raise MalformedXML()
        checked = [_configuration(c, arn_member, new_id) for c in configs]
        if checked:
            out[kind] = checked
            all_configs += checked
    bridge = given.get("EventBridgeConfiguration")
    if bridge is not None:
        out["EventBridgeConfiguration"] = {}
    _check_overlaps(all_configs)
    return out


def _configuration(config: object, arn_member: str, new_id: Callable[[], str]) -> dict[str, Any]:
    if not isinstance(config, dict):
        raise MalformedXML()
    arn = config.get(arn_member)
    if not isinstance(arn, str) or ARN.match(arn) is None:
        raise InvalidArgument(
            "The ARN is not well formed", ArgumentName=arn_member, ArgumentValue=str(arn)[:256]
        )
    events = config.get("Events")
    if not isinstance(events, list) or not events:
        raise MalformedXML()
    for event in events:
        if event not in EVENTS:
            raise InvalidArgument(
                "The event is not supported for notifications",
                ArgumentName="Event",
                ArgumentValue=str(event)[:256],
            )
    ident = config.get("Id")
    out: dict[str, Any] = {
        "Id": ident if isinstance(ident, str) and ident else new_id(),
        arn_member: arn,
        "Events": list(dict.fromkeys(events)),
    }
    rules = _filter_rules(config.get("Filter"))
    if rules:
        out["Filter"] = {"Key": {"FilterRules": rules}}
    return out


def _filter_rules(given: object) -> list[dict[str, str]]:
    if given is None:
        return []
    key = given.get("Key") if isinstance(given, dict) else None
    rules = key.get("FilterRules") if isinstance(key, dict) else None
    if not isinstance(rules, list):
        raise MalformedXML()
    out: dict[str, str] = {}
    for rule in rules:
        name = rule.get("Name") if isinstance(rule, dict) else None
        value = rule.get("Value") if isinstance(rule, dict) else None
        if not isinstance(name, str) or name.lower() not in ("prefix", "suffix"):
            raise InvalidArgument(
                "filter rule name must be either prefix or suffix",
                ArgumentName="FilterRule.Name",
                ArgumentValue=str(name)[:256],
            )
        canonical = name.capitalize()
        if canonical in out:
            raise InvalidArgument(
                f"Cannot specify more than one {name.lower()} rule in a filter.",
                ArgumentName="FilterRule.Name",
                ArgumentValue=name,
            )
        if not isinstance(value, str) or len(value.encode("utf-8")) > _MAX_FILTER_VALUE:
            raise InvalidArgument(
                "The filter rule value is not valid",
                ArgumentName="FilterRule.Value",
                ArgumentValue=str(value)[:256],
            )
        out[canonical] = value
    return [{"Name": name, "Value": value} for name, value in out.items()]


def _rule(config: Mapping[str, Any], name: str) -> str:
    for rule in config.get("Filter", {}).get("Key", {}).get("FilterRules", []):
        if rule["Name"] == name:
            return str(rule["Value"])
    return ""


def _events_overlap(a: str, b: str) -> bool:
    if a == b:
        return True
    return (a.endswith("*") and b.startswith(a[:-1])) or (b.endswith("*") and a.startswith(b[:-1]))


def _check_overlaps(configs: list[dict[str, Any]]) -> None:
    """S3 refuses two configurations that could both match one event of one key."""
    for i, first in enumerate(configs):
        for second in configs[i + 1 :]:
            shared = any(_events_overlap(a, b) for a in first["Events"] for b in second["Events"])
            p1, p2 = _rule(first, "Prefix"), _rule(second, "Prefix")
            s1, s2 = _rule(first, "Suffix"), _rule(second, "Suffix")
            if (
                shared
                and (p1.startswith(p2) or p2.startswith(p1))
                and (s1.endswith(s2) or s2.endswith(s1))
            ):
                raise InvalidArgument(
                    "Configuration is ambiguously defined. Cannot have overlapping suffixes in "
                    "two rules if the prefixes are overlapping for the same event type.",
                    ArgumentName="Event",
                    ArgumentValue=first["Events"][0],
                )


def destinations(configuration: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(ARN member, ARN) of every destination, each once, in order."""
    found: dict[tuple[str, str], None] = {}
    for kind, arn_member in KINDS:
        for config in configuration.get(kind, []):
            found[(arn_member, config[arn_member])] = None
    return list(found)


def matches(config: Mapping[str, Any], event: str, encoded_key: str) -> bool:
    """Whether `config` wants `event` (`ObjectCreated:Put`) for a key (form-encoded)."""
    full = f"s3:{event}"
    if not any(
        e == full or (e.endswith("*") and full.startswith(e[:-1])) for e in config["Events"]
    ):
        return False
    return encoded_key.startswith(_rule(config, "Prefix")) and encoded_key.endswith(
        _rule(config, "Suffix")
    )


# -- sending ---------------------------------------------------------------------------


class Notifier:
    """Sends a bucket's records and test events to its queues, through `cloud.call`."""

    def __init__(self, cloud: Cloud) -> None:
        self.cloud = cloud
        self._rng = cloud.rng("s3/notifications")
        self.sender = QueueSender(cloud, S3_PRINCIPAL)
        self._sequence = 0
        #: Messages delivered and failed, for the dashboard.
        self.sent = 0
        self.failed = 0

    def new_id(self) -> str:
        """An Id for a configuration saved without one, shaped as S3's (base64 text)."""
        return base64.b64encode(uuid4(self._rng).encode()).decode().rstrip("=")

    def _request_ids(self) -> tuple[str, str]:
        request_id = f"{self._rng.getrandbits(64):016X}"
        host_id = base64.b64encode(self._rng.getrandbits(384).to_bytes(48, "big")).decode()
        return request_id, host_id

    def _sequencer(self) -> str:
        """Hex that grows with every event (time first), as S3's `sequencer` does per key."""
        self._sequence += 1
        return f"{int(self.cloud.clock.now() * 1000):012X}{self._sequence & 0xFFFFFF:06X}"

    async def _send(self, arn: str, body: str) -> None:
        await self.sender.send(arn, {"MessageBody": body})

    async def test_destinations(
        self, bucket: str, region: str, configuration: Mapping[str, Any]
    ) -> None:
        """Send each destination the `s3:TestEvent`; InvalidArgument naming those that fail.

        A queue must be in the bucket's region, as S3 requires.
        """
        failures: list[tuple[str, str]] = []
        for arn_member, arn in destinations(configuration):
            if arn_member != "QueueArn":
                failures.append((arn, "skydeck does not deliver to this kind of destination"))
                continue
            parts = queue_arn_parts(arn)
            if parts is not None and parts[0] != region:
                failures.append((arn, "The destination queue is not in the bucket's region"))
                continue
            request_id, host_id = self._request_ids()
            body = json.dumps(
                {
                    "Service": "Amazon S3",
                    "Event": "s3:TestEvent",
                    "Time": iso_millis(self.cloud.clock.now()),
                    "Bucket": bucket,
                    "RequestId": request_id,
                    "HostId": host_id,
                }
            )
            try:
                await self._send(arn, body)
            except AwsError:
                failures.append((arn, "The destination queue does not exist"))
        if failures:
            extra: dict[str, str] = {}
            for n, (arn, why) in enumerate(failures, 1):
                extra[f"ArgumentName{n}"] = arn
                extra[f"ArgumentValue{n}"] = why
            raise InvalidArgument(
                "Unable to validate the following destination configurations", **extra
            )

    def object_event(
        self,
        bucket: StoredBucket,
        event: str,
        key: str,
        region: str,
        caller: Caller | None,
        size: int | None = None,
        etag: str | None = None,
    ) -> None:
        """Send `event` (`ObjectCreated:Put`) for `key` to every queue configured for it.

        `caller` None means no API call made it (a file dropped into the bucket
        folder): the record names the dashboard's user, who put it there.
        """
        configs = bucket.notification.get("QueueConfigurations", [])
        encoded = url_encoded(key)
        wanted = [c for c in configs if matches(c, event, encoded)]
        if not wanted:
            return
        who = caller or CONSOLE
        request_id, host_id = self._request_ids()
        obj: dict[str, Any] = {"key": encoded}
        if size is not None:
            obj["size"] = size
        if etag is not None:
            obj["eTag"] = etag.strip('"')
        obj["sequencer"] = self._sequencer()
        for config in wanted:
            record = {
                "eventVersion": _VERSIONS.get(event.split(":")[0], "2.1"),
                "eventSource": "aws:s3",
                "awsRegion": region,
                "eventTime": iso_millis(self.cloud.clock.now()),
                "eventName": event,
                "userIdentity": {"principalId": f"AWS:{who.principal_id}"},
                "requestParameters": {"sourceIPAddress": who.source_ip},
                "responseElements": {"x-amz-request-id": request_id, "x-amz-id-2": host_id},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": config["Id"],
                    "bucket": {
                        "name": bucket.name,
                        "ownerIdentity": {"principalId": owner_principal(self.cloud.account)},
                        "arn": f"arn:aws:s3:::{bucket.name}",
                    },
                    "object": obj,
                },
            }
            body = json.dumps({"Records": [record]})
            self.cloud.clock.spawn(
                self._deliver(bucket.name, config["QueueArn"], body),
                name=f"s3 notification {bucket.name}",
            )

    async def _deliver(self, bucket: str, arn: str, body: str) -> None:
        try:
            await self._send(arn, body)
        except AwsError as error:
            self.failed += 1
            self.cloud.bus.publish(
                CloudEvent(
                    self.cloud.clock.now(),
                    "s3",
                    "NotificationFailed",
                    f"{bucket}: event notification to {arn.rsplit(':', 1)[-1]} failed "
                    f"with {error.code}",
                    "warning",
                    bucket,
                )
            )
            return
        self.sent += 1
