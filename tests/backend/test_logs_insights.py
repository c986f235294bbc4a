"""Logs Insights: each command on a small fixed set of events, answers worked out by hand.

Seven events, in two streams of group `app`, over three minutes starting at
B (ten minutes before the clock's start, a whole minute):

    B+0s    web     {"level":"INFO", "latency":100,"path":"/a","user":{"id":"u1"}}
    B+10s   worker  {"level":"WARN", "latency":300,"path":"/c"}
    B+20s   web     {"level":"ERROR","latency":400,"path":"/b","user":{"id":"u2"}}
    B+70s   web     {"level":"INFO", "latency":200,"path":"/a","user":{"id":"u1"}}
    B+80s   worker  {"level":"ERROR","latency":500,"path":"/a","tags":["x","y"]}
    B+130s  web     user=carol action=login took 35ms
    B+140s  worker  user=dave action=logout took 7ms

A query runs one simulated second after StartQuery (`RUN_TIME`); `answer`
steps the clock past that and reads the rows as {field: value} dicts.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from backend.cloud import Cloud
from backend.services.logs.insights import queries
from backend.services.logs.insights.queries import MAX_RUNNING, RUN_TIME
from tests.backend.logs_helpers import (
    ACCOUNT,
    MINUTE,
    T0,
    group_arn,
    logs,
    logs_error,
    make_stream,
    put,
)

B = T0 - 10 * MINUTE
SECOND = 1000
Message = str | dict[str, Any]
WEB: list[tuple[int, Message]] = [
    (B, {"level": "INFO", "latency": 100, "path": "/a", "user": {"id": "u1"}}),
    (B + 20 * SECOND, {"level": "ERROR", "latency": 400, "path": "/b", "user": {"id": "u2"}}),
    (B + 70 * SECOND, {"level": "INFO", "latency": 200, "path": "/a", "user": {"id": "u1"}}),
    (B + 130 * SECOND, "user=carol action=login took 35ms"),
]
WORKER: list[tuple[int, Message]] = [
    (B + 10 * SECOND, {"level": "WARN", "latency": 300, "path": "/c"}),
    (B + 80 * SECOND, {"level": "ERROR", "latency": 500, "path": "/a", "tags": ["x", "y"]}),
    (B + 140 * SECOND, "user=dave action=logout took 7ms"),
]


def text(message: Message) -> str:
    return message if isinstance(message, str) else json.dumps(message, separators=(",", ":"))


MESSAGES = [text(m) for _, m in WEB + WORKER]


def stamp(millis: int) -> str:
    """A time as AWS writes @timestamp: `2026-11-29 08:51:20.000` for B + 80 s."""
    at = datetime.fromtimestamp(millis / 1000, UTC)
    return f"{at:%Y-%m-%d %H:%M:%S}.{millis % 1000:03d}"


@pytest.fixture
async def app(cloud: Cloud) -> Cloud:
    for stream, events in (("web", WEB), ("worker", WORKER)):
        await make_stream(cloud, "app", stream)
        await put(cloud, [(t, text(m)) for t, m in events], "app", stream)
    return cloud


async def start(cloud: Cloud, query: str, **params: Any) -> str:
    if not {"logGroupName", "logGroupNames", "logGroupIdentifiers"} & params.keys():
        params["logGroupName"] = "app"
    params.setdefault("startTime", (B - MINUTE) // 1000)
    params.setdefault("endTime", T0 // 1000)
    return str((await logs(cloud, "StartQuery", queryString=query, **params))["queryId"])


async def finished(cloud: Cloud, query_id: str, **params: Any) -> dict[str, Any]:
    """GetQueryResults once the query has run."""
    await cloud.clock.advance(RUN_TIME)
    response = await logs(cloud, "GetQueryResults", queryId=query_id, **params)
    assert response["status"] == "Complete"
    return response


async def answer(cloud: Cloud, query: str, **params: Any) -> list[dict[str, str]]:
    """The rows of `query` over every event, each as {field: value}, without @ptr."""
    response = await finished(cloud, await start(cloud, query, **params))
    return [
        {c["field"]: c["value"] for c in row if c["field"] != "@ptr"} for row in response["results"]
    ]


# -- the commands ---------------------------------------------------------------------


async def test_fields_of_the_newest_events_first_with_a_ptr_each(app: Cloud) -> None:
    response = await finished(app, await start(app, "fields @timestamp, level | limit 3"))
    rows = response["results"]
    assert [[c["field"] for c in row] for row in rows] == [
        ["@timestamp", "@ptr"],
        ["@timestamp", "@ptr"],
        ["@timestamp", "level", "@ptr"],
    ]
    assert [row[0]["value"] for row in rows] == [
        stamp(B + 140 * SECOND),
        stamp(B + 130 * SECOND),
        stamp(B + 80 * SECOND),
    ]
    assert stamp(B + 80 * SECOND) == "2026-11-29 08:51:20.000"
    assert len({row[-1]["value"] for row in rows}) == 3


async def test_a_query_without_fields_shows_every_field_and_the_json_ones_flattened(
    app: Cloud,
) -> None:
    [row] = await answer(app, 'filter level = "ERROR" and latency > 450')
    assert row == {
        "@timestamp": stamp(B + 80 * SECOND),
        "@message": MESSAGES[5],
        "@logStream": "worker",
        "@log": f"{ACCOUNT}:app",
        "@ingestionTime": stamp(T0),
        "level": "ERROR",
        "latency": "500",
        "path": "/a",
        "tags.0": "x",
        "tags.1": "y",
    }


async def test_fields_computes_with_aliases(app: Cloud) -> None:
    rows = await answer(
        app, "fields latency / 100 as tenths, toupper(path) as p, strlen(level) | limit 2"
    )
    # The two newest events are plain text: no latency, no path.
    assert rows == [{}, {}]
    rows = await answer(
        app,
        "filter ispresent(latency) "
        '| fields latency / 100 as tenths, concat(path, "!") as p | limit 2',
    )
    assert rows == [{"tenths": "5", "p": "/a!"}, {"tenths": "2", "p": "/a!"}]


async def test_json_fields_nested_by_dots(app: Cloud) -> None:
    rows = await answer(app, "fields user.id | filter ispresent(user.id)")
    assert rows == [{"user.id": "u1"}, {"user.id": "u2"}, {"user.id": "u1"}]


async def test_filter_comparisons_and_boolean_operators(app: Cloud) -> None:
    async def count(condition: str) -> int:
        return len(await answer(app, f"filter {condition} | fields path"))

    assert await count('level = "ERROR"') == 2
    # Events without a level (the plain ones) match neither = nor !=.
    assert await count('level != "ERROR"') == 3
    assert await count('not (level = "ERROR")') == 3
    assert await count("latency >= 300") == 3
    assert await count("latency < 300") == 2
    assert await count("latency <= 300") == 3
    assert await count('latency >= 300 or path = "/a"') == 5
    assert await count('(level = "INFO" or level = "WARN") and latency < 250') == 2
    assert await count("latency * 2 > 900") == 1


async def test_filter_like_regex_and_in(app: Cloud) -> None:
    async def messages(condition: str) -> list[str]:
        return [r["@message"] for r in await answer(app, f"filter {condition} | fields @message")]

    assert await messages('@message like "login"') == [MESSAGES[3]]
    assert await messages(r"@message like /took \d+ms/") == [MESSAGES[6], MESSAGES[3]]
    assert await messages(r"@message =~ /(?i)USER=DAVE/") == [MESSAGES[6]]
    assert await messages('@message not like /took/ and path like "/b"') == [MESSAGES[1]]
    assert len(await messages('path in ["/a", "/c"]')) == 4
    assert await messages("latency in [100, 500]") == [MESSAGES[5], MESSAGES[0]]
    assert len(await messages('path not in ["/a"]')) == 2
    assert await messages("ispresent(tags.1)") == [MESSAGES[5]]


async def test_stats_count_sum_avg_min_max_and_pct(app: Cloud) -> None:
    [row] = await answer(
        app,
        "stats count(*), count(latency) as timed, count_distinct(path), sum(latency), "
        "avg(latency), min(latency), max(latency), pct(latency, 50), pct(latency, 90), "
        "pct(latency, 20)",
    )
    # latency: 100, 200, 300, 400, 500; pct is the nearest rank, ceil(n * p / 100).
    assert row == {
        "count(*)": "7",
        "timed": "5",
        "count_distinct(path)": "3",
        "sum(latency)": "1500",
        "avg(latency)": "300",
        "min(latency)": "100",
        "max(latency)": "500",
        "pct(latency, 50)": "300",
        "pct(latency, 90)": "500",
        "pct(latency, 20)": "100",
    }


async def test_stats_by_bin_of_a_minute(app: Cloud) -> None:
    rows = await answer(app, "stats count(*) as n, sum(latency) as total by bin(1m)")
    assert rows == [
        {"bin(1m)": stamp(B), "n": "3", "total": "800"},
        {"bin(1m)": stamp(B + MINUTE), "n": "2", "total": "700"},
        {"bin(1m)": stamp(B + 2 * MINUTE), "n": "2"},
    ]


async def test_stats_by_a_field_then_sort_and_filter_on_what_it_made(app: Cloud) -> None:
    rows = await answer(app, "stats count(*) as n, avg(latency) by level")
    # Groups sorted by their values, the events without a level last.
    assert rows == [
        {"level": "ERROR", "n": "2", "avg(latency)": "450"},
        {"level": "INFO", "n": "2", "avg(latency)": "150"},
        {"level": "WARN", "n": "1", "avg(latency)": "300"},
        {"n": "2"},
    ]
    rows = await answer(app, "stats count(*) as n by path | filter n > 1 | sort n desc")
    assert rows == [{"path": "/a", "n": "3"}, {"n": "2"}]


async def test_sort_asc_and_desc_with_limit(app: Cloud) -> None:
    rows = await answer(app, "fields latency | sort latency desc | limit 2")
    assert rows == [{"latency": "500"}, {"latency": "400"}]
    # Rows without the field go last either way.
    rows = await answer(app, "fields latency | sort latency asc")
    assert [r.get("latency") for r in rows] == ["100", "200", "300", "400", "500", None, None]
    rows = await answer(app, "fields path, latency | sort path desc, latency | limit 3")
    assert rows == [
        {"path": "/c", "latency": "300"},
        {"path": "/b", "latency": "400"},
        {"path": "/a", "latency": "100"},
    ]


async def test_parse_with_a_glob(app: Cloud) -> None:
    rows = await answer(
        app,
        'parse @message "user=* action=* took *ms" as user, action, took '
        "| filter ispresent(user) | display user, action, took",
    )
    assert rows == [
        {"user": "dave", "action": "logout", "took": "7"},
        {"user": "carol", "action": "login", "took": "35"},
    ]
    [row] = await answer(
        app, 'parse "action=*" as action | filter action like "login" | fields action'
    )
    assert row == {"action": "login took 35ms"}


async def test_parse_with_named_groups_then_stats(app: Cloud) -> None:
    rows = await answer(
        app, r"parse @message /user=(?<who>\w+) action=(?<what>\w+)/ | stats count(*) by what"
    )
    assert rows == [
        {"what": "login", "count(*)": "1"},
        {"what": "logout", "count(*)": "1"},
        {"count(*)": "5"},
    ]


async def test_dedup_keeps_the_newest_of_each(app: Cloud) -> None:
    rows = await answer(app, "filter ispresent(path) | dedup path | fields path, latency")
    assert rows == [
        {"path": "/a", "latency": "500"},
        {"path": "/b", "latency": "400"},
        {"path": "/c", "latency": "300"},
    ]


async def test_several_groups_by_name_or_arn(app: Cloud) -> None:
    await make_stream(app, "other", "s")
    await put(app, [(B + 5 * SECOND, "from the other group")], "other", "s")
    rows = await answer(
        app,
        "stats count(*) by @log",
        logGroupIdentifiers=["app", group_arn("other")],
    )
    assert rows == [
        {"@log": f"{ACCOUNT}:app", "count(*)": "7"},
        {"@log": f"{ACCOUNT}:other", "count(*)": "1"},
    ]
    rows = await answer(app, "stats count(*) by @logStream", logGroupNames=["other"])
    assert rows == [{"@logStream": "s", "count(*)": "1"}]


# -- time range, limit, statistics -----------------------------------------------------


async def test_the_time_range_includes_both_ends(app: Cloud) -> None:
    query_id = await start(
        app,
        "fields @message",
        startTime=(B + 70 * SECOND) // 1000,
        endTime=(B + 130 * SECOND) // 1000,
    )
    response = await finished(app, query_id)
    assert len(response["results"]) == 3
    assert response["statistics"] == {
        "recordsMatched": 3.0,
        "recordsScanned": 3.0,
        "bytesScanned": float(
            sum(len(m.encode()) for m in (MESSAGES[2], MESSAGES[5], MESSAGES[3]))
        ),
    }


async def test_statistics_count_scanned_and_matched(app: Cloud) -> None:
    scanned = float(sum(len(m.encode()) for m in MESSAGES))
    response = await finished(app, await start(app, 'filter level = "ERROR" | limit 1'))
    assert len(response["results"]) == 1
    assert response["statistics"] == {
        "recordsMatched": 2.0,
        "recordsScanned": 7.0,
        "bytesScanned": scanned,
    }
    # A stats query matches the rows its stats makes.
    response = await finished(app, await start(app, "stats count(*) by level"))
    assert response["statistics"]["recordsMatched"] == 4.0
    assert all(c["field"] != "@ptr" for row in response["results"] for c in row)


async def test_the_limit_parameter_and_pages_of_results(app: Cloud) -> None:
    query_id = await start(app, "fields @timestamp", limit=5)
    first = await finished(app, query_id, maxItems=2)
    assert len(first["results"]) == 2
    assert first["statistics"]["recordsMatched"] == 7.0
    second = await logs(
        app, "GetQueryResults", queryId=query_id, maxItems=2, nextToken=first["nextToken"]
    )
    last = await logs(
        app, "GetQueryResults", queryId=query_id, maxItems=2, nextToken=second["nextToken"]
    )
    assert [len(page["results"]) for page in (second, last)] == [2, 1]
    assert "nextToken" not in last
    times = [row[0]["value"] for page in (first, second, last) for row in page["results"]]
    assert times == sorted(times, reverse=True)


# -- the query's life on the clock -------------------------------------------------------


async def test_scheduled_then_running_then_complete(app: Cloud) -> None:
    query_id = await start(app, "stats count(*)")
    seen = await logs(app, "GetQueryResults", queryId=query_id)
    assert (seen["status"], seen["results"]) == ("Scheduled", [])
    await app.clock.advance(RUN_TIME / 2)
    seen = await logs(app, "GetQueryResults", queryId=query_id)
    assert (seen["status"], seen["results"]) == ("Running", [])
    assert seen["statistics"] == {"recordsMatched": 0.0, "recordsScanned": 0.0, "bytesScanned": 0.0}
    await app.clock.advance(RUN_TIME / 2)
    seen = await logs(app, "GetQueryResults", queryId=query_id)
    assert seen["status"] == "Complete"
    assert seen["results"] == [[{"field": "count(*)", "value": "7"}]]


async def test_stop_query_cancels_a_running_query_only(app: Cloud) -> None:
    query_id = await start(app, "stats count(*)")
    assert await logs(app, "StopQuery", queryId=query_id) == {"success": True}
    await app.clock.advance(RUN_TIME * 2)
    seen = await logs(app, "GetQueryResults", queryId=query_id)
    assert (seen["status"], seen["results"]) == ("Cancelled", [])
    error = await logs_error(app, "StopQuery", queryId=query_id)
    assert error.code == "InvalidParameterException"
    done = await start(app, "stats count(*)")
    await finished(app, done)
    assert (await logs_error(app, "StopQuery", queryId=done)).code == "InvalidParameterException"


async def test_describe_queries_filters_and_pages(app: Cloud) -> None:
    await make_stream(app, "other", "s")
    complete = await start(app, "stats count(*)")
    await app.clock.advance(RUN_TIME)
    running = await start(app, "fields @message", logGroupName="other")
    listed = (await logs(app, "DescribeQueries"))["queries"]
    assert [(q["queryId"], q["status"], q["logGroupName"]) for q in listed] == [
        (running, "Scheduled", "other"),
        (complete, "Complete", "app"),
    ]
    assert listed[1]["queryString"] == "stats count(*)"
    assert listed[1]["createTime"] == T0
    assert listed[1]["queryDuration"] == 1000
    only = (await logs(app, "DescribeQueries", status="Complete"))["queries"]
    assert [q["queryId"] for q in only] == [complete]
    only = (await logs(app, "DescribeQueries", logGroupName="other"))["queries"]
    assert [q["queryId"] for q in only] == [running]
    page = await logs(app, "DescribeQueries", maxResults=1)
    rest = await logs(app, "DescribeQueries", maxResults=1, nextToken=page["nextToken"])
    assert [q["queryId"] for q in page["queries"] + rest["queries"]] == [running, complete]
    assert "nextToken" not in rest


async def test_results_are_kept_seven_days(app: Cloud) -> None:
    query_id = await start(app, "stats count(*)")
    await app.clock.advance(RUN_TIME + 7 * 86_400)
    assert len((await logs(app, "GetQueryResults", queryId=query_id))["results"]) == 1
    await app.clock.advance(1)
    error = await logs_error(app, "GetQueryResults", queryId=query_id)
    assert error.code == "ResourceNotFoundException"
    assert (await logs(app, "DescribeQueries"))["queries"] == []


async def test_finished_queries_are_kept_within_a_count(
    app: Cloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "MAX_HELD", 2)
    ids = [await start(app, "stats count(*)") for _ in range(3)]
    await app.clock.advance(RUN_TIME)
    held = [q["queryId"] for q in (await logs(app, "DescribeQueries"))["queries"]]
    assert held == [ids[2], ids[1]]
    error = await logs_error(app, "GetQueryResults", queryId=ids[0])
    assert error.code == "ResourceNotFoundException"


async def test_finished_queries_are_kept_within_a_byte_budget(
    app: Cloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "HELD_BYTES", 1)
    first = await start(app, "fields @message")
    await app.clock.advance(RUN_TIME)
    second = await start(app, "fields @message")
    await app.clock.advance(RUN_TIME)
    assert (
        await logs_error(app, "GetQueryResults", queryId=first)
    ).code == "ResourceNotFoundException"
    assert len((await logs(app, "GetQueryResults", queryId=second))["results"]) == 7


# -- refusals ----------------------------------------------------------------------------


async def test_a_malformed_query_says_where(app: Cloud) -> None:
    error = await logs_error(
        app,
        "StartQuery",
        logGroupName="app",
        startTime=0,
        endTime=1,
        queryString="fields a | bogus",
    )
    assert error.code == "MalformedQueryException"
    assert error.message == "unexpected symbol found bogus at line 1 and position 11"
    assert error.body == {
        "queryCompileError": {
            "location": {"startCharOffset": 11, "endCharOffset": 15},
            "message": "unexpected symbol found bogus at line 1 and position 11",
        }
    }
    for query, offsets in (
        ("stats count(*) by level | fields path", (33, 36)),
        ("filter @message like /(unclosed/", (21, 31)),
        ("fields count(*)", (7, 14)),
        ("stats avg(x) by bin(2fortnights)", (20, 30)),
    ):
        error = await logs_error(
            app, "StartQuery", logGroupName="app", startTime=0, endTime=1, queryString=query
        )
        location = error.body["queryCompileError"]["location"]
        assert (location["startCharOffset"], location["endCharOffset"]) == offsets, query


async def test_refusals_of_groups_times_and_languages(app: Cloud) -> None:
    async def refused(**params: Any) -> str:
        params = {"startTime": 0, "endTime": 1, "queryString": "fields @message", **params}
        return (await logs_error(app, "StartQuery", **params)).code

    assert await refused(logGroupName="missing") == "ResourceNotFoundException"
    assert await refused(logGroupNames=["app", "missing"]) == "ResourceNotFoundException"
    assert await refused() == "InvalidParameterException"
    assert await refused(logGroupName="app", logGroupNames=["app"]) == "InvalidParameterException"
    assert await refused(logGroupName="app", startTime=2, endTime=1) == "InvalidParameterException"
    assert await refused(logGroupName="app", queryLanguage="SQL") == "InvalidParameterException"
    error = await logs_error(app, "GetQueryResults", queryId="no-such-query")
    assert error.code == "ResourceNotFoundException"


async def test_at_most_a_hundred_queries_run_at_once(app: Cloud) -> None:
    for _ in range(MAX_RUNNING):
        await start(app, "stats count(*)")
    error = await logs_error(
        app, "StartQuery", logGroupName="app", startTime=0, endTime=1, queryString="fields a"
    )
    assert error.code == "LimitExceededException"
    await app.clock.advance(RUN_TIME)
    await start(app, "stats count(*)")


def test_the_service_imports_no_polars_until_a_query_runs() -> None:
    code = "import sys, backend.services; print('polars' in sys.modules)"
    root = Path(__file__).resolve().parents[2]
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert found.stdout.strip() == "False"


@pytest.mark.parametrize(
    "query", ["fields a | limit ٣", "fields a | limit ¹", "stats count(*) by bin(\u0665m)"]
)
async def test_digits_of_other_scripts_are_no_numbers(app: Cloud, query: str) -> None:
    error = await logs_error(
        app, "StartQuery", logGroupName="app", startTime=0, endTime=1, queryString=query
    )
    assert error.code == "MalformedQueryException", query
