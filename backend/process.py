"""Process-wide tuning for the busy faces (the dashboard, `skydeck serve`, `skydeck run`)."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import threading


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
    so the entry points (`skydeck`, `skydeck serve`, `skydeck run`) call it, not the
    library.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def release_memory() -> None:
    """Hand memory the process has freed back to the operating system, where it can.

    Python frees a purged queue's messages, but glibc's allocator keeps the
    freed pages for reuse, so the resident size would stay at its peak until
    the process ends. `malloc_trim(0)` gives the free pages back; it walks the
    whole heap (150 ms after a million messages), so it runs on a thread of
    its own (ctypes lets go of the GIL for the call) and the loop carries on.
    One trim at a time; elsewhere than glibc this does nothing.
    """
    global _trimming
    libc = _libc()
    if libc is None or (_trimming is not None and _trimming.is_alive()):
        return
    _trimming = threading.Thread(target=libc.malloc_trim, args=(0,), name="malloc-trim")
    _trimming.daemon = True
    _trimming.start()


def releasing() -> bool:
    """Whether a `release_memory` is still under way."""
    return _trimming is not None and _trimming.is_alive()


_trimming: threading.Thread | None = None


@functools.cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") else None
