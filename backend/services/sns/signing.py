"""Notification signatures: a real RSA key per cloud, made from the cloud's seed.

AWS signs every notification of a standard topic (SHA1withRSA for
SignatureVersion 1, SHA256withRSA for 2) over `Key\\nValue\\n` lines of
Message, MessageId, Subject (when there is one), Timestamp, TopicArn and
Type, and names its certificate in SigningCertURL. skydeck signs the same
bytes with a 2048-bit key of its own, so a consumer's verification code can
be exercised against `signing_certificate()`; the SigningCertURL still names
AWS's host, where this certificate is not (docs/deviations.md).

The key must be the same for the same seed (runs replay byte for byte), and
OpenSSL's key generation can't be seeded, so the primes are found here, with
the cloud's seeded randomness and Miller-Rabin tests, and handed to
`cryptography` as numbers. That takes about a second, so it happens once per seed
per process, on the first signature, and is cached.
"""

from __future__ import annotations

import base64
import datetime
import functools
import hashlib
import math
import random

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

KEY_BITS = 2048
PUBLIC_EXPONENT = 65537
#: Miller-Rabin rounds: five for 1024-bit random candidates, as FIPS 186-4 (table C.3) asks
#: for the primes of a 2048-bit key (error probability below 2^-100).
_ROUNDS = 5
_SMALL_PRIMES = [p for p in range(3, 2000) if all(p % d for d in range(2, math.isqrt(p) + 1))]
#: A candidate shares a factor with this product exactly when one of `_SMALL_PRIMES` divides it.
_SMALL_PRODUCT = math.prod(_SMALL_PRIMES)
#: Odd primes from 2,000 to 2^16 (see `_deep_product`).
_DEEP_SIEVE = 1 << 16
#: The certificate's validity, fixed so that the same seed gives the same bytes.
_NOT_BEFORE = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
_NOT_AFTER = datetime.datetime(2040, 1, 1, tzinfo=datetime.UTC)


@functools.cache
def signing_key(seed: str) -> rsa.RSAPrivateKey:
    """The cloud's signing key: the same for the same seed, in every process."""
    rng = random.Random(f"{seed}/sns/signing-key")
    half = KEY_BITS // 2
    while True:
        p, q = _prime(rng, half), _prime(rng, half)
        if p != q:
            break
    n = p * q
    d = pow(PUBLIC_EXPONENT, -1, (p - 1) * (q - 1))
    numbers = rsa.RSAPrivateNumbers(
        p=p,
        q=q,
        d=d,
        dmp1=rsa.rsa_crt_dmp1(d, p),
        dmq1=rsa.rsa_crt_dmq1(d, q),
        iqmp=rsa.rsa_crt_iqmp(p, q),
        public_numbers=rsa.RSAPublicNumbers(PUBLIC_EXPONENT, n),
    )
    # OpenSSL's validation tests p and q for primality again (a tenth of a second);
    # `_prime` has just done that.
    return numbers.private_key(unsafe_skip_rsa_key_validation=True)


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


def _prime(rng: random.Random, bits: int) -> int:
    """A random prime of exactly `bits` bits whose top two bits are set (so p*q has 2*bits)."""
    top = (1 << (bits - 1)) | (1 << (bits - 2))
    deep = _deep_product()
    while True:
        candidate = rng.getrandbits(bits) | top | 1
        if math.gcd(candidate, _SMALL_PRODUCT) != 1:
            continue
        if math.gcd(candidate - 1, PUBLIC_EXPONENT) != 1:
            continue
        if math.gcd(candidate, deep) != 1:
            # Composite for certain, without Miller-Rabin's costly first round; the
            # base that round would draw is drawn all the same, so the seed's key is
            # the one it always was (a composite passes a round for virtually no base).
            rng.randrange(2, candidate - 2)
            continue
        if _probably_prime(candidate, rng):
            return candidate


@functools.cache
def _deep_product() -> int:
    """The product of the odd primes from 2,000 to `_DEEP_SIEVE`, sieved once per process.

    One gcd with it finds a third of the candidates that pass `_SMALL_PRIMES` to be
    composite, each of which would cost Miller-Rabin a 1024-bit modular power.
    """
    sieve = bytearray([1]) * _DEEP_SIEVE
    sieve[:2] = b"\x00\x00"
    for p in range(2, math.isqrt(_DEEP_SIEVE) + 1):
        if sieve[p]:
            sieve[p * p :: p] = bytes(len(range(p * p, _DEEP_SIEVE, p)))
    return math.prod(p for p in range(_SMALL_PRIMES[-1] + 2, _DEEP_SIEVE, 2) if sieve[p])


def _probably_prime(n: int, rng: random.Random) -> bool:
    d, r = n - 1, 0
    while d % 2 == 0:
        d //= 2
        r += 1
    for _ in range(_ROUNDS):
        a = rng.randrange(2, n - 2)
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True
