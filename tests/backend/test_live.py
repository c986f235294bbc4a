"""`Cloud.live`: the work a live face starts beside the clock, and only a live face."""

from __future__ import annotations

import asyncio

from backend.cloud import Cloud
from backend.service import Service


class Watching(Service):
    name = "watching"
    event_source = "watching.amazonaws.com"
    usage_name = "Watching"

    def __init__(self, cloud: Cloud) -> None:
        super().__init__(cloud)
        self.started = asyncio.Event()
        self.stopped = False

    def reset(self) -> None:
        pass

    async def live(self) -> None:
        self.started.set()
        try:
            await asyncio.Event().wait()
        finally:
            self.stopped = True


class Quiet(Service):
    name = "quiet"
    event_source = "quiet.amazonaws.com"
    usage_name = "Quiet"

    def reset(self) -> None:
        pass


async def test_live_runs_every_service_s_work_until_cancelled() -> None:
    cloud = Cloud(services=[Watching, Quiet])
    watching = cloud.service(Watching)
    task = asyncio.get_running_loop().create_task(cloud.live())
    await asyncio.wait_for(watching.started.wait(), 5)
    assert not task.done(), "a service with nothing to do must not end the others"
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert watching.stopped


def test_a_cloud_alone_starts_no_live_work() -> None:
    cloud = Cloud(services=[Watching])
    assert not cloud.service(Watching).started.is_set()
