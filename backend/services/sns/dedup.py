"""FIFO topics' deduplication: a message id seen in the last five minutes is not delivered again.

A FIFO publish carries a MessageDeduplicationId (given, or the SHA-256 of the
body under ContentBasedDeduplication). Another publish with the same id
within five minutes, on the virtual clock, is accepted and answered with the
first one's MessageId and SequenceNumber, and delivered to nobody. The scope
is the topic, or the message group when FifoThroughputScope is MessageGroup.

One window serves every topic of the service, in publish order, which is
also the order entries expire in: old ones drop off the front as time
passes. The window holds at most `BUDGET` bytes (ids as given, plus what an
entry costs Python); past that the oldest entries go early, so a duplicate
of a message that old is delivered again (docs/deviations.md). Entries name
their topic by its serial number, not its ARN, so a topic deleted and made
again under the same name starts with a clean window.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

#: Seconds a MessageDeduplicationId is remembered.
WINDOW = 300.0
#: Bytes the window may hold.
BUDGET = 32 * 1024 * 1024
#: What an entry costs beyond its strings: the tuple, the record, the dict slot.
_ENTRY_OVERHEAD = 240

#: (topic serial, message group or "" for topic scope, MessageDeduplicationId).
Key = tuple[int, str, str]


@dataclass(frozen=True, slots=True)
class Seen:
    """The first message published with a deduplication id: what a repeat is answered with."""

    at: float
    message_id: str
    sequence_number: str


class Deduplication:
    """The deduplication ids of the last five minutes, within a byte budget."""

    def __init__(self, budget: int = BUDGET) -> None:
        self._seen: OrderedDict[Key, Seen] = OrderedDict()
        self._budget = budget
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._seen)

    def find(self, key: Key, now: float) -> Seen | None:
        """The message `key` was first published with, if that was under five minutes ago."""
        self._expire(now)
        return self._seen.get(key)

    def remember(self, key: Key, seen: Seen) -> None:
        self._seen[key] = seen
        self.bytes += _cost(key, seen)
        while self.bytes > self._budget and self._seen:
            old_key, old = self._seen.popitem(last=False)
            self.bytes -= _cost(old_key, old)

    def clear(self) -> None:
        self._seen.clear()
        self.bytes = 0

    def _expire(self, now: float) -> None:
        seen = self._seen
        while seen:
            key, first = next(iter(seen.items()))
            if now - first.at < WINDOW:
                return
            seen.popitem(last=False)
            self.bytes -= _cost(key, first)


def _cost(key: Key, seen: Seen) -> int:
    return (
        len(key[1])
        + len(key[2])
        + len(seen.message_id)
        + len(seen.sequence_number)
        + (_ENTRY_OVERHEAD)
    )
