"""What the wire knows about each service: botocore's model and how it is spoken.

botocore ships the AWS service models (shapes, member names, which members are
blobs and timestamps, protocol traits); the wire reads them rather than
restating any of it. A `WireService` binds one simulated service (by its cloud
name, the endpoint prefix such as "sqs") to its model and to the facts routing
needs: the protocols its clients speak (the model's `protocols` list, not only
`protocol`: CloudWatch's clients send CBOR, JSON and query), the JSON
`X-Amz-Target` prefix, the SigV4 signing name, the query API version, and the
traits its package registers (`backend.registry.WireTraits`).

Models botocore no longer ships (Elastic Transcoder's) come from the folders
services register (`WireTraits.models`), searched before botocore's own.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from botocore.loaders import Loader, create_loader
from botocore.model import OperationModel, ServiceModel

from backend.registry import QueryTraits, Registration, WireTraits
from backend.services import REGISTRY
from backend.wire.access import host_name

#: Cloud service names (endpoint prefixes) whose botocore model is named otherwise.
BOTOCORE_NAMES: dict[str, str] = {"monitoring": "cloudwatch"}


@dataclass(frozen=True, eq=False)
class WireService:
    """One simulated service as the wire speaks it."""

    #: The cloud's name for the service: its endpoint prefix ("sqs").
    name: str
    #: The model as botocore ships it; the JSON codec reads this one.
    model: ServiceModel
    #: The model form requests are read against: query traits (native or restored),
    #: or EC2's own model (its protocol is a dialect of the query form); None if neither.
    query_model: ServiceModel | None
    #: What current SDKs send: the first of the model's protocols.
    protocol: str
    #: Every protocol the service answers, in the model's order of preference.
    protocols: tuple[str, ...]
    target_prefix: str | None
    json_version: str
    #: JSON service that also reports legacy query error codes (`x-amzn-query-error`).
    query_compatible: bool
    signing_name: str
    api_version: str
    xml_namespace: str
    #: A query request's path may stand for a member (SQS: the queue URL).
    path_member: tuple[Any, str] | None
    #: Virtual-hosted-style requests name this member in the host (S3: Bucket).
    host_label: str | None
    #: Operations by (model, name), built on first use: each service keeps its own.
    _operations: dict[tuple[bool, str], OperationModel | None] = field(
        default_factory=dict, repr=False
    )

    @property
    def content_type(self) -> str:
        return f"application/x-amz-json-{self.json_version}"

    def operation(self, name: str, *, query: bool = False) -> OperationModel | None:
        """The operation `name` in the model the codec needs, or None if unknown."""
        key = (query, name)
        if key not in self._operations:
            model = self.query_model if query else self.model
            found = None
            if model is not None and name in model.operation_names:
                found = model.operation_model(name)
            self._operations[key] = found
        return self._operations[key]

    def host_label_of(self, host: str) -> str | None:
        """The member a virtual-hosted-style Host names (`bkt.localhost:4566` -> `bkt`).

        The host is the label followed by a base that means this endpoint: an
        IP address, `localhost`, LocalStack's names, or S3's own
        (`s3[.<region>].amazonaws.com`); a base alone is path-style (None).
        Bucket names may hold dots, so only the base is cut off.
        """
        if self.host_label is None:
            return None
        name = host_name(host) if host else None
        if name is None or name.startswith("["):
            return None
        found = _VIRTUAL_HOST.fullmatch(name)
        return found.group(1) if found else None


#: `<label>.<base>`, the bases that mean this endpoint (AWS_FACTS §16.1).
_VIRTUAL_HOST = re.compile(
    r"(.+?)\.(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|localhost|s3\.localhost\.localstack\.cloud"
    r"|localhost\.localstack\.cloud|s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com)"
)


def _traits(name: str) -> WireTraits:
    for entry in REGISTRY:
        if entry.service.name == name:
            return entry.wire
    return WireTraits()


def model_loader(registry: Iterable[Registration]) -> Loader:
    """botocore's loader, looking first in the model folders `registry`'s services bring."""
    loader = create_loader()
    for entry in registry:
        if entry.wire.models is not None:
            loader.search_paths.insert(0, str(entry.wire.models))
    return loader


@functools.cache
def _loader() -> Loader:
    return model_loader(REGISTRY)


@functools.cache
def wire_service(name: str) -> WireService | None:
    """The wire description of cloud service `name`, or None if there is no model for it."""
    botocore_name = BOTOCORE_NAMES.get(name, name)
    loader = _loader()
    if botocore_name not in loader.list_available_services("service-2"):
        return None
    raw: dict[str, Any] = loader.load_service_model(botocore_name, "service-2")
    model = ServiceModel(raw, service_name=botocore_name)
    metadata = raw["metadata"]
    protocol = str(metadata.get("protocol", ""))
    protocols = tuple(str(p) for p in metadata.get("protocols") or [protocol])
    wire = _traits(name)
    traits = wire.legacy_query
    query_model: ServiceModel | None = None
    if "query" in protocols or "ec2" in protocols:
        query_model = model
    elif traits is not None:
        query_model = ServiceModel(restore_query_traits(raw, traits), service_name=botocore_name)
        protocols += ("query",)
    return WireService(
        name=name,
        model=model,
        query_model=query_model,
        protocol=protocols[0],
        protocols=protocols,
        target_prefix=metadata.get("targetPrefix"),
        json_version=str(metadata.get("jsonVersion", "1.0")),
        query_compatible="awsQueryCompatible" in metadata,
        signing_name=str(metadata.get("signingName") or metadata.get("endpointPrefix") or name),
        api_version=str(metadata.get("apiVersion", "")),
        xml_namespace=(traits.xml_namespace if traits else str(metadata.get("xmlNamespace", ""))),
        path_member=wire.path_member,
        host_label=wire.host_label,
    )


def restore_query_traits(raw: dict[str, Any], traits: QueryTraits) -> dict[str, Any]:
    """A copy of model `raw` with the query-protocol traits in `traits` put back.

    Entries naming shapes the model no longer has are skipped here; the wire's
    tests check that none are (`missing_query_traits`).
    """
    patched = copy.deepcopy(raw)
    shapes: dict[str, Any] = patched["shapes"]
    patched["metadata"]["xmlNamespace"] = traits.xml_namespace
    for op in patched["operations"].values():
        output = op.get("output")
        if output is not None:
            output["resultWrapper"] = f"{op['name']}Result"
    for list_name, member_name in traits.list_members.items():
        if list_name in shapes:
            shapes[list_name]["member"]["locationName"] = member_name
    for map_name, (key_name, value_name) in traits.map_entries.items():
        if map_name in shapes:
            shapes[map_name]["key"]["locationName"] = key_name
            shapes[map_name]["value"]["locationName"] = value_name
    for (struct_name, member), location in traits.members.items():
        ref = shapes.get(struct_name, {}).get("members", {}).get(member)
        if ref is not None:
            ref["locationName"] = location
            if (struct_name, member) in traits.flattened_members:
                ref["flattened"] = True
    return patched


def missing_query_traits(name: str) -> list[str]:
    """Entries of `name`'s legacy query traits that its botocore model lacks."""
    traits = _traits(name).legacy_query
    if traits is None:
        return []
    raw = _loader().load_service_model(BOTOCORE_NAMES.get(name, name), "service-2")
    shapes = raw["shapes"]
    missing = [s for s in (*traits.list_members, *traits.map_entries) if s not in shapes]
    missing += [
        f"{s}.{m}" for s, m in traits.members if m not in shapes.get(s, {}).get("members", {})
    ]
    return missing
