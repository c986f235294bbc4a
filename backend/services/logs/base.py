"""What every CloudWatch Logs action shares: the groups, how a request finds one, the budget.

Handlers are grouped by subject in mixins (`group_actions.py`,
`stream_actions.py`, `event_actions.py`, `tag_actions.py`), all on this base,
and `service.py` puts them together. A group lives in its region; a request
names it by `logGroupName`, or by `logGroupIdentifier` (the name or its ARN),
never both.

Memory is bounded whatever is put: the events of every group together may
hold `EVENT_BUDGET` bytes (message bytes plus AWS's 26 a event); past it the
oldest events of the account go first, as if retention had taken them
(docs/deviations.md). Retention itself is swept on the clock once a simulated
hour while any group has a retention policy; AWS may lag up to 72 hours, and
skydeck says what it did the hour it did it.
"""

from __future__ import annotations

from typing import Any, Final

from backend.bus import CloudEvent, Severity
from backend.clock import TimerHandle
from backend.cloud import Cloud
from backend.kit.pages import decode_token, fingerprint
from backend.kit.validation import Checks, refused
from backend.service import Params, Request, Service
from backend.services.logs.errors import (
    InvalidParameterException,
    group_not_found,
    stream_not_found,
)
from backend.services.logs.group import LogGroup
from backend.services.logs.stream import LogStream

#: Bytes the events of every group together may hold (messages + 26 B each).
EVENT_BUDGET: Final = 256 * 1024 * 1024
#: What is held is counted again after each this-many-th part of the budget is put.
BUDGET_CHECKS: Final = 16
#: Simulated seconds between retention sweeps.
SWEEP_INTERVAL: Final = 3600.0
GROUP_NAME_PATTERN: Final = "[\\.\\-_/#A-Za-z0-9]+"
STREAM_NAME_PATTERN: Final = "[^:*]*"
IDENTIFIER_PATTERN: Final = "[\\w#+=/:,.@-]*"
INVALID_TOKEN: Final = "The specified nextToken is invalid."


def done(checks: Checks) -> None:
    """Raise the request's constraint failures as Logs does: InvalidParameterException."""
    if checks.problems:
        raise refused(checks.problems, InvalidParameterException)


def read_group_name(checks: Checks, *, required: bool = True) -> str | None:
    """The request's `logGroupName`, checked as the model's LogGroupName shape is."""
    return checks.string(
        "logGroupName", required=required, min_len=1, max_len=512, pattern=GROUP_NAME_PATTERN
    )


def read_stream_name(checks: Checks, member: str, *, required: bool = True) -> str | None:
    """A stream or filter name member, checked as the model's LogStreamName shape is."""
    return checks.string(
        member, required=required, min_len=1, max_len=512, pattern=STREAM_NAME_PATTERN
    )


def token_scope(action: str, params: Params, request: Request) -> str:
    """What a listing's nextToken is bound to: the action, its filters and the region.

    The action is part of it because the listings share their filters' names:
    a DescribeMetricFilters token (a row number) handed to DescribeLogGroups,
    with the same filters, would otherwise be read as a group's name.
    """
    return fingerprint(params, request.region, action, ignore=("limit", "nextToken"))


def read_position(token: str, scope: str) -> int:
    """The row or key a listing's nextToken holds, if it was issued for `scope`."""
    position = decode_token(token, scope, InvalidParameterException, INVALID_TOKEN)
    if not isinstance(position, int) or position < 0:
        raise InvalidParameterException(INVALID_TOKEN)
    return position


def millis(seconds: float) -> int:
    """The API's times are whole milliseconds since the epoch."""
    return int(seconds * 1000)


class LogsBase(Service):
    """The service state and lookups the action groups share."""

    def __init__(self, cloud: Cloud) -> None:
        super().__init__(cloud)
        #: Every group, by (region, name).
        self.groups: dict[tuple[str, str], LogGroup] = {}
        self.event_budget = EVENT_BUDGET
        self._put_since_count = 0
        self._sweeper: TimerHandle | None = None

    def reset(self) -> None:
        self.groups.clear()
        self._put_since_count = 0
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None

    def now_ms(self) -> int:
        return millis(self.cloud.clock.now())

    def group_list(self, region: str | None = None) -> list[LogGroup]:
        """The groups of `region` (default: the cloud's), by name as AWS lists them."""
        region = region or self.cloud.region
        return sorted((g for (r, _), g in self.groups.items() if r == region), key=lambda g: g.name)

    def trail_resources(
        self, action: str, params: dict[str, Any], region: str
    ) -> list[dict[str, str]]:
        name = params.get("logGroupName")
        if not isinstance(name, str):
            return []
        arn = f"arn:aws:logs:{region}:{self.cloud.account}:log-group:{name}"
        return [{"accountId": self.cloud.account, "type": "AWS::Logs::LogGroup", "ARN": arn}]

    # -- lookups ------------------------------------------------------------------------

    def group_named(self, checks: Checks, request: Request, *, required: bool = True) -> str | None:
        """The group a request names by `logGroupName` or `logGroupIdentifier` (not both)."""
        name = read_group_name(checks, required=False)
        identifier = checks.string(
            "logGroupIdentifier", min_len=1, max_len=2048, pattern=IDENTIFIER_PATTERN
        )
        done(checks)
        if name is not None and identifier is not None:
            raise InvalidParameterException(
                "LogGroup name and LogGroup ARN are mutually exclusive parameters."
            )
        if identifier is not None:
            prefix = f"arn:aws:logs:{request.region}:{request.account}:log-group:"
            name = identifier.removeprefix(prefix)
        if name is None and required:
            raise InvalidParameterException(
                "Either LogGroupName or LogGroupIdentifier must be specified."
            )
        return name

    def named_group(self, params: Params, request: Request) -> LogGroup:
        """The group of a request that names only a group, by `logGroupName`."""
        checks = Checks(params)
        name = read_group_name(checks)
        done(checks)
        assert name is not None
        return self.find_group(name, request)

    def named_filter(self, params: Params, request: Request) -> tuple[LogGroup, str]:
        """The group and filter name of a request naming a filter (a metric or subscription
        filter: DeleteMetricFilter, DeleteSubscriptionFilter)."""
        checks = Checks(params)
        name = read_group_name(checks)
        filter_name = read_stream_name(checks, "filterName")
        done(checks)
        assert name is not None and filter_name is not None
        return self.find_group(name, request), filter_name

    def find_group(self, name: str, request: Request) -> LogGroup:
        group = self.groups.get((request.region, name))
        if group is None:
            raise group_not_found()
        return group

    def find_stream(self, group: LogGroup, name: str) -> LogStream:
        stream = group.streams.get(name)
        if stream is None:
            raise stream_not_found()
        return stream

    # -- memory and retention ------------------------------------------------------------

    def _hold_within_budget(self, added: int) -> None:
        """Count `added` bytes put; past the budget, drop the account's oldest events.

        Every stream is walked to count what is held only once per sixteenth
        of the budget put, so the events held pass the budget by that at most.
        """
        self._put_since_count += added
        if self._put_since_count < self.event_budget // BUDGET_CHECKS:
            return
        self._put_since_count = 0
        streams = [s for g in self.groups.values() for s in g.streams.values() if len(s)]
        held = sum(stream.stored_bytes for stream in streams)
        while held > self.event_budget and streams:
            oldest = min(streams, key=lambda s: s.timestamps[0])
            held -= oldest.drop(max(1, len(oldest) // 8))
            if not len(oldest):
                streams.remove(oldest)

    def ensure_sweeper(self) -> None:
        """Sweep retention hourly while some group has a retention policy."""
        if self._sweeper is None and any(
            g.retention_days is not None for g in self.groups.values()
        ):
            self._sweeper = self.cloud.clock.call_later(SWEEP_INTERVAL, self._sweep)

    def _sweep(self) -> None:
        self._sweeper = None
        now = self.now_ms()
        for group in self.groups.values():
            freed = group.expire(now)
            if freed:
                self.publish(
                    "retention",
                    f"{group.name}: retention ({group.retention_days} d) removed {freed:,} bytes",
                    group.name,
                    "information",
                )
        self.ensure_sweeper()

    def publish(self, kind: str, summary: str, resource: str, severity: Severity) -> None:
        self.cloud.bus.publish(
            CloudEvent(self.cloud.clock.now(), "logs", kind, summary, severity, resource)
        )
