"""A finished query's rows, kept as polars columns and written out AWS's way a page at a time.

AWS returns a row as a list of `{field, value}`, every value text, fields
without a value left out, and `@ptr` on every row that is an event. Held
that way, a cell costs a dict and a string, some 240 bytes beyond its
characters, and a query may return 100,000 rows of dozens of fields; so the
rows stay columns of text (Arrow buffers: the characters and a few bytes a
cell) and GetQueryResults writes out only the page it returns. A query that
names no fields shows every field of an event, those of its JSON message
among them: the messages are kept, and flattened when their page is read.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import polars as pl

from backend.services.logs.insights.source import PTR, discovered

Row = list[dict[str, str]]


@dataclass(frozen=True, slots=True)
class Results:
    """A query's rows: `names[i]` is column `texts[i]`; see the module docstring."""

    names: tuple[str, ...]
    texts: pl.DataFrame
    #: The rows' messages, when each row shows every field of its event.
    messages: pl.Series | None
    #: Each row's group (an index into `arns`), stream and event key; None for stats rows.
    pointers: pl.DataFrame | None
    arns: tuple[str, ...]

    def __len__(self) -> int:
        return self.texts.height

    @property
    def size(self) -> int:
        """Bytes the columns hold."""
        held = self.texts.estimated_size()
        if self.messages is not None:
            held += self.messages.estimated_size()
        if self.pointers is not None:
            held += self.pointers.estimated_size()
        return int(held)

    def rows(self, first: int, last: int) -> list[Row]:
        """Rows [first, last) as AWS writes them."""
        count = max(0, min(last, len(self)) - first)
        columns: list[list[Any]] = [
            series.to_list() for series in self.texts.slice(first, count).get_columns()
        ]
        messages = [] if self.messages is None else self.messages.slice(first, count).to_list()
        pointers = [] if self.pointers is None else self.pointers.slice(first, count).rows()
        rows: list[Row] = []
        for index in range(count):
            row = [
                {"field": name, "value": column[index]}
                for name, column in zip(self.names, columns, strict=True)
                if column[index] is not None
            ]
            if messages:
                present = {cell["field"] for cell in row}
                row += [
                    {"field": name, "value": value}
                    for name, value in discovered(messages[index])
                    if name not in present
                ]
            if pointers:
                group, stream, key = pointers[index]
                row.append({"field": PTR, "value": pointer(self.arns[group], stream, key)})
            rows.append(row)
        return rows


def pointer(arn: str, stream: str, key: int) -> str:
    """An event's `@ptr`: opaque to clients, naming its group, stream and key."""
    return base64.urlsafe_b64encode(f"{arn}\n{stream}\n{key}".encode()).decode()
