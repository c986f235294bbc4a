"""Scenario files: TOML that says which resources exist and which actors drive them.

A scenario is set up through the one call path (its resources are created by
the `skydeck-scenario` role, so the set-up shows in the trail like any
deployment would), then its actors start. What a file may hold beyond its
`[scenario]` head comes from the service registry: each service reads its own
section (`[sqs]`, `[kinesis]`) and brings its actor kinds, so this module
knows no service. A scenario file is input from a person: every mistake gets
a `ScenarioError` naming the file, the place in it and what is wrong, and
unknown keys are errors, so a typo can't silently change what runs.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from backend.actors.actor import Actor
from backend.cloud import DEFAULT_START, Cloud
from backend.identity import DEFAULT_REGION
from backend.kit.scenario import Reader, ScenarioError
from backend.registry import ActorKind, Registration, ScenarioSection
from backend.services import REGISTRY

__all__ = ["Scenario", "ScenarioError", "apply", "builtin_names", "load_scenario"]


@dataclass(frozen=True)
class ActorSpec:
    kind: str
    name: str
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
    #: Each present section's parsed value, by its key (`"sqs"`), in registry order.
    sections: dict[str, Any] = field(default_factory=dict)
    actors: tuple[ActorSpec, ...] = ()
    source: str = field(default="", compare=False)

    def defines(self, kind: str) -> set[str]:
        """The names of the resources of `kind` (`"queue"`) the scenario's sections create."""
        return set(_defined(self.sections, REGISTRY).get(kind, set()))


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


def _sections(registry: tuple[Registration, ...]) -> dict[str, ScenarioSection]:
    return {section.key: section for entry in registry for section in entry.sections}


def _actor_kinds(registry: tuple[Registration, ...]) -> dict[str, ActorKind]:
    return {kind.name: kind for entry in registry for kind in entry.actors}


def _defined(parsed: Mapping[str, Any], registry: tuple[Registration, ...]) -> dict[str, set[str]]:
    sections = _sections(registry)
    defined: dict[str, set[str]] = {}
    for key, value in parsed.items():
        for kind, names in sections[key].names(value).items():
            defined.setdefault(kind, set()).update(names)
    return defined


def parse_scenario(
    text: str, source: str, registry: tuple[Registration, ...] = REGISTRY
) -> Scenario:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(f"{source}: not valid TOML: {error}") from None
    top = Reader(source, "top level", document)
    head = top.sub("scenario")
    if head is None:
        raise top.fail("a [scenario] table is required")
    name = head.required("name", str)
    start = _start_time(head, head.get("start", (dt.datetime, str)))
    scenario_seed = int(head.number("seed", 0, 0, 2**63))
    speed = head.number("speed", 1.0, 0.1, 1000.0)
    region = head.get("region", str, DEFAULT_REGION)
    title = head.get("title", str, name)
    description = head.get("description", str, "")
    head.done()

    parsed: dict[str, Any] = {}
    for key, section in _sections(registry).items():
        table = top.sub(key)
        if table is not None:
            parsed[key] = section.parse(table, region)
    defined = _defined(parsed, registry)
    kinds = _actor_kinds(registry)
    actors = [_actor_spec(table, kinds, defined) for table in top.tables("actor")]
    top.done()
    return Scenario(
        name=name,
        title=title,
        description=description,
        start=start,
        seed=scenario_seed,
        speed=speed,
        region=region,
        sections=parsed,
        actors=tuple(actors),
        source=source,
    )


def _start_time(head: Reader, value: dt.datetime | str | None) -> float:
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


def _actor_spec(
    table: Reader, kinds: Mapping[str, ActorKind], defined: Mapping[str, set[str]]
) -> ActorSpec:
    kind = table.required("kind", str)
    name = table.required("name", str)
    found = kinds.get(kind)
    if found is None:
        raise table.fail(f"unknown kind {kind!r} (known: {', '.join(sorted(kinds))})")
    options = found.parse(table, defined)
    table.done()
    return ActorSpec(kind, name, options)


async def apply(
    scenario: Scenario, cloud: Cloud, registry: tuple[Registration, ...] = REGISTRY
) -> list[Actor]:
    """Create the scenario's resources through `cloud.call` and start its actors.

    Sections apply in registry order, so a bucket's notifications find the
    queues the `[sqs]` section made.
    """
    sections = _sections(registry)
    for key, value in scenario.sections.items():
        await sections[key].apply(value, cloud, scenario.source)
    kinds = _actor_kinds(registry)
    actors = [kinds[spec.kind].make(cloud, spec.name, spec.options) for spec in scenario.actors]
    for actor in actors:
        actor.start()
    return actors
