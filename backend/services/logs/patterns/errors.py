"""The one error a refused filter pattern raises, whatever part of it is wrong."""

from __future__ import annotations

#: What AWS answers when it gives no reason of its own (FilterLogEvents,
#: subscription filters); PutMetricFilter and TestMetricFilter say
#: "Invalid metric filter pattern" instead.
INVALID_FILTER_PATTERN = "Invalid filter pattern"
INVALID_METRIC_FILTER_PATTERN = "Invalid metric filter pattern"


class FilterPatternError(ValueError):
    """A pattern CloudWatch Logs refuses (InvalidParameterException).

    `reason` is AWS's own wording where AWS gives one ("Invalid character(s)
    in term ':'", "If a filter pattern starts with '{' it must end with '}'")
    and None where AWS answers only with the operation's generic message,
    which differs by operation: `message` picks it.
    """

    def __init__(self, reason: str | None = None) -> None:
        super().__init__(reason or INVALID_FILTER_PATTERN)
        self.reason = reason

    def message(self, generic: str = INVALID_FILTER_PATTERN) -> str:
        return self.reason or generic


def invalid_character(character: str) -> FilterPatternError:
    return FilterPatternError(f"Invalid character(s) in term '{character}'")
