"""CloudTrail's recording: one record per call, built lazily, kept in bounded rings.

The call path records every call, failed or not, as AWS does. Recording must
stay cheap at thousands of calls per second, so a call only appends a small
`TrailEntry` holding references to what it already has (params, response,
error, caller); the CloudTrail record itself (`TrailEntry.record()`, the JSON
AWS would write) is built when someone looks at it.

Management events (the control plane, and KMS crypto calls) form the event
history AWS keeps for 90 days; data events (SQS messages, Kinesis records, S3
objects) are recorded only by trails with data-event selectors. They live in
two rings so a burst of data events can never push management events out.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from backend.errors import AwsError
from backend.identity import Caller

EVENT_VERSION = "1.11"
#: Days of management events the event history keeps (LookupEvents).
EVENT_HISTORY_DAYS = 90
DEFAULT_CAPACITY = 100_000

ResourceFinder = Callable[[str, dict[str, Any], str], list[dict[str, str]]]


def iso_time(t: float) -> str:
    """CloudTrail's `eventTime` format: UTC, whole seconds, `Z`."""
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def derived_uuid(seed: str, kind: str, seq: int) -> str:
    """A version-4-shaped UUID derived from the cloud seed, so ids replay exactly."""
    digest = hashlib.md5(f"{seed}:{kind}:{seq}".encode()).digest()
    return str(uuid.UUID(bytes=digest, version=4))


def _lower_first(name: object) -> str:
    """A member name in lower camel case.

    The key is taken as text first: one odd key from an in-process caller must
    not make the whole record unrenderable for the trail pane and LookupEvents.
    """
    text = str(name)
    return text[:1].lower() + text[1:]


def trail_shape(params: dict[str, Any]) -> dict[str, Any]:
    """A request or response structure as CloudTrail writes it.

    Structure members are renamed to lower camel case; a dict under a member
    is a map, whose keys are data and stay as they are (queue attributes, tags,
    message attribute names) while its dict values are structures again
    (`MessageAttributeValue`). Lists hold structures or scalars. Blobs become
    base64 text, as in AWS's JSON, so every record can be serialised: a raw
    `bytes` value would break LookupEvents and the S3 delivery of the record.
    """
    return {_lower_first(key): _shape_value(value) for key, value in params.items()}


def _shape_map(values: dict[str, Any]) -> dict[str, Any]:
    return {
        key: trail_shape(value) if isinstance(value, dict) else _shape_value(value)
        for key, value in values.items()
    }


def _shape_value(value: Any) -> Any:
    if isinstance(value, dict):
        return _shape_map(value)
    if isinstance(value, list):
        return [trail_shape(v) if isinstance(v, dict) else _shape_value(v) for v in value]
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    return value


class TrailEntry:
    """One recorded call; `record()` renders it as a CloudTrail record."""

    __slots__ = (
        "_record",
        "action",
        "caller",
        "data_event",
        "error",
        "event_source",
        "params",
        "read_only",
        "region",
        "request_id",
        "response",
        "seq",
        "time",
        "trail",
    )

    def __init__(
        self,
        trail: Trail,
        seq: int,
        time: float,
        event_source: str,
        action: str,
        params: dict[str, Any],
        response: dict[str, Any] | None,
        error: AwsError | None,
        caller: Caller,
        region: str,
        read_only: bool,
        data_event: bool,
        request_id: str | None,
    ) -> None:
        self.trail = trail
        self.seq = seq
        self.time = time
        self.event_source = event_source
        self.action = action
        self.params = params
        self.response = response
        self.error = error
        self.caller = caller
        self.region = region
        self.read_only = read_only
        self.data_event = data_event
        self.request_id = request_id
        self._record: dict[str, Any] | None = None

    @property
    def event_id(self) -> str:
        return derived_uuid(self.trail.seed, "event", self.seq)

    @property
    def error_code(self) -> str:
        return self.error.code if self.error else ""

    def resources(self) -> list[dict[str, str]]:
        finder = self.trail.resource_finders.get(self.event_source)
        if finder is None:
            return []
        try:
            return finder(self.action, self.params, self.region)
        except Exception:
            return []

    def record(self) -> dict[str, Any]:
        """The CloudTrail record (AWS_FACTS §6), built once on first use."""
        if self._record is not None:
            return self._record
        account = self.trail.account
        event_time = iso_time(self.time)
        record: dict[str, Any] = {
            "eventVersion": EVENT_VERSION,
            "userIdentity": self.caller.user_identity(account, event_time),
            "eventTime": event_time,
            "eventSource": self.event_source,
            "eventName": self.action,
            "awsRegion": self.region,
            "sourceIPAddress": self.caller.source_ip,
            "userAgent": self.caller.user_agent,
        }
        if self.error is not None:
            record["errorCode"] = self.error.code
            record["errorMessage"] = self.error.message
        record["requestParameters"] = trail_shape(self.params) if self.params else None
        record["responseElements"] = (
            trail_shape(self.response)
            if self.response and not self.read_only and self.error is None
            else None
        )
        record["requestID"] = self.request_id or derived_uuid(self.trail.seed, "request", self.seq)
        record["eventID"] = self.event_id
        record["readOnly"] = self.read_only
        resources = self.resources()
        if resources:
            record["resources"] = resources
        record["eventType"] = "AwsApiCall"
        record["managementEvent"] = not self.data_event
        record["recipientAccountId"] = account
        record["eventCategory"] = "Data" if self.data_event else "Management"
        self._record = record
        return record


class Trail:
    """The bounded rings of recorded calls, newest last."""

    def __init__(self, seed: str, account: str, capacity: int = DEFAULT_CAPACITY) -> None:
        self.seed = seed
        self.account = account
        self.management: deque[TrailEntry] = deque(maxlen=capacity)
        self.data: deque[TrailEntry] = deque(maxlen=capacity)
        self.resource_finders: dict[str, ResourceFinder] = {}
        self._seq = 0
        #: (second, failed calls in it), newest last: error counts without scanning rings.
        self._errors: deque[list[int]] = deque(maxlen=3600)

    @property
    def recorded(self) -> int:
        """How many calls were ever recorded (also those the rings have dropped)."""
        return self._seq

    def record(
        self,
        time: float,
        event_source: str,
        action: str,
        params: dict[str, Any],
        response: dict[str, Any] | None,
        error: AwsError | None,
        caller: Caller,
        region: str,
        read_only: bool,
        data_event: bool,
        request_id: str | None,
    ) -> TrailEntry:
        self._seq += 1
        entry = TrailEntry(
            self, self._seq, time, event_source, action, params, response, error,
            caller, region, read_only, data_event, request_id,
        )  # fmt: skip
        (self.data if data_event else self.management).append(entry)
        if error is not None:
            second = int(time)
            errors = self._errors
            if errors and errors[-1][0] == second:
                errors[-1][1] += 1
            else:
                errors.append([second, 1])
        return entry

    def clear(self) -> None:
        """Forget every recorded call (sequence numbers keep counting)."""
        self.management.clear()
        self.data.clear()
        self._errors.clear()

    def recent_errors(self, now: float, window: int = 60) -> int:
        """Failed calls in the last `window` seconds."""
        start = int(now) - window
        total = 0
        for second, count in reversed(self._errors):
            if second <= start:
                break
            total += count
        return total

    def history(self, now: float, *, include_data: bool = False) -> Iterator[TrailEntry]:
        """Entries newest first, within the 90-day event history window."""
        oldest = now - EVENT_HISTORY_DAYS * 86400
        if include_data:
            entries: Iterator[TrailEntry] = _merge_newest_first(self.management, self.data)
        else:
            entries = reversed(self.management)
        for entry in entries:
            if entry.time < oldest:
                return
            yield entry


def _merge_newest_first(a: deque[TrailEntry], b: deque[TrailEntry]) -> Iterator[TrailEntry]:
    ia, ib = reversed(a), reversed(b)
    ea, eb = next(ia, None), next(ib, None)
    while ea is not None or eb is not None:
        if eb is None or (ea is not None and ea.seq > eb.seq):
            assert ea is not None
            yield ea
            ea = next(ia, None)
        else:
            yield eb
            eb = next(ib, None)
