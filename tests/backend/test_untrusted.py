"""JSON written by a client: nested absurdly deep, it is an AWS error, never an
InternalFailure; and `json_object`'s fast reader answers exactly what `json` does."""

from __future__ import annotations

import base64
import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.cloud import Cloud
from backend.errors import AwsError
from backend.untrusted import json_document, json_members, json_object

DEEP = "[" * 100_000


def token(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


@pytest.mark.parametrize("attribute", ["Policy", "RedrivePolicy", "RedriveAllowPolicy"])
async def test_a_deeply_nested_policy_is_an_invalid_attribute(cloud: Cloud, attribute: str) -> None:
    with pytest.raises(AwsError) as raised:
        await cloud.call("sqs", "CreateQueue", {"QueueName": "q", "Attributes": {attribute: DEEP}})
    assert raised.value.code == "InvalidAttributeValue"


async def test_a_deeply_nested_list_queues_token_is_invalid(cloud: Cloud) -> None:
    with pytest.raises(AwsError) as raised:
        await cloud.call("sqs", "ListQueues", {"MaxResults": 5, "NextToken": token(DEEP)})
    assert (raised.value.code, raised.value.message) == (
        "InvalidParameterValue",
        "Invalid NextToken value.",
    )


async def test_a_deeply_nested_lookup_events_token_is_invalid(cloud: Cloud) -> None:
    with pytest.raises(AwsError) as raised:
        await cloud.call("cloudtrail", "LookupEvents", {"NextToken": token(DEEP)})
    assert raised.value.code == "InvalidNextTokenException"


@pytest.mark.parametrize("start", ["٣", " 1", "1" * 400, 10**400])
async def test_a_time_that_is_no_number_is_an_aws_error(cloud: Cloud, start: object) -> None:
    with pytest.raises(AwsError) as raised:
        await cloud.call("cloudtrail", "LookupEvents", {"StartTime": start})
    assert raised.value.code == "InvalidTimeRangeException"


#: JSON values, with what tells two readers apart: integers past 64 bits, floats at the
#: edge of their precision, escapes, and text outside ASCII.
_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
_VALUES = st.recursive(
    _LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def _same(a: Any, b: Any) -> bool:
    """Equal, and of the same types all the way down (1 == 1.0, but a reader must not
    turn one into the other), with NaN equal to itself."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return bool(a == b)


@given(st.dictionaries(st.text(), _VALUES, max_size=6), st.booleans(), st.booleans())
def test_an_object_reads_as_json_reads_it(
    document: dict[str, Any], ascii_only: bool, spaced: bool
) -> None:
    text = json.dumps(document, ensure_ascii=ascii_only)
    if spaced:
        text = f" \n{text}\t "
    found = json_object(text)
    assert found is not None
    assert _same(found, json.loads(text))


@given(st.text(alphabet='{}[]":,0123456789.eE+- \\nulaNIfity\ud800', max_size=30))
def test_any_text_reads_as_json_reads_it_or_not_at_all(text: str) -> None:
    try:
        expected = json_document(text)
    except ValueError:
        expected = None
    if not isinstance(expected, dict):
        expected = None
    found = json_object(text)
    assert (found is None) == (expected is None)
    if expected is not None:
        assert _same(found, expected)


def test_what_only_json_accepts_is_still_read() -> None:
    """NaN, infinities and lone surrogates are not JSON; `json` reads them and so did
    every filter pattern before the fast reader came."""
    found = json_object('{"a": NaN, "b": 1e400, "c": "\\ud800", "d": 123456789012345678901234}')
    assert found is not None
    assert math.isnan(found["a"])
    assert found["b"] == math.inf
    assert found["c"] == "\ud800"
    assert found["d"] == 123456789012345678901234
    deep = '{"a": ' + "[" * 5000 + "]" * 5000 + "}"
    assert json_object(deep) is None
    assert json_object('{"a": 1} x') is None
    assert json_object("[1]") is None


def _members(document: dict[str, Any] | None, names: frozenset[str]) -> dict[str, Any] | None:
    """What `json_members(names)` must give where `json_object` gave `document`."""
    return None if document is None else {k: v for k, v in document.items() if k in names}


def _same_members(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    if a is None or b is None:
        return a is b
    return sorted(a) == sorted(b) and all(_same(a[k], b[k]) for k in a)


@given(
    st.dictionaries(st.text(max_size=3), _VALUES, max_size=6),
    st.frozensets(st.text(max_size=3), max_size=4),
    st.booleans(),
)
def test_the_members_of_an_object_read_as_json_reads_them(
    document: dict[str, Any], names: frozenset[str], ascii_only: bool
) -> None:
    text = json.dumps(document, ensure_ascii=ascii_only)
    expected = _members(json.loads(text), names)
    assert _same_members(json_members(names)(text), expected)


@given(st.text(alphabet='{}[]":,0123456789.eE+- \\nulaNIfity\ud800', max_size=30))
def test_the_members_of_any_text_read_as_json_reads_them_or_not_at_all(text: str) -> None:
    for names in (frozenset({"a"}), frozenset({"a", "", "1"})):
        assert _same_members(json_members(names)(text), _members(json_object(text), names))


def test_members_only_json_reads_are_read_as_json_reads_them() -> None:
    """Whether a member msgspec refuses is one of those kept or one skipped, `json` reads
    the object, so the answer is the same."""
    read = json_members(frozenset({"k", "odd.key"}))
    assert read('{"k": 1, "skipped": NaN}') == {"k": 1}
    assert read('{"k": "\\ud800"}') == {"k": "\ud800"}
    assert read('{"k": 1e400}') == {"k": math.inf}
    assert read('{"k": 1, "k": 2, "odd.key": [], "x": {"k": 3}}') == {"k": 2, "odd.key": []}
    assert read('{"\\u006b": true}') == {"k": True}
    assert read('{"skipped": "\\x"}') is None  # not JSON at all
    assert read('{"k": 1} x') is None
    assert read("[1]") is None
    assert read("plain text") is None
    assert read('{"k": ' + "[" * 5000 + "]" * 5000 + "}") is None


def test_members_named_outside_ascii_are_found_by_name() -> None:
    """msgspec 0.23 reads a TypedDict's non-ASCII name as the empty one: not here."""
    read = json_members(frozenset({"\u00e9t\u00e9"}))
    assert read('{"": 1}') == {}
    assert read('{"\u00e9t\u00e9": 2}') == {"\u00e9t\u00e9": 2}
