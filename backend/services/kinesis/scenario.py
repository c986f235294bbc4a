"""The `[kinesis]` section of scenario files: data streams.

```toml
[[kinesis.stream]]
name = "clicks"
shards = 4                 # PROVISIONED with 4 shards...
# mode = "ON_DEMAND"       # ...or on-demand (no shards)
retention_hours = 48       # 24 to 8760; default 24
tags = { team = "web" }
```

Streams are created with CreateStream by the scenario's set-up role, and a
retention other than 24 hours is set with IncreaseStreamRetentionPeriod, as a
deployment would. A scenario's streams are ACTIVE when it starts, as if deployed
before it: they skip the few simulated seconds a new stream spends CREATING.
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
from backend.services.kinesis.service import KinesisService
from backend.services.kinesis.stream import (
    DEFAULT_RETENTION_HOURS,
    MAX_RETENTION_HOURS,
    MIN_RETENTION_HOURS,
)

MODES = ("PROVISIONED", "ON_DEMAND")


@dataclass(frozen=True)
class StreamSpec:
    name: str
    mode: str
    shards: int | None
    retention_hours: int
    tags: dict[str, str]


def parse(table: Reader, region: str) -> tuple[StreamSpec, ...]:
    streams = tuple(_stream(stream) for stream in table.tables("stream"))
    table.done()
    table.unique([s.name for s in streams], "stream")
    return streams


def _stream(table: Reader) -> StreamSpec:
    name = table.required("name", str)
    mode = table.get("mode", str)
    if mode is not None and mode not in MODES:
        raise table.fail(f"mode must be {' or '.join(MODES)}, not {mode!r}")
    shards = table.get("shards", int)
    if mode == "ON_DEMAND" and shards is not None:
        raise table.fail("shards can't be given for an ON_DEMAND stream")
    if mode != "ON_DEMAND" and shards is None:
        raise table.fail('shards is required (or mode = "ON_DEMAND")')
    mode = mode or "PROVISIONED"
    if shards is not None and not 1 <= shards <= 10_000:
        raise table.fail(f"shards must be between 1 and 10000, not {shards}")
    hours: int = table.get("retention_hours", int, DEFAULT_RETENTION_HOURS)
    if not MIN_RETENTION_HOURS <= hours <= MAX_RETENTION_HOURS:
        raise table.fail(
            f"retention_hours must be between {MIN_RETENTION_HOURS} and {MAX_RETENTION_HOURS}, "
            f"not {hours}"
        )
    tags = table.string_map("tags")
    table.done()
    return StreamSpec(name, mode, shards, hours, tags)


async def apply(streams: tuple[StreamSpec, ...], cloud: Cloud, source: str) -> None:
    for spec in streams:
        params: dict[str, Any] = {"StreamName": spec.name}
        if spec.mode == "PROVISIONED":
            params["ShardCount"] = spec.shards
        else:
            params["StreamModeDetails"] = {"StreamMode": "ON_DEMAND"}
        if spec.tags:
            params["Tags"] = spec.tags
        await _call(cloud, source, spec, "CreateStream", params)
        cloud.service(KinesisService).activate_now(spec.name, cloud.region)
        if spec.retention_hours != DEFAULT_RETENTION_HOURS:
            await _call(
                cloud,
                source,
                spec,
                "IncreaseStreamRetentionPeriod",
                {"StreamName": spec.name, "RetentionPeriodHours": spec.retention_hours},
            )


async def _call(
    cloud: Cloud, source: str, spec: StreamSpec, action: str, params: dict[str, Any]
) -> None:
    try:
        await cloud.call("kinesis", action, params, caller=SETUP_ROLE)
    except AwsError as error:
        raise ScenarioError(
            f"{source}: stream {spec.name!r}: {error.code}: {error.message}"
        ) from None


def names(streams: tuple[StreamSpec, ...]) -> Mapping[str, set[str]]:
    return {"stream": {s.name for s in streams}}


SECTION = ScenarioSection("kinesis", parse, apply, names)
