"""The shared kits on their own: Coral request checks, the scenario Reader's helpers, tag text.

Kinesis's and Firehose's suites check the words each action answers with;
these pin what the kit promises every service, whichever uses it.
"""

from __future__ import annotations

from typing import Any

import pytest

from backend.actors.batches import BatchingProducer
from backend.errors import AwsError, ErrorCode
from backend.kit.scenario import Reader, ScenarioError
from backend.kit.tags import PUNCTUATION, allowed
from backend.kit.validation import Checks, failure, refused
from backend.services import new_cloud


def problems(checks: Checks) -> str:
    with pytest.raises(AwsError) as info:
        checks.done()
    assert info.value.code == "ValidationException"
    return info.value.message


# -- validation --------------------------------------------------------------------


def test_failures_are_counted_and_joined_in_one_message() -> None:
    checks = Checks({"StreamName": "a b", "Limit": 0})
    checks.string("StreamName", pattern="[a-z]+")
    checks.integer("Limit", low=1)
    checks.string("Missing", required=True)
    assert problems(checks) == (
        "3 validation errors detected: "
        "Value 'a b' at 'streamName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [a-z]+; "
        "Value '0' at 'limit' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1; "
        "Value null at 'missing' failed to satisfy constraint: Member must not be null"
    )


def test_nothing_wrong_raises_nothing() -> None:
    checks = Checks({"Name": "ok", "Flag": True})
    assert checks.string("Name", min_len=1) == "ok"
    assert checks.boolean("Flag") is True
    assert checks.boolean("Absent") is False
    checks.done()


def test_values_are_quoted_as_java_prints_them() -> None:
    assert failure("data", b"x" * 3, "C") == (
        "Value 'java.nio.HeapByteBuffer[pos=0 lim=3 cap=3]' at 'data' failed to satisfy "
        "constraint: C"
    )
    assert failure("tags", {"k": "v"}, "C").startswith("Value '{k=v}' at 'tags'")
    listed = failure("keys", [str(i) for i in range(7)], "C")
    assert listed.startswith("Value '[0, 1, 2, 3, 4, ...]' at 'keys'")


def test_one_failure_can_carry_the_services_own_code() -> None:
    error = refused([failure("limit", 10_001, "Too big")], ErrorCode("InvalidArgumentException"))
    assert error.code == "InvalidArgumentException"
    assert error.message == (
        "1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: "
        "Too big"
    )


def test_nested_and_list_items_are_reported_at_their_path() -> None:
    params: dict[str, Any] = {"Record": {}, "Records": [{"Data": b"ok"}, {}]}
    checks = Checks(params)
    checks.nested("Record").blob("Data", required=True)
    for i, entry in enumerate(checks.structures("Records", max_items=5) or []):
        checks.item("Records", i, entry).blob("Data", required=True, max_len=10)
    message = problems(checks)
    assert "at 'record.data'" in message
    assert "at 'records.2.member.data'" in message
    assert message.startswith("2 validation errors")


def test_a_wrong_type_fails_at_once_with_its_path() -> None:
    with pytest.raises(AwsError) as info:
        Checks({"TagKeys": ["a", 5]}).strings("TagKeys")
    assert info.value.code == "SerializationException"
    assert info.value.message == (
        "Value at 'tagKeys.2.member' of JSON type int can not be converted to a String."
    )
    with pytest.raises(AwsError) as info:
        Checks({"Tags": {"k": 1}}).string_map("Tags")
    assert "'tags.k'" in info.value.message


def test_tag_keys_and_values_follow_the_model_patterns_with_percent() -> None:
    checks = Checks({})
    assert checks.tag_key("Key", "team%1")
    assert checks.tag_value("Value", "50% off")
    assert not checks.tag_key("Key", "aws:x")
    assert not checks.tag_value("Value", "v" * 257)
    assert not checks.tag_value("Value", "<b>")
    assert problems(checks).startswith("3 validation errors")


def test_tag_text_takes_the_callers_punctuation() -> None:
    assert allowed("a b_c.d:e/f=g+h-i@j", PUNCTUATION)
    assert not allowed("50%")
    assert allowed("50%", PUNCTUATION | {"%"})
    assert allowed("café ünïcode")


# -- the scenario Reader -------------------------------------------------------------


def reader(**table: Any) -> Reader:
    return Reader("t.toml", "actor[0]", table)


def test_a_name_must_be_one_a_section_defines() -> None:
    defined = {"queue": {"orders"}}
    assert reader(queue="orders").defined("queue", "sqs.queue", defined) == "orders"
    with pytest.raises(ScenarioError) as info:
        reader(queue="nope").defined("queue", "sqs.queue", defined)
    assert str(info.value) == "t.toml: actor[0]: queue 'nope' is not defined in [[sqs.queue]]"
    with pytest.raises(ScenarioError, match="queue is required"):
        reader().defined("queue", "sqs.queue", defined)


def test_a_name_defined_twice_is_named() -> None:
    reader().unique(["a", "b"], "stream")
    with pytest.raises(ScenarioError, match="stream 'b' is defined more than once"):
        reader().unique(["a", "b", "c", "b"], "stream")


def test_a_string_map_reads_as_text() -> None:
    assert reader(tags={"n": 1, "team": "web"}).string_map("tags") == {"n": "1", "team": "web"}
    assert reader().string_map("tags") == {}


# -- batch sends -------------------------------------------------------------------


class Scripted(BatchingProducer[int]):
    """Answers each batch call from `script`: the record numbers to refuse, or None to fail."""

    kind = "test-batcher"
    max_backlog = 5

    def __init__(self, script: list[set[int] | None]) -> None:
        super().__init__(new_cloud(seed="kit"), "batcher", batch=2)
        self.script = script
        self.calls: list[list[int]] = []

    async def _put(self, records: list[int]) -> list[dict[str, Any]] | None:
        self.calls.append(records)
        refuse = self.script.pop(0)
        if refuse is None:
            return None
        return [{"ErrorCode": "Throttled"} if r in refuse else {} for r in records]


async def test_refused_records_go_back_first_and_a_full_backlog_drops_the_oldest() -> None:
    producer = Scripted([{4}, None, set(), set()])
    producer._hold(range(1, 8))
    assert (producer.dropped, producer.waiting) == (2, 5)
    await producer._flush()
    assert (producer.sent, producer.throttled, producer.waiting) == (1, 1, 4)
    await producer._flush()
    assert (producer.sent, producer.waiting) == (1, 4)
    await producer._flush()
    assert producer.calls == [[3, 4], [4, 5], [4, 5], [6, 7]]
    assert (producer.sent, producer.throttled, producer.waiting) == (5, 1, 0)
