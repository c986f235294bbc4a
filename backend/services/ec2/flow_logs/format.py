"""Flow-log record formats: the field catalogue, `LogFormat` parsing, rendering, headers.

A format is what CreateFlowLogs' `LogFormat` says and DescribeFlowLogs gives
back: `${field}` tokens separated by single spaces, any of the catalogue's
fields in any order, at least one. Without one a flow log uses the default
format, the version 2 fields in catalogue order. Anything else (an unknown
field, a trailing space, `$${field}`) is refused with AWS's validation text.

A custom format's `version` field reports the highest version among the
format's fields (AWS's rule), so it is a constant of the format: rendering
bakes it into a `%`-template and picks the other fields out of a `Record` with
one `itemgetter`, a C call per line rather than a Python call per field.

The catalogue holds the fields of versions 2 to 5. AWS has since added the
ECS fields (version 7) and `reject-reason` (8); skydeck has no ECS or Block
Public Access to fill them and refuses them as unknown (docs/deviations.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Final

from backend.errors import ErrorCode
from backend.services.ec2.flow_logs.records import Record, Value

#: EC2's code for a refused parameter (the EC2 service raises the same code).
InvalidParameter = ErrorCode("InvalidParameter")


@dataclass(frozen=True, slots=True)
class Field:
    """One flow-log field: its name in formats and headers, and the version that added it."""

    name: str
    version: int


#: Every field a format may name, in AWS's order (the default format's order).
FIELDS: Final = (
    Field("version", 2),
    Field("account-id", 2),
    Field("interface-id", 2),
    Field("srcaddr", 2),
    Field("dstaddr", 2),
    Field("srcport", 2),
    Field("dstport", 2),
    Field("protocol", 2),
    Field("packets", 2),
    Field("bytes", 2),
    Field("start", 2),
    Field("end", 2),
    Field("action", 2),
    Field("log-status", 2),
    Field("vpc-id", 3),
    Field("subnet-id", 3),
    Field("instance-id", 3),
    Field("tcp-flags", 3),
    Field("type", 3),
    Field("pkt-srcaddr", 3),
    Field("pkt-dstaddr", 3),
    Field("region", 4),
    Field("az-id", 4),
    Field("sublocation-type", 4),
    Field("sublocation-id", 4),
    Field("pkt-src-aws-service", 5),
    Field("pkt-dst-aws-service", 5),
    Field("flow-direction", 5),
    Field("traffic-path", 5),
)
_BY_NAME: Final = {f.name: f for f in FIELDS}
#: Where each field but `version` sits in a `Record` (its fields follow the catalogue).
_SLOT: Final = {f.name: index - 1 for index, f in enumerate(FIELDS) if f.name != "version"}
assert len(_SLOT) == len(Record._fields)

#: The default format, as DescribeFlowLogs' `LogFormat` reports it.
DEFAULT_LOG_FORMAT: Final = " ".join(f"${{{f.name}}}" for f in FIELDS if f.version == 2)

_SYNTAX = re.compile(r"\$\{([a-z0-9-]+)\}(?: \$\{([a-z0-9-]+)\})*")
_TOKEN = re.compile(r"\$\{([a-z0-9-]+)\}")


@dataclass(frozen=True, slots=True)
class LogFormat:
    """A parsed `LogFormat`: its text, its fields in order, and the version it reports."""

    text: str
    fields: tuple[str, ...]
    version: int
    _template: str = field(repr=False, compare=False)
    _pick: Callable[[Record], tuple[Value, ...]] = field(repr=False, compare=False)

    @property
    def header(self) -> str:
        """The first line of each S3 log file: the field names, space-separated."""
        return " ".join(self.fields)

    def render(self, record: Record) -> str:
        """`record` as a line of this format."""
        return self._template % self._pick(record)


def _picker(indices: tuple[int, ...]) -> Callable[[Record], tuple[Value, ...]]:
    """A record's values at `indices`, always as a tuple (`itemgetter` of one is not)."""
    if len(indices) > 1:
        return itemgetter(*indices)
    if indices:
        index = indices[0]
        return lambda record: (record[index],)
    return lambda record: ()


def parse_log_format(text: str | None) -> LogFormat:
    """The format CreateFlowLogs' `LogFormat` asks for (None: the default).

    Raises `InvalidParameter` with AWS's text when it is not `${field}` tokens
    separated by single spaces, or names a field AWS does not have.
    """
    if text is None:
        text = DEFAULT_LOG_FORMAT
    if _SYNTAX.fullmatch(text) is None:
        raise _invalid(text)
    names = tuple(_TOKEN.findall(text))
    if any(name not in _BY_NAME for name in names):
        raise _invalid(text)
    version = max(_BY_NAME[name].version for name in names)
    template = " ".join(str(version) if name == "version" else "%s" for name in names)
    indices = tuple(_SLOT[name] for name in names if name != "version")
    return LogFormat(text, names, version, template, _picker(indices))


def _invalid(text: str) -> Exception:
    return InvalidParameter(
        f"1 validation error detected: Value '{text}' at 'logFormat' has an invalid format"
    )


DEFAULT_FORMAT: Final = parse_log_format(None)
