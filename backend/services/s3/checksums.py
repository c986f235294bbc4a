"""Content-MD5, ETags and S3's flexible checksums (AWS_FACTS §16.4, §16.5).

Since botocore 1.36 every upload carries a checksum (CRC32 by default), in a
header or, over https, in an aws-chunked trailer; S3 checks it, echoes it and
keeps it, and returns it on full reads asked for with `ChecksumMode`. Values
are base64 of the big-endian digest (`hello world` is CRC32 `DUoRhQ==`).

CRC32, SHA1, SHA256, SHA512 and MD5 come from the standard library. CRC32C,
CRC64NVME and the XXHASH family need native code skydeck does not ship (the
SDKs get them from `awscrt`), so asking for them is S3's `NotImplemented`
with a sentence saying which algorithms work, rather than a wrong value.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

from backend.services.s3.errors import BadDigest, InvalidDigest, InvalidRequest, Unimplemented
from backend.streams import CHUNK

#: Every algorithm botocore's model names (ChecksumAlgorithm).
ALGORITHMS = (
    "CRC32",
    "CRC32C",
    "CRC64NVME",
    "SHA1",
    "SHA256",
    "SHA512",
    "MD5",
    "XXHASH64",
    "XXHASH3",
    "XXHASH128",
)
#: The algorithms skydeck computes, with their digest sizes in bytes.
DIGEST_SIZES = {"CRC32": 4, "SHA1": 20, "SHA256": 32, "SHA512": 64, "MD5": 16}
#: Algorithms whose multipart checksum may be FULL_OBJECT (a CRC of the whole object).
FULL_OBJECT_ALGORITHMS = frozenset({"CRC32", "CRC32C", "CRC64NVME"})
#: Algorithms whose multipart checksum may be COMPOSITE (a checksum of the part checksums).
COMPOSITE_ALGORITHMS = frozenset({"CRC32", "CRC32C", "SHA1", "SHA256"})
CHECKSUM_TYPES = ("COMPOSITE", "FULL_OBJECT")


class Hash(Protocol):
    def update(self, data: bytes, /) -> None: ...

    def digest(self) -> bytes: ...


class Crc32:
    """zlib's CRC32 behind hashlib's interface."""

    __slots__ = ("_value",)

    def __init__(self) -> None:
        self._value = 0

    def update(self, data: bytes, /) -> None:
        self._value = zlib.crc32(data, self._value)

    def digest(self) -> bytes:
        return self._value.to_bytes(4, "big")


def new_hash(algorithm: str) -> Hash:
    if algorithm == "CRC32":
        return Crc32()
    return hashlib.new(algorithm.lower())


def member(algorithm: str) -> str:
    """The request and response member that carries `algorithm`'s value."""
    return f"Checksum{algorithm}"


#: Each algorithm with its member, spelled once: every upload looks for all of them.
_MEMBERS = tuple((algorithm, member(algorithm)) for algorithm in ALGORITHMS)
#: The members alone: most uploads send none, which one set operation tells.
_MEMBER_NAMES = frozenset(name for _, name in _MEMBERS)


def header(algorithm: str) -> str:
    """The header (and aws-chunked trailer) that carries `algorithm`'s value."""
    return f"x-amz-checksum-{algorithm.lower()}"


def encode(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


def supported(algorithm: str, named_by: str) -> str:
    """`algorithm` if skydeck computes it; S3's error (naming the header) if not."""
    if algorithm not in ALGORITHMS:
        raise InvalidRequest(f"Value for {named_by} header is invalid.")
    if algorithm not in DIGEST_SIZES:
        raise Unimplemented(
            "A header you provided implies functionality that is not implemented: skydeck "
            f"computes {', '.join(DIGEST_SIZES)} checksums, not {algorithm} (the SDKs compute "
            "it with awscrt).",
            Header=named_by,
        )
    return algorithm


def checked_value(algorithm: str, value: str) -> bytes:
    """The digest a supplied base64 value holds, or S3's InvalidRequest for a bad one."""
    try:
        digest = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        digest = b""
    if len(digest) != DIGEST_SIZES[algorithm]:
        raise InvalidRequest(f"Value for {header(algorithm)} header is invalid.")
    return digest


def content_md5(value: object) -> bytes | None:
    """The digest a Content-MD5 holds, or InvalidDigest; None when none was sent."""
    if value is None:
        return None
    try:
        digest = base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        digest = b""
    if len(digest) != 16:
        raise InvalidDigest()
    return digest


class Requested:
    """The checksum a request asks for: an algorithm, maybe with the value to check.

    An algorithm can be named (`ChecksumAlgorithm`), implied by a value
    (`ChecksumCRC32`), or both, and they must agree; only one value may be
    sent. A value that arrives later in a trailer is checked with `settle`.
    """

    __slots__ = ("algorithm", "expected")

    def __init__(self, algorithm: str | None, expected: bytes | None) -> None:
        self.algorithm = algorithm
        self.expected = expected

    @classmethod
    def of(
        cls, params: Mapping[str, Any], named_by: str = "x-amz-sdk-checksum-algorithm"
    ) -> Requested:
        sent = (
            []
            if _MEMBER_NAMES.isdisjoint(params)
            else [a for a, name in _MEMBERS if params.get(name) not in (None, "")]
        )
        if len(sent) > 1:
            raise InvalidRequest(
                "Expecting a single x-amz-checksum- header. Multiple checksum Types are not "
                "allowed."
            )
        named = params.get("ChecksumAlgorithm")
        algorithm = None
        if named not in (None, ""):
            algorithm = supported(str(named).upper(), named_by)
        if sent:
            if algorithm is not None and sent[0] != algorithm:
                raise InvalidRequest(f"Value for {named_by} header is invalid.")
            algorithm = supported(sent[0], header(sent[0]))
            return cls(algorithm, checked_value(algorithm, str(params[member(algorithm)])))
        return cls(algorithm, None)

    def settle(self, trailers: Mapping[str, str]) -> None:
        """Take a value sent in an aws-chunked trailer (after the body)."""
        for name, value in trailers.items():
            lowered = name.lower()
            if not lowered.startswith("x-amz-checksum-"):
                continue
            algorithm = supported(lowered.removeprefix("x-amz-checksum-").upper(), lowered)
            if self.algorithm is not None and algorithm != self.algorithm:
                raise InvalidRequest(f"Value for {header(self.algorithm)} trailer is invalid.")
            if self.expected is not None:
                raise InvalidRequest(
                    "Expecting a single x-amz-checksum- header. Multiple checksum Types are "
                    "not allowed."
                )
            self.algorithm = algorithm
            self.expected = checked_value(algorithm, value)


class Digests:
    """MD5 (for the ETag) and any checksums of bytes as they stream past."""

    __slots__ = ("_hashes", "md5")

    def __init__(self, algorithms: Iterable[str] = ()) -> None:
        self.md5 = hashlib.md5()
        self._hashes: dict[str, Hash] = {a: new_hash(a) for a in algorithms if a != "MD5"}

    def update(self, data: bytes) -> None:
        self.md5.update(data)
        for hashed in self._hashes.values():
            hashed.update(data)

    def digest(self, algorithm: str) -> bytes:
        if algorithm == "MD5":
            return self.md5.digest()
        return self._hashes[algorithm].digest()

    def has(self, algorithm: str) -> bool:
        return algorithm == "MD5" or algorithm in self._hashes


def file_digest(path: Path, algorithm: str) -> bytes:
    """`algorithm`'s digest of a file, read in chunks."""
    hashed = new_hash(algorithm)
    with path.open("rb") as file:
        while chunk := file.read(CHUNK * 4):
            hashed.update(chunk)
    return hashed.digest()


def verify(algorithm: str, expected: bytes, actual: bytes) -> None:
    """S3's BadDigest when a supplied checksum does not match the bytes received."""
    if expected != actual:
        raise BadDigest(f"The {algorithm} you specified did not match the calculated checksum.")


def composite(algorithm: str, part_digests: Iterable[bytes]) -> str:
    """A COMPOSITE multipart checksum: the checksum of the parts' raw checksums, `-N`."""
    hashed = new_hash(algorithm)
    count = 0
    for digest in part_digests:
        hashed.update(digest)
        count += 1
    return f"{encode(hashed.digest())}-{count}"


def multipart_etag(part_etags: Iterable[str]) -> str:
    """S3's multipart ETag: MD5 of the parts' raw MD5s, `-N`, quoted."""
    hashed = hashlib.md5()
    count = 0
    for etag in part_etags:
        hashed.update(bytes.fromhex(etag.strip('"')))
        count += 1
    return f'"{hashed.hexdigest()}-{count}"'
