"""The event-stream encoder (`backend/wire/eventstream.py`), checked by botocore's decoder.

botocore's `EventStreamBuffer` validates both CRCs and every length of what
it reads, so a message it decodes is framed right; two vectors computed
independently (published with an Elixir implementation of the format) pin
the bytes themselves.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

import botocore.session
import pytest
from botocore.eventstream import EventStreamBuffer, EventStreamMessage

from backend.errors import AwsError, ErrorCode
from backend.wire.eventstream import EventStreamBody, encode_message, json_event_stream

_KINESIS = botocore.session.get_session().get_service_model("kinesis")
SUBSCRIBE = _KINESIS.operation_model("SubscribeToShard")


def decoded(data: bytes, step: int | None = None) -> list[EventStreamMessage]:
    """The messages in `data`, fed to botocore's buffer `step` bytes at a time."""
    step = step or max(len(data), 1)
    buffer = EventStreamBuffer()
    messages: list[EventStreamMessage] = []
    for start in range(0, len(data), step):
        buffer.add_data(data[start : start + step])
        messages.extend(buffer)
    return messages


def test_known_vectors() -> None:
    prelude = bytes([0, 0, 0, 30, 0, 0, 0, 0, 186, 242, 246, 138])
    crc = bytes([174, 114, 88, 228])
    assert encode_message({}, b'{"foo": "bar"}') == prelude + b'{"foo": "bar"}' + crc
    with_header = encode_message({"content-type": "application/json"}, b'{"foo": "bar"}')
    assert with_header[:12] == bytes([0, 0, 0, 62, 0, 0, 0, 32, 64, 93, 249, 70])
    assert with_header[-4:] == bytes([111, 162, 191, 59])


def test_botocore_decodes_what_it_writes_in_any_split() -> None:
    first = encode_message(
        {":message-type": "event", ":event-type": "Ünïcode", ":content-type": "application/json"},
        b'{"a":1}',
    )
    second = encode_message({}, b"")
    third = encode_message({":error-message": "x" * 65_535}, bytes(range(256)) * 40)
    stream = first + second + third
    for step in (None, 1, 7, 4096):
        messages = decoded(stream, step)
        assert [m.headers for m in messages] == [
            {
                ":message-type": "event",
                ":event-type": "Ünïcode",
                ":content-type": "application/json",
            },
            {},
            {":error-message": "x" * 65_535},
        ]
        assert [m.payload for m in messages] == [b'{"a":1}', b"", bytes(range(256)) * 40]


def test_what_no_decoder_would_take_is_refused() -> None:
    with pytest.raises(ValueError):
        encode_message({"n" * 256: "v"}, b"")
    with pytest.raises(ValueError):
        encode_message({"": "v"}, b"")
    with pytest.raises(ValueError):
        encode_message({"n": "v" * 65_536}, b"")
    with pytest.raises(ValueError):
        encode_message({f"h{i}": "v" * 60_000 for i in range(3)}, b"")


class Source:
    """An event source as a service gives one: events, then maybe an error."""

    def __init__(self, events: list[Mapping[str, Any]], error: Exception | None = None) -> None:
        self._events = events
        self._raise = error if not isinstance(error, AwsError) else None
        self.error = error if isinstance(error, AwsError) else None
        self.closed = False

    async def __aiter__(self) -> AsyncIterator[Mapping[str, Any]]:
        for event in self._events:
            yield event
        if self._raise is not None:
            raise self._raise

    def close(self) -> None:
        self.closed = True


def sent(body: EventStreamBody) -> list[EventStreamMessage]:
    async def collect() -> bytes:
        chunks = [chunk async for chunk in body]
        await body.aclose()
        return b"".join(chunks)

    return decoded(asyncio.run(collect()))


RECORD = {
    "SequenceNumber": "1",
    "ApproximateArrivalTimestamp": 1_700_000_000.25,
    "Data": b"\x00\xff",
    "PartitionKey": "k",
}
EVENT = {"Records": [RECORD], "ContinuationSequenceNumber": "1", "MillisBehindLatest": 0}


def test_a_json_event_stream_starts_with_its_initial_response_and_ends_on_its_error() -> None:
    build = json_event_stream(SUBSCRIBE)
    assert build is not None
    source = Source(
        [{"SubscribeToShardEvent": EVENT}],
        ErrorCode("ResourceNotFoundException")("Stream s under account 1 not found."),
    )
    initial, event, error = sent(build({"EventStream": source}))
    assert initial.headers == {
        ":event-type": "initial-response",
        ":content-type": "application/json",
        ":message-type": "event",
    }
    assert json.loads(initial.payload) == {}
    assert event.headers[":event-type"] == "SubscribeToShardEvent"
    assert event.headers[":message-type"] == "event"
    record = json.loads(event.payload)["Records"][0]
    assert base64.b64decode(record["Data"]) == b"\x00\xff"
    assert record["ApproximateArrivalTimestamp"] == 1_700_000_000.25
    assert error.headers == {
        ":exception-type": "ResourceNotFoundException",
        ":content-type": "application/json",
        ":message-type": "exception",
    }
    assert json.loads(error.payload) == {"message": "Stream s under account 1 not found."}
    assert source.closed


def test_errors_the_union_does_not_model_and_failures_are_error_messages() -> None:
    build = json_event_stream(SUBSCRIBE)
    assert build is not None
    unmodelled = Source([], ErrorCode("Throttled")("slow down"))
    *_, last = sent(build({"EventStream": unmodelled}))
    assert last.headers == {
        ":error-code": "Throttled",
        ":error-message": "slow down",
        ":message-type": "error",
    }
    broken = Source([{"SubscribeToShardEvent": EVENT}], RuntimeError("a bug"))
    *_, last = sent(build({"EventStream": broken}))
    assert last.headers[":error-code"] == "InternalFailure"


def test_closing_a_body_never_read_closes_its_source() -> None:
    build = json_event_stream(SUBSCRIBE)
    assert build is not None
    source = Source([{"SubscribeToShardEvent": EVENT}])
    asyncio.run(build({"EventStream": source}).aclose())
    assert source.closed


def test_operations_without_an_event_stream_have_none() -> None:
    assert json_event_stream(_KINESIS.operation_model("GetRecords")) is None
