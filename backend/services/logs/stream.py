"""One log stream's events: columns sorted by (timestamp, arrival), with a key per event.

CloudWatch Logs reads a stream in timestamp order whatever order the events
came in: a batch is chronological, but the next batch may hold older events
(AWS_FACTS §5). So a stream keeps its events sorted, and appending a batch
that starts at or after the newest event (the usual case) is a plain extend;
an older batch is merged in.

Each event has a key: `timestamp << SERIAL_BITS | serial`, the serial being
its group's running count modulo 2**22, so a key fits 64 bits until the year
2109. Keys sort as the events do and say where a read stopped however many
events arrive or expire in between: GetLogEvents' forward and backward tokens
and FilterLogEvents' NextToken hold one, and eventId is one written as AWS
writes it (56 digits). Two events of a group share a key only if they share a
millisecond and arrived a multiple of 4,194,304 events apart; among events of
one millisecond the order is arrival's, as far as AWS promises any.

Columns, not one object per event: a million events cost their messages and
about 40 bytes each beside, and a range of them is two bisects away.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from itertools import islice
from typing import Final

#: Bits of an event key below the timestamp: the serial within the group.
SERIAL_BITS: Final = 22
#: What AWS charges each event beyond its message's UTF-8 bytes (AWS_FACTS §5).
EVENT_OVERHEAD: Final = 26


def event_size(message: str) -> int:
    """What AWS counts for an event: its message's UTF-8 bytes and 26.

    An ASCII message's length is its byte count, and CPython knows a string
    is ASCII without reading it: only other messages are encoded to count.
    """
    return (len(message) if message.isascii() else len(message.encode())) + EVENT_OVERHEAD


def event_id(key: int) -> str:
    """An eventId as AWS writes them: 56 decimal digits, ordered as the events are."""
    return f"{key:056d}"


class LogStream:
    """A stream's events, oldest timestamp first, and what DescribeLogStreams reports."""

    __slots__ = (
        "arn",
        "created",
        "ingested",
        "keys",
        "last_ingestion",
        "messages",
        "name",
        "stored_bytes",
        "timestamps",
    )

    def __init__(self, name: str, arn: str, created: int) -> None:
        self.name = name
        self.arn = arn
        #: Milliseconds since the epoch, as the API reports every time.
        self.created = created
        self.keys: array[int] = array("Q")
        self.timestamps: array[int] = array("q")
        self.ingested: array[int] = array("q")
        self.messages: list[str] = []
        #: Milliseconds of the last PutLogEvents that stored something, or None.
        self.last_ingestion: int | None = None
        #: UTF-8 bytes of the messages held plus 26 a event: what the group is billed.
        self.stored_bytes = 0

    def __len__(self) -> int:
        return len(self.messages)

    @property
    def first_timestamp(self) -> int | None:
        return self.timestamps[0] if self.timestamps else None

    @property
    def last_timestamp(self) -> int | None:
        return self.timestamps[-1] if self.timestamps else None

    def add(self, keys: list[int], timestamps: list[int], messages: list[str], now: int) -> int:
        """Store a chronological batch; returns the bytes it added (messages + overhead)."""
        added = sum(map(event_size, messages))
        if not self.keys or keys[0] >= self.keys[-1]:
            self.keys.extend(keys)
            self.timestamps.extend(timestamps)
            self.ingested.extend([now] * len(keys))
            self.messages.extend(messages)
        else:
            self._merge(keys, timestamps, messages, now)
        self.last_ingestion = now
        self.stored_bytes += added
        return added

    def _merge(self, keys: list[int], timestamps: list[int], messages: list[str], now: int) -> None:
        """Merge an older batch in: one sort of the rows it overlaps, the rest untouched."""
        start = bisect_left(self.keys, keys[0])
        rows = sorted(
            [
                *zip(
                    self.keys[start:],
                    self.timestamps[start:],
                    self.ingested[start:],
                    self.messages[start:],
                    strict=True,
                ),
                *((k, t, now, m) for k, t, m in zip(keys, timestamps, messages, strict=True)),
            ]
        )
        del self.keys[start:], self.timestamps[start:], self.ingested[start:]
        del self.messages[start:]
        self.keys.extend(row[0] for row in rows)
        self.timestamps.extend(row[1] for row in rows)
        self.ingested.extend(row[2] for row in rows)
        self.messages.extend(row[3] for row in rows)

    def expire(self, before: int) -> int:
        """Drop the events timestamped before `before` (ms); returns the bytes freed."""
        return self.drop(bisect_left(self.timestamps, before))

    def drop(self, count: int) -> int:
        """Drop the oldest `count` events; returns the bytes freed."""
        if count <= 0:
            return 0
        freed = sum(map(event_size, islice(self.messages, count)))
        del self.keys[:count], self.timestamps[:count], self.ingested[:count]
        del self.messages[:count]
        self.stored_bytes -= freed
        return freed

    # -- reading -------------------------------------------------------------------------

    def span(self, start: int | None, end: int | None) -> tuple[int, int]:
        """Row indexes [lo, hi) of the events timestamped in [start, end) (ms; None: open)."""
        lo = 0 if start is None else bisect_left(self.timestamps, start)
        hi = len(self.timestamps) if end is None else bisect_left(self.timestamps, end)
        return lo, max(lo, hi)

    def after(self, key: int) -> int:
        """The row of the first event whose key is past `key`."""
        return bisect_right(self.keys, key)

    def before(self, key: int) -> int:
        """The row just past the last event whose key is before `key`."""
        return bisect_left(self.keys, key)
