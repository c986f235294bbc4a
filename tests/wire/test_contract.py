"""The registry's contract with the wire, checked for every service that registers.

Nobody has to remember these for a new service: they loop over
`backend.services.REGISTRY`. Each `@action` must be an operation of the
service's botocore model (else no SDK can call it) and routable in a
protocol the model speaks; each service's scenario sections, actor kinds
and wire traits must be well formed. The fuzz (`test_fuzz.py`) then sends
every action over the wire.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from botocore.loaders import create_loader

from backend.registry import Registration, WireTraits
from backend.services import REGISTRY
from backend.wire.codecs import CODECS
from backend.wire.models import model_loader, wire_service

ENTRIES = {entry.service.name: entry for entry in REGISTRY}


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_every_action_is_in_the_botocore_model(name: str) -> None:
    wire = wire_service(name)
    assert wire is not None, f"{name}: no botocore model (bundle one in WireTraits.models)"
    missing = [
        action
        for action in ENTRIES[name].service.actions
        if wire.operation(action) is None and wire.operation(action, query=True) is None
    ]
    assert missing == [], f"{name}: actions botocore does not know: {missing}"


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_every_protocol_of_the_model_has_a_codec_or_is_named(name: str) -> None:
    wire = wire_service(name)
    assert wire is not None
    assert wire.protocol in CODECS, f"{name} speaks {wire.protocol}: register a codec for it"


@pytest.mark.parametrize("entry", REGISTRY, ids=lambda e: e.service.name)
def test_registrations_are_well_formed(entry: Registration) -> None:
    service = entry.service
    assert service.event_source.endswith(".amazonaws.com")
    assert service.usage_name
    for section in entry.sections:
        assert section.key.isidentifier()
    kinds = [kind.name for kind in entry.actors]
    assert all(kind.startswith(f"{service.name}-") for kind in kinds), kinds
    assert len(set(kinds)) == len(kinds)


def test_names_are_unique_across_the_registry() -> None:
    names = [entry.service.name for entry in REGISTRY]
    sections = [s.key for entry in REGISTRY for s in entry.sections]
    kinds = [k.name for entry in REGISTRY for k in entry.actors]
    for found in (names, sections, kinds):
        assert len(found) == len(set(found)), found


def test_the_model_protocols_list_is_read_not_only_protocol() -> None:
    cloudwatch = wire_service("monitoring")
    assert cloudwatch is not None
    assert cloudwatch.protocols == ("smithy-rpc-v2-cbor", "json", "query")
    sqs = wire_service("sqs")
    assert sqs is not None
    assert sqs.protocols == ("json", "query")  # query restored from SQS's wire traits


def test_a_service_may_bundle_a_model_botocore_no_longer_ships(tmp_path: Path) -> None:
    """Elastic Transcoder's model left botocore; its package will bring it along."""
    raw = json.loads(json.dumps(create_loader().load_service_model("sts", "service-2")))
    raw["metadata"]["endpointPrefix"] = "faketranscoder"
    folder = tmp_path / "faketranscoder" / raw["metadata"]["apiVersion"]
    folder.mkdir(parents=True)
    (folder / "service-2.json").write_text(json.dumps(raw))
    bundled = Registration(REGISTRY[0].service, wire=WireTraits(models=tmp_path))
    loader = model_loader([bundled])
    assert "faketranscoder" in loader.list_available_services("service-2")
    assert "faketranscoder" not in create_loader().list_available_services("service-2")
