"""Log streams: CreateLogStream, DeleteLogStream, DescribeLogStreams.

DescribeLogStreams orders by name (the default) or by the last event's time,
either way up or down, 50 a page at most; a name prefix cannot be combined
with ordering by time, as in AWS. `storedBytes` of a stream is always 0:
AWS deprecated it in 2019 and reports zero since (the group's is live).
"""

from __future__ import annotations

import json
from typing import Any, Final

from backend.kit.pages import decode_token, encode_token
from backend.kit.validation import Checks
from backend.service import Params, Request, Response, action
from backend.services.logs.base import LogsBase, done, read_stream_name, token_scope
from backend.services.logs.errors import (
    InvalidParameterException,
    ResourceAlreadyExistsException,
)
from backend.services.logs.group import LogGroup
from backend.services.logs.stream import LogStream

MAX_PAGE: Final = 50
ORDERS: Final = ("LogStreamName", "LastEventTime")


def stream_view(stream: LogStream) -> dict[str, Any]:
    """A stream as DescribeLogStreams answers it."""
    out: dict[str, Any] = {
        "logStreamName": stream.name,
        "creationTime": stream.created,
        "arn": stream.arn,
        "storedBytes": 0,
    }
    if stream.first_timestamp is not None:
        out["firstEventTimestamp"] = stream.first_timestamp
        out["lastEventTimestamp"] = stream.last_timestamp
    if stream.last_ingestion is not None:
        out["lastIngestionTime"] = stream.last_ingestion
    return out


def _order_key(stream: LogStream, by_time: bool) -> tuple[int, str]:
    return ((stream.last_timestamp or 0) if by_time else 0, stream.name)


class StreamActions(LogsBase):
    def _stream_params(self, params: Params, request: Request) -> tuple[LogGroup, str]:
        checks = Checks(params)
        group = self.group_named(checks, request)
        name = read_stream_name(checks, "logStreamName")
        done(checks)
        assert group is not None and name is not None
        return self.find_group(group, request), name

    @action("CreateLogStream")
    def create_log_stream(self, params: Params, request: Request) -> Response:
        group, name = self._stream_params(params, request)
        if name in group.streams:
            raise ResourceAlreadyExistsException("The specified log stream already exists")
        group.streams[name] = LogStream(name, group.stream_arn(name), self.now_ms())
        return {}

    @action("DeleteLogStream")
    def delete_log_stream(self, params: Params, request: Request) -> Response:
        group, name = self._stream_params(params, request)
        self.find_stream(group, name)
        del group.streams[name]
        return {}

    @action("DescribeLogStreams", read_only=True)
    def describe_log_streams(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        group_name = self.group_named(checks, request)
        prefix = read_stream_name(checks, "logStreamNamePrefix", required=False)
        order = checks.string("orderBy", enum=ORDERS) or "LogStreamName"
        descending = checks.boolean("descending")
        limit = checks.integer("limit", low=1, high=MAX_PAGE) or MAX_PAGE
        token = checks.string("nextToken", min_len=1)
        done(checks)
        assert group_name is not None
        by_time = order == "LastEventTime"
        if by_time and prefix is not None:
            raise InvalidParameterException(
                "Cannot order by LastEventTime with a logStreamNamePrefix."
            )
        group = self.find_group(group_name, request)
        streams = sorted(
            (s for s in group.streams.values() if prefix is None or s.name.startswith(prefix)),
            key=lambda s: _order_key(s, by_time),
            reverse=descending,
        )
        scope = token_scope("DescribeLogStreams", params, request)
        if token is not None:
            position = decode_token(
                token, scope, InvalidParameterException, "The specified nextToken is invalid."
            )
            after = tuple(json.loads(position)) if isinstance(position, str) else None
            if after is None:
                raise InvalidParameterException("The specified nextToken is invalid.")
            streams = [
                s
                for s in streams
                if (
                    _order_key(s, by_time) < after if descending else _order_key(s, by_time) > after
                )
            ]
        page = streams[:limit]
        out: Response = {"logStreams": [stream_view(s) for s in page]}
        if len(streams) > limit:
            out["nextToken"] = encode_token(scope, json.dumps(_order_key(page[-1], by_time)))
        return out
