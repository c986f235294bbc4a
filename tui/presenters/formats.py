"""How the dashboard writes times and counts, in one place so every pane agrees.

Counts always take thousands separators (`1,740`), times of day are the
simulated clock's `HH:MM:SS` in UTC, and durations come from
`backend.durations.format_duration` (`12s`, `4m10s`, `2h05m`, `4d00h`).
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime


@functools.lru_cache(maxsize=4096)
def _clock(second: int) -> str:
    return datetime.fromtimestamp(second, UTC).strftime("%H:%M:%S")


def clock(t: float) -> str:
    """`09:14:03`: a simulated time of day. Cached per second: a trail search writes
    the time of every entry it looks at, hundreds of thousands of them."""
    return _clock(int(t))


def compact_count(count: int) -> str:
    """A count in at most four cells, for the rail's badges: `999`, `12k`, `3M`."""
    for unit, size in (("M", 1_000_000), ("k", 1_000)):
        if count >= size:
            return f"{count // size}{unit}"
    return str(count)
