"""An outside SDK's calls, through the HTTP endpoint, show live in the dashboard.

The endpoint serves the app's own cloud on the app's own loop; boto3 runs in a
thread (`asyncio.to_thread`) so the loop stays free to answer it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from rich.text import Text

from backend.services import new_cloud
from backend.wire.server import start_endpoint
from tests.tui.helpers import (
    SIZE,
    SQS_KEY,
    TRAIL_KEY,
    queue,
    quiet_demo,
    shown_json,
    sqs_pane,
    toasts,
    trail_pane,
)
from tui.app import SkydeckApp

ACCESS_KEY = "AKIATUITEST000000042"


@pytest.fixture
def no_user_aws_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's ~/.aws and AWS_* variables out of the client."""
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_SQS",
        "AWS_SESSION_TOKEN",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def sqs_client(url: str) -> Any:
    return boto3.session.Session().client(
        "sqs",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key="not-checked",
        config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30),
    )


def plain(cell: str | Text) -> str:
    return cell.plain if isinstance(cell, Text) else cell


@pytest.fixture
def served() -> Iterator[SkydeckApp]:
    """The quiet demo with the app's own endpoint on a free port."""
    app = SkydeckApp(quiet_demo(), realtime=False, endpoint_port=0)
    yield app
    assert app.bugs == []


@pytest.mark.usefixtures("no_user_aws_config")
async def test_boto3_calls_through_the_endpoint_show_in_the_trail_pane(served: SkydeckApp) -> None:
    app = served
    async with app.run_test(size=SIZE) as pilot:
        endpoint = app.endpoint
        assert endpoint is not None
        assert app.cloud.endpoint == endpoint.url
        client = await asyncio.to_thread(sqs_client, endpoint.url)
        created = await asyncio.to_thread(client.create_queue, QueueName="from-boto3")
        assert created["QueueUrl"] == f"{endpoint.url}/123456789012/from-boto3"
        await asyncio.to_thread(
            client.send_message, QueueUrl=created["QueueUrl"], MessageBody="hello, dashboard"
        )
        app.refresh_view()
        await pilot.pause()
        assert len(queue(app, "from-boto3")) == 1
        header = app.header.state
        assert header.endpoint == endpoint.url.removeprefix("http://")
        assert header.endpoint_calls_per_second == pytest.approx(0.2)

        await pilot.press(TRAIL_KEY)
        await pilot.pause()
        table = trail_pane(app).events_table
        newest = [plain(c) for c in table.shown[0].cells]
        assert newest[1] == "CreateQueue"
        assert newest[3].startswith("AKIA…0042 (Boto3/")

        await pilot.press("e", "home")
        await pilot.pause()
        newest = [plain(c) for c in table.shown[0].cells]
        assert newest[1] == "SendMessage"
        assert newest[3].startswith("AKIA…0042 (Boto3/")
        record = shown_json(app)
        assert record is not None
        assert record["userIdentity"]["accessKeyId"] == ACCESS_KEY
        assert record["userAgent"].startswith("Boto3/")
        # As CloudTrail writes SQS data events: the body is not in the record.
        assert record["requestParameters"]["messageBody"] == "HIDDEN_DUE_TO_SECURITY_REASONS"

        await pilot.press(SQS_KEY)
        await pilot.pause()
        names = [plain(r.cells[0]) for r in sqs_pane(app).resource_table.shown]
        assert "from-boto3" in names
    assert app.cloud.endpoint is None


async def test_a_taken_port_is_a_notification_and_the_dashboard_runs_on() -> None:
    taken = await start_endpoint(new_cloud(seed=1), port=0)
    app = SkydeckApp(quiet_demo(), realtime=False, endpoint_port=taken.port)
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await pilot.pause()
            assert app.endpoint is None
            assert any("AWS endpoint not started" in t for t in toasts(app))
            await pilot.press(SQS_KEY)
            assert app.bugs == []
    finally:
        await taken.close()
