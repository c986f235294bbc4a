"""What a service package brings to skydeck, registered in one place.

Each package under `backend/services` exports a `REGISTRATION`: its
`Service` class, the scenario sections it reads (`[sqs]`, `[kinesis]`), the
actor kinds a scenario may cast (`sqs-producer`), the lines it adds to a
headless summary, and the traits the wire needs to speak it. The scenario
loader, the headless runner and the endpoint loop over these registrations,
so a new service is a new package and one line in `backend/services`, not an
edit in each of them.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backend.kit.scenario import Reader
from backend.service import Service

if TYPE_CHECKING:
    from backend.actors.actor import Actor
    from backend.cloud import Cloud


@dataclass(frozen=True)
class ScenarioSection:
    """A top-level table of scenario files (`[sqs]`) and how it sets the cloud up.

    `parse` reads the table (through `Reader`, so errors say where) into a
    plain value, run when the file is loaded so a mistake fails before
    anything starts. `apply` creates what it describes through `cloud.call`,
    as the scenario's set-up role, and raises `ScenarioError` on refusal.
    `names` says which resources the parsed value defines, by kind
    (`{"queue": {...}}`), so actors can be checked against them.
    """

    key: str
    parse: Callable[[Reader, str], Any]
    apply: Callable[[Any, Cloud, str], Awaitable[None]]
    names: Callable[[Any], Mapping[str, set[str]]] = lambda _: {}


@dataclass(frozen=True)
class ActorKind:
    """An actor a scenario may cast with `kind = "<name>"`.

    `parse(table, defined)` reads the actor's options (`defined` is every
    resource name the sections define, by kind) and `make(cloud, name, options)`
    builds it.
    """

    name: str
    parse: Callable[[Reader, Mapping[str, set[str]]], dict[str, Any]]
    make: Callable[[Cloud, str, dict[str, Any]], Actor]
    #: What the actor kind does, for error messages listing the kinds.
    summary: str = ""


@dataclass(frozen=True)
class QueryTraits:
    """Query-protocol serialization traits to restore on a JSON service model.

    SQS answered the query protocol before its model moved to JSON, and old
    clients still speak it; the current model lost the names that protocol
    spells (`AttributeName.1`). A service that still answers it restores them.
    """

    xml_namespace: str
    #: list shape -> the name of its members (`AttributeNameList` -> `AttributeName`).
    list_members: dict[str, str] = field(default_factory=dict)
    #: map shape -> the names of its key and value (`QueueAttributeMap` -> Name, Value).
    map_entries: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: (structure shape, member) -> the member's query/XML name.
    members: dict[tuple[str, str], str] = field(default_factory=dict)
    #: (structure shape, member) -> flattened, for members that are flattened lists.
    flattened_members: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True)
class WireTraits:
    """What the endpoint needs to know of a service beyond its botocore model."""

    #: Query-protocol names the current model lost (SQS), restored on a copy of it.
    legacy_query: QueryTraits | None = None
    #: A request path that stands for a member, and which one: SQS's queue URL path
    #: `/<account>/<queue>` is the `QueueUrl` of a query request that names none.
    path_member: tuple[re.Pattern[str], str] | None = None
    #: Virtual-hosted-style requests: `<label>.<endpoint host>` names this member
    #: (S3: `bucket.localhost:4566` is Bucket `bucket`).
    host_label: str | None = None
    #: A folder holding `<service>/<api-version>/service-2.json` models that
    #: botocore no longer ships (Elastic Transcoder).
    models: Path | None = None


@dataclass(frozen=True)
class Registration:
    """Everything one service package brings."""

    service: type[Service]
    sections: tuple[ScenarioSection, ...] = ()
    actors: tuple[ActorKind, ...] = ()
    #: Lines for the headless summary (`skydeck run`): plain text, same state, same bytes.
    summary: Callable[[Cloud], list[str]] | None = None
    wire: WireTraits = WireTraits()
