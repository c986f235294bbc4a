"""The AWS-compatible endpoint: an aiohttp server on the cloud's own asyncio loop.

Each request goes the same way, with no service logic and no protocol
branches on it: route it (`routing`: which service, protocol and action),
decode its params with the codec registered for that protocol (`codecs`:
JSON, RPC v2 CBOR, query, REST-XML), `await cloud.call(...)` as the caller
the signature names (`sigv4`), and encode the result or the `AwsError` with
the same codec. A body is read whole only when a codec parses it; an S3
object streams from the socket to disk, and back from disk to the socket.
Because the server shares the cloud's loop, a long poll is an ordinary
`await` on the virtual clock, and what an outside client does is in the
trail, the metrics and the dashboard the moment it happens.

Before any of that, each request is screened (`_Handler._screen`): its head
must be within the limits, its Host a loopback name and, from a browser, its
Origin local, or what the user opened (`access`). A web page must not be able
to drive a server that only listens on 127.0.0.1.

The server never answers 500 for bad input and never dies from a request:
routing and codec failures are AWS-shaped 4xx errors, and an unexpected
exception anywhere in a request becomes that request's `InternalFailure`. A
client that goes away cancels its request (`handler_cancellation`), so a long
poll nobody waits for any more takes no message.

Two paths are skydeck's own, for tools and test suites: `GET /_skydeck/health`
and `POST /_skydeck/reset` (wipe the cloud back to empty).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import socket
import weakref
import zlib
from collections import deque
from collections.abc import AsyncIterator, Mapping
from itertools import chain
from types import MappingProxyType
from typing import Any

from aiohttp import HttpVersion11, web
from aiohttp.http_exceptions import BadHttpMessage, LineTooLong
from botocore.model import OperationModel

from backend.cloud import Cloud
from backend.errors import AwsError, InternalFailure, SerializationException
from backend.identity import Caller
from backend.ids import uuid4
from backend.streams import CHUNK, ByteStream, FileSlice
from backend.trail import iso_time
from backend.wire import sigv4
from backend.wire.access import (
    Access,
    browser_refusal,
    cors_headers,
    host_allowed,
    host_refusal,
    preflight_headers,
)
from backend.wire.chunked import aws_chunked, decode_aws_chunked, decoded_length
from backend.wire.codecs import CODECS, Codec, Incoming, Outgoing, Streamed
from backend.wire.errors import (
    AccessDeniedException,
    RequestEntityTooLarge,
    RequestHeaderSectionTooLarge,
    RequestURITooLong,
)
from backend.wire.models import WireService, wire_service
from backend.wire.routing import (
    FORM,
    Protocol,
    Registry,
    RoutingError,
    guess_protocol,
    media_type,
    route,
)
from backend.wire.sendfile import send_file

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4566
#: Largest body read whole: a 1 MiB SQS message grows by a third in base64, more with escapes.
MAX_BODY = 16 * 1024 * 1024
#: Largest body streamed to a service (S3's largest single PUT, 5 GiB).
MAX_STREAMED_BODY = 5 * 1024**3
#: Longest request target (path and query string); longer is RequestURITooLong.
MAX_REQUEST_TARGET = 16 * 1024
#: All request header fields together, names and values; more is RequestHeaderSectionTooLarge.
MAX_HEADER_BYTES = 64 * 1024
#: Most header fields in one request; more is RequestHeaderSectionTooLarge.
MAX_HEADER_FIELDS = 128
#: Bounds on reading and dropping a body left unread when its answer went out
#: (`_answer_unread`): real time and bytes, so a refused upload costs little.
LINGER_SECONDS = 10.0
LINGER_BYTES = 4 * MAX_BODY
#: How each connection's parser is set up. Its limits are the ones above, so what it
#: buffers of a request head is bounded: MAX_HEADER_FIELDS fields, each name and each
#: value at most MAX_HEADER_BYTES (aiohttp weighs them apart), 16 MiB at the very worst,
#: before `_Handler._screen` weighs the fields together.
#: aiohttp's own lingering is off: it has no byte bound, `_answer_unread` has both.
_CONNECTION: dict[str, Any] = {
    "access_log": None,
    "max_line_size": MAX_REQUEST_TARGET,
    "max_field_size": MAX_HEADER_BYTES,
    "max_headers": MAX_HEADER_FIELDS,
    "lingering_time": 0,
    # A body is passed on as sent: S3 stores a `Content-Encoding: gzip` object as it
    # came (its ETag is of those bytes), and only operations with botocore's
    # `requestcompression` trait are inflated, by `_inflated`.
    "auto_decompress": False,
}
#: What aiohttp's parsers raise for more header fields than `max_headers` (both say it so).
_TOO_MANY_HEADERS = "Too many headers received"
_USER_NAME = re.compile(r"[^\w+=,.@-]")
_CALLER_CACHE = 1024
_STATS_WINDOW = 60
#: No query string, and (from no browser page) no CORS headers to add.
_NONE: Mapping[str, str] = MappingProxyType({})
#: Endpoints started per cloud (see `_Handler.__init__`).
_STARTS: weakref.WeakKeyDictionary[Cloud, int] = weakref.WeakKeyDictionary()


class EndpointError(Exception):
    """The endpoint could not start (most often: the port is taken)."""


class EndpointStats:
    """Requests the endpoint answered, for the dashboard's header.

    Counted per simulated second, like every other rate the dashboard shows,
    so time-lapse and pause read consistently with the metric panes.
    """

    def __init__(self, cloud: Cloud) -> None:
        self._clock = cloud.clock
        self.requests = 0
        #: Requests answered with an error (4xx or 5xx).
        self.errors = 0
        self._seconds: deque[list[int]] = deque(maxlen=_STATS_WINDOW)

    def count(self) -> None:
        self.requests += 1
        second = int(self._clock.now())
        seconds = self._seconds
        if seconds and seconds[-1][0] == second:
            seconds[-1][1] += 1
        else:
            seconds.append([second, 1])

    def calls_per_second(self, window: int = 10) -> float:
        """Requests per simulated second over the last `window` seconds."""
        end = int(self._clock.now())
        total = sum(n for second, n in self._seconds if end - window < second <= end)
        return total / window


class Endpoint:
    """A running endpoint: where it listens, what it has answered, how to stop it."""

    def __init__(
        self, cloud: Cloud, handler: _Handler, runner: web.ServerRunner, host: str, port: int
    ) -> None:
        self.cloud = cloud
        self.host = host
        self.port = port
        self.url = f"http://{_url_host(host)}:{port}"
        self.stats = handler.stats
        self._handler = handler
        self._runner = runner
        self._closed = False

    async def close(self) -> None:
        """Stop listening, end requests still waiting (long polls), and let go of the port."""
        if self._closed:
            return
        self._closed = True
        if self.cloud.endpoint == self.url:
            self.cloud.endpoint = None
        self._handler.cancel_all()
        await self._runner.cleanup()


async def start_endpoint(
    cloud: Cloud,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    access: Access | None = None,
) -> Endpoint:
    """Serve `cloud` on http://host:port (port 0: any free port) from the running loop.

    `access` opens hosts and origins beyond loopback ones (`--allow-host`,
    `--cors-origin`); binding elsewhere than loopback needs its address allowed too.
    """
    handler = _Handler(cloud, access or Access())
    runner = web.ServerRunner(_Server(handler), shutdown_timeout=1.0)
    await runner.setup()
    try:
        sock = _bind(host, port)
    except OSError as exc:
        await runner.cleanup()
        raise EndpointError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    site = web.SockSite(runner, sock)
    await site.start()
    endpoint = Endpoint(cloud, handler, runner, host, sock.getsockname()[1])
    handler.url = endpoint.url
    cloud.endpoint = endpoint.url
    return endpoint


class _Server(web.Server):
    """aiohttp's low-level server, whose connections answer refused heads as AWS does.

    `handler_cancellation`: when a client goes away, its request's task is
    cancelled. Without it a long poll whose client had hung up went on waiting,
    took the next message and left it in flight until its visibility timeout,
    while a poller still listening came back empty.
    """

    def __init__(self, endpoint: _Handler) -> None:
        super().__init__(endpoint.handle, handler_cancellation=True)
        self._endpoint = endpoint

    def __call__(self) -> web.RequestHandler:
        return _Connection(self, self._endpoint)


class _Connection(web.RequestHandler):
    """One client connection.

    aiohttp's parser refuses a request target, a header field or a count of
    fields over the limits before any handler sees the request, and answers
    with a plain-text 400 that SDKs report without a code. `handle_error` is
    where it does so; here those refusals become AWS errors instead.
    """

    __slots__ = ("_endpoint",)

    def __init__(self, server: web.Server, endpoint: _Handler) -> None:
        super().__init__(server, loop=asyncio.get_running_loop(), **_CONNECTION)
        self._endpoint = endpoint

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        error = _head_error(exc)
        if error is None:
            return super().handle_error(request, status, exc, message)
        response = self._endpoint.refuse_head(error)
        # The parser is stuck past the refused head: nothing more can be read here.
        response.force_close()
        response.headers["Connection"] = "close"
        return response


def _head_error(exc: BaseException | None) -> AwsError | None:
    """The AWS error for a request head the parser refused over a limit, else None."""
    if isinstance(exc, LineTooLong):
        if exc.args[1] == MAX_REQUEST_TARGET:
            return RequestURITooLong(
                f"The request target exceeds the maximum of {MAX_REQUEST_TARGET} bytes."
            )
        return RequestHeaderSectionTooLarge(
            f"A request header field exceeds the maximum of {MAX_HEADER_BYTES} bytes."
        )
    if isinstance(exc, BadHttpMessage) and exc.message == _TOO_MANY_HEADERS:
        return RequestHeaderSectionTooLarge(
            f"The request has more than {MAX_HEADER_FIELDS} header fields."
        )
    return None


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(1024)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


class _Handler:
    """Answers every request of one endpoint."""

    def __init__(self, cloud: Cloud, access: Access) -> None:
        self.cloud = cloud
        self.access = access
        self.url = ""
        self.stats = EndpointStats(cloud)
        services = [s for name in cloud.services if (s := wire_service(name)) is not None]
        self.registry = Registry.of(services)
        # Each endpoint a cloud starts draws its own stream, so request ids never
        # repeat across restarts, yet replay exactly for the same seed and history.
        started = _STARTS.get(cloud, 0)
        _STARTS[cloud] = started + 1
        self._rng = cloud.rng(f"wire/{started}")
        self._callers: dict[tuple[str | None, str, str], Caller] = {}
        #: Host headers judged allowed, with the base URL each stands for.
        self._bases: dict[str, str] = {}
        self._active: set[asyncio.Task[Any]] = set()
        self._codecs: dict[tuple[str, str], Codec] = {}

    def cancel_all(self) -> None:
        for task in self._active:
            task.cancel()

    def request_id(self) -> str:
        """A version-4-shaped UUID from the cloud's seeded randomness, so runs replay."""
        return uuid4(self._rng)

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        task = asyncio.current_task()
        if task is not None:
            self._active.add(task)
        try:
            self.stats.count()
            request_id = self.request_id()
            try:
                response: web.StreamResponse | None = self._screen(request, request_id)
                if response is None:
                    response = await self._serve(request, request_id)
            except Exception:
                log.exception("endpoint: %s %s failed", request.method, request.path[:200])
                fault = InternalFailure("We encountered an internal error. Please try again.")
                response = self._error("query", None, fault, request_id)
            if not request.content.is_eof():
                await _answer_unread(request, response)
            return response
        finally:
            if task is not None:
                self._active.discard(task)

    def refuse_head(self, error: AwsError) -> web.Response:
        """The answer to a request whose head the parser refused (`_Connection`).

        Its headers were never read, so its protocol is unknown: the envelope is
        the query protocol's, as for any request that names none.
        """
        self.stats.count()
        return self._error("query", None, error, self.request_id())

    def _screen(self, request: web.BaseRequest, request_id: str) -> web.Response | None:
        """The refusal of a request the endpoint must not answer, or None to answer it."""
        headers = request.headers
        if sum(map(len, chain.from_iterable(request.raw_headers))) > MAX_HEADER_BYTES:
            error = RequestHeaderSectionTooLarge(
                f"The request headers exceed the maximum of {MAX_HEADER_BYTES} bytes."
            )
            return self._error(guess_protocol(headers), None, error, request_id)
        host = headers.get("Host", "")
        if host not in self._bases:
            if not host_allowed(self.access, host):
                log.warning(
                    "endpoint: refused %s %s from %s: Host %r is not allowed",
                    request.method,
                    request.path[:200],
                    request.remote,
                    host[:200],
                )
                return self._error(
                    guess_protocol(headers),
                    None,
                    AccessDeniedException(host_refusal(host)),
                    request_id,
                )
            self._remember_base(host)
        origin = headers.get("Origin")
        refusal = browser_refusal(self.access, origin, headers.get("Sec-Fetch-Site"))
        if refusal is not None:
            log.warning(
                "endpoint: refused %s %s from %s: a browser request from Origin %r "
                "(Sec-Fetch-Site %r)",
                request.method,
                request.path[:200],
                request.remote,
                origin and origin[:200],
                headers.get("Sec-Fetch-Site"),
            )
            return self._error(
                guess_protocol(headers), None, AccessDeniedException(refusal), request_id
            )
        return None

    async def _serve(self, request: web.BaseRequest, request_id: str) -> web.StreamResponse:
        """Answer a screened request; a page of an allowed origin may read the answer."""
        headers = request.headers
        origin = headers.get("Origin")
        if origin is None:
            return await self._route(request, request_id)
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in headers:
            cors = preflight_headers(
                origin,
                headers["Access-Control-Request-Method"],
                headers.get("Access-Control-Request-Headers"),
                headers.get("Access-Control-Request-Private-Network", "").lower() == "true",
            )
            return web.Response(headers={**cors, "x-amzn-RequestId": request_id})
        cors = cors_headers(origin)
        response = await self._route(request, request_id, cors)
        if not response.prepared:  # a streamed answer had them before its headers went out
            response.headers.update(cors)
        return response

    async def _route(
        self, request: web.BaseRequest, request_id: str, cors: Mapping[str, str] = _NONE
    ) -> web.StreamResponse:
        if request.path.startswith("/_skydeck/"):
            return self._internal(request, request_id)
        return await self._aws(request, request_id, cors)

    async def _aws(
        self, request: web.BaseRequest, request_id: str, cors: Mapping[str, str]
    ) -> web.StreamResponse:
        """Decode, call the cloud, encode; `cors` joins a streamed answer's headers.

        A body on disk or an event stream is sent from here, its headers with
        it, so what `_serve` adds afterwards would come too late for them.
        """
        headers = request.headers
        method = request.method
        query: Mapping[str, str] = request.query if request.query_string else _NONE
        signer = sigv4.credentials(headers, query)
        path = request.raw_path.partition("?")[0]
        body: bytes | None = None
        if media_type(headers.get("Content-Type")) == FORM:
            # A form is the request's params, never data kept as sent: a gzipped one
            # (botocore compresses query-protocol PutMetricData) is read inflated.
            try:
                body = _inflated(await _read_body(request), headers)
            except AwsError as error:
                return self._error(guess_protocol(headers), None, error, request_id, method)
        try:
            found = route(self.registry, method, path, headers, query, body or b"", signer)
        except RoutingError as failure:
            return self._error(failure.protocol, failure.service, failure.error, request_id, method)
        service, action = found.service, found.action
        codec = self._codec(service, found.protocol)

        async def read() -> bytes:
            if body is not None:
                return body
            raw = await _read_body(request)
            # `op` is set by the time a codec reads the body.
            return _inflated(raw, headers) if op is not None and op.request_compression else raw

        incoming = Incoming(method, path, query, headers, read, lambda: _stream_body(request))
        op = None
        try:
            op = codec.operation(action)
            if action not in self.cloud.services[service.name].actions:
                raise codec.unknown(action)
            host = headers.get("Host", "")
            base = self._bases.get(host) or self._remember_base(host)
            params = await codec.decode(found, op, incoming)
            result = await self.cloud.call(
                service.name,
                action,
                params,
                caller=self._caller(signer, request),
                region=signer.region or self.cloud.region,
                request_id=request_id,
                endpoint=base,
            )
            answer = codec.encode(op, result, request_id)
        except AwsError as error:
            return self._error(found.protocol, service, error, request_id, method, op)
        except Exception:
            log.exception("endpoint: %s %s failed", service.name, action)
            fault = InternalFailure("We encountered an internal error. Please try again.")
            return self._error(found.protocol, service, fault, request_id, method, op)
        answer.headers.update(cors)
        return await _send(request, answer)

    def _error(
        self,
        protocol: Protocol,
        service: WireService | None,
        error: AwsError,
        request_id: str,
        method: str = "POST",
        op: OperationModel | None = None,
    ) -> web.Response:
        self.stats.errors += 1
        answer = CODECS[protocol].error(service, error, request_id, method, op)
        assert isinstance(answer.body, bytes)
        return web.Response(status=answer.status, body=answer.body, headers=answer.headers)

    def _codec(self, service: WireService, protocol: Protocol) -> Codec:
        """The codec for `service` in `protocol`, made once per endpoint."""
        key = (service.name, protocol)
        codec = self._codecs.get(key)
        if codec is None:
            codec = self._codecs[key] = CODECS[protocol](service)
        return codec

    def _remember_base(self, host: str) -> str:
        """The URL a client reached us at, for URLs in answers (queue URLs).

        Only a Host `_screen` allowed gets here, so an answer never names a
        host the endpoint would refuse.
        """
        if len(self._bases) >= _CALLER_CACHE:
            self._bases.clear()
        base = self._bases[host] = f"http://{host}"
        return base

    def _caller(self, signer: sigv4.Credentials, request: web.BaseRequest) -> Caller:
        """The IAM user an access key stands for, as seen from where it called."""
        source_ip = request.remote or "127.0.0.1"
        user_agent = request.headers.get("User-Agent", "")[:256]
        key = (signer.access_key_id, source_ip, user_agent)
        caller = self._callers.get(key)
        if caller is None:
            if len(self._callers) >= _CALLER_CACHE:
                self._callers.clear()
            access_key = signer.access_key_id or ""
            name = _USER_NAME.sub("", access_key)[:64] or "anonymous"
            caller = self._callers[key] = Caller(
                type="IAMUser",
                name=name,
                access_key_id=access_key,
                source_ip=source_ip,
                user_agent=user_agent,
            )
        return caller

    def _internal(self, request: web.BaseRequest, request_id: str) -> web.Response:
        path = request.path.rstrip("/")
        if path == "/_skydeck/health" and request.method in ("GET", "HEAD"):
            return _json(200, self._health(), request_id)
        if path == "/_skydeck/reset" and request.method == "POST":
            self.cloud.reset()
            return _json(200, {"reset": True, "time": iso_time(self.cloud.clock.now())}, request_id)
        if path in ("/_skydeck/health", "/_skydeck/reset"):
            self.stats.errors += 1
            message = f"{request.method} is not allowed on {path}."
            return _json(405, {"__type": "MethodNotAllowed", "message": message}, request_id)
        self.stats.errors += 1
        message = "Use GET /_skydeck/health or POST /_skydeck/reset."
        return _json(404, {"__type": "NotFound", "message": message}, request_id)

    def _health(self) -> dict[str, Any]:
        cloud = self.cloud
        return {
            "services": dict.fromkeys(cloud.services, "running"),
            "endpoint": self.url,
            "account": cloud.account,
            "region": cloud.region,
            "time": iso_time(cloud.clock.now()),
            "requests": self.stats.requests,
        }


def _inflated(body: bytes, headers: Mapping[str, str]) -> bytes:
    """A gzip body inflated, at most MAX_BODY bytes of it; any other body as it is.

    botocore gzips the request of an operation with the `requestcompression`
    trait (CloudWatch's PutMetricData, from 10 KiB) and says so with
    `Content-Encoding: gzip`: the only encoding it uses.
    """
    if headers.get("Content-Encoding", "").strip().lower() != "gzip":
        return body
    inflate = zlib.decompressobj(wbits=31)
    try:
        out = inflate.decompress(body, MAX_BODY + 1)
    except zlib.error as error:
        raise SerializationException(f"The gzip request body is not valid: {error}.") from None
    if len(out) > MAX_BODY:
        raise RequestEntityTooLarge(f"The request body exceeds the maximum of {MAX_BODY} bytes.")
    if not inflate.eof:
        raise SerializationException("The gzip request body ends before its end.")
    return out


async def _read_body(request: web.BaseRequest) -> bytes:
    """The request's body, up to MAX_BODY; RequestEntityTooLarge before reading a longer one.

    A client that sent `Expect: 100-continue` waits for a go-ahead before its
    body (curl does above 1 MiB, some SDKs always). It gets one only here,
    once the request has been screened and its length found acceptable; a
    refusal is answered instead, so the body is never sent at all.

    A compressed body comes as sent (see `_inflated`).
    """
    length = request.content_length
    if length is not None and length > MAX_BODY:
        raise RequestEntityTooLarge(f"The request body exceeds the maximum of {MAX_BODY} bytes.")
    chunks: list[bytes] = []
    size = 0
    try:
        if not request.content.is_eof() and _expects_continue(request):
            await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            # The answer proper has not started: aiohttp checks this before an error page.
            request.writer.output_size = 0
        if length is not None:
            if not length:
                return b""
            # Usually the whole body came with the headers: take it without a wait.
            content = request.content
            body = content.read_nowait(length)
            if len(body) < length:
                body += await content.readexactly(length - len(body))
            return body
        while chunk := await request.content.readany():
            size += len(chunk)
            if size > MAX_BODY:
                raise RequestEntityTooLarge(
                    f"The request body exceeds the maximum of {MAX_BODY} bytes."
                )
            chunks.append(chunk)
    except AwsError:
        raise
    except Exception as exc:
        raise AwsError(
            "IncompleteBody", f"The request body could not be read: {exc}"[:200]
        ) from None
    return b"".join(chunks)


def _expects_continue(request: web.BaseRequest) -> bool:
    return (
        request.version == HttpVersion11
        and request.headers.get("Expect", "").lower() == "100-continue"
    )


async def _answer_unread(request: web.BaseRequest, response: web.StreamResponse) -> None:
    """Send `response` to a client whose body was left unread, then drop what it still sends.

    Closing a socket with unread bytes in it makes the kernel reset the
    connection, and a client still sending its body (most read the answer only
    once the body is sent) then reports "connection reset" instead of the 413
    or 403 it was given. So the answer goes out first, with `Connection: close`,
    and the body that follows is read and dropped, up to LINGER_BYTES or
    LINGER_SECONDS of real time: network bounds, nothing to do with the
    simulated clock. A client that honoured `Expect: 100-continue` sends no
    body; it closes, and that ends the wait (the request is cancelled).
    """
    response.force_close()
    with contextlib.suppress(ConnectionError, TimeoutError, web.RequestPayloadError):
        await response.prepare(request)
        await response.write_eof()
        async with asyncio.timeout(LINGER_SECONDS):
            left = LINGER_BYTES
            while left > 0 and (chunk := await request.content.readany()):
                left -= len(chunk)


def _json(status: int, document: dict[str, Any], request_id: str) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(document).encode(),
        headers={"Content-Type": "application/json", "x-amzn-RequestId": request_id},
    )


def _stream_body(request: web.BaseRequest) -> ByteStream:
    """The request's body as it arrives, for payloads a service writes to disk (S3 objects).

    Up to MAX_STREAMED_BODY; an aws-chunked body (what botocore sends with a
    trailing checksum) is unframed on the way, and its trailers reach the
    service once it has read to the end.
    """
    length = request.content_length
    if length is not None and length > MAX_STREAMED_BODY:
        raise RequestEntityTooLarge(
            f"Your proposed upload exceeds the maximum allowed size of {MAX_STREAMED_BODY} bytes."
        )
    headers = request.headers
    chunked = aws_chunked(headers)
    # A small body usually came in with the headers: taken now, it reaches the
    # service whole, without the async generators a streamed body goes through.
    early = b""
    if length is not None and 0 < length <= CHUNK and not chunked:
        try:
            early = request.content.read_nowait(length)
        except Exception:  # a broken body: left to `raw`, which reports it as before
            early = b""
        if len(early) == length:
            return ByteStream.of(early)

    async def raw() -> AsyncIterator[bytes]:
        if not request.content.is_eof() and _expects_continue(request):
            await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            request.writer.output_size = 0
        size = len(early)
        if early:
            yield early
        try:
            async for chunk in request.content.iter_chunked(CHUNK):
                size += len(chunk)
                if size > MAX_STREAMED_BODY + MAX_BODY:
                    raise RequestEntityTooLarge(
                        "Your proposed upload exceeds the maximum allowed size."
                    )
                yield chunk
        except AwsError:
            raise
        except Exception as exc:
            raise AwsError(
                "IncompleteBody", f"The request body could not be read: {exc}"[:200]
            ) from None

    if chunked:
        return decode_aws_chunked(raw(), decoded_length(headers))
    return ByteStream(raw(), length)


async def _send(request: web.BaseRequest, answer: Outgoing) -> web.StreamResponse:
    """Send a codec's answer; a body on disk goes out from the file, never read whole.

    The kernel copies the file to the socket itself and no byte passes through
    Python: `loop.sendfile` on asyncio's own loop, a thread's `os.sendfile` on
    uvloop, which has none (`_send_file`). Where neither can (not Linux, a TLS
    transport) the body goes out in the chunks `FileSlice.chunks` reads, the
    next one read while this one is sent. HEAD sends the headers alone, and an
    empty body nothing. A body made as it is sent (an event stream) goes to
    `_send_streamed`.
    """
    headers = answer.headers
    body = answer.body
    if isinstance(body, bytes):
        return web.Response(status=answer.status, body=body, headers=headers)
    if not isinstance(body, FileSlice):
        return await _send_streamed(request, answer.status, headers, body)
    response = web.StreamResponse(status=answer.status, headers=headers)
    response.content_length = body.length
    try:
        await response.prepare(request)
        if request.method != "HEAD" and body.length > 0 and not await _send_file(request, body):
            async for chunk in body.chunks():
                await response.write(chunk)
        await response.write_eof()
    finally:
        if body.done is not None:
            body.done()
    return response


async def _send_streamed(
    request: web.BaseRequest, status: int, headers: dict[str, str], body: Streamed
) -> web.StreamResponse:
    """Send a body made as it goes (an event stream): each chunk the moment it is made.

    HTTP/1.1 chunked transfer, which urllib3 (under botocore) hands on chunk
    by chunk, so a client sees each event as it happens. The body is closed
    however this ends: sent whole, the client gone (aiohttp cancels the
    request, or a write finds the connection closed), or the endpoint closing.
    A client gone mid-answer is not an error: there is no one left to tell.
    """
    response = web.StreamResponse(status=status, headers=headers)
    response.enable_chunked_encoding()
    try:
        with contextlib.suppress(ConnectionError):
            await response.prepare(request)
            async for chunk in body:
                await response.write(chunk)
            await response.write_eof()
    finally:
        await body.aclose()
    return response


#: Event loop types found to have no `sendfile` (uvloop's), not asked again.
_NO_SENDFILE: set[type[asyncio.AbstractEventLoop]] = set()


async def _send_file(request: web.BaseRequest, body: FileSlice) -> bool:
    """Send `body` by the kernel's sendfile, after the headers; False, sending nothing, if it can't.

    A `StreamResponse` writes its headers to the transport when prepared, and
    `loop.sendfile` waits for the transport to have sent them before the file.
    A loop without it (uvloop) has the kernel send the file from a thread
    (`sendfile.send_file`) instead.
    """
    loop = asyncio.get_running_loop()
    transport = request.transport
    if transport is None or transport.is_closing():
        raise ConnectionResetError("Connection lost")
    if type(loop) in _NO_SENDFILE:
        return await send_file(transport, body)
    file = await loop.run_in_executor(None, open, body.path, "rb")
    try:
        await loop.sendfile(transport, file, body.start, body.length)
    except NotImplementedError:
        _NO_SENDFILE.add(type(loop))
        return await send_file(transport, body)
    finally:
        file.close()
    return True
