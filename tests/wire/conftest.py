"""Fixtures for the wire suite: the loop thread, a fresh served cloud per test, boto3."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest

from tests.wire.aws_cli import AwsCli, cli_env
from tests.wire.live import TIMEOUT, Live, start_live


@pytest.fixture(scope="session", autouse=True)
def _no_user_aws_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep the developer's ~/.aws and AWS_* variables out of every client here."""
    home = tmp_path_factory.mktemp("aws-home")
    with pytest.MonkeyPatch.context() as patch:
        for name in [
            "AWS_PROFILE",
            "AWS_DEFAULT_PROFILE",
            "AWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_SQS",
            "AWS_SESSION_TOKEN",
            "AWS_DEFAULT_REGION",
            "AWS_REGION",
        ]:
            patch.delenv(name, raising=False)
        patch.setenv("AWS_CONFIG_FILE", str(Path(home) / "config"))
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(Path(home) / "credentials"))
        patch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        yield


@pytest.fixture(scope="session")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="wire-loop", daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(TIMEOUT)
    loop.close()


@pytest.fixture(scope="session")
def boto_session(_no_user_aws_config: None) -> Any:
    """One boto3 session for the suite, so service models load once."""
    return boto3.session.Session(botocore_session=botocore.session.get_session())


@pytest.fixture
def live(loop: asyncio.AbstractEventLoop, boto_session: Any) -> Iterator[Live]:
    """A fresh seeded cloud served on an ephemeral port of 127.0.0.1."""
    served = start_live(loop, boto_session)
    yield served
    served.run(served.endpoint.close())


@pytest.fixture
def aws_env(live: Live, tmp_path: Path) -> dict[str, str]:
    """What the aws CLI runs with, against `live`."""
    return cli_env(live.url, tmp_path)


@pytest.fixture
def cli(aws_env: dict[str, str]) -> Iterator[AwsCli]:
    """The aws CLI, one process for the test's commands (`tests.wire.aws_cli`)."""
    with AwsCli(aws_env, TIMEOUT * 2) as running:
        yield running
