"""A trail: where it delivers, what its selectors select, and what waits for the next batch.

A trail reads the cloud's recorded calls (`backend/trail.py`) from where its
last batch ended: each entry has a sequence number, so a batch is every entry
past the trail's cursor that its selectors select. Nothing is copied per call
on the hot path; what a batch could not reach because the rings dropped it
first is lost (docs/deviations.md).

Selectors, as AWS reads them (AWS_FACTS §6):
- basic (`EventSelectors`): ReadWriteType ReadOnly|WriteOnly|All,
  IncludeManagementEvents, and DataResources of type AWS::S3::Object (values
  `arn:aws:s3` for every bucket, or `arn:aws:s3:::bucket/prefix`);
- advanced (`AdvancedEventSelectors`): each a conjunction of FieldSelectors on
  eventCategory, resources.type, resources.ARN, readOnly, eventName and
  eventSource with Equals, NotEquals, StartsWith, NotStartsWith, EndsWith and
  NotEndsWith; a call is selected when any selector selects it.
A new trail logs every management event and no data events.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any, Final

from backend.trail import TrailEntry

#: The fields an advanced FieldSelector may name, and the operators it may use.
FIELDS: Final = (
    "eventCategory",
    "resources.type",
    "resources.ARN",
    "readOnly",
    "eventName",
    "eventSource",
)
OPERATORS: Final = ("Equals", "NotEquals", "StartsWith", "NotStartsWith", "EndsWith", "NotEndsWith")
READ_WRITE_TYPES: Final = ("ReadOnly", "WriteOnly", "All")
#: Seconds between deliveries: "about every five minutes" (AWS_FACTS §6).
DELIVERY_INTERVAL: Final = 300.0
#: Delivered files a trail remembers for the dashboard.
DELIVERIES_KEPT: Final = 50
#: Seconds a digest file covers: CloudTrail delivers one an hour while validation is on.
DIGEST_INTERVAL: Final = 3600.0
DEFAULT_SELECTORS: Final = (
    {"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": []},
)


@dataclass(frozen=True, slots=True)
class Delivered:
    """A file a trail delivered: when, where, and how many records it held."""

    time: float
    bucket: str
    key: str
    records: int
    size: int


@dataclass(frozen=True, slots=True)
class DigestedLog:
    """A log file the trail's next digest names: where it is, its hash, its events' span."""

    bucket: str
    key: str
    #: Hex SHA-256 of the file's uncompressed content, as `aws cloudtrail validate-logs`
    #: computes it.
    sha256: str
    oldest: str
    newest: str


@dataclass(frozen=True, slots=True)
class SignedDigest:
    """The digest a trail delivered last: what the next one names as its previous."""

    bucket: str
    key: str
    sha256: str
    signature: str


@dataclass(slots=True)
class TrailSpec:
    """A trail's settings as CreateTrail and UpdateTrail give them."""

    bucket: str
    prefix: str | None = None
    sns_topic: str | None = None
    include_global: bool = True
    multi_region: bool = False
    log_file_validation: bool = False
    log_group_arn: str | None = None
    log_role_arn: str | None = None
    kms_key_id: str | None = None


@dataclass(slots=True)
class CloudTrailTrail:
    """One trail of one region."""

    name: str
    region: str
    arn: str
    spec: TrailSpec
    created: float
    tags: dict[str, str] = field(default_factory=dict)
    logging: bool = False
    started: float | None = None
    stopped: float | None = None
    #: The last recorded call's sequence number a batch covered.
    cursor: int = 0
    basic: list[dict[str, Any]] | None = field(default_factory=lambda: list(DEFAULT_SELECTORS))
    advanced: list[dict[str, Any]] | None = None
    latest_delivery: float | None = None
    latest_error: str | None = None
    latest_logs_delivery: float | None = None
    latest_logs_error: str | None = None
    #: The newest files delivered, for the dashboard; the counts below cover them all.
    deliveries: deque[Delivered] = field(default_factory=lambda: deque(maxlen=DELIVERIES_KEPT))
    files_delivered: int = 0
    records_delivered: int = 0
    #: While validation is on: when the hour the next digest covers began, the log
    #: files delivered in it, and the digest before it (None after a break in the chain).
    digest_start: float | None = None
    undigested: list[DigestedLog] = field(default_factory=list)
    previous_digest: SignedDigest | None = None
    latest_digest: float | None = None
    latest_digest_error: str | None = None

    @property
    def takes_data_events(self) -> bool:
        """Whether any data event can pass the selectors: a basic selector takes one
        only through its DataResources, so without them the data ring needs no look."""
        if self.advanced is not None:
            return True
        return any(selector.get("DataResources") for selector in self.basic or ())

    def selects(self, entry: TrailEntry) -> bool:
        """Whether this trail's selectors take the recorded call `entry`."""
        if self.advanced is not None:
            return any(_advanced(selector, entry) for selector in self.advanced)
        return any(_basic(selector, entry) for selector in self.basic or ())


def _read_write(kind: str, entry: TrailEntry) -> bool:
    return kind == "All" or (kind == "ReadOnly") == entry.read_only


def _basic(selector: dict[str, Any], entry: TrailEntry) -> bool:
    if not _read_write(selector.get("ReadWriteType", "All"), entry):
        return False
    if not entry.data_event:
        excluded = selector.get("ExcludeManagementEventSources") or ()
        return bool(selector.get("IncludeManagementEvents", True)) and (
            entry.event_source not in excluded
        )
    for resource in selector.get("DataResources") or ():
        if resource.get("Type") != "AWS::S3::Object" or entry.event_source != "s3.amazonaws.com":
            continue
        arns = [r.get("ARN", "") for r in entry.resources() if r.get("type") == "AWS::S3::Object"]
        for value in resource.get("Values") or ():
            if value in ("arn:aws:s3", "arn:aws:s3:::") or any(a.startswith(value) for a in arns):
                return True
    return False


def _values(name: str, entry: TrailEntry) -> list[str]:
    """What field `name` of an advanced selector reads of `entry` (several for resources)."""
    if name == "eventCategory":
        return ["Data" if entry.data_event else "Management"]
    if name == "readOnly":
        return ["true" if entry.read_only else "false"]
    if name == "eventName":
        return [entry.action]
    if name == "eventSource":
        return [entry.event_source]
    key = "type" if name == "resources.type" else "ARN"
    return [r.get(key, "") for r in entry.resources()]


def _holds(operator: str, values: list[str], wanted: list[str]) -> bool:
    """One FieldSelector operator over a field's values: any value for the positive
    operators, every value for the negative ones (so an absent field passes Not*)."""
    if operator == "Equals":
        return any(v in wanted for v in values)
    if operator == "StartsWith":
        return any(v.startswith(w) for v in values for w in wanted)
    if operator == "EndsWith":
        return any(v.endswith(w) for v in values for w in wanted)
    if operator == "NotEquals":
        return all(v not in wanted for v in values)
    if operator == "NotStartsWith":
        return all(not v.startswith(w) for v in values for w in wanted)
    return all(not v.endswith(w) for v in values for w in wanted)


def _advanced(selector: dict[str, Any], entry: TrailEntry) -> bool:
    for field_selector in selector.get("FieldSelectors") or ():
        values = _values(field_selector["Field"], entry)
        for operator in OPERATORS:
            wanted = field_selector.get(operator)
            if wanted and not _holds(operator, values, list(wanted)):
                return False
    return True
