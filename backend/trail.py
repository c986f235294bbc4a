"""CloudTrail's recording: one record per call, built lazily, kept in bounded rings.

The call path records every call, failed or not, as AWS does. Recording must
stay cheap at thousands of calls per second, so a call only appends a small
`TrailEntry` holding what the record will need; the CloudTrail record itself
(`TrailEntry.record()`, the JSON AWS would write) is built when someone looks.

What an entry keeps is bounded, because anyone who can reach the endpoint
decides what goes into it:

- a failed call keeps its error's code and message, never the exception: an
  exception holds its traceback, and with it every frame's locals (a rejected
  10 MiB message body among them);
- members AWS hides in its records (SQS's `messageBody`) are kept as AWS
  writes them, `HIDDEN_DUE_TO_SECURITY_REASONS`, and any other string over
  `MAX_KEPT_STRING` characters is kept cut, with how much was cut (to
  `TIGHT_KEPT_STRING` when a request holds many long ones);
- read-only calls keep no response: CloudTrail writes `responseElements: null`
  for them, and a ReceiveMessage response holds up to ten message bodies;
- each ring has a byte budget as well as a count, so a burst of big calls
  pushes old entries out instead of growing the process.

Management events (the control plane, and KMS crypto calls) form the event
history AWS keeps for 90 days; data events (SQS messages, Kinesis records, S3
objects) are recorded only by trails with data-event selectors. They live in
two rings so a burst of data events can never push management events out.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
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
#: Entries each ring keeps at most.
DEFAULT_CAPACITY = 100_000
#: Bytes (estimated) each ring keeps at most.
DEFAULT_BUDGET = 64 * 1024 * 1024
#: What CloudTrail writes in place of a member it does not record.
HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"
#: Longest string (or blob, in bytes) an entry keeps whole; longer ones are cut.
MAX_KEPT_STRING = 8192
#: Estimated bytes of a request or response past which every string is cut to
#: `TIGHT_KEPT_STRING`: many members each under the first limit (a batch of ten
#: messages with ten long attributes each) must not make one record huge either.
MAX_KEPT_BYTES = 64 * 1024
TIGHT_KEPT_STRING = 256
#: Most items of a list an entry keeps: a PutRecords of 500 records is kept as
#: its first 16 and a note of how many more, so a batch costs the call path and
#: the ring no more than a few single calls would.
MAX_KEPT_ITEMS = 16
#: Estimated bytes of an entry besides its parameters and response.
ENTRY_OVERHEAD = 360
#: Estimated bytes of a dict or list besides its members, and of each member.
_CONTAINER = 64
_MEMBER = 48

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


# -- what an entry keeps ------------------------------------------------------------


def cut(text: str, limit: int = MAX_KEPT_STRING) -> str:
    """`text`, or its first `limit` characters and how many more there were."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters)"


def kept(
    params: dict[str, Any], hidden: frozenset[str] = frozenset(), limit: int = MAX_KEPT_STRING
) -> tuple[tuple[Any, ...], int]:
    """A request or response as an entry keeps it, flat, and about how many bytes it holds.

    Flat means `("a", "b", 1, 2)` for `{"a": 1, "b": 2}`: a third of a small
    dict's memory, and a hundred thousand entries each hold a request and a
    response (as dicts they were a fifth of what a queued message cost).

    Members named in `hidden` become `HIDDEN`; strings and blobs longer than
    `limit` are cut. One pass, no call for the common short string: this runs
    on every call's hot path.
    """
    size = _CONTAINER
    flat: list[Any] = [*params]
    for key, value in params.items():
        kind = type(value)
        if key in hidden:
            value = HIDDEN
            size += len(HIDDEN) + _MEMBER
        elif kind is str and len(value) <= limit:
            size += len(value) + _MEMBER
        elif kind is int or kind is bool or kind is float or value is None:
            size += _MEMBER + _MEMBER
        else:
            value, n = _kept_value(value, hidden, limit, structure=False)
            size += n + _MEMBER
        flat.append(value)
    return tuple(flat), size


def unflat(flat: tuple[Any, ...]) -> dict[str, Any]:
    """The structure `kept` flattened."""
    half = len(flat) // 2
    return dict(zip(flat[:half], flat[half:], strict=True))


def _kept_structure(
    params: dict[str, Any], hidden: frozenset[str], limit: int
) -> tuple[dict[str, Any], int]:
    """A structure nested in a request (a batch entry), kept as `kept` keeps the request."""
    flat, size = kept(params, hidden, limit)
    return unflat(flat), size


def _kept_map(
    values: dict[str, Any], hidden: frozenset[str], limit: int
) -> tuple[dict[str, Any], int]:
    size = _CONTAINER
    changed: dict[str, Any] | None = None
    for key, value in values.items():
        new, n = _kept_value(value, hidden, limit, structure=True)
        size += n + len(str(key)) + _MEMBER
        if new is not value:
            if changed is None:
                changed = {}
            changed[key] = new
    if changed is None:
        return values, size
    return {key: changed.get(key, value) for key, value in values.items()}, size


def _kept_value(
    value: Any, hidden: frozenset[str], limit: int, *, structure: bool
) -> tuple[Any, int]:
    """A member's value as kept: `structure` says a dict here is a structure, not a map."""
    kind = type(value)
    if kind is str:
        if len(value) <= limit:
            return value, len(value)
        return cut(value, limit), limit
    if kind is int or kind is bool or kind is float or value is None:
        return value, _MEMBER
    if kind is dict:
        if structure:
            return _kept_structure(value, hidden, limit)
        return _kept_map(value, hidden, limit)
    if kind is list:
        size = _CONTAINER
        items: list[Any] = []
        changed = len(value) > MAX_KEPT_ITEMS
        for item in value[:MAX_KEPT_ITEMS] if changed else value:
            new, n = _kept_value(item, hidden, limit, structure=True)
            size += n + _MEMBER
            changed = changed or new is not item
            items.append(new)
        if len(value) > MAX_KEPT_ITEMS:
            items.append(f"({len(value) - MAX_KEPT_ITEMS:,} more, not kept)")
            size += _MEMBER
        return (items if changed else value), size
    if isinstance(value, bytes | bytearray | memoryview):
        if len(value) <= limit:
            return value, len(value)
        return f"({len(value):,} bytes, not kept)", _MEMBER
    if isinstance(value, str):
        return _kept_value(str(value), hidden, limit, structure=structure)
    # A body streamed to or from disk (S3's), or anything else a record can't hold.
    return f"({kind.__name__}, not kept)", _MEMBER


class TrailEntry:
    """One recorded call; `record()` renders it as a CloudTrail record."""

    __slots__ = (
        "_params",
        "_response",
        "action",
        "caller",
        "data_event",
        "error_code",
        "error_message",
        "event_source",
        "read_only",
        "region",
        "request_id",
        "seq",
        "size",
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
        hidden: frozenset[str],
        error_code: str = "",
    ) -> None:
        self.trail = trail
        self.seq = seq
        self.time = time
        self.event_source = event_source
        self.action = action
        size = 0
        self._params: tuple[Any, ...] = ()
        if params:
            self._params, size = kept(params, hidden)
            if size > MAX_KEPT_BYTES:
                self._params, size = kept(params, hidden, TIGHT_KEPT_STRING)
        self._response: tuple[Any, ...] | None = None
        if response and not read_only and error is None:
            self._response, response_size = kept(response)
            if response_size > MAX_KEPT_BYTES:
                self._response, response_size = kept(response, frozenset(), TIGHT_KEPT_STRING)
            size += response_size
        if error is None:
            self.error_code = self.error_message = ""
        else:
            self.error_code = error_code or error.code
            self.error_message = cut(error.message)
            size += len(self.error_message)
        self.caller = caller
        self.region = region
        self.read_only = read_only
        self.data_event = data_event
        self.request_id = request_id
        self.size = size + ENTRY_OVERHEAD

    @property
    def params(self) -> dict[str, Any]:
        """The request's parameters as kept (hidden members hidden, long values cut)."""
        return unflat(self._params)

    @property
    def response(self) -> dict[str, Any] | None:
        """The response as kept, or None (read-only and failed calls keep none)."""
        flat = self._response
        return None if flat is None else unflat(flat)

    @property
    def event_id(self) -> str:
        return derived_uuid(self.trail.seed, "event", self.seq)

    def resources(self) -> list[dict[str, str]]:
        finder = self.trail.resource_finders.get(self.event_source)
        if finder is None:
            return []
        try:
            return finder(self.action, self.params, self.region)
        except Exception:
            return []

    def record(self) -> dict[str, Any]:
        """The CloudTrail record (AWS_FACTS §6).

        Built afresh on each call and not kept: a record is several times
        the size of its entry, and LookupEvents or a person browsing the trail
        would otherwise grow every entry they ever looked at.
        """
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
        if self.error_code:
            record["errorCode"] = self.error_code
            record["errorMessage"] = self.error_message
        params, response = self.params, self.response
        record["requestParameters"] = trail_shape(params) if params else None
        record["responseElements"] = trail_shape(response) if response else None
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
        return record


class Ring(deque[TrailEntry]):
    """Entries oldest first, kept within a count and an estimated byte budget."""

    def __init__(self, capacity: int, budget: int) -> None:
        super().__init__()
        self.capacity = capacity
        self.budget = budget
        #: Estimated bytes of the entries held.
        self.bytes = 0

    def trim(self) -> None:
        """Drop the oldest entries until the ring is within its count and its budget."""
        while len(self) > self.capacity or (self.bytes > self.budget and len(self) > 1):
            self.bytes -= self.popleft().size

    def clear(self) -> None:
        super().clear()
        self.bytes = 0


class Trail:
    """The bounded rings of recorded calls, newest last."""

    def __init__(
        self,
        seed: str,
        account: str,
        capacity: int = DEFAULT_CAPACITY,
        budget: int = DEFAULT_BUDGET,
        *,
        keep_data_history: bool = True,
    ) -> None:
        self.seed = seed
        self.account = account
        self.management = Ring(capacity, budget)
        self.data = Ring(capacity, budget)
        self.resource_finders: dict[str, ResourceFinder] = {}
        #: Whether every data event is kept, for the dashboard's trail pane to browse. A
        #: headless run has no pane and turns this off: a data event is then kept only
        #: while a logging trail can take it (`data_taken`, which CloudTrail keeps).
        self.keep_data_history = keep_data_history
        self.data_taken = False
        self._seq = 0
        #: (second, failed calls in it), newest last: error counts without scanning rings.
        self._errors: deque[list[int]] = deque(maxlen=3600)

    @property
    def recorded(self) -> int:
        """How many calls were ever recorded (also those the rings have dropped or
        not kept)."""
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
        hidden: frozenset[str] = frozenset(),
        error_code: str = "",
    ) -> TrailEntry | None:
        """Keep one call; `hidden` names the request members AWS does not record, and
        `error_code` is the error's code as CloudTrail writes it (`Service.trail_error_code`;
        the error's own code when empty).

        A data event that is not kept (`keep_data_history`) is counted and numbered
        all the same, so the ids of what is kept do not depend on it; None then.
        """
        self._seq += 1
        if error is not None:
            second = int(time)
            errors = self._errors
            if errors and errors[-1][0] == second:
                errors[-1][1] += 1
            else:
                errors.append([second, 1])
        if data_event and not (self.keep_data_history or self.data_taken):
            return None
        entry = TrailEntry(
            self,
            self._seq,
            time,
            event_source,
            action,
            params,
            response,
            error,
            caller,
            region,
            read_only,
            data_event,
            request_id,
            hidden,
            error_code,
        )
        # Kept inline rather than in a Ring method: this runs on every call.
        ring = self.data if data_event else self.management
        ring.append(entry)
        ring.bytes += entry.size
        if ring.bytes > ring.budget or len(ring) > ring.capacity:
            ring.trim()
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

    def history(
        self, now: float, *, include_data: bool = False, before: int | None = None
    ) -> Iterator[TrailEntry]:
        """Entries newest first, within the 90-day event history window.

        `before` starts below that sequence number, so a long search can go on
        where it stopped (skipping what it already saw costs a step each).
        """
        oldest = now - EVENT_HISTORY_DAYS * 86400
        rings = (self.management, self.data) if include_data else (self.management,)
        newest_first = [reversed(ring) for ring in rings]
        if before is not None:
            newest_first = [itertools.dropwhile(lambda e: e.seq >= before, r) for r in newest_first]
        entries = _merge_newest_first(*newest_first) if len(newest_first) == 2 else newest_first[0]
        for entry in entries:
            if entry.time < oldest:
                return
            yield entry

    def find(self, seq: int) -> TrailEntry | None:
        """The entry numbered `seq`, if a ring still holds it."""
        for ring in (self.management, self.data):
            for entry in reversed(ring):
                if entry.seq == seq:
                    return entry
                if entry.seq < seq:
                    break
        return None


def _merge_newest_first(ia: Iterator[TrailEntry], ib: Iterator[TrailEntry]) -> Iterator[TrailEntry]:
    ea, eb = next(ia, None), next(ib, None)
    while ea is not None or eb is not None:
        if eb is None or (ea is not None and ea.seq > eb.seq):
            assert ea is not None
            yield ea
            ea = next(ia, None)
        else:
            yield eb
            eb = next(ib, None)
