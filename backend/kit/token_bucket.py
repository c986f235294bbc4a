"""A token bucket on the virtual clock: AWS's per-second limits, burst and all.

AWS throttles by rate (a Kinesis shard's 1 MiB/s, SQS FIFO's 300 calls/s)
and lets a full bucket's worth through at once. The bucket refills from the
time it is asked at, so it needs no timer and costs nothing while idle, and
paused or time-lapsed clocks throttle exactly as real seconds would.
"""

from __future__ import annotations


class TokenBucket:
    """`rate` tokens a second, holding at most `burst` (default: one second's worth)."""

    __slots__ = ("_last", "_tokens", "burst", "rate")

    def __init__(self, rate: float, burst: float | None = None, *, now: float = 0.0) -> None:
        self.rate = rate
        self.burst = rate if burst is None else burst
        self._tokens = self.burst
        self._last = now

    def available(self, now: float) -> float:
        """The tokens there are at `now` (never more than `burst`)."""
        if now > self._last:
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
        return self._tokens

    def take(self, now: float, amount: float = 1.0) -> bool:
        """Take `amount` tokens at `now` if there are that many; False (and take none) if not."""
        if self.available(now) < amount:
            return False
        self._tokens -= amount
        return True

    def spend(self, now: float, amount: float) -> None:
        """Take `amount` even past empty: a read that was already let through still costs.

        Kinesis lets a GetRecords through on the tokens left and charges its
        whole size; the debt delays the next read, as the real limit does.
        """
        self.available(now)
        self._tokens -= amount

    def retune(self, rate: float, burst: float | None = None) -> None:
        """A new rate (a shard's limit after resharding), keeping the tokens held."""
        self.rate = rate
        self.burst = rate if burst is None else burst
        self._tokens = min(self._tokens, self.burst)
