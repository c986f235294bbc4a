"""Headless serving: the endpoint on a real-time clock, until stopped.

`skydeck serve` (wired in the CLI) and `python -m backend.wire` run this: the
cloud answers AWS clients at the printed address while its clock follows the
wall clock at `speed` (60 is an hour a minute: a 30-second visibility timeout
passes in half a second).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from backend.clock import RealtimeDriver
from backend.cloud import Cloud
from backend.wire.access import ANY_ORIGIN, Access
from backend.wire.server import DEFAULT_HOST, DEFAULT_PORT, Endpoint, start_endpoint


async def serve(
    cloud: Cloud,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    speed: float = 1.0,
    out: Callable[[str], object] = print,
    on_ready: Callable[[Endpoint], object] | None = None,
    *,
    access: Access | None = None,
) -> None:
    """Serve `cloud` on host:port with its clock at `speed` x real time; returns when cancelled.

    `access` opens hosts and origins beyond the loopback ones (see `start_endpoint`).
    Raises `EndpointError` if the address cannot be bound.
    """
    access = access or Access()
    endpoint = await start_endpoint(cloud, host, port, access=access)
    driver = RealtimeDriver(cloud.clock, time.monotonic, speed=speed)
    out(f"skydeck is serving AWS APIs at {endpoint.url}")
    out(
        f"  account {cloud.account}, default region {cloud.region}, "
        f"clock at {driver.speed:g}x real time"
    )
    out(f"  export AWS_ENDPOINT_URL={endpoint.url}")
    out("  any access key works; signatures are not checked. Ctrl-C stops.")
    if access.allowed_hosts:
        out(f"  also answering requests for hosts {', '.join(access.allowed_hosts)}")
    if ANY_ORIGIN in access.cors_origins:
        out("  warning: any web page open in your browser may call it (--cors-origin '*')")
    elif access.cors_origins:
        out(f"  also answering web pages from {', '.join(access.cors_origins)}")
    if on_ready is not None:
        on_ready(endpoint)
    live = asyncio.get_running_loop().create_task(cloud.live(), name="live")
    try:
        await driver.run()
    finally:
        live.cancel()
        await endpoint.close()


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop where it is installed (a third less time per request), else None.

    Use it as `asyncio.Runner(loop_factory=loop_factory())`; None means asyncio's own.
    """
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop
