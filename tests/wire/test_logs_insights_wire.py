"""Logs Insights over JSON 1.1 as boto3 speaks it: a query's life, its rows, its refusal."""

from __future__ import annotations

import pytest

from backend.services.logs.insights.queries import RUN_TIME
from tests.wire.live import Live
from tests.wire.test_logs_wire import group_with_events


def test_a_query_runs_on_the_clock_and_a_malformed_one_says_where(live: Live) -> None:
    client, messages = group_with_events(live)
    now = int(live.cloud.clock.now())
    query_id = client.start_query(
        logGroupName="g",
        startTime=now - 60,
        endTime=now,
        queryString='filter @message like "ERROR" | stats count(*) as errors by @logStream',
    )["queryId"]
    assert client.get_query_results(queryId=query_id)["status"] == "Scheduled"
    live.advance(RUN_TIME / 2)
    assert client.get_query_results(queryId=query_id)["status"] == "Running"
    live.advance(RUN_TIME / 2)
    done = client.get_query_results(queryId=query_id)
    assert done["status"] == "Complete"
    # ERROR lines are every third of 30 (0, 3, ..., 27): even ones in a, odd in b.
    assert done["results"] == [
        [{"field": "@logStream", "value": "a"}, {"field": "errors", "value": "5"}],
        [{"field": "@logStream", "value": "b"}, {"field": "errors", "value": "5"}],
    ]
    assert done["statistics"] == {
        "recordsMatched": 2.0,
        "recordsScanned": 30.0,
        "bytesScanned": float(sum(len(m) for m in messages)),
    }
    [listed] = client.describe_queries(logGroupName="g")["queries"]
    assert (listed["queryId"], listed["status"]) == (query_id, "Complete")

    with pytest.raises(client.exceptions.MalformedQueryException) as info:
        client.start_query(
            logGroupName="g", startTime=now - 60, endTime=now, queryString="fields @message |"
        )
    assert info.value.response["queryCompileError"] == {
        "location": {"startCharOffset": 17, "endCharOffset": 17},
        "message": "unexpected symbol found <EOF> at line 1 and position 17",
    }
