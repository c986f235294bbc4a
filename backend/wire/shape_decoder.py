"""One walk over a botocore shape, turning a decoded document into service params.

JSON and CBOR bodies decode to the same kinds of values (dicts, lists,
scalars), so one walk serves both; what differs is passed in as a
`Decoding`: the scalar converters, how a wrongly typed value is reported
(naming the protocol's type), and what counts as absent (CBOR also has
`undefined`). Every converter takes the value and its path in the request
(`Entries.1.Id`) so that an error can say where it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.model import Shape

from backend.errors import AwsError

Decoder = Callable[[Any, str], Any]
#: The error for a value of the wrong type: (path, value, the shape's type name).
WrongType = Callable[[str, object, str], AwsError]


@dataclass(frozen=True, slots=True)
class Decoding:
    """What one protocol's documents bring to the walk."""

    #: A converter per scalar type name (string, integer, ...); others pass as they are.
    scalars: Mapping[str, Decoder]
    #: The error for a value of the wrong type: (path, value, the shape's type name).
    wrong_type: WrongType
    #: Whether a member's value counts as not sent.
    absent: Callable[[Any], bool]


def shape_decoder(shape: Shape, decoding: Decoding, memo: dict[str, Decoder]) -> Decoder:
    """A converter from decoded documents to service params for `shape`.

    `memo` holds converters under construction, so recursive shapes refer
    back to themselves instead of recursing for ever.
    """
    found = memo.get(shape.name)
    if found is not None:
        return found
    type_name = shape.type_name
    wrong_type, absent = decoding.wrong_type, decoding.absent
    if type_name == "structure":
        members: dict[str, Decoder] = {}

        def structure(value: Any, path: str) -> Any:
            if not isinstance(value, dict):
                raise wrong_type(path, value, "structure")
            out = {}
            for name, item in value.items():
                decode = members.get(name)
                if decode is not None and not absent(item):
                    out[name] = decode(item, f"{path}.{name}" if path else name)
            return out

        memo[shape.name] = structure
        for name, member in shape.members.items():
            members[name] = shape_decoder(member, decoding, memo)
        return structure
    if type_name == "list":
        element: list[Decoder] = []

        def list_(value: Any, path: str) -> Any:
            if not isinstance(value, list):
                raise wrong_type(path, value, "list")
            decode = element[0]
            return [decode(item, f"{path}.{i}") for i, item in enumerate(value, 1)]

        memo[shape.name] = list_
        element.append(shape_decoder(shape.member, decoding, memo))
        return list_
    if type_name == "map":
        key_and_value: list[Decoder] = []

        def map_(value: Any, path: str) -> Any:
            if not isinstance(value, dict):
                raise wrong_type(path, value, "map")
            decode_key, decode = key_and_value
            return {
                decode_key(k, path): decode(v, f"{path}.{k}")
                for k, v in value.items()
                if not absent(v)
            }

        memo[shape.name] = map_
        key_and_value += (
            shape_decoder(shape.key, decoding, memo),
            shape_decoder(shape.value, decoding, memo),
        )
        return map_
    return decoding.scalars.get(type_name, _as_is)


def _as_is(value: Any, path: str) -> Any:
    return value


def whole(values: range, type_name: str, wrong_type: WrongType) -> Decoder:
    """A reader of `integer` (32-bit) or `long` (64-bit) members; `5.0` is 5.

    JSON and CBOR both may carry a whole number as a float; a bool is never one.
    """

    def convert(value: Any, path: str) -> Any:
        number = int(value) if isinstance(value, float) and value.is_integer() else value
        if isinstance(number, bool) or not isinstance(number, int) or number not in values:
            raise wrong_type(path, value, type_name)
        return number

    return convert


def boolean(wrong_type: WrongType) -> Decoder:
    """A reader of `boolean` members: true or false only, never 0 or 1."""

    def convert(value: Any, path: str) -> Any:
        if not isinstance(value, bool):
            raise wrong_type(path, value, "boolean")
        return value

    return convert
