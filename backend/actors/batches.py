"""A producer that sends in batches and keeps what a call refused, as AWS's clients do.

Batch APIs half succeed: PutRecords and PutRecordBatch accept some records
and refuse others (throttled), marking each refused one with an ErrorCode.
A real client (the KPL, a log agent) holds what arrived since its last send
in a backlog, sends it in calls of up to `batch` records, puts the refused
records back at the front, oldest first, and tries again at its next send;
a backlog past `max_backlog` loses its oldest records, so a stream throttled
for hours costs bounded memory. The service's actor says how one call is
made (`_put`); the bookkeeping is the same for every stream.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any, ClassVar, Generic, TypeVar

from backend.actors.actor import Actor
from backend.cloud import Cloud

Record = TypeVar("Record")


class BatchingProducer(Actor, Generic[Record]):
    """An actor sending its backlog of `Record`s in batch calls."""

    #: Records held for resending at most; past this the oldest are given up.
    max_backlog: ClassVar[int]

    def __init__(self, cloud: Cloud, name: str, *, batch: int) -> None:
        super().__init__(cloud, name)
        self.batch = batch
        #: Records accepted, refused (sent again later), and given up on (backlog full).
        self.sent = 0
        self.throttled = 0
        self.dropped = 0
        self._backlog: deque[Record] = deque()

    @property
    def waiting(self) -> int:
        """Records made but not yet accepted: the backlog a throttled stream builds up."""
        return len(self._backlog)

    def _hold(self, records: Iterable[Record]) -> None:
        """Queue new records behind the backlog, dropping the oldest past `max_backlog`."""
        backlog = self._backlog
        backlog.extend(records)
        while len(backlog) > self.max_backlog:
            backlog.popleft()
            self.dropped += 1

    async def _put(self, records: list[Record]) -> list[dict[str, Any]] | None:
        """One batch call: the result of each record, in order; None when the call failed."""
        raise NotImplementedError

    async def _flush(self) -> None:
        """Send the backlog in batch calls; stop at the first refusal until next time."""
        backlog = self._backlog
        while backlog:
            self.status = "sending"
            chunk = [backlog.popleft() for _ in range(min(self.batch, len(backlog)))]
            results = await self._put(chunk)
            if results is None:
                backlog.extendleft(reversed(chunk))
                return
            refused = [
                record
                for record, result in zip(chunk, results, strict=True)
                if "ErrorCode" in result
            ]
            self.sent += len(chunk) - len(refused)
            self.throttled += len(refused)
            if refused:
                backlog.extendleft(reversed(refused))
                return
