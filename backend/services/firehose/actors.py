"""Firehose's scenario actor: a log shipper putting JSON lines with PutRecordBatch.

Like an agent tailing a service's logs, it collects the lines written since
its last send (Poisson arrivals at `rate` lines per second) and every
`interval` sends them in PutRecordBatch calls of up to `batch` records; each
record is one JSON document with a trailing newline, since Firehose adds no
delimiter and the objects in S3 should read as JSON lines. Records a call
reports as failed (throttled) are sent again next time, oldest first, up to a
backlog of `MAX_BACKLOG`, past which the oldest are given up.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from backend.actors.actor import THROTTLED
from backend.actors.batches import BatchingProducer
from backend.actors.draws import below, pick
from backend.actors.rates import Rate, read_rate
from backend.cloud import Cloud
from backend.kit.scenario import Reader
from backend.registry import ActorKind
from backend.services.firehose.limits import MAX_BATCH_RECORDS

#: Errors a Firehose producer waits out: throttling, a stream not there (yet).
RETRY = THROTTLED | {"ResourceNotFoundException"}
#: Lines a producer holds for resending at most; past this it drops the oldest.
MAX_BACKLOG = 20_000
_SERVICES = ("checkout", "search", "catalog", "payments", "auth")
_LEVELS = ("INFO",) * 8 + ("WARN", "ERROR")
_MESSAGES = {
    "INFO": ("request served", "cache hit", "cache miss", "session refreshed"),
    "WARN": ("slow upstream", "retrying request", "queue depth high"),
    "ERROR": ("upstream timeout", "payment declined", "unhandled exception"),
}


class FirehoseProducer(BatchingProducer[bytes]):
    """JSON log lines into one delivery stream at `rate` lines per second."""

    kind: ClassVar[str] = "firehose-producer"
    retry_codes: ClassVar[frozenset[str]] = RETRY
    max_backlog: ClassVar[int] = MAX_BACKLOG

    def __init__(
        self,
        cloud: Cloud,
        name: str,
        delivery_stream: str,
        *,
        rate: Rate,
        batch: int = 100,
        interval: float = 1.0,
    ) -> None:
        super().__init__(cloud, name, batch=batch)
        self.delivery_stream = delivery_stream
        self.rate = rate
        self.interval = interval
        self._made = 0

    def _line(self, now: float) -> bytes:
        rng = self.rng
        level = pick(rng, _LEVELS)
        service = pick(rng, _SERVICES)
        message = pick(rng, _MESSAGES[level])
        latency = 1 + below(rng, 250 if level == "INFO" else 5_000)
        # What `json.dumps(..., separators=(",", ":"))` of the line wrote, newline
        # added, in one f-string: thousands of lines an hour (a float's repr is
        # what JSON writes; the words need no escaping).
        line = (
            f'{{"ts":{round(now, 3)!r},"level":"{level}","service":"{service}",'
            f'"msg":"{message}","latency_ms":{latency},"seq":{self._made}}}\n'
        )
        self._made += 1
        return line.encode()

    async def run(self) -> None:
        clock = self.cloud.clock
        started = clock.now()
        due = started + self.rate.next_arrival(0.0, self.rng)
        while True:
            self.status = "collecting"
            await clock.sleep(self.interval)
            now = clock.now()
            lines = []
            while due <= now:
                lines.append(self._line(due))
                due += self.rate.next_arrival(due - started, self.rng)
            self._hold(lines)
            await self._flush()

    async def _put(self, records: list[bytes]) -> list[dict[str, Any]] | None:
        params = {
            "DeliveryStreamName": self.delivery_stream,
            "Records": [{"Data": r} for r in records],
        }
        response = await self.call("firehose", "PutRecordBatch", params)
        return None if response is None else response["RequestResponses"]


def _options(table: Reader, defined: Mapping[str, set[str]]) -> dict[str, Any]:
    stream = table.defined("delivery_stream", "firehose.delivery_stream", defined)
    interval = table.duration("interval", 1.0)
    if not interval:
        raise table.fail("interval must be more than 0 s")
    return {
        "delivery_stream": stream,
        "rate": read_rate(table, "log lines per second"),
        "batch": int(table.number("batch", 100, 1, MAX_BATCH_RECORDS)),
        "interval": interval,
    }


ACTORS = (
    ActorKind(
        "firehose-producer",
        _options,
        FirehoseProducer.build,
        "JSON log lines with PutRecordBatch",
    ),
)
