"""CloudWatch Logs filter patterns: the one reading of them that every filter shares.

Metric filters, subscription filters, FilterLogEvents and TestMetricFilter
all match events with `compile_pattern(text).matches`, and metric filters
read values and dimensions from `match`. The three syntaxes (terms,
space-delimited, JSON) are parsed by hand, by recursive descent: each is a
few rules whose words change with position (a bare term, a field value, a
selector), AWS's errors quote the offending character, and a parsing library
would add a dependency without making either simpler.
"""

from backend.services.logs.patterns.compiled import (
    MAX_PATTERN_LENGTH,
    FilterPattern,
    Parse,
    ParseOnce,
    PatternKind,
    compile_pattern,
    parse_for,
)
from backend.services.logs.patterns.errors import (
    INVALID_FILTER_PATTERN,
    INVALID_METRIC_FILTER_PATTERN,
    FilterPatternError,
)
from backend.services.logs.patterns.extraction import Match

__all__ = [
    "INVALID_FILTER_PATTERN",
    "INVALID_METRIC_FILTER_PATTERN",
    "MAX_PATTERN_LENGTH",
    "FilterPattern",
    "FilterPatternError",
    "Match",
    "Parse",
    "ParseOnce",
    "PatternKind",
    "compile_pattern",
    "parse_for",
]
