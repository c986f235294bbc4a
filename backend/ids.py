"""Identifiers as AWS writes them, made from the cloud's seeded randomness."""

from __future__ import annotations

import random

#: Version 4 and the RFC 4122 variant, as bits of a 128-bit UUID.
_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID_SET = (0x4000 << 64) | (0x8000 << 48)


def uuid4(rng: random.Random) -> str:
    """A version-4 UUID string (message ids, request ids) drawn from `rng`.

    Formatted by hand rather than through `uuid.UUID`: this runs once per
    SendMessage and once per HTTP request, and the hand-made string is several
    times cheaper.
    """
    h = f"{rng.getrandbits(128) & _UUID_CLEAR | _UUID_SET:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
