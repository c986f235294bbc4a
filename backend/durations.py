"""Durations as people write them in scenario files and on the command line."""

from __future__ import annotations

import re

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
#: ASCII digits only: `\d` also matches '٣', which `float` then reads as 3.
_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)")


def parse_duration(text: str | int | float) -> float:
    """Seconds in `text`: a number of seconds, or units like `90s`, `5m`, `1h30m`, `0.2s`.

    Raises ValueError with a message fit to show a person.
    """
    if isinstance(text, bool):
        raise ValueError(f"not a duration: {text!r}")
    if isinstance(text, int | float):
        seconds = float(text)
    else:
        compact = text.replace(" ", "")
        parts = _PART.findall(compact)
        if not compact or "".join(n + u for n, u in parts) != compact:
            raise ValueError(f"not a duration: {text!r} (write e.g. 30s, 5m, 1h30m)")
        seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    if seconds < 0:
        raise ValueError(f"a duration can't be negative: {text!r}")
    return seconds


def format_duration(seconds: float) -> str:
    """`12s`, `4m10s`, `2h05m`, `3d04h`: short, as the dashboard shows ages.

    Always a whole unit and the next one down in two digits, so the same kind
    of value reads the same way everywhere (the retention `4d00h` beside the
    age `10m00s`).
    """
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 86400:,}d{s % 86400 // 3600:02d}h"
