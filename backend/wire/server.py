"""The AWS-compatible endpoint: an aiohttp server on the cloud's own asyncio loop.

Each request goes the same way, with no service logic on it: read the body,
route it (`routing`), decode its params with the protocol's codec
(`json_protocol`, `query_protocol`), `await cloud.call(...)` as the caller the
signature names (`sigv4`), and encode the result or the `AwsError` in the
same protocol. Because the server shares the cloud's loop, a long poll is an
ordinary `await` on the virtual clock, and what an outside client does is in
the trail, the metrics and the dashboard the moment it happens.

The server never answers 500 for bad input and never dies from a request:
routing and codec failures are AWS-shaped 4xx errors, and an unexpected
exception anywhere in a request becomes that request's `InternalFailure`.

Two paths are skydeck's own, for tools and test suites: `GET /_skydeck/health`
and `POST /_skydeck/reset` (wipe the cloud back to empty).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import socket
import weakref
from collections import deque
from collections.abc import Mapping
from itertools import chain
from typing import Any

from aiohttp import web

from backend.cloud import Cloud
from backend.errors import AwsError, InternalFailure, InvalidAction, UnknownOperationException
from backend.identity import Caller
from backend.ids import uuid4
from backend.trail import iso_time
from backend.wire import json_protocol, query_protocol, sigv4
from backend.wire.errors import RequestEntityTooLarge, RequestHeaderSectionTooLarge
from backend.wire.models import WireService, wire_service
from backend.wire.routing import Protocol, Registry, RoutingError, is_json, media_type, route

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4566
#: Largest body read: a 1 MiB SQS message grows by a third in base64, more with escapes.
MAX_BODY = 16 * 1024 * 1024
#: All request headers together; more is answered RequestHeaderSectionTooLarge.
MAX_HEADER_BYTES = 64 * 1024
#: What aiohttp's parser itself accepts per line and field, set above MAX_HEADER_BYTES so
#: oversized headers reach the handler and get an AWS-shaped answer.
_PARSER_LIMIT = 1024 * 1024
_HOST = re.compile(r"^[A-Za-z0-9.\-]{1,253}(:\d{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?$")
_QUEUE_PATH = re.compile(r"^/\d{12}/[^/]+/?$")
_USER_NAME = re.compile(r"[^\w+=,.@-]")
_CALLER_CACHE = 1024
_STATS_WINDOW = 60
_NO_QUERY: Mapping[str, str] = {}
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
    cloud: Cloud, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT
) -> Endpoint:
    """Serve `cloud` on http://host:port (port 0: any free port) from the running loop."""
    handler = _Handler(cloud)
    server = web.Server(
        handler.handle,
        access_log=None,
        max_line_size=_PARSER_LIMIT,
        max_field_size=_PARSER_LIMIT,
        max_headers=1024,
        lingering_time=0,
    )
    runner = web.ServerRunner(server, shutdown_timeout=1.0)
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

    def __init__(self, cloud: Cloud) -> None:
        self.cloud = cloud
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
        self._bases: dict[str, str] = {}
        self._active: set[asyncio.Task[Any]] = set()

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
            if request.path.startswith("/_skydeck/"):
                return self._internal(request, request_id)
            return await self._aws(request, request_id)
        except Exception:
            log.exception("endpoint: %s %s failed", request.method, request.path[:200])
            fault = InternalFailure("We encountered an internal error. Please try again.")
            return self._error("query", None, fault, request_id)
        finally:
            if task is not None:
                self._active.discard(task)

    async def _aws(self, request: web.BaseRequest, request_id: str) -> web.StreamResponse:
        headers = request.headers
        if sum(map(len, chain.from_iterable(request.raw_headers))) > MAX_HEADER_BYTES:
            error = RequestHeaderSectionTooLarge(
                f"The request headers exceed the maximum of {MAX_HEADER_BYTES} bytes."
            )
            return self._error(_guess(headers), None, error, request_id)
        try:
            body = await _read_body(request)
        except AwsError as error:
            return self._error(_guess(headers), None, error, request_id)
        query: Mapping[str, str] = request.query if request.query_string else _NO_QUERY
        signer = sigv4.credentials(headers, query)
        path = request.path
        try:
            found = route(self.registry, request.method, path, headers, query, body, signer)
        except RoutingError as failure:
            return self._error(failure.protocol, failure.service, failure.error, request_id)
        service, action = found.service, found.action
        speaks_json = found.protocol == "json"
        try:
            op = service.operation(action, query=not speaks_json)
            if op is None or action not in self.cloud.services[service.name].actions:
                if speaks_json:
                    raise UnknownOperationException(
                        f"Operation {action[:100]} is not supported by {service.name}."
                    )
                raise InvalidAction(f"The action {action[:100]} is not valid for this web service.")
            base = self._base_url(headers.get("Host", ""))
            if speaks_json:
                params = json_protocol.decode_request(op, body)
            else:
                params = query_protocol.decode_request(op, found.fields)
                member = service.path_member
                if member and member not in params and _QUEUE_PATH.match(path):
                    params[member] = base + path.rstrip("/")
            result = await self.cloud.call(
                service.name,
                action,
                params,
                caller=self._caller(signer, request),
                region=signer.region or self.cloud.region,
                request_id=request_id,
                endpoint=base,
            )
            if speaks_json:
                payload = json_protocol.encode_response(op, result)
                content_type = service.content_type
            else:
                payload = query_protocol.encode_response(
                    op, result, service.xml_namespace, request_id
                )
                content_type = "text/xml"
        except AwsError as error:
            return self._error(found.protocol, service, error, request_id)
        except Exception:
            log.exception("endpoint: %s %s failed", service.name, action)
            fault = InternalFailure("We encountered an internal error. Please try again.")
            return self._error(found.protocol, service, fault, request_id)
        return web.Response(
            body=payload,
            headers={"Content-Type": content_type, "x-amzn-RequestId": request_id},
        )

    def _error(
        self, protocol: Protocol, service: WireService | None, error: AwsError, request_id: str
    ) -> web.Response:
        self.stats.errors += 1
        headers = {"x-amzn-RequestId": request_id}
        if protocol == "json":
            body = json_protocol.encode_error(error)
            headers["Content-Type"] = (
                service.content_type if service else "application/x-amz-json-1.0"
            )
            if service is not None and service.query_compatible:
                fault = "Sender" if error.sender_fault else "Receiver"
                headers["x-amzn-query-error"] = f"{error.legacy_code};{fault}"
        else:
            namespace = service.xml_namespace if service else ""
            body = query_protocol.encode_error(error, namespace, request_id)
            headers["Content-Type"] = "text/xml"
        return web.Response(status=error.status, body=body, headers=headers)

    def _base_url(self, host: str) -> str:
        """The URL the client reached us at, for URLs in responses (queue URLs)."""
        base = self._bases.get(host)
        if base is None:
            if len(self._bases) >= _CALLER_CACHE:
                self._bases.clear()
            base = self._bases[host] = f"http://{host}" if _HOST.match(host) else self.url
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


def _guess(headers: Mapping[str, str]) -> Protocol:
    """The protocol a request seems to speak, for errors found before it is routed."""
    if "X-Amz-Target" in headers or is_json(media_type(headers.get("Content-Type"))):
        return "json"
    return "query"


async def _read_body(request: web.BaseRequest) -> bytes:
    length = request.content_length
    if length is not None and length > MAX_BODY:
        raise RequestEntityTooLarge(f"The request body exceeds the maximum of {MAX_BODY} bytes.")
    chunks: list[bytes] = []
    size = 0
    try:
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


def _json(status: int, document: dict[str, Any], request_id: str) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(document).encode(),
        headers={"Content-Type": "application/json", "x-amzn-RequestId": request_id},
    )
