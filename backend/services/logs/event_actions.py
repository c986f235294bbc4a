"""Log events: PutLogEvents, GetLogEvents, FilterLogEvents (AWS_FACTS §5).

PutLogEvents takes 1 to 10,000 events in chronological order spanning at
most 24 hours, at most 1,048,576 bytes counted as each message's UTF-8 bytes
plus 26. Events more than 2 hours ahead of the clock, more than 14 days old,
or older than the group's retention are dropped one by one and reported by
index in `rejectedLogEventsInfo`; the rest are stored. Sequence tokens are
ignored, as AWS ignores them now. What is stored is handed to the group's
metric filters at once, with each event's own time (`metric_filters.py`).

GetLogEvents reads one stream: the newest page by default, the oldest with
`startFromHead`, and from a token onwards either way. Tokens are AWS's shape,
`f/<56 digits>/s` and `b/<56 digits>/s`, holding an event's key
(`stream.py`); at the end of the stream the token passed comes back, which is
how clients know to stop. FilterLogEvents reads the group's streams
interleaved by time, through the one filter-pattern parser (`patterns`).
The two read time ranges differently, as their API reference says: GetLogEvents
leaves out events at `endTime`, FilterLogEvents only those later than it.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterator
from itertools import islice, pairwise, repeat, tee
from typing import Any, Final

from backend.kit.pages import encode_token
from backend.kit.validation import Checks
from backend.service import Params, Request, Response, action
from backend.services.logs.base import (
    LogsBase,
    done,
    read_group_name,
    read_position,
    read_stream_name,
    token_scope,
)
from backend.services.logs.errors import InvalidParameterException
from backend.services.logs.group import LogGroup
from backend.services.logs.patterns import (
    FilterPattern,
    FilterPatternError,
    ParseOnce,
    compile_pattern,
    parse_for,
)
from backend.services.logs.stream import EVENT_OVERHEAD, LogStream, event_id, event_size
from backend.services.logs.subscriptions import forward

MAX_EVENTS: Final = 10_000
MAX_BATCH_BYTES: Final = 1_048_576
MAX_EVENT_BYTES: Final = 1_048_576
#: How far ahead of the clock, and how far behind it, an event may be (ms).
TOO_NEW: Final = 2 * 3600 * 1000
TOO_OLD: Final = 14 * 86400 * 1000
MAX_SPAN: Final = 24 * 3600 * 1000
#: Bytes a page of events may carry (AWS_FACTS §5).
MAX_PAGE_BYTES: Final = 1_048_576
_TOKEN = re.compile(r"([fb])/([0-9]{56})/s")


def _token(direction: str, key: int) -> str:
    return f"{direction}/{key:056d}/s"


def _read_token(token: str) -> tuple[str, int]:
    found = _TOKEN.fullmatch(token)
    if found is None:
        raise InvalidParameterException("The specified nextToken is invalid.")
    return found[1], int(found[2])


def _page_size(messages: list[str], rows: range) -> int:
    """How many of `rows` (walked from the page's first edge) fit a page of 1 MB, at least one."""
    used = 0
    count = 0
    for index in rows:
        used += event_size(messages[index])
        if used > MAX_PAGE_BYTES and count:
            break
        count += 1
    return count


class EventActions(LogsBase):
    @action("PutLogEvents", data_event=True)
    def put_log_events(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        group_name = read_group_name(checks)
        stream_name = read_stream_name(checks, "logStreamName")
        events = checks.structures("logEvents", required=True, min_items=1, max_items=MAX_EVENTS)
        checks.string("sequenceToken", min_len=1)
        checks.structure("entity")
        timestamps: list[int] = []
        messages: list[str] = []
        for index, event in enumerate(events or ()):
            # Most events are well formed: only one that is not pays for the checks that
            # word its refusal.
            timestamp, message = event.get("timestamp"), event.get("message")
            if type(timestamp) is int and timestamp >= 0 and type(message) is str and message:
                timestamps.append(timestamp)
                messages.append(message)
                continue
            item = checks.item("logEvents", index, event)
            timestamp = item.integer("timestamp", required=True, low=0)
            message = item.string("message", required=True, min_len=1)
            timestamps.append(timestamp or 0)
            messages.append(message or "")
        done(checks)
        assert group_name is not None and stream_name is not None
        group = self.find_group(group_name, request)
        stream = self.find_stream(group, stream_name)
        sizes = [event_size(m) for m in messages]
        for size in sizes:
            if size > MAX_EVENT_BYTES:
                raise InvalidParameterException(
                    f"Log event too large: {size} bytes exceeds limit of {MAX_EVENT_BYTES}"
                )
        if sum(sizes) > MAX_BATCH_BYTES:
            raise InvalidParameterException(
                f"Upload too large: {sum(sizes)} bytes exceeds limit of {MAX_BATCH_BYTES}"
            )
        if any(b < a for a, b in pairwise(timestamps)):
            raise InvalidParameterException(
                "Log events in a single PutLogEvents request must be in chronological order."
            )
        if timestamps[-1] - timestamps[0] > MAX_SPAN:
            raise InvalidParameterException(
                "The batch of log events in a single PutLogEvents request cannot span more "
                "than 24 hours."
            )
        rejected, first, last = self._rejections(group, timestamps, self.now_ms())
        if first < last:
            self.store(group, stream, timestamps[first:last], messages[first:last])
        out: Response = {"nextSequenceToken": event_id(stream.keys[-1] if len(stream) else 0)}
        if rejected:
            out["rejectedLogEventsInfo"] = rejected
        return out

    def _rejections(
        self, group: LogGroup, timestamps: list[int], now: int
    ) -> tuple[dict[str, int], int, int]:
        """`rejectedLogEventsInfo` and the rows [first, last) kept, of a chronological batch."""
        info: dict[str, int] = {}
        too_new = next((i for i, t in enumerate(timestamps) if t > now + TOO_NEW), None)
        last = len(timestamps) if too_new is None else too_new
        if too_new is not None:
            info["tooNewLogEventStartIndex"] = too_new
        too_old = sum(1 for t in timestamps if t < now - TOO_OLD)
        if too_old:
            info["tooOldLogEventEndIndex"] = too_old - 1
        kept_from = group.retention_start(now)
        expired = 0 if kept_from is None else sum(1 for t in timestamps if t < kept_from)
        if expired:
            info["expiredLogEventEndIndex"] = expired - 1
        return info, min(max(too_old, expired), last), last

    def store(
        self, group: LogGroup, stream: LogStream, timestamps: list[int], messages: list[str]
    ) -> None:
        """Keep a checked chronological batch, and let the group's filters see it."""
        keys = group.keys_for(timestamps)
        added = stream.add(keys, timestamps, messages, self.now_ms())
        self._hold_within_budget(added)
        now = self.cloud.clock.now()
        group.metrics.incoming_events.add(now, len(messages))
        group.metrics.incoming_bytes.add(now, added - EVENT_OVERHEAD * len(messages))
        # Every filter of the group reads an event as JSON from the one parse, of the
        # members any of them reads.
        read = [member for f in group.metric_filters.values() for member in f.members]
        read += [subscription.pattern.members for subscription in group.subscriptions.values()]
        parse = ParseOnce(parse_for(read))
        for metric_filter in group.metric_filters.values():
            metric_filter.emit(self.cloud.metrics, timestamps, messages, parse)
        everything = range(len(messages))
        for subscription in group.subscriptions.values():
            events = [
                {"id": event_id(keys[row]), "timestamp": timestamps[row], "message": messages[row]}
                for row in subscription.pattern.select(messages, everything, parse)
            ]
            if events:
                self.cloud.clock.spawn(
                    forward(self.cloud, subscription, stream.name, events),
                    name=f"logs subscription {subscription.name}",
                )

    @action("GetLogEvents", read_only=True, data_event=True)
    def get_log_events(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        group_name = self.group_named(checks, request)
        stream_name = read_stream_name(checks, "logStreamName")
        start = checks.integer("startTime", low=0)
        end = checks.integer("endTime", low=0)
        token = checks.string("nextToken", min_len=1)
        limit = checks.integer("limit", low=1, high=MAX_EVENTS) or MAX_EVENTS
        from_head = checks.boolean("startFromHead")
        checks.boolean("unmask")
        done(checks)
        assert group_name is not None and stream_name is not None
        stream = self.find_stream(self.find_group(group_name, request), stream_name)
        lo, hi = stream.span(start, end)
        direction = "f" if from_head else "b"
        if token is not None:
            direction, key = _read_token(token)
            if direction == "f":
                lo = max(lo, stream.after(key))
            else:
                hi = min(hi, stream.before(key))
        if direction == "f":
            count = _page_size(stream.messages, range(lo, min(hi, lo + limit)))
            first, last = lo, lo + count
        else:
            count = _page_size(stream.messages, range(hi - 1, max(lo, hi - limit) - 1, -1))
            first, last = hi - count, hi
        events = [
            {
                "timestamp": stream.timestamps[i],
                "message": stream.messages[i],
                "ingestionTime": stream.ingested[i],
            }
            for i in range(first, last)
        ]
        if count:
            forward, backward = stream.keys[last - 1], stream.keys[first]
        elif token is not None:
            forward = backward = _read_token(token)[1]
        else:
            forward = backward = 0
        return {
            "events": events,
            "nextForwardToken": _token("f", forward),
            "nextBackwardToken": _token("b", backward),
        }

    @action("FilterLogEvents", read_only=True, data_event=True)
    def filter_log_events(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        group_name = self.group_named(checks, request)
        names = checks.strings("logStreamNames", min_items=1, max_items=100, item_max_len=512)
        prefix = read_stream_name(checks, "logStreamNamePrefix", required=False)
        start = checks.integer("startTime", low=0)
        last = checks.integer("endTime", low=0)
        text = checks.string("filterPattern", min_len=0, max_len=1024)
        token = checks.string("nextToken", min_len=1)
        limit = checks.integer("limit", low=1, high=MAX_EVENTS) or MAX_EVENTS
        for flag in ("startFromHead", "interleaved", "unmask"):
            checks.boolean(flag)
        done(checks)
        assert group_name is not None
        if names is not None and prefix is not None:
            raise InvalidParameterException(
                "logStreamNames and logStreamNamePrefix are mutually exclusive parameters."
            )
        try:
            pattern = compile_pattern(text or "")
        except FilterPatternError as error:
            raise InvalidParameterException(error.message()) from None
        group = self.find_group(group_name, request)
        streams = [
            s
            for s in group.streams.values()
            if (names is None or s.name in names) and (prefix is None or s.name.startswith(prefix))
        ]
        scope = token_scope("FilterLogEvents", params, request)
        after: int | None = None
        if token is not None:
            after = read_position(token, scope)
        end = None if last is None else last + 1
        found = heapq.merge(
            *(_matches(s, n, start, end, after, limit + 1, pattern) for n, s in enumerate(streams))
        )
        events: list[dict[str, Any]] = []
        used = 0
        more = False
        for key, n, row in found:
            stream = streams[n]
            message = stream.messages[row]
            used += event_size(message)
            if len(events) == limit or (used > MAX_PAGE_BYTES and events):
                more = True
                break
            events.append(
                {
                    "logStreamName": stream.name,
                    "timestamp": stream.timestamps[row],
                    "message": message,
                    "ingestionTime": stream.ingested[row],
                    "eventId": event_id(key),
                }
            )
        out: Response = {"events": events, "searchedLogStreams": []}
        if more:
            out["nextToken"] = encode_token(scope, int(events[-1]["eventId"]))
        return out


def _matches(
    stream: LogStream,
    number: int,
    start: int | None,
    end: int | None,
    after: int | None,
    most: int,
    pattern: FilterPattern,
) -> Iterator[tuple[int, int, int]]:
    """The stream's first `most` matching events in [start, end) past key `after`.

    Each as (key, `number`, row): `heapq.merge` orders them by key, then by
    stream, as tuples, without a key function called for each.
    """
    lo, hi = stream.span(start, end)
    if after is not None:
        lo = max(lo, stream.after(after))
    rows, keyed = tee(islice(pattern.select(stream.messages, range(lo, hi)), most))
    return zip(map(stream.keys.__getitem__, keyed), repeat(number), rows)
