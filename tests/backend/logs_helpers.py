"""Helpers for the CloudWatch Logs tests: calls, refusals, and streams with events in them.

Times are the API's: whole milliseconds since the epoch, from the cloud's
manual clock, which starts at `DEFAULT_START` (a whole hour).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from backend.cloud import DEFAULT_START, Cloud
from backend.errors import AwsError
from backend.services.logs.patterns import compiled as compiled_module
from backend.services.logs.stream import EVENT_OVERHEAD
from backend.untrusted import json_members, json_object

ACCOUNT = "123456789012"
REGION = "us-east-1"
#: The clock's start, in the API's milliseconds.
T0 = int(DEFAULT_START * 1000)
MINUTE = 60_000
HOUR = 3_600_000
DAY = 86_400_000


async def logs(cloud: Cloud, action: str, **params: Any) -> dict[str, Any]:
    """A Logs action, its params as keywords."""
    return await cloud.call("logs", action, params)


async def logs_error(cloud: Cloud, action: str, **params: Any) -> AwsError:
    """The AwsError a Logs action must refuse with."""
    with pytest.raises(AwsError) as info:
        await cloud.call("logs", action, params)
    return info.value


def group_arn(name: str) -> str:
    return f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}"


async def make_stream(
    cloud: Cloud, group: str = "g", stream: str = "s", **group_params: Any
) -> None:
    """A stream in a group, making the group when it is missing."""
    if not (await logs(cloud, "DescribeLogGroups", logGroupIdentifiers=[group]))["logGroups"]:
        await logs(cloud, "CreateLogGroup", logGroupName=group, **group_params)
    await logs(cloud, "CreateLogStream", logGroupName=group, logStreamName=stream)


async def put(
    cloud: Cloud, events: list[tuple[int, str]], group: str = "g", stream: str = "s"
) -> dict[str, Any]:
    """PutLogEvents of (timestamp ms, message) pairs."""
    return await logs(
        cloud,
        "PutLogEvents",
        logGroupName=group,
        logStreamName=stream,
        logEvents=[{"timestamp": t, "message": m} for t, m in events],
    )


async def put_error(
    cloud: Cloud, events: list[tuple[int, str]], group: str = "g", stream: str = "s"
) -> AwsError:
    """The AwsError a PutLogEvents of these events must refuse with."""
    events_param = [{"timestamp": t, "message": m} for t, m in events]
    return await logs_error(
        cloud, "PutLogEvents", logGroupName=group, logStreamName=stream, logEvents=events_param
    )


def billed(messages: list[str]) -> int:
    """What AWS counts for these messages: their UTF-8 bytes and 26 each."""
    return sum(len(m.encode()) + EVENT_OVERHEAD for m in messages)


async def stored_bytes(cloud: Cloud, group: str = "g") -> int:
    [found] = (await logs(cloud, "DescribeLogGroups", logGroupIdentifiers=[group]))["logGroups"]
    return int(found["storedBytes"])


def count_json_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The events filter patterns compiled from now on read as JSON, whole or some members."""
    reads: list[str] = []

    def counted(read: Callable[[str], Any]) -> Callable[[str], Any]:
        def reading(text: str) -> Any:
            reads.append(text)
            return read(text)

        return reading

    monkeypatch.setattr(compiled_module, "json_object", counted(json_object))
    monkeypatch.setattr(compiled_module, "json_members", lambda names: counted(json_members(names)))
    return reads
