"""Process-wide tuning for the long-running faces (the dashboard, `skydeck serve`)."""

from __future__ import annotations

import gc


def tune_gc() -> None:
    """Collect garbage less often, for a process that runs a busy cloud for long.

    A busy cloud holds hundreds of thousands of long-lived objects (messages,
    trail entries) and each request allocates a few hundred short-lived ones,
    so with Python's default thresholds the collector runs every few requests
    and keeps rescanning what will live on: several microseconds a request,
    growing with the cloud, and full collections of a 100,000-message queue
    that stall the dashboard for 150 ms or more. Freezing what exists at
    start-up (modules, models) and collecting the youngest generation every
    20,000 allocations instead of 700 takes most of that away; reference
    cycles are rare on the hot paths, so memory barely changes. Process-wide,
    so the entry points (`skydeck`, `skydeck serve`) call it, not the library.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
