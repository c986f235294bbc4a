"""The `skydeck` command line: what it prints, and bad input as messages, not tracebacks."""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import IO

import pytest

from backend.durations import format_duration
from tui.cli import main


def refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """What `skydeck argv` says on stderr when it refuses, having exited with 2 and no output.

    In-process through `main`, the function the `skydeck` script runs: the
    refusals happen before anything starts, so a subprocess would only add
    an interpreter's start-up to each.
    """
    with pytest.raises(SystemExit) as exit:
        main(list(argv))
    assert exit.value.code == 2, argv
    out, err = capsys.readouterr()
    assert out == ""
    assert "Traceback" not in err
    return err


def test_cli_prints_the_same_bytes_twice_and_progress_only_to_stderr() -> None:
    """Two runs of the demo, one with its progress drawn: the same summary, byte for byte."""
    command = [sys.executable, "-m", "tui.cli", "run", "--scenario", "demo", "--for", "5m"]
    command += ["--seed", "7"]
    plain = subprocess.run(command, capture_output=True, check=True)
    assert plain.stdout.startswith(b"skydeck run \xc2\xb7 scenario demo \xc2\xb7 seed 7")
    assert plain.stderr == b"", "no progress display when stderr is not a terminal"
    shown = subprocess.run([*command, "--progress"], capture_output=True, check=True)
    assert shown.stdout == plain.stdout
    progress = shown.stderr.decode()
    assert f"{format_duration(300)} of {format_duration(300)}" in progress
    assert "2026-11-29 09:05" in progress
    assert " calls" in progress
    assert "ETA" in progress


def _read_until(stream: IO[bytes], pattern: bytes, timeout: float) -> re.Match[bytes]:
    """Read `stream` until `pattern` matches what came, for at most `timeout` wall seconds."""
    seen = b""
    deadline = time.monotonic() + timeout
    while (found := re.search(pattern, seen)) is None:
        ready, _, _ = select.select([stream], [], [], max(0.0, deadline - time.monotonic()))
        assert ready, f"no {pattern!r} within {timeout} s: {seen[-500:]!r}"
        chunk = os.read(stream.fileno(), 65536)
        assert chunk, f"stream ended before {pattern!r}: {seen[-500:]!r}"
        seen += chunk
    return found


def _ctrl_c_stops() -> None:
    """Ctrl-C's default in the child: a shell that ran the suite with `&` left it ignored,
    and an ignored SIGINT is inherited, so the test's Ctrl-C would go unheard."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_cli_run_ctrl_c_prints_the_summary_so_far() -> None:
    run = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", "run", "--for", "100000d", "--seed", "7", "--progress"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_ctrl_c_stops,
    )
    try:
        assert run.stderr is not None
        shown = _read_until(run.stderr, rb"([1-9][\d,]{2,}) calls", timeout=60)
        run.send_signal(signal.SIGINT)
        out, err = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    assert run.returncode == 130
    assert b"Traceback" not in err
    summary = out.decode()
    assert re.search(
        rf"^interrupted at 2026-\S+ \S+ UTC, after \S+ of {format_duration(100_000 * 86400)}$",
        summary,
        re.MULTILINE,
    ), summary
    assert re.search(r"^orders-dlq +\d", summary, re.MULTILINE), summary
    total = re.search(r"^ +total +([\d,]+) +[\d,]+$", summary, re.MULTILINE)
    assert total, summary
    assert int(total.group(1).replace(",", "")) >= int(shown.group(1).replace(b",", b""))


def test_cli_rejects_bad_input_with_a_message_not_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert "--for: not a duration: 'soon'" in refused(capsys, "run", "--for", "soon")
    assert "no such scenario file" in refused(capsys, "run", "--scenario", "nope.toml")


def test_cli_run_reports_a_scenario_aws_refuses_without_a_traceback(tmp_path: Path) -> None:
    scenario = tmp_path / "refused.toml"
    scenario.write_text(
        '[scenario]\nname = "refused"\n\n[[sqs.queue]]\nname = "q"\n'
        "attributes = { VisibilityTimeout = 99999 }\n",
        "utf-8",
    )
    run = subprocess.run(
        [sys.executable, "-m", "tui.cli", "run", "--scenario", str(scenario), "--for", "1m"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 1
    assert "queue 'q': InvalidAttributeValue" in run.stderr
    assert "Traceback" not in run.stderr


def test_cli_rejects_a_run_too_short_or_too_long_for_the_clock(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for duration, message in (
        ("0s", "--for: a run must last longer than zero"),
        ("-5m", "--for: not a duration: '-5m'"),
        ("3000000d", "--for: a run from 2026-11-29 09:00:00 UTC can last at most"),
        ("9" * 400 + "d", "the clock stops at year 9999"),
    ):
        assert message in refused(capsys, "run", f"--for={duration}"), duration


def test_cli_serve_prints_the_endpoint_and_answers_until_stopped() -> None:
    server = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", "serve", "--port", "0", "--speed", "60"],
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=_ctrl_c_stops,
    )
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+", first)
        assert found, first
        with urllib.request.urlopen(found.group(0) + "/_skydeck/health", timeout=10) as reply:
            health = json.loads(reply.read())
        assert health["services"]["sqs"] == "running"
    finally:
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=10) == 0


def test_cli_rejects_an_out_of_range_speed_or_port(capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["--speed", "5000"], ["serve", "--port", "70000"]):
        assert "error: argument" in refused(capsys, *args), args
