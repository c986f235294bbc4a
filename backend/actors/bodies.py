"""Message bodies actors send: small JSON documents that read like real traffic.

Each body is a fixed template with a few fields drawn from the actor's rng, so
it is written with one f-string rather than `json.dumps` of a dict: the
demo sends tens of thousands an hour and encoding each was a large share of
its cost. The templates write exactly what `json.dumps` wrote (its default
separators); what goes into them is either a number or text known to need no
escaping, except a FIFO group name, which the scenario chooses and which is
escaped as JSON escapes it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from json.encoder import encode_basestring_ascii

from backend.actors.draws import below, pick

SKUS = ("A-17", "A-22", "B-02", "B-19", "C-33", "C-41", "D-08")
#: The SKU the demo's consumer can never process: its orders end in the DLQ.
POISON_SKU = "X-00"
_KINDS = ("welcome", "password-reset", "receipt", "digest")
#: A document's content, cut to each document's size (a slice, not a new fill each time).
_CONTENT = "x" * (400 * 1024)

Body = Callable[[int, random.Random, str | None], str]


def order(n: int, rng: random.Random, group: str | None) -> str:
    sku = POISON_SKU if rng.random() < 0.01 else pick(rng, SKUS)
    return f'{{"order": {1000 + n}, "sku": "{sku}", "qty": {1 + below(rng, 5)}}}'


def payment(n: int, rng: random.Random, group: str | None) -> str:
    cents = 100 + below(rng, 49_901)
    customer = "null" if group is None else encode_basestring_ascii(group)
    return (
        f'{{"payment": {n}, "customer": {customer}, "amount": "{cents // 100}.{cents % 100:02d}"}}'
    )


def notification(n: int, rng: random.Random, group: str | None) -> str:
    return f'{{"notification": {n}, "kind": "{pick(rng, _KINDS)}"}}'


def document(n: int, rng: random.Random, group: str | None) -> str:
    """A scanned document inlined in the message: 8 KiB to 400 KiB.

    About two in five are over 256 KiB, the limit SQS had until 2025: a queue
    still set to it rejects them, a queue at today's 1 MiB takes them all.
    """
    size = rng.randint(8 * 1024, 400 * 1024)
    return f'{{"document": {n}, "pages": {size // 2048 + 1}, "content": "{_CONTENT[:size]}"}}'


def text(n: int, rng: random.Random, group: str | None) -> str:
    return f"message {n}"


BODIES: dict[str, Body] = {
    "order": order,
    "payment": payment,
    "notification": notification,
    "document": document,
    "text": text,
}
