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

Errors are `{"__type": code, "message": text}`, with the error shape's other
members where it has them (MalformedQueryException's `queryCompileError`);
query-compatible services add the legacy code in `x-amzn-query-error` (the
server sets the headers).
"""

from __future__ import annotations

import json
import math
import re
from binascii import a2b_base64, b2a_base64
from collections.abc import Callable, Iterable
from functools import partial
from operator import itemgetter
from typing import Any

from botocore.model import OperationModel, Shape

from backend.errors import AwsError, SerializationException
from backend.numbers import INT32, INT64, whole_number
from backend.params import quoted
from backend.wire import timestamps
from backend.wire.shape_decoder import Decoder, Decoding, boolean, shape_decoder, whole

Params = dict[str, Any]
Encoder = Callable[[Any], Any]
#: Writes a service value as JSON text for its shape.
Writer = Callable[[Any], str]

#: How errors name each shape type (the CBOR codec's say it the same way).
TYPE_NAMES = {
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

#: No `check_circular`: a response is a tree the service built, and the check costs a
#: lookup in a set of ids for every dict and list it writes.
_JSON = json.JSONEncoder(separators=(",", ":"), check_circular=False)
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
    """`op`'s decoder; building it walks the shapes, so the codec keeps it per operation.

    It reads a request twice over only when something in it is wrong: a fast
    reader (`_fast`) that tracks no member paths takes the request first, and
    on anything it refuses the exact one (`shape_decoder`) reads it all again, to
    find the first problem and name the member in its error. Both accept the
    same requests and give the same params, so only errors pay for the paths.
    """
    shape = op.input_shape
    if shape is None:
        return None
    fast = _fast(shape, {})
    exact = shape_decoder(shape, _DECODING, {})

    def decode(value: Any, path: str) -> Any:
        try:
            return fast(value)
        except _Refused:
            return exact(value, path)

    return decode


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


def encode_with(writer: Writer | None, response: Params) -> bytes:
    """The JSON body of a response, written by a writer built once (`response_encoder`)."""
    text = writer(response) if writer is not None else _JSON.encode(response)
    return text.encode()


def response_encoder(op: OperationModel) -> Writer | None:
    """`op`'s writer (see `request_decoder`); None if the JSON encoder can take it as it is.

    The text is what `json` writes for the response once its blobs and
    timestamps are converted (`_encoder`), byte for byte. Where the output
    shape has nothing to convert, `json`'s C encoder writes the response
    whole; where it has, the writers (`_Writers`) write the structures and
    lists that hold blobs and timestamps themselves: a record of a large
    answer then costs its conversions and no converted copy of it, a long
    list of records is written a column at a time (`_table_writer`), and a
    timestamp shared with the record before need not be formatted again.
    """
    shape = op.output_shape
    if shape is None:
        return None
    return shape_writer(shape)


def shape_writer(shape: Shape) -> Writer | None:
    """A writer of `shape`'s values, as `response_encoder` builds for an output shape.

    Also for the structures an event stream sends one by one (`eventstream`).
    """
    writer = _Writers().build(shape)
    if writer is not None:
        return writer
    convert = _encoder(shape, {})
    if convert is None:
        return None
    return lambda value: _dump(convert(value))


def encode_error(error: AwsError) -> bytes:
    return _JSON.encode({**error.body, "__type": error.code, "message": error.message}).encode()


# -- decoding -----------------------------------------------------------------------


def _wrong_type(path: str, value: object, type_name: str) -> AwsError:
    got = type(value).__name__
    where = f" at '{path}'" if path else ""
    return SerializationException(
        f"Value{where} of JSON type {got} can not be converted to {TYPE_NAMES[type_name]}."
    )


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


def _float(value: Any, path: str) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _wrong_type(path, value, "double")
    return float(value)


def _blob(value: Any, path: str) -> Any:
    if not isinstance(value, str):
        raise _wrong_type(path, value, "blob")
    try:
        return a2b_base64(value, strict_mode=True)
    except ValueError:  # binascii.Error is one; a non-ASCII string raises the other
        raise SerializationException(f"Value at '{path}' is not valid base64.") from None


def _timestamp(value: Any, path: str) -> Any:
    when = timestamps.parse(value)
    if when is None:
        raise _wrong_type(path, value, "timestamp")
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


def _is_none(value: Any) -> bool:
    return value is None


_DECODING = Decoding(_SCALARS, _wrong_type, _is_none)


# -- decoding, the fast way --------------------------------------------------------


class _Refused(Exception):
    """The fast reader found something to refuse; the exact one says what and where."""


FastDecoder = Callable[[Any], Any]


def _fast(shape: Shape, memo: dict[str, FastDecoder]) -> FastDecoder:
    """`shape_decoder`'s twin for requests with nothing wrong: same params, no paths.

    A member path is text built per member, and most of a large request's
    cost was building paths no error would ever name. Here a value of the
    wrong type raises `_Refused` and nothing else, and string and blob
    members, the most common, are read inline in their structure (strings in
    their list too) rather than through a call each. It must accept exactly
    what `shape_decoder` accepts and return the same; refusing more is safe (the
    exact reader then decides), only slower.
    """
    found = memo.get(shape.name)
    if found is not None:
        return found
    type_name = shape.type_name
    if type_name == "structure":
        strings: set[str] = set()
        blobs: set[str] = set()
        others: dict[str, FastDecoder] = {}

        def structure(value: Any) -> Any:
            if value.__class__ is not dict:
                raise _Refused
            out: dict[str, Any] = {}
            for name, item in value.items():
                if item is None:
                    continue
                if name in strings:
                    if item.__class__ is not str:
                        raise _Refused
                    if not item.isascii() and _SURROGATE.search(item):
                        raise _Refused
                    out[name] = item
                elif name in blobs:
                    if item.__class__ is not str:
                        raise _Refused
                    try:
                        out[name] = a2b_base64(item, strict_mode=True)
                    except ValueError:
                        raise _Refused from None
                else:
                    decode = others.get(name)
                    if decode is not None:
                        out[name] = decode(item)
            return out

        memo[shape.name] = structure
        for name, member in shape.members.items():
            if member.type_name == "string":
                strings.add(name)
            elif member.type_name == "blob":
                blobs.add(name)
            else:
                others[name] = _fast(member, memo)
        return structure
    if type_name == "list":
        if shape.member.type_name == "string":
            return _fast_strings
        element: list[FastDecoder] = []

        def list_(value: Any) -> Any:
            if value.__class__ is not list:
                raise _Refused
            decode = element[0]
            return [decode(item) for item in value]

        memo[shape.name] = list_
        element.append(_fast(shape.member, memo))
        return list_
    if type_name == "map":
        key_and_value: list[FastDecoder] = []

        def map_(value: Any) -> Any:
            if value.__class__ is not dict:
                raise _Refused
            decode_key, decode = key_and_value
            return {decode_key(k): decode(v) for k, v in value.items() if v is not None}

        memo[shape.name] = map_
        key_and_value += (_fast(shape.key, memo), _fast(shape.value, memo))
        return map_
    return _FAST_SCALARS.get(type_name, _fast_any)


def _fast_string(value: Any) -> Any:
    if value.__class__ is not str or (not value.isascii() and _SURROGATE.search(value)):
        raise _Refused
    return value


def _fast_strings(value: Any) -> Any:
    """A list of strings: one pass over it, no call per element."""
    if value.__class__ is not list:
        raise _Refused
    for item in value:
        if item.__class__ is not str or (not item.isascii() and _SURROGATE.search(item)):
            raise _Refused
    return list(value)


def _fast_whole(values: range) -> FastDecoder:
    low, high = values.start, values.stop - 1

    def convert(value: Any) -> Any:
        if value.__class__ is float and value.is_integer():
            value = int(value)
        elif value.__class__ is not int:
            raise _Refused
        if not low <= value <= high:
            raise _Refused
        return value

    return convert


def _fast_boolean(value: Any) -> Any:
    if value is not True and value is not False:
        raise _Refused
    return value


def _fast_float(value: Any) -> Any:
    if value.__class__ is not float and value.__class__ is not int:
        raise _Refused
    return float(value)


def _fast_blob(value: Any) -> Any:
    """Base64 to bytes: what `base64.b64decode(value, validate=True)` does, without its wrapping."""
    if value.__class__ is not str:
        raise _Refused
    try:
        return a2b_base64(value, strict_mode=True)
    except ValueError:
        raise _Refused from None


def _fast_timestamp(value: Any) -> Any:
    when = timestamps.parse(value)
    if when is None:
        raise _Refused
    return when


def _fast_any(value: Any) -> Any:
    return value


_FAST_SCALARS: dict[str, FastDecoder] = {
    "string": _fast_string,
    "integer": _fast_whole(INT32),
    "long": _fast_whole(INT64),
    "boolean": _fast_boolean,
    "float": _fast_float,
    "double": _fast_float,
    "blob": _fast_blob,
    "timestamp": _fast_timestamp,
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
        convert = tuple(
            (name, enc)
            for name, member in shape.members.items()
            if (enc := _encoder(member, memo)) is not None
        )
        if convert:

            def structure(value: Any) -> Any:
                if not isinstance(value, dict):
                    return value
                out = dict(value)
                for name, enc in convert:
                    item = out.get(name)
                    if item is not None:
                        out[name] = enc(item)
                return out

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
        return b2a_base64(value, newline=False).decode("ascii")
    return value


def _encode_timestamp(value: Any) -> Any:
    if hasattr(value, "timestamp"):
        return value.timestamp()
    return value


# -- writing ------------------------------------------------------------------------

_escape = json.encoder.encode_basestring_ascii  # what `_JSON` writes a string with
_float_text = float.__repr__  # and a finite float
_int_text = int.__repr__


def _dump(value: Any) -> str:
    """`value` as `_JSON` writes it, with no conversion; the common scalars without its setup."""
    kind = value.__class__
    if kind is str:
        return _escape(value)
    if kind is int:
        return _int_text(value)
    if value is None:
        return "null"
    if kind is float and math.isfinite(value):
        return _float_text(value)
    return _JSON.encode(value)


class _Writers:
    """Builds the writers of one output shape's tree (see `response_encoder`).

    It keeps what it built by shape name: the writers, the converters they
    fall back on, and for each structure with a writer the column writer a
    list of that structure uses (`_table_writer`).
    """

    def __init__(self) -> None:
        self.writers: dict[str, Writer | None] = {}
        self.converters: dict[str, Encoder | None] = {}
        self.tables: dict[str, Callable[[list[Any]], str | None]] = {}

    def build(self, shape: Shape) -> Writer | None:
        """A writer of `shape`'s values as `_dump(_encoder(shape)(value))` writes them, or None.

        None where a writer would gain nothing: the subtree has nothing to
        convert (`json` writes it faster), or the only conversions are under a
        map (maps are rarely large; the converter serves them).
        """
        name = shape.name
        if name in self.writers:
            found = self.writers[name]
            if found is not _PENDING:
                return found
            # A recursive reference: write it through its converter.
            return _converted(_encoder(shape, self.converters))
        type_name = shape.type_name
        if type_name == "blob":
            return _write_blob
        if type_name == "timestamp":
            return _timestamp_writer()
        if type_name not in ("structure", "list"):
            return None
        self.writers[name] = _PENDING
        writer: Writer | None = None
        if type_name == "structure":
            members: dict[str, Writer] = {}
            written = False
            for member_name, member in shape.members.items():
                member_writer = self.build(member)
                written = written or member_writer is not None
                if member_writer is None:
                    member_writer = _converted(_encoder(member, self.converters))
                if member_writer is not None:
                    members[member_name] = member_writer
            if written:
                heads = {name: _escape(name) + ":" for name in shape.members}
                convert = _encoder(shape, self.converters)
                writer = _structure_writer(heads, members, convert)
                kinds = {name: member.type_name for name, member in shape.members.items()}
                self.tables[name] = _table_writer(heads, members, kinds)
        else:
            element = self.build(shape.member)
            if element is not None:
                writer = _list_writer(element, self.tables.get(shape.member.name))
        self.writers[name] = writer
        return writer


def _structure_writer(
    heads: dict[str, str], members: dict[str, Writer], convert: Encoder | None
) -> Writer:
    """Writes a structure member by member; a string needs no call, whatever its member.

    Every writer writes None as `null`, as `json` does, so None needs no
    test of its own. A key that is not a string (`json` writes 1 as "1")
    sends the whole structure to the converter and `json`.
    """

    def structure(value: Any) -> str:
        if value.__class__ is not dict:
            return _dump(convert(value) if convert is not None else value)
        try:
            parts = [
                (heads.get(name) or _head(name))
                + (_escape(item) if item.__class__ is str else members.get(name, _dump)(item))
                for name, item in value.items()
            ]
        except _NotAKey:
            return _dump(convert(value) if convert is not None else value)
        return f"{{{','.join(parts)}}}"  # one copy of a long text, where + makes two

    return structure


class _NotAKey(Exception):
    """A dict key `_structure_writer` cannot write."""


def _head(name: Any) -> str:
    """`"name":` for a member the shape does not have."""
    if name.__class__ is not str:
        raise _NotAKey
    return _escape(name) + ":"


def _list_writer(element: Writer, table: Callable[[list[Any]], str | None] | None) -> Writer:
    """Writes a list element by element, or a long list of structures column by column."""

    def list_(value: Any) -> str:
        if value.__class__ is not list:
            return _dump(value)
        if table is not None and len(value) >= _TABLE_FROM:
            text = table(value)
            if text is not None:
                return text
        return f"[{','.join(map(element, value))}]"

    return list_


#: The shortest list `_table_writer` writes: below it, its setup costs more than it saves.
_TABLE_FROM = 16
_b64 = partial(b2a_base64, newline=False)


def _table_writer(
    heads: dict[str, str], members: dict[str, Writer], kinds: dict[str, str]
) -> Callable[[list[Any]], str | None]:
    """Writes a list of structures column by column, as `_structure_writer` writes each.

    A large answer is a long list of alike structures (GetRecords: 10,000
    records of four members), and written one by one each member of each
    costs a few Python steps. Taken a member at a time across the list, a
    column of strings is escaped by one `map`, a column of blobs encoded by
    two, a column of floats formatted once per distinct value, and each row
    is then one `%` of a template: no Python step per record. It applies when
    the structures are dicts with the same keys in the same order (None
    otherwise, and `_structure_writer` writes them); a column of any other
    types is written value by value as `_structure_writer` would.
    """

    def table(items: list[Any]) -> str | None:
        if set(map(type, items)) != {dict}:
            return None
        layouts = set(map(tuple, items))
        if len(layouts) != 1:
            return None
        (keys,) = layouts
        if len(keys) < 2 or set(map(type, keys)) != {str}:
            return None
        pattern: list[str] = []
        texts: list[Iterable[str]] = []
        for name, column in zip(
            keys, zip(*map(itemgetter(*keys), items), strict=True), strict=True
        ):
            head = (heads.get(name) or _escape(name) + ":").replace("%", "%%")
            types = set(map(type, column))
            if types == {str}:
                pattern.append(head + "%s")
                texts.append(map(_escape, column))
            elif types == {int}:
                pattern.append(head + "%s")
                texts.append(map(_int_text, column))
            elif types == {bytes} and kinds.get(name) == "blob":
                pattern.append(head + '"%s"')
                texts.append(map(bytes.decode, map(_b64, column)))
            elif types == {float} and kinds.get(name) == "timestamp" and all(column):
                written = {value: _float_text(value) for value in set(column)}
                if not all(map(math.isfinite, written)):
                    return None
                pattern.append(head + "%s")
                texts.append(map(written.__getitem__, column))
            else:
                pattern.append(head + "%s")
                texts.append(map(members.get(name, _dump), column))
        row = "{" + ",".join(pattern) + "}"
        return f"[{','.join(map(row.__mod__, zip(*texts, strict=True)))}]"

    return table


def _converted(convert: Encoder | None) -> Writer | None:
    """A writer that converts first and lets `json` write the result (None: nothing to convert)."""
    if convert is None:
        return None
    return lambda value: _dump(convert(value))


def _write_blob(value: Any) -> str:
    if value.__class__ is bytes or isinstance(value, bytes | bytearray | memoryview):
        return '"' + b2a_base64(value, newline=False).decode("ascii") + '"'
    return _dump(value)


def _timestamp_writer() -> Writer:
    """A timestamp writer that remembers the last float it wrote.

    Formatting a float is the dearest part of writing a record, and the
    records of one answer often share their time (Kinesis's of one PutRecords
    call do). It remembers a value, not an identity, so any equal float gets
    the same text; 0.0 is never remembered, as -0.0 equals it but reads
    differently.
    """
    last: list[tuple[float, str]] = [(math.nan, "")]  # NaN equals nothing

    def timestamp(value: Any) -> str:
        if value.__class__ is float:
            seen, text = last[0]
            if value == seen:
                return text
            if value and math.isfinite(value):
                text = _float_text(value)
                last[0] = (value, text)
                return text
        elif hasattr(value, "timestamp"):
            value = value.timestamp()
        return _dump(value)

    return timestamp


def _pending(value: Any) -> str:
    raise AssertionError("a writer used before it was built")  # pragma: no cover


_PENDING: Writer = _pending
