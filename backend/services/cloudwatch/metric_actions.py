"""PutMetricData, GetMetricStatistics and ListMetrics: the metrics repository's own API.

What AWS checks is checked here, in its order and words (AWS_FACTS §4):
1,000 metrics a put, 150 values a datum, finite values within ±2^360, time
stamps from two weeks back to two hours ahead, StorageResolution 1 or 60;
a statistics query of at most 1,440 datapoints, its period 1, 5, 10, 20, 30
or a multiple of 60, start inclusive and end exclusive, and units never
converted: asking for another unit finds nothing.
"""

from __future__ import annotations

from typing import Any

from backend.kit.pages import decode_token, encode_token, fingerprint
from backend.metrics import Aggregate, MetricId, Series, statistic
from backend.service import Params, Request, Response, Service, action
from backend.services.cloudwatch import metric_params as read
from backend.services.cloudwatch.errors import (
    InvalidNextToken,
    InvalidParameterCombination,
    InvalidParameterValue,
    MissingParameter,
)

#: Most metrics one PutMetricData may carry (MetricData and EntityMetricData together).
MAX_METRICS_PER_PUT = 1000
#: Most values (and counts) of one datum.
MAX_VALUES = 150
#: How far back and ahead a datapoint's time stamp may be.
OLDEST_PUT = 14 * 86_400
NEWEST_PUT = 2 * 3600
#: Most datapoints one GetMetricStatistics may return.
MAX_DATAPOINTS = 1440
#: Metrics per ListMetrics page.
LIST_PAGE = 500
#: ListMetrics leaves out metrics with no new data for two weeks.
LISTED_FOR = 14 * 86_400
#: What `RecentlyActive` may be: the past three hours.
RECENTLY = 3 * 3600


class MetricActions(Service):
    # -- PutMetricData ------------------------------------------------------------------

    @action("PutMetricData")
    def put_metric_data(self, params: Params, request: Request) -> Response:
        namespace = read.namespace(params, for_put=True)
        data = params.get("MetricData")
        entity_data = params.get("EntityMetricData") or []
        if data is None and not entity_data:
            raise MissingParameter("The parameter MetricData is required.")
        data = list(data or [])
        for entity in entity_data:
            data.extend(entity.get("MetricData") or [])
        if len(data) > MAX_METRICS_PER_PUT:
            raise InvalidParameterValue(
                f"The collection MetricData must not have a size greater than "
                f"{MAX_METRICS_PER_PUT}."
            )
        # Every datum is checked before any is stored: a refused put stores nothing.
        points = [self._datum(namespace, datum, i, request.now) for i, datum in enumerate(data, 1)]
        store = self.cloud.metrics
        store.sweep(request.now)
        for metric_id, unit, resolution, when, add in points:
            series = store.series(
                metric_id.namespace,
                metric_id.name,
                dict(metric_id.dimensions),
                unit,
                resolution=resolution,
            )
            add(series, when)
        return {}

    def _datum(
        self, namespace: str, datum: dict[str, Any], index: int, now: float
    ) -> tuple[MetricId, str, int, float, Any]:
        path = f"MetricData.member.{index}."
        name = read.text(datum, "MetricName", path=f"{path}MetricName")
        if name is None:
            raise MissingParameter(f"The parameter {path}MetricName is required.")
        dims = read.dimensions(datum, path)
        unit = read.unit(datum, f"{path}Unit") or "None"
        resolution = datum.get("StorageResolution", 60)
        if resolution not in (1, 60) or isinstance(resolution, bool):
            raise read.invalid(resolution, f"{path}StorageResolution")
        when = read.timestamp(datum, "Timestamp", f"{path}Timestamp")
        if when is None:
            when = now
        elif when < now - OLDEST_PUT:
            raise InvalidParameterValue(
                f"The parameter {path}Timestamp must specify a time no more than two weeks "
                "in the past."
            )
        elif when > now + NEWEST_PUT:
            raise InvalidParameterValue(
                f"The parameter {path}Timestamp must specify a time no more than two hours "
                "in the future."
            )
        return (
            MetricId(namespace, name, tuple(sorted(dims.items()))),
            unit,
            resolution,
            when,
            self._adder(datum, path),
        )

    @staticmethod
    def _adder(datum: dict[str, Any], path: str) -> Any:
        """How the datum goes into its series: Value, Values and Counts, or StatisticValues."""
        given = [k for k in ("Value", "StatisticValues", "Values") if datum.get(k) is not None]
        if len(given) > 1:
            raise InvalidParameterCombination(
                f"The parameters {path}{given[0]} and {path}{given[1]} are mutually exclusive "
                "and you have specified both."
            )
        if not given:
            raise MissingParameter(
                f"At least one of the parameters {path}Value, {path}StatisticValues or "
                f"{path}Values must be specified."
            )
        if given[0] == "Value":
            value = read.number(datum["Value"], f"{path}Value")
            return lambda series, when: series.add_values(when, (value,))
        if given[0] == "Values":
            values = [
                read.number(v, f"{path}Values.member.{i}") for i, v in enumerate(datum["Values"], 1)
            ]
            counts_given = datum.get("Counts")
            if len(values) > MAX_VALUES:
                raise InvalidParameterValue(
                    f"The collection {path}Values must not have a size greater than {MAX_VALUES}."
                )
            counts = None
            if counts_given is not None:
                if len(counts_given) != len(values):
                    raise InvalidParameterValue(
                        f"The parameters {path}Values and {path}Counts must be of the same size."
                    )
                counts = [
                    read.number(c, f"{path}Counts.member.{i}")
                    for i, c in enumerate(counts_given, 1)
                ]
                if any(c < 0 for c in counts):
                    raise read.invalid(min(counts), f"{path}Counts")
            return lambda series, when: series.add_values(when, values, counts)
        stats = datum["StatisticValues"]
        where = f"{path}StatisticValues."
        parts = {}
        for member in ("SampleCount", "Sum", "Minimum", "Maximum"):
            if stats.get(member) is None:
                raise MissingParameter(f"The parameter {where}{member} is required.")
            parts[member] = read.number(stats[member], f"{where}{member}")
        if parts["SampleCount"] <= 0:
            raise read.invalid(parts["SampleCount"], f"{where}SampleCount")
        if parts["Minimum"] > parts["Maximum"]:
            raise InvalidParameterValue(
                f"The parameter {where}Minimum must be less than or equal to the parameter "
                f"{where}Maximum."
            )
        return lambda series, when: series.add_statistics(
            when, parts["SampleCount"], parts["Sum"], parts["Minimum"], parts["Maximum"]
        )

    # -- GetMetricStatistics ------------------------------------------------------------

    @action("GetMetricStatistics", read_only=True)
    def get_metric_statistics(self, params: Params, request: Request) -> Response:
        namespace = read.namespace(params)
        name = read.text(params, "MetricName")
        if name is None:
            raise MissingParameter("The parameter MetricName is required.")
        dims = read.dimensions(params, "")
        start = read.timestamp(params, "StartTime")
        end = read.timestamp(params, "EndTime")
        if start is None:
            raise MissingParameter("The parameter StartTime is required.")
        if end is None:
            raise MissingParameter("The parameter EndTime is required.")
        period = read.period(params)
        simple, extended = read.statistics(params)
        unit = read.unit(params)
        if start >= end:
            raise InvalidParameterValue(
                "The parameter StartTime must be less than the parameter EndTime."
            )
        requested = -(-int(end - start) // period)
        if requested > MAX_DATAPOINTS:
            raise InvalidParameterCombination(
                f"You have requested up to {requested:,} datapoints, which exceeds the limit of "
                f"{MAX_DATAPOINTS:,}. You may reduce the datapoints requested by increasing "
                "Period, or decreasing the time range."
            )
        metric_id = MetricId(namespace, name, tuple(sorted(dims.items())))
        datapoints: list[dict[str, Any]] = []
        for series in self._series_of(metric_id, unit):
            for point in series.aggregate(start, end, period, request.now):
                datapoints.append(_datapoint(point, series.unit, simple, extended))
        return {"Label": name, "Datapoints": datapoints}

    def _series_of(self, metric_id: MetricId, unit: str | None) -> list[Series]:
        """The metric's series in `unit` (every unit's when None): units are never converted."""
        return [s for s in self.cloud.metrics.units(metric_id) if unit is None or s.unit == unit]

    # -- ListMetrics --------------------------------------------------------------------

    @action("ListMetrics", read_only=True)
    def list_metrics(self, params: Params, request: Request) -> Response:
        namespace = read.text(params, "Namespace")
        name = read.text(params, "MetricName")
        filters = read.dimensions(params, "", filters=True)
        recently = params.get("RecentlyActive")
        if recently is not None and recently != "PT3H":
            raise read.invalid(recently, "RecentlyActive")
        since = request.now - (RECENTLY if recently else LISTED_FOR)
        self.cloud.metrics.sweep(request.now)
        found: dict[MetricId, None] = {}
        for series in self.cloud.metrics.all():
            metric_id = series.id
            if series.last_time is None or series.last_time < since:
                continue
            if namespace is not None and metric_id.namespace != namespace:
                continue
            if name is not None and metric_id.name != name:
                continue
            if filters and not _matches(metric_id, filters):
                continue
            found[metric_id] = None
        ordered = sorted(found, key=lambda m: (m.namespace, m.name, m.dimensions))
        scope = fingerprint(params, request.region, ignore=("NextToken",))
        start = 0
        token = params.get("NextToken")
        if token is not None:
            position = decode_token(str(token), scope, InvalidNextToken)
            if not isinstance(position, int) or position < 0:
                raise InvalidNextToken("Invalid NextToken value.")
            start = position
        page = ordered[start : start + LIST_PAGE]
        response: Response = {
            "Metrics": [
                {
                    "Namespace": m.namespace,
                    "MetricName": m.name,
                    "Dimensions": [{"Name": k, "Value": v} for k, v in m.dimensions],
                }
                for m in page
            ]
        }
        if start + LIST_PAGE < len(ordered):
            response["NextToken"] = encode_token(scope, start + LIST_PAGE)
        return response


def _matches(metric_id: MetricId, filters: dict[str, str]) -> bool:
    """ListMetrics' dimension filters: each name present, with the value when one is given."""
    dims = dict(metric_id.dimensions)
    return all(k in dims and (not v or dims[k] == v) for k, v in filters.items())


def _datapoint(
    point: Aggregate, unit: str, simple: list[str], extended: list[str]
) -> dict[str, Any]:
    found: dict[str, Any] = {"Timestamp": float(point.timestamp), "Unit": unit}
    for name in simple:
        value = statistic(point, name)
        if value is not None:
            found[name] = value
    if extended:
        values = {name: statistic(point, name) for name in extended}
        found["ExtendedStatistics"] = {k: v for k, v in values.items() if v is not None}
    return found
