"""Bodies too big to hold: request bodies read as they arrive, answers read from disk.

An S3 object can be gigabytes. A service never holds one whole: a request's
body reaches its handler as a `ByteStream` it reads chunk by chunk (the wire
feeds it from the socket, an in-process caller from bytes), and an answer's
body is a `FileSlice` the wire streams from disk. Both also work in-process,
so the dashboard and the tests use the same handlers the endpoint does.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

#: How much a stream reads from disk or from the socket at a time.
CHUNK = 256 * 1024
#: How much `FileSlice.chunks` reads from disk at a time: fewer thread hops per
#: gigabyte than `CHUNK`, and still little held (the chunk sent and the next).
FILE_CHUNK = 1024 * 1024


class ByteStream:
    """A request body, read once, in chunks, as it arrives.

    `trailers` fills in when the body has been read to its end: the
    aws-chunked encoding sends checksums after the data (`x-amz-checksum-crc32`).
    """

    def __init__(
        self,
        chunks: AsyncIterator[bytes],
        length: int | None = None,
        trailers: Callable[[], dict[str, str]] | None = None,
    ) -> None:
        self._chunks = chunks
        #: The decoded length the sender announced, if it did.
        self.length = length
        self._trailers = trailers
        self._used = False
        #: The whole body, when it was known at once (`of`).
        self._whole: bytes | None = None

    @classmethod
    def of(cls, data: bytes) -> ByteStream:
        """A body already in memory: a small one that came with its headers, or a test's."""

        async def once() -> AsyncIterator[bytes]:
            for start in range(0, len(data), CHUNK):
                yield data[start : start + CHUNK]

        stream = cls(once(), len(data))
        stream._whole = data
        return stream

    def held(self) -> bytes | None:
        """The whole body at once if it is already in memory (it is then read), else None.

        A 1 KiB PutObject's body is in the first packet with its headers: its
        reader takes it here, without the async iteration a streamed body needs.
        """
        if self._whole is None or self._used:
            return None
        self._used = True
        return self._whole

    @property
    def trailers(self) -> dict[str, str]:
        return self._trailers() if self._trailers is not None else {}

    @property
    def may_trail(self) -> bool:
        """Whether trailers may follow the data (an aws-chunked body); else `trailers` is empty."""
        return self._trailers is not None

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self._used:
            raise RuntimeError("a request body can be read only once")
        self._used = True
        async for chunk in self._chunks:
            if chunk:
                yield chunk

    async def read(self) -> bytes:
        """The whole body: only for bodies known to be small."""
        return b"".join([chunk async for chunk in self])


class _Reader:
    """A file descriptor read from threads, closed only when no read is under way.

    A reader dropped mid-read (the client went away) must not close the file
    under the thread still reading it: its number could be given to another
    file meanwhile.
    """

    __slots__ = ("_closed", "_fd", "_lock")

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._lock = threading.Lock()
        self._closed = False

    def pread(self, size: int, offset: int) -> bytes:
        with self._lock:
            return b"" if self._closed else os.pread(self._fd, size, offset)

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                os.close(self._fd)


@dataclass(frozen=True, slots=True)
class FileSlice:
    """`length` bytes of the file at `path` from `start`: an answer streamed from disk."""

    path: Path
    start: int
    length: int
    #: Called when the slice has been sent or dropped (e.g. to remove a temporary file).
    done: Callable[[], None] | None = field(default=None, compare=False)

    def read(self) -> bytes:
        """The bytes at once: for in-process callers with small objects (previews, tests)."""
        with self.path.open("rb") as file:
            file.seek(self.start)
            return file.read(self.length)

    def chunks(self, size: int = FILE_CHUNK) -> AsyncIterator[bytes]:
        """The bytes in chunks, each read in a thread so the loop never waits on the disk.

        The next chunk is read while the caller deals with this one (sends it
        to the socket): the disk and the network work at once, and at most two
        chunks are held.
        """

        async def gen() -> AsyncIterator[bytes]:
            loop = asyncio.get_running_loop()
            reader = _Reader(await loop.run_in_executor(None, os.open, self.path, os.O_RDONLY))
            offset, left = self.start, self.length
            ahead: asyncio.Future[bytes] | None = None
            try:
                if left > 0:
                    ahead = loop.run_in_executor(None, reader.pread, min(size, left), offset)
                while ahead is not None:
                    data = await ahead
                    ahead = None
                    if not data:
                        break
                    offset += len(data)
                    left -= len(data)
                    if left > 0:
                        ahead = loop.run_in_executor(None, reader.pread, min(size, left), offset)
                    yield data
            finally:
                if ahead is None or (ahead.done() and not ahead.cancelled()):
                    reader.close()
                else:
                    # A read may be under way in a thread (a cancelled future does not
                    # stop it): the file closes once it is over, in a thread too, so
                    # the loop does not wait for the disk.
                    ahead.cancel()
                    try:
                        loop.run_in_executor(None, reader.close)
                    except RuntimeError:  # the executor is shut down: no read is left
                        reader.close()

        return gen()
