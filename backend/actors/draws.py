"""Draws from an actor's rng, as `random.Random` makes them, for the loops that make traffic.

`rng.choice(seq)` and `rng.randrange(n)` wrap one `getrandbits` in two or
three Python frames and argument checks: a quarter of what making a click
event cost. `below` draws exactly as `Random` does (the fewest bits that
cover `n`, drawn again while the number is `n` or more), so a seed gives the
same traffic as before; `tests/backend/test_actors.py` holds it to that.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def below(rng: random.Random, n: int) -> int:
    """`rng.randrange(n)`, drawing the same bits (n > 0)."""
    getrandbits = rng.getrandbits
    bits = n.bit_length()
    drawn = getrandbits(bits)
    while drawn >= n:
        drawn = getrandbits(bits)
    return drawn


def pick(rng: random.Random, items: Sequence[T]) -> T:
    """`rng.choice(items)`, drawing the same bits (`items` not empty)."""
    return items[below(rng, len(items))]
