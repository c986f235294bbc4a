"""The `[firehose]` section of scenario files: delivery streams to S3 buckets.

```toml
[[firehose.delivery_stream]]
name = "logs-to-s3"
bucket = "raw-logs"              # a bucket of [[s3.bucket]]
prefix = "logs/"                 # default: YYYY/MM/dd/HH/
error_prefix = "errors/"         # needed when prefix holds !{...} expressions
buffer_size_mb = 5               # 1 to 128; default 5
buffer_interval = "60s"          # 0 to 900 s; default 300
compression = "GZIP"             # UNCOMPRESSED (default) or GZIP
source_stream = "clicks"         # a stream of [[kinesis.stream]]: KinesisStreamAsSource
tags = { team = "data" }
```

Streams are created with CreateDeliveryStream by the scenario's set-up role,
with a delivery role named after the stream, as a deployment would; they are
ACTIVE when the scenario starts. Sections apply in registry order (sqs, s3,
kinesis, firehose), so the bucket and the source stream exist by then; since
a section's parse sees only its own table, that they are defined is checked
when it applies, by asking S3 for the bucket (HeadBucket) and Firehose for the
stream (CreateDeliveryStream refuses a source stream that does not exist).
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
from backend.services.firehose.destination import WRITTEN
from backend.services.firehose.limits import (
    DEFAULT_INTERVAL,
    DEFAULT_SIZE_MB,
    MAX_INTERVAL,
    MAX_SIZE_MB,
    MIN_INTERVAL,
    MIN_SIZE_MB,
)
from backend.services.firehose.service import FirehoseService


@dataclass(frozen=True)
class DeliveryStreamSpec:
    name: str
    bucket: str
    prefix: str | None
    error_prefix: str | None
    buffer_size_mb: int
    buffer_interval: int
    compression: str
    source_stream: str | None
    tags: dict[str, str]


def parse(table: Reader, region: str) -> tuple[DeliveryStreamSpec, ...]:
    streams = tuple(_stream(stream) for stream in table.tables("delivery_stream"))
    table.done()
    table.unique([s.name for s in streams], "delivery stream")
    return streams


def _stream(table: Reader) -> DeliveryStreamSpec:
    name = table.required("name", str)
    bucket = table.required("bucket", str)
    size = int(table.number("buffer_size_mb", DEFAULT_SIZE_MB, MIN_SIZE_MB, MAX_SIZE_MB))
    interval = table.duration("buffer_interval", DEFAULT_INTERVAL)
    assert interval is not None
    if not MIN_INTERVAL <= interval <= MAX_INTERVAL or interval != int(interval):
        raise table.fail(
            f"buffer_interval must be a whole number of seconds from {MIN_INTERVAL} to "
            f"{MAX_INTERVAL}, not {interval:g}"
        )
    compression = table.get("compression", str, "UNCOMPRESSED")
    if compression not in WRITTEN:
        raise table.fail(f"compression must be {' or '.join(WRITTEN)}, not {compression!r}")
    tags = table.string_map("tags")
    spec = DeliveryStreamSpec(
        name=name,
        bucket=bucket,
        prefix=table.get("prefix", str),
        error_prefix=table.get("error_prefix", str),
        buffer_size_mb=size,
        buffer_interval=int(interval),
        compression=compression,
        source_stream=table.get("source_stream", str),
        tags=tags,
    )
    table.done()
    return spec


def _params(spec: DeliveryStreamSpec, cloud: Cloud) -> dict[str, Any]:
    account, region = cloud.account, cloud.region
    role = f"arn:aws:iam::{account}:role/firehose-{spec.name}"
    s3: dict[str, Any] = {
        "RoleARN": role,
        "BucketARN": f"arn:aws:s3:::{spec.bucket}",
        "BufferingHints": {
            "SizeInMBs": spec.buffer_size_mb,
            "IntervalInSeconds": spec.buffer_interval,
        },
        "CompressionFormat": spec.compression,
    }
    if spec.prefix is not None:
        s3["Prefix"] = spec.prefix
    if spec.error_prefix is not None:
        s3["ErrorOutputPrefix"] = spec.error_prefix
    params: dict[str, Any] = {
        "DeliveryStreamName": spec.name,
        "ExtendedS3DestinationConfiguration": s3,
    }
    if spec.source_stream is None:
        params["DeliveryStreamType"] = "DirectPut"
    else:
        params["DeliveryStreamType"] = "KinesisStreamAsSource"
        params["KinesisStreamSourceConfiguration"] = {
            "KinesisStreamARN": f"arn:aws:kinesis:{region}:{account}:stream/{spec.source_stream}",
            "RoleARN": role,
        }
    if spec.tags:
        params["Tags"] = [{"Key": k, "Value": v} for k, v in spec.tags.items()]
    return params


async def apply(streams: tuple[DeliveryStreamSpec, ...], cloud: Cloud, source: str) -> None:
    for spec in streams:
        where = f"{source}: delivery stream {spec.name!r}"
        try:
            await cloud.call("s3", "HeadBucket", {"Bucket": spec.bucket}, caller=SETUP_ROLE)
        except AwsError:
            raise ScenarioError(
                f"{where}: bucket {spec.bucket!r} is not defined in [[s3.bucket]]"
            ) from None
        try:
            await cloud.call(
                "firehose", "CreateDeliveryStream", _params(spec, cloud), caller=SETUP_ROLE
            )
        except AwsError as error:
            raise ScenarioError(f"{where}: {error.code}: {error.message}") from None
        cloud.service(FirehoseService).activate_now(spec.name, cloud.region)


def names(streams: tuple[DeliveryStreamSpec, ...]) -> Mapping[str, set[str]]:
    return {"delivery_stream": {s.name for s in streams}}


SECTION = ScenarioSection("firehose", parse, apply, names)
