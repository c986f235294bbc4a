"""What makes two points the same metric: CloudWatch's identity."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

Dimensions = tuple[tuple[str, str], ...]


def dimensions(values: Mapping[str, str]) -> Dimensions:
    """The canonical (sorted) form of a dimension set, usable as a key."""
    return tuple(sorted(values.items()))


@dataclass(frozen=True, slots=True)
class MetricId:
    """Namespace, name and the exact dimension set: a metric with one dimension
    fewer or more is another metric, as in CloudWatch."""

    namespace: str
    name: str
    dimensions: Dimensions
