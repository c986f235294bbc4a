"""The simulated AWS account and the one call path into it.

Every action on the cloud, whoever makes it (the dashboard, a scenario actor,
an SDK over the endpoint), goes through `Cloud.call`. The call path, not each
service, does the cross-cutting work: it finds the action by its AWS name,
records the CloudTrail entry, counts the call in `AWS/Usage`, and turns any
unexpected exception into `InternalFailure` so no request can take the process
down. That is why the faces can never disagree about what happened.
"""

from __future__ import annotations

import asyncio
import logging
import random
import shutil
import tempfile
import weakref
from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

from backend.bus import Bus
from backend.clock import Clock
from backend.errors import AwsError, InternalFailure, InvalidAction, UnknownOperationException
from backend.identity import CONSOLE, DEFAULT_ACCOUNT, DEFAULT_REGION, Caller
from backend.metrics import MetricStore, Series
from backend.process import release_memory
from backend.reaper import Reaper
from backend.service import Params, Request, Response, Service
from backend.trail import Trail

log = logging.getLogger(__name__)


S = TypeVar("S", bound="Service")

#: 2026-11-29T09:00:00Z: where scenarios start unless they say otherwise.
DEFAULT_START = 1_795_942_800.0


class Cloud:
    """One simulated AWS account: clock, rng, services, metrics, trail and bus."""

    def __init__(
        self,
        *,
        seed: int | str = 0,
        start: float = DEFAULT_START,
        account: str = DEFAULT_ACCOUNT,
        region: str = DEFAULT_REGION,
        services: Iterable[type[Service]] = (),
        data_dir: Path | None = None,
        keep_data_history: bool = True,
    ) -> None:
        self.seed = str(seed)
        self._data_dir = data_dir
        self.account = account
        self.region = region
        self.clock = Clock(start)
        self.metrics = MetricStore()
        self.bus = Bus()
        self.trail = Trail(self.seed, account, keep_data_history=keep_data_history)
        #: Lets go of purged and deleted resources a slice per loop turn.
        self.reaper = Reaper(on_drained=release_memory)
        #: The endpoint's base URL while it serves, so in-process callers get URLs
        #: that outside clients can use too.
        self.endpoint: str | None = None
        self._usage_series: dict[tuple[str, str], Series] = {}
        #: Failed calls by (service, action): what AWS/Usage alone can't tell.
        self.errors: dict[tuple[str, str], int] = {}
        self.services: dict[str, Service] = {}
        for service_type in services:
            self.add_service(service_type)

    @property
    def data_dir(self) -> Path:
        """Where services keep files (S3's bucket folders).

        The dashboard passes the user's data folder (or `--data-dir`); a cloud
        given none (tests, headless runs) gets a temporary folder of its own,
        made on first use and removed with the cloud, so a run never writes
        anywhere the person did not choose.
        """
        if self._data_dir is None:
            path = Path(tempfile.mkdtemp(prefix="skydeck-"))
            weakref.finalize(self, shutil.rmtree, path, ignore_errors=True)
            self._data_dir = path
        return self._data_dir

    def add_service(self, service_type: type[S]) -> S:
        service = service_type(self)
        self.services[service_type.name] = service
        self.trail.resource_finders[service_type.event_source] = service.trail_resources
        return service

    def service(self, service_type: type[S]) -> S:
        """The running instance of `service_type`, typed."""
        found = self.services[service_type.name]
        assert isinstance(found, service_type)
        return found

    async def live(self) -> None:
        """Every service's live work (`Service.live`) at once, until cancelled."""
        await asyncio.gather(*(service.live() for service in self.services.values()))

    def rng(self, name: str) -> random.Random:
        """A random stream of its own for `name`, derived from the cloud's seed.

        Splitting per service and actor keeps streams independent: adding an
        actor to a scenario does not change the ids another service draws.
        """
        return random.Random(f"{self.seed}/{name}")

    def reset(self) -> None:
        """Wipe the account back to empty, as a fresh start would be.

        Every service's resources go, and so do the event history and the
        metrics. The clock and the seed stay, and ids keep counting on, so
        nothing recorded before the reset can be confused with what follows.
        """
        for service in self.services.values():
            service.reset()
        self.trail.clear()
        self.metrics.clear()
        self._usage_series.clear()
        self.errors.clear()

    async def call(
        self,
        service: str,
        action: str,
        params: Params | None = None,
        *,
        caller: Caller = CONSOLE,
        region: str | None = None,
        request_id: str | None = None,
        endpoint: str | None = None,
    ) -> Response:
        """Run one AWS action; return its response or raise its `AwsError`.

        `params` must not be mutated after the call: the trail may keep a
        reference to it and renders it lazily.
        """
        params = params if params is not None else {}
        svc = self.services.get(service)
        if svc is None:
            raise UnknownOperationException(f"Unknown service {service!r}.")
        spec = svc.actions.get(action)
        if spec is None:
            raise InvalidAction(f"The action {action} is not valid for this web service.")
        region = region or self.region
        request = Request(self, caller, region, endpoint)
        response: Response | None = None
        error: AwsError | None = None
        try:
            if spec.is_async:
                response = await spec.handler(svc, params, request)  # type: ignore[misc]
            else:
                response = spec.handler(svc, params, request)  # type: ignore[assignment]
        except AwsError as exc:
            error = exc
        except Exception:
            log.exception("%s.%s failed unexpectedly", service, action)
            error = InternalFailure("We encountered an internal error. Please try again.")
        now = self.clock.now()
        self.trail.record(
            now,
            svc.event_source,
            action,
            params,
            response,
            error,
            caller,
            region,
            spec.read_only,
            spec.data_event,
            request_id,
            svc.trail_hidden,
            svc.trail_error_code(error) if error is not None else "",
        )
        # AWS/Usage's count of the call (made on the call's first use), inline: every call.
        key = (svc.name, action)
        series = self._usage_series.get(key)
        if series is None:
            series = self._usage_series[key] = self._usage(svc, action)
        series.add(now)
        if error is not None:
            self.errors[key] = self.errors.get(key, 0) + 1
            raise error
        assert response is not None
        return response

    def _usage(self, svc: Service, action: str) -> Series:
        """The AWS/Usage series counting `action`'s calls."""
        return self.metrics.series(
            "AWS/Usage",
            "CallCount",
            {"Service": svc.usage_name, "Type": "API", "Resource": action, "Class": "None"},
            "None",
        )

    @property
    def usage(self) -> dict[tuple[str, str], int]:
        """Calls so far by (service, action), from the AWS/Usage series' counts."""
        return {key: series.count for key, series in self._usage_series.items()}

    def calls_per_second(self, window: int = 10) -> float:
        """API calls per simulated second over the last `window` seconds."""
        end = int(self.clock.now())
        total = sum(sum(s.sums(end, window)) for s in self._usage_series.values())
        return total / window
