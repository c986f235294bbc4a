"""The Logs Insights queries of the account: each one's state on the clock, and a bounded store.

A query is Scheduled when StartQuery returns, Running as soon as the clock
moves on, and Complete `RUN_TIME` simulated seconds after it started, when
it runs: a client that polls GetQueryResults sees Running first, as it does
against AWS, and its results hold the events as they were then. StopQuery
makes it Cancelled before that; a query the engine cannot finish is Failed
(the clock logs why). AWS runs at most `MAX_RUNNING` queries of an account
at once (StartQuery's reference in botocore 1.43; older ones say 30), counted
here per region; past that, StartQuery is LimitExceededException.

AWS keeps results seven days. skydeck keeps them that long too, but within
a budget, as all memory here is bounded: at most `MAX_HELD` finished
queries and `HELD_BYTES` of their results (as `results.py` holds them), the
newest query's aside; past either, the oldest finished queries go first, and
asking for one is ResourceNotFoundException (docs/deviations.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Literal

from backend.clock import TimerHandle
from backend.services.logs.insights.syntax import Query

if TYPE_CHECKING:
    from backend.services.logs.insights.results import Results

Status = Literal["Scheduled", "Running", "Complete", "Failed", "Cancelled"]

#: Simulated seconds a query takes, from StartQuery to Complete.
RUN_TIME: Final = 1.0
#: Queries of an account running at once (StartQuery's API reference).
MAX_RUNNING: Final = 100
#: How long results stay retrievable (CloudWatch Logs quotas).
RESULTS_KEPT: Final = 7 * 86_400.0
MAX_HELD: Final = 1_000
HELD_BYTES: Final = 64 * 1024 * 1024


@dataclass(slots=True, eq=False)
class InsightsQuery:
    """One query: what it asks, and once it has run, its rows and statistics."""

    query_id: str
    region: str
    text: str
    parsed: Query
    #: The groups it reads, by name, in the order the request gave them.
    groups: tuple[str, ...]
    #: Its time range in ms since the epoch, both ends included.
    start: int
    end: int
    limit: int
    #: Simulated seconds at StartQuery.
    created: float
    state: Status = "Running"
    finished: float | None = None
    results: Results | None = None
    statistics: dict[str, float] = field(
        default_factory=lambda: dict.fromkeys(
            ("recordsMatched", "recordsScanned", "bytesScanned"), 0.0
        )
    )
    #: Bytes its results hold: what it costs the store.
    size: int = 0
    timer: TimerHandle | None = None

    def status(self, now: float) -> Status:
        if self.state == "Running" and now <= self.created:
            return "Scheduled"
        return self.state

    @property
    def done(self) -> bool:
        return self.state != "Running"


class QueryStore:
    """Every query of every region, oldest first, within the budget above."""

    __slots__ = ("_held_bytes", "_queries")

    def __init__(self) -> None:
        self._queries: dict[str, InsightsQuery] = {}
        self._held_bytes = 0

    def listed(self, now: float) -> list[InsightsQuery]:
        """The queries whose results are still kept at `now`, oldest first."""
        self._expire(now)
        return list(self._queries.values())

    def get(self, query_id: str, now: float) -> InsightsQuery | None:
        self._expire(now)
        return self._queries.get(query_id)

    def add(self, query: InsightsQuery) -> None:
        self._queries[query.query_id] = query

    def running(self, region: str) -> int:
        return sum(1 for q in self._queries.values() if q.region == region and not q.done)

    def finished(self, query: InsightsQuery, now: float) -> None:
        """Count a query that has just finished, and forget the oldest past the budget."""
        self._held_bytes += query.size
        self._expire(now)
        finished = [q for q in self._queries.values() if q.done and q is not query]
        excess = len(finished) + 1 - MAX_HELD
        for old in finished:
            if excess <= 0 and self._held_bytes <= HELD_BYTES:
                break
            self._forget(old)
            excess -= 1

    def _expire(self, now: float) -> None:
        for query in [q for q in self._queries.values() if q.done]:
            assert query.finished is not None
            if query.finished < now - RESULTS_KEPT:
                self._forget(query)

    def _forget(self, query: InsightsQuery) -> None:
        del self._queries[query.query_id]
        self._held_bytes -= query.size

    def clear(self) -> None:
        for query in self._queries.values():
            if query.timer is not None:
                query.timer.cancel()
        self._queries.clear()
        self._held_bytes = 0
