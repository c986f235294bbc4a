"""The service contract: what a simulated service is, and what its handlers get.

A service is a class with `@action` methods named after AWS's actions; the
cloud finds them by name and calls them with the request's params and a
`Request`. This module knows nothing of any service and nothing of `Cloud`
beyond its type, so services import it and the cloud imports it, and neither
imports the other's package.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from backend.errors import AwsError
from backend.identity import Caller

if TYPE_CHECKING:
    from backend.cloud import Cloud

Params = dict[str, Any]
Response = dict[str, Any]
Handler = Callable[[Any, Params, "Request"], Response | Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class Action:
    """An AWS action a service answers, with how CloudTrail classifies it."""

    name: str
    handler: Handler
    is_async: bool
    read_only: bool
    data_event: bool


def action(
    name: str, *, read_only: bool = False, data_event: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a service method as the handler of the AWS action `name`."""

    def mark(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn.__aws_action__ = Action(  # type: ignore[attr-defined]
            name, fn, inspect.iscoroutinefunction(fn), read_only, data_event
        )
        return fn

    return mark


class Request:
    """What a handler knows about the call it answers."""

    __slots__ = ("caller", "cloud", "endpoint", "region")

    def __init__(self, cloud: Cloud, caller: Caller, region: str, endpoint: str | None) -> None:
        self.cloud = cloud
        self.caller = caller
        self.region = region
        #: The base URL the caller reached us at, for URLs in responses (queue URLs).
        self.endpoint = endpoint

    @property
    def account(self) -> str:
        return self.cloud.account

    @property
    def now(self) -> float:
        return self.cloud.clock.now()


class Service:
    """Base of every simulated service: a name and its actions by AWS name."""

    name: ClassVar[str]
    event_source: ClassVar[str]
    #: The display name AWS/Usage uses in its `Service` dimension.
    usage_name: ClassVar[str]
    #: Request members CloudTrail writes as HIDDEN_DUE_TO_SECURITY_REASONS.
    trail_hidden: ClassVar[frozenset[str]] = frozenset()
    actions: ClassVar[dict[str, Action]]

    @classmethod
    def trail_error_code(cls, error: AwsError) -> str:
        """The `errorCode` CloudTrail writes for `error`: its code, as most services'.

        A service whose errors CloudTrail writes otherwise says so here (EC2's
        carry their fault first, `Client.InvalidInstanceID.NotFound`).
        """
        return error.code

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        found: dict[str, Action] = {}
        for klass in reversed(cls.__mro__):
            for attr in vars(klass).values():
                spec = getattr(attr, "__aws_action__", None)
                if isinstance(spec, Action):
                    found[spec.name] = spec
        cls.actions = found

    def __init__(self, cloud: Cloud) -> None:
        self.cloud = cloud

    def trail_resources(self, action: str, params: Params, region: str) -> list[dict[str, str]]:
        """The `resources` of this call's CloudTrail record (none by default)."""
        return []

    def reset(self) -> None:
        """Forget every resource, as a fresh account would have none."""
        raise NotImplementedError

    async def live(self) -> None:
        """What runs beside a live face (the dashboard, `skydeck serve`) until cancelled.

        S3 follows its bucket folders on disk. Nothing by default; headless runs
        and tests never start it, so they stay deterministic.
        """
