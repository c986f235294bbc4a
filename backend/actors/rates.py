"""Traffic shapes: how an actor's rate varies over simulated time.

A rate swings around its base (a sine of its period: ten minutes for a
busy-quiet cycle, 24 hours for a day's pattern), and may surge: an incident,
a campaign, a bot, at a set time for a while, so that what watches the
traffic (an anomaly detection alarm) has something to catch.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

from backend.kit.scenario import Reader


@dataclass(frozen=True, slots=True)
class Surge:
    """The rate `times` over for `duration` seconds from `start` (seconds into the run)."""

    start: float
    duration: float
    times: float

    def covers(self, elapsed: float) -> bool:
        return self.start <= elapsed < self.start + self.duration


@dataclass(frozen=True, slots=True)
class Rate:
    """Events per second: `base`, swinging by `amplitude` over `period` seconds, and surging.

    Arrivals are Poisson at the current rate (thinning against the peak), so
    traffic looks like many independent users rather than a metronome.
    """

    base: float
    amplitude: float = 0.0
    period: float = 600.0
    surges: tuple[Surge, ...] = ()
    #: `peak`, worked out once: every arrival's thinning reads it.
    _peak: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.base < 0 or self.amplitude < 0 or self.period <= 0:
            raise ValueError("rate: base and amplitude must be >= 0 and period > 0")
        if self.base + self.amplitude <= 0:
            raise ValueError("rate: base + amplitude must be > 0")
        if any(s.duration <= 0 or s.times <= 0 for s in self.surges):
            raise ValueError("rate: a surge lasts more than 0 s and multiplies by more than 0")
        peak = (self.base + self.amplitude) * max((s.times for s in self.surges), default=1.0)
        object.__setattr__(self, "_peak", peak)

    @property
    def peak(self) -> float:
        """The most the rate ever is: what thinning draws candidates at."""
        return self._peak

    def at(self, elapsed: float) -> float:
        rate = self.base
        if self.amplitude:
            rate += self.amplitude * math.sin(2 * math.pi * elapsed / self.period)
            if rate < 0.0:
                rate = 0.0
        for surge in self.surges:
            if surge.covers(elapsed):
                rate *= surge.times
        return rate

    def next_arrival(self, elapsed: float, rng: random.Random) -> float:
        """Seconds from `elapsed` until the next arrival."""
        peak = self._peak
        wait = 0.0
        while True:
            wait += rng.expovariate(peak)
            if rng.random() * peak <= self.at(elapsed + wait):
                return wait


def read_rate(table: Reader, unit: str) -> Rate:
    """The actor's `rate`: a number of `unit`, or `{base, amplitude, period, surges}`.

    `surges` is a list of `{at, for, times}`: from `at` into the run, for
    `for`, the rate is `times` what it would be.
    """
    value = table.get("rate", (int, float, dict))
    if value is None:
        raise table.fail(f"rate is required ({unit}, or {{base, amplitude, period}})")
    if isinstance(value, int | float):
        values: dict[str, Any] = {"base": float(value)}
    else:
        shape = Reader(table.source, f"{table.where}.rate", value)
        values = {
            "base": shape.number("base", 1.0, 0.0, 100_000.0),
            "amplitude": shape.number("amplitude", 0.0, 0.0, 100_000.0),
            "period": shape.duration("period", 600.0),
            "surges": tuple(_surge(surge) for surge in shape.tables("surges")),
        }
        shape.done()
    try:
        return Rate(**values)
    except ValueError as error:
        raise table.fail(str(error)) from None


def _surge(table: Reader) -> Surge:
    start = table.duration("at")
    duration = table.duration("for")
    if start is None or duration is None:
        raise table.fail('a surge needs `at` and `for` (durations: at = "2d6h", for = "30m")')
    times = table.number("times", 2.0, 0.0, 1000.0)
    table.done()
    return Surge(start, duration, times)
