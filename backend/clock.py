"""Virtual time: one timer heap that every simulated behaviour runs on.

Nothing in `backend/` reads the wall clock. Visibility timeouts, long polls,
retention, actors' think times: all are timers on this heap, so the same
scenario runs identically whether the dashboard drives the clock in real time
(`RealtimeDriver`) or a test steps it by hand (`Clock.advance`).

Stepping by hand has one subtlety. A coroutine a timer wakes (a long poll, an
actor's sleep) must run before `advance` fires any later timer, or it would
observe the wrong time. The clock's own tasks (`spawn`, `ClockTask`) wait by
yielding to the clock, which keeps the woken ones in a FIFO and runs each to
its next wait right after the timer or signal that woke it, with no event-loop
turn in between: a future, two loop callbacks and a loop turn made a wake cost
more than twice as much, and the demo has tens of thousands an hour. A plain
asyncio task waiting on the clock (an HTTP request's long poll) is woken
through a future; the clock counts those that have not yet run to their next
wait (`_woken`), and `advance` lets the loop run until that count is zero
before it fires the next timer. Every wait inside the backend therefore goes
through the clock (`sleep`, `wait`, `spawn`), never through bare
`asyncio.sleep` or `asyncio.Event`.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import types
from collections import deque
from collections.abc import Callable, Coroutine, Generator
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

#: How many loop turns `settle` allows before it decides a woken task is lost.
_SETTLE_LIMIT = 100_000
#: `advance` gives the event loop a turn every this many timers, even when every task it
#: wakes is the clock's own: the dashboard's keys, HTTP requests and a Ctrl-C still get
#: in during a long advance. Counted over the clock's life, not per advance, so where the
#: turns fall does not depend on how a run is cut into advances.
_TURN_EVERY = 256

MIN_SPEED = 0.1
MAX_SPEED = 1000.0


@types.coroutine
def _loop_turn() -> Generator[None, None, None]:
    """Give the event loop one turn: `asyncio.sleep(0)` without its two coroutine frames."""
    yield


#: What a clock task's coroutine yields to its task while it waits on the clock.
_SUSPEND = object()


@types.coroutine
def _suspend() -> Generator[object, Any, Any]:
    """Hand a clock task back to the clock until it is resumed; returns what resumed it."""
    return (yield _SUSPEND)


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
        #: In the order they began to wait: a clock task's wait as (task, token), an
        #: asyncio task's as the future it awaits.
        self._waiters: dict[tuple[ClockTask[Any], int] | asyncio.Future[bool], None] = {}

    def fire(self) -> None:
        if not self._waiters:
            return
        waiters, self._waiters = self._waiters, {}
        clock = self._clock
        for waiter in waiters:
            if isinstance(waiter, tuple):
                clock._resume(*waiter, True)
            else:
                clock._wake(waiter, True)

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
        #: Asyncio tasks woken through a future that have not yet run to their next wait.
        self._woken = 0
        #: Clock tasks to step, in the order they were woken, with what resumes each.
        self._runnable: deque[tuple[ClockTask[Any], object]] = deque()
        #: The clock task being stepped, whose waits yield to the clock.
        self._running: ClockTask[Any] | None = None
        #: Whether a loop callback to step `_runnable` is on its way (see `_ready`).
        self._step_soon = False
        #: Timers fired over the clock's life, for `_TURN_EVERY`.
        self._fired = 0
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

    def _resume(self, task: ClockTask[Any], token: int, value: bool) -> None:
        """Wake `task` from its wait numbered `token`, unless it has left that wait already."""
        if task._waiting and task._token == token:
            task._waiting = False
            task._token = token + 1
            self._ready(task, value)

    def _ready(self, task: ClockTask[Any], value: object) -> None:
        """Queue `task` to be stepped with `value`.

        `advance` and `settle` step the queue as soon as the timer or task that
        woke it returns; a wake from anywhere else (an HTTP request's message
        ending a long poll, a cancellation) is stepped on the loop's next turn.
        Once the loop is closed nothing runs any more: a clock task is not an
        asyncio task, so the loop's shutdown does not cancel it, and its
        coroutine's `finally` (cancelling its workers) runs when it is
        collected, with no loop left to step them.
        """
        if not self._step_soon:
            loop = task.get_loop()
            if loop.is_closed():
                return
            self._step_soon = True
            loop.call_soon(self._step_later)
        self._runnable.append((task, value))

    def _step_later(self) -> None:
        self._step_soon = False
        self._step_runnable()

    def _step_runnable(self) -> None:
        runnable = self._runnable
        while runnable:
            task, value = runnable.popleft()
            task._step(value)

    async def wait(self, signal: Signal | None, seconds: float) -> bool:
        """Wait until `signal` fires (True) or `seconds` of simulated time pass (False)."""
        task = self._running
        if task is None:
            return await self._wait_future(signal, seconds)
        token = task._token
        if signal is not None:
            signal._waiters[(task, token)] = None
        handle = self.call_at(self._now + seconds, self._resume, task, token, False)
        try:
            woke: bool = await _suspend()
            return woke
        finally:
            handle.cancel()
            if signal is not None:
                signal._waiters.pop((task, token), None)

    async def _wait_future(self, signal: Signal | None, seconds: float) -> bool:
        """`wait` in a task that is not the clock's: through a future the loop resolves."""
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

    def sleep(self, delay: float) -> Coroutine[Any, Any, None]:
        """`sleep_until` `delay` seconds from now (read when called, not when awaited)."""
        return self.sleep_until(self._now + delay)

    async def sleep_until(self, when: float) -> None:
        """`wait` until `when` with no signal, in one coroutine of its own.

        Every actor's step sleeps, so this skips what only a signal needs, and
        cancels nothing: a sleep ended early (its task cancelled) leaves a
        timer that finds the sleep over and does nothing. An actor that has
        worked out the instant it wakes at sleeps to that instant: `sleep(when
        - now)` lands on it only as far as the float sum rounds back to it.
        """
        task = self._running
        if task is not None:
            self.call_at(when, self._resume, task, task._token, False)
            await _suspend()
            return
        fut: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.call_at(when, self._wake, fut, False)
        try:
            await fut
        finally:
            if fut.done() and not fut.cancelled():
                self._woken -= 1

    def spawn(self, coro: Coroutine[Any, Any, T], *, name: str | None = None) -> ClockTask[T]:
        """Start `coro` as a clock task; its first step comes at the next `settle` or loop turn."""
        task = ClockTask(self, coro, name)
        self._ready(task, None)
        return task

    # -- stepping ---------------------------------------------------------------

    async def settle(self) -> None:
        """Let every task the clock has woken run until it waits again."""
        turns = 0
        while True:
            if self._runnable:
                self._step_runnable()
            if self._woken <= 0:
                return
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
            if self._runnable:
                self._step_runnable()
            self._fired += 1
            if self._woken or not self._fired % _TURN_EVERY:
                # One turn usually lets a woken asyncio task reach its next wait;
                # `settle` (a coroutine of its own) only for the rest.
                await _loop_turn()
                if self._woken or self._runnable:
                    await self.settle()
        self._now = max(self._now, when)


class ClockTask(asyncio.Future[T], Generic[T]):
    """A coroutine the clock steps itself: what `Clock.spawn` starts.

    Its waits on the clock (`Clock.sleep`, `Clock.wait`) yield to the clock,
    which resumes it directly when the timer fires or the signal is given.
    Anything else it awaits (an asyncio future, `asyncio.gather`) works as in
    an asyncio task: the future's completion steps it from the loop. It is a
    future itself, so it is awaited, gathered and cancelled like a task; a
    failure is logged, since nobody may be awaiting it. It is not an asyncio
    task, though: `asyncio.current_task()` inside it is whichever task drives
    the clock, so `asyncio.timeout` has no place in it (`Clock.wait` is how the
    backend waits with a deadline).
    """

    def __init__(self, clock: Clock, coro: Coroutine[Any, Any, T], name: str | None) -> None:
        super().__init__(loop=asyncio.get_running_loop())
        self._clock = clock
        self._coro = coro
        self._name = name or repr(coro)
        #: Numbers the task's waits on the clock, so a stale timer or signal is ignored.
        self._token = 0
        #: Waiting on the clock (not yet woken).
        self._waiting = False
        self._must_cancel = False
        self._cancel_message: str | None = None
        #: The asyncio future it awaits, if any.
        self._fut_waiter: asyncio.Future[Any] | None = None

    def get_name(self) -> str:
        return self._name

    def cancel(self, msg: Any = None) -> bool:
        """Throw CancelledError into the coroutine at its next step, as `Task.cancel` does."""
        if self.done():
            return False
        waiter = self._fut_waiter
        if waiter is not None and waiter.cancel(msg=msg):
            return True
        self._must_cancel = True
        self._cancel_message = msg
        if self._waiting:
            self._waiting = False
            self._token += 1
            self._clock._ready(self, None)
        return True

    def _step(self, value: object = None, exc: BaseException | None = None) -> None:
        if self.done():
            return
        if self._must_cancel:
            self._must_cancel = False
            exc = asyncio.CancelledError(self._cancel_message)
        clock = self._clock
        outer, clock._running = clock._running, self
        try:
            yielded = self._coro.send(value) if exc is None else self._coro.throw(exc)
        except StopIteration as stop:
            if self._must_cancel:
                super().cancel(msg=self._cancel_message)
            else:
                super().set_result(stop.value)
        except asyncio.CancelledError:
            super().cancel()
        except (KeyboardInterrupt, SystemExit) as error:
            super().set_exception(error)
            raise
        except BaseException as error:
            super().set_exception(error)
            log.error("task %s failed", self._name, exc_info=error)
            self.exception()  # retrieved: logged here, not again when collected
        else:
            self._suspended(yielded)
        finally:
            clock._running = outer

    def _suspended(self, yielded: object) -> None:
        """Arrange the next step after the coroutine yielded `yielded`."""
        if yielded is _SUSPEND:
            if self._must_cancel:
                self._token += 1
                self._clock._ready(self, None)
            else:
                self._waiting = True
        elif yielded is None:
            self.get_loop().call_soon(self._step)
        elif getattr(yielded, "_asyncio_future_blocking", None):
            future: asyncio.Future[Any] = yielded  # type: ignore[assignment]
            future._asyncio_future_blocking = False
            future.add_done_callback(self._wakeup)
            self._fut_waiter = future
            if self._must_cancel and future.cancel(msg=self._cancel_message):
                self._must_cancel = False
        else:
            error = RuntimeError(f"task {self._name} yielded {yielded!r}, not a future")
            self.get_loop().call_soon(self._step, None, error)

    def _wakeup(self, future: asyncio.Future[Any]) -> None:
        self._fut_waiter = None
        try:
            future.result()
        except BaseException as error:
            self._step(None, error)
        else:
            self._step()


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
