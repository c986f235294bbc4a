"""Notification signatures: a real RSA key per cloud, made from the cloud's seed.

AWS signs every notification of a standard topic (SHA1withRSA for
SignatureVersion 1, SHA256withRSA for 2) over `Key\\nValue\\n` lines of
Message, MessageId, Subject (when there is one), Timestamp, TopicArn and
Type, and names its certificate in SigningCertURL. skydeck signs the same
bytes with a 2048-bit key of its own, so a consumer's verification code can
be exercised against `signing_certificate()`; the SigningCertURL still names
AWS's host, where this certificate is not (docs/deviations.md).

The key is made from the cloud's seed (`backend/kit/seeded_rsa.py`), so runs
replay byte for byte.
"""

from __future__ import annotations

import base64
import datetime
import functools
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from backend.kit import seeded_rsa

#: The certificate's validity, fixed so that the same seed gives the same bytes.
_NOT_BEFORE = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
_NOT_AFTER = datetime.datetime(2040, 1, 1, tzinfo=datetime.UTC)


def signing_key(seed: str) -> rsa.RSAPrivateKey:
    """The cloud's signing key: the same for the same seed, in every process."""
    return seeded_rsa.private_key(f"{seed}/sns/signing-key")


@functools.cache
def signing_certificate(seed: str) -> bytes:
    """The key's self-signed certificate, PEM, as SigningCertURL would serve it."""
    key = signing_key(seed)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    serial = int.from_bytes(hashlib.sha256(f"{seed}/sns/certificate".encode()).digest()[:16])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial >> 1 or 1)
        .not_valid_before(_NOT_BEFORE)
        .not_valid_after(_NOT_AFTER)
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM)


def certificate_name(seed: str) -> str:
    """The `SimpleNotificationService-<32 hex>.pem` part of SigningCertURL."""
    digest = hashlib.md5(signing_certificate(seed), usedforsecurity=False).hexdigest()
    return f"SimpleNotificationService-{digest}.pem"


def sign(seed: str, text: str, version: str) -> str:
    """`text` signed as SignatureVersion `version` ("1": SHA1, "2": SHA256), base64."""
    algorithm: hashes.HashAlgorithm = hashes.SHA256() if version == "2" else hashes.SHA1()
    signature = signing_key(seed).sign(text.encode("utf-8"), padding.PKCS1v15(), algorithm)
    return base64.b64encode(signature).decode("ascii")


def string_to_sign(fields: list[tuple[str, str]]) -> str:
    """The signed text: each field AWS signs, in AWS's order, as `Name\\nValue\\n`."""
    return "".join(f"{name}\n{value}\n" for name, value in fields)
