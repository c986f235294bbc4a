"""Traffic shapes: how an actor's rate varies over simulated time."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from backend.kit.scenario import Reader


@dataclass(frozen=True, slots=True)
class Rate:
    """Events per second: `base`, swinging by `amplitude` over `period` seconds.

    Arrivals are Poisson at the current rate (thinning against the peak), so
    traffic looks like many independent users rather than a metronome.
    """

    base: float
    amplitude: float = 0.0
    period: float = 600.0

    def __post_init__(self) -> None:
        if self.base < 0 or self.amplitude < 0 or self.period <= 0:
            raise ValueError("rate: base and amplitude must be >= 0 and period > 0")
        if self.peak <= 0:
            raise ValueError("rate: base + amplitude must be > 0")

    @property
    def peak(self) -> float:
        return self.base + self.amplitude

    def at(self, elapsed: float) -> float:
        swing = self.amplitude * math.sin(2 * math.pi * elapsed / self.period)
        return max(0.0, self.base + swing)

    def next_arrival(self, elapsed: float, rng: random.Random) -> float:
        """Seconds from `elapsed` until the next arrival."""
        wait = 0.0
        while True:
            wait += rng.expovariate(self.peak)
            if rng.random() * self.peak <= self.at(elapsed + wait):
                return wait


def read_rate(table: Reader, unit: str) -> Rate:
    """The actor's `rate`: a number of `unit`, or `{base, amplitude, period}`."""
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
        }
        shape.done()
    try:
        return Rate(**values)
    except ValueError as error:
        raise table.fail(str(error)) from None
