"""Timestamps as AWS writes them inside message bodies: ISO 8601, UTC, to the millisecond.

S3's event records (`eventTime`) and SNS's notifications (`Timestamp`) both
say `2024-05-01T12:34:56.789Z`; consumers parse these strings, so the shape
is exact: three digits of milliseconds, truncated, and a `Z`.
"""

from __future__ import annotations

from datetime import UTC, datetime


def iso_millis(t: float) -> str:
    """`t` (seconds since the epoch) as `YYYY-MM-DDTHH:MM:SS.mmmZ`."""
    when = datetime.fromtimestamp(t, UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
