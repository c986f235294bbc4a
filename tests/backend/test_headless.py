"""Headless runs: the summary, and the same bytes for the same seed."""

from __future__ import annotations

import subprocess
import sys

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
    calls = {(s, a): n for s, a, n in summary.calls}
    assert calls[("sqs", "CreateQueue")] == 5
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


def test_cli_prints_the_same_bytes_twice() -> None:
    command = [sys.executable, "-m", "tui.cli", "run", "--scenario", "demo", "--for", "5m",
               "--seed", "7"]  # fmt: skip
    runs = [subprocess.run(command, capture_output=True, check=True) for _ in range(2)]
    assert runs[0].stdout == runs[1].stdout
    assert runs[0].stdout.startswith(b"skydeck run \xc2\xb7 scenario demo \xc2\xb7 seed 7")


def test_cli_rejects_bad_input_with_a_message_not_a_traceback() -> None:
    bad = subprocess.run(
        [sys.executable, "-m", "tui.cli", "run", "--for", "soon"], capture_output=True, text=True
    )
    assert bad.returncode == 2
    assert "--for: not a duration: 'soon'" in bad.stderr
    assert "Traceback" not in bad.stderr
    missing = subprocess.run(
        [sys.executable, "-m", "tui.cli", "run", "--scenario", "nope.toml"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert missing.returncode == 2
    assert "no such scenario file" in missing.stderr
