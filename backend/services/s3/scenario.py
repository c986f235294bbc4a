"""The `[s3]` section of scenario files: buckets, their tags, their notifications to SQS.

```toml
[[s3.bucket]]
name = "documents"
region = "eu-west-1"             # default: the scenario's region
tags = { team = "data" }
notifications = [
  { queue = "documents-events", events = ["s3:ObjectCreated:*"], prefix = "in/", suffix = ".json" },
]
```

A notification names a queue of the `[sqs]` section, in the bucket's region
(S3 sends only to queues there); sections apply in registry order, so the
queues exist by the time the buckets are told about them. A bucket that
already exists (a data folder kept from an earlier run) is taken as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from backend.cloud import Cloud
from backend.errors import AwsError
from backend.identity import SETUP_ROLE
from backend.kit.scenario import Reader, ScenarioError
from backend.registry import ScenarioSection
from backend.services.s3.names import US_EAST_1, is_bucket_name
from backend.services.s3.notifications import EVENTS


@dataclass(frozen=True)
class NotificationSpec:
    queue: str
    events: tuple[str, ...]
    prefix: str
    suffix: str


@dataclass(frozen=True)
class BucketSpec:
    name: str
    region: str
    tags: dict[str, str]
    notifications: tuple[NotificationSpec, ...]


@dataclass(frozen=True)
class S3Section:
    buckets: tuple[BucketSpec, ...]


def parse(table: Reader, region: str) -> S3Section:
    buckets = tuple(_bucket(bucket, region) for bucket in table.tables("bucket"))
    table.done()
    seen: set[str] = set()
    for bucket in buckets:
        if bucket.name in seen:
            raise table.fail(f"bucket {bucket.name!r} is defined twice")
        seen.add(bucket.name)
    return S3Section(buckets)


def _bucket(table: Reader, default_region: str) -> BucketSpec:
    name = table.required("name", str)
    if not is_bucket_name(name):
        raise table.fail(
            f"{name!r} is not a valid bucket name (3 to 63 lower-case letters, digits, dots "
            "and hyphens, starting and ending with a letter or digit)"
        )
    region = table.get("region", str, default_region)
    tags = table.string_map("tags")
    notifications = tuple(
        _notification(Reader(table.source, f"{table.where}.notifications[{i}]", entry))
        for i, entry in enumerate(table.get("notifications", list, []))
    )
    table.done()
    return BucketSpec(name, region, tags, notifications)


def _notification(table: Reader) -> NotificationSpec:
    queue = table.required("queue", str)
    events = table.get("events", list, ["s3:ObjectCreated:*"])
    for event in events:
        if event not in EVENTS:
            raise table.fail(f"{event!r} is not an S3 event type (e.g. s3:ObjectCreated:*)")
    prefix = table.get("prefix", str, "")
    suffix = table.get("suffix", str, "")
    table.done()
    return NotificationSpec(queue, tuple(events), prefix, suffix)


def _configuration(spec: BucketSpec, account: str) -> dict[str, Any]:
    queues = []
    for notification in spec.notifications:
        config: dict[str, Any] = {
            "QueueArn": f"arn:aws:sqs:{spec.region}:{account}:{notification.queue}",
            "Events": list(notification.events),
        }
        rules = [
            {"Name": name, "Value": value}
            for name, value in (("prefix", notification.prefix), ("suffix", notification.suffix))
            if value
        ]
        if rules:
            config["Filter"] = {"Key": {"FilterRules": rules}}
        queues.append(config)
    return {"QueueConfigurations": queues}


async def apply(section: S3Section, cloud: Cloud, source: str) -> None:
    for spec in section.buckets:
        create: dict[str, Any] = {"Bucket": spec.name}
        if spec.region != US_EAST_1:
            create["CreateBucketConfiguration"] = {"LocationConstraint": spec.region}
        calls: list[tuple[str, dict[str, Any]]] = [("CreateBucket", create)]
        if spec.tags:
            tag_set = [{"Key": k, "Value": v} for k, v in spec.tags.items()]
            calls.append(
                ("PutBucketTagging", {"Bucket": spec.name, "Tagging": {"TagSet": tag_set}})
            )
        if spec.notifications:
            calls.append(
                (
                    "PutBucketNotificationConfiguration",
                    {
                        "Bucket": spec.name,
                        "NotificationConfiguration": _configuration(spec, cloud.account),
                    },
                )
            )
        for action, params in calls:
            try:
                await cloud.call("s3", action, params, caller=SETUP_ROLE, region=spec.region)
            except AwsError as error:
                if error.code == "BucketAlreadyOwnedByYou":
                    continue
                raise ScenarioError(
                    f"{source}: bucket {spec.name!r}: {action}: {error.code}: {error.message}"
                ) from None


def names(section: S3Section) -> Mapping[str, set[str]]:
    return {"bucket": {bucket.name for bucket in section.buckets}}


SECTION = ScenarioSection("s3", parse, apply, names)
