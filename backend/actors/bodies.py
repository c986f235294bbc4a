"""Message bodies actors send: small JSON documents that read like real traffic."""

from __future__ import annotations

import json
import random
from collections.abc import Callable

SKUS = ("A-17", "A-22", "B-02", "B-19", "C-33", "C-41", "D-08")
#: The SKU the demo's consumer can never process: its orders end in the DLQ.
POISON_SKU = "X-00"

Body = Callable[[int, random.Random, str | None], str]


def order(n: int, rng: random.Random, group: str | None) -> str:
    sku = POISON_SKU if rng.random() < 0.01 else rng.choice(SKUS)
    return json.dumps({"order": 1000 + n, "sku": sku, "qty": rng.randint(1, 5)})


def payment(n: int, rng: random.Random, group: str | None) -> str:
    cents = rng.randint(100, 50_000)
    return json.dumps(
        {"payment": n, "customer": group, "amount": f"{cents // 100}.{cents % 100:02d}"}
    )


def notification(n: int, rng: random.Random, group: str | None) -> str:
    kind = rng.choice(("welcome", "password-reset", "receipt", "digest"))
    return json.dumps({"notification": n, "kind": kind})


def document(n: int, rng: random.Random, group: str | None) -> str:
    """A scanned document inlined in the message: 8 KiB to 400 KiB.

    About two in five are over 256 KiB, the limit SQS had until 2025: a queue
    still set to it rejects them, a queue at today's 1 MiB takes them all.
    """
    size = rng.randint(8 * 1024, 400 * 1024)
    return json.dumps({"document": n, "pages": size // 2048 + 1, "content": "x" * size})


def text(n: int, rng: random.Random, group: str | None) -> str:
    return f"message {n}"


BODIES: dict[str, Body] = {
    "order": order,
    "payment": payment,
    "notification": notification,
    "document": document,
    "text": text,
}
