"""The JSON 1.0/1.1 protocol: `X-Amz-Target` requests with JSON bodies.

Decoding checks each member's JSON type against the operation's input shape
and converts what JSON cannot carry natively (blobs arrive base64, timestamps
as epoch seconds) into the Python types services speak; unknown members are
dropped, as AWS ignores them. Encoding reverses the conversion for the output
shape. Both walk the shape once per operation to build a converter, and a
subtree with nothing to convert costs nothing on the way out.

What a service receives is bounded, so no value can fail later on its way
through: numbers are whole numbers of at most 19 digits or finite floats
(NaN, Infinity and 1e400 are SerializationExceptions), an `integer` member
fits 32 bits and a `long` 64, and strings are Unicode text (a lone surrogate,
which JSON can spell, is refused).

Errors are `{"__type": code, "message": text}`; query-compatible services add
the legacy code in `x-amzn-query-error` (the server sets the headers).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Callable
from typing import Any

from botocore.model import OperationModel, Shape

from backend.errors import AwsError, SerializationException
from backend.numbers import INT32, INT64, whole_number
from backend.params import quoted
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
#: Half of a UTF-16 pair: JSON can spell one alone (`"\ud800"`), no UTF-8 text can hold it.
_SURROGATE = re.compile("[\ud800-\udfff]")


def decode_request(op: OperationModel, body: bytes) -> Params:
    """The params of a JSON request body for `op`, or SerializationException."""
    return decode_with(request_decoder(op), body)


def decode_with(decoder: Decoder | None, body: bytes) -> Params:
    """The params of a JSON request body, read by a decoder built once (`request_decoder`)."""
    data = parse_body(body)
    if decoder is None:
        return {}
    params: Params = decoder(data, "")
    return params


def request_decoder(op: OperationModel) -> Decoder | None:
    """`op`'s decoder; building it walks the shapes, so the codec keeps it per operation."""
    shape = op.input_shape
    return None if shape is None else _decoder(shape, {})


def parse_body(body: bytes) -> dict[str, Any]:
    if not body or body.isspace():
        return {}
    try:
        data = json.loads(
            body.decode("utf-8"),
            parse_int=_json_int,
            parse_float=_json_float,
            parse_constant=_not_json,
        )
    except UnicodeDecodeError:
        raise SerializationException("The request body is not valid UTF-8.") from None
    except (ValueError, RecursionError):
        raise SerializationException("The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise SerializationException("The request body must be a JSON object.")
    return data


def _json_int(text: str) -> int:
    """A JSON integer, read as every face reads whole numbers (`whole_number`).

    JSON has no size limit, Python has none either, but what a number may
    become downstream has: `float()` overflows, `str()` refuses past 4,300
    digits. No AWS number needs more than a 64-bit integer's 19 digits.
    """
    number = whole_number(text)
    if number is None:
        raise SerializationException(f"Numeric value ({quoted(text)}) out of range.")
    return number


def _json_float(text: str) -> float:
    """A JSON number with a fraction or exponent; `1e400` would be infinity."""
    number = float(text)
    if not math.isfinite(number):
        raise SerializationException(f"Numeric value ({quoted(text)}) out of range.")
    return number


def _not_json(constant: str) -> Any:
    """Python's reader takes NaN and Infinity; JSON has no such numbers."""
    raise ValueError(f"{constant} is not JSON")


def encode_response(op: OperationModel, response: Params) -> bytes:
    """The JSON body for `op`'s response."""
    return encode_with(response_encoder(op), response)


def encode_with(encoder: Encoder | None, response: Params) -> bytes:
    """The JSON body of a response, written by an encoder built once (`response_encoder`)."""
    out = encoder(response) if encoder is not None else response
    return _JSON.encode(out).encode()


def response_encoder(op: OperationModel) -> Encoder | None:
    """`op`'s encoder (see `request_decoder`); None if nothing needs converting."""
    shape = op.output_shape
    return None if shape is None else _encoder(shape, {})


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
        key_and_value: list[Decoder] = []

        def map_(value: Any, path: str) -> Any:
            if not isinstance(value, dict):
                raise _wrong_type(path, value, "map")
            decode_key, decode = key_and_value
            return {
                decode_key(k, path): decode(v, f"{path}.{k}")
                for k, v in value.items()
                if v is not None
            }

        memo[shape.name] = map_
        key_and_value += (_decoder(shape.key, memo), _decoder(shape.value, memo))
        return map_
    return _SCALARS.get(type_name, _any)


def _string(value: Any, path: str) -> Any:
    """A string, which must be Unicode text.

    A lone surrogate cannot be encoded as UTF-8, so letting one in would fail
    wherever the string is hashed, measured or written out (a message
    attribute's MD5 raised UnicodeEncodeError: a 500). `isascii` is a flag
    check, so plain ASCII strings, most of them, cost nothing more.
    """
    if not isinstance(value, str):
        raise _wrong_type(path, value, "string")
    if not value.isascii() and _SURROGATE.search(value):
        where = f" at '{path}'" if path else ""
        raise SerializationException(f"Value{where} is not Unicode text: it has a lone surrogate.")
    return value


def _whole(values: range, type_name: str) -> Decoder:
    """A reader of `integer` (32-bit) or `long` (64-bit) members; `5.0` is 5."""

    def convert(value: Any, path: str) -> Any:
        number = int(value) if isinstance(value, float) and value.is_integer() else value
        if isinstance(number, bool) or not isinstance(number, int) or number not in values:
            raise _wrong_type(path, value, type_name)
        return number

    return convert


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
    "integer": _whole(INT32, "integer"),
    "long": _whole(INT64, "long"),
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
