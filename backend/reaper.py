"""Letting go of big collections a slice at a time, so the loop never stalls on it.

Purging a queue of a million messages, deleting it, or resetting the cloud
drops a million objects at once; freeing them in one go held the event loop
(the dashboard, the endpoint, every long poll) for a third of a second. The
owner instead swaps in empty containers, which takes no time, and hands the
full ones to the `Reaper`, which empties them `batch` objects per turn of the
loop. Nothing simulated depends on when that happens: the objects are already
out of the cloud, so this is memory housekeeping, not behaviour, and it needs
no clock.

When the reaper runs dry it calls `on_drained` (the process returns freed
memory to the operating system there, see `backend.process.release_memory`).
Outside a running loop (a test tearing a cloud down) it drops everything at
once.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any

#: Objects let go per turn of the loop: a few milliseconds of work.
BATCH = 5_000

Droppable = dict[Any, Any] | list[Any] | deque[Any] | set[Any]


class Reaper:
    """A queue of containers to empty, a batch per loop turn."""

    def __init__(
        self, *, batch: int = BATCH, on_drained: Callable[[], object] | None = None
    ) -> None:
        self._batch = batch
        self._on_drained = on_drained
        self._pending: deque[Droppable] = deque()
        self._scheduled = False

    @property
    def pending(self) -> int:
        """Objects still waiting to be let go."""
        return sum(len(c) for c in self._pending)

    def release(self, *containers: Droppable) -> None:
        """Take ownership of `containers` (the caller must not touch them again) and empty them."""
        for container in containers:
            if container:
                self._pending.append(container)
        if not self._pending or self._scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._pending.clear()
            return
        self._scheduled = True
        loop.call_soon(self._step, loop)

    def _step(self, loop: asyncio.AbstractEventLoop) -> None:
        budget = self._batch
        pending = self._pending
        while budget > 0 and pending:
            container = pending[0]
            taken = min(budget, len(container))
            _drop(container, taken)
            budget -= taken
            if not container:
                pending.popleft()
        if pending:
            loop.call_soon(self._step, loop)
            return
        self._scheduled = False
        if self._on_drained is not None:
            self._on_drained()


def _drop(container: Droppable, count: int) -> None:
    """Remove `count` items from `container`, freeing whatever only it held."""
    if isinstance(container, list):
        del container[len(container) - count :]
    elif isinstance(container, dict):
        popitem = container.popitem
        for _ in range(count):
            popitem()
    else:
        pop = container.pop
        for _ in range(count):
            pop()
