"""The `[logs]` section of scenario files: groups, streams, metric filters, files to tail.

```toml
[[logs.group]]
name = "/skydeck/orders-workers"
retention_days = 7                  # one of AWS's values; absent: never expire
class = "STANDARD"                  # or INFREQUENT_ACCESS
tags = { team = "checkout" }
streams = ["worker-1", "worker-2"]

[[logs.group.metric_filter]]
name = "order-errors"
pattern = '{ $.level = "ERROR" }'   # the filter-pattern grammar, as AWS reads it
namespace = "Skydeck/Orders"
metric = "OrderErrors"
value = "1"                         # a number, "$.json.path" or "$field"
default = 0                         # optional; not with dimensions
unit = "Count"                      # optional
dimensions = { Queue = "$.queue" }  # optional, at most 3

[[logs.agent]]
file = "/var/log/app/*.log"         # absolute; wildcards in the file's name only
group = "/app/web"                  # made by the agent when missing, as is the stream
stream = "web-1"
```

Everything is made with the API (CreateLogGroup, PutRetentionPolicy,
CreateLogStream, PutMetricFilter) by the scenario's set-up role, so a bad
pattern or retention is refused with AWS's words, naming where it was.

`[[logs.agent]]` hands files to the host's CloudWatch agent (`agent.py`),
which reads them only while the dashboard or `skydeck serve` runs, never in
a headless run, and never writes anywhere. A path must be absolute: a
built-in scenario has no folder of its own, and a file is run from anywhere.
Its wildcards may only be in the file's name, so the agent watches one
folder. A file missing when the scenario starts is tailed once it appears.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from backend.cloud import Cloud
from backend.errors import AwsError
from backend.identity import SETUP_ROLE
from backend.kit.scenario import Reader, ScenarioError
from backend.registry import ScenarioSection
from backend.services.logs.agent import COMPRESSED, Source
from backend.services.logs.base import GROUP_NAME_PATTERN, STREAM_NAME_PATTERN
from backend.services.logs.service import LogsService


@dataclass(frozen=True)
class MetricFilterSpec:
    name: str
    pattern: str
    transformation: dict[str, Any]


@dataclass(frozen=True)
class GroupSpec:
    name: str
    retention_days: int | None
    group_class: str | None
    tags: dict[str, str]
    streams: tuple[str, ...]
    metric_filters: tuple[MetricFilterSpec, ...]


@dataclass(frozen=True)
class LogsSpec:
    groups: tuple[GroupSpec, ...]
    #: What the host's agent tails, once live.
    agent: tuple[Source, ...]


def parse(table: Reader, region: str) -> LogsSpec:
    groups = tuple(_group(group) for group in table.tables("group"))
    agent = tuple(_agent_source(source) for source in table.tables("agent"))
    table.done()
    table.unique([g.name for g in groups], "group")
    return LogsSpec(groups, agent)


def _agent_source(table: Reader) -> Source:
    path = table.required("file", str)
    if not os.path.isabs(path):
        raise table.fail(f"file must be an absolute path, not {path!r}")
    if glob.has_magic(os.path.dirname(path)):
        raise table.fail(f"file may have wildcards in its name only, not its folders: {path!r}")
    if not os.path.basename(path):
        raise table.fail(f"file must name a file, not a folder: {path!r}")
    if path.endswith(COMPRESSED):
        raise table.fail(f"file {path!r} is compressed: the agent passes over those")
    group = _name(table, "group", GROUP_NAME_PATTERN)
    stream = _name(table, "stream", STREAM_NAME_PATTERN)
    table.done()
    return Source(path, group, stream)


def _name(table: Reader, key: str, pattern: str) -> str:
    """A group or stream name, checked as CreateLogGroup and CreateLogStream would."""
    name: str = table.required(key, str)
    if not 1 <= len(name) <= 512 or re.fullmatch(pattern, name) is None:
        raise table.fail(f"{key} must be 1 to 512 characters matching {pattern}, not {name!r}")
    return name


def _group(table: Reader) -> GroupSpec:
    name = table.required("name", str)
    retention = table.get("retention_days", int)
    group_class = table.get("class", str)
    tags = table.string_map("tags")
    streams = table.get("streams", list, []) or []
    if not all(isinstance(s, str) for s in streams):
        raise table.fail(f"streams must be a list of names, not {streams!r}")
    filters = tuple(_metric_filter(f) for f in table.tables("metric_filter"))
    table.done()
    table.unique(list(streams), "stream")
    table.unique([f.name for f in filters], "metric_filter")
    return GroupSpec(name, retention, group_class, tags, tuple(streams), filters)


def _metric_filter(table: Reader) -> MetricFilterSpec:
    name = table.required("name", str)
    pattern = table.get("pattern", str, "")
    transformation: dict[str, Any] = {
        "metricNamespace": table.required("namespace", str),
        "metricName": table.required("metric", str),
        "metricValue": table.get("value", str, "1"),
    }
    default = table.get("default", (int, float))
    if default is not None:
        transformation["defaultValue"] = float(default)
    unit = table.get("unit", str)
    if unit is not None:
        transformation["unit"] = unit
    dimensions = table.string_map("dimensions")
    if dimensions:
        transformation["dimensions"] = dimensions
    table.done()
    return MetricFilterSpec(name, pattern, transformation)


async def apply(spec: LogsSpec, cloud: Cloud, source: str) -> None:
    await _apply_groups(spec.groups, cloud, source)
    agent = cloud.service(LogsService).agent
    for tailed in spec.agent:
        agent.add(tailed)


async def _apply_groups(groups: tuple[GroupSpec, ...], cloud: Cloud, source: str) -> None:
    for spec in groups:
        where = f"{source}: log group {spec.name!r}"
        params: dict[str, Any] = {"logGroupName": spec.name}
        if spec.group_class is not None:
            params["logGroupClass"] = spec.group_class
        if spec.tags:
            params["tags"] = spec.tags
        await _call(cloud, "CreateLogGroup", params, where)
        if spec.retention_days is not None:
            await _call(
                cloud,
                "PutRetentionPolicy",
                {"logGroupName": spec.name, "retentionInDays": spec.retention_days},
                where,
            )
        for stream in spec.streams:
            await _call(
                cloud,
                "CreateLogStream",
                {"logGroupName": spec.name, "logStreamName": stream},
                f"{where}: stream {stream!r}",
            )
        for found in spec.metric_filters:
            await _call(
                cloud,
                "PutMetricFilter",
                {
                    "logGroupName": spec.name,
                    "filterName": found.name,
                    "filterPattern": found.pattern,
                    "metricTransformations": [found.transformation],
                },
                f"{where}: metric filter {found.name!r}",
            )


async def _call(cloud: Cloud, action: str, params: dict[str, Any], where: str) -> None:
    try:
        await cloud.call("logs", action, params, caller=SETUP_ROLE)
    except AwsError as error:
        raise ScenarioError(f"{where}: {error.code}: {error.message}") from None


def names(spec: LogsSpec) -> Mapping[str, set[str]]:
    return {"group": {g.name for g in spec.groups}}


SECTION = ScenarioSection("logs", parse, apply, names)
