"""Scenario files: TOML that says which resources exist and which actors drive them.

A scenario is set up through the one call path (its queues are created with
CreateQueue by the `skydeck-scenario` role, so the set-up shows in the trail
like any deployment would), then its actors start. A scenario file is input
from a person: every mistake gets a `ScenarioError` naming the file, the
place in it and what is wrong, and unknown keys are errors, so a typo can't
silently change what runs.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any

from backend.actors.actor import Actor
from backend.actors.bodies import BODIES
from backend.actors.consumer import Consumer
from backend.actors.producer import Producer
from backend.actors.rates import Rate
from backend.cloud import DEFAULT_START, Cloud
from backend.durations import parse_duration
from backend.errors import AwsError
from backend.identity import DEFAULT_REGION, role
from backend.services.sqs import SqsService
from backend.services.sqs.queue import Delivery

SETUP_ROLE = role("skydeck-scenario")


class ScenarioError(ValueError):
    """A scenario that can't be loaded, with where and why."""


@dataclass(frozen=True)
class QueueSpec:
    name: str
    attributes: dict[str, str]
    tags: dict[str, str]


@dataclass(frozen=True)
class ActorSpec:
    kind: str
    name: str
    queue: str
    options: dict[str, Any]


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    description: str
    start: float
    seed: int
    speed: float
    region: str
    delivery: Delivery
    queues: tuple[QueueSpec, ...] = ()
    actors: tuple[ActorSpec, ...] = ()
    source: str = field(default="", compare=False)


def builtin_names() -> list[str]:
    folder = resources.files("backend.scenarios")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def load_scenario(name_or_path: str) -> Scenario:
    """A built-in scenario by name (`demo`), or a scenario file by path."""
    if name_or_path in builtin_names():
        text = (resources.files("backend.scenarios") / f"{name_or_path}.toml").read_text("utf-8")
        return parse_scenario(text, f"{name_or_path}.toml")
    path = Path(name_or_path)
    if not path.is_file():
        known = ", ".join(builtin_names())
        raise ScenarioError(f"{name_or_path}: no such scenario file (built-in scenarios: {known})")
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError(f"{path}: can't read it: {error}") from None
    return parse_scenario(text, str(path))


class _Reader:
    """Typed access to one TOML table, with errors that say where."""

    def __init__(self, source: str, where: str, table: object) -> None:
        if not isinstance(table, dict):
            raise ScenarioError(f"{source}: {where}: expected a table")
        self.source = source
        self.where = where
        self.table: dict[str, Any] = table
        self._used: set[str] = set()

    def fail(self, message: str) -> ScenarioError:
        return ScenarioError(f"{self.source}: {self.where}: {message}")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
        self._used.add(key)
        value = self.table.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) and kind in (int, float, (int, float)):
            raise self.fail(f"{key} must be a number, not {value!r}")
        if not isinstance(value, kind):
            names = (
                kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            )
            raise self.fail(f"{key} must be a {names}, not {value!r}")
        return value

    def required(self, key: str, kind: type | tuple[type, ...]) -> Any:
        value = self.get(key, kind)
        if value is None:
            raise self.fail(f"{key} is required")
        return value

    def duration(self, key: str, default: float | None = None) -> float | None:
        raw = self.get(key, (str, int, float))
        if raw is None:
            return default
        try:
            return parse_duration(raw)
        except ValueError as error:
            raise self.fail(f"{key}: {error}") from None

    def number(self, key: str, default: float, low: float, high: float) -> float:
        value = float(self.get(key, (int, float), default))
        if not low <= value <= high:
            raise self.fail(f"{key} must be between {low:g} and {high:g}, not {value:g}")
        return value

    def sub(self, key: str) -> _Reader | None:
        value = self.get(key, dict)
        where = key if self.where == "top level" else f"{self.where}.{key}"
        return None if value is None else _Reader(self.source, where, value)

    def done(self) -> None:
        unknown = sorted(set(self.table) - self._used)
        if unknown:
            raise self.fail(f"unknown key(s): {', '.join(unknown)}")


def parse_scenario(text: str, source: str) -> Scenario:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(f"{source}: not valid TOML: {error}") from None
    top = _Reader(source, "top level", document)
    head = top.sub("scenario")
    if head is None:
        raise top.fail("a [scenario] table is required")
    name = head.required("name", str)
    start_value = head.get("start", (dt.datetime, str))
    start = _start_time(head, start_value)
    scenario_seed = int(head.number("seed", 0, 0, 2**63))
    speed = head.number("speed", 1.0, 0.1, 1000.0)
    region = head.get("region", str, DEFAULT_REGION)
    title = head.get("title", str, name)
    description = head.get("description", str, "")
    head.done()

    queues: list[QueueSpec] = []
    delivery = Delivery()
    sqs = top.sub("sqs")
    if sqs is not None:
        delivery_table = sqs.sub("delivery")
        if delivery_table is not None:
            delivery = Delivery(
                duplicate_rate=delivery_table.number("duplicate_rate", 0.0, 0.0, 1.0),
                reorder_window=int(delivery_table.number("reorder_window", 1, 1, 100)),
                short_poll_sample=delivery_table.number("short_poll_sample", 1.0, 0.05, 1.0),
            )
            delivery_table.done()
        for i, table in enumerate(sqs.get("queue", list, [])):
            queues.append(_queue_spec(_Reader(source, f"sqs.queue[{i}]", table), region))
        sqs.done()
    names = {q.name for q in queues}
    actors = [
        _actor_spec(_Reader(source, f"actor[{i}]", table), names)
        for i, table in enumerate(top.get("actor", list, []))
    ]
    top.done()
    return Scenario(
        name=name,
        title=title,
        description=description,
        start=start,
        seed=scenario_seed,
        speed=speed,
        region=region,
        delivery=delivery,
        queues=tuple(queues),
        actors=tuple(actors),
        source=source,
    )


def _start_time(head: _Reader, value: dt.datetime | str | None) -> float:
    if value is None:
        return DEFAULT_START
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise head.fail(
                f"start must be a date and time like 2026-11-29T09:00:00Z, not {value!r}"
            ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.timestamp()


def _queue_spec(table: _Reader, region: str) -> QueueSpec:
    name = table.required("name", str)
    attributes = {str(k): v for k, v in (table.get("attributes", dict, {}) or {}).items()}
    dead_letter = table.get("dead_letter_queue", str)
    max_receives = table.get("max_receive_count", int)
    if dead_letter is not None:
        arn = f"arn:aws:sqs:{region}:{{account}}:{dead_letter}"
        attributes["RedrivePolicy"] = json.dumps(
            {"deadLetterTargetArn": arn, "maxReceiveCount": max_receives or 3}
        )
    elif max_receives is not None:
        raise table.fail("max_receive_count needs dead_letter_queue")
    if name.endswith(".fifo"):
        attributes.setdefault("FifoQueue", "true")
    tags = table.get("tags", dict, {}) or {}
    table.done()
    return QueueSpec(
        name,
        {k: v if isinstance(v, str) else json.dumps(v) if isinstance(v, dict) else str(v)
         for k, v in attributes.items()},
        {str(k): str(v) for k, v in tags.items()},
    )  # fmt: skip


_ACTOR_KINDS = ("producer", "consumer")


def _actor_spec(table: _Reader, queues: set[str]) -> ActorSpec:
    kind = table.required("kind", str)
    name = table.required("name", str)
    queue = table.required("queue", str)
    if kind not in _ACTOR_KINDS:
        raise table.fail(f"unknown kind {kind!r} (known: {', '.join(_ACTOR_KINDS)})")
    if queue not in queues:
        raise table.fail(f"queue {queue!r} is not defined in [[sqs.queue]]")
    options: dict[str, Any] = {}
    if kind == "producer":
        rate = table.get("rate", (int, float, dict))
        if rate is None:
            raise table.fail("rate is required (messages per second, or {base, amplitude, period})")
        options["rate"] = _rate(table, rate)
        body = table.get("body", str, "text")
        if body not in BODIES:
            raise table.fail(f"body must be one of {', '.join(BODIES)}, not {body!r}")
        options["body"] = body
        options["groups"] = tuple(str(g) for g in table.get("groups", list, []))
        delay = table.get("delay", int)
        if delay is not None:
            options["delay"] = delay
    else:
        options["workers"] = int(table.number("workers", 1, 1, 100))
        options["wait_time"] = int(table.number("wait_time", 20, 0, 20))
        options["max_messages"] = int(table.number("max_messages", 10, 1, 10))
        options["failure_rate"] = table.number("failure_rate", 0.0, 0.0, 1.0)
        options["poll_interval"] = table.duration("poll_interval", 1.0)
        process = table.sub("process")
        if process is not None:
            options["process_min"] = process.duration("min", 0.1)
            options["process_max"] = process.duration("max", 1.0)
            process.done()
            if options["process_min"] > options["process_max"]:
                raise table.fail("process.min must not exceed process.max")
    table.done()
    return ActorSpec(kind, name, queue, options)


def _rate(table: _Reader, value: float | dict[str, Any]) -> Rate:
    if isinstance(value, int | float):
        values: dict[str, Any] = {"base": float(value)}
    else:
        shape = _Reader(table.source, f"{table.where}.rate", value)
        values = {
            "base": shape.number("base", 1.0, 0.0, 100_000.0),
            "amplitude": shape.number("amplitude", 0.0, 0.0, 100_000.0),
            "period": shape.duration("period", 600.0),
        }
        shape.done()
    try:
        return Rate(**values)
    except ValueError as error:
        raise table.fail(str(error)) from None


_ACTORS: dict[str, Callable[..., Actor]] = {"producer": Producer, "consumer": Consumer}


async def apply(scenario: Scenario, cloud: Cloud) -> list[Actor]:
    """Create the scenario's resources through `cloud.call` and start its actors."""
    delivery = cloud.service(SqsService).delivery
    for knob in fields(Delivery):
        setattr(delivery, knob.name, getattr(scenario.delivery, knob.name))
    for spec in scenario.queues:
        attributes = {
            k: v.replace("{account}", cloud.account) if k == "RedrivePolicy" else v
            for k, v in spec.attributes.items()
        }
        params: dict[str, Any] = {"QueueName": spec.name, "Attributes": attributes}
        if spec.tags:
            params["tags"] = spec.tags
        try:
            await cloud.call("sqs", "CreateQueue", params, caller=SETUP_ROLE)
        except AwsError as error:
            raise ScenarioError(
                f"{scenario.source}: queue {spec.name!r}: {error.code}: {error.message}"
            ) from None
    actors = [
        _ACTORS[spec.kind](cloud, spec.name, spec.queue, **spec.options) for spec in scenario.actors
    ]
    for actor in actors:
        actor.start()
    return actors
