"""Logs' scenario actor: an application writing log lines, shipped in batches as the agent does.

```toml
[[actor]]
kind = "logs-writer"
name = "orders-workers"
group = "/skydeck/orders-workers"
stream = "worker-1"          # made with CreateLogStream if missing
rate = 4                     # lines per second, or {base, amplitude, period, surges}
format = "json"              # or "text"
error_share = 0.05           # the share of lines that report a failure
flush = "5s"                 # how long lines wait before PutLogEvents
```

Lines arrive at Poisson times and wait in the writer until the next flush,
then go in one PutLogEvents with their own timestamps, so what the pane shows
lags the application by up to `flush`, as with the CloudWatch agent (whose
`force_flush_interval` is 5 s by default). A throttled batch is kept for the
next flush; a missing stream is made and the batch sent again. A JSON line reads
`{"level": "ERROR", "msg": "payment declined", "orderId": "o-1234", "latencyMs": 812}`;
a text line `2026-12-07T12:00:00.123Z ERROR payment declined order=o-1234 latency=812ms`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from random import Random
from typing import Any, ClassVar

from backend.actors.actor import THROTTLED, Actor
from backend.actors.draws import below, pick
from backend.actors.rates import Rate, read_rate
from backend.cloud import Cloud
from backend.kit.scenario import Reader
from backend.registry import ActorKind

FORMATS = ("json", "text")
_FINE = ("order accepted", "payment captured", "order shipped", "stock reserved")
_FAILED = ("payment declined", "stock check timed out", "address rejected")


def line(fmt: str, rng: Random, error_share: float, when: float) -> str:
    """One log line of `fmt`, failing with probability `error_share`."""
    failed = rng.random() < error_share
    text = pick(rng, _FAILED if failed else _FINE)
    level = "ERROR" if failed else "INFO"
    order = f"o-{below(rng, 10_000):04d}"
    latency = int(rng.expovariate(1 / (600 if failed else 80)))
    if fmt == "json":
        # What `json.dumps` of the four members wrote, in one f-string: tens of
        # thousands of lines an hour, and none of the texts needs escaping.
        return (
            f'{{"level": "{level}", "msg": "{text}", "orderId": "{order}", "latencyMs": {latency}}}'
        )
    stamp = datetime.fromtimestamp(when, UTC).isoformat(timespec="milliseconds")
    return f"{stamp.replace('+00:00', 'Z')} {level} {text} order={order} latency={latency}ms"


class LogWriter(Actor):
    """Log lines at `rate`, put every `flush` seconds into one stream."""

    kind: ClassVar[str] = "logs-writer"
    retry_codes: ClassVar[frozenset[str]] = THROTTLED

    def __init__(
        self,
        cloud: Cloud,
        name: str,
        group: str,
        stream: str,
        *,
        rate: Rate,
        format: str = "json",
        error_share: float = 0.05,
        flush: float = 5.0,
    ) -> None:
        super().__init__(cloud, name)
        self.group = group
        self.stream = stream
        self.rate = rate
        self.format = format
        self.error_share = error_share
        self.flush = flush
        self.written = 0
        self._pending: list[dict[str, Any]] = []

    async def run(self) -> None:
        """Each flush, the lines that arrived since it, made at once.

        Nothing outside the writer sees a line before its flush, so the writer
        does not wake for each one: it draws the window's arrivals and lines
        in the order one wake per line drew them, sleeps to the last line's
        arrival, and from there to the flush. Setting the flush's timer at
        that moment, as it always was set, keeps timers due at the same
        instant (two writers flushing on the same second) in the order they
        fired before.
        """
        clock = self.cloud.clock
        started = now = clock.now()
        next_flush = started + self.flush
        wait = self.rate.next_arrival(0.0, self.rng)
        while True:
            self.status = "writing"
            arrived: list[dict[str, Any]] = []
            while now + wait < next_flush:
                now += wait
                arrived.append(
                    {
                        "timestamp": int(now * 1000),
                        "message": line(self.format, self.rng, self.error_share, now),
                    }
                )
                wait = self.rate.next_arrival(now - started, self.rng)
            if arrived:
                await clock.sleep_until(now)
            wait -= next_flush - now
            now += next_flush - now
            await clock.sleep_until(now)
            self._pending += arrived
            await self._put()
            now = clock.now()
            next_flush += self.flush

    async def _put(self) -> None:
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        params = {"logGroupName": self.group, "logStreamName": self.stream, "logEvents": batch}
        done = await self.call("logs", "PutLogEvents", params)
        if done is None and self.last_error == "ResourceNotFoundException":
            stream = {"logGroupName": self.group, "logStreamName": self.stream}
            await self.call("logs", "CreateLogStream", stream)
            done = await self.call("logs", "PutLogEvents", params)
        if done is not None:
            self.written += len(batch)
        elif self.last_error in self.retry_codes:
            self._pending[:0] = batch


def _options(table: Reader, defined: Mapping[str, set[str]]) -> dict[str, Any]:
    options: dict[str, Any] = {"group": table.defined("group", "logs.group", defined)}
    options["stream"] = table.required("stream", str)
    options["rate"] = read_rate(table, "lines per second")
    fmt = table.get("format", str, "json")
    if fmt not in FORMATS:
        raise table.fail(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    options["format"] = fmt
    options["error_share"] = table.number("error_share", 0.05, 0.0, 1.0)
    options["flush"] = table.duration("flush", 5.0)
    if not options["flush"] or options["flush"] <= 0:
        raise table.fail("flush must be a positive duration")
    return options


ACTORS = (
    ActorKind("logs-writer", _options, LogWriter.build, "log lines in batches, as the agent ships"),
)
