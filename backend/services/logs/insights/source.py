"""The events a query reads, as one polars frame, and the fields discovered in them.

Every event of the queried groups timestamped in [startTime, endTime] is a
row: the system fields `@timestamp` and `@ingestionTime` (ms since the
epoch), `@message`, `@logStream` and `@log` (`account:group`, as AWS
writes it), and three hidden columns that make `@ptr` for the rows a query
returns (`results.pointer`). The columns are built from the streams' own
arrays without a Python object per event: the times through the buffer protocol, the messages as one
list slice each.

A JSON object message has fields of its own: its keys, nested ones joined by
dots (`http.status`) and array items by index (`items.0`), which is how AWS
flattens them. A query names only some, so only those are extracted
(`discovered_column`), by polars' JSON path matcher; `discovered` lists all
of one message's for the rows a query shows whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any, Final

import numpy as np
import polars as pl

from backend.numbers import whole_number
from backend.services.logs.group import LogGroup

TIMESTAMP: Final = "@timestamp"
MESSAGE: Final = "@message"
LOG_STREAM: Final = "@logStream"
LOG: Final = "@log"
INGESTION_TIME: Final = "@ingestionTime"
PTR: Final = "@ptr"
#: The system fields, in the order a row shows them when the query names none.
SYSTEM_FIELDS: Final = (TIMESTAMP, MESSAGE, LOG_STREAM, LOG, INGESTION_TIME)
#: Hidden columns: a query cannot name them (no field starts with NUL).
GROUP_INDEX: Final = "\x00group"
STREAM_NAME: Final = "\x00stream"
EVENT_KEY: Final = "\x00key"


def source_frame(
    account: str, groups: Sequence[LogGroup], start: int, end: int
) -> tuple[pl.DataFrame, int]:
    """The events of `groups` timestamped in [start, end] (ms), and their messages' bytes."""
    parts: list[pl.DataFrame] = []
    for index, group in enumerate(groups):
        log = f"{account}:{group.name}"
        for stream in group.streams.values():
            lo, hi = stream.span(start, end + 1)
            if lo == hi:
                continue
            count = hi - lo
            parts.append(
                pl.DataFrame(
                    {
                        TIMESTAMP: np.frombuffer(stream.timestamps, np.int64)[lo:hi],
                        MESSAGE: pl.Series(stream.messages[lo:hi], dtype=pl.String),
                        LOG_STREAM: pl.repeat(stream.name, count, eager=True),
                        LOG: pl.repeat(log, count, eager=True),
                        INGESTION_TIME: np.frombuffer(stream.ingested, np.int64)[lo:hi],
                        GROUP_INDEX: pl.repeat(index, count, dtype=pl.UInt32, eager=True),
                        STREAM_NAME: pl.repeat(stream.name, count, eager=True),
                        EVENT_KEY: np.frombuffer(stream.keys, np.uint64)[lo:hi],
                    }
                )
            )
    if not parts:
        return _empty(), 0
    frame = pl.concat(parts, rechunk=False)
    scanned = frame.get_column(MESSAGE).str.len_bytes().sum()
    return frame, int(scanned)


def _empty() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            TIMESTAMP: pl.Int64,
            MESSAGE: pl.String,
            LOG_STREAM: pl.String,
            LOG: pl.String,
            INGESTION_TIME: pl.Int64,
            GROUP_INDEX: pl.UInt32,
            STREAM_NAME: pl.String,
            EVENT_KEY: pl.UInt64,
        }
    )


def discovered_column(name: str) -> pl.Expr:
    """The values of discovered field `name` in each message (null where it has none).

    A name starting `@@` is a JSON key starting `@` (AWS doubles it so it
    cannot pass for a system field); any other `@` name that is no system
    field is absent, as in a message that is not JSON.
    """
    if name.startswith("@") and not name.startswith("@@"):
        return pl.lit(None, dtype=pl.String)
    key = name[1:] if name.startswith("@@") else name
    path = "$" + "".join(
        f"[{part}]" if _index(part) else "['" + part.replace("'", "\\'") + "']"
        for part in key.split(".")
    )
    return pl.col(MESSAGE).str.json_path_match(path)


def _index(part: str) -> bool:
    """Whether a dotted field name's part is an array index: ASCII digits only ('٣' is not)."""
    return not part.startswith("-") and whole_number(part) is not None


def discovered(message: str) -> Iterator[tuple[str, str]]:
    """Every field a JSON object message holds, flattened, with its value as text."""
    if not message.startswith("{"):
        return
    try:
        document = json.loads(message)
    except ValueError:
        return
    if isinstance(document, dict):
        yield from _flatten(document, "")


def _flatten(value: Any, prefix: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        items: Iterator[tuple[Any, Any]] = iter(value.items())
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        if value is not None:
            yield prefix, _scalar_text(value)
        return
    for key, item in items:
        name = f"{prefix}.{key}" if prefix else str(key)
        if not prefix and name.startswith("@"):
            name = "@" + name
        yield from _flatten(item, name)


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
