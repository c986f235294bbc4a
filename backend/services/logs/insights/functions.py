"""The functions a query may call, what each takes, and where it may stand.

The parser checks a call against this table (its name, how many arguments,
whether it aggregates); the engine (`engine.py`) holds how each is computed.
Boolean functions stand in `filter` only: AWS does not say how it writes a
boolean into a result, so a query that would show one is refused rather than
answered in a guessed form (docs/deviations.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

Role = Literal["scalar", "boolean", "aggregate"]


@dataclass(frozen=True, slots=True)
class Signature:
    role: Role
    least: int
    most: int | None


SIGNATURES: Final[dict[str, Signature]] = {
    # Scalars: usable in fields, stats groups, sort and filter.
    "strlen": Signature("scalar", 1, 1),
    "toupper": Signature("scalar", 1, 1),
    "tolower": Signature("scalar", 1, 1),
    "trim": Signature("scalar", 1, 1),
    "concat": Signature("scalar", 1, None),
    "coalesce": Signature("scalar", 1, None),
    "abs": Signature("scalar", 1, 1),
    "ceil": Signature("scalar", 1, 1),
    "floor": Signature("scalar", 1, 1),
    "bin": Signature("scalar", 1, 1),
    # Tests of a field: filter only.
    "ispresent": Signature("boolean", 1, 1),
    "isempty": Signature("boolean", 1, 1),
    "isblank": Signature("boolean", 1, 1),
    # Aggregates: stats only.
    "count": Signature("aggregate", 0, 1),
    "count_distinct": Signature("aggregate", 1, 1),
    "sum": Signature("aggregate", 1, 1),
    "avg": Signature("aggregate", 1, 1),
    "min": Signature("aggregate", 1, 1),
    "max": Signature("aggregate", 1, 1),
    "stddev": Signature("aggregate", 1, 1),
    "pct": Signature("aggregate", 2, 2),
}
