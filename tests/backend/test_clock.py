"""The virtual clock: timer order, cancelling, idle jumps, waits and woken tasks."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from backend.clock import MAX_SPEED, MIN_SPEED, Clock, RealtimeDriver

START = 1000.0


async def test_timers_fire_in_time_order_and_ties_in_scheduling_order() -> None:
    clock = Clock(START)
    fired: list[tuple[str, float]] = []

    def note(label: str) -> None:
        fired.append((label, clock.now()))

    clock.call_later(3, note, "c")
    clock.call_later(1, note, "a")
    clock.call_at(START + 2, note, "b1")
    clock.call_at(START + 2, note, "b2")
    await clock.advance(10)
    assert fired == [("a", 1001.0), ("b1", 1002.0), ("b2", 1002.0), ("c", 1003.0)]
    assert clock.now() == 1010.0


async def test_a_timer_in_the_past_runs_at_the_current_time() -> None:
    clock = Clock(START)
    seen: list[float] = []
    clock.call_at(START - 50, lambda: seen.append(clock.now()))
    assert clock.next_due() == START
    await clock.advance(0)
    assert seen == [START]


async def test_cancelled_timers_never_fire_and_are_skipped_by_next_due() -> None:
    clock = Clock(START)
    fired: list[str] = []
    early = clock.call_later(1, fired.append, "early")
    clock.call_later(2, fired.append, "late")
    early.cancel()
    assert clock.next_due() == START + 2
    await clock.advance(5)
    assert fired == ["late"]
    assert clock.next_due() is None


async def test_advance_jumps_idle_time_and_stops_short_of_later_timers() -> None:
    clock = Clock(START)
    fired: list[float] = []
    clock.call_later(10, lambda: fired.append(clock.now()))
    await clock.advance(5)
    assert (clock.now(), fired) == (1005.0, [])
    await clock.advance(5)
    assert fired == [1010.0]
    await clock.advance(7 * 86_400)
    assert clock.now() == 1010.0 + 7 * 86_400


async def test_timers_scheduled_by_a_callback_run_in_the_same_advance() -> None:
    clock = Clock(START)
    fired: list[float] = []

    def tick() -> None:
        fired.append(clock.now())
        if len(fired) < 4:
            clock.call_later(2.5, tick)

    clock.call_later(1, tick)
    await clock.advance(100)
    assert fired == [1001.0, 1003.5, 1006.0, 1008.5]


async def test_a_failing_timer_callback_does_not_stop_the_clock() -> None:
    clock = Clock(START)
    fired: list[float] = []

    def boom() -> None:
        raise RuntimeError("boom")

    clock.call_later(1, boom)
    clock.call_later(2, lambda: fired.append(clock.now()))
    await clock.advance(3)
    assert fired == [1002.0]


async def test_sleep_resumes_at_the_simulated_deadline() -> None:
    clock = Clock(START)
    seen: list[float] = []

    async def sleeper() -> None:
        await clock.sleep(5)
        seen.append(clock.now())
        await clock.sleep(2.5)
        seen.append(clock.now())

    task = clock.spawn(sleeper())
    await clock.advance(4)
    assert seen == []
    await clock.advance(100)
    assert seen == [1005.0, 1007.5]
    assert task.done()


async def test_sleep_until_wakes_at_that_very_instant() -> None:
    start, when = 2.0**-53, 1 + 2.0**-52
    assert start + (when - start) != when  # where a sleep of the difference misses it
    clock = Clock(start)
    seen: list[float] = []

    async def sleeper() -> None:
        await clock.sleep_until(when)
        seen.append(clock.now())

    clock.spawn(sleeper())
    await clock.advance(2)
    assert seen == [when]


async def test_wait_returns_true_when_the_signal_fires_first() -> None:
    clock = Clock(START)
    signal = clock.signal()
    results: list[tuple[bool, float]] = []

    async def waiter() -> None:
        woke = await clock.wait(signal, 20)
        results.append((woke, clock.now()))

    clock.spawn(waiter())
    clock.spawn(waiter())
    await clock.settle()
    assert signal.waiting == 2
    clock.call_later(3, signal.fire)
    await clock.advance(30)
    assert results == [(True, 1003.0), (True, 1003.0)]
    assert signal.waiting == 0


async def test_wait_returns_false_at_its_deadline_when_nothing_fires() -> None:
    clock = Clock(START)
    signal = clock.signal()
    results: list[tuple[bool, float]] = []

    async def waiter() -> None:
        woke = await clock.wait(signal, 20)
        results.append((woke, clock.now()))

    clock.spawn(waiter())
    await clock.advance(19.5)
    assert results == []
    await clock.advance(1)
    assert results == [(False, 1020.0)]
    assert signal.waiting == 0
    # The deadline's timer is gone with the wait: firing now wakes nobody.
    signal.fire()
    assert clock.next_due() is None


async def test_a_fired_signal_is_not_remembered_for_later_waiters() -> None:
    clock = Clock(START)
    signal = clock.signal()
    signal.fire()
    results: list[bool] = []

    async def waiter() -> None:
        results.append(await clock.wait(signal, 5))

    clock.spawn(waiter())
    await clock.advance(10)
    assert results == [False]


async def test_spawned_tasks_see_the_time_they_were_woken_at() -> None:
    clock = Clock(START)
    seen: dict[str, list[float]] = {"a": [], "b": []}

    async def ticker(name: str, period: float) -> None:
        for _ in range(3):
            await clock.sleep(period)
            seen[name].append(clock.now())

    clock.spawn(ticker("a", 2))
    clock.spawn(ticker("b", 3))
    await clock.advance(100)
    assert seen == {"a": [1002.0, 1004.0, 1006.0], "b": [1003.0, 1006.0, 1009.0]}


async def test_settle_runs_a_spawned_task_up_to_its_first_wait_without_moving_time() -> None:
    clock = Clock(START)
    steps: list[str] = []

    async def worker() -> None:
        steps.append("started")
        await clock.sleep(1)
        steps.append("slept")

    clock.spawn(worker())
    assert steps == []
    await clock.settle()
    assert steps == ["started"]
    assert clock.now() == START


async def test_a_task_woken_by_a_timer_runs_before_the_next_timer_fires() -> None:
    clock = Clock(START)
    order: list[tuple[str, float]] = []

    async def worker() -> None:
        await clock.sleep(1)
        order.append(("task", clock.now()))
        # Scheduled from the woken task: due before the timer already waiting at +1.5.
        clock.call_later(0.25, lambda: order.append(("from task", clock.now())))

    clock.spawn(worker())
    clock.call_later(1.5, lambda: order.append(("timer", clock.now())))
    await clock.advance(2)
    assert order == [("task", 1001.0), ("from task", 1001.25), ("timer", 1001.5)]


async def test_a_task_woken_by_a_signal_from_a_timer_sees_that_time() -> None:
    clock = Clock(START)
    signal = clock.signal()
    seen: list[float] = []

    async def waiter() -> None:
        await clock.wait(signal, 60)
        seen.append(clock.now())
        await clock.sleep(1)
        seen.append(clock.now())

    clock.spawn(waiter())
    clock.call_later(7, signal.fire)
    clock.call_later(7.5, lambda: seen.append(-clock.now()))
    await clock.advance(60)
    assert seen == [1007.0, -1007.5, 1008.0]


async def test_cancelling_waiting_tasks_leaves_the_clock_usable() -> None:
    clock = Clock(START)
    signal = clock.signal()

    async def waiter() -> None:
        await clock.wait(signal, 100)

    waiting = clock.spawn(waiter())
    woken_then_cancelled = clock.spawn(waiter())
    never_started = clock.spawn(waiter())
    never_started.cancel()
    await clock.settle()
    waiting.cancel()
    signal.fire()  # wakes the second waiter, which is cancelled before it runs
    woken_then_cancelled.cancel()
    for task in (waiting, woken_then_cancelled, never_started):
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await clock.settle()
    assert signal.waiting == 0
    seen: list[float] = []
    clock.call_later(1, lambda: seen.append(clock.now()))
    await clock.advance(1)
    assert seen == [1001.0]


# -- RealtimeDriver ---------------------------------------------------------------


class FakeWall:
    """A wall clock the test moves by hand."""

    def __init__(self) -> None:
        self.t = 50_000.0

    def __call__(self) -> float:
        return self.t


async def spin_until(clock: Clock, when: float, turns: int = 200) -> None:
    """Let the driver's loop run until the clock reaches `when` (bounded)."""
    for _ in range(turns):
        if clock.now() >= when:
            return
        await asyncio.sleep(0)
    raise AssertionError(f"clock stuck at {clock.now()}, expected {when}")


async def spin(turns: int = 50) -> None:
    for _ in range(turns):
        await asyncio.sleep(0)


@contextlib.asynccontextmanager
async def running(driver: RealtimeDriver) -> AsyncIterator[None]:
    """The driver's loop as a task for the block's duration, cancelled after."""
    task = asyncio.create_task(driver.run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_realtime_driver_runs_sim_time_at_speed_times_wall_time() -> None:
    clock = Clock(START)
    wall = FakeWall()
    fired: list[float] = []
    clock.call_later(4, lambda: fired.append(clock.now()))
    driver = RealtimeDriver(clock, wall, speed=2.0, max_wait=0)
    async with running(driver):
        await spin()
        assert clock.now() == START
        wall.t += 3
        await spin_until(clock, START + 6)
        assert clock.now() == START + 6
        assert fired == [START + 4]


async def test_realtime_driver_pause_freezes_time_and_resume_continues_from_there() -> None:
    clock = Clock(START)
    wall = FakeWall()
    driver = RealtimeDriver(clock, wall, speed=10.0, max_wait=0)
    async with running(driver):
        wall.t += 1
        await spin_until(clock, START + 10)
        driver.paused = True
        assert driver.paused
        wall.t += 100
        await spin()
        assert clock.now() == START + 10
        driver.paused = False
        await spin()
        assert clock.now() == START + 10
        wall.t += 0.5
        await spin_until(clock, START + 15)
        assert clock.now() == START + 15


async def test_realtime_driver_speed_change_keeps_the_time_already_run() -> None:
    clock = Clock(START)
    wall = FakeWall()
    driver = RealtimeDriver(clock, wall, speed=1.0, max_wait=0)
    async with running(driver):
        wall.t += 4
        await spin_until(clock, START + 4)
        driver.speed = 60
        assert driver.speed == 60
        wall.t += 2
        await spin_until(clock, START + 124)
        assert clock.now() == START + 124


async def test_a_paused_driver_still_sleeps_when_a_timer_is_added() -> None:
    clock = Clock(START)
    wall = FakeWall()
    driver = RealtimeDriver(clock, wall, paused=True, max_wait=0)
    async with running(driver):
        await spin()
        fired: list[float] = []
        clock.call_later(0, lambda: fired.append(clock.now()))
        wall.t += 30
        await spin()
        # The nudge wakes the loop, but paused time does not move: only the due-now timer runs.
        assert fired == [START]
        assert clock.now() == START


def test_driver_speed_is_clamped() -> None:
    clock = Clock(START)
    driver = RealtimeDriver(clock, FakeWall(), speed=1e9)
    assert driver.speed == MAX_SPEED
    driver.speed = 0
    assert driver.speed == MIN_SPEED


def test_the_driver_sleeps_until_the_next_timer_within_min_and_max_wait() -> None:
    """At 300x the demo has a timer due every fraction of a wall millisecond: waking for
    each cost more than the timers did, so the driver sleeps at least `min_wait`."""
    clock = Clock(START)
    driver = RealtimeDriver(clock, FakeWall(), speed=100, min_wait=0.05, max_wait=0.25)
    assert driver.next_wait() == 0.25  # nothing due: the longest nap
    clock.call_later(0.001, lambda: None)
    assert driver.next_wait() == 0.05  # due at once: still the floor
    later = Clock(START)
    driver = RealtimeDriver(later, FakeWall(), speed=100, min_wait=0.05, max_wait=0.25)
    later.call_later(10, lambda: None)
    assert driver.next_wait() == pytest.approx(0.1)  # 10 simulated s at 100x
    driver.paused = True
    assert driver.next_wait() is None  # paused: only a nudge wakes it
