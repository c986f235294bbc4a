"""The pane registry: number keys, the names `:` takes, and how a typed name resolves."""

from __future__ import annotations

from tui.panes import PANES, jump_names, number_bindings, numbered, resolve
from tui.screens.pane import Pane


def fake(pane_id: str, label: str, *aliases: str) -> type[Pane]:
    """A pane class with only names: the registry's functions read nothing else."""
    return type(f"{label}Pane", (Pane,), {"pane_id": pane_id, "label": label, "aliases": aliases})


ELEVEN = [fake(f"p{n}", f"P{n}") for n in range(11)]


def test_the_first_ten_panes_get_number_keys_and_the_rest_only_names() -> None:
    keys = [key for key, _ in numbered(ELEVEN)]
    assert keys == [*"1234567890", ""]
    assert [b.key for b in number_bindings(ELEVEN)] == list("1234567890")
    assert number_bindings(ELEVEN)[0].action == "show_pane('p0')"


def test_a_name_resolves_exactly_or_by_its_start_in_rail_order() -> None:
    panes = [
        fake("sqs", "SQS", "queues"),
        fake("kinesis", "Kinesis", "streams"),
        fake("s3", "S3", "buckets"),
    ]
    names = jump_names(panes)
    assert list(names) == ["sqs", "queues", "kinesis", "streams", "s3", "buckets"]
    assert resolve("kin", names) == "kinesis"
    assert resolve("STREAMS", names) == "kinesis"
    assert resolve("s", names) == "sqs"
    assert resolve("s3", names) == "s3"
    assert resolve("b", names) == "s3"
    assert resolve("lambda", names) is None
    assert resolve("  ", names) is None


def test_the_registry_names_every_pane_once() -> None:
    names = jump_names()
    for pane in PANES:
        assert names[pane.pane_id] == pane.pane_id
