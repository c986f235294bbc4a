"""What the wire knows about each service: botocore's model and how it is spoken.

botocore ships the AWS service models (shapes, member names, which members are
blobs and timestamps, protocol traits); the wire reads them rather than
restating any of it. A `WireService` binds one simulated service (by its cloud
name, the endpoint prefix such as "sqs") to its model and to the facts routing
needs: the JSON `X-Amz-Target` prefix, the SigV4 signing name, the query API
version, and whether the service also answers the query protocol.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass
from typing import Any

from botocore.loaders import Loader, create_loader
from botocore.model import OperationModel, ServiceModel

from backend.wire.legacy_query import LEGACY_QUERY, QueryTraits

#: Cloud service names (endpoint prefixes) whose botocore model is named otherwise.
BOTOCORE_NAMES: dict[str, str] = {"monitoring": "cloudwatch"}


@dataclass(frozen=True, eq=False)
class WireService:
    """One simulated service as the wire speaks it."""

    #: The cloud's name for the service: its endpoint prefix ("sqs").
    name: str
    #: The model as botocore ships it; the JSON codec reads this one.
    model: ServiceModel
    #: The model with query-protocol traits (native or restored); None if no query.
    query_model: ServiceModel | None
    #: "json" or "query": what current SDKs send.
    protocol: str
    target_prefix: str | None
    json_version: str
    #: JSON service that also reports legacy query error codes (`x-amzn-query-error`).
    query_compatible: bool
    signing_name: str
    api_version: str
    xml_namespace: str
    #: A query request's path may stand for this member (SQS: the queue URL).
    path_member: str | None

    @property
    def content_type(self) -> str:
        return f"application/x-amz-json-{self.json_version}"

    def operation(self, name: str, *, query: bool = False) -> OperationModel | None:
        """The operation `name` in the model the codec needs, or None if unknown."""
        return _operation(self, name, query)


@functools.cache
def _loader() -> Loader:
    return create_loader()


@functools.cache
def wire_service(name: str) -> WireService | None:
    """The wire description of cloud service `name`, or None if botocore has no model."""
    botocore_name = BOTOCORE_NAMES.get(name, name)
    loader = _loader()
    if botocore_name not in loader.list_available_services("service-2"):
        return None
    raw: dict[str, Any] = loader.load_service_model(botocore_name, "service-2")
    model = ServiceModel(raw, service_name=botocore_name)
    metadata = raw["metadata"]
    protocol = str(metadata.get("protocol", ""))
    traits = LEGACY_QUERY.get(name)
    query_model: ServiceModel | None = None
    if protocol == "query":
        query_model = model
    elif traits is not None:
        query_model = ServiceModel(restore_query_traits(raw, traits), service_name=botocore_name)
    return WireService(
        name=name,
        model=model,
        query_model=query_model,
        protocol=protocol,
        target_prefix=metadata.get("targetPrefix"),
        json_version=str(metadata.get("jsonVersion", "1.0")),
        query_compatible="awsQueryCompatible" in metadata,
        signing_name=str(metadata.get("signingName") or metadata.get("endpointPrefix") or name),
        api_version=str(metadata.get("apiVersion", "")),
        xml_namespace=(traits.xml_namespace if traits else str(metadata.get("xmlNamespace", ""))),
        path_member=traits.path_member if traits else None,
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
    traits = LEGACY_QUERY.get(name)
    if traits is None:
        return []
    raw = _loader().load_service_model(BOTOCORE_NAMES.get(name, name), "service-2")
    shapes = raw["shapes"]
    missing = [s for s in (*traits.list_members, *traits.map_entries) if s not in shapes]
    missing += [
        f"{s}.{m}" for s, m in traits.members if m not in shapes.get(s, {}).get("members", {})
    ]
    return missing


@functools.cache
def _operation(service: WireService, name: str, query: bool) -> OperationModel | None:
    model = service.query_model if query else service.model
    if model is None or name not in model.operation_names:
        return None
    return model.operation_model(name)
