"""Bodies too big to hold: request bodies read as they arrive, answers read from disk.

An S3 object can be gigabytes. A service never holds one whole: a request's
body reaches its handler as a `ByteStream` it reads chunk by chunk (the wire
feeds it from the socket, an in-process caller from bytes), and an answer's
body is a `FileSlice` the wire streams from disk. Both also work in-process,
so the dashboard and the tests use the same handlers the endpoint does.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

#: How much a stream reads from disk or from the socket at a time.
CHUNK = 256 * 1024


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

    @classmethod
    def of(cls, data: bytes) -> ByteStream:
        async def once() -> AsyncIterator[bytes]:
            for start in range(0, len(data), CHUNK):
                yield data[start : start + CHUNK]

        return cls(once(), len(data))

    @property
    def trailers(self) -> dict[str, str]:
        return self._trailers() if self._trailers is not None else {}

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

    def chunks(self, size: int = CHUNK) -> AsyncIterator[bytes]:
        """The bytes in chunks, each read in a thread so the loop never waits on the disk."""
        import asyncio

        async def gen() -> AsyncIterator[bytes]:
            fd = await asyncio.to_thread(os.open, self.path, os.O_RDONLY)
            try:
                offset, left = self.start, self.length
                while left > 0:
                    data = await asyncio.to_thread(os.pread, fd, min(size, left), offset)
                    if not data:
                        break
                    offset += len(data)
                    left -= len(data)
                    yield data
            finally:
                os.close(fd)

        return gen()
