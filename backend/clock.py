"""Virtual time: one timer heap that every simulated behaviour runs on.

Nothing in `backend/` reads the wall clock. Visibility timeouts, long polls,
retention, actors' think times: all are timers on this heap, so the same
scenario runs identically whether the dashboard drives the clock in real time
(`RealtimeDriver`) or a test steps it by hand (`Clock.advance`).

Stepping by hand has one subtlety. A timer that wakes a coroutine (a long poll,
an actor's sleep) only *schedules* it on the asyncio loop; if `advance` went on
firing later timers before that coroutine ran, the coroutine would observe the
wrong time. So the clock counts the tasks it has woken and that have not yet
run to their next wait (`_woken`), and `advance` lets the loop run until that
count is zero before it fires the next timer. Every wait inside the backend
therefore goes through the clock (`sleep`, `wait`, `spawn`), never through bare
`asyncio.sleep` or `asyncio.Event`.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import types
from collections.abc import Callable, Coroutine, Generator
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

#: How many loop turns `settle` allows before it decides a woken task is lost.
_SETTLE_LIMIT = 100_000

MIN_SPEED = 0.1
MAX_SPEED = 1000.0


@types.coroutine
def _loop_turn() -> Generator[None, None, None]:
    """Give the event loop one turn: `asyncio.sleep(0)` without its two coroutine frames."""
    yield


class TimerHandle:
    """A scheduled callback; `cancel()` is O(1) (the heap drops it lazily)."""

    __slots__ = ("args", "callback", "cancelled", "seq", "when")

    def __init__(
        self, when: float, seq: int, callback: Callable[..., object], args: tuple[object, ...]
    ) -> None:
        self.when = when
        self.seq = seq
        self.callback = callback
        self.args = args
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class Signal:
    """A level-free wake-up: `fire()` wakes every coroutine waiting in `Clock.wait`.

    Used where a waiter must react to something other than time, e.g. a long
    poll that returns as soon as a message arrives.
    """

    __slots__ = ("_clock", "_waiters")

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._waiters: dict[asyncio.Future[bool], None] = {}

    def fire(self) -> None:
        if not self._waiters:
            return
        waiters, self._waiters = self._waiters, {}
        for fut in waiters:
            self._clock._wake(fut, True)

    @property
    def waiting(self) -> int:
        return len(self._waiters)


class Clock:
    """Simulated time in epoch seconds, and the heap of timers due on it."""

    def __init__(self, start: float) -> None:
        self._now = float(start)
        #: (when, seq, handle): tuples compare in C, where a `__lt__` on the
        #: handle cost a Python call per comparison, a dozen per timer.
        self._heap: list[tuple[float, int, TimerHandle]] = []
        self._seq = itertools.count()
        self._woken = 0
        self._on_earlier_timer: Callable[[], None] | None = None

    def now(self) -> float:
        return self._now

    # -- scheduling -------------------------------------------------------------

    def call_at(self, when: float, callback: Callable[..., object], *args: object) -> TimerHandle:
        if when < self._now:
            when = self._now
        seq = next(self._seq)
        handle = TimerHandle(when, seq, callback, args)
        heap = self._heap
        entry = (when, seq, handle)
        if self._on_earlier_timer is not None and (not heap or entry < heap[0]):
            heapq.heappush(heap, entry)
            self._on_earlier_timer()
        else:
            heapq.heappush(heap, entry)
        return handle

    def call_later(
        self, delay: float, callback: Callable[..., object], *args: object
    ) -> TimerHandle:
        return self.call_at(self._now + delay, callback, *args)

    def next_due(self) -> float | None:
        """When the earliest live timer is due, or None when nothing is scheduled."""
        heap = self._heap
        while heap and heap[0][2].cancelled:
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def signal(self) -> Signal:
        return Signal(self)

    # -- waiting ----------------------------------------------------------------

    def _wake(self, fut: asyncio.Future[bool], value: bool) -> None:
        if not fut.done():
            fut.set_result(value)
            self._woken += 1

    async def wait(self, signal: Signal | None, seconds: float) -> bool:
        """Wait until `signal` fires (True) or `seconds` of simulated time pass (False)."""
        fut: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        if signal is not None:
            signal._waiters[fut] = None
        handle = self.call_later(seconds, self._wake, fut, False)
        try:
            return await fut
        finally:
            handle.cancel()
            if fut.done() and not fut.cancelled():
                self._woken -= 1
            if signal is not None:
                signal._waiters.pop(fut, None)

    async def sleep(self, delay: float) -> None:
        """`wait` for `delay` seconds with no signal, in one coroutine of its own.

        Every actor's step sleeps, so this skips what only a signal needs, and
        cancels nothing: a sleep ended early (its task cancelled) leaves a
        timer that finds the future done and does nothing.
        """
        fut: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.call_at(self._now + delay, self._wake, fut, False)
        try:
            await fut
        finally:
            if fut.done() and not fut.cancelled():
                self._woken -= 1

    def spawn(self, coro: Coroutine[Any, Any, T], *, name: str | None = None) -> asyncio.Task[T]:
        """Start a task whose first steps count as woken, so `advance` lets it start."""
        started = False

        async def run() -> T:
            nonlocal started
            started = True
            self._woken -= 1
            return await coro

        def done(task: asyncio.Task[T]) -> None:
            if not started:
                self._woken -= 1
                coro.close()
            elif not task.cancelled() and task.exception() is not None:
                log.error("task %s failed", task.get_name(), exc_info=task.exception())

        self._woken += 1
        task = asyncio.get_running_loop().create_task(run(), name=name)
        task.add_done_callback(done)
        return task

    # -- stepping ---------------------------------------------------------------

    async def settle(self) -> None:
        """Let every task the clock has woken run until it waits again."""
        turns = 0
        while self._woken > 0:
            await _loop_turn()
            turns += 1
            if turns > _SETTLE_LIMIT:
                raise RuntimeError(f"clock: {self._woken} woken task(s) never ran")

    async def advance(self, seconds: float) -> None:
        """Run every timer due in the next `seconds`, in order; jump over idle time."""
        await self.advance_to(self._now + seconds)

    async def advance_to(self, when: float) -> None:
        heap = self._heap
        await self.settle()
        while heap:
            due, _, head = heap[0]
            if head.cancelled:
                heapq.heappop(heap)
                continue
            if due > when:
                break
            heapq.heappop(heap)
            self._now = due
            try:
                head.callback(*head.args)
            except Exception:
                log.exception("timer callback %r failed", head.callback)
            if self._woken:
                # One turn usually lets the woken task reach its next wait;
                # `settle` (a coroutine of its own) only for the rest.
                await _loop_turn()
                if self._woken:
                    await self.settle()
        self._now = max(self._now, when)


class RealtimeDriver:
    """Runs a `Clock` at `speed` times the wall clock, pausable.

    The wall clock is injected (`wall`) rather than read here, so this module
    stays free of wall-time reads; the dashboard and `skydeck serve` pass
    `time.monotonic`.

    Between advances it sleeps until the next timer is due, but at least
    `min_wait` wall seconds: at 300x the demo has a timer due every fraction
    of a wall millisecond, and waking for each cost more than the timers did.
    Timers still fire in order at their simulated times; a timer is at most
    `min_wait` late by the wall clock, which no one can tell at 4 ms.
    """

    def __init__(
        self,
        clock: Clock,
        wall: Callable[[], float],
        *,
        speed: float = 1.0,
        paused: bool = False,
        max_wait: float = 0.25,
        min_wait: float = 0.004,
    ) -> None:
        self.clock = clock
        self._wall = wall
        self._speed = clamp_speed(speed)
        self._paused = paused
        self._max_wait = max_wait
        self._min_wait = min(min_wait, max_wait)
        self._anchor_wall = wall()
        self._anchor_sim = clock.now()
        self._nudge = asyncio.Event()
        clock._on_earlier_timer = self._nudge.set

    @property
    def speed(self) -> float:
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        self._reanchor()
        self._speed = clamp_speed(value)
        self._nudge.set()

    @property
    def paused(self) -> bool:
        return self._paused

    @paused.setter
    def paused(self, value: bool) -> None:
        self._reanchor()
        self._paused = value
        self._nudge.set()

    def _reanchor(self) -> None:
        self._anchor_sim = self._target()
        self._anchor_wall = self._wall()

    def _target(self) -> float:
        if self._paused:
            return self._anchor_sim
        return self._anchor_sim + (self._wall() - self._anchor_wall) * self._speed

    async def run(self) -> None:
        """Advance the clock for ever; cancel the task to stop."""
        while True:
            await self.clock.advance_to(self._target())
            self._nudge.clear()
            # `asyncio.timeout` rather than `wait_for`, which made a task per wait.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.next_wait()):
                    await self._nudge.wait()

    def next_wait(self) -> float | None:
        """Wall seconds to sleep before the next advance (unless nudged); None while paused.

        Until the next timer is due, within `min_wait` and `max_wait`.
        """
        if self._paused:
            return None
        due = self.clock.next_due()
        if due is None:
            return self._max_wait
        return min(self._max_wait, max(self._min_wait, (due - self.clock.now()) / self._speed))


def clamp_speed(speed: float) -> float:
    return min(MAX_SPEED, max(MIN_SPEED, speed))
