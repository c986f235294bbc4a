"""A file sent to a socket by the kernel (`sendfile`), for event loops that cannot do it.

asyncio's own loop has `loop.sendfile`; uvloop, which `skydeck serve` runs on
because it takes a third off the cost of every request, has not. Without it a
GetObject's bytes were read into Python a megabyte at a time in a thread and
written to the transport: two copies through user space and a thread hop per
megabyte, about 1 GB/s where the page cache gives several.

Here a thread of its own runs `os.sendfile` from the object's file to a
duplicate of the connection's socket: the kernel copies page cache to socket,
and no byte passes through Python. The thread owns both descriptors (its
duplicate of the socket and the file it opens), so the loop closing the
connection meanwhile cannot hand the number to another file under it. The
socket is non-blocking (the loop's), so when it is full the thread waits in
`poll`, waking now and then to see whether the request was given up.

It is used only where it is safe: on Linux (`sendfile` there tells how much
a non-blocking socket took; macOS's loses the count), and only when nothing
of the answer is still waiting in the transport's buffer (the headers are
usually on the socket at once), so the bytes go out in order. Otherwise the
caller streams the file in chunks as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import sys
import threading

from backend.streams import FileSlice

#: Most bytes one `sendfile` call is asked for (the socket takes what fits).
BLOCK = 64 * 1024 * 1024
#: How long the thread waits for room in the socket before it looks whether it should stop.
POLL_MS = 200
#: Whether the kernel's sendfile can be used this way here.
SUPPORTED = sys.platform.startswith("linux") and hasattr(os, "sendfile")


async def send_file(transport: asyncio.Transport, body: FileSlice) -> bool:
    """Send `body` on `transport`'s socket from a thread; False, sending nothing, if it can't.

    The caller has written the headers. A file shorter than `body.length`
    (cut down on disk meanwhile) ends the answer early, as `loop.sendfile`
    does. A cancelled request tells the thread to stop and does not wait for it.
    """
    if not SUPPORTED:
        return False
    sock = transport.get_extra_info("socket")
    if sock is None or transport.is_closing() or transport.get_write_buffer_size():
        return False
    out_fd = os.dup(sock.fileno())
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()
    stop = threading.Event()

    def finish(error: BaseException | None) -> None:
        if done.done():
            return
        if error is None:
            done.set_result(None)
        else:
            done.set_exception(error)

    def run() -> None:
        error: BaseException | None = None
        try:
            _pump(out_fd, body, stop)
        except BaseException as exc:  # handed to the waiting request, not lost in the thread
            error = exc
        finally:
            os.close(out_fd)
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
            loop.call_soon_threadsafe(finish, error)

    threading.Thread(target=run, name="skydeck-sendfile", daemon=True).start()
    try:
        await done
    finally:
        stop.set()
    return True


def _pump(out_fd: int, body: FileSlice, stop: threading.Event) -> None:
    """Copy `body` to the socket `out_fd` with `os.sendfile` until done, short or stopped."""
    in_fd = os.open(body.path, os.O_RDONLY)
    try:
        poller = select.poll()
        poller.register(out_fd, select.POLLOUT)
        offset, left = body.start, body.length
        while left > 0 and not stop.is_set():
            try:
                sent = os.sendfile(out_fd, in_fd, offset, min(left, BLOCK))
            except BlockingIOError:
                poller.poll(POLL_MS)
                continue
            if sent == 0:
                return
            offset += sent
            left -= sent
    finally:
        os.close(in_fd)
