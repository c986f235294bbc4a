"""The once-a-minute gauge sampler: AWS publishes gauges (queue depth, shard count) per minute.

Counters (messages sent, records in) get a point per second as they happen;
gauges are sampled. A per-second timer would make a simulated month of a
quiet scenario cost millions of wake-ups, so a sampler wakes at each whole
simulated minute, and only while its service has something to sample.
"""

from __future__ import annotations

from collections.abc import Callable

from backend.clock import Clock, TimerHandle

#: Seconds between samples: CloudWatch's standard resolution.
PERIOD = 60


class MinuteSampler:
    """Calls `sample(now)` at each whole minute (or `period`) while it returns True."""

    __slots__ = ("_clock", "_handle", "_period", "_sample")

    def __init__(self, clock: Clock, sample: Callable[[float], bool], period: int = PERIOD) -> None:
        self._clock = clock
        self._sample = sample
        self._period = period
        self._handle: TimerHandle | None = None

    def start(self) -> None:
        """Sample from the next whole minute on; nothing if already running."""
        if self._handle is None:
            minute = (int(self._clock.now()) // self._period + 1) * self._period
            self._handle = self._clock.call_at(minute, self._fire)

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _fire(self) -> None:
        now = self._clock.now()
        more = self._sample(now)
        self._handle = self._clock.call_at(now + self._period, self._fire) if more else None
