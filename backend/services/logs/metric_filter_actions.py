"""Metric filters: PutMetricFilter, DescribeMetricFilters, DeleteMetricFilter, TestMetricFilter.

A group holds at most 100 filters, each with one transformation of at most
three dimensions (AWS_FACTS §5); dimensions and a default value exclude each
other, as in AWS, and dimensions need a pattern that reads fields out of an
event (JSON or space-delimited), which a terms pattern does not. Patterns go
through the one parser (`patterns`), whose refusals PutMetricFilter and
TestMetricFilter word as "Invalid metric filter pattern" where AWS gives no
reason of its own.
"""

from __future__ import annotations

from typing import Any, Final

from backend.kit.pages import encode_token
from backend.kit.validation import Checks
from backend.metrics.units import UNITS
from backend.service import Params, Request, Response, action
from backend.services.logs.base import (
    LogsBase,
    done,
    read_group_name,
    read_position,
    read_stream_name,
    token_scope,
)
from backend.services.logs.errors import (
    InvalidParameterException,
    LimitExceededException,
    ResourceNotFoundException,
)
from backend.services.logs.group import LogGroup
from backend.services.logs.metric_filters import MetricFilter, Transformation
from backend.services.logs.patterns import (
    INVALID_METRIC_FILTER_PATTERN,
    FilterPattern,
    FilterPatternError,
    PatternKind,
    compile_pattern,
)

MAX_FILTERS: Final = 100
MAX_DIMENSIONS: Final = 3
MAX_PAGE: Final = 50
METRIC_NAME_PATTERN: Final = "[^:*$]*"


def compiled(text: str) -> FilterPattern:
    """`text` as a metric filter's pattern, or AWS's refusal of it."""
    try:
        return compile_pattern(text)
    except FilterPatternError as error:
        raise InvalidParameterException(error.message(INVALID_METRIC_FILTER_PATTERN)) from None


def filter_view(group: LogGroup, found: MetricFilter) -> dict[str, Any]:
    spec = found.transformation
    transformation: dict[str, Any] = {
        "metricName": spec.name,
        "metricNamespace": spec.namespace,
        "metricValue": spec.value,
    }
    if spec.default is not None:
        transformation["defaultValue"] = spec.default
    if spec.dimensions:
        transformation["dimensions"] = dict(spec.dimensions)
    if spec.unit != "None":
        transformation["unit"] = spec.unit
    return {
        "filterName": found.name,
        "filterPattern": found.pattern.text,
        "metricTransformations": [transformation],
        "creationTime": found.created,
        "logGroupName": group.name,
        "applyOnTransformedLogs": False,
    }


class MetricFilterActions(LogsBase):
    @action("PutMetricFilter")
    def put_metric_filter(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        group_name = read_group_name(checks)
        name = read_stream_name(checks, "filterName")
        text = checks.string("filterPattern", required=True, min_len=0, max_len=1024)
        specs = checks.structures("metricTransformations", required=True, min_items=1, max_items=1)
        transformation = None
        for index, spec in enumerate(specs or ()):
            transformation = _transformation(checks.item("metricTransformations", index, spec))
        if checks.boolean("applyOnTransformedLogs"):
            raise InvalidParameterException(
                "applyOnTransformedLogs needs a log transformer on the group, and skydeck "
                "has none (docs/deviations.md)."
            )
        done(checks)
        assert group_name is not None and name is not None and text is not None
        assert transformation is not None
        if transformation.dimensions and transformation.default is not None:
            raise InvalidParameterException(
                "A metric filter with dimensions cannot have a default value."
            )
        if len(transformation.dimensions) > MAX_DIMENSIONS:
            raise InvalidParameterException(
                f"A metric filter can have at most {MAX_DIMENSIONS} dimensions."
            )
        pattern = compiled(text)
        if transformation.dimensions and pattern.kind is PatternKind.TERMS:
            raise InvalidParameterException(
                "The specified filter pattern does not support dimensions"
            )
        group = self.find_group(group_name, request)
        if name not in group.metric_filters and len(group.metric_filters) >= MAX_FILTERS:
            raise LimitExceededException("Resource limit exceeded.")
        group.metric_filters[name] = MetricFilter(name, pattern, transformation, self.now_ms())
        return {}

    @action("DeleteMetricFilter")
    def delete_metric_filter(self, params: Params, request: Request) -> Response:
        group, name = self.named_filter(params, request)
        if group.metric_filters.pop(name, None) is None:
            raise ResourceNotFoundException("The specified metric filter does not exist.")
        return {}

    @action("DescribeMetricFilters", read_only=True)
    def describe_metric_filters(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        group_name = read_group_name(checks, required=False)
        prefix = read_stream_name(checks, "filterNamePrefix", required=False)
        metric = checks.string("metricName", max_len=255, pattern=METRIC_NAME_PATTERN)
        namespace = checks.string("metricNamespace", max_len=255, pattern=METRIC_NAME_PATTERN)
        limit = checks.integer("limit", low=1, high=MAX_PAGE) or MAX_PAGE
        token = checks.string("nextToken", min_len=1)
        done(checks)
        if prefix is not None and group_name is None:
            raise InvalidParameterException(
                "If you specify filterNamePrefix, you must also specify logGroupName."
            )
        if (metric is None) != (namespace is None):
            raise InvalidParameterException(
                "metricName and metricNamespace must be specified together."
            )
        groups = (
            [self.find_group(group_name, request)]
            if group_name is not None
            else self.group_list(request.region)
        )
        rows = [
            (group, found)
            for group in groups
            for found in sorted(group.metric_filters.values(), key=lambda f: f.name)
            if (prefix is None or found.name.startswith(prefix))
            and (metric is None or found.transformation.name == metric)
            and (namespace is None or found.transformation.namespace == namespace)
        ]
        scope = token_scope("DescribeMetricFilters", params, request)
        start = 0 if token is None else read_position(token, scope)
        page = rows[start : start + limit]
        out: Response = {"metricFilters": [filter_view(g, f) for g, f in page]}
        if start + limit < len(rows):
            out["nextToken"] = encode_token(scope, start + limit)
        return out

    @action("TestMetricFilter", read_only=True)
    def test_metric_filter(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        text = checks.string("filterPattern", required=True, min_len=0, max_len=1024)
        messages = checks.strings("logEventMessages", required=True, min_items=1, max_items=50)
        done(checks)
        assert text is not None and messages is not None
        pattern = compiled(text)
        matches = []
        for number, message in enumerate(messages, start=1):
            found = pattern.match(message)
            if found is not None:
                matches.append(
                    {
                        "eventNumber": number,
                        "eventMessage": message,
                        "extractedValues": dict(found.extracted_values),
                    }
                )
        return {"matches": matches}


def _transformation(checks: Checks) -> Transformation | None:
    name = checks.string("metricName", required=True, max_len=255, pattern=METRIC_NAME_PATTERN)
    namespace = checks.string(
        "metricNamespace", required=True, max_len=255, pattern=METRIC_NAME_PATTERN
    )
    value = checks.string("metricValue", required=True, max_len=100)
    default = checks.params.get("defaultValue")
    if default is not None and (isinstance(default, bool) or not isinstance(default, int | float)):
        checks.fail("defaultValue", default, "Member must be a Double")
        default = None
    dimensions = checks.string_map("dimensions", key_max_len=255, value_max_len=255) or {}
    unit = checks.string("unit", enum=UNITS) or "None"
    if name is None or namespace is None or value is None:
        return None
    if not _value_spec(value):
        checks.fail("metricValue", value, "Member must be a number, $.selector or $field")
        return None
    return Transformation(name, namespace, value, default, dict(dimensions), unit)


def _value_spec(text: str) -> bool:
    """A metric value AWS takes: a number, a `$.` JSON selector, or a `$` field."""
    if text.startswith("$") and len(text) > 1:
        return True
    try:
        float(text)
    except ValueError:
        return False
    return True
