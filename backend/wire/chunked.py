"""aws-chunked bodies: S3 uploads framed in chunks, with checksums sent after the data.

Since botocore 1.36 a PutObject or UploadPart over https carries no
Content-Length: the body is `Content-Encoding: aws-chunked` (inside HTTP's own
chunked transfer encoding, which the HTTP server removes), the object's size
is `X-Amz-Decoded-Content-Length`, and the CRC32 comes last, as a trailer
(AWS_FACTS §16.5):

    b\\r\\nhello world\\r\\n0\\r\\nx-amz-checksum-crc32:DUoRhQ==\\r\\n\\r\\n

Other SDKs sign each chunk (`<hex-len>;chunk-signature=<sig>`, with
`X-Amz-Content-SHA256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]`), over
plain http too. Storing such a body as it came would put the framing into the
object (boto3#4435), so it is unframed as it arrives: the decoder holds at
most one framing line, never a chunk's data, which goes on to the service
piece by piece as the socket delivers it. Signatures are not checked, as
skydeck checks no signature.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping

from multidict import CIMultiDict, CIMultiDictProxy

from backend.errors import AwsError, ErrorCode
from backend.numbers import whole_number
from backend.params import quoted
from backend.streams import ByteStream

IncompleteBody = ErrorCode("IncompleteBody", 400)
InvalidRequest = ErrorCode("InvalidRequest", 400)

#: Longest framing line: a chunk header with a signature is under 100 bytes,
#: a trailer a checksum or a signature. A line that never ends must not grow.
MAX_LINE = 4096
#: Most trailer lines: a checksum and its signature are what SDKs send.
MAX_TRAILERS = 32

#: Header mappings that ignore case already (aiohttp's), as a tuple: `isinstance` with a
#: `|` union builds the union on each call.
CASELESS = (CIMultiDictProxy, CIMultiDict)
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")
_DECODED_LENGTH = "x-amz-decoded-content-length"

_SIZE = "size"
_DATA = "data"
_DATA_END = "data-end"
_TRAILER = "trailer"
_DONE = "done"


def _header(headers: Mapping[str, str], name: str, lowered: bool) -> str | None:
    """Header `name` (lower case) from a plain dict or a case-insensitive multidict.

    Only a plain dict of mixed-case names is searched: a multidict ignores
    case already, and `lowered` says the dict's names are lower case.
    """
    value = headers.get(name)
    if value is not None or lowered or isinstance(headers, CASELESS):
        return value
    for key, found in headers.items():
        if key.lower() == name:
            return found
    return None


def _tokens(value: str | None) -> list[str]:
    return [token.strip().lower() for token in (value or "").split(",") if token.strip()]


def aws_chunked(headers: Mapping[str, str], *, lowered: bool = False) -> bool:
    """Whether the request's body is aws-chunked and must be unframed.

    Clients say so either way: botocore sends both `Content-Encoding:
    aws-chunked` and a `STREAMING-*` payload hash, other SDKs sometimes only
    the hash (or a Content-Encoding of `gzip,aws-chunked`). `lowered`: the
    names of `headers` (a plain dict) are lower case, so none is searched for.
    """
    encoding = _header(headers, "content-encoding", lowered)
    if encoding is not None and "aws-chunked" in _tokens(encoding):
        return True
    digest = _header(headers, "x-amz-content-sha256", lowered) or ""
    return digest.upper().startswith("STREAMING-")


def decoded_length(headers: Mapping[str, str], *, lowered: bool = False) -> int | None:
    """The size of the unframed body the sender announced, or None if it announced none."""
    value = _header(headers, _DECODED_LENGTH, lowered)
    if value is None:
        return None
    length = whole_number(value.strip())
    if length is None or length < 0:
        raise InvalidRequest(f"Value for {_DECODED_LENGTH} header is invalid: {quoted(value)}.")
    return length


def content_encoding(value: str) -> str | None:
    """A Content-Encoding with the aws-chunked framing taken out (`gzip,aws-chunked` -> `gzip`).

    aws-chunked describes how the body travelled, not what it is: S3 stores
    and returns the rest, and nothing if nothing is left.
    """
    kept = [token.strip() for token in value.split(",") if token.strip()]
    kept = [token for token in kept if token.lower() != "aws-chunked"]
    return ",".join(kept) or None


class AwsChunkedDecoder:
    """The unframing state machine, fed raw pieces in whatever sizes they arrive.

    Kept apart from the stream so it can be driven byte by byte in tests and
    anywhere a body is already in memory.
    """

    def __init__(self, length: int | None = None) -> None:
        #: The decoded size announced (`X-Amz-Decoded-Content-Length`), checked at the end.
        self.length = length
        #: Trailer fields by lower-case name, complete once `done`.
        self.trailers: dict[str, str] = {}
        self.decoded = 0
        self._state = _SIZE
        self._left = 0
        self._line = bytearray()

    @property
    def done(self) -> bool:
        return self._state == _DONE

    def feed(self, data: bytes) -> list[bytes]:
        """The body bytes in `data`, in order; framing is consumed, errors raised."""
        out: list[bytes] = []
        pos, end = 0, len(data)
        while pos < end:
            state = self._state
            if state == _DATA:
                take = min(self._left, end - pos)
                out.append(data[pos : pos + take])
                pos += take
                self._left -= take
                if self._left == 0:
                    self._state = _DATA_END
            elif state == _DATA_END:
                take = 2 - len(self._line)
                self._line += data[pos : pos + take]
                pos += take
                if len(self._line) == 2:
                    if self._line != b"\r\n":
                        raise self._malformed("a chunk's data is not followed by CRLF")
                    self._line.clear()
                    self._state = _SIZE
            elif state == _DONE:
                raise self._malformed("data follows the final CRLF")
            else:
                newline = data.find(b"\n", pos, end)
                stop = end if newline < 0 else newline + 1
                if len(self._line) + stop - pos > MAX_LINE:
                    raise self._malformed(f"a framing line is longer than {MAX_LINE} bytes")
                self._line += data[pos:stop]
                pos = stop
                if newline >= 0:
                    line = bytes(self._line)
                    self._line.clear()
                    self._line_done(line)
        return out

    def finish(self) -> None:
        """Check the body ended where its framing does, with the size announced."""
        if self._state != _DONE:
            raise IncompleteBody("The request body terminated unexpectedly.")
        if self.length is not None and self.decoded != self.length:
            raise self._short()

    def _line_done(self, line: bytes) -> None:
        if not line.endswith(b"\r\n"):
            raise self._malformed("a framing line ends in a bare LF")
        text = line[:-2]
        if self._state == _SIZE:
            self._chunk_header(text)
        elif not text:
            self._state = _DONE
        else:
            self._trailer(text)

    def _chunk_header(self, text: bytes) -> None:
        size_text = text.split(b";", 1)[0]
        if not _CHUNK_SIZE.fullmatch(size_text):
            raise self._malformed(f"{quoted(text.decode('latin-1'))} is not a chunk size")
        size = int(size_text, 16)
        if size == 0:
            self._state = _TRAILER
            return
        self.decoded += size
        if self.length is not None and self.decoded > self.length:
            raise InvalidRequest(
                f"The aws-chunked body holds more than the {self.length} bytes "
                f"announced in {_DECODED_LENGTH}."
            )
        self._left = size
        self._state = _DATA

    def _trailer(self, text: bytes) -> None:
        name, colon, value = text.partition(b":")
        if not colon or not name.strip() or not text.isascii():
            raise self._malformed(f"{quoted(text.decode('latin-1'))} is not a trailer field")
        if len(self.trailers) >= MAX_TRAILERS:
            raise self._malformed(f"more than {MAX_TRAILERS} trailer fields")
        self.trailers[name.strip().decode().lower()] = value.strip().decode()

    def _short(self) -> AwsError:
        return IncompleteBody(
            f"You did not provide the number of bytes specified by the {_DECODED_LENGTH} "
            f"HTTP header ({self.length}); the body held {self.decoded}."
        )

    def _malformed(self, reason: str) -> AwsError:
        return InvalidRequest(f"The aws-chunked request body is malformed: {reason}.")


def decode_aws_chunked(chunks: AsyncIterator[bytes], length: int | None = None) -> ByteStream:
    """The body inside the aws-chunked `chunks`, read as they arrive.

    `length` is the decoded size the sender announced (`decoded_length`); the
    stream carries it, and a body that turns out longer or shorter fails. The
    trailers (`x-amz-checksum-crc32`, ...) are on the stream once it has been
    read to its end; a framing error surfaces from the read as an AwsError.
    """
    decoder = AwsChunkedDecoder(length)

    async def unframed() -> AsyncIterator[bytes]:
        async for piece in chunks:
            for data in decoder.feed(piece):
                yield data
        decoder.finish()

    def trailers() -> dict[str, str]:
        return dict(decoder.trailers) if decoder.done else {}

    return ByteStream(unframed(), length, trailers)
