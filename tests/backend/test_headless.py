"""Headless runs: the summary, the same bytes for the same seed, steps and Ctrl-C."""

from __future__ import annotations

import asyncio
import math

import pytest

from backend.cloud import Cloud
from backend.durations import format_duration
from backend.headless import LAST_STAMP, STEP, check_run_length, format_summary, run_headless
from backend.scenarios import load_scenario, parse_scenario
from backend.services.sqs import SqsService


async def test_summary_counts_what_the_demo_did() -> None:
    summary = await run_headless(load_scenario("demo"), 600, seed=7)
    queues = {q.name: q for q in summary.cloud.service(SqsService).queues.values()}
    orders = queues["orders"]
    assert orders.counters.sent > 1000
    assert orders.counters.moved_to_dlq > 0
    assert queues["orders-dlq"].n_visible == orders.counters.moved_to_dlq
    short, long = queues["notifications-short"], queues["notifications-long"]
    assert short.counters.empty_receives > 10 * long.counters.empty_receives
    calls = {(s, a): n for s, a, n, _ in summary.calls}
    assert calls[("sqs", "CreateQueue")] == 9
    trail = summary.cloud.trail
    assert not trail.data, "no pane browses a headless run, and the demo's trail takes none"
    assert trail.recorded == sum(calls.values())
    assert summary.end - summary.start == 600
    text = format_summary(summary)
    assert "orders-dlq" in text
    assert "API calls by action" in text


async def test_same_seed_same_summary_other_seed_other_summary() -> None:
    demo = load_scenario("demo")
    first = format_summary(await run_headless(demo, 300, seed=11))
    second = format_summary(await run_headless(demo, 300, seed=11))
    other = format_summary(await run_headless(demo, 300, seed=12))
    assert first == second
    assert first != other


async def test_the_demo_shows_both_message_size_limits() -> None:
    summary = await run_headless(load_scenario("demo"), 1800, seed=7)
    queues = {q.name: q for q in summary.cloud.service(SqsService).queues.values()}
    failed = {(s, a): f for s, a, _, f in summary.calls}
    assert queues["documents"].counters.sent > 20
    assert queues["documents-256k"].counters.sent > 10
    assert failed[("sqs", "SendMessage")] > 5
    assert failed[("sqs", "ReceiveMessage")] == 0


async def test_stepping_in_chunks_gives_the_same_bytes_as_one_step() -> None:
    # Twenty minutes hold every periodic thing the demo does several times over:
    # two ten-minute swings of the order rate, the clickstream's two-minute
    # batches, Firehose's one-minute buffer, the once-a-minute samplers and sweeps.
    demo = load_scenario("demo")
    span = 1200
    reports: list[float] = []

    def record(done: float, total: float, cloud: Cloud) -> None:
        assert total == span
        assert cloud.clock.now() == demo.start + done
        reports.append(done)

    whole = await run_headless(demo, span, seed=7, step=math.inf)
    chunked = await run_headless(demo, span, seed=7, on_progress=record)
    assert sum(count for _, _, count, _ in whole.calls) > 10_000
    assert format_summary(chunked) == format_summary(whole)
    assert reports == [i * STEP for i in range(int(span / STEP) + 1)]
    assert not chunked.interrupted


async def test_idle_time_is_jumped_not_stepped() -> None:
    quiet = parse_scenario(
        '[scenario]\nname = "quiet"\nstart = 2026-11-29T09:00:00Z\n', "quiet.toml"
    )
    reports: list[float] = []
    summary = await run_headless(
        quiet, 100_000 * 86400, on_progress=lambda d, t, c: reports.append(d)
    )
    assert reports == [0, 100_000 * 86400]
    assert summary.end - summary.start == 100_000 * 86400


async def test_cancelling_between_steps_returns_what_ran_marked_interrupted() -> None:
    demo = load_scenario("demo")

    def cancel_at_ten_minutes(done: float, total: float, cloud: Cloud) -> None:
        if done == 600:
            run.cancel()

    run = asyncio.create_task(run_headless(demo, 86400, seed=7, on_progress=cancel_at_ten_minutes))
    summary = await run
    assert summary.interrupted
    assert summary.end - summary.start == 600
    text = format_summary(summary)
    interrupted = (
        f"interrupted at 2026-11-29 09:10:00 UTC, after {format_duration(600)} "
        f"of {format_duration(86400)}\n"
    )
    assert interrupted in text
    ten_minutes = format_summary(await run_headless(demo, 600, seed=7))
    assert text.replace(interrupted, "") == ten_minutes


async def test_a_cancellation_inside_a_step_stops_there() -> None:
    demo = load_scenario("demo")

    def cancel_during_the_next_step(done: float, total: float, cloud: Cloud) -> None:
        if done == 600:
            asyncio.get_running_loop().call_soon(run.cancel)

    run = asyncio.create_task(
        run_headless(demo, 86400, seed=7, on_progress=cancel_during_the_next_step)
    )
    summary = await run
    assert summary.interrupted
    assert 600 <= summary.end - summary.start < 600 + STEP
    assert sum(count for _, _, count, _ in summary.calls) > 1000
    assert not run.cancelled()


def test_a_run_must_last_and_must_end_before_year_10000() -> None:
    demo = load_scenario("demo")
    check_run_length(demo, 100_000 * 86400)
    check_run_length(demo, LAST_STAMP - demo.start)
    for seconds in (0.0, -60.0):
        with pytest.raises(ValueError, match="longer than zero"):
            check_run_length(demo, seconds)
    for seconds in (LAST_STAMP - demo.start + 1, math.inf):
        with pytest.raises(ValueError, match=r"at most .*year 9999"):
            check_run_length(demo, seconds)
