"""What a capture window costs a flow log: aggregating its flows, and rendering the records.

    PYTHONPATH=. .venv/bin/python bench/flow_log_aggregation.py [--flows N] [--keys K]

Prints CPU time (`time.process_time`), best of nine rounds, for one
600-second window of `--flows` flows (default 100,000) over 50 interfaces:

- aggregation: `Aggregator.add` of every flow and `close` of the window into
  records, with the flows spread over `--keys` connections (default 10,000,
  ten bursts each) and then with every flow a connection of its own;
- rendering the records as default-format lines (what a delivery writes).

The collector is tuned as skydeck's processes tune it (`tune_gc`): with
Python's default thresholds a window of distinct flows pays mostly for
collections that rescan everything alive. Target: aggregation of 100,000
flows per window under 200 ms. Also printed:
the memory a window's running sums hold per distinct key (tracemalloc), the
figure behind `DEFAULT_MAX_ENTRIES`.
"""

from __future__ import annotations

import argparse
import random
import time
import tracemalloc

from backend.process import tune_gc
from backend.services.ec2.flow_logs.aggregate import Aggregator, Window
from backend.services.ec2.flow_logs.format import DEFAULT_FORMAT
from backend.services.ec2.flow_logs.records import SYN, Action, Flow, Interface

#: Enough that a round without a generation-1 collection in it is among them.
ROUNDS = 9
ORIGIN = 1_795_942_800.0
WINDOW = 600


def interfaces(count: int) -> list[Interface]:
    return [
        Interface(
            f"eni-{n:017x}",
            "123456789012",
            "vpc-0a1b2c3d4e5f60718",
            f"subnet-{n % 4:017x}",
            "us-east-1",
            f"use1-az{n % 4 + 1}",
            f"i-{n:017x}",
        )
        for n in range(count)
    ]


def flows(rng: random.Random, enis: list[Interface], count: int, keys: int) -> list[Flow]:
    """`count` bursts in time order over `keys` connections (each its own when there are
    as many), a third of the connections rejected."""
    actions: tuple[Action, ...] = ("ACCEPT", "ACCEPT", "REJECT")
    connections = [
        (
            rng.choice(enis),
            f"10.0.{rng.randrange(256)}.{rng.randrange(256)}",
            f"10.1.{rng.randrange(256)}.{rng.randrange(256)}",
            rng.randrange(1024, 65536),
            rng.choice((22, 80, 443, 5432)),
            6,
            rng.choice(actions),
        )
        for _ in range(keys)
    ]
    step = WINDOW / count
    picks = connections if keys >= count else [rng.choice(connections) for _ in range(count)]
    opened: set[tuple[object, ...]] = set()
    batch = []
    for n, key in enumerate(picks):
        # A connection's first burst carries its SYN; the rest are data (no recorded flags).
        flags = 0 if key in opened else SYN
        opened.add(key)
        batch.append(
            Flow(*key, rng.randrange(1, 50), rng.randrange(40, 60_000), ORIGIN + n * step, flags)
        )
    return batch


def aggregate(batch: list[Flow], enis: list[Interface]) -> tuple[float, Window]:
    """Best CPU seconds of add + close over `batch`, and the window it closed."""
    best = float("inf")
    window: Window | None = None
    for _ in range(ROUNDS):
        aggregator = Aggregator(ORIGIN, WINDOW)
        start = time.process_time()
        aggregator.add(batch)
        [window] = aggregator.close(ORIGIN + WINDOW, enis)
        best = min(best, time.process_time() - start)
    assert window is not None
    return best, window


def render(window: Window) -> float:
    best = float("inf")
    records = [r for rows in window.records.values() for r in rows]
    for _ in range(ROUNDS):
        start = time.process_time()
        for record in records:
            DEFAULT_FORMAT.render(record)
        best = min(best, time.process_time() - start)
    return best


def bytes_per_key(rng: random.Random, enis: list[Interface], count: int) -> float:
    """What a window holds per distinct key: its sums, and the first flow they keep."""
    aggregator = Aggregator(ORIGIN, WINDOW)
    tracemalloc.start()
    batch = flows(rng, enis, count, count)
    aggregator.add(batch)
    del batch
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return held / count


def main(count: int, keys: int) -> None:
    rng = random.Random(1)
    enis = interfaces(50)
    for label, batch in (
        (f"{keys:,} connections", flows(rng, enis, count, keys)),
        ("a connection each", flows(rng, enis, count, count)),
    ):
        seconds, window = aggregate(batch, enis)
        records = sum(len(rows) for rows in window.records.values())
        print(
            f"aggregation of {count:,} flows ({label}): {seconds * 1000:,.1f} ms "
            f"-> {records:,} records"
        )
        print(f"  rendering the {records:,} records: {render(window) * 1000:,.1f} ms")
    print(f"window memory per distinct key: {bytes_per_key(rng, enis, 20_000):,.0f} B")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--flows", type=int, default=100_000)
    parser.add_argument("--keys", type=int, default=10_000)
    args = parser.parse_args()
    tune_gc()  # as the dashboard, `skydeck serve` and `skydeck run` do
    main(args.flows, args.keys)
