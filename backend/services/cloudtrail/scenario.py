"""The `[cloudtrail]` section of scenario files: trails, logging from the start.

```toml
[[cloudtrail.trail]]
name = "account-trail"
bucket = "audit-logs"                 # a bucket of [[s3.bucket]]
prefix = "trails"                     # optional S3KeyPrefix
log_group = "/skydeck/cloudtrail"     # optional: also into this group of [[logs.group]]
data_events = ["s3", "sqs"]           # optional: s3 objects, sqs, kinesis data events too
log_file_validation = true            # optional: hourly signed digest files too
```

Each trail is made with CreateTrail (and PutEventSelectors when it takes data
events) and StartLogging by the scenario's set-up role; sections apply in
registry order, S3's and Logs' before this one, so its bucket and group exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from backend.cloud import Cloud
from backend.errors import AwsError
from backend.identity import SETUP_ROLE
from backend.kit.scenario import Reader, ScenarioError
from backend.registry import ScenarioSection

#: The data events a scenario may ask for, as the resources.type an advanced selector names.
DATA_EVENTS: Final = {
    "s3": "AWS::S3::Object",
    "sqs": "AWS::SQS::Queue",
    "kinesis": "AWS::Kinesis::Stream",
}


@dataclass(frozen=True)
class ScenarioTrail:
    name: str
    bucket: str
    prefix: str | None
    log_group: str | None
    data_events: tuple[str, ...]
    log_file_validation: bool


def parse(table: Reader, region: str) -> tuple[ScenarioTrail, ...]:
    trails = tuple(_trail(t) for t in table.tables("trail"))
    table.done()
    table.unique([t.name for t in trails], "trail")
    return trails


def _trail(table: Reader) -> ScenarioTrail:
    events = table.get("data_events", list, []) or []
    unknown = [e for e in events if e not in DATA_EVENTS]
    if unknown:
        raise table.fail(f"data_events may hold {', '.join(DATA_EVENTS)}, not {unknown!r}")
    spec = ScenarioTrail(
        table.required("name", str),
        table.required("bucket", str),
        table.get("prefix", str),
        table.get("log_group", str),
        tuple(events),
        bool(table.get("log_file_validation", bool, False)),
    )
    table.done()
    return spec


def selectors(data_events: tuple[str, ...]) -> list[dict[str, Any]]:
    """Advanced selectors for management events and the data events named."""
    management = {"Field": "eventCategory", "Equals": ["Management"]}
    chosen: list[dict[str, Any]] = [{"Name": "Management events", "FieldSelectors": [management]}]
    for kind in data_events:
        chosen.append(
            {
                "Name": f"{kind} data events",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Data"]},
                    {"Field": "resources.type", "Equals": [DATA_EVENTS[kind]]},
                ],
            }
        )
    return chosen


async def apply(trails: tuple[ScenarioTrail, ...], cloud: Cloud, source: str) -> None:
    for spec in trails:
        where = f"{source}: trail {spec.name!r}"
        params: dict[str, Any] = {"Name": spec.name, "S3BucketName": spec.bucket}
        if spec.prefix is not None:
            params["S3KeyPrefix"] = spec.prefix
        if spec.log_file_validation:
            params["EnableLogFileValidation"] = True
        if spec.log_group is not None:
            params["CloudWatchLogsLogGroupArn"] = (
                f"arn:aws:logs:{cloud.region}:{cloud.account}:log-group:{spec.log_group}:*"
            )
            params["CloudWatchLogsRoleArn"] = f"arn:aws:iam::{cloud.account}:role/cloudtrail-logs"
        await _call(cloud, "CreateTrail", params, where)
        if spec.data_events:
            await _call(
                cloud,
                "PutEventSelectors",
                {"TrailName": spec.name, "AdvancedEventSelectors": selectors(spec.data_events)},
                where,
            )
        await _call(cloud, "StartLogging", {"Name": spec.name}, where)


async def _call(cloud: Cloud, action: str, params: dict[str, Any], where: str) -> None:
    try:
        await cloud.call("cloudtrail", action, params, caller=SETUP_ROLE)
    except AwsError as error:
        raise ScenarioError(f"{where}: {error.code}: {error.message}") from None


def names(trails: tuple[ScenarioTrail, ...]) -> Mapping[str, set[str]]:
    return {"trail": {t.name for t in trails}}


SECTION = ScenarioSection("cloudtrail", parse, apply, names)
