"""Log events: PutLogEvents' batch rules and rejections, GetLogEvents and FilterLogEvents.

The clock stays at T0 unless a test moves it; timestamps are placed around it
by hand, in the API's milliseconds.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.cloud import Cloud
from backend.services import new_cloud
from backend.services.logs import REGISTRATION, LogsService
from tests.backend.helpers import run
from tests.backend.logs_helpers import (
    DAY,
    HOUR,
    T0,
    billed,
    group_arn,
    logs,
    logs_error,
    make_stream,
    put,
    put_error,
    stored_bytes,
)

LIMIT = 1_048_576


def at(*offsets: int) -> list[tuple[int, str]]:
    """Events at T0 + each offset (ms), the message saying which."""
    return [(T0 + offset, f"e{offset}") for offset in offsets]


async def messages(cloud: Cloud, action: str, **params: Any) -> tuple[list[str], dict[str, Any]]:
    """The messages of one page of `action` on group g, and the whole response."""
    if "logGroupIdentifier" not in params:
        params.setdefault("logGroupName", "g")
    if action == "GetLogEvents":
        params.setdefault("logStreamName", "s")
    response = await logs(cloud, action, **params)
    return [e["message"] for e in response["events"]], response


# -- PutLogEvents: the batch ------------------------------------------------------------


async def test_a_batch_is_counted_in_utf8_bytes_plus_26_an_event(cloud: Cloud) -> None:
    await make_stream(cloud)
    # Four events of 131,059 two-byte characters: 4 x (262,118 + 26) = 1,048,576 bytes.
    exact = [(T0, "é" * 131_059)] * 4
    assert billed([m for _, m in exact]) == LIMIT
    await put(cloud, exact)
    assert await stored_bytes(cloud) == LIMIT
    one_more = [*exact[:3], (T0, "é" * 131_059 + "a")]
    error = await put_error(cloud, one_more)
    assert (error.code, error.message) == (
        "InvalidParameterException",
        f"Upload too large: {LIMIT + 1} bytes exceeds limit of {LIMIT}",
    )
    # Three-byte characters are three bytes, however few characters they make.
    await put(cloud, [(T0, "日本"), (T0, "x")])
    assert await stored_bytes(cloud) == LIMIT + (6 + 26) + (1 + 26)


async def test_a_batch_holds_at_most_10000_events(cloud: Cloud) -> None:
    await make_stream(cloud)
    await put(cloud, [(T0, "x")] * 10_000)
    assert await stored_bytes(cloud) == 10_000 * 27
    error = await put_error(cloud, [(T0, "x")] * 10_001)
    assert error.code == "InvalidParameterException"
    assert error.message.startswith("1 validation error detected: Value '[{")
    assert error.message.endswith(
        "at 'logEvents' failed to satisfy constraint: "
        "Member must have length less than or equal to 10000"
    )


@pytest.mark.parametrize(
    ("events", "message"),
    [
        (
            at(0, 2, 1),
            "Log events in a single PutLogEvents request must be in chronological order.",
        ),
        (
            at(-DAY - 1, 0),
            "The batch of log events in a single PutLogEvents request cannot span more than "
            "24 hours.",
        ),
    ],
    ids=["out-of-order", "over-24h"],
)
async def test_a_batch_out_of_order_or_spanning_over_a_day_is_refused_whole(
    cloud: Cloud, events: list[tuple[int, str]], message: str
) -> None:
    await make_stream(cloud)
    error = await put_error(cloud, events)
    assert (error.code, error.message) == ("InvalidParameterException", message)
    assert await stored_bytes(cloud) == 0
    # Exactly a day, and events of one millisecond, are fine.
    await put(cloud, at(-DAY, -DAY, 0))
    assert await stored_bytes(cloud) == billed([m for _, m in at(-DAY, -DAY, 0)])


@pytest.mark.parametrize(
    ("offsets", "retention", "info", "kept"),
    [
        # More than two hours ahead: from the first such event on.
        ((0, 2 * HOUR, 2 * HOUR + 1, 3 * HOUR), None, {"tooNewLogEventStartIndex": 2}, 2),
        # More than 14 days old: up to the last such event.
        (
            (-14 * DAY - 2, -14 * DAY - 1, -14 * DAY, -14 * DAY + 1),
            None,
            {"tooOldLogEventEndIndex": 1},
            2,
        ),
        # Older than the group's retention.
        ((-DAY - 1, -DAY, -1), 1, {"expiredLogEventEndIndex": 0}, 2),
        # Both old and expired: each index says its own.
        (
            (-14 * DAY - 1, -14 * DAY + HOUR, -13 * DAY - HOUR),
            7,
            {"tooOldLogEventEndIndex": 0, "expiredLogEventEndIndex": 2},
            0,
        ),
    ],
    ids=["too-new", "too-old", "expired", "old-and-expired"],
)
async def test_events_out_of_the_windows_are_rejected_by_index_and_the_rest_stored(
    cloud: Cloud,
    offsets: tuple[int, ...],
    retention: int | None,
    info: dict[str, int],
    kept: int,
) -> None:
    await make_stream(cloud)
    if retention is not None:
        await logs(cloud, "PutRetentionPolicy", logGroupName="g", retentionInDays=retention)
    events = at(*offsets)
    response = await put(cloud, events)
    assert response["rejectedLogEventsInfo"] == info
    stored, _ = await messages(cloud, "GetLogEvents", startFromHead=True)
    first = info.get("tooOldLogEventEndIndex", -1) + 1
    first = max(first, info.get("expiredLogEventEndIndex", -1) + 1)
    last = info.get("tooNewLogEventStartIndex", len(events))
    assert stored == [m for _, m in events[first:last]]
    assert len(stored) == kept
    assert await stored_bytes(cloud) == billed(stored)


async def test_a_clean_batch_has_no_rejection_info_and_sequence_tokens_are_ignored(
    cloud: Cloud,
) -> None:
    await make_stream(cloud)
    first = await put(cloud, at(0))
    assert "rejectedLogEventsInfo" not in first
    second = await logs(
        cloud,
        "PutLogEvents",
        logGroupName="g",
        logStreamName="s",
        logEvents=[{"timestamp": T0, "message": "again"}],
        sequenceToken="whatever-was-given-long-ago",
    )
    assert int(second["nextSequenceToken"]) > int(first["nextSequenceToken"])


async def test_puts_name_an_existing_group_and_stream(cloud: Cloud) -> None:
    await make_stream(cloud)
    for group, stream, message in [
        ("nope", "s", "The specified log group does not exist."),
        ("g", "nope", "The specified log stream does not exist."),
    ]:
        error = await put_error(cloud, [(T0, "x")], group, stream)
        assert (error.code, error.message) == ("ResourceNotFoundException", message)


# -- GetLogEvents ------------------------------------------------------------------------


async def walk(cloud: Cloud, direction: str, **params: Any) -> tuple[list[list[str]], str]:
    """Pages from the first read on, following one direction's token until it comes back."""
    key = "nextForwardToken" if direction == "f" else "nextBackwardToken"
    pages: list[list[str]] = []
    page, response = await messages(cloud, "GetLogEvents", **params)
    pages.append(page)
    while True:
        token = response[key]
        assert token.startswith(f"{direction}/") and token.endswith("/s")
        page, response = await messages(cloud, "GetLogEvents", nextToken=token, **params)
        if response[key] == token:
            assert page == []
            return pages, token
        pages.append(page)


async def test_get_reads_the_newest_page_by_default_and_tokens_walk_both_ways(
    cloud: Cloud,
) -> None:
    await make_stream(cloud)
    await put(cloud, at(*range(10)))
    await put(cloud, at(*range(10, 25)))
    names = [f"e{i}" for i in range(25)]
    newest, response = await messages(cloud, "GetLogEvents", limit=10)
    assert newest == names[15:]
    assert [e["timestamp"] for e in response["events"]] == [T0 + i for i in range(15, 25)]
    assert {e["ingestionTime"] for e in response["events"]} == {T0}
    back, _ = await walk(cloud, "b", limit=10)
    assert back == [names[15:], names[5:15], names[:5]]
    forward, end = await walk(cloud, "f", limit=10, startFromHead=True)
    assert forward == [names[:10], names[10:20], names[20:]]
    # The forward token at the end follows the stream as it grows.
    await put(cloud, at(25, 26))
    page, response = await messages(cloud, "GetLogEvents", nextToken=end, limit=10)
    assert page == ["e25", "e26"]
    # A token that is not one of these is refused.
    error = await logs_error(
        cloud, "GetLogEvents", logGroupName="g", logStreamName="s", nextToken="f/123/s"
    )
    assert (error.code, error.message) == (
        "InvalidParameterException",
        "The specified nextToken is invalid.",
    )


async def test_get_takes_start_time_inclusive_and_end_time_exclusive(cloud: Cloud) -> None:
    await make_stream(cloud)
    await put(cloud, at(0, 1000, 1000, 2000, 3000))
    page, _ = await messages(cloud, "GetLogEvents", startTime=T0 + 1000, endTime=T0 + 3000)
    assert page == ["e1000", "e1000", "e2000"]
    page, _ = await messages(
        cloud, "GetLogEvents", startTime=T0 + 1000, endTime=T0 + 3000, startFromHead=True, limit=1
    )
    assert page == ["e1000"]
    page, _ = await messages(cloud, "GetLogEvents", startTime=T0 + 3001)
    assert page == []


async def test_an_older_batch_put_later_is_read_in_timestamp_order(cloud: Cloud) -> None:
    await make_stream(cloud)
    await put(cloud, at(0, 10, 20))
    await put(cloud, at(-5, 5, 15, 25))
    page, _ = await messages(cloud, "GetLogEvents", startFromHead=True)
    assert page == ["e-5", "e0", "e5", "e10", "e15", "e20", "e25"]
    streams = (await logs(cloud, "DescribeLogStreams", logGroupName="g"))["logStreams"]
    assert (streams[0]["firstEventTimestamp"], streams[0]["lastEventTimestamp"]) == (
        T0 - 5,
        T0 + 25,
    )


async def test_a_page_holds_at_most_a_megabyte_of_events(cloud: Cloud) -> None:
    await make_stream(cloud)
    for i in range(5):
        await put(cloud, [(T0 + i, str(i) * 300_000)])
    # Three events of 300,026 bytes fit a page; four do not.
    newest, _ = await messages(cloud, "GetLogEvents")
    oldest, _ = await messages(cloud, "GetLogEvents", startFromHead=True)
    filtered, response = await messages(cloud, "FilterLogEvents")
    assert [m[0] for m in newest] == ["2", "3", "4"]
    assert [m[0] for m in oldest] == [m[0] for m in filtered] == ["0", "1", "2"]
    rest, _ = await messages(cloud, "FilterLogEvents", nextToken=response["nextToken"])
    assert [m[0] for m in rest] == ["3", "4"]


async def test_a_group_is_named_by_name_or_by_arn_but_not_both(cloud: Cloud) -> None:
    await make_stream(cloud)
    await put(cloud, at(0))
    for identifier in (group_arn("g"), "g"):
        page, _ = await messages(cloud, "GetLogEvents", logGroupIdentifier=identifier)
        assert page == ["e0"]
    error = await logs_error(
        cloud, "FilterLogEvents", logGroupName="g", logGroupIdentifier=group_arn("g")
    )
    assert (error.code, error.message) == (
        "InvalidParameterException",
        "LogGroup name and LogGroup ARN are mutually exclusive parameters.",
    )


# -- FilterLogEvents ---------------------------------------------------------------------


async def three_streams(cloud: Cloud) -> None:
    """Streams app-1, app-2 and web, with events interleaved in time, put stream by stream."""
    for stream in ("app-1", "app-2", "web"):
        await make_stream(cloud, stream=stream)
    await put(cloud, [(T0 + 0, "ERROR db down"), (T0 + 30, "INFO ok")], stream="app-1")
    await put(
        cloud,
        [(T0 + 10, '{"level": "ERROR", "ms": 900}'), (T0 + 40, '{"level": "INFO", "ms": 12}')],
        stream="app-2",
    )
    await put(
        cloud,
        [(T0 + 20, "10.0.0.1 GET /a 200 512"), (T0 + 50, "10.0.0.2 GET /b 404 0")],
        stream="web",
    )


async def test_filter_interleaves_the_streams_by_time(cloud: Cloud) -> None:
    await three_streams(cloud)
    response = await logs(cloud, "FilterLogEvents", logGroupName="g")
    assert [(e["logStreamName"], e["timestamp"] - T0) for e in response["events"]] == [
        ("app-1", 0),
        ("app-2", 10),
        ("web", 20),
        ("app-1", 30),
        ("app-2", 40),
        ("web", 50),
    ]
    event = response["events"][0]
    assert set(event) == {"logStreamName", "timestamp", "message", "ingestionTime", "eventId"}
    assert len(event["eventId"]) == 56
    assert "nextToken" not in response


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"logStreamNames": ["web", "app-2"]}, [10, 20, 40, 50]),
        ({"logStreamNamePrefix": "app"}, [0, 10, 30, 40]),
        ({"filterPattern": "ERROR"}, [0, 10]),
        ({"filterPattern": "?db ?404"}, [0, 50]),
        ({"filterPattern": '"db down"'}, [0]),
        ({"filterPattern": "INFO -ok"}, [40]),
        ({"filterPattern": "%/[ab] [24]0%"}, [20, 50]),
        ({"filterPattern": '{ $.level = "ERROR" }'}, [10]),
        ({"filterPattern": "{ $.ms > 100 }"}, [10]),
        ({"filterPattern": "[ip, verb, path, status = 4*, bytes]"}, [50]),
        ({"filterPattern": "[..., status, bytes > 100]"}, [20]),
        ({"startTime": T0 + 10, "endTime": T0 + 40}, [10, 20, 30, 40]),
        ({"filterPattern": "ERROR", "logStreamNamePrefix": "app-2"}, [10]),
    ],
)
async def test_filter_by_streams_times_and_each_pattern_syntax(
    cloud: Cloud, params: dict[str, Any], expected: list[int]
) -> None:
    await three_streams(cloud)
    response = await logs(cloud, "FilterLogEvents", logGroupName="g", **params)
    assert [e["timestamp"] - T0 for e in response["events"]] == expected


async def test_filter_refuses_names_with_a_prefix_and_patterns_it_cannot_read(
    cloud: Cloud,
) -> None:
    await three_streams(cloud)
    error = await logs_error(
        cloud, "FilterLogEvents", logGroupName="g", logStreamNames=["web"], logStreamNamePrefix="a"
    )
    assert (error.code, error.message) == (
        "InvalidParameterException",
        "logStreamNames and logStreamNamePrefix are mutually exclusive parameters.",
    )
    for pattern, message in [
        ("[a", "Invalid filter pattern"),
        ('{ $.level = "ERROR"', "If a filter pattern starts with '{' it must end with '}'"),
    ]:
        error = await logs_error(cloud, "FilterLogEvents", logGroupName="g", filterPattern=pattern)
        assert (error.code, error.message) == ("InvalidParameterException", message)


async def test_filter_pages_by_limit_and_the_token_is_bound_to_the_filter(cloud: Cloud) -> None:
    await three_streams(cloud)
    first = await logs(cloud, "FilterLogEvents", logGroupName="g", limit=4)
    assert [e["timestamp"] - T0 for e in first["events"]] == [0, 10, 20, 30]
    rest = await logs(
        cloud, "FilterLogEvents", logGroupName="g", limit=4, nextToken=first["nextToken"]
    )
    assert [e["timestamp"] - T0 for e in rest["events"]] == [40, 50]
    assert "nextToken" not in rest
    error = await logs_error(
        cloud,
        "FilterLogEvents",
        logGroupName="g",
        filterPattern="ERROR",
        nextToken=first["nextToken"],
    )
    assert (error.code, error.message) == (
        "InvalidParameterException",
        "The specified nextToken is invalid.",
    )


BATCH = st.tuples(
    st.sampled_from(["a", "b", "c"]),
    st.lists(st.integers(-600_000, 600_000), min_size=1, max_size=12).map(sorted),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    batches=st.lists(BATCH, min_size=1, max_size=10),
    limit=st.integers(1, 7),
    pattern=st.sampled_from(["", "even", "odd"]),
)
def test_filter_pages_never_repeat_or_skip_an_event(
    batches: list[tuple[str, list[int]]], limit: int, pattern: str
) -> None:
    async def check() -> None:
        cloud = new_cloud((REGISTRATION,), seed="tests")
        put_in_order: list[tuple[int, int, str, str]] = []
        for stream in ("a", "b", "c"):
            await make_stream(cloud, stream=stream)
        for stream, offsets in batches:
            events = [
                (T0 + o, f"{stream}{len(put_in_order) + i} {('odd', 'even')[o % 2 == 0]}")
                for i, o in enumerate(offsets)
            ]
            await put(cloud, events, stream=stream)
            put_in_order += [
                (t, len(put_in_order) + i, stream, m) for i, (t, m) in enumerate(events)
            ]
        wanted = [
            (stream, m) for _, _, stream, m in sorted(put_in_order) if pattern in ("", m.split()[1])
        ]
        got: list[tuple[str, str]] = []
        params: dict[str, Any] = {"logGroupName": "g", "limit": limit, "filterPattern": pattern}
        while True:
            response = await logs(cloud, "FilterLogEvents", **params)
            assert len(response["events"]) <= limit
            got += [(e["logStreamName"], e["message"]) for e in response["events"]]
            if "nextToken" not in response:
                break
            params["nextToken"] = response["nextToken"]
        assert got == wanted

    run(check())


# -- the byte budget --------------------------------------------------------------------


async def test_past_the_budget_the_oldest_events_go_first(cloud: Cloud) -> None:
    service = cloud.service(LogsService)
    service.event_budget = 16 * 300  # counted again after each 300 bytes put
    await make_stream(cloud, stream="old")
    await make_stream(cloud, stream="new")
    # 30 bytes an event: 100 old ones, then 200 newer ones in another stream.
    await put(cloud, [(T0 - HOUR + i, f"o{i:03d}") for i in range(100)], stream="old")
    for i in range(200):
        await put(cloud, [(T0 + i, f"n{i:03d}")], stream="new")
    held = await stored_bytes(cloud)
    assert held <= service.event_budget + service.event_budget // 16
    old, _ = await messages(cloud, "GetLogEvents", logStreamName="old", startFromHead=True)
    new, _ = await messages(cloud, "GetLogEvents", logStreamName="new", startFromHead=True)
    assert old == []
    # What is left is the newest events, all of them back to some point.
    assert new == [f"n{i:03d}" for i in range(200 - len(new), 200)]
    assert held == billed(new)
