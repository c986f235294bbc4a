"""RSA keys made from a seeded stream: the same key for the same name, in every process.

Runs replay byte for byte, so a key that signs what the cloud writes (SNS
notifications, CloudTrail digests) must be the same for the same seed; OpenSSL's
key generation can't be seeded, so the primes are found here, with the seeded
randomness and Miller-Rabin tests, and handed to `cryptography` as numbers. That
takes about a second, so it happens once per name per process and is cached.
"""

from __future__ import annotations

import functools
import math
import random

from cryptography.hazmat.primitives.asymmetric import rsa

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


@functools.cache
def private_key(name: str) -> rsa.RSAPrivateKey:
    """The key of `name` (the seed of its random stream, e.g. `<cloud seed>/sns/signing-key`)."""
    rng = random.Random(name)
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
