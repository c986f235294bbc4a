"""The one error a refused Logs Insights query raises: MalformedQueryException's content.

AWS parses queries with a generated (ANTLR) parser, whose refusals name the
offending token and where it stands ("mismatched input 'count' expecting
{K_PARSE, ...}" is one seen from AWS). skydeck says "unexpected symbol found
X at line L and position P" (the line counted from 1, the position from 0),
and the `queryCompileError` beside the message gives the token's first and
last character offsets in the query string. "Unknown symbols found in or
after stats: x" is AWS's sentence for a field named after a `stats` that did
not make it; the other sentences are skydeck's (docs/deviations.md).
"""

from __future__ import annotations

from typing import Any


class QueryError(ValueError):
    """A query Logs Insights refuses: its message and the offending characters."""

    def __init__(self, message: str, start: int, end: int) -> None:
        super().__init__(message)
        self.message = message
        self.start = start
        self.end = max(start, end)

    def compile_error(self) -> dict[str, Any]:
        """MalformedQueryException's `queryCompileError` member."""
        return {
            "location": {"startCharOffset": self.start, "endCharOffset": self.end},
            "message": self.message,
        }


def unexpected(text: str, start: int, end: int) -> QueryError:
    """The parser's refusal of the token at [start, end) of `text` (the end of it if empty)."""
    line = text.count("\n", 0, start) + 1
    position = start - (text.rfind("\n", 0, start) + 1)
    symbol = text[start:end] or "<EOF>"
    return QueryError(
        f"unexpected symbol found {symbol} at line {line} and position {position}",
        start,
        end - 1,
    )
