"""Shard iterators: opaque, tamper-proof, and five minutes old at most.

An iterator names a position in one shard: the stream (region, name and
creation time, so a deleted and recreated stream of the same name never
honours the old one's iterators), the shard's index, the counter of the next
record to return, and when the iterator was issued. It is signed (BLAKE2b) and
masked with a key the service draws from the cloud's seeded rng, so clients
can pass it around but neither read nor edit it, and the same seed gives the
same iterators.

The text starts as AWS's do (`AAAAAAAAAA...`: eight bytes ending in 1) and
stays well under the 512 characters the model allows. It expires 300 seconds
after it was issued, on the virtual clock: AWS's message says "further in the
future than the tolerated delay of 300000 milliseconds", so an iterator
exactly 300 s old is still good and one a millisecond older is not.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime

from backend.errors import AwsError
from backend.services.kinesis.errors import ExpiredIteratorException, InvalidArgumentException

LIFETIME = 300.0
_PREFIX = b"\0\0\0\0\0\0\0\1"
_MAC = 16


@dataclass(frozen=True, slots=True)
class Position:
    """Where an iterator points, and when it was issued."""

    region: str
    stream: str
    #: The stream's creation time in milliseconds: which incarnation of the name.
    incarnation: int
    shard_index: int
    counter: int
    issued: float


def encode(key: bytes, position: Position) -> str:
    p = position
    payload = (
        f"{p.issued!r}/{p.region}/{p.incarnation}/{p.shard_index}/{p.counter}/{p.stream}".encode()
    )
    mac = hashlib.blake2b(payload, key=key, digest_size=_MAC).digest()
    return base64.b64encode(_PREFIX + mac + _masked(key, mac, payload)).decode("ascii")


def decode(key: bytes, text: str) -> Position:
    """The position `text` holds, or AWS's InvalidArgumentException if it is not an iterator."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise _invalid() from None
    if not raw.startswith(_PREFIX) or len(raw) <= len(_PREFIX) + _MAC:
        raise _invalid()
    mac = raw[len(_PREFIX) : len(_PREFIX) + _MAC]
    payload = _masked(key, mac, raw[len(_PREFIX) + _MAC :])
    expected = hashlib.blake2b(payload, key=key, digest_size=_MAC).digest()
    if not hmac.compare_digest(mac, expected):
        raise _invalid()
    issued, region, incarnation, index, counter, stream = payload.decode().split("/", 5)
    return Position(region, stream, int(incarnation), int(index), int(counter), float(issued))


class Codec:
    """`encode` and `decode` with the service's key, remembering the iterators it issued lately.

    A reader hands back the iterator its last read returned, so a decode is
    usually a dict lookup instead of a MAC check and an unmasking (most of a
    GetRecords that finds nothing new). Only texts this codec wrote are
    remembered, each with the position it was written from, so the answer is
    the one a full decode would give. At most `memory` are kept.
    """

    __slots__ = ("_issued", "key", "memory")

    def __init__(self, key: bytes, memory: int = 1024) -> None:
        self.key = key
        self.memory = memory
        self._issued: dict[str, Position] = {}

    def encode(self, position: Position) -> str:
        text = encode(self.key, position)
        if len(self._issued) >= self.memory:
            self._issued.clear()
        self._issued[text] = position
        return text

    def decode(self, text: str) -> Position:
        found = self._issued.get(text)
        return found if found is not None else decode(self.key, text)


def check_age(position: Position, now: float) -> None:
    """ExpiredIteratorException, in AWS's words, once the iterator is past its lifetime."""
    if now - position.issued > LIFETIME:
        raise ExpiredIteratorException(
            f"Iterator expired. The iterator was created at time {_java_date(position.issued)} "
            f"while right now it is {_java_date(now)} which is further in the future than the "
            f"tolerated delay of {int(LIFETIME * 1000)} milliseconds."
        )


def _masked(key: bytes, mac: bytes, data: bytes) -> bytes:
    """`data` XORed with a keystream drawn from the key and the MAC: hides the position.

    Applying it twice gives `data` back, so it both masks and unmasks.
    """
    stream = hashlib.shake_256(key + mac).digest(len(data))
    return (int.from_bytes(data) ^ int.from_bytes(stream)).to_bytes(len(data))


def _invalid() -> AwsError:
    return InvalidArgumentException("Invalid ShardIterator.")


def _java_date(t: float) -> str:
    """`Sun Oct 10 05:17:11 UTC 2021`: how AWS's Java service prints a time."""
    return datetime.fromtimestamp(t, UTC).strftime("%a %b %d %H:%M:%S UTC %Y")
