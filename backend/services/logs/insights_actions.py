"""Logs Insights: StartQuery, GetQueryResults, StopQuery, DescribeQueries (AWS_FACTS §5).

StartQuery names its groups one of three ways, exactly one of them:
`logGroupName`, `logGroupNames` (up to 50) or `logGroupIdentifiers` (names
or ARNs, up to 50), over [startTime, endTime] in seconds, both included. A
query that does not parse is MalformedQueryException, with AWS's
`queryCompileError` saying where; a group that does not exist is
ResourceNotFoundException; a query past the `MAX_RUNNING` running at once is
LimitExceededException. The query then runs on the clock (`insights/queries.py`):
GetQueryResults says Scheduled, Running, then Complete with the rows, a
page of at most 10,000 at a time, `limit` (default 10,000, at most 100,000)
in all. Only Logs Insights QL is understood: SQL and PPL queries are refused.

The engine, and polars with it, is imported by the first query that runs
or is checked, not with the service: polars takes a third of a CPU second to
import, and most runs never query.
"""

from __future__ import annotations

from typing import Any, Final

from backend.cloud import Cloud
from backend.ids import uuid4
from backend.kit.pages import encode_token
from backend.kit.validation import Checks
from backend.service import Params, Request, Response, action
from backend.services.logs.base import (
    GROUP_NAME_PATTERN,
    LogsBase,
    done,
    millis,
    read_group_name,
    read_position,
    token_scope,
)
from backend.services.logs.errors import (
    InvalidParameterException,
    LimitExceededException,
    MalformedQueryException,
    ResourceNotFoundException,
    group_not_found,
)
from backend.services.logs.insights import MAX_LIMIT, Query, QueryError, parse_query
from backend.services.logs.insights.queries import (
    MAX_RUNNING,
    RUN_TIME,
    InsightsQuery,
    QueryStore,
)

MAX_GROUPS: Final = 50
MAX_RESULTS: Final = 100_000
LANGUAGE: Final = "CWLI"
LANGUAGES: Final = ("CWLI", "SQL", "PPL")
STATUSES: Final = ("Scheduled", "Running", "Complete", "Failed", "Cancelled", "Timeout", "Unknown")
_GROUP_PARAMS: Final = ("logGroupName", "logGroupNames", "logGroupIdentifiers")


class InsightsActions(LogsBase):
    def __init__(self, cloud: Cloud) -> None:
        super().__init__(cloud)
        self.queries = QueryStore()
        self._query_ids = self.cloud.rng("logs/insights")

    def reset(self) -> None:
        super().reset()
        self.queries.clear()

    @action("StartQuery")
    def start_query(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        language = checks.string("queryLanguage", enum=LANGUAGES)
        name = read_group_name(checks, required=False)
        names = checks.strings("logGroupNames", min_items=1, max_items=MAX_GROUPS, item_max_len=512)
        identifiers = checks.strings(
            "logGroupIdentifiers", min_items=1, max_items=MAX_GROUPS, item_max_len=2048
        )
        start = checks.integer("startTime", required=True, low=0)
        end = checks.integer("endTime", required=True, low=0)
        text = checks.string("queryString", required=True, min_len=0, max_len=10_000)
        limit = checks.integer("limit", low=1, high=MAX_RESULTS) or MAX_LIMIT
        done(checks)
        assert start is not None and end is not None and text is not None
        given = [p for p in _GROUP_PARAMS if params.get(p) is not None]
        if len(given) != 1:
            raise InvalidParameterException(
                "Exactly one of logGroupName, logGroupNames or logGroupIdentifiers "
                "must be specified."
            )
        if language not in (None, LANGUAGE):
            raise InvalidParameterException(
                f"skydeck runs Logs Insights QL (CWLI) queries only, not {language}."
            )
        if end < start:
            raise InvalidParameterException("endTime must be greater than or equal to startTime.")
        parsed = self._parse(text)
        wanted = [name] if name is not None else names or self._identified(identifiers, request)
        groups = tuple(dict.fromkeys(wanted))
        for group in groups:
            self.find_group(group, request)
        if self.queries.running(request.region) >= MAX_RUNNING:
            raise LimitExceededException(
                f"Account maximum query concurrency limit of [{MAX_RUNNING}] reached."
            )
        query = InsightsQuery(
            uuid4(self._query_ids),
            request.region,
            text,
            parsed,
            groups,
            millis(start),
            millis(end),
            limit,
            self.cloud.clock.now(),
        )
        query.timer = self.cloud.clock.call_later(RUN_TIME, self._run_query, query)
        self.queries.add(query)
        return {"queryId": query.query_id}

    def _parse(self, text: str) -> Query:
        from backend.services.logs.insights import engine  # polars: see the docstring

        try:
            parsed = parse_query(text)
            engine.check_regexes(parsed)
        except QueryError as error:
            raise MalformedQueryException.with_body(
                error.message, {"queryCompileError": error.compile_error()}
            ) from None
        return parsed

    def _identified(self, identifiers: list[str] | None, request: Request) -> list[str]:
        """Group names from `logGroupIdentifiers`: names, or ARNs of this account and region."""
        prefix = f"arn:aws:logs:{request.region}:{request.account}:log-group:"
        names = []
        for identifier in identifiers or ():
            if identifier.startswith("arn:") and not identifier.startswith(prefix):
                raise group_not_found()
            names.append(identifier.removeprefix(prefix).removesuffix(":*"))
        return names

    def _run_query(self, query: InsightsQuery) -> None:
        from backend.services.logs.insights import engine  # polars: see the docstring

        now = self.cloud.clock.now()
        query.timer = None
        # Failed unless the engine returns: if it raises, the clock logs why.
        query.state, query.finished = "Failed", now
        groups = [
            group
            for name in query.groups
            if (group := self.groups.get((query.region, name))) is not None
        ]
        outcome = engine.run(
            query.parsed, self.cloud.account, groups, query.start, query.end, query.limit
        )
        query.results, query.size = outcome.results, outcome.results.size
        query.statistics = outcome.statistics()
        query.state = "Complete"
        self.queries.finished(query, now)

    def _query(self, checks: Checks) -> InsightsQuery:
        query_id = checks.string("queryId", required=True, min_len=1, max_len=256)
        done(checks)
        assert query_id is not None
        query = self.queries.get(query_id, self.cloud.clock.now())
        if query is None:
            raise ResourceNotFoundException(f"Query {query_id} does not exist.")
        return query

    @action("GetQueryResults", read_only=True)
    def get_query_results(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        token = checks.string("nextToken", max_len=1024)
        page = checks.integer("maxItems", low=0, high=MAX_LIMIT)
        query = self._query(checks)
        first = 0 if token is None else read_position(token, query.query_id)
        last = first + (MAX_LIMIT if page is None else page)
        results = query.results
        out: Response = {
            "queryLanguage": LANGUAGE,
            "results": [] if results is None else results.rows(first, last),
            "statistics": dict(query.statistics),
            "status": query.status(self.cloud.clock.now()),
        }
        if results is not None and last < len(results):
            out["nextToken"] = encode_token(query.query_id, last)
        return out

    @action("StopQuery")
    def stop_query(self, params: Params, request: Request) -> Response:
        query = self._query(Checks(params))
        if query.done:
            raise InvalidParameterException(f"Query {query.query_id} is not running.")
        if query.timer is not None:
            query.timer.cancel()
            query.timer = None
        query.state, query.finished = "Cancelled", self.cloud.clock.now()
        self.queries.finished(query, query.finished)
        return {"success": True}

    @action("DescribeQueries", read_only=True)
    def describe_queries(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        group = checks.string("logGroupName", min_len=1, max_len=512, pattern=GROUP_NAME_PATTERN)
        status = checks.string("status", enum=STATUSES)
        language = checks.string("queryLanguage", enum=LANGUAGES)
        most = checks.integer("maxResults", low=1, high=1000) or 1000
        token = checks.string("nextToken", min_len=1)
        done(checks)
        if group is not None:
            self.find_group(group, request)
        now = self.cloud.clock.now()
        found = [
            query
            for query in reversed(self.queries.listed(now))
            if query.region == request.region
            and (group is None or group in query.groups)
            and (status is None or query.status(now) == status)
            and language in (None, LANGUAGE)
        ]
        scope = token_scope("DescribeQueries", params, request)
        first = 0 if token is None else read_position(token, scope)
        out: Response = {"queries": [_info(query, now) for query in found[first : first + most]]}
        if first + most < len(found):
            out["nextToken"] = encode_token(scope, first + most)
        return out


def _info(query: InsightsQuery, now: float) -> dict[str, Any]:
    """A query as DescribeQueries lists it."""
    info: dict[str, Any] = {
        "queryLanguage": LANGUAGE,
        "queryId": query.query_id,
        "queryString": query.text,
        "status": query.status(now),
        "createTime": millis(query.created),
        "logGroupName": query.groups[0],
    }
    if query.state == "Complete" and query.finished is not None:
        info["queryDuration"] = millis(query.finished - query.created)
        info["bytesScanned"] = query.statistics["bytesScanned"]
    return info
