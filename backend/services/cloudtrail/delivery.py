"""Trail delivery: about every five minutes, the selected records as one gzip file in S3.

CloudTrail is not real time: a logging trail gathers what its selectors take
and delivers it in batches. Every `DELIVERY_INTERVAL` of simulated time each
logging trail writes the records past its cursor to its bucket, with S3
PutObject through `cloud.call` as `cloudtrail.amazonaws.com`, at AWS's key

    <prefix>/AWSLogs/<account>/CloudTrail/<region>/<YYYY>/<MM>/<DD>/
        <account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<16 characters>.json.gz

(the time is the delivery's) holding `{"Records": [...]}` (noted for the
hour's digest while log file validation is on, `digest.py`), and, with a log group
configured, puts the same records as log events into its stream
`<account>_CloudTrail_<region>`. A refused delivery is the trail's
LatestDeliveryError and is tried again with the next batch; the records wait.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import string
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from backend.bus import CloudEvent
from backend.errors import AwsError
from backend.identity import service_principal
from backend.services.cloudtrail.trails import CloudTrailTrail, Delivered, DigestedLog
from backend.trail import TrailEntry

if TYPE_CHECKING:
    from random import Random

    from backend.cloud import Cloud

#: Who writes the files: the trail names CloudTrail in `invokedBy`.
CLOUDTRAIL = service_principal("cloudtrail.amazonaws.com")
#: Records a file holds at most: a five-minute batch bigger than this is cut in files.
RECORDS_PER_FILE = 5_000
#: Bytes of log events a PutLogEvents of the trail's records carries at most.
LOG_BATCH_BYTES = 1_000_000
_SUFFIX = string.ascii_letters + string.digits


def pending(cloud: Cloud, trail: CloudTrailTrail) -> list[TrailEntry]:
    """The recorded calls past the trail's cursor that it selects, oldest first."""
    found: list[TrailEntry] = []
    recorded = cloud.trail
    rings = (
        (recorded.management, recorded.data) if trail.takes_data_events else (recorded.management,)
    )
    for ring in rings:
        for entry in reversed(ring):
            if entry.seq <= trail.cursor:
                break
            if (trail.spec.multi_region or entry.region == trail.region) and trail.selects(entry):
                found.append(entry)
    found.sort(key=lambda e: e.seq)
    return found


def object_key(trail: CloudTrailTrail, account: str, now: float, rng: Random) -> str:
    when = datetime.fromtimestamp(now, UTC)
    suffix = "".join(rng.choice(_SUFFIX) for _ in range(16))
    name = f"{account}_CloudTrail_{trail.region}_{when:%Y%m%dT%H%MZ}_{suffix}.json.gz"
    folder = f"AWSLogs/{account}/CloudTrail/{trail.region}/{when:%Y/%m/%d}/"
    prefix = f"{trail.spec.prefix}/" if trail.spec.prefix else ""
    return prefix + folder + name


async def deliver(cloud: Cloud, trail: CloudTrailTrail, rng: Random) -> None:
    """One batch of `trail`: its pending records to S3 (and CloudWatch Logs), if any."""
    upto = cloud.trail.recorded
    entries = pending(cloud, trail)
    now = cloud.clock.now()
    if not entries:
        trail.cursor = upto
        return
    records = [entry.record() for entry in entries]
    for start in range(0, len(records), RECORDS_PER_FILE):
        part = records[start : start + RECORDS_PER_FILE]
        content = json.dumps({"Records": part}).encode()
        body = gzip.compress(content, mtime=0)
        key = object_key(trail, cloud.account, now, rng)
        params = {"Bucket": trail.spec.bucket, "Key": key, "Body": body}
        refused = await put(cloud, trail, params, "delivery")
        if refused is not None:
            trail.latest_error = refused
            return
        trail.deliveries.append(Delivered(now, trail.spec.bucket, key, len(part), len(body)))
        trail.files_delivered += 1
        trail.records_delivered += len(part)
        if trail.spec.log_file_validation and trail.digest_start is not None:
            times = [r["eventTime"] for r in part]
            digested = DigestedLog(
                trail.spec.bucket, key, hashlib.sha256(content).hexdigest(), min(times), max(times)
            )
            trail.undigested.append(digested)
    trail.latest_delivery = now
    trail.latest_error = None
    if trail.spec.log_group_arn is not None:
        await _to_logs(cloud, trail, records)
    trail.cursor = upto
    say(cloud, trail, f"delivered {len(records):,} records to s3://{trail.spec.bucket}")


async def put(
    cloud: Cloud, trail: CloudTrailTrail, params: dict[str, Any], what: str
) -> str | None:
    """S3 PutObject as CloudTrail: None, or the refusal's code (told on the event log)."""
    try:
        await cloud.call("s3", "PutObject", params, caller=CLOUDTRAIL)
    except AwsError as error:
        say(cloud, trail, f"{what} to s3://{params['Bucket']} failed: {error.code}")
        return error.code
    return None


async def _to_logs(cloud: Cloud, trail: CloudTrailTrail, records: list[dict[str, Any]]) -> None:
    """The batch's records as log events, one each, in the trail's stream of its group."""
    arn = trail.spec.log_group_arn or ""
    group = arn.split(":log-group:", 1)[-1].removesuffix(":*")
    stream = f"{cloud.account}_CloudTrail_{trail.region}"
    events: list[dict[str, Any]] = [
        {"timestamp": _millis(r["eventTime"]), "message": json.dumps(r)} for r in records
    ]
    events.sort(key=lambda e: int(e["timestamp"]))
    params: dict[str, Any] = {"logGroupName": group, "logStreamName": stream}
    try:
        for chunk in _log_batches(events):
            batch = {**params, "logEvents": chunk}
            try:
                await cloud.call("logs", "PutLogEvents", batch, caller=CLOUDTRAIL)
            except AwsError as error:
                # The stream is made on the first delivery (and again if it was deleted),
                # not before each batch: the trail would record a refused create each time.
                if error.code != "ResourceNotFoundException":
                    raise
                await cloud.call("logs", "CreateLogStream", params, caller=CLOUDTRAIL)
                await cloud.call("logs", "PutLogEvents", batch, caller=CLOUDTRAIL)
    except AwsError as error:
        trail.latest_logs_error = error.code
        say(cloud, trail, f"delivery to log group {group} failed: {error.code}")
        return
    trail.latest_logs_delivery = cloud.clock.now()
    trail.latest_logs_error = None


def _millis(event_time: str) -> int:
    """A record's `eventTime` (`2026-11-29T09:00:00Z`) as ms since the epoch."""
    return int(datetime.fromisoformat(event_time.replace("Z", "+00:00")).timestamp() * 1000)


def _log_batches(events: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Chronological events cut into PutLogEvents batches: under 1 MiB, 10,000 events
    and 24 hours each."""
    batches: list[list[dict[str, Any]]] = []
    size = 0
    for event in events:
        cost = len(event["message"].encode()) + 26
        current = batches[-1] if batches else None
        if (
            current is None
            or size + cost > LOG_BATCH_BYTES
            or len(current) == 10_000
            or event["timestamp"] - current[0]["timestamp"] > 86_400_000
        ):
            batches.append([event])
            size = cost
        else:
            current.append(event)
            size += cost
    return batches


def say(cloud: Cloud, trail: CloudTrailTrail, summary: str) -> None:
    """Tell the event log of a delivery (a failed one as a warning)."""
    cloud.bus.publish(
        CloudEvent(
            cloud.clock.now(),
            "cloudtrail",
            "TrailDelivery",
            f"trail {trail.name}: {summary}",
            "warning" if "failed" in summary else "information",
            trail.name,
        )
    )
