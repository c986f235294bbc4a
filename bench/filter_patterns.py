"""What a filter pattern costs per event: the figure metric filters and FilterLogEvents pay.

    PYTHONPATH=. .venv/bin/python bench/filter_patterns.py [--events N]

Prints CPU time (`time.process_time`), best of three rounds, in nanoseconds
per event for `FilterPattern.select` over `--events` events (default
200,000) of a few hundred bytes, the batch path metric filters and
FilterLogEvents take:

- a term that every event contains, and one that none does;
- `?ERROR ?WARN` over events with neither (both terms are looked for);
- a space-delimited pattern with a numeric comparison on Apache access lines;
- a JSON pattern on events it matches (each is read, building only the member
  it tests), and on events whose eventName differs (the prefilter refuses
  them unread);
- a JSON numeric comparison on events it matches (read), and on events whose
  number fails it (the prefilter's regex refuses them, unread);

then the total time to filter 1,000,000 CloudTrail-like JSON events with a
JSON pattern, as FilterLogEvents would, with 2% of them matching. Targets:
under 2,000 ns per event for every case, and under a second for the million.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable, Sequence

from backend.services.logs.patterns import FilterPattern, compile_pattern

ROUNDS = 3
MILLION = 1_000_000
#: Distinct events the samples cycle through (a million distinct strings would
#: take most of a gigabyte; the matchers keep no state between events).
DISTINCT = 10_000


def per_event(pattern: FilterPattern, events: Sequence[str]) -> float:
    """Best CPU nanoseconds per event of selecting the matches of `pattern` among `events`."""

    def run() -> float:
        start = time.process_time()
        for _ in pattern.select(events, range(len(events))):
            pass
        return time.process_time() - start

    return min(run() for _ in range(ROUNDS)) / len(events) * 1e9


def text_events(rng: random.Random, level: str) -> list[str]:
    words = ["request", "handled", "user", "cache", "timeout", "retry", "shard", "queue"]
    return [
        f"2026-05-09T07:35:25.{i % 1000:03d}Z {level} [worker-{i % 16}] "
        + " ".join(rng.choice(words) for _ in range(12))
        + f" id={rng.getrandbits(64):016x}"
        for i in range(DISTINCT)
    ]


def apache_events(rng: random.Random) -> list[str]:
    return [
        f"10.0.{i % 256}.{rng.randrange(256)} - user{i % 50} "
        f"[09/May/2026:07:35:{i % 60:02d} +0000] "
        f'"GET /app/page{i % 100}.html HTTP/1.1" {rng.choice((200, 200, 304, 404))} '
        f"{rng.randrange(200, 5000)}"
        for i in range(DISTINCT)
    ]


def trail_events(
    rng: random.Random, event_name: Callable[[int], str], latencies: range = range(2000)
) -> list[str]:
    return [
        json.dumps(
            {
                "eventVersion": "1.08",
                "eventTime": f"2026-05-09T07:35:{i % 60:02d}Z",
                "eventSource": "ec2.amazonaws.com",
                "eventName": event_name(i),
                "awsRegion": "us-east-1",
                "sourceIPAddress": f"10.0.{i % 256}.{rng.randrange(256)}",
                "userIdentity": {"type": "IAMUser", "userName": f"user{i % 50}"},
                "latency": rng.choice(latencies),
                "requestParameters": {"instancesSet": {"items": [{"instanceId": f"i-{i:08x}"}]}},
            }
        )
        for i in range(DISTINCT)
    ]


def sample(events: list[str], count: int) -> list[str]:
    return [events[i % len(events)] for i in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=200_000)
    count = parser.parse_args().events
    rng = random.Random(7)
    info = sample(text_events(rng, "INFO"), count)
    error = sample(text_events(rng, "ERROR"), count)
    apache = sample(apache_events(rng), count)
    other_names = ("DescribeInstances", "RunInstances", "StopInstances", "CreateTags")
    updates = sample(trail_events(rng, lambda i: "UpdateTrail"), count)
    others = sample(trail_events(rng, lambda i: other_names[i % 4], range(1000)), count)
    slow = sample(trail_events(rng, lambda i: other_names[i % 4], range(1001, 3000)), count)

    term = compile_pattern("ERROR")
    either = compile_pattern("?ERROR ?WARN")
    delimited = compile_pattern("[ip, ident, user, time, request, status, bytes > 1000]")
    by_name = compile_pattern('{ $.eventName = "UpdateTrail" }')
    by_latency = compile_pattern("{ $.latency > 1000 }")
    rows = [
        ("term match", per_event(term, error)),
        ("term miss", per_event(term, info)),
        ("OR (?ERROR ?WARN), both missed", per_event(either, info)),
        ("space-delimited, bytes > 1000", per_event(delimited, apache)),
        ("JSON match (read)", per_event(by_name, updates)),
        ("JSON miss (prefilter)", per_event(by_name, others)),
        ("JSON latency > 1000, match (read)", per_event(by_latency, slow)),
        ("JSON latency > 1000, miss (prefilter)", per_event(by_latency, others)),
    ]
    for name, nanoseconds in rows:
        print(f"{name:<40} {nanoseconds:>8,.0f} ns/event")

    mixed = trail_events(rng, lambda i: "UpdateTrail" if i % 50 == 0 else other_names[i % 4])
    million = sample(mixed, MILLION)

    def filter_million() -> tuple[float, int]:
        start = time.process_time()
        found = list(by_name.select(million, range(len(million))))
        return time.process_time() - start, len(found)

    seconds, found = min(filter_million() for _ in range(ROUNDS))
    print(f"FilterLogEvents, 1M JSON events, {found:,} matched: {seconds:.2f} s CPU")


if __name__ == "__main__":
    main()
