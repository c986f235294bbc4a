"""PutAnomalyDetector, DescribeAnomalyDetectors and DeleteAnomalyDetector.

A detector names a metric and a statistic, either with the first API's
top-level Namespace, MetricName, Dimensions and Stat or inside
SingleMetricAnomalyDetector, never both; putting it again replaces its
configuration (ExcludedTimeRanges, at most ten, and MetricTimezone) and
forgets its trained models. MetricMathAnomalyDetector, AdaptationSpeed and
OutlierFilteringStrength are refused rather than ignored: skydeck's model
(`anomaly`) learns single metrics only. A detector is also made, as AWS
makes one, when a band is asked of a metric that has none
(`anomaly.detector_for`).
"""

from __future__ import annotations

from typing import Any

from backend.kit.pages import decode_token, encode_token, fingerprint
from backend.service import Params, Request, Response, Service, action
from backend.services.cloudwatch import metric_params as read
from backend.services.cloudwatch.anomaly import (
    AnomalyDetector,
    Detectors,
    MetricKey,
    detector_for,
    valid_timezone,
)
from backend.services.cloudwatch.errors import (
    InvalidNextToken,
    InvalidParameterCombination,
    InvalidParameterValue,
    LimitExceededException,
    MissingParameter,
    ResourceNotFoundException,
    ValidationError,
)

#: Most ExcludedTimeRanges one detector may have.
MAX_EXCLUDED = 10
#: Most detectors in a region: AWS's quota is not published; skydeck's (docs/deviations.md).
MAX_DETECTORS = 500
#: DescribeAnomalyDetectors' largest and default page.
MAX_RESULTS = 100
#: Most AnomalyDetectorIds one DescribeAnomalyDetectors may filter by.
MAX_IDS = 50
DETECTOR_TYPES = ("SINGLE_METRIC", "METRIC_MATH")
_LEGACY = ("Namespace", "MetricName", "Dimensions", "Stat")
_UNSIMULATED_CONFIGURATION = ("AdaptationSpeed", "OutlierFilteringStrength")


class AnomalyActions(Service):
    """The anomaly detector API; the detectors live in `self.detectors` by (region, metric)."""

    detectors: Detectors

    @action("PutAnomalyDetector")
    def put_anomaly_detector(self, params: Params, request: Request) -> Response:
        metric = _metric(params)
        excluded, timezone = _configuration(params.get("Configuration"))
        spikes = _periodic_spikes(params.get("MetricCharacteristics"))
        key = (request.region, metric)
        if key not in self.detectors:
            mine = sum(1 for region, _ in self.detectors if region == request.region)
            if mine >= MAX_DETECTORS:
                raise LimitExceededException(
                    f"The maximum number of anomaly detectors ({MAX_DETECTORS}) is reached."
                )
        detector = detector_for(self.detectors, request.region, metric)
        detector.excluded, detector.timezone, detector.periodic_spikes = excluded, timezone, spikes
        detector.models.clear()
        return {"AnomalyDetectorId": detector.detector_id}

    @action("DescribeAnomalyDetectors", read_only=True)
    def describe_anomaly_detectors(self, params: Params, request: Request) -> Response:
        ids = params.get("AnomalyDetectorIds") or []
        if not isinstance(ids, list) or len(ids) > MAX_IDS:
            raise InvalidParameterValue(
                f"The collection AnomalyDetectorIds must not have a size greater than {MAX_IDS}."
            )
        namespace = read.text(params, "Namespace")
        name = read.text(params, "MetricName")
        dims = read.dimensions(params, "")
        types = params.get("AnomalyDetectorTypes") or list(DETECTOR_TYPES)
        for index, kind in enumerate(types, start=1):
            if kind not in DETECTOR_TYPES:
                raise read.invalid(kind, f"AnomalyDetectorTypes.member.{index}")
        limit = params.get("MaxResults", MAX_RESULTS)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_RESULTS:
            raise read.invalid(limit, "MaxResults")
        found = [
            detector
            for (region, metric), detector in self.detectors.items()
            if region == request.region
            and "SINGLE_METRIC" in types
            and (not ids or detector.detector_id in ids)
            and (namespace is None or metric.namespace == namespace)
            and (name is None or metric.name == name)
            and set(dims.items()) <= set(metric.dimensions)
        ]
        found.sort(key=lambda d: (d.metric.namespace, d.metric.name, d.metric.dimensions))
        scope = fingerprint(params, request.region, ignore=("NextToken", "MaxResults"))
        start = 0
        token = params.get("NextToken")
        if token is not None:
            position = decode_token(str(token), scope, InvalidNextToken, "Invalid NextToken.")
            if not isinstance(position, int) or position < 0:
                raise InvalidNextToken("Invalid NextToken.")
            start = position
        store, now = self.cloud.metrics, request.now
        response: Response = {
            "AnomalyDetectors": [d.describe(store, now) for d in found[start : start + limit]]
        }
        if start + limit < len(found):
            response["NextToken"] = encode_token(scope, start + limit)
        return response

    @action("DeleteAnomalyDetector")
    def delete_anomaly_detector(self, params: Params, request: Request) -> Response:
        detector_id = read.text(params, "AnomalyDetectorId", high=128)
        if detector_id is not None:
            if any(params.get(m) is not None for m in (*_LEGACY, "SingleMetricAnomalyDetector")):
                raise InvalidParameterCombination(
                    "AnomalyDetectorId cannot be combined with the metric of the detector."
                )
            found = self._by_id(request.region, detector_id)
        else:
            found = self.detectors.get((request.region, _metric(params)))
        if found is None:
            raise ResourceNotFoundException("The anomaly detector does not exist.")
        del self.detectors[(request.region, found.metric)]
        return {}

    def _by_id(self, region: str, detector_id: str) -> AnomalyDetector | None:
        for (where, _), detector in self.detectors.items():
            if where == region and detector.detector_id == detector_id:
                return detector
        return None


def _metric(params: Params) -> MetricKey:
    """The detector's metric and statistic: legacy members or SingleMetricAnomalyDetector."""
    legacy = [m for m in _LEGACY if params.get(m) is not None]
    single = params.get("SingleMetricAnomalyDetector")
    math = params.get("MetricMathAnomalyDetector")
    if math is not None:
        if legacy or single is not None:
            raise InvalidParameterCombination(
                "MetricMathAnomalyDetector cannot be combined with SingleMetricAnomalyDetector "
                f"or {', '.join(_LEGACY)}."
            )
        raise InvalidParameterValue(
            "The parameter MetricMathAnomalyDetector is not supported by skydeck's CloudWatch; "
            "use SingleMetricAnomalyDetector."
        )
    if single is not None:
        if legacy:
            raise InvalidParameterCombination(
                f"SingleMetricAnomalyDetector cannot be combined with {legacy[0]}."
            )
        if not isinstance(single, dict):
            raise ValidationError(
                "Value at 'SingleMetricAnomalyDetector' must be a SingleMetricAnomalyDetector."
            )
        source, path = single, "SingleMetricAnomalyDetector."
    else:
        source, path = params, ""
    if read.text(source, "Namespace", path=f"{path}Namespace") is None:
        raise MissingParameter(f"The parameter {path}Namespace is required.")
    namespace = read.namespace(source)
    name = read.text(source, "MetricName", path=f"{path}MetricName")
    if name is None:
        raise MissingParameter(f"The parameter {path}MetricName is required.")
    dims = read.dimensions(source, path)
    stat = source.get("Stat")
    if stat is None:
        raise MissingParameter(f"The parameter {path}Stat is required.")
    if not isinstance(stat, str) or not read.is_statistic(stat):
        raise read.invalid(stat, f"{path}Stat")
    return MetricKey(namespace, name, tuple(sorted(dims.items())), stat)


def _configuration(given: Any) -> tuple[tuple[tuple[float, float], ...], str]:
    """ExcludedTimeRanges as [start, end) seconds, and MetricTimezone ("" for none)."""
    if given is None:
        return (), ""
    if not isinstance(given, dict):
        raise ValidationError("Value at 'Configuration' must be an AnomalyDetectorConfiguration.")
    for member in _UNSIMULATED_CONFIGURATION:
        if given.get(member) is not None:
            raise InvalidParameterValue(
                f"The parameter Configuration.{member} is not supported by skydeck's CloudWatch."
            )
    ranges = given.get("ExcludedTimeRanges") or []
    if not isinstance(ranges, list):
        raise ValidationError("Value at 'Configuration.ExcludedTimeRanges' must be a list.")
    if len(ranges) > MAX_EXCLUDED:
        raise InvalidParameterValue(
            "The collection Configuration.ExcludedTimeRanges must not have a size greater "
            f"than {MAX_EXCLUDED}."
        )
    excluded: list[tuple[float, float]] = []
    for index, item in enumerate(ranges, start=1):
        path = f"Configuration.ExcludedTimeRanges.member.{index}"
        if not isinstance(item, dict):
            raise ValidationError(f"Value at '{path}' must be a Range.")
        start = read.timestamp(item, "StartTime", f"{path}.StartTime")
        end = read.timestamp(item, "EndTime", f"{path}.EndTime")
        if start is None:
            raise MissingParameter(f"The parameter {path}.StartTime is required.")
        if end is None:
            raise MissingParameter(f"The parameter {path}.EndTime is required.")
        if start >= end:
            raise InvalidParameterValue(
                f"The parameter {path}.StartTime must be less than the parameter {path}.EndTime."
            )
        excluded.append((start, end))
    timezone = read.text(given, "MetricTimezone", path="Configuration.MetricTimezone", high=50)
    if timezone is not None and not valid_timezone(timezone):
        raise read.invalid(timezone, "Configuration.MetricTimezone")
    return tuple(excluded), timezone or ""


def _periodic_spikes(given: Any) -> bool | None:
    if given is None:
        return None
    if not isinstance(given, dict):
        raise ValidationError("Value at 'MetricCharacteristics' must be a MetricCharacteristics.")
    spikes = given.get("PeriodicSpikes")
    if spikes is not None and not isinstance(spikes, bool):
        raise read.invalid(spikes, "MetricCharacteristics.PeriodicSpikes")
    return spikes
