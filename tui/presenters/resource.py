"""What a `ResourcePane` asks of a service to draw it: the presenter's shape.

Queues, streams, delivery streams and buckets are each "a table of resources,
a detail of the highlighted one, its recent metrics, and a table of what it
holds" (messages, shards, records, objects). The pane is written once
(`tui.screens.resource_pane`); a service brings a presenter: a plain class,
no widget and no Textual, that turns the cloud's state into rows, a detail
line and series, so it can be unit-tested on a bare `Cloud`.

A presenter reads the cloud on every call and keeps nothing between calls but
what it was given: the pane asks it again on each refresh tick.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar

from rich.text import Text

from backend.cloud import Cloud
from tui.presenters.palette import Palette
from widgets.live_table import Column, Row

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class TableSpec:
    """A table as a presenter declares it: its title, its columns, what it says when empty."""

    title: str
    columns: Sequence[Column]
    empty: str = "nothing here yet"


class ResourcePresenter(ABC, Generic[R]):
    """A service's resources (of type `R`: a `Queue`, a stream) as a `ResourcePane` shows them.

    The resource table's rows are keyed by what `find` takes (an ARN), so the
    pane can keep the cursor on a resource while rows come and go, and look the
    highlighted one up again on each tick; `find` returns None once it is gone.
    """

    #: The table of resources.
    table: ClassVar[TableSpec]
    #: The table of what the highlighted resource holds; None: the pane has none.
    child_table: ClassVar[TableSpec | None] = None
    #: The labels of the spark row's series, left to right; empty: no spark row.
    spark_labels: ClassVar[Sequence[str]] = ()

    def __init__(self, cloud: Cloud) -> None:
        self.cloud = cloud

    @abstractmethod
    def rows(self, palette: Palette) -> list[Row]:
        """Every resource as a row, in the order the table shows them unsorted."""

    @abstractmethod
    def find(self, key: str) -> R | None:
        """The resource whose row has `key`, or None if it no longer exists."""

    @abstractmethod
    def name(self, resource: R) -> str:
        """The resource's name as people say it: in titles and in palette commands."""

    def key_of(self, name: str) -> str | None:
        """The row key of the resource called `name` (for `:sqs orders`); None if none is."""
        return None

    def detail(self, resource: R) -> str | Text:
        """One line (or a few) under the table: the settings that shape its behaviour."""
        return self.name(resource)

    def sparks(self, resource: R) -> Mapping[str, Sequence[float]]:
        """The series of `spark_labels`, by label, oldest value first."""
        return {}

    def child_columns(self, resource: R) -> Sequence[Column]:
        """The child table's columns for `resource` (a FIFO queue's messages have more)."""
        return self.child_table.columns if self.child_table is not None else ()

    def child_rows(self, resource: R, palette: Palette) -> list[Row]:
        """What `resource` holds, a row each: a bounded window, never all of it."""
        return []

    def child_title(self, resource: R, shown: int) -> str:
        """The child table's title, given that `shown` rows of children are listed."""
        title = self.child_table.title if self.child_table is not None else ""
        return f"{title} · {self.name(resource)}"

    def badge(self) -> tuple[str, bool]:
        """The rail badge: text, and whether it signals a problem."""
        return "", False
