"""Who may call the endpoint: requests addressed to this machine, from its own pages.

Binding to 127.0.0.1 keeps other machines out, but not the web pages open in the
user's own browser, and those can send the endpoint requests in three ways:

- **DNS rebinding.** A page from `rebind.evil.example` points that name at 127.0.0.1
  once it has loaded; its requests then reach us as same-origin ones, so it can read
  the answers too. They arrive with `Host: rebind.evil.example`, so only loopback
  names are answered: `localhost`, 127.x.y.z, `[::1]`, and `*.localhost`, which
  browsers resolve to loopback themselves (S3's virtual-hosted style needs
  `bucket.localhost`). A rebinding page cannot call itself any of those.
- **Requests that need no preflight.** A form POST (a form body *is* the query
  protocol) or a `fetch(url, {mode: "no-cors"})` with a `text/plain` body is sent
  without asking first; the page cannot read the answer, but the queue is created,
  the account reset. Browsers name the page in `Origin`, so only local origins are
  answered, plus those the user opens with `--cors-origin`.
- **Cross-site GETs**, such as `<img src="http://127.0.0.1:4566/?Action=...">`,
  carry no `Origin`; browsers mark them `Sec-Fetch-Site: cross-site`, and those
  are refused too.

Everything here is pure: `server.py` asks these functions about each request and
renders their answers (the refusal in the request's protocol, the CORS headers).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

#: `--cors-origin *`: any page may call, including `Origin: null` ones.
ANY_ORIGIN = "*"
#: What a page may read of an answer beyond the CORS-safelisted headers: request ids
#: and the query-compatible error code SDKs read, `smithy-protocol` (the JavaScript
#: SDK refuses an RPC v2 CBOR answer it cannot see it on), and what S3's answers carry.
EXPOSED_HEADERS = (
    "x-amzn-RequestId, x-amzn-query-error, smithy-protocol, x-amz-request-id, x-amz-id-2, "
    "x-amz-version-id, x-amz-delete-marker, ETag"
)
#: How long a browser may reuse a preflight's answer, in seconds.
PREFLIGHT_MAX_AGE = "600"

_LOCAL_NAMES = "localhost, 127.0.0.1, [::1] or *.localhost"
_DNS_NAME = re.compile(r"[a-z0-9_][a-z0-9_-]{0,62}(?:\.[a-z0-9_][a-z0-9_-]{0,62})*")
_PORT = re.compile(r"[0-9]{1,5}")
_ORIGIN = re.compile(r"([a-z][a-z0-9+.-]*)://(\[[0-9a-f:.]+\]|[^/:?#\[\]@]+)(?::([0-9]{1,5}))?")
_TOKEN_CHARS = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_TOKEN = re.compile(_TOKEN_CHARS)
_TOKENS = re.compile(rf"{_TOKEN_CHARS}(?:[ \t]*,[ \t]*{_TOKEN_CHARS})*")
_LOOPBACK_V6 = ipaddress.IPv6Address("::1")


@dataclass(frozen=True, slots=True)
class Access:
    """What the user opened beyond loopback hosts and local origins.

    `allowed_hosts` are names as a Host header spells them, without a port: exact
    (`skydeck.internal`, `192.168.1.20`, `[fd00::5]`) or `*.suffix` patterns (any
    name ending in `.suffix`). `cors_origins` are exact origins
    (`https://app.example.com`) or `*` for any origin. Build entries with
    `host_pattern` and `origin_pattern`, which check and normalise them.
    """

    allowed_hosts: tuple[str, ...] = ()
    cors_origins: tuple[str, ...] = ()


def host_pattern(text: str) -> str:
    """A checked, lower-case `--allow-host` entry; ValueError says what is wrong."""
    pattern = text.strip().lower()
    if pattern.startswith("*.") and _DNS_NAME.fullmatch(pattern[2:]):
        return pattern
    if ":" in pattern and not pattern.startswith("["):
        try:
            return f"[{ipaddress.IPv6Address(pattern)}]"
        except ValueError:
            pass
    if _valid_name(pattern):
        return pattern
    raise ValueError(
        f"not a host name, IP address or *.suffix pattern: {text!r} (give it without a port)"
    )


def origin_pattern(text: str) -> str:
    """A checked, lower-case `--cors-origin` entry; ValueError says what is wrong."""
    origin = text.strip().lower().removesuffix("/")
    if origin in (ANY_ORIGIN, "null"):
        return origin
    found = _ORIGIN.fullmatch(origin)
    if found is None or not _valid_name(found.group(2)):
        raise ValueError(
            f"not an origin: {text!r} (scheme://host[:port], e.g. https://app.example.com, "
            "or * for any)"
        )
    return origin


def host_name(host: str) -> str | None:
    """The name in a Host header value, lower-case and without its port; None if malformed."""
    host = host.lower()
    if host.startswith("["):
        end = host.find("]") + 1
        name, rest = host[:end], host[end:]
    else:
        name, colon, port = host.partition(":")
        rest = colon + port
    if rest and not (rest[0] == ":" and _PORT.fullmatch(rest[1:])):
        return None
    return name if _valid_name(name) else None


def is_loopback(name: str) -> bool:
    """Whether a valid host name (as `host_name` returns it) can only mean this machine."""
    if name == "localhost" or name.endswith(".localhost"):
        return True
    if name.startswith("["):
        return ipaddress.IPv6Address(name[1:-1]) == _LOOPBACK_V6
    try:
        return ipaddress.IPv4Address(name).is_loopback
    except ValueError:
        return False


def host_allowed(access: Access, host: str) -> bool:
    """Whether a request whose Host header says `host` ("" when it has none) is answered."""
    name = host_name(host) if host else None
    if name is None:
        return False
    return is_loopback(name) or any(_matches(name, pattern) for pattern in access.allowed_hosts)


def host_refusal(host: str) -> str:
    """Why a request for `host` is refused, and how to allow it."""
    if not host:
        return (
            f"The request has no Host header. skydeck answers only requests addressed to "
            f"{_LOCAL_NAMES}, so that a web page cannot reach it by DNS rebinding; "
            "send a Host header."
        )
    name = host_name(host)
    if name is None:
        return f"Host {host[:200]} is not a host name or an IP address, with or without a port."
    return (
        f"Host {host[:200]} is not a loopback name. skydeck answers only requests addressed "
        f"to {_LOCAL_NAMES}, so that a web page cannot reach it by DNS rebinding. "
        f"To allow this name, start skydeck with --allow-host {name}."
    )


def origin_allowed(access: Access, origin: str) -> bool:
    """Whether a browser request from a page of `origin` (its Origin header) is answered."""
    origin = origin.lower()
    if is_local_origin(origin):
        return True
    return origin in access.cors_origins or ANY_ORIGIN in access.cors_origins


def is_local_origin(origin: str) -> bool:
    """Whether `origin` is an http(s) page served from a loopback name."""
    found = _ORIGIN.fullmatch(origin.lower())
    if found is None or found.group(1) not in ("http", "https"):
        return False
    name = found.group(2)
    return _valid_name(name) and is_loopback(name)


def browser_refusal(access: Access, origin: str | None, fetch_site: str | None) -> str | None:
    """Why a browser's request must be refused, or None when it may be answered.

    `origin` and `fetch_site` are the request's `Origin` and `Sec-Fetch-Site`
    headers; tools (boto3, the aws CLI, curl) send neither and are never refused here.
    """
    if origin is not None:
        if origin_allowed(access, origin):
            return None
        return (
            f"Origin {origin[:200]} is not local. skydeck answers browser requests only from "
            f"pages served by {_LOCAL_NAMES}, so that other web sites cannot drive it. "
            f"To allow this origin, start skydeck with --cors-origin {origin[:200]}."
        )
    if fetch_site is not None and fetch_site.lower() == "cross-site":
        return (
            "A cross-site browser request without an Origin header cannot be told apart "
            "from one a web page sent to drive skydeck, so it is refused. Call skydeck "
            f"from a page served by {_LOCAL_NAMES}, or from a tool."
        )
    return None


def cors_headers(origin: str) -> dict[str, str]:
    """What an answer to an allowed cross-origin request adds, so its page may read it."""
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Expose-Headers": EXPOSED_HEADERS,
        "Vary": "Origin",
    }


def preflight_headers(
    origin: str, method: str, request_headers: str | None, private_network: bool
) -> dict[str, str]:
    """The answer to an allowed origin's preflight (`OPTIONS` with the Access-Control-Request-*).

    The method and headers asked for are granted as asked (browser SDKs ask for
    `authorization, content-type, x-amz-*`): the endpoint's one rule is about who
    calls, not how. A request from a public site to this private address asks
    `Access-Control-Request-Private-Network` too (Chrome), and is granted alike.
    """
    headers = {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
        "Vary": "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
    }
    if _TOKEN.fullmatch(method):
        headers["Access-Control-Allow-Methods"] = method
    if request_headers and _TOKENS.fullmatch(request_headers.strip()):
        headers["Access-Control-Allow-Headers"] = request_headers.strip()
    if private_network:
        headers["Access-Control-Allow-Private-Network"] = "true"
    return headers


def _valid_name(name: str) -> bool:
    """A DNS name, a dotted-quad IPv4 address or a bracketed IPv6 address (lower-case)."""
    if name.startswith("[") and name.endswith("]"):
        try:
            ipaddress.IPv6Address(name[1:-1])
        except ValueError:
            return False
        return True
    return len(name) <= 253 and _DNS_NAME.fullmatch(name) is not None


def _matches(name: str, pattern: str) -> bool:
    if pattern.startswith("*."):
        return name.endswith(pattern[1:])
    return name == pattern
