"""S3 object names: the evaluated prefix and Firehose's suffix (AWS_FACTS §3).

An object is `<evaluated prefix><stream>-<version>-<YYYY>-<MM>-<dd>-<HH>-<mm>-<ss>-<uuid><ext>`.
Every timestamp in it, the prefix's and the suffix's, is the arrival of the
oldest record in the object, in UTC unless the destination names a
CustomTimeZone. With no Prefix the prefix is `YYYY/MM/dd/HH/`; a Prefix
without expressions gets that time path appended; a Prefix with expressions
is evaluated as it stands:

- `!{timestamp:<Java DateTimeFormatter pattern>}`, e.g. `!{timestamp:yyyy/MM/dd}`;
- `!{firehose:random-string}`, 11 random characters drawn anew per object;
- `!{firehose:error-output-type}`, only in ErrorOutputPrefix.

Prefixes are compiled once when a destination is configured, so a mistake is
refused then (as AWS refuses it at CreateDeliveryStream) and a delivery only
renders. `partitionKeyFromQuery`/`partitionKeyFromLambda` need dynamic
partitioning, which this simulation does not run, so they are refused too.
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo

from backend.services.firehose.errors import bad_prefix

Render = Callable[[datetime, random.Random], str]

_EXPRESSION = re.compile(r"!\{([^{}:]*):([^{}]*)\}")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: What `!{firehose:error-output-type}` says for an S3 destination without processing.
ERROR_OUTPUT_TYPE = "processing-failed"


@dataclass(frozen=True, slots=True)
class Template:
    """A compiled prefix: `render(moment, rng)` gives the evaluated prefix."""

    text: str
    has_expressions: bool
    parts: tuple[str | Render, ...]

    def render(self, moment: datetime, rng: random.Random) -> str:
        if not self.has_expressions:
            return self.text + moment.strftime("%Y/%m/%d/%H/")
        return "".join(part if isinstance(part, str) else part(moment, rng) for part in self.parts)


def compile_prefix(text: str, *, error_output: bool = False) -> Template:
    """`text` (Prefix or ErrorOutputPrefix) compiled, or InvalidArgumentException."""
    parts: list[str | Render] = []
    at = 0
    for found in _EXPRESSION.finditer(text):
        parts.append(text[at : found.start()])
        parts.append(_expression(found.group(0), found.group(1), found.group(2), error_output))
        at = found.end()
    rest = text[at:]
    if "!{" in rest:
        raise bad_prefix(f"'{rest[rest.index('!{') :][:64]}' is not a valid expression")
    parts.append(rest)
    return Template(text, at > 0, tuple(p for p in parts if p != ""))


def check_pair(prefix: Template, error_prefix: Template | None) -> None:
    """AWS's rule across the two: an expression in Prefix needs an ErrorOutputPrefix."""
    if prefix.has_expressions and (error_prefix is None or not error_prefix.text):
        raise bad_prefix(
            "ErrorOutputPrefix cannot be null or empty when Prefix contains expressions"
        )


def object_key(
    prefix: Template,
    stream: str,
    version: int,
    oldest: float,
    zone: tzinfo,
    rng: random.Random,
    extension: str,
) -> str:
    """The key of an object whose oldest record arrived at `oldest` (epoch seconds)."""
    moment = datetime.fromtimestamp(oldest, zone)
    object_id = uuid.UUID(int=rng.getrandbits(128), version=4)
    return (
        f"{prefix.render(moment, rng)}{stream}-{version}-"
        f"{moment.strftime('%Y-%m-%d-%H-%M-%S')}-{object_id}{extension}"
    )


def _expression(whole: str, namespace: str, value: str, error_output: bool) -> Render:
    if namespace == "timestamp":
        return _timestamp(whole, value)
    if namespace == "firehose":
        if value == "random-string":
            return _random_string
        if value == "error-output-type":
            if not error_output:
                raise bad_prefix(
                    "The 'firehose:error-output-type' expression can only be used in "
                    "ErrorOutputPrefix"
                )
            return lambda moment, rng: ERROR_OUTPUT_TYPE
        raise bad_prefix(
            f"'{whole}' is not a valid expression: the firehose namespace takes "
            "random-string or error-output-type"
        )
    if namespace in ("partitionKeyFromQuery", "partitionKeyFromLambda"):
        raise bad_prefix(
            f"The '{namespace}' namespace can only be used when dynamic partitioning is enabled"
        )
    raise bad_prefix(
        f"'{whole}' is not a valid expression: the namespace must be timestamp, firehose, "
        "partitionKeyFromQuery or partitionKeyFromLambda"
    )


def _random_string(moment: datetime, rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))[:11]


def _timestamp(whole: str, pattern: str) -> Render:
    """A Java DateTimeFormatter pattern (the letters a prefix needs) as a renderer."""
    if not pattern:
        raise bad_prefix(f"'{whole}' is not a valid expression: the timestamp pattern is empty")
    fields: list[str | Callable[[datetime], str]] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "'":
            end = pattern.find("'", i + 1)
            if end < 0:
                raise bad_prefix(f"'{whole}' is not a valid expression: unterminated quote")
            fields.append("'" if end == i + 1 else pattern[i + 1 : end])
            i = end + 1
            continue
        run = i
        while run < len(pattern) and pattern[run] == char:
            run += 1
        count = run - i
        if char.isascii() and char.isalpha():
            field = _FIELDS.get(char)
            if field is None:
                raise bad_prefix(
                    f"'{whole}' is not a valid expression: unsupported pattern letter '{char}'"
                )
            fields.append(field(count))
        else:
            fields.append(char * count)
        i = run

    def render(moment: datetime, rng: random.Random) -> str:
        return "".join(f if isinstance(f, str) else f(moment) for f in fields)

    return render


def _number(get: Callable[[datetime], int]) -> Callable[[int], Callable[[datetime], str]]:
    return lambda count: lambda moment: str(get(moment)).zfill(count)


def _year(count: int) -> Callable[[datetime], str]:
    if count == 2:
        return lambda moment: f"{moment.year % 100:02d}"
    return lambda moment: str(moment.year).zfill(count)


def _month(count: int) -> Callable[[datetime], str]:
    if count >= 3:
        return lambda moment: _MONTHS[moment.month - 1][: 3 if count == 3 else None]
    return lambda moment: str(moment.month).zfill(count)


def _day_name(count: int) -> Callable[[datetime], str]:
    return lambda moment: _DAYS[moment.weekday()][: None if count >= 4 else 3]


def _fraction(count: int) -> Callable[[datetime], str]:
    return lambda moment: f"{moment.microsecond:06d}{'0' * count}"[:count]


_FIELDS: dict[str, Callable[[int], Callable[[datetime], str]]] = {
    "y": _year,
    "u": _year,
    "M": _month,
    "L": _month,
    "d": _number(lambda m: m.day),
    "D": _number(lambda m: m.timetuple().tm_yday),
    "H": _number(lambda m: m.hour),
    "k": _number(lambda m: m.hour or 24),
    "K": _number(lambda m: m.hour % 12),
    "h": _number(lambda m: m.hour % 12 or 12),
    "m": _number(lambda m: m.minute),
    "s": _number(lambda m: m.second),
    "S": _fraction,
    "E": _day_name,
    "a": lambda count: lambda moment: "AM" if moment.hour < 12 else "PM",
}
