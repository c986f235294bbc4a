"""The 128-bit hash-key space: how a partition key picks its shard.

Kinesis hashes a partition key with MD5 and reads the digest as an unsigned
128-bit integer; each open shard owns a contiguous range of that space, and a
record goes to the shard whose range holds its hash (or its ExplicitHashKey).
A new stream divides the space evenly: shard i starts at i * (2^128 // n) and
the last one ends at 2^128 - 1, exactly as DescribeStream shows on AWS.
"""

from __future__ import annotations

import re
from hashlib import md5

HASH_SPACE = 1 << 128
MAX_HASH_KEY = HASH_SPACE - 1
#: The model's HashKey pattern: a decimal of at most 39 digits, no leading zero.
HASH_KEY_PATTERN = "0|([1-9]\\d{0,38})"
_HASH_KEY = re.compile("0|[1-9][0-9]{0,38}")


def hash_key(partition_key: str) -> int:
    """The hash a partition key routes by: its MD5 digest as a big-endian integer."""
    return int.from_bytes(md5(partition_key.encode()).digest())


class KeyHashes:
    """Partition keys already hashed: (hash, UTF-8 length) by key, for the PutRecords path.

    Producers reuse their keys (a user id, a device id), so most records find
    theirs here with one dict lookup instead of an encode and an MD5. The memo
    is emptied when it reaches `limit` keys, so a producer that never repeats a
    key costs a bounded amount of memory and only the encode and MD5 it would
    have cost anyway.
    """

    __slots__ = ("known", "limit")

    def __init__(self, limit: int = 65_536) -> None:
        self.known: dict[str, tuple[int, int]] = {}
        self.limit = limit

    def learn(self, partition_key: str) -> tuple[int, int]:
        """Hash `partition_key` and remember it (UnicodeEncodeError for a lone surrogate)."""
        raw = partition_key.encode()
        found = (int.from_bytes(md5(raw).digest()), len(raw))
        if len(self.known) >= self.limit:
            self.known.clear()
        self.known[partition_key] = found
        return found


def parse_hash_key(text: str) -> int | None:
    """An ExplicitHashKey or NewStartingHashKey as a number, or None if not a decimal key.

    Only ASCII digits count (`\\d` in Python would take '٣'); the range check
    against 2^128 is the caller's, since AWS words it per action.
    """
    return int(text) if _HASH_KEY.fullmatch(text) else None


def even_ranges(count: int, start: int = 0, end: int = MAX_HASH_KEY) -> list[tuple[int, int]]:
    """`count` contiguous (start, end) ranges splitting [start, end] as AWS splits a new stream."""
    step = (end - start + 1) // count
    starts = [start + i * step for i in range(count)]
    ends = [s - 1 for s in starts[1:]] + [end]
    return list(zip(starts, ends, strict=True))
