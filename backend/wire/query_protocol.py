"""The query protocol: form-encoded requests, XML responses and XML errors.

A query request is a flat form: `Action=SendMessage&QueueUrl=...&
MessageAttribute.1.Name=colour&MessageAttribute.1.Value.StringValue=blue`.
Decoding folds the dotted names into a tree and reads it against the
operation's input shape, using the query serialization traits of the model
(`locationName`, `flattened`): lists are numbered `Name.N` (or `Name.member.N`
when not flattened), maps are `Name.N.Key`/`Name.N.Value` pairs, blobs are
base64 and timestamps ISO 8601. Decoding is lenient about spelling where
clients differ (the member name or its query name, a list member's name),
because old SDKs and hand-written scripts do, but not about numbers: values
and list indexes are read with `backend.numbers`, so '¹', '٣', '--5' or a
5,000-digit index is an InvalidParameterValue, never a 500 or a number.

Encoding writes `<OpResponse><OpResult>...</OpResult><ResponseMetadata>
<RequestId/></ResponseMetadata></OpResponse>`, each member under its query
name, flattened lists as repeated elements; errors are `<ErrorResponse><Error>
<Type/><Code/><Message/></Error><RequestId/></ErrorResponse>` with the legacy
code, which is what query clients map to their exception classes.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from botocore.model import OperationModel, Shape

from backend.errors import AwsError
from backend.numbers import INT32, INT64, decimal_number, whole_number
from backend.params import quoted
from backend.wire import timestamps
from backend.wire.errors import InvalidParameterValue, MalformedQueryString

Params = dict[str, Any]
#: A folded form: child names to nodes; the value given for the node itself under ".".
Node = dict[str, Any]
Decoder = Callable[[Node, str], Any]
Writer = Callable[[Any, str, list[str]], None]

VALUE = "."
#: Fields one form may carry; a batch of ten messages with ten attributes needs ~500.
MAX_FIELDS = 10_000
#: Highest list or map entry number: a form cannot carry more entries than fields.
MAX_INDEX = MAX_FIELDS
_MAX_DEPTH = 12
#: What a map's entries may be written under: `Name.entry.N.key` (not flattened).
_MAP_WRAPPERS = ("entry",)

_INVALID_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#xD;"})


def parse_form(body: bytes, query: Iterable[tuple[str, str]] = ()) -> dict[str, str]:
    """The fields of a form body plus the URL's query string; MalformedQueryString if unreadable."""
    fields: dict[str, str] = {}
    if body:
        try:
            text = body.decode("utf-8")
            pairs = parse_qsl(
                text, keep_blank_values=True, max_num_fields=MAX_FIELDS, errors="strict"
            )
        except (UnicodeDecodeError, ValueError):
            raise MalformedQueryString(
                "The request body is not a well-formed, UTF-8, form-encoded query."
            ) from None
        fields.update(pairs)
    for key, value in query:
        fields.setdefault(key, value)
    return fields


def fold(fields: Mapping[str, str]) -> Node:
    """`{"A.1.Name": "x"}` -> `{"A": {"1": {"Name": {".": "x"}}}}`."""
    root: Node = {}
    for key, value in fields.items():
        parts = key.split(".")
        if len(parts) > _MAX_DEPTH:
            continue
        node = root
        for part in parts:
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            node = child
        node[VALUE] = value
    return root


def decode_request(op: OperationModel, fields: Mapping[str, str]) -> Params:
    """The params of a query request for `op`, or InvalidParameterValue."""
    return decode_with(request_decoder(op), fields)


def decode_with(decoder: Decoder | None, fields: Mapping[str, str]) -> Params:
    """The params of a query request, read by a decoder built once (`request_decoder`)."""
    if decoder is None:
        return {}
    params: Params = decoder(fold(fields), "")
    return params


def request_decoder(op: OperationModel, *, ec2: bool = False) -> Decoder | None:
    """`op`'s decoder; building it walks the shapes, so the codec keeps it per operation.

    `ec2` reads EC2's dialect of the same form (`ec2_protocol`): a member is
    named by its `queryName` or its capitalised `locationName`, never by a
    list member's name.
    """
    shape = op.input_shape
    if shape is None:
        return None
    return _decoder(shape, {}, _ec2_member_names if ec2 else _member_names)


# -- decoding -----------------------------------------------------------------------


def _invalid(path: str, value: str, reason: str) -> AwsError:
    return InvalidParameterValue(
        f"Value {quoted(value)} for parameter {quoted(path)} is invalid. Reason: {reason}"
    )


def _shape_key(shape: Shape) -> str:
    return f"{shape.name}{sorted(shape.serialization.items())}"


def _ec2_member_names(name: str, member: Shape) -> list[str]:
    """Every spelling an EC2 client may use for member `name` (botocore's `EC2Serializer`)."""
    names: list[str] = []
    query_name = member.serialization.get("queryName")
    if query_name:
        names.append(query_name)
    location = member.serialization.get("name")
    if location:
        names.append(location[:1].upper() + location[1:])
    names.append(name)
    return list(dict.fromkeys(names))


def _member_names(name: str, member: Shape) -> list[str]:
    """Every spelling a client may use for structure member `name`, best first."""
    names: list[str] = []
    if member.type_name == "list" and member.serialization.get("flattened"):
        element = member.member.serialization.get("name")
        if element:
            names.append(element)
    location = member.serialization.get("name")
    if location:
        names.append(location)
    names.append(name)
    if member.type_name in ("list", "map") and name.endswith("s"):
        names.append(name[:-1])
    return list(dict.fromkeys(names))


def _numbered(node: Node, path: str) -> list[tuple[str, Node]]:
    """The entries of list or map `node` as (index, entry), in numeric order.

    Indexes are whole numbers from 1, written plainly. Gaps are allowed (hand
    written forms skip numbers), and entries are only collected, never laid out
    by index, so `Entry.999999999` costs what `Entry.1` does. Any other child is
    InvalidParameterValue: '¹' passes `str.isdigit` but not `int()` (it was a
    500), '٣' passes both but is no number AWS reads, '01' would stand for the
    same entry as '1', and a 5,000-digit index is no index.
    """
    entries: list[tuple[int, str, Node]] = []
    for key, child in node.items():
        if key == VALUE:
            continue
        number = whole_number(key)
        if number is None or not 1 <= number <= MAX_INDEX or str(number) != key:
            raise _invalid(f"{path}.{key}", key, f"entries are numbered 1 to {MAX_INDEX}.")
        entries.append((number, key, child))
    entries.sort(key=lambda entry: entry[0])
    return [(key, child) for _, key, child in entries]


def _unwrap(node: Node, path: str, wrappers: Iterable[str]) -> tuple[Node, str]:
    """The entries of a list or map written under a wrapper (`Name.member.N`), and their path."""
    for wrapper in wrappers:
        inner = node.get(wrapper)
        if inner is not None:
            return inner, f"{path}.{wrapper}"
    return node, path


def _decoder(
    shape: Shape, memo: dict[str, Decoder], spell: Callable[[str, Shape], list[str]]
) -> Decoder:
    key = _shape_key(shape)
    found = memo.get(key)
    if found is not None:
        return found
    type_name = shape.type_name
    if type_name == "structure":
        members: list[tuple[str, list[str], list[Decoder]]] = []

        def structure(node: Node, path: str) -> Any:
            out = {}
            for name, spellings, decode in members:
                for spelling in spellings:
                    child = node.get(spelling)
                    if child is not None:
                        out[name] = decode[0](child, f"{path}.{spelling}" if path else spelling)
                        break
            return out

        memo[key] = structure
        for name, member in shape.members.items():
            # A spelling that is another member's own name is that member's: CloudWatch's
            # MetricDatum has both `Value` and `Values`, and `Value` is not one of `Values`.
            spellings = [
                spelling
                for spelling in spell(name, member)
                if spelling == name or spelling not in shape.members
            ]
            members.append((name, spellings, [_decoder(member, memo, spell)]))
        return structure
    if type_name == "list":
        wrappers = list(dict.fromkeys((shape.member.serialization.get("name", "member"), "member")))
        element: list[Decoder] = []

        def list_(node: Node, path: str) -> Any:
            node, path = _unwrap(node, path, wrappers)
            items = _numbered(node, path)
            if not items:
                value = node.get(VALUE)
                return [] if not value else [element[0]({VALUE: value}, path)]
            return [element[0](item, f"{path}.{index}") for index, item in items]

        memo[key] = list_
        element.append(_decoder(shape.member, memo, spell))
        return list_
    if type_name == "map":
        key_name = shape.key.serialization.get("name", "key")
        value_name = shape.value.serialization.get("name", "value")
        key_names = list(dict.fromkeys((key_name, "key", "Key", "Name")))
        value_names = list(dict.fromkeys((value_name, "value", "Value")))
        values: list[Decoder] = []

        def map_(node: Node, path: str) -> Any:
            node, path = _unwrap(node, path, _MAP_WRAPPERS)
            out = {}
            for index, entry in _numbered(node, path):
                map_key = next((entry[k].get(VALUE) for k in key_names if k in entry), None)
                if map_key is None:
                    raise _invalid(f"{path}.{index}", "", f"the entry has no {key_name}.")
                child = next((entry[v] for v in value_names if v in entry), None)
                if child is not None:
                    out[map_key] = values[0](child, f"{path}.{index}.{value_name}")
            return out

        memo[key] = map_
        values.append(_decoder(shape.value, memo, spell))
        return map_
    convert = _SCALARS.get(type_name, _string)

    def scalar(node: Node, path: str) -> Any:
        value = node.get(VALUE)
        if value is None:
            raise _invalid(path, "(a structure)", f"must be {type_name}.")
        return convert(value, path)

    memo[key] = scalar
    return scalar


def _string(value: str, path: str) -> Any:
    return value


def _whole(values: range) -> Callable[[str, str], Any]:
    """A reader of `integer` (32-bit) or `long` (64-bit) members."""

    def convert(value: str, path: str) -> Any:
        number = whole_number(value)
        if number is None or number not in values:
            raise _invalid(path, value, "must be an integer.")
        return number

    return convert


def _boolean(value: str, path: str) -> Any:
    lowered = value.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    raise _invalid(path, value, "must be true or false.")


def _float(value: str, path: str) -> Any:
    number = decimal_number(value)
    if number is None:
        raise _invalid(path, value, "must be a number.")
    return number


def _blob(value: str, path: str) -> Any:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise _invalid(path, value, "must be base64-encoded.") from None


def _timestamp(value: str, path: str) -> Any:
    when = timestamps.parse(value)
    if when is None:
        raise _invalid(path, value, "must be an ISO 8601 timestamp.")
    return when


_SCALARS: dict[str, Callable[[str, str], Any]] = {
    "string": _string,
    "integer": _whole(INT32),
    "long": _whole(INT64),
    "boolean": _boolean,
    "float": _float,
    "double": _float,
    "blob": _blob,
    "timestamp": _timestamp,
}


# -- encoding -----------------------------------------------------------------------


def escape(text: str) -> str:
    """XML text; characters XML 1.0 cannot carry become U+FFFD."""
    if _INVALID_XML.search(text):
        text = _INVALID_XML.sub("\ufffd", text)
    return text.translate(_ESCAPES)


def encode_response(op: OperationModel, response: Params, namespace: str, request_id: str) -> bytes:
    """`<OpResponse><OpResult>...</OpResult><ResponseMetadata/></OpResponse>`."""
    return encode_with(op.name, response_writer(op), response, namespace, request_id)


def encode_with(
    name: str,
    written: tuple[Writer, str] | None,
    response: Params,
    namespace: str,
    request_id: str,
) -> bytes:
    """The XML of operation `name`'s response, written by a writer built once."""
    parts = [f'<?xml version="1.0"?>\n<{name}Response xmlns="{namespace}">']
    if written is not None:
        writer, wrapper = written
        writer(response, wrapper, parts)
    parts.append(
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{name}Response>"
    )
    return "".join(parts).encode()


def response_writer(op: OperationModel) -> tuple[Writer, str] | None:
    """`op`'s writer and result element (see `request_decoder`)."""
    shape = op.output_shape
    if shape is None:
        return None
    return _writer(shape, {}), shape.serialization.get("resultWrapper", f"{op.name}Result")


def bare_writer(op: OperationModel) -> Writer | None:
    """A writer of `op`'s output members with no element around them (called with tag "").

    EC2 writes them straight under `<OpResponse>`, beside its `<requestId>`.
    """
    shape = op.output_shape
    return None if shape is None else _writer(shape, {})


def encode_error(error: AwsError, namespace: str, request_id: str) -> bytes:
    kind = "Sender" if error.sender_fault else "Receiver"
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    return (
        f'<?xml version="1.0"?>\n<ErrorResponse{xmlns}><Error><Type>{kind}</Type>'
        f"<Code>{escape(error.legacy_code)}</Code><Message>{escape(error.message)}</Message>"
        f"<Detail/></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
    ).encode()


def _element_name(name: str, member: Shape) -> str:
    """The tag a structure member is written under (a flattened list's member name)."""
    if member.type_name == "list" and member.serialization.get("flattened"):
        element = member.member.serialization.get("name")
        if element:
            return str(element)
    return str(member.serialization.get("name", name))


def _writer(shape: Shape, memo: dict[str, Writer]) -> Writer:
    key = _shape_key(shape)
    found = memo.get(key)
    if found is not None:
        return found
    type_name = shape.type_name
    if type_name == "structure":
        members: list[tuple[str, str, list[Writer]]] = []

        def structure(value: Any, tag: str, parts: list[str]) -> None:
            if not isinstance(value, dict):
                return
            if tag:
                parts.append(f"<{tag}>")
            for name, element, write in members:
                item = value.get(name)
                if item is not None:
                    write[0](item, element, parts)
            if tag:
                parts.append(f"</{tag}>")

        memo[key] = structure
        for name, member in shape.members.items():
            members.append((name, _element_name(name, member), [_writer(member, memo)]))
        return structure
    if type_name == "list":
        flattened = bool(shape.serialization.get("flattened"))
        element_name = shape.member.serialization.get("name", "member")
        element: list[Writer] = []

        def list_(value: Any, tag: str, parts: list[str]) -> None:
            if not isinstance(value, list):
                return
            if flattened:
                for item in value:
                    element[0](item, tag, parts)
                return
            parts.append(f"<{tag}>")
            for item in value:
                element[0](item, element_name, parts)
            parts.append(f"</{tag}>")

        memo[key] = list_
        element.append(_writer(shape.member, memo))
        return list_
    if type_name == "map":
        flattened = bool(shape.serialization.get("flattened"))
        key_name = shape.key.serialization.get("name", "key")
        value_name = shape.value.serialization.get("name", "value")
        values: list[Writer] = []

        def map_(value: Any, tag: str, parts: list[str]) -> None:
            if not isinstance(value, dict):
                return
            if not flattened:
                parts.append(f"<{tag}>")
            entry = tag if flattened else "entry"
            for map_key, item in value.items():
                parts.append(f"<{entry}><{key_name}>{escape(str(map_key))}</{key_name}>")
                values[0](item, value_name, parts)
                parts.append(f"</{entry}>")
            if not flattened:
                parts.append(f"</{tag}>")

        memo[key] = map_
        values.append(_writer(shape.value, memo))
        return map_
    text = _TEXT.get(type_name, _text_string)

    def scalar(value: Any, tag: str, parts: list[str]) -> None:
        parts.append(f"<{tag}>{text(value)}</{tag}>")

    memo[key] = scalar
    return scalar


def _text_string(value: Any) -> str:
    return escape(str(value))


def _text_boolean(value: Any) -> str:
    return "true" if value else "false"


def _text_number(value: Any) -> str:
    return str(value)


def _text_blob(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(value).decode("ascii")
    return escape(str(value))


def _text_timestamp(value: Any) -> str:
    if isinstance(value, int | float):
        return timestamps.iso8601(value)
    if hasattr(value, "timestamp"):
        return timestamps.iso8601(value.timestamp())
    return escape(str(value))


_TEXT: dict[str, Callable[[Any], str]] = {
    "boolean": _text_boolean,
    "integer": _text_number,
    "long": _text_number,
    "float": _text_number,
    "double": _text_number,
    "blob": _text_blob,
    "timestamp": _text_timestamp,
}
