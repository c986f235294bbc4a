"""The README's code blocks, run as pasted: a block that fails for a newcomer is a bug.

Each block runs from a scratch folder whose `.venv` is this test run's own
virtualenv, exactly as the README's readers have it after the set-up
commands; the only change made to a block is the endpoint's port (tests use
an ephemeral one, never 4566).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from backend.clock import RealtimeDriver
from backend.headless import run_headless
from backend.scenarios.loader import parse_scenario
from backend.services.cloudtrail import CloudTrailService
from backend.services.sqs import SqsService
from tests.wire.live import TIMEOUT, Live

ROOT = Path(__file__).resolve().parents[2]
#: A block runs dozens of aws CLI processes, each a Python start-up: on a loaded
#: two-core machine the shell block has taken more than 90 s. A guard against a hang,
#: not a speed test.
BLOCK_TIMEOUT = TIMEOUT * 10
README = (ROOT / "README.md").read_text("utf-8")


def blocks(section: str, language: str) -> list[str]:
    """The fenced `language` blocks of the README section headed `## section`."""
    text = README.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    found = []
    for part in text.split(f"```{language}\n")[1:]:
        found.append(part.split("```", 1)[0])
    assert found, f"no {language} block under ## {section}"
    return found


@pytest.fixture
def reader(tmp_path: Path) -> Path:
    """A folder like the reader's: `.venv` is the virtualenv these tests run in."""
    (tmp_path / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    return tmp_path


def run(command: list[str], folder: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return subprocess.run(
        command,
        cwd=folder,
        env={**clean, "PIP_NO_INDEX": "1", **env},
        capture_output=True,
        text=True,
        timeout=BLOCK_TIMEOUT,
        check=False,
    )


@pytest.mark.awscli
def test_the_real_aws_clients_blocks_work_as_pasted(live: Live, reader: Path) -> None:
    [shell] = blocks("Real AWS clients", "sh")
    [python, fan_out] = blocks("Real AWS clients", "python")
    shell = shell.replace("http://127.0.0.1:4566", live.url)
    # The dashboard's clock runs; here it runs fast, so a new stream or consumer leaves
    # CREATING before the first look and a long poll with a message returns at once.
    driving = live.run(_drive(live))
    try:
        _check_blocks(live, reader, shell, python, fan_out)
    finally:
        live.call(driving.cancel)


def _check_blocks(live: Live, reader: Path, shell: str, python: str, fan_out: str) -> None:
    result = run(["bash", "-e", "-c", shell], reader)
    assert result.returncode == 0, result.stdout + result.stderr
    assert '"Body": "hi"' in result.stdout
    assert "2026/hello.txt" in result.stdout
    assert '"ShardId": "shardId-00000000000' in result.stdout
    assert '"ACTIVE"' in result.stdout
    assert '"EventName": "StartLogging"' in result.stdout  # lookup-events, newest first
    assert '\\"Message\\" : \\"disk full\\"' in result.stdout  # SNS's envelope, in the body
    assert '"Average": 87.0' in result.stdout
    assert '"slow-checkout",' in result.stdout
    assert '"Alarm \\"slow-checkout\\" created"' in result.stdout
    assert '"Id": "slowest"' in result.stdout
    assert '"DashboardValidationMessages": []' in result.stdout
    assert '[\n    "ERROR disk full"\n]' in result.stdout  # filter-log-events: the ERROR line alone
    assert '"$level": "ERROR"' in result.stdout
    assert '"pending",\n    "172.31.' in result.stdout  # run-instances, in the default VPC
    assert '"ACTIVE",\n        "/shell/flow-logs"' in result.stdout  # describe-flow-logs
    trails = live.cloud.service(CloudTrailService)
    assert live.call(lambda: [(t.name, t.logging) for t in trails.trail_list()]) == [
        ("shell-trail", True)
    ]

    env = {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": live.url,
    }
    result = run([str(reader / ".venv" / "bin" / "python"), "-c", python], reader, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    hello, etag = result.stdout.split()
    assert hello == "hello"
    assert etag.endswith('-3"')
    sqs = live.cloud.service(SqsService)
    assert live.call(lambda: sorted(q.name for q in sqs.queues.values())) == ["greetings", "jobs"]

    result = run([str(reader / ".venv" / "bin" / "python"), "-c", fan_out], reader, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == "order 1 customer-1\n"


async def _drive(live: Live) -> asyncio.Task[None]:
    driver = RealtimeDriver(live.cloud.clock, time.monotonic, speed=100)
    return asyncio.get_running_loop().create_task(driver.run())


def test_the_headless_block_works_as_pasted(reader: Path) -> None:
    [shell] = blocks("Headless", "sh")
    result = run(["bash", "-e", "-c", shell], reader)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("skydeck run · scenario demo · seed 7 · 1h00m simulated")


async def test_the_scenario_block_is_a_valid_scenario_that_runs() -> None:
    [toml] = blocks("Scenarios", "toml")
    scenario = parse_scenario(toml, "README.md")
    assert scenario.name == "mine"
    assert [actor.name for actor in scenario.actors] == [
        "jobs-api",
        "jobs-worker",
        "web",
        "analytics",
        "scanner",
        "jobs-worker-log",
    ]
    assert list(scenario.sections) == [
        "sqs",
        "s3",
        "kinesis",
        "firehose",
        "sns",
        "cloudwatch",
        "logs",
        "cloudtrail",
    ]
    summary = await run_headless(scenario, 600)
    calls = {(service, action): n for service, action, n, _ in summary.calls}
    assert calls[("kinesis", "PutRecords")] > 0
    assert calls[("s3", "PutObject")] > 0
    assert calls[("logs", "PutLogEvents")] > 0
