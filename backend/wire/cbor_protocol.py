"""Smithy RPC v2 CBOR: `POST /service/<Service>/operation/<Op>` with CBOR bodies.

CloudWatch's model lists it first (`protocols: [smithy-rpc-v2-cbor, json,
query]`), and clients that take the model's order send it (recent
aws-sdk-go-v2 CloudWatch clients); botocore 1.44 still prefers JSON where a
model offers both. The request body is one CBOR map holding the input
structure, timestamps as tag 1 (epoch seconds), blobs as byte strings; the
answer is the output structure the same way, or nothing at all for an
operation without one. Every answer says `smithy-protocol: rpc-v2-cbor`,
which SDKs check before reading it.

Decoding gives a service exactly what the JSON codec would (`json_protocol`):
each member is checked against the input shape, doubles become floats,
integers must fit their 32 or 64 bits, timestamps become epoch-second floats
and blobs bytes; a wrong type is a `SerializationException` naming the
member, unknown members are dropped, and `null` (or CBOR's `undefined`,
which Smithy reads as null) is an absent member.

A body is untrusted bytes, and CBOR lets a few of them ask for a lot, so
`cbor2` reads it with every such door shut (`parse_body`); what it still
refuses is a `SerializationException` too, never an exception of its own.
Errors are `{"__type": code, "message": text}` maps; query-compatible
services add the legacy code in `x-amzn-query-error` (the codec sets headers).
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import cbor2
from botocore.model import OperationModel, Shape

from backend.errors import AwsError, SerializationException
from backend.numbers import INT32, INT64
from backend.wire.errors import RequestEntityTooLarge
from backend.wire.json_protocol import TYPE_NAMES
from backend.wire.shape_decoder import Decoder, Decoding, boolean, shape_decoder, whole

Params = dict[str, Any]
Encoder = Callable[[Any], Any]

CONTENT_TYPE = "application/cbor"
#: What requests and answers of this protocol carry in their `smithy-protocol` header.
SMITHY_PROTOCOL = "rpc-v2-cbor"
#: Largest body read (inflated, if it came gzipped). One byte of CBOR can become a new
#: Python object of about 70 bytes (`80`, an empty array; `a0`, an empty map) where JSON
#: needs three bytes for one (`[],`): a 4 MiB body of them takes about 290 MB and 4 s of
#: the loop to read on the 2-core development machine, no more than the JSON codec's
#: 16 MiB allows (about 410 MB and 5 s), and 4 MiB is four times what CloudWatch takes.
MAX_BODY = 4 * 1024 * 1024
#: Deepest nesting read, as for REST-XML: three times the deepest input shape of
#: botocore's models (QuickSight's, 21 levels, recursive shapes apart; CloudWatch's, 8).
MAX_DEPTH = 64
#: The tags `cbor2` gives a meaning of its own unless told otherwise (6.3; a test
#: checks the installed version adds none). Value sharing (28, 29) builds cycles and
#: lets a short body stand for an exponentially large tree, string references (25,
#: 256) a long one; bignums, fractions and regular expressions cost work to build.
#: Smithy uses only tag 1, so every one of these is refused.
CBOR2_TAGS = frozenset(
    (0, 2, 3, 4, 5, 25, 28, 29, 30, 35, 36, 37, 52, 54, 100, 256, 258, 260, 261, 1004, 43000, 55799)
)


class _Epoch(NamedTuple):
    """A tag-1 value: what a timestamp member must be, and what no other member may be."""

    seconds: Any


class _Tagged(Exception):
    """A tag other than 1, found while `cbor2` reads the body."""

    def __init__(self, tag: int) -> None:
        super().__init__(tag)
        self.tag = tag


def _epoch(value: Any, immutable: bool) -> _Epoch:
    return _Epoch(value)


def _refuse(tag: int) -> Callable[[Any, bool], Any]:
    def refuse(value: Any, immutable: bool) -> Any:
        raise _Tagged(tag)

    return refuse


def _refuse_any(tag: cbor2.CBORTag, immutable: bool) -> Any:
    raise _Tagged(tag.tag)


_SEMANTIC: dict[int, Any] = {tag: _refuse(tag) for tag in CBOR2_TAGS} | {1: _epoch}


def parse_body(body: bytes) -> dict[str, Any]:
    """The CBOR map a request body holds, or SerializationException.

    Read by `cbor2` with every amplifier off: tags other than 1 are refused
    (`CBOR2_TAGS`), nesting stops at `MAX_DEPTH`, map keys must be text or
    byte strings, whose hashes Python salts (integer or float keys would let
    chosen collisions make a map cost quadratic time), each once, and
    nothing may follow the one item. Declared lengths cost nothing until
    their bytes arrive (`cbor2` never allocates ahead of the data), and the
    body is at most `MAX_BODY`, so indefinite-length items, which Smithy's
    own protocol tests send, are read like any other. An empty body is an
    empty input.
    """
    if len(body) > MAX_BODY:
        raise RequestEntityTooLarge(f"The request body exceeds the maximum of {MAX_BODY} bytes.")
    if not body:
        return {}
    decoder = cbor2.CBORDecoder(
        io.BytesIO(body),
        tag_hook=_refuse_any,
        semantic_decoders=_SEMANTIC,
        max_depth=MAX_DEPTH,
        allow_duplicate_keys=False,
        strict_hashable_types=True,
    )
    try:
        data = decoder.decode()
    except cbor2.CBORDecodeError as error:
        if isinstance(error.__cause__, _Tagged):
            raise SerializationException(
                f"The request body has CBOR tag {error.__cause__.tag}: only tag 1 "
                "(epoch seconds) is read."
            ) from None
        raise SerializationException(f"The request body is not valid CBOR: {error}") from None
    try:
        decoder.read(1)
    except cbor2.CBORDecodeEOF:
        pass
    else:
        raise SerializationException("The request body has bytes after its CBOR map.")
    if not isinstance(data, dict):
        raise SerializationException("The request body must be a CBOR map.")
    return data


def decode_with(decoder: Decoder | None, body: bytes) -> Params:
    """The params of a CBOR request body, read by a decoder built once (`request_decoder`)."""
    data = parse_body(body)
    if decoder is None:
        return {}
    params: Params = decoder(data, "")
    return params


def request_decoder(op: OperationModel) -> Decoder | None:
    """`op`'s decoder; building it walks the shapes, so the codec keeps it per operation."""
    shape = op.input_shape
    return None if shape is None else shape_decoder(shape, _DECODING, {})


def response_encoder(op: OperationModel) -> Encoder | None:
    """`op`'s encoder, or None for an operation with no output (its answer has no body)."""
    shape = op.output_shape
    return None if shape is None else _encoder(shape, {})


def encode_with(encoder: Encoder, response: Params) -> bytes:
    return cbor2.dumps(encoder(response))


def encode_error(error: AwsError) -> bytes:
    return cbor2.dumps({"__type": error.code, "message": error.message})


# -- decoding -----------------------------------------------------------------------

_KINDS: Mapping[type, str] = {
    dict: "map",
    list: "array",
    str: "text string",
    bytes: "byte string",
    bool: "boolean",
    int: "integer",
    float: "float",
    _Epoch: "timestamp",
    type(None): "null",
}


def _wrong_type(path: str, value: object, type_name: str) -> AwsError:
    got = _KINDS.get(type(value), "simple value")
    where = f" at '{path}'" if path else ""
    return SerializationException(
        f"Value{where} of CBOR type {got} can not be converted to {TYPE_NAMES[type_name]}."
    )


def _absent(value: Any) -> bool:
    return value is None or value is cbor2.undefined


def _string(value: Any, path: str) -> Any:
    """A text string; `cbor2` has refused any that is not UTF-8, so no lone surrogate gets in."""
    if not isinstance(value, str):
        raise _wrong_type(path, value, "string")
    return value


def _float(value: Any, path: str) -> Any:
    """A finite number: JSON cannot spell NaN or infinity, and no service expects them."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _wrong_type(path, value, "double")
    number = float(value)
    if not math.isfinite(number):
        raise SerializationException(f"Value at '{path}' is not a finite number.")
    return number


def _blob(value: Any, path: str) -> Any:
    if not isinstance(value, bytes):
        raise _wrong_type(path, value, "blob")
    return value


def _timestamp(value: Any, path: str) -> Any:
    """Tag 1 around finite epoch seconds, as a float (what JSON's timestamps become)."""
    if not isinstance(value, _Epoch):
        raise _wrong_type(path, value, "timestamp")
    seconds = value.seconds
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise _wrong_type(path, seconds, "timestamp")
    when = float(seconds)  # a CBOR integer has at most 64 bits: no overflow
    if not math.isfinite(when):
        raise SerializationException(f"Value at '{path}' is not a finite time.")
    return when


_SCALARS: dict[str, Decoder] = {
    "string": _string,
    "integer": whole(INT32, "integer", _wrong_type),
    "long": whole(INT64, "long", _wrong_type),
    "boolean": boolean(_wrong_type),
    "float": _float,
    "double": _float,
    "blob": _blob,
    "timestamp": _timestamp,
}

_DECODING = Decoding(_SCALARS, _wrong_type, _absent)


# -- encoding -----------------------------------------------------------------------


def _encoder(shape: Shape, memo: dict[str, Encoder]) -> Encoder:
    """A converter from service values to what `cbor2` writes for `shape`.

    Timestamps become tag 1 around epoch seconds, doubles floats (a service
    may compute a whole-number Sum as an int), blobs bytes; structures lose
    their None members, which Smithy says are not sent. Members the shape
    lacks are written as they are, as the JSON codec writes them.
    """
    found = memo.get(shape.name)
    if found is not None:
        return found
    type_name = shape.type_name
    if type_name == "structure":
        members: dict[str, Encoder] = {}

        def structure(value: Any) -> Any:
            if not isinstance(value, dict):
                return value
            return {
                name: members[name](item) if name in members else item
                for name, item in value.items()
                if item is not None
            }

        memo[shape.name] = structure
        for name, member in shape.members.items():
            members[name] = _encoder(member, memo)
        return structure
    if type_name == "list":
        element: list[Encoder] = []

        def list_(value: Any) -> Any:
            return [element[0](v) for v in value] if isinstance(value, list) else value

        memo[shape.name] = list_
        element.append(_encoder(shape.member, memo))
        return list_
    if type_name == "map":
        values: list[Encoder] = []

        def map_(value: Any) -> Any:
            if not isinstance(value, dict):
                return value
            return {k: values[0](v) for k, v in value.items()}

        memo[shape.name] = map_
        values.append(_encoder(shape.value, memo))
        return map_
    return _WRITERS.get(type_name, _same)


def _same(value: Any) -> Any:
    return value


def _write_float(value: Any) -> Any:
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _write_blob(value: Any) -> Any:
    return bytes(value) if isinstance(value, bytearray | memoryview) else value


def _write_timestamp(value: Any) -> Any:
    if hasattr(value, "timestamp"):
        value = value.timestamp()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return cbor2.CBORTag(1, value)
    return value


_WRITERS: dict[str, Encoder] = {
    "float": _write_float,
    "double": _write_float,
    "blob": _write_blob,
    "timestamp": _write_timestamp,
}
