"""The `skydeck` command line: what it prints, and bad input as messages, not tracebacks."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import urllib.request


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


def test_cli_serve_prints_the_endpoint_and_answers_until_stopped() -> None:
    server = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", "serve", "--port", "0", "--speed", "60"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
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


def test_cli_rejects_an_out_of_range_speed_or_port() -> None:
    for args in (["--speed", "5000"], ["serve", "--port", "70000"]):
        bad = subprocess.run(
            [sys.executable, "-m", "tui.cli", *args], capture_output=True, text=True
        )
        assert bad.returncode == 2
        assert "Traceback" not in bad.stderr
        assert "error: argument" in bad.stderr
