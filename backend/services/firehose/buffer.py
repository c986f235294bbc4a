"""A stream's buffer, and the parcels it becomes when it is flushed.

Records wait in the buffer until it holds SizeInMBs or IntervalInSeconds have
passed since its first record, whichever comes first. A flush makes one
parcel: the records concatenated with no delimiter (Firehose adds none; a
producer that wants lines writes the newline itself), compressed if the
destination says so, and named once, so a parcel retried for hours keeps the
key, the bucket and the version it was flushed under.
"""

from __future__ import annotations

from dataclasses import dataclass


class Buffer:
    """Records not yet flushed, their total size and when the first one arrived."""

    __slots__ = ("first", "records", "size")

    def __init__(self) -> None:
        self.records: list[bytes] = []
        self.size = 0
        self.first: float | None = None

    def __len__(self) -> int:
        return len(self.records)

    def take(self) -> tuple[list[bytes], int, float]:
        """Empty the buffer: its records, their size and the first one's arrival."""
        assert self.first is not None
        taken = (self.records, self.size, self.first)
        self.records, self.size, self.first = [], 0, None
        return taken


@dataclass(frozen=True, slots=True)
class Parcel:
    """One flushed buffer on its way to S3: the object it will be."""

    bucket: str
    key: str
    body: bytes
    records: int
    #: Bytes of the records, before compression.
    size: int
    #: Arrival of the oldest record: the object's timestamps, and its freshness.
    oldest: float
    #: When the buffer was flushed: the 24 hours of retries count from here.
    flushed: float
