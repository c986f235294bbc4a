"""Headless runs: the summary, and the same bytes for the same seed."""

from __future__ import annotations

from backend.headless import format_summary, run_headless
from backend.scenarios import load_scenario


async def test_summary_counts_what_the_demo_did() -> None:
    summary = await run_headless(load_scenario("demo"), 600, seed=7)
    queues = {q.name: q for q in summary.queues}
    orders = queues["orders"]
    assert orders.counters.sent > 1000
    assert orders.counters.moved_to_dlq > 0
    assert queues["orders-dlq"].visible == orders.counters.moved_to_dlq
    short, long = queues["notifications-short"], queues["notifications-long"]
    assert short.counters.empty_receives > 10 * long.counters.empty_receives
    calls = {(s, a): n for s, a, n, _ in summary.calls}
    assert calls[("sqs", "CreateQueue")] == 7
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
    queues = {q.name: q for q in summary.queues}
    failed = {(s, a): f for s, a, _, f in summary.calls}
    assert queues["documents"].counters.sent > 20
    assert queues["documents-256k"].counters.sent > 10
    assert failed[("sqs", "SendMessage")] > 5
    assert failed[("sqs", "ReceiveMessage")] == 0
