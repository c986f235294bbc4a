"""A live endpoint on its own loop thread, and the clients the wire tests aim at it.

The endpoint runs on an asyncio loop in a background thread, as it runs on the
dashboard's loop in the app, and the tests call it from the main thread with
boto3, the aws CLI or raw HTTP. Nothing drives the virtual clock on its own:
a test that needs time to pass calls `live.advance(seconds)`, so visibility
timeouts and long-poll deadlines happen exactly when the test says.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from botocore.config import Config

from backend.cloud import Cloud
from backend.service import Service
from backend.services import new_cloud
from backend.wire.access import Access
from backend.wire.server import Endpoint, start_endpoint

T = TypeVar("T")

ACCOUNT = "123456789012"
ACCESS_KEY = "AKIAWIRETEST00000001"
OTHER_KEY = "AKIAWIRETEST00000002"
#: Wall-clock bound on any one wait in these tests; they never sleep to make time pass.
TIMEOUT = 30.0


class Live:
    """A running endpoint and the loop its cloud lives on."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, cloud: Cloud, endpoint: Endpoint, session: Any
    ) -> None:
        self.loop = loop
        self.cloud = cloud
        self.endpoint = endpoint
        self.url = endpoint.url
        self._session = session

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run `coro` on the cloud's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(TIMEOUT)

    def call(self, fn: Callable[[], T]) -> T:
        """Run plain `fn` on the cloud's loop, where the cloud may be touched safely."""

        async def wrapper() -> T:
            return fn()

        return self.run(wrapper())

    def advance(self, seconds: float) -> None:
        self.run(self.cloud.clock.advance(seconds))

    def wait_until(self, condition: Callable[[], bool]) -> None:
        """Return once `condition()` holds on the loop, within `TIMEOUT` of wall time.

        For what another process does (an aws CLI starting up and sending its
        long poll): that takes a second or more of real time on a busy machine,
        so the bound is on wall time, not on a count of loop turns. It checks
        between short yields of the loop and returns the moment it holds.
        """

        async def poll() -> None:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + TIMEOUT - 1
            while loop.time() < deadline:
                if condition():
                    return
                await asyncio.sleep(0.005)
            raise AssertionError(f"condition never held within {TIMEOUT - 1:.0f} s")

        self.run(poll())

    def client(
        self,
        service: str,
        *,
        region: str = "us-east-1",
        key: str = ACCESS_KEY,
        endpoint: str | None = None,
        validate: bool = True,
        session: Any = None,
    ) -> Any:
        """A boto3 client for `service` aimed at this endpoint, with dummy credentials.

        `session`: a boto3 session of the test's own (one whose loader changes a
        model), instead of the suite's.
        """
        return (session or self._session).client(
            service,
            endpoint_url=endpoint or self.url,
            region_name=region,
            aws_access_key_id=key,
            aws_secret_access_key="not-checked",
            config=Config(
                retries={"max_attempts": 1},
                connect_timeout=5,
                read_timeout=TIMEOUT,
                parameter_validation=validate,
            ),
        )


def start_live(
    loop: asyncio.AbstractEventLoop,
    boto_session: Any,
    services: list[type[Service]] | None = None,
    access: Access | None = None,
) -> Live:
    async def start() -> tuple[Cloud, Endpoint]:
        cloud = (
            Cloud(seed="wire-tests", services=services)
            if services is not None
            else new_cloud(seed="wire-tests")
        )
        return cloud, await start_endpoint(cloud, port=0, access=access)

    cloud, endpoint = asyncio.run_coroutine_threadsafe(start(), loop).result(TIMEOUT)
    return Live(loop, cloud, endpoint, boto_session)
