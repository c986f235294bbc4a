"""aws-chunked unframing: botocore's bytes, signed chunks, any split, every way to break it."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.errors import AwsError
from backend.wire.chunked import (
    MAX_LINE,
    AwsChunkedDecoder,
    aws_chunked,
    content_encoding,
    decode_aws_chunked,
    decoded_length,
)

#: What botocore sends for `put_object(Body=b"hello world")` over https (AWS_FACTS §16.5).
HELLO = b"b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n"
SIGNATURE = "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"
SIGNED = (
    f"5;chunk-signature={SIGNATURE}\r\nhello\r\n"
    f"6;chunk-signature={SIGNATURE}\r\n world\r\n"
    f"0;chunk-signature={SIGNATURE}\r\n"
    "x-amz-checksum-crc32:DUoRhQ==\r\n"
    f"x-amz-trailer-signature:{SIGNATURE}\r\n\r\n"
).encode()


async def pieces(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


def unframe(parts: list[bytes], length: int | None = None) -> tuple[bytes, dict[str, str]]:
    """The body and trailers of raw `parts`, fed to the decoder as they are."""
    decoder = AwsChunkedDecoder(length)
    data = b"".join(b"".join(decoder.feed(part)) for part in parts)
    decoder.finish()
    return data, decoder.trailers


async def test_botocores_https_upload_decodes_to_its_body_and_checksum() -> None:
    stream = decode_aws_chunked(pieces(HELLO), 11)
    assert stream.trailers == {}
    assert stream.length == 11
    assert await stream.read() == b"hello world"
    assert stream.trailers == {"x-amz-checksum-crc32": "DUoRhQ=="}


async def test_signed_chunks_decode_and_keep_their_trailer_signature() -> None:
    stream = decode_aws_chunked(pieces(SIGNED[:40], SIGNED[40:]), 11)
    assert await stream.read() == b"hello world"
    assert stream.trailers == {
        "x-amz-checksum-crc32": "DUoRhQ==",
        "x-amz-trailer-signature": SIGNATURE,
    }


def test_no_trailers_and_no_announced_length() -> None:
    body = f"3;chunk-signature={SIGNATURE}\r\nabc\r\n0;chunk-signature={SIGNATURE}\r\n\r\n"
    assert unframe([body.encode()]) == (b"abc", {})
    assert unframe([b"0\r\n\r\n"], 0) == (b"", {})


@pytest.mark.parametrize("body", [HELLO, SIGNED], ids=["unsigned", "signed"])
def test_every_split_decodes(body: bytes) -> None:
    expected = (b"hello world", unframe([body])[1])
    for cut in range(len(body) + 1):
        assert unframe([body[:cut], body[cut:]], 11) == expected, cut
    for first in range(0, len(body), 3):
        for second in range(first, len(body) + 1):
            parts = [body[:first], body[first:second], body[second:]]
            assert unframe(parts, 11) == expected, (first, second)
    assert unframe([body[i : i + 1] for i in range(len(body))], 11) == expected


@given(
    data=st.binary(max_size=3000),
    sizes=st.lists(st.integers(1, 700), min_size=1, max_size=8),
    cuts=st.lists(st.integers(0, 4000), max_size=12),
)
def test_any_chunking_and_any_delivery_decodes(
    data: bytes, sizes: list[int], cuts: list[int]
) -> None:
    framed = bytearray()
    start = 0
    for size in itertools.cycle(sizes):
        if start >= len(data):
            break
        chunk = data[start : start + size]
        framed += f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
        start += size
    framed += b"0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n"
    bounds = sorted({0, len(framed), *(cut for cut in cuts if cut < len(framed))})
    parts = [bytes(framed[a:b]) for a, b in itertools.pairwise(bounds)]
    assert unframe(parts, len(data)) == (data, {"x-amz-checksum-crc32": "AAAAAA=="})


def test_data_goes_on_before_its_chunk_is_complete() -> None:
    """A 1 MiB chunk is passed on as it arrives: nothing is held back but a framing line."""
    decoder = AwsChunkedDecoder()
    assert decoder.feed(b"100000\r\n") == []
    assert decoder.feed(b"x" * 1000) == [b"x" * 1000]
    assert decoder.feed(b"y" * 5) == [b"y" * 5]


async def test_a_framing_error_surfaces_from_the_read() -> None:
    stream = decode_aws_chunked(pieces(b"5\r\nhello\r\nzz\r\n"), 5)
    with pytest.raises(AwsError) as caught:
        await stream.read()
    assert (caught.value.code, caught.value.status) == ("InvalidRequest", 400)


@pytest.mark.parametrize(
    ("parts", "length", "code"),
    [
        ([b"zz\r\nhello\r\n0\r\n\r\n"], None, "InvalidRequest"),
        ([b"-5\r\nhello\r\n0\r\n\r\n"], None, "InvalidRequest"),
        ([b" 5\r\nhello\r\n0\r\n\r\n"], None, "InvalidRequest"),
        ([b"\r\nhello\r\n0\r\n\r\n"], None, "InvalidRequest"),
        ([b"11111111111111111\r\n"], None, "InvalidRequest"),
        ([b"5\nhello\r\n0\r\n\r\n"], None, "InvalidRequest"),
        ([b"5\r\nhello!!0\r\n\r\n"], None, "InvalidRequest"),
        ([b"5\r\nhello\r\n0\r\nno-colon\r\n\r\n"], None, "InvalidRequest"),
        ([b"5\r\nhello\r\n0\r\n:value\r\n\r\n"], None, "InvalidRequest"),
        ([b"5\r\nhello\r\n0\r\n\r\nmore"], None, "InvalidRequest"),
        ([b"5;" + b"x" * MAX_LINE], None, "InvalidRequest"),
        (
            [b"5\r\nhello\r\n0\r\n", *(f"t{i}:v\r\n".encode() for i in range(40)), b"\r\n"],
            None,
            "InvalidRequest",
        ),
        ([b"6\r\nhello \r\n0\r\n\r\n"], 5, "InvalidRequest"),
        ([b"5\r\nhello\r\n0\r\n\r\n"], 11, "IncompleteBody"),
        ([b"5\r\nhel"], None, "IncompleteBody"),
        ([b"5\r\nhello\r\n"], None, "IncompleteBody"),
        ([b"5\r\nhello\r\n0\r\n"], None, "IncompleteBody"),
        ([b"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n"], None, "IncompleteBody"),
        ([], None, "IncompleteBody"),
    ],
)
def test_malformed_framing_is_refused(parts: list[bytes], length: int | None, code: str) -> None:
    with pytest.raises(AwsError) as caught:
        unframe(parts, length)
    assert (caught.value.code, caught.value.status) == (code, 400)


@pytest.mark.parametrize(
    ("headers", "chunked"),
    [
        ({"Content-Encoding": "aws-chunked"}, True),
        ({"content-encoding": "gzip, AWS-Chunked"}, True),
        ({"X-Amz-Content-SHA256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER"}, True),
        ({"x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"}, True),
        ({"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"}, False),
        ({"Content-Encoding": "gzip"}, False),
        ({}, False),
    ],
)
def test_aws_chunked_is_told_from_the_headers(headers: dict[str, str], chunked: bool) -> None:
    assert aws_chunked(headers) is chunked


def test_decoded_length() -> None:
    assert decoded_length({"X-Amz-Decoded-Content-Length": "11"}) == 11
    assert decoded_length({"x-amz-decoded-content-length": " 0 "}) == 0
    assert decoded_length({}) is None
    for bad in ["-1", "eleven", "1e3", "٣", "99999999999999999999"]:
        with pytest.raises(AwsError) as caught:
            decoded_length({"X-Amz-Decoded-Content-Length": bad})
        assert (caught.value.code, caught.value.status) == ("InvalidRequest", 400)


def test_content_encoding_keeps_what_the_object_is() -> None:
    assert content_encoding("gzip,aws-chunked") == "gzip"
    assert content_encoding("aws-chunked, gzip , br") == "gzip,br"
    assert content_encoding("aws-chunked") is None
