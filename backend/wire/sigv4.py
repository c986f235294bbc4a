"""Who signed a request, and for which region and service: read, never verified.

skydeck accepts any credentials and does not check signatures (docs/wire.md
says why): a local simulator has no secrets to protect, and refusing dummy
keys would only break the tools people point at it. What the signature
*names* still matters, so the wire reads it:

- the access key id becomes the caller's identity in the CloudTrail record;
- the credential scope's region chooses the region the call acts in;
- the scope's service name routes query requests when nothing else does.

SigV4 puts them in `Authorization: AWS4-HMAC-SHA256 Credential=AKID/20240101/
us-east-1/sqs/aws4_request, ...` or, presigned, in `X-Amz-Credential`; SigV2
(very old SDKs) names only the key, in `Authorization: AWS AKID:sig` or
`AWSAccessKeyId`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass

_SCOPE = re.compile(r"Credential=([^,\s]*)")
_REGION = re.compile(r"^[a-z0-9-]{1,40}$")
_SERVICE = re.compile(r"^[a-z0-9-]{1,64}$")
_KEY = re.compile(r"^[\x21-\x7e]{1,128}$")


@dataclass(frozen=True, slots=True)
class Credentials:
    """What the request's signature says about its signer; empty parts are None."""

    access_key_id: str | None = None
    region: str | None = None
    service: str | None = None


ANONYMOUS = Credentials()


def credentials(headers: Mapping[str, str], query: Mapping[str, str]) -> Credentials:
    """The signer's access key, region and service, from whichever form the request used."""
    auth = headers.get("Authorization")
    if auth:
        if auth.startswith("AWS4-"):
            match = _SCOPE.search(auth)
            if match:
                return _from_scope(match.group(1))
        elif auth.startswith("AWS "):
            return Credentials(_clean(auth[4:].split(":", 1)[0], _KEY))
    scope = query.get("X-Amz-Credential")
    if scope:
        return _from_scope(scope)
    key = query.get("AWSAccessKeyId")
    if key:
        return Credentials(_clean(key, _KEY))
    return ANONYMOUS


@functools.lru_cache(maxsize=1024)
def _from_scope(scope: str) -> Credentials:
    """`AKID/20240101/us-east-1/sqs/aws4_request` -> its key, region and service."""
    parts = scope.split("/")
    if len(parts) != 5:
        return Credentials(_clean(parts[0], _KEY))
    key, _date, region, service, _terminator = parts
    return Credentials(_clean(key, _KEY), _clean(region, _REGION), _clean(service, _SERVICE))


def _clean(value: str, rule: re.Pattern[str]) -> str | None:
    return value if rule.match(value) else None
