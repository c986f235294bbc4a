"""AWS's event-stream encoding (`application/vnd.amazon.eventstream`), and answers sent in it.

Some operations answer with a stream of events rather than one document
(Kinesis SubscribeToShard; S3 SelectObjectContent, Bedrock and Transcribe
elsewhere). botocore marks the output member that carries it
(`eventstream: true`), reads the body as a sequence of binary messages and
hands its caller an iterator of events. Each message is framed so::

    total length    uint32, big-endian: the whole message, these 4 bytes included
    headers length  uint32
    prelude CRC     uint32: CRC-32 of the 8 bytes above
    headers         name length (uint8), name (UTF-8), value type (uint8), value
    payload         bytes
    message CRC     uint32: CRC-32 of everything before it, the prelude CRC included

The CRC is the gzip/zlib CRC-32 (`binascii.crc32`). Only string header values
(type 7: uint16 length, then UTF-8) are written: they are all the protocol's
own headers are (`:message-type`, `:event-type`, `:content-type`,
`:exception-type`, `:error-code`, `:error-message`).

botocore decodes this format (`botocore.eventstream`) but has no encoder; the
one maintained Python encoder, AWS's `smithy-aws-event-stream`, is a pre-1.0
part of the next SDK, brings `smithy-core` with it and expects that SDK's
typed event classes. The framing is a few lines, so it is written here, and
the tests decode what it writes with botocore's own `EventStreamBuffer`.

What the endpoint sends for a JSON-protocol operation (`json_event_stream`),
as botocore's JSON parser expects it:

1. an `initial-response` event whose payload is the output's other members
   as JSON (`{}` for SubscribeToShard): botocore reads it before the call
   returns, and refuses a stream that starts with anything else;
2. one event per event the service gives, `:event-type` naming its member
   of the stream's union, the member's structure as JSON (blobs base64,
   timestamps epoch seconds, as in any JSON answer);
3. if the stream ended on an error, one last message: an `exception` whose
   `:exception-type` is the error's code where the union models it
   (`ResourceNotFoundException`), payload `{"message": ...}`; any other
   error an `error` message with `:error-code` and `:error-message`.

botocore raises the last two as `EventStreamError` from the caller's loop. A
stream that ends without an error simply ends, as AWS ends a SubscribeToShard
session after its five minutes.
"""

from __future__ import annotations

import json
import logging
import struct
from binascii import crc32
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from typing import Any, Protocol

from botocore.model import OperationModel, Shape

from backend.errors import AwsError, InternalFailure
from backend.wire import json_protocol

log = logging.getLogger(__name__)

CONTENT_TYPE = "application/vnd.amazon.eventstream"
#: The prelude (two lengths and their CRC) and the message CRC.
_OVERHEAD = 16
#: The value type of a string header.
_STRING = b"\x07"
#: What botocore's decoder accepts at most (`_MAX_HEADERS_LENGTH`, `_MAX_PAYLOAD_LENGTH`).
MAX_HEADERS = 128 * 1024
MAX_PAYLOAD = 24 * 1024 * 1024
#: A header value's length is a uint16.
_MAX_VALUE = 0xFFFF
_TWO = struct.Struct("!II")
_ONE = struct.Struct("!I")
_SHORT = struct.Struct("!H")


def encode_message(headers: Mapping[str, str], payload: bytes) -> bytes:
    """One event-stream message: string-valued `headers` and `payload`, framed and checksummed.

    ValueError for what no decoder would accept: a header name over 255 bytes,
    a value over 65,535, all headers over 128 KiB, a payload over 24 MiB.
    """
    parts: list[bytes] = []
    for name, value in headers.items():
        raw_name, raw_value = name.encode(), value.encode()
        if not 0 < len(raw_name) <= 0xFF or len(raw_value) > _MAX_VALUE:
            raise ValueError(f"event-stream header {name[:50]!r} is too long")
        parts += (
            bytes((len(raw_name),)),
            raw_name,
            _STRING,
            _SHORT.pack(len(raw_value)),
            raw_value,
        )
    encoded = b"".join(parts)
    if len(encoded) > MAX_HEADERS or len(payload) > MAX_PAYLOAD:
        raise ValueError("event-stream message too large")
    lengths = _TWO.pack(_OVERHEAD + len(encoded) + len(payload), len(encoded))
    message = b"".join((lengths, _ONE.pack(crc32(lengths)), encoded, payload))
    return message + _ONE.pack(crc32(message))


class EventSource(Protocol):
    """What a service answers an event-stream member with (in-process callers iterate it).

    Iterating gives the events, each `{member: value}` naming one event member
    of the stream's union. When it stops because of an error rather than at its
    natural end, `error` holds the error (it may also raise an `AwsError`).
    `close()` ends it early: its reader went away.
    """

    error: AwsError | None

    def __aiter__(self) -> AsyncIterator[Mapping[str, Any]]: ...

    def close(self) -> None: ...


class EventStreamBody:
    """The messages of one answer's event stream, made as its source gives events.

    The server writes each as it comes (`Streamed` in `codecs`) and calls
    `aclose` however the answer ends: sent to the end, or its client gone
    (the request cancelled). Closing closes the source, so a subscription
    whose reader hung up ends, even when not one message was sent.
    """

    def __init__(self, source: EventSource, messages: AsyncGenerator[bytes, None]) -> None:
        self._source = source
        self._messages = messages

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._messages

    async def aclose(self) -> None:
        self._source.close()
        await self._messages.aclose()


def json_event_stream(op: OperationModel) -> Callable[[dict[str, Any]], EventStreamBody] | None:
    """How `op`'s answer goes out as an event stream, or None if its output has none.

    Built once per operation (the codec keeps it): the writers of the
    initial response and of each event member, and which members of the
    union are exceptions. An event member whose members are bound to message
    headers or to the raw payload (`eventheader`, `eventpayload`: no JSON
    1.0/1.1 service served here has one) is refused here, rather than sent in
    a shape botocore would not read.
    """
    union = op.get_event_stream_output()
    if union is None:
        return None
    name: str = op.output_shape.event_stream_name
    initial = json_protocol.response_encoder(op)
    writers: dict[str, json_protocol.Writer | None] = {}
    exceptions: set[str] = set()
    for member, shape in union.members.items():
        if shape.metadata.get("exception"):
            exceptions.add(member)
            continue
        _plain_event(op, member, shape)
        writers[member] = json_protocol.shape_writer(shape)

    def body(result: dict[str, Any]) -> EventStreamBody:
        source: EventSource = result[name]
        rest = {key: value for key, value in result.items() if key != name}
        first = event_message("initial-response", json_protocol.encode_with(initial, rest))
        return EventStreamBody(source, _messages(op.name, source, first, writers, exceptions))

    return body


def _plain_event(op: OperationModel, member: str, shape: Shape) -> None:
    for name, inner in shape.members.items():
        if inner.serialization.get("eventheader") or inner.serialization.get("eventpayload"):
            raise NotImplementedError(
                f"{op.name}: event {member}.{name} is bound to a header or the payload"
            )


def event_message(event_type: str, payload: bytes) -> bytes:
    return encode_message(
        {":event-type": event_type, ":content-type": "application/json", ":message-type": "event"},
        payload,
    )


def error_message(error: AwsError, modelled: set[str]) -> bytes:
    """The message a stream that ended on `error` ends with (see the module's docstring)."""
    if error.code in modelled:
        headers = {
            ":exception-type": error.code,
            ":content-type": "application/json",
            ":message-type": "exception",
        }
        return encode_message(headers, json.dumps({"message": error.message}).encode())
    # A header value is at most 65,535 bytes: cut the message well short of that, by characters.
    headers = {
        ":error-code": error.code,
        ":error-message": error.message[:8192],
        ":message-type": "error",
    }
    return encode_message(headers, b"")


async def _messages(
    operation: str,
    source: EventSource,
    first: bytes,
    writers: Mapping[str, json_protocol.Writer | None],
    exceptions: set[str],
) -> AsyncGenerator[bytes, None]:
    """The stream's messages; it never raises, as its answer has gone out as a 200 already.

    A source that fails unexpectedly (a bug) ends its stream with an
    `InternalFailure` error message, and is logged.
    """
    yield first
    error: AwsError | None
    try:
        async for event in source:
            ((member, value),) = event.items()
            yield event_message(member, json_protocol.encode_with(writers[member], value))
        error = source.error
    except AwsError as raised:
        error = raised
    except Exception:
        log.exception("endpoint: the event stream of %s failed", operation)
        error = InternalFailure("We encountered an internal error. Please try again.")
    if error is not None:
        yield error_message(error, exceptions)
