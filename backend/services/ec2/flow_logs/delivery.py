"""Delivery: closed capture windows as CloudWatch Logs events or gzip files in S3.

AWS publishes a window's records some minutes after it closes, best effort:
"typically ... to CloudWatch Logs in about 5 minutes and to Amazon S3 in
about 10 minutes". skydeck draws each delay from the flow log's own seeded rng,
so a run is the same every time:

- CloudWatch Logs: a window's records are put `CWL_LATENCY` (4-6 min) after it
  closes, one log stream per network interface named by its id, one event per
  record, the event's timestamp being the record's `start` (AWS: "the
  timestamp field corresponds to the start time that's captured in the flow
  log record"), in PutLogEvents batches within Logs' limits (10,000 events,
  1,048,576 bytes counting 26 per event, chronological).
- S3: records go into 5-minute files by their `end` time (a file named
  `..._20180620T1620Z_<hash>` holds the records ending 16:20:00-16:24:59), the
  file written `S3_LATENCY` (4-6 min) after its five minutes end, so about ten
  minutes after it begins, or after the window that fed it closed if that is
  later. A file is gzip text, the format's header line first, at most
  `MAX_FILE_BYTES` of text (AWS's 75 MB; more makes several files), at
  `<prefix>/AWSLogs/<acct>/vpcflowlogs/<region>/<yyyy>/<mm>/<dd>/
  <acct>_vpcflowlogs_<region>_<fl-id>_<YYYYMMDDTHHmmZ>_<hash>.log.gz`, hash
  8 hex digits. Records of a file's five minutes that arrive after it was
  taken start another file with the same time and a new hash.

`Outbox` holds the windows and files until they are due; a clock task drains it
(`take`) and sends the calls (`send`) through `cloud.call` as the caller the
wiring passes. S3 sees `delivery.logs.amazonaws.com` (`LOG_DELIVERY`), the
principal AWS's bucket policies name; CloudWatch Logs deliveries are made in
AWS under the flow log's `DeliverLogsPermissionArn` role.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from backend.errors import AwsError
from backend.identity import service_principal

if TYPE_CHECKING:
    from random import Random

    from backend.cloud import Cloud
    from backend.identity import Caller
    from backend.services.ec2.flow_logs.aggregate import Window
    from backend.services.ec2.flow_logs.format import LogFormat

#: The principal AWS's log delivery writes to S3 as (its bucket policy's `Principal`).
LOG_DELIVERY: Final = service_principal("delivery.logs.amazonaws.com")

#: Seconds after a window closes that its CloudWatch Logs events are put (uniform).
CWL_LATENCY: Final = (240.0, 360.0)
#: Seconds after a file's five minutes end that it is written (uniform).
S3_LATENCY: Final = (240.0, 360.0)
#: The five minutes each S3 file covers.
S3_PERIOD: Final = 300
#: Text bytes an S3 file holds at most before another is begun (AWS: 75 MB).
MAX_FILE_BYTES: Final = 75 * 1024 * 1024

#: PutLogEvents' limits (AWS_FACTS §5): events and bytes, an event costing its UTF-8 + 26.
MAX_EVENTS: Final = 10_000
MAX_BATCH_BYTES: Final = 1_048_576
EVENT_OVERHEAD: Final = 26


class Call(NamedTuple):
    """One `cloud.call` a delivery makes."""

    service: str
    action: str
    params: dict[str, Any]


@dataclass(frozen=True, slots=True)
class LogGroupDestination:
    """`LogDestinationType cloud-watch-logs`: the group `LogGroupName` names."""

    log_group: str


@dataclass(frozen=True, slots=True)
class BucketDestination:
    """`LogDestinationType s3`: `arn:aws:s3:::bucket[/prefix/]` as bucket and prefix."""

    bucket: str
    prefix: str = ""


Destination = LogGroupDestination | BucketDestination


# -- CloudWatch Logs ------------------------------------------------------------------


def log_streams(window: Window, log_format: LogFormat) -> dict[str, list[dict[str, Any]]]:
    """A window's records as log events by stream (the interface id), each in time order."""
    render = log_format.render
    streams: dict[str, list[dict[str, Any]]] = {}
    for eni_id, records in window.records.items():
        ordered = sorted(records, key=attrgetter("start"))
        streams[eni_id] = [{"timestamp": r.start * 1000, "message": render(r)} for r in ordered]
    return streams


def put_log_events(group: str, stream: str, events: list[dict[str, Any]]) -> list[Call]:
    """PutLogEvents calls carrying chronological `events`, each batch within Logs' limits.

    A flow log's events of one delivery span one capture window (at most 10
    minutes), far inside PutLogEvents' 24 hours, so only count and bytes cut.
    """
    calls: list[Call] = []
    batch: list[dict[str, Any]] = []
    used = 0
    for event in events:
        cost = len(event["message"].encode()) + EVENT_OVERHEAD
        if batch and (len(batch) == MAX_EVENTS or used + cost > MAX_BATCH_BYTES):
            calls.append(_put(group, stream, batch))
            batch, used = [], 0
        batch.append(event)
        used += cost
    if batch:
        calls.append(_put(group, stream, batch))
    return calls


def _put(group: str, stream: str, events: list[dict[str, Any]]) -> Call:
    params = {"logGroupName": group, "logStreamName": stream, "logEvents": events}
    return Call("logs", "PutLogEvents", params)


# -- S3 ------------------------------------------------------------------------------


def file_period(end: int) -> int:
    """The start of the five minutes whose S3 file holds a record ending at `end`."""
    return end - end % S3_PERIOD


def object_key(
    prefix: str, account: str, region: str, flow_log_id: str, period: int, rng: Random
) -> str:
    """Where AWS puts a flow log's file of the five minutes from `period`."""
    when = datetime.fromtimestamp(period, UTC)
    name = (
        f"{account}_vpcflowlogs_{region}_{flow_log_id}_{when:%Y%m%dT%H%MZ}_"
        f"{rng.getrandbits(32):08x}.log.gz"
    )
    folder = f"AWSLogs/{account}/vpcflowlogs/{region}/{when:%Y/%m/%d}/"
    head = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
    return head + folder + name


def file_bodies(header: str, lines: list[str]) -> list[bytes]:
    """`lines` as gzip files of at most `MAX_FILE_BYTES` of text, each opening with `header`."""
    bodies: list[bytes] = []
    part: list[str] = [header]
    used = len(header.encode()) + 1
    for line in lines:
        size = len(line.encode()) + 1
        if len(part) > 1 and used + size > MAX_FILE_BYTES:
            bodies.append(_gzip(part))
            part, used = [header], len(header.encode()) + 1
        part.append(line)
        used += size
    bodies.append(_gzip(part))
    return bodies


def _gzip(lines: list[str]) -> bytes:
    return gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0)


# -- the outbox ----------------------------------------------------------------------


@dataclass(slots=True)
class _File:
    """An S3 file being filled: its five minutes, when it is due, its lines so far."""

    period: int
    due: float
    lines: list[str] = field(default_factory=list)


class Outbox:
    """One flow log's closed windows waiting for delivery, and their due times.

    `add` each window `Aggregator.close` returns; at `next_due` (a clock timer)
    `take` gives the calls that are due and `send` makes them.
    """

    def __init__(
        self,
        destination: Destination,
        log_format: LogFormat,
        *,
        flow_log_id: str,
        account: str,
        region: str,
        rng: Random,
    ) -> None:
        self.destination = destination
        self.log_format = log_format
        self.flow_log_id = flow_log_id
        self.account = account
        self.region = region
        self.rng = rng
        #: CloudWatch Logs: (due, window) in the order they were added.
        self._windows: list[tuple[float, Window]] = []
        #: S3: files not yet taken, by their five minutes.
        self._files: dict[int, _File] = {}

    def add(self, window: Window) -> None:
        """Schedule a closed window's records (it closed at `window.end`)."""
        if isinstance(self.destination, LogGroupDestination):
            due = window.end + self.rng.uniform(*CWL_LATENCY)
            self._windows.append((due, window))
            return
        render = self.log_format.render
        for records in window.records.values():
            for record in records:
                period = file_period(record.end)
                found = self._files.get(period)
                if found is None:
                    ready = max(period + S3_PERIOD, window.end)
                    due = ready + self.rng.uniform(*S3_LATENCY)
                    found = self._files[period] = _File(period, due)
                found.lines.append(render(record))

    def next_due(self) -> float | None:
        """When the earliest pending delivery is due (None: nothing waits)."""
        dues = [due for due, _ in self._windows] + [f.due for f in self._files.values()]
        return min(dues, default=None)

    def take(self, now: float) -> list[Call]:
        """The calls of every delivery due by `now`, earliest first; they leave the outbox."""
        destination = self.destination
        calls: list[Call] = []
        if isinstance(destination, LogGroupDestination):
            due = sorted((w for w in self._windows if w[0] <= now), key=lambda w: w[0])
            self._windows = [w for w in self._windows if w[0] > now]
            for _, window in due:
                for stream, events in log_streams(window, self.log_format).items():
                    calls += put_log_events(destination.log_group, stream, events)
            return calls
        files = sorted((f for f in self._files.values() if f.due <= now), key=lambda f: f.due)
        for file in files:
            del self._files[file.period]
            for body in file_bodies(self.log_format.header, file.lines):
                key = object_key(
                    destination.prefix,
                    self.account,
                    self.region,
                    self.flow_log_id,
                    file.period,
                    self.rng,
                )
                params = {"Bucket": destination.bucket, "Key": key, "Body": body}
                calls.append(Call("s3", "PutObject", params))
        return calls


async def send(cloud: Cloud, calls: list[Call], caller: Caller, region: str) -> AwsError | None:
    """Make `calls` in order; the first refusal stops the rest and is returned.

    A log stream is made on the first delivery to it (and again if it was
    deleted), and the log group too if it is missing, as the flow log's role
    may (`logs:CreateLogGroup`, `logs:CreateLogStream`). What a refusal stops
    is lost: AWS's delivery is best effort, and the flow log reports the error
    (`DeliverLogsStatus FAILED`).
    """
    for service, action, params in calls:
        try:
            try:
                await cloud.call(service, action, params, caller=caller, region=region)
            except AwsError as error:
                if action != "PutLogEvents" or error.code != "ResourceNotFoundException":
                    raise
                await _make_stream(cloud, params, caller, region)
                await cloud.call(service, action, params, caller=caller, region=region)
        except AwsError as error:
            return error
    return None


async def _make_stream(cloud: Cloud, params: dict[str, Any], caller: Caller, region: str) -> None:
    group = {"logGroupName": params["logGroupName"]}
    stream = {**group, "logStreamName": params["logStreamName"]}
    try:
        await cloud.call("logs", "CreateLogStream", stream, caller=caller, region=region)
    except AwsError as error:
        if error.code != "ResourceNotFoundException":
            raise
        await cloud.call("logs", "CreateLogGroup", group, caller=caller, region=region)
        await cloud.call("logs", "CreateLogStream", stream, caller=caller, region=region)
