"""The one pane shape for a service: resources, the highlighted one's detail, its
recent traffic, and what it holds.

```
 Queues                                  / filter  o sort      the resource table
  name      type  visible  in flight  …
 ▸orders    std       142         10
 orders · VisibilityTimeout 30s · …                            the detail
 sent ▁▂▃▅▇ 412  recv ▁▂▃▄▆ 380  …                             the spark row
 Messages · orders · 152                                       the child table
  id        state              rcv  body
```

Everything service-specific comes from a presenter (`tui.presenters.resource`);
a service pane subclasses this with its presenter, its `BINDINGS` and the
actions they run. What the presenter leaves out (no series, no children) is
not shown, and the resource table takes the room.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Generic

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from backend.cloud import Cloud
from tui.presenters.resource import R, ResourcePresenter
from tui.screens.pane import Pane
from widgets.live_table import Column
from widgets.resource_table import ResourceTable
from widgets.spark_row import SparkRow


class ResourcePane(Pane, Generic[R]):
    """A `Pane` drawn by a `ResourcePresenter[R]`; `R` is the service's resource type.

    Enter (`action_open`, for a pane that binds it) goes from a resource to its
    child table, and from a child to `open_child`; a double click does the same
    on what it was on.
    """

    DEFAULT_CSS = """
    ResourcePane > .resource-pane--resources {
        height: 1fr;
    }
    /* With a child table, the resources are as tall as their rows, up to a little over
       half the pane (at 80x24: the demo's nine queues with the detail, the sparks and
       six messages below); more rows than that scroll inside the table. */
    ResourcePane.-with-children > .resource-pane--resources {
        height: auto;
        max-height: 55%;
    }
    ResourcePane.-with-children > .resource-pane--resources LiveTable {
        height: auto;
    }
    ResourcePane > .resource-pane--detail {
        height: auto;
        max-height: 4;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        padding: 0 1;
        color: $text-muted;
        background: $panel;
    }
    ResourcePane > .resource-pane--children {
        height: 3fr;
    }
    """

    def __init__(self, cloud: Cloud, presenter: ResourcePresenter[R]) -> None:
        super().__init__(cloud)
        self.presenter = presenter
        spec, child = presenter.table, presenter.child_table
        self.resource_table = ResourceTable(
            spec.title, spec.columns, empty=spec.empty, classes="resource-pane--resources"
        )
        self.detail_view = Static("", classes="resource-pane--detail", markup=False)
        self.spark_row = SparkRow(presenter.spark_labels, classes="resource-pane--sparks")
        self.spark_row.display = bool(presenter.spark_labels)
        child = child or spec
        self.child_table = ResourceTable(
            child.title, child.columns, empty=child.empty, classes="resource-pane--children"
        )
        self.child_table.display = presenter.child_table is not None
        self.set_class(presenter.child_table is not None, "-with-children")
        self._child_columns = tuple(child.columns)
        self._detail_lines = 1

    def compose(self) -> ComposeResult:
        yield self.resource_table
        yield self.detail_view
        yield self.spark_row
        yield self.child_table

    def focus_main(self) -> None:
        self.resource_table.focus_table()

    # -- what is selected ---------------------------------------------------------

    def selected(self) -> R | None:
        """The highlighted resource, looked up afresh: None once it is gone."""
        key = self.resource_table.cursor_key
        return self.presenter.find(key) if key else None

    def selected_child_key(self) -> str | None:
        return self.child_table.cursor_key if self.child_table.display else None

    def go_to(self, name: str) -> bool:
        key = self.presenter.key_of(name)
        return key is not None and self.resource_table.table.move_to_key(key)

    def badge(self) -> tuple[str, bool]:
        return self.presenter.badge()

    # -- refresh ------------------------------------------------------------------

    def refresh_view(self) -> None:
        """Also redraw the footer when a key stops (or starts) applying without a key press.

        A reshard closes the highlighted shard, a delivery stream turns ACTIVE,
        a message's visibility runs out: no highlight moves, so the tick checks.
        """
        self.resource_table.set_rows(self.presenter.rows(self.palette))
        self._show_selected()
        self.refresh_keys()

    def _show_selected(self) -> None:
        self._show_resource()
        self.show_highlighted()

    def show_highlighted(self) -> None:
        """Draw what the pane shows of the highlighted rows besides the detail, the sparks
        and the children (S3's preview, a metric's graph, an alarm's history).

        Called on every refresh and every cursor move in either table, so it
        should do nothing when what it shows has not changed.
        """

    def _show_resource(self) -> None:
        presenter = self.presenter
        resource = self.selected()
        if resource is None:
            self._show_detail("")
            self.spark_row.set_series({})
            self.child_table.set_title((presenter.child_table or presenter.table).title)
            self.child_table.set_rows([])
            return
        self._show_detail(presenter.detail(resource))
        self.spark_row.set_series(presenter.sparks(resource))
        if presenter.child_table is None:
            return
        self._set_child_columns(presenter.child_columns(resource))
        rows = presenter.child_rows(resource, self.palette)
        self.child_table.set_rows(rows)
        self.child_table.set_title(presenter.child_title(resource, len(rows)))

    def _show_detail(self, detail: str | Text) -> None:
        """Update the detail; lay the pane out again only when its number of lines changes."""
        lines = (detail.plain if isinstance(detail, Text) else detail).count("\n") + 1
        self.detail_view.update(detail, layout=lines != self._detail_lines)
        self._detail_lines = lines

    def _set_child_columns(self, columns: Sequence[Column]) -> None:
        if tuple(columns) != self._child_columns:
            self._child_columns = tuple(columns)
            self.child_table.set_columns(columns)

    def on_resource_table_highlighted(self, event: ResourceTable.Highlighted) -> None:
        if event.table is self.resource_table:
            self._show_selected()
        elif event.table is self.child_table:
            self.show_highlighted()
        self.refresh_keys()

    # -- opening ------------------------------------------------------------------

    async def action_open(self) -> None:
        """Enter: on a resource, go to what it holds; on one of those, show all of it."""
        resource = self.selected()
        if resource is None:
            return
        child = self.selected_child_key()
        if self.child_table.display and self.child_table.table.has_focus and child is not None:
            await self.open_child(resource, child)
        elif self.child_table.display:
            self.child_table.focus_table()
        else:
            self.open_resource(resource)

    async def open_child(self, resource: R, key: str) -> None:
        """Show all of the child with row `key` (a message, a shard, an object).

        A coroutine, as it may show another pane, which mounts on its first showing.
        """

    def open_resource(self, resource: R) -> None:
        """Show all of a resource, on a pane without a child table."""

    async def on_resource_table_selected(self, event: ResourceTable.Selected) -> None:
        """A double click opens, as Enter does, what it was on."""
        if isinstance(event.table, ResourceTable):
            event.table.focus_table()
        await self.action_open()
