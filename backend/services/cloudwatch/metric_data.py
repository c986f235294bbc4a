"""GetMetricData: many metrics, and metric math over them, in one call.

Each query is a MetricStat (a metric, its period and one statistic) or an
expression over other queries' results (`metric_math`). Queries with
`ReturnData` false are inputs only. Results come newest first unless
`ScanBy` says otherwise, and a response holds at most `MaxDatapoints`
points (100,800 by default): the rest follows with `NextToken`, each
result marked `PartialData` until its last page.
"""

from __future__ import annotations

import math
import operator
import re
from typing import Any

from backend.kit.pages import decode_token, encode_token, fingerprint
from backend.metrics import MetricId, MetricStore, merged_points
from backend.service import Params, Request, Response, Service, action
from backend.services.cloudwatch import metric_math
from backend.services.cloudwatch import metric_params as read
from backend.services.cloudwatch.anomaly import Detectors, band_source
from backend.services.cloudwatch.errors import (
    InvalidNextToken,
    InvalidParameterValue,
    MissingParameter,
    ValidationError,
)
from backend.services.cloudwatch.metric_math import Context, TimeSeries

#: Most queries one GetMetricData may hold.
MAX_QUERIES = 500
#: Points one response may hold when MaxDatapoints is not given.
DEFAULT_MAX_DATAPOINTS = 100_800
#: A query id: a lowercase letter first (AWS_FACTS §4).
QUERY_ID = re.compile(r"[a-z][a-zA-Z0-9_]*")
SCAN_BY = ("TimestampDescending", "TimestampAscending")


class MetricDataActions(Service):
    detectors: Detectors

    @action("GetMetricData", read_only=True)
    def get_metric_data(self, params: Params, request: Request) -> Response:
        queries = params.get("MetricDataQueries")
        if not queries:
            raise MissingParameter("The parameter MetricDataQueries is required.")
        if len(queries) > MAX_QUERIES:
            raise InvalidParameterValue(
                f"The collection MetricDataQueries must not have a size greater than {MAX_QUERIES}."
            )
        start = read.timestamp(params, "StartTime")
        end = read.timestamp(params, "EndTime")
        if start is None:
            raise MissingParameter("The parameter StartTime is required.")
        if end is None:
            raise MissingParameter("The parameter EndTime is required.")
        if start >= end:
            raise ValidationError(
                "The parameter StartTime must be less than the parameter EndTime."
            )
        scan_by = params.get("ScanBy", "TimestampDescending")
        if scan_by not in SCAN_BY:
            raise read.invalid(scan_by, "ScanBy")
        limit = params.get("MaxDatapoints", DEFAULT_MAX_DATAPOINTS)
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise read.invalid(limit, "MaxDatapoints")
        plan = check_queries(queries)
        stats = [q for q in plan if "MetricStat" in q]
        period = int(stats[0]["MetricStat"]["Period"]) if stats else 60
        bands = band_source(self.cloud.metrics, self.detectors, request.region, plan, request.now)
        context = Context([q["Id"] for q in stats], int(start), int(end), period, bands=bands)
        results = Results(self.cloud.metrics, plan, context, request.now)
        returned: list[tuple[dict[str, Any], TimeSeries]] = []
        for query in plan:
            if query.get("ReturnData", True):
                for series in results.of(query["Id"]):
                    returned.append((query, series))
        if not returned:
            raise ValidationError("At least one query must have ReturnData set to true.")
        return _page(params, request, returned, scan_by, limit)


def check_queries(queries: list[Any], member: str = "MetricDataQueries") -> list[dict[str, Any]]:
    """The queries checked: ids well formed and unique, each a MetricStat or an expression.

    `member` is what the request calls the list (an alarm's is `Metrics`).
    """
    seen: set[str] = set()
    for index, query in enumerate(queries, start=1):
        path = f"{member}.member.{index}"
        if not isinstance(query, dict):
            raise ValidationError(f"Value at '{path}' must be a MetricDataQuery.")
        query_id = query.get("Id")
        if query_id is None:
            raise MissingParameter(f"The parameter {path}.Id is required.")
        if not isinstance(query_id, str) or not QUERY_ID.fullmatch(query_id) or len(query_id) > 255:
            raise read.invalid(query_id, f"{path}.Id")
        if query_id in seen:
            raise ValidationError(f"The value {query_id} for parameter {path}.Id is not unique.")
        seen.add(query_id)
        stat, expression = query.get("MetricStat"), query.get("Expression")
        if (stat is None) == (expression is None):
            raise ValidationError(
                f"Exactly one of {path}.MetricStat and {path}.Expression must be given."
            )
        if stat is not None:
            _metric_stat(stat, f"{path}.MetricStat")
        elif not isinstance(expression, str) or not 1 <= len(expression) <= 2048:
            raise read.invalid(expression, f"{path}.Expression")
    return queries


def _metric_stat(stat: dict[str, Any], path: str) -> None:
    metric = stat.get("Metric")
    if not isinstance(metric, dict):
        raise MissingParameter(f"The parameter {path}.Metric is required.")
    read.namespace(metric)
    if read.text(metric, "MetricName", path=f"{path}.Metric.MetricName") is None:
        raise MissingParameter(f"The parameter {path}.Metric.MetricName is required.")
    read.dimensions(metric, f"{path}.Metric.")
    read.period(stat, f"{path}.Period")
    name = stat.get("Stat")
    if name is None:
        raise MissingParameter(f"The parameter {path}.Stat is required.")
    if not isinstance(name, str) or not read.is_statistic(name):
        raise read.invalid(name, f"{path}.Stat")
    read.unit(stat, f"{path}.Unit")


class Results:
    """Each query's result, computed on first need: expressions read the ones they name."""

    def __init__(
        self, store: MetricStore, plan: list[dict[str, Any]], context: Context, now: float
    ) -> None:
        self.store = store
        self.queries = {q["Id"]: q for q in plan}
        self.context = context
        self.now = now
        self.done: dict[str, list[TimeSeries]] = {}
        self.parsed = {
            q["Id"]: metric_math.parse(q["Expression"]) for q in plan if "Expression" in q
        }
        for query_id, node in self.parsed.items():
            for name in metric_math.references(node) - self.queries.keys():
                raise ValidationError(
                    f"Error in expression '{query_id}': Unrecognized metric or expression id "
                    f"'{name}'."
                )

    def of(self, query_id: str) -> list[TimeSeries]:
        if query_id in self.done:
            return self.done[query_id]
        if query_id in self.context.evaluating:
            raise ValidationError(f"Error in expression '{query_id}': Circular dependency.")
        query = self.queries[query_id]
        self.context.evaluating.add(query_id)
        found = self._metric(query) if "MetricStat" in query else self._expression(query)
        self.context.evaluating.discard(query_id)
        self.done[query_id] = found
        return found

    def one(self, query_id: str) -> TimeSeries:
        found = self.of(query_id)
        if len(found) != 1:
            raise ValidationError(
                f"Error in expression: '{query_id}' is an array of time series, not one."
            )
        return found[0]

    def _metric(self, query: dict[str, Any]) -> list[TimeSeries]:
        stat = query["MetricStat"]
        metric = stat["Metric"]
        dims = tuple(sorted((d["Name"], d["Value"]) for d in metric.get("Dimensions") or []))
        metric_id = MetricId(metric["Namespace"], metric["MetricName"], dims)
        unit = stat.get("Unit")
        period = int(stat["Period"])
        name = stat["Stat"]
        units = [s for s in self.store.units(metric_id) if unit is None or s.unit == unit]
        points = merged_points(units, self.context.start, self.context.end, period, self.now, name)
        return [TimeSeries(points, period, query.get("Label") or metric["MetricName"])]

    def _expression(self, query: dict[str, Any]) -> list[TimeSeries]:
        expression = query["Expression"]
        period = query.get("Period")
        if period is not None:
            self.context.period = read.period(query)
        evaluator = metric_math.Evaluator(expression, self.context, self.one)
        value = evaluator.eval(self.parsed[query["Id"]])
        label = query.get("Label") or query["Id"]
        if isinstance(value, float):
            raise ValidationError(
                f"Error in expression '{query['Id']}': the expression returns a scalar; "
                "it must return a time series."
            )
        if isinstance(value, TimeSeries):
            return [TimeSeries(value.points, value.period, label)]
        return [TimeSeries(s.points, s.period, s.label or label) for s in value]


def _page(
    params: Params,
    request: Request,
    returned: list[tuple[dict[str, Any], TimeSeries]],
    scan_by: str,
    limit: int,
) -> Response:
    """The results from the token's position on, at most `limit` points in all."""
    scope = fingerprint(params, request.region, ignore=("NextToken",))
    skip = 0
    token = params.get("NextToken")
    if token is not None:
        position = decode_token(str(token), scope, InvalidNextToken, "The NextToken is invalid.")
        if not isinstance(position, int) or position < 0:
            raise InvalidNextToken("The NextToken is invalid.")
        skip = position
    results: list[dict[str, Any]] = []
    room = limit
    total_seen = 0
    more = False
    for query, series in returned:
        times, values = _in_order(series.points, scan_by == "TimestampDescending")
        first = min(max(skip - total_seen, 0), len(times))
        total_seen += len(times)
        shown = times[first : first + room]
        room -= len(shown)
        partial = first + len(shown) < len(times)
        more = more or partial
        results.append(
            {
                "Id": query["Id"],
                "Label": series.label,
                "Timestamps": list(map(float, shown)),
                "Values": values[first : first + len(shown)],
                "StatusCode": "PartialData" if partial else "Complete",
            }
        )
    response: Response = {"MetricDataResults": results, "Messages": []}
    if more:
        response["NextToken"] = encode_token(scope, skip + (limit - room))
    return response


def _in_order(points: dict[int, float], descending: bool) -> tuple[list[int], list[float]]:
    """The finite points' times and values, in time order.

    A query's points usually come oldest first, finite: then this is a few
    C-level passes, which matters for a two-week query of 20,000 points.
    """
    times = list(points)
    values = list(points.values())
    if not all(map(math.isfinite, values)):
        kept = [(t, v) for t, v in zip(times, values, strict=True) if math.isfinite(v)]
        times, values = [t for t, _ in kept], [v for _, v in kept]
    if any(map(operator.gt, times, times[1:])):
        order = sorted(range(len(times)), key=times.__getitem__)
        times, values = [times[i] for i in order], [values[i] for i in order]
    if descending:
        times.reverse()
        values.reverse()
    return times, values
