"""Reading what CloudWatch requests name a metric by, checked as CloudWatch checks it.

PutMetricData, GetMetricStatistics, GetMetricData and the alarm actions all
name metrics (namespace, name, dimensions) and statistics; they read them
here so a rule (30 dimensions, no `AWS/` namespace for puts, the percentile
grammar) is written once. CloudWatch came from the query protocol, and its
messages still spell members as that protocol does (`MetricData.member.1.Value`),
whatever protocol the request came in.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from backend.errors import AwsError
from backend.metrics import STATISTICS, is_extended
from backend.metrics.units import UNITS
from backend.services.cloudwatch.errors import (
    InvalidParameterCombination,
    InvalidParameterValue,
    MissingParameter,
    ValidationError,
)

#: Most dimensions a metric may have.
MAX_DIMENSIONS = 30
#: Periods below a minute a high-resolution metric may be asked for.
SUB_MINUTE_PERIODS = (1, 5, 10, 20, 30)
#: The largest magnitude CloudWatch accepts for a value.
MAX_MAGNITUDE = 2.0**360


def invalid(value: object, name: str) -> AwsError:
    """CloudWatch's stock refusal of a value it does not take."""
    return InvalidParameterValue(f"The value {value} for parameter {name} is invalid.")


def required(params: Mapping[str, Any], name: str, path: str | None = None) -> Any:
    value = params.get(name)
    if value is None:
        raise MissingParameter(f"The parameter {path or name} is required.")
    return value


def text(
    params: Mapping[str, Any], name: str, *, path: str | None = None, low: int = 1, high: int = 255
) -> str | None:
    """A string member, its length checked as the model's constraint reads."""
    value = params.get(name)
    if value is None:
        return None
    where = path or name
    if not isinstance(value, str):
        raise ValidationError(f"Value at '{where}' must be a string.")
    if not low <= len(value) <= high:
        bound = (
            f"greater than or equal to {low}"
            if len(value) < low
            else f"less than or equal to {high}"
        )
        raise ValidationError(
            f"1 validation error detected: Value '{value[:256]}' at '{where}' failed to satisfy "
            f"constraint: Member must have length {bound}"
        )
    return value


def namespace(params: Mapping[str, Any], *, for_put: bool = False) -> str:
    value = text(params, "Namespace")
    if value is None:
        raise MissingParameter("The parameter Namespace is required.")
    if value.startswith(":") or (for_put and value.startswith("AWS/")):
        raise invalid(value, "Namespace")
    return value


def dimensions(params: Mapping[str, Any], path: str, *, filters: bool = False) -> dict[str, str]:
    """A metric's dimension set (or, with `filters`, ListMetrics' filters: a value is optional)."""
    given = params.get("Dimensions")
    if given is None:
        return {}
    if not isinstance(given, list) or not all(isinstance(d, dict) for d in given):
        raise ValidationError(f"Value at '{path}Dimensions' must be a list of Dimension.")
    if len(given) > MAX_DIMENSIONS:
        raise InvalidParameterValue(
            f"The collection {path}Dimensions must not have a size greater than {MAX_DIMENSIONS}."
        )
    found: dict[str, str] = {}
    for index, dim in enumerate(given, start=1):
        where = f"{path}Dimensions.member.{index}"
        name = text(dim, "Name", path=f"{where}.Name")
        if name is None:
            raise MissingParameter(f"The parameter {where}.Name is required.")
        value = text(dim, "Value", path=f"{where}.Value", high=1024)
        if value is None and not filters:
            raise MissingParameter(f"The parameter {where}.Value is required.")
        if name in found:
            raise InvalidParameterValue(
                f"No Metric may specify the same dimension name twice: {name}."
            )
        found[name] = value if value is not None else ""
    return found


def unit(params: Mapping[str, Any], path: str = "Unit") -> str | None:
    value = params.get("Unit")
    if value is None:
        return None
    if value not in UNITS:
        raise invalid(value, path)
    return str(value)


def number(value: object, path: str) -> float:
    """A datapoint value: finite and within ±2^360, as PutMetricData takes it."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise invalid(value, path)
    try:
        result = float(value)
    except (ValueError, OverflowError):
        raise invalid(value, path) from None
    if not math.isfinite(result) or abs(result) > MAX_MAGNITUDE:
        raise invalid(value, path)
    return result


def timestamp(params: Mapping[str, Any], name: str, path: str | None = None) -> float | None:
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid(value, path or name)
    return float(value)


def period(params: Mapping[str, Any], path: str = "Period") -> int:
    value = params.get("Period")
    if value is None:
        raise MissingParameter(f"The parameter {path} is required.")
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise invalid(value, path)
    if value not in SUB_MINUTE_PERIODS and value % 60:
        raise InvalidParameterValue(
            f"The parameter {path} must be 1, 5, 10, 20, 30, or a multiple of 60."
        )
    return value


def alarm_period(params: Mapping[str, Any]) -> int:
    """An alarm's Period: 10, 20 or 30 seconds (high resolution) or a multiple of 60."""
    value = params.get("Period")
    if value is None:
        raise MissingParameter("The parameter Period is required.")
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise invalid(value, "Period")
    if value not in (10, 20, 30) and value % 60:
        raise InvalidParameterValue("The parameter Period must be 10, 20, 30, or a multiple of 60.")
    return value


def statistics(params: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """GetMetricStatistics' `Statistics` and `ExtendedStatistics`: one of the two, not both."""
    simple = params.get("Statistics") or []
    extended = params.get("ExtendedStatistics") or []
    if not simple and not extended:
        raise MissingParameter("Must specify either Statistics or ExtendedStatistics.")
    if simple and extended:
        raise InvalidParameterCombination(
            "Must specify either Statistics or ExtendedStatistics, but not both."
        )
    if len(simple) > 5:
        raise InvalidParameterValue(
            "The collection Statistics must not have a size greater than 5."
        )
    if len(extended) > 10:
        raise InvalidParameterValue(
            "The collection ExtendedStatistics must not have a size greater than 10."
        )
    for index, name in enumerate(simple, start=1):
        if name not in STATISTICS:
            raise invalid(name, f"Statistics.member.{index}")
    for index, name in enumerate(extended, start=1):
        if not isinstance(name, str) or not is_extended(name):
            raise invalid(name, f"ExtendedStatistics.member.{index}")
    return [str(s) for s in simple], [str(s) for s in extended]


def is_statistic(name: str) -> bool:
    """A statistic GetMetricData and alarms take: a simple one or an extended (`p99`)."""
    return name in STATISTICS or is_extended(name)
