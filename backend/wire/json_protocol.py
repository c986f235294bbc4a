"""The JSON 1.0/1.1 protocol: `X-Amz-Target` requests with JSON bodies.

Decoding checks each member's JSON type against the operation's input shape
and converts what JSON cannot carry natively (blobs arrive base64, timestamps
as epoch seconds) into the Python types services speak; unknown members are
dropped, as AWS ignores them. Encoding reverses the conversion for the output
shape. Both walk the shape once per operation to build a converter, and a
subtree with nothing to convert costs nothing on the way out.

Errors are `{"__type": code, "message": text}`; query-compatible services add
the legacy code in `x-amzn-query-error` (the server sets the headers).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any

from botocore.model import OperationModel, Shape

from backend.errors import AwsError, SerializationException
from backend.wire import timestamps

Params = dict[str, Any]
Decoder = Callable[[Any, str], Any]
Encoder = Callable[[Any], Any]

_TYPE_NAMES = {
    "structure": "a structure",
    "list": "a list",
    "map": "a map",
    "string": "a String",
    "integer": "an Integer",
    "long": "a Long",
    "boolean": "a Boolean",
    "float": "a Float",
    "double": "a Double",
    "blob": "a Blob",
    "timestamp": "a Timestamp",
}

_JSON = json.JSONEncoder(separators=(",", ":"))
_decoders: dict[tuple[int, str], Decoder] = {}
_encoders: dict[tuple[int, str], Encoder | None] = {}


def decode_request(op: OperationModel, body: bytes) -> Params:
    """The params of a JSON request body for `op`, or SerializationException."""
    data = parse_body(body)
    shape = op.input_shape
    if shape is None:
        return {}
    key = (id(op), op.name)
    decoder = _decoders.get(key)
    if decoder is None:
        decoder = _decoders[key] = _decoder(shape, {})
    params: Params = decoder(data, "")
    return params


def parse_body(body: bytes) -> dict[str, Any]:
    if not body or body.isspace():
        return {}
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise SerializationException("The request body is not valid UTF-8.") from None
    except (ValueError, RecursionError):
        raise SerializationException("The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise SerializationException("The request body must be a JSON object.")
    return data


def encode_response(op: OperationModel, response: Params) -> bytes:
    """The JSON body for `op`'s response."""
    shape = op.output_shape
    encoder: Encoder | None = None
    if shape is not None:
        key = (id(op), op.name)
        if key in _encoders:
            encoder = _encoders[key]
        else:
            encoder = _encoders[key] = _encoder(shape, {})
    out = encoder(response) if encoder is not None else response
    return _JSON.encode(out).encode()


def encode_error(error: AwsError) -> bytes:
    return _JSON.encode({"__type": error.code, "message": error.message}).encode()


# -- decoding -----------------------------------------------------------------------


def _wrong_type(path: str, value: object, type_name: str) -> AwsError:
    got = type(value).__name__
    where = f" at '{path}'" if path else ""
    return SerializationException(
        f"Value{where} of JSON type {got} can not be converted to {_TYPE_NAMES[type_name]}."
    )


def _decoder(shape: Shape, memo: dict[str, Decoder]) -> Decoder:
    """A converter from JSON values to service params for `shape`.

    `memo` holds converters under construction, so recursive shapes refer
    back to themselves instead of recursing for ever.
    """
    found = memo.get(shape.name)
    if found is not None:
        return found
    type_name = shape.type_name
    if type_name == "structure":
        members: dict[str, Decoder] = {}

        def structure(value: Any, path: str) -> Any:
            if not isinstance(value, dict):
                raise _wrong_type(path, value, "structure")
            out = {}
            for name, item in value.items():
                decode = members.get(name)
                if decode is not None and item is not None:
                    out[name] = decode(item, f"{path}.{name}" if path else name)
            return out

        memo[shape.name] = structure
        for name, member in shape.members.items():
            members[name] = _decoder(member, memo)
        return structure
    if type_name == "list":
        element: list[Decoder] = []

        def list_(value: Any, path: str) -> Any:
            if not isinstance(value, list):
                raise _wrong_type(path, value, "list")
            decode = element[0]
            return [decode(item, f"{path}.{i}") for i, item in enumerate(value, 1)]

        memo[shape.name] = list_
        element.append(_decoder(shape.member, memo))
        return list_
    if type_name == "map":
        values: list[Decoder] = []

        def map_(value: Any, path: str) -> Any:
            if not isinstance(value, dict):
                raise _wrong_type(path, value, "map")
            decode = values[0]
            return {k: decode(v, f"{path}.{k}") for k, v in value.items() if v is not None}

        memo[shape.name] = map_
        values.append(_decoder(shape.value, memo))
        return map_
    return _SCALARS.get(type_name, _any)


def _string(value: Any, path: str) -> Any:
    if not isinstance(value, str):
        raise _wrong_type(path, value, "string")
    return value


def _integer(value: Any, path: str) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise _wrong_type(path, value, "integer")


def _boolean(value: Any, path: str) -> Any:
    if not isinstance(value, bool):
        raise _wrong_type(path, value, "boolean")
    return value


def _float(value: Any, path: str) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _wrong_type(path, value, "double")
    return float(value)


def _blob(value: Any, path: str) -> Any:
    if not isinstance(value, str):
        raise _wrong_type(path, value, "blob")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise SerializationException(f"Value at '{path}' is not valid base64.") from None


def _timestamp(value: Any, path: str) -> Any:
    when = timestamps.parse(value)
    if when is None:
        raise _wrong_type(path, value, "timestamp")
    return when


def _any(value: Any, path: str) -> Any:
    return value


_SCALARS: dict[str, Decoder] = {
    "string": _string,
    "integer": _integer,
    "long": _integer,
    "boolean": _boolean,
    "float": _float,
    "double": _float,
    "blob": _blob,
    "timestamp": _timestamp,
}


# -- encoding -----------------------------------------------------------------------


def _encoder(shape: Shape, memo: dict[str, Encoder | None]) -> Encoder | None:
    """A converter from service values to JSON for `shape`; None if nothing changes."""
    if shape.name in memo:
        found = memo[shape.name]
        if found is not _BUILDING:
            return found
        # A recursive reference: convert through whatever the outer call builds.
        name = shape.name
        return lambda value: (memo.get(name) or _identity)(value)
    type_name = shape.type_name
    if type_name == "blob":
        return _encode_blob
    if type_name == "timestamp":
        return _encode_timestamp
    if type_name not in ("structure", "list", "map"):
        return None
    memo[shape.name] = _BUILDING
    encoder: Encoder | None = None
    if type_name == "structure":
        convert = {
            name: enc
            for name, member in shape.members.items()
            if (enc := _encoder(member, memo)) is not None
        }
        if convert:

            def structure(value: Any) -> Any:
                if not isinstance(value, dict):
                    return value
                return {
                    k: (convert[k](v) if k in convert and v is not None else v)
                    for k, v in value.items()
                }

            encoder = structure
    elif type_name == "list":
        item_encoder = _encoder(shape.member, memo)
        if item_encoder is not None:
            each = item_encoder

            def list_(value: Any) -> Any:
                return [each(v) for v in value] if isinstance(value, list) else value

            encoder = list_
    else:
        value_encoder = _encoder(shape.value, memo)
        if value_encoder is not None:
            each_value = value_encoder

            def map_(value: Any) -> Any:
                if not isinstance(value, dict):
                    return value
                return {k: each_value(v) for k, v in value.items()}

            encoder = map_
    memo[shape.name] = encoder
    return encoder


def _identity(value: Any) -> Any:
    return value


_BUILDING: Encoder = _identity


def _encode_blob(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(value).decode("ascii")
    return value


def _encode_timestamp(value: Any) -> Any:
    if hasattr(value, "timestamp"):
        return value.timestamp()
    return value
