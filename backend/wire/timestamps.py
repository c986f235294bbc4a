"""Timestamps on the wire: epoch seconds in JSON, ISO 8601 in query XML.

Services speak epoch seconds (floats); these helpers read what clients send
(numbers, numeric strings, ISO 8601 with or without a zone) and write what
botocore parses back.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from backend.numbers import decimal_number


def parse(value: object) -> float | None:
    """Epoch seconds from a number or a string, or None when it is neither.

    Numbers in text are read as `backend.numbers` reads them (ASCII only:
    `float()` would take '٣' and ' 1'), and a number too big for a float is
    no time at all rather than an OverflowError.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:
            return None
        return number if math.isfinite(number) else None
    if not isinstance(value, str) or not value or len(value) > 64 or not value.isascii():
        return None
    written = decimal_number(value)
    if written is not None:
        return written
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def iso8601(epoch: float) -> str:
    """`2026-11-29T09:00:00.000Z`: the form the query protocol writes."""
    when = datetime.fromtimestamp(epoch, UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
