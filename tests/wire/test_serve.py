"""Headless serving: `serve` prints where it listens, answers, and stops when cancelled."""

from __future__ import annotations

import asyncio
import gc
import importlib.util
import json

import pytest

from backend.process import tune_gc
from backend.services import new_cloud
from backend.wire import awscli_plugin
from backend.wire.access import Access
from backend.wire.serve import loop_factory, serve
from backend.wire.server import Endpoint, EndpointError


async def fetch(url: str, path: str, host_header: str | None = None) -> tuple[int, bytes]:
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    request = f"GET {path} HTTP/1.1\r\nHost: {host_header or host}\r\nConnection: close\r\n\r\n"
    writer.write(request.encode())
    data = await reader.read()
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


async def test_serve_runs_until_cancelled() -> None:
    cloud = new_cloud(seed="serve")
    lines: list[str] = []
    ready: asyncio.Future[Endpoint] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(
        serve(cloud, port=0, speed=60, out=lines.append, on_ready=ready.set_result)
    )
    endpoint = await asyncio.wait_for(ready, 10)
    assert lines[0] == f"skydeck is serving AWS APIs at {endpoint.url}"
    assert any("60x" in line for line in lines)
    assert cloud.endpoint == endpoint.url
    status, body = await fetch(endpoint.url, "/_skydeck/health")
    assert status == 200
    assert json.loads(body)["endpoint"] == endpoint.url
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cloud.endpoint is None


async def test_serve_opens_what_it_is_told_to_and_says_so() -> None:
    cloud = new_cloud(seed="serve")
    lines: list[str] = []
    ready: asyncio.Future[Endpoint] = asyncio.get_running_loop().create_future()
    access = Access(allowed_hosts=("*.dev.test",), cors_origins=("*",))
    task = asyncio.create_task(
        serve(cloud, port=0, out=lines.append, on_ready=ready.set_result, access=access)
    )
    endpoint = await asyncio.wait_for(ready, 10)
    assert "  also answering requests for hosts *.dev.test" in lines
    assert any(line.startswith("  warning: any web page") for line in lines)
    assert (await fetch(endpoint.url, "/_skydeck/health", "api.dev.test"))[0] == 200
    assert (await fetch(endpoint.url, "/_skydeck/health", "api.other.test"))[0] == 403
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_serve_reports_a_taken_port() -> None:
    cloud = new_cloud(seed="serve")
    ready: asyncio.Future[Endpoint] = asyncio.get_running_loop().create_future()
    first = asyncio.create_task(serve(cloud, port=0, out=lambda _: None, on_ready=ready.set_result))
    endpoint = await asyncio.wait_for(ready, 10)
    with pytest.raises(EndpointError):
        await serve(new_cloud(), port=endpoint.port, out=lambda _: None)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first


def test_loop_factory_prefers_uvloop_when_installed() -> None:
    factory = loop_factory()
    if importlib.util.find_spec("uvloop") is None:
        assert factory is None
        return
    assert factory is not None
    loop = factory()
    try:
        assert type(loop).__module__.startswith("uvloop")
    finally:
        loop.close()


class Globals:
    def __init__(self, command: str, endpoint_url: str | None = None) -> None:
        self.command = command
        self.endpoint_url = endpoint_url


def test_awscli_plugin_fills_in_the_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    monkeypatch.delenv("AWS_ENDPOINT_URL_SQS", raising=False)
    sqs = Globals("sqs")
    awscli_plugin.honour_endpoint_url(sqs)
    assert sqs.endpoint_url == "http://127.0.0.1:4566"
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:9324")
    specific = Globals("sqs")
    awscli_plugin.honour_endpoint_url(specific)
    assert specific.endpoint_url == "http://127.0.0.1:9324"
    given = Globals("sqs", "http://elsewhere")
    awscli_plugin.honour_endpoint_url(given)
    assert given.endpoint_url == "http://elsewhere"
    kinesis = Globals("kinesis")
    awscli_plugin.honour_endpoint_url(kinesis)
    assert kinesis.endpoint_url is None


def test_tune_gc_collects_less_often() -> None:
    # The suite's conftest tunes its workers the same way: start from Python's defaults.
    before, frozen = gc.get_threshold(), gc.get_freeze_count() > 0
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    try:
        tune_gc()
        assert gc.get_threshold()[0] >= 10_000
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
        if frozen:
            gc.freeze()
