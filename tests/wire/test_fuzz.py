"""Every action of every wire service, fuzzed in each protocol it speaks: never a 5xx.

The cases come from the registry, not from a list here: each service of a
default `Cloud` that `wire_service` describes, each action the service
implements, in JSON (`X-Amz-Target`) where the model has a target prefix, in
RPC v2 CBOR where the model lists it (CloudWatch), and in the query protocol
where the service has a query model (native, or SQS's restored legacy query),
and in EC2's dialect of the query form for EC2.
A service registered later gets this test for free.

Each example builds a request of the right shape from the botocore input
shape (members, types, lists, maps, nested structures), lets botocore's own
serializer write it as an SDK would, then mutates what goes on the wire:
members of the wrong type, required members dropped, odd numbers (negative,
past 32 and 64 bits, 5,000 digits, floats, 'NaN', '٣٠', fullwidth digits,
'--5', '¹'), strings past the service limits (up to 1 MiB + 1), lone
surrogates, bytes that are not UTF-8, list and map indexes that are not 1..N
('¹', '0', '-1', '01', 5,000 digits, gaps), unknown members, deep nesting,
a body cut short; in CBOR also NaN and infinities, integers past 64 bits,
tags (value sharing, bignums, regular expressions, unknown ones), simple
values and nesting past the depth limit. Every answer must be 2xx or 4xx,
never 5xx; carry a request id; be an error envelope of the request's
protocol (JSON or CBOR `__type` and `message`, or `<ErrorResponse>`) when it
is an error, and parse with botocore's own parser when it is not. After each
action's examples the server must still answer.

What the calls hit is derived from the models too, so no service needs code
here: before each example the cloud is reset, then every `Create*` action is
called with the least input its shape requires, then every `Send*`/`Put*`,
then every `Receive*`/`Get*`/`List*`/`Describe*`; each string they take or
give back is remembered by member name (`QueueName`, `QueueUrl`,
`ReceiptHandle`), and a generated member of that name gets the remembered
value three times in four, so requests get past the resource lookup. Each
case also checks that some of its requests reached the service's handler.
The cloud runs in time-lapse, so a fuzzed long poll ends in milliseconds.

Sizes: the run shares 24 times the profile's `max_examples` among the cases, at
least 10 each, so its time grows slowly as services are added. With today's 320
cases the floor decides: 3,200 requests in the default derandomized profile, each
after a reset and the seeding calls above. `HYPOTHESIS_PROFILE=explore` sends 48,000,
which is how new counterexamples are found. `pytest -s` prints the figures of a run.

Below the fuzz, the requests that were 500s (or numbers AWS refuses that went
through) are pinned, in both protocols, with the exact error each gets now.
"""

from __future__ import annotations

import asyncio
import copy
import http.client
import json
import math
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import cbor2
import pytest
from botocore.model import OperationModel, Shape
from botocore.parsers import create_parser
from botocore.serialize import create_serializer
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from backend.clock import MAX_SPEED, RealtimeDriver
from backend.cloud import DEFAULT_START, Cloud
from backend.errors import AwsError
from backend.services import new_cloud
from backend.wire.models import WireService, wire_service
from tests.wire.live import TIMEOUT, Live, start_live
from tests.wire.rawhttp import SIGNED, Reply
from tests.wire.test_bad_input import aws_error

# -- the cases: what the endpoint serves ------------------------------------------------

CBOR = "smithy-rpc-v2-cbor"
#: The protocols whose requests are forms: the query protocol and EC2's dialect of it.
FORMS = ("query", "ec2")


@dataclass(frozen=True)
class Case:
    service: WireService
    action: str
    protocol: str  # "json", "smithy-rpc-v2-cbor", "query", "ec2" or "rest-xml"

    @property
    def op(self) -> OperationModel:
        op = self.service.operation(self.action, query=self.protocol in FORMS)
        assert op is not None
        return op

    def __str__(self) -> str:
        return f"{self.service.name}-{self.action}-{self.protocol}"


def _cases() -> list[Case]:
    cases = []
    cloud = new_cloud()
    for name, service in cloud.services.items():
        wire = wire_service(name)
        if wire is None:
            continue
        for action in sorted(service.actions):
            if wire.target_prefix and wire.operation(action):
                cases.append(Case(wire, action, "json"))
            if CBOR in wire.protocols and wire.operation(action):
                cases.append(Case(wire, action, CBOR))
            if wire.query_model and wire.operation(action, query=True):
                cases.append(Case(wire, action, "ec2" if wire.protocol == "ec2" else "query"))
            if wire.protocol == "rest-xml" and wire.operation(action):
                cases.append(Case(wire, action, "rest-xml"))
    return cases


CASES = _cases()
#: The run sends this many times the examples the profile asks of one test, shared
#: among the cases (at least 10 each): see the module docstring.
_RUN_SCALE = 24
EXAMPLES = max(10, settings().max_examples * _RUN_SCALE // len(CASES))

# -- the fuzz: one served cloud, one keep-alive connection --------------------------------


class Fuzz:
    """The served cloud, a keep-alive connection to it, and what the fuzzed requests got."""

    def __init__(self, live: Live) -> None:
        self.live = live
        parts = urlsplit(live.url)
        self._conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=TIMEOUT)
        self.statuses: Counter[int] = Counter()
        self.codes: Counter[str] = Counter()

    def send(self, path: str, body: bytes, headers: dict[str, str], method: str = "POST") -> Reply:
        self._conn.request(method, path, body=body, headers=headers)
        response = self._conn.getresponse()
        return Reply(
            response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        )

    def close(self) -> None:
        self._conn.close()


@pytest.fixture(scope="module")
def fuzz(loop: asyncio.AbstractEventLoop, boto_session: Any) -> Iterator[Fuzz]:
    """A cloud served in time-lapse, so a fuzzed long poll (up to 20 s) ends within 20 ms."""
    served = start_live(loop, boto_session)

    async def drive() -> asyncio.Task[None]:
        driver = RealtimeDriver(served.cloud.clock, time.monotonic, speed=MAX_SPEED)
        return asyncio.get_running_loop().create_task(driver.run())

    driving = served.run(drive())
    fuzzing = Fuzz(served)
    yield fuzzing
    fuzzing.close()
    served.call(driving.cancel)
    served.run(served.endpoint.close())
    print(f"\nfuzz: {sum(fuzzing.statuses.values())} requests")
    print("statuses:", dict(sorted(fuzzing.statuses.items())))
    print("codes:", dict(fuzzing.codes.most_common()))


# -- resources for the calls to hit, derived from the model -------------------------------

#: Actions called, in this order, to leave something for the fuzzed calls to find.
_SEED_PHASES = (("Create",), ("Send", "Put"), ("Receive", "Get", "List", "Describe"))
_DEPTH = 5


async def _seed(cloud: Cloud, service: WireService, action: str) -> tuple[dict[str, Any], int]:
    """Reset the cloud and make what the model says calls refer to; also `action`'s call count.

    Returns the strings the seeding calls took and gave, by member name, and
    how many calls of `action` the cloud has counted so far.
    """
    cloud.reset()
    known: dict[str, Any] = {}
    actions = sorted(cloud.services[service.name].actions)
    for prefixes in _SEED_PHASES:
        for name in actions:
            op = service.operation(name)
            if not name.startswith(prefixes) or op is None or op.input_shape is None:
                continue
            params = _least(op.input_shape, known, 0)
            try:
                response = await cloud.call(service.name, name, params)
            except AwsError:
                continue
            _remember(params, known)
            _remember(response, known)
    return known, cloud.usage.get((service.name, action), 0)


def _remember(value: Any, known: dict[str, Any]) -> None:
    """Note every string in `value` under its member name; the first one seen stays."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str):
                known.setdefault(key, item)
            else:
                _remember(item, known)
    elif isinstance(value, list):
        for item in value:
            _remember(item, known)


def _least(shape: Shape, known: Mapping[str, Any], depth: int, name: str = "") -> Any:
    """The least input `shape` requires: its required members, one of each list."""
    if name in known and shape.type_name == "string":
        return known[name]
    if shape.type_name == "structure":
        if depth > _DEPTH:
            return {}
        return {
            member: _least(shape.members[member], known, depth + 1, member)
            for member in shape.required_members
        }
    if shape.type_name == "list":
        return [_least(shape.member, known, depth + 1)] if depth <= _DEPTH else []
    if shape.type_name == "map":
        return {"fuzz": _least(shape.value, known, depth + 1)} if depth <= _DEPTH else {}
    return _plain(shape)


def _plain(shape: Shape) -> Any:
    """A value of scalar `shape` that satisfies its model constraints."""
    kind = shape.type_name
    low = int(shape.metadata.get("min", 1))
    if kind == "string":
        return shape.enum[0] if shape.enum else "fuzz".ljust(low, "z")
    if kind in ("integer", "long"):
        return max(low, 1)
    if kind == "boolean":
        return False
    if kind in ("float", "double"):
        return 1.0
    if kind == "blob":
        return b"fuzz"
    if kind == "timestamp":
        return DEFAULT_START
    return "fuzz"


# -- valid-shaped params -----------------------------------------------------------------


_Memo = dict[tuple[str, str, int], st.SearchStrategy[Any]]
#: Plain strings for members with no seeded value; the odd ones come from mutations.
_TEXT = ["fuzz", "", "a b", "é", "1", "-"]


@dataclass(frozen=True)
class Known:
    """A member the seeding may have a value for: filled in once the example is seeded."""

    name: str
    default: Any


def _resolve(value: Any, known: Mapping[str, Any]) -> Any:
    if isinstance(value, Known):
        return known.get(value.name, value.default)
    if isinstance(value, dict):
        return {k: _resolve(v, known) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, known) for v in value]
    return value


def _params(shape: Shape, name: str, depth: int, memo: _Memo) -> st.SearchStrategy[Any]:
    """Params of `shape` as a client would send them (with `Known` placeholders)."""
    key = (shape.name, name, depth)
    found = memo.get(key)
    if found is not None:
        return found
    kind = shape.type_name
    strategy: st.SearchStrategy[Any]
    if kind in ("structure", "list", "map") and depth > _DEPTH:
        strategy = st.just([] if kind == "list" else {})
    elif kind == "structure":
        required = set(shape.required_members)
        members = {m: _params(s, m, depth + 1, memo) for m, s in shape.members.items()}
        strategy = st.fixed_dictionaries(
            {m: s for m, s in members.items() if m in required},
            optional={m: s for m, s in members.items() if m not in required},
        )
    elif kind == "list":
        strategy = st.lists(_params(shape.member, "", depth + 1, memo), max_size=3)
    elif kind == "map":
        keys = _params(shape.key, "", depth + 1, memo)
        strategy = st.dictionaries(keys, _params(shape.value, "", depth + 1, memo), max_size=3)
    elif kind == "string":
        texts = st.sampled_from(shape.enum or _TEXT)
        # Three times in four the seeded value, if any: most requests should find their resource.
        known = st.just(Known(name, _plain(shape)))
        strategy = st.one_of(known, known, known, texts) if name else texts
    elif kind in ("integer", "long"):
        low = int(shape.metadata.get("min", 0))
        strategy = st.integers(low, max(low, min(int(shape.metadata.get("max", 30)), 2**31 - 1)))
    elif kind == "boolean":
        strategy = st.booleans()
    elif kind in ("float", "double"):
        strategy = st.floats(allow_nan=False, allow_infinity=False)
    elif kind == "blob":
        strategy = st.binary(max_size=16)
    elif kind == "timestamp":
        strategy = st.integers(0, 4_000_000_000)
    else:
        strategy = st.just(_plain(shape))
    memo[key] = strategy
    return strategy


# -- mutations -------------------------------------------------------------------------

#: Numbers as text, the odd ones: what `int()`, `float()` or `isdigit()` would wave through.
_ODD_NUMBER_TEXT = [
    "-1",
    "0",
    "-0",
    "01",
    "--5",
    "+5",
    " 7",
    "1_000",
    "1.5",
    "1e3",
    "¹",
    "٣",
    "٣٠",
    "\uff13\uff10",
    "2147483648",
    "-2147483649",
    "9223372036854775808",
    "9" * 30,
    "9" * 5000,
    "nan",
    "inf",
    "-Infinity",
    "0x1f",
]
_SIZES = [0, 81, 129, 257, 1_025, 262_145, 1_048_577]
_ODD_TEXT = [
    "",
    " ",
    "\x00",
    "\ud800",
    "\uffff",
    "\U0001f600",
    "a\r\nb",
    "<&>]]>",
    "%",
    "AAE=",
    "!!",
    "..",
    "arn:aws:sqs:us-east-1:123456789012:fuzz",
    "http://127.0.0.1:1/123456789012/fuzz",
    "[" * 2000,
    '{"a":' * 300,
]
#: JSON written as is (what `json.dumps` would refuse to write, or write differently).
_RAW_JSON = [
    "9" * 5000,
    "1" + "0" * 400,
    "1e400",
    "-1e400",
    "NaN",
    "Infinity",
    "-0.0",
    "2147483648",
    "9223372036854775808",
    "5.0",
    "1E2",
    "[" * 100_000 + "]" * 100_000,
    "[" * 500 + "]" * 500,
    '{"a":' * 50 + "1" + "}" * 50,
]
_ODD_JSON = [0, -1, 1.5, "x", "", True, False, None, [], {}, ["x"], {"x": 1}, [[[]]], [{}]]
_ODD_INDEXES = ["¹", "٣", "0", "-1", "01", "9" * 5000, "999999999", "10001", "7", "x", "", "member"]
_ODD_NAMES = ["Zzz", "", "__type", "x" * 300, "a.b", "1"]
_JSON_MUTATIONS = st.sampled_from(["retype", "drop", "unknown", "odd"])
_RETYPED = st.sampled_from(_ODD_JSON)
_FORM_MUTATIONS = st.sampled_from(["value", "drop", "index", "unknown", "nest"])
_BAD_BYTES = [b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\x00", b"%FF", b"%", b"%ZZ", b"&&", b"="]


@dataclass
class Raw:
    """A JSON fragment spliced into the body after `json.dumps` writes the rest."""

    text: str


def _odd_strings(data: st.DataObject) -> str:
    if data.draw(st.booleans()):
        return "x" * data.draw(st.sampled_from(_SIZES))
    return data.draw(st.sampled_from(_ODD_TEXT + _ODD_NUMBER_TEXT))


def _odd_json(data: st.DataObject) -> Any:
    choice = data.draw(st.integers(0, 3))
    if choice == 0:
        return Raw(data.draw(st.sampled_from(_RAW_JSON)))
    if choice == 1:
        return copy.deepcopy(data.draw(_RETYPED))
    if choice == 2:
        return data.draw(st.sampled_from([-1, 0, 2**31, -(2**31) - 1, 2**63, 10**19, 10**30]))
    return _odd_strings(data)


def _paths(document: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a JSON document, the document itself first."""
    yield prefix
    if isinstance(document, dict):
        for key, value in document.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from _paths(value, (*prefix, index))


def _at(document: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        document = document[step]
    return document


def _odd_cbor_values() -> list[Any]:
    """Values only CBOR can carry, or carries differently from JSON; new ones each call.

    New, because a mutation may put one in a document that a later one changes,
    and `cbor2.undefined` cannot be copied.
    """
    deep: list[Any] = []
    for _ in range(100):  # past the 64 levels a CBOR body may nest
        deep = [deep]
    return [
        math.nan,
        math.inf,
        -math.inf,
        2**64 - 1,
        -(2**64),
        10**30,  # a bignum, tag 2
        b"\x00\xff",
        cbor2.undefined,
        cbor2.CBORSimpleValue(99),
        cbor2.CBORTag(1, 1e300),
        cbor2.CBORTag(1, "1"),
        cbor2.CBORTag(0, "2026-11-29T00:00:00Z"),
        cbor2.CBORTag(29, 0),
        cbor2.CBORTag(28, [cbor2.CBORTag(29, 0)]),
        cbor2.CBORTag(35, "(a+)+$"),
        cbor2.CBORTag(55799, {}),
        cbor2.CBORTag(9999, 0),
        {1: 2},
        deep,
    ]


def _odd_cbor(data: st.DataObject) -> Any:
    """An odd value for CBOR: JSON's odd values that CBOR can write, and CBOR's own."""
    if data.draw(st.booleans()):
        values = _odd_cbor_values()
        # By index: some are not hashable, and `sampled_from` hashes what it samples.
        return values[data.draw(st.integers(0, len(values) - 1))]
    odd = _odd_json(data)
    if isinstance(odd, Raw):
        return odd.text  # JSON text is only a string in CBOR
    if isinstance(odd, str):
        return odd.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return odd


def _mutate_json(
    data: st.DataObject, document: Any, odd_value: Callable[[st.DataObject], Any] = _odd_json
) -> Any:
    """`document` with up to three members retyped, dropped, added or made odd.

    `odd_value`: where odd values come from (JSON's by default, `_odd_cbor` for CBOR).
    """
    for _ in range(data.draw(st.integers(0, 3), label="mutations")):
        paths = list(_paths(document))
        path = paths[data.draw(st.integers(0, len(paths) - 1), label="at")]
        how = data.draw(_JSON_MUTATIONS, label="how")
        if how == "unknown":
            target = _at(document, path)
            if isinstance(target, dict):
                target[data.draw(st.sampled_from(_ODD_NAMES))] = odd_value(data)
            continue
        if how == "drop":
            if path:
                del _at(document, path[:-1])[path[-1]]
            continue
        odd = odd_value(data) if how == "odd" else copy.deepcopy(data.draw(_RETYPED))
        if path:
            _at(document, path[:-1])[path[-1]] = odd
        else:
            document = odd
    return document


def _dump(document: Any) -> bytes:
    """`document` as JSON, with each `Raw` fragment spliced in as it is."""
    fragments: list[str] = []

    def placeholder(value: Any) -> Any:
        if isinstance(value, Raw):
            fragments.append(value.text)
            return f"\x00raw{len(fragments) - 1}\x00"
        raise TypeError(value)

    text = json.dumps(document, default=placeholder)
    for number, fragment in enumerate(fragments):
        text = text.replace(json.dumps(f"\x00raw{number}\x00"), fragment)
    return text.encode("utf-8", "surrogatepass")


_NUMBERED = re.compile(r"(?<=\.)[0-9]+(?=\.|$)")


def _mutate_form(data: st.DataObject, fields: dict[str, str]) -> dict[str, str]:
    for _ in range(data.draw(st.integers(0, 3), label="mutations")):
        # The action stays: routing has fuzz tests of its own (test_bad_input).
        names = [name for name in fields if name != "Action"]
        how = data.draw(_FORM_MUTATIONS, label="how")
        if not names or how == "unknown":
            name = data.draw(st.sampled_from([*_ODD_NAMES, *(f"{n}.1" for n in names)]))
            fields[name] = _odd_strings(data)
            continue
        name = data.draw(st.sampled_from(names), label="field")
        if how == "value":
            fields[name] = _odd_strings(data)
        elif how == "drop":
            del fields[name]
        elif how == "nest":
            fields[name + ".1" * data.draw(st.sampled_from([1, 5, 20]))] = fields[name]
        else:
            numbers = list(_NUMBERED.finditer(name))
            if not numbers:
                continue
            found = data.draw(st.sampled_from(numbers), label="index")
            entry = name[: found.end()]
            new = name[: found.start()] + data.draw(st.sampled_from(_ODD_INDEXES))
            # The whole entry (`Entry.1.Id`, `Entry.1.Body`), or one field of it.
            whole = data.draw(st.booleans(), label="whole entry")
            fields = {
                (
                    new + key[len(entry) :]
                    if key == name or (whole and key.startswith(f"{entry}."))
                    else key
                ): value
                for key, value in fields.items()
            }
    return fields


def _mutate_bytes(data: st.DataObject, body: bytes) -> bytes:
    if not body or data.draw(st.integers(0, 9), label="bytes") > 0:
        return body
    at = data.draw(st.integers(0, len(body)))
    if data.draw(st.booleans()):
        return body[:at]
    return body[:at] + data.draw(st.sampled_from(_BAD_BYTES)) + body[at:]


# -- one request -------------------------------------------------------------------------


def _request(
    case: Case, data: st.DataObject, params: Any
) -> tuple[str, str, bytes, dict[str, str]]:
    """The method, path, body and headers of one fuzzed request for `case`."""
    service = case.service
    serialized = create_serializer(case.protocol, include_validation=False).serialize_to_request(
        params, case.op
    )
    headers: dict[str, str] = {k: str(v) for k, v in serialized["headers"].items()}
    if data.draw(st.booleans(), label="signed"):
        headers["Authorization"] = SIGNED.format(region="us-east-1", service=service.signing_name)
    path = "/"
    if case.protocol == "rest-xml":
        return _rest_request(data, serialized, headers)
    if case.protocol == "json":
        document = _mutate_json(data, json.loads(serialized["body"] or b"{}"))
        body = _dump(document)
    elif case.protocol == CBOR:
        path = serialized["url_path"]
        document = cbor2.loads(serialized["body"]) if serialized["body"] else {}
        body = cbor2.dumps(_mutate_json(data, document, _odd_cbor), datetime_as_timestamp=True)
    else:
        fields = _mutate_form(data, dict(serialized["body"]))
        member = service.path_member[1] if service.path_member else None
        url = fields.get(member or "")
        if member and url and "://" in url and data.draw(st.booleans(), label="by path"):
            path = urlsplit(url).path or "/"
            del fields[member]
        body = urlencode(fields, errors="surrogatepass").encode()
    return "POST", path, _mutate_bytes(data, body), headers


_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_REST_MUTATIONS = st.sampled_from(["header", "drop header", "query", "path", "none"])
#: Header values a REST client never sends: odd numbers, dates, encodings, lengths.
_ODD_HEADERS = [
    "content-md5",
    "range",
    "if-match",
    "if-modified-since",
    "x-amz-checksum-crc32",
    "x-amz-copy-source",
    "x-amz-meta-x",
    "x-amz-decoded-content-length",
    "content-encoding",
    "x-amz-content-sha256",
    "x-amz-tagging",
]


def _rest_request(
    data: st.DataObject, serialized: Mapping[str, Any], headers: dict[str, str]
) -> tuple[str, str, bytes, dict[str, str]]:
    """A REST request (S3's) with its headers, query, path or XML body mutated."""
    path, _, fixed_query = str(serialized["url_path"]).partition("?")
    query: dict[str, Any] = dict(serialized["query_string"])
    body = serialized["body"]
    body = body if isinstance(body, bytes) else str(body or "").encode()
    for _ in range(data.draw(st.integers(0, 3), label="mutations")):
        how = data.draw(_REST_MUTATIONS, label="how")
        if how == "header":
            name = data.draw(st.sampled_from([*headers, *_ODD_HEADERS]), label="header")
            headers[name] = _odd_strings(data)
        elif how == "drop header" and headers:
            del headers[data.draw(st.sampled_from(sorted(headers)), label="header")]
        elif how == "query":
            name = data.draw(st.sampled_from([*query, *_ODD_NAMES, "max-keys", "partNumber"]))
            # Short enough to stay within the request-target limit (test_limits covers it).
            query[name or "x"] = _odd_strings(data)[:2000]
        elif how == "path":
            path = data.draw(st.sampled_from(["/", "//", "/%FF", "/..", path + "/..", path * 2]))
    target = path + (f"?{fixed_query}" if fixed_query else "")
    if query:
        joined = urlencode(query, doseq=True, errors="surrogatepass")
        target += ("&" if "?" in target else "?") + joined
    # What goes on the wire is bytes: a header is Latin-1 text, a request target ASCII.
    # (A metadata key SDKs could not send either, `x-amz-meta-é`, is left out, and the
    # body's length is http.client's to write: a wrong one only makes either side wait.)
    wire_headers = {
        name: re.sub(r"[\r\n\x00]", " ", value)
        .encode("utf-8", "surrogatepass")
        .decode("latin-1")[:8000]
        for name, value in headers.items()
        if _HEADER_NAME.fullmatch(name) and name.lower() != "content-length"
    }
    target = quote(target, safe="/%?&=+:@!$'()*,;~-._")
    return str(serialized["method"]), target, _mutate_bytes(data, body), wire_headers


def _check(case: Case, reply: Reply, fuzz: Fuzz, method: str) -> None:
    fuzz.statuses[reply.status] += 1
    if case.protocol == "rest-xml":
        _check_rest(case, reply, fuzz, method)
        return
    assert 200 <= reply.status < 300 or 400 <= reply.status < 500, _shown(reply)
    assert reply.headers.get("x-amzn-requestid"), reply.headers
    content_type = reply.headers.get("content-type")
    if reply.status >= 400:
        _, code = aws_error(reply)
        fuzz.codes[code] += 1
        envelopes = {case.service.content_type: "json", "application/cbor": CBOR}
        form = case.protocol if case.protocol in FORMS else "query"
        assert envelopes.get(content_type or "", form) == case.protocol, _shown(reply)
        return
    if case.protocol == "json":
        assert content_type == case.service.content_type
        assert isinstance(json.loads(reply.body), dict)
    elif case.protocol == CBOR:
        assert reply.headers["smithy-protocol"] == "rpc-v2-cbor"
        no_output = case.op.output_shape is None
        assert content_type == (None if no_output else "application/cbor"), reply.headers
    else:
        assert content_type == "text/xml"
    response = {"body": reply.body, "headers": reply.headers, "status_code": reply.status}
    parsed = create_parser(case.protocol).parse(response, case.op.output_shape)
    assert "Error" not in parsed, parsed


def _check_rest(case: Case, reply: Reply, fuzz: Fuzz, method: str) -> None:
    """S3's answers: 2xx, 3xx (304) or 4xx, ids in `x-amz-request-id`, `<Error>` bodies."""
    assert reply.status < 500 and reply.status not in (300, 301, 302), _shown(reply)
    if reply.status >= 300:
        if method == "HEAD" or reply.status == 304:
            assert reply.headers.get("x-amz-request-id"), reply.headers
            assert reply.body == b"", _shown(reply)
            fuzz.codes[str(reply.status)] += 1
            return
        # S3's <Error>; or, for an unsigned request no S3 route matches (an empty
        # bucket name), the query protocol's MissingAction, as before S3 was served.
        _, code = aws_error(reply)
        fuzz.codes[code] += 1
        return
    assert reply.headers.get("x-amz-request-id"), reply.headers
    response = {"body": reply.body, "headers": reply.headers, "status_code": reply.status}
    parsed = create_parser("rest-xml").parse(response, case.op.output_shape)
    assert "Error" not in parsed, parsed


@pytest.mark.parametrize("case", CASES, ids=str)
def test_no_request_gets_a_server_error(fuzz: Fuzz, case: Case) -> None:
    live = fuzz.live
    input_shape = case.op.input_shape
    params = _params(input_shape, "", 0, {}) if input_shape is not None else st.just({})
    counted = Counter[str]()

    @settings(
        max_examples=EXAMPLES,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def one_request(data: st.DataObject) -> None:
        drawn = data.draw(params, label="params")
        known, before = live.run(_seed(live.cloud, case.service, case.action))
        method, path, body, headers = _request(case, data, _resolve(drawn, known))
        note(f"{method} {path} {headers}\n{body[:2000]!r}")
        reply = fuzz.send(path, body, headers, method=method)
        _check(case, reply, fuzz, method)
        after = live.call(lambda: live.cloud.usage.get((case.service.name, case.action), 0))
        counted["reached"] += after > before

    one_request()
    assert fuzz.send("/_skydeck/health", b"", {}, method="GET").status == 200
    # The generator is only worth something if its requests get past the codecs.
    assert counted["reached"] > 0


def _shown(reply: Reply) -> str:
    return f"{reply.status} {reply.body[:500]!r}"


# -- what fuzzing and hand-made requests found, pinned -----------------------------------

_URL = Known("QueueUrl", "")
_HANDLE = Known("ReceiptHandle", "")
_NOT_AN_INTEGER = "Value {} for parameter {} is invalid. Reason: must be an integer."
_NOT_AN_INDEX = "Value {} for parameter {} is invalid. Reason: entries are numbered 1 to 10000."
_NOT_JSON = "The request body is not valid JSON."
_JSON_STR_INTEGER = "Value at '{}' of JSON type str can not be converted to an Integer."
_DLQ = "arn:aws:sqs:us-east-1:123456789012:fuzz"
#: maxReceiveCounts `int()` took: Infinity raised OverflowError (a 500), 5.5 became 5, true 1.
_REDRIVES = [
    f'{{"deadLetterTargetArn":"{_DLQ}","maxReceiveCount":{count}}}'
    for count in ("Infinity", "5.5", "true", '"٣"', '" 5"')
]
_BAD_REDRIVE = (
    "Value {} for parameter RedrivePolicy is invalid. Reason: Invalid value for "
    "maxReceiveCount: must be an integer from 1 to 1000."
)
_NINES = "9" * 5000

#: (protocol, action, members, (status, code, message)): each was a 500, or a number AWS refuses.
PINNED: list[tuple[str, str, dict[str, Any], tuple[int, str, str]]] = [
    *(
        (
            "query",
            "ReceiveMessage",
            {"QueueUrl": _URL, "MaxNumberOfMessages": text},
            (400, "InvalidParameterValue", _NOT_AN_INTEGER.format(text, "MaxNumberOfMessages")),
        )
        for text in ("¹", "--5", "٣")
    ),
    (
        "query",
        "ChangeMessageVisibility",
        {"QueueUrl": _URL, "ReceiptHandle": _HANDLE, "VisibilityTimeout": "٣"},
        (400, "InvalidParameterValue", _NOT_AN_INTEGER.format("٣", "VisibilityTimeout")),
    ),
    *(
        (
            "query",
            "SendMessageBatch",
            {
                "QueueUrl": _URL,
                f"SendMessageBatchRequestEntry.{index}.Id": "a",
                f"SendMessageBatchRequestEntry.{index}.MessageBody": "x",
            },
            (
                400,
                "InvalidParameterValue",
                _NOT_AN_INDEX.format(index, f"SendMessageBatchRequestEntry.{index}"),
            ),
        )
        for index in ("¹", "999999999")
    ),
    (
        "query",
        "SetQueueAttributes",
        {"QueueUrl": _URL, "Attribute.¹.Name": "DelaySeconds", "Attribute.¹.Value": "1"},
        (400, "InvalidParameterValue", _NOT_AN_INDEX.format("¹", "Attribute.¹")),
    ),
    (
        "query",
        "GetQueueAttributes",
        {"QueueUrl": _URL, f"AttributeName.{_NINES}": "All"},
        (
            400,
            "InvalidParameterValue",
            _NOT_AN_INDEX.format(f"{_NINES[:100]}...", f"AttributeName.{_NINES[:86]}..."),
        ),
    ),
    (
        "query",
        "CreateQueue",
        {"QueueName": "arabic", "Attribute.1.Name": "VisibilityTimeout", "Attribute.1.Value": "٣٠"},
        (400, "InvalidAttributeValue", "Invalid value for the parameter VisibilityTimeout."),
    ),
    *(
        (
            "query",
            "CreateQueue",
            {"QueueName": "r", "Attribute.1.Name": "RedrivePolicy", "Attribute.1.Value": policy},
            (400, "InvalidAttributeValue", _BAD_REDRIVE.format(policy)),
        )
        for policy in _REDRIVES
    ),
    (
        "json",
        "ReceiveMessage",
        {"QueueUrl": _URL, "MaxNumberOfMessages": "¹"},
        (400, "SerializationException", _JSON_STR_INTEGER.format("MaxNumberOfMessages")),
    ),
    *(
        (
            "json",
            "ReceiveMessage",
            {"QueueUrl": _URL, "MaxNumberOfMessages": Raw(text)},
            (400, "SerializationException", _NOT_JSON),
        )
        for text in ("--5", "NaN", "Infinity")
    ),
    (
        "json",
        "ReceiveMessage",
        {"QueueUrl": _URL, "MaxNumberOfMessages": Raw(_NINES)},
        (400, "SerializationException", f"Numeric value ({_NINES[:100]}...) out of range."),
    ),
    (
        "json",
        "ChangeMessageVisibility",
        {"QueueUrl": _URL, "ReceiptHandle": _HANDLE, "VisibilityTimeout": "٣"},
        (400, "SerializationException", _JSON_STR_INTEGER.format("VisibilityTimeout")),
    ),
    (
        "json",
        "SendMessageBatch",
        {"QueueUrl": _URL, "Entries": {"¹": {"Id": "a", "MessageBody": "x"}}},
        (
            400,
            "SerializationException",
            "Value at 'Entries' of JSON type dict can not be converted to a list.",
        ),
    ),
    *(
        (
            "json",
            "CreateQueue",
            {"QueueName": "digits", "Attributes": {"DelaySeconds": text}},
            (400, "InvalidAttributeValue", "Invalid value for the parameter DelaySeconds."),
        )
        for text in ("٣٠", "\uff13\uff10", " 30", "+30", "3_0")
    ),
    *(
        (
            "json",
            "CreateQueue",
            {"QueueName": "r", "Attributes": {"RedrivePolicy": policy}},
            (400, "InvalidAttributeValue", _BAD_REDRIVE.format(policy)),
        )
        for policy in _REDRIVES
    ),
    (
        "json",
        "SendMessage",
        {
            "QueueUrl": _URL,
            "MessageBody": "x",
            "MessageAttributes": {"a": {"DataType": "String", "StringValue": "\ud800"}},
        },
        (
            400,
            "SerializationException",
            "Value at 'MessageAttributes.a.StringValue' is not Unicode text: it has a lone "
            "surrogate.",
        ),
    ),
]


@pytest.mark.parametrize(
    ("protocol", "action", "members", "expected"),
    PINNED,
    ids=[f"{protocol}-{action}-{n}" for n, (protocol, action, _, _) in enumerate(PINNED)],
)
def test_pinned_requests(
    fuzz: Fuzz,
    protocol: str,
    action: str,
    members: dict[str, Any],
    expected: tuple[int, str, str],
) -> None:
    live = fuzz.live
    sqs = wire_service("sqs")
    assert sqs is not None
    known, _ = live.run(_seed(live.cloud, sqs, action))
    resolved = _resolve(members, known)
    if protocol == "json":
        headers = {"Content-Type": sqs.content_type, "X-Amz-Target": f"AmazonSQS.{action}"}
        body = _dump(resolved)
    else:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        fields = {"Action": action, "Version": sqs.api_version, **resolved}
        body = urlencode(fields).encode()
    reply = fuzz.send("/", body, headers)
    status, code = aws_error(reply)
    if protocol == "json":
        message = reply.json()["message"]
        assert reply.headers["x-amzn-query-error"] == f"{code};Sender"
    else:
        message = reply.xml().findtext("{*}Error/{*}Message")
    assert (status, code, message) == expected
