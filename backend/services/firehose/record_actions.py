"""The data plane: PutRecord and PutRecordBatch (direct puts).

PutRecordBatch is the hot path (a producer sends 500 records a call), so its
records are checked in one cheap pass, and only a request with something
wrong in it goes through the full check, which words every problem as AWS
does. Then the request as a whole must fit 4 MiB and the stream's request
rate, and each record is admitted against the stream's records and bytes per
second on its own: a throttled record gets ErrorCode
ServiceUnavailableException and "Slow down.", the others go into the buffer,
and FailedPutCount counts the refused, which the producer sends again.

Only an ACTIVE DirectPut stream takes puts: one still CREATING, or DELETING,
is not found; one that reads a Kinesis stream refuses as AWS words it.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from backend.kit.validation import Checks
from backend.service import Params, Request, Response, action
from backend.services.firehose.base import THROTTLE_QUIET, FirehoseBase
from backend.services.firehose.delivery_stream import DeliveryStream
from backend.services.firehose.errors import (
    NOT_DIRECT_PUT,
    SLOW_DOWN,
    InvalidArgumentException,
    ServiceUnavailableException,
    stream_not_found,
)
from backend.services.firehose.limits import (
    MAX_BATCH_BYTES,
    MAX_BATCH_RECORDS,
    MAX_RECORD,
    NAME_PATTERN,
)

_NAME = re.compile(NAME_PATTERN, re.ASCII)
#: Random bytes per RecordId: 126 bytes are 168 base64 characters, with no padding.
_ID_BYTES = 126
_ID_CHARS = 168
_THROTTLED = {"ErrorCode": "ServiceUnavailableException", "ErrorMessage": SLOW_DOWN}


class RecordActions(FirehoseBase):
    """Putting records into a stream's buffer."""

    def _record_ids(self, count: int) -> list[str]:
        """`count` opaque RecordIds, as long as AWS's, drawn from the seeded stream."""
        blob = base64.b64encode(self.record_ids.randbytes(_ID_BYTES * count)).decode()
        return [blob[i : i + _ID_CHARS] for i in range(0, _ID_CHARS * count, _ID_CHARS)]

    def _direct_put_stream(self, name: str, request: Request) -> DeliveryStream:
        stream = self._find(name, request)
        if stream.type != "DirectPut":
            raise InvalidArgumentException(NOT_DIRECT_PUT)
        if stream.status != "ACTIVE":
            raise stream_not_found(name, self.cloud.account)
        return stream

    def _throttled(self, stream: DeliveryStream, now: float, count: int) -> None:
        stream.counters.throttled += count
        stream.metrics.throttled_records.add(now, count)
        last = self._throttled_at.get(stream)
        self._throttled_at[stream] = now
        if last is None or now - last > THROTTLE_QUIET:
            self._publish(
                "ThrottlingBegan",
                f"{stream.name}: puts throttled (over the stream's direct-put records, bytes or "
                "requests per second)",
                stream.arn,
                "warning",
            )

    @action("PutRecord", data_event=True)
    def put_record(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        name = self._name(checks)
        checks.structure("Record", required=True)
        data = None
        if params.get("Record") is not None:
            data = checks.nested("Record").blob("Data", required=True, max_len=MAX_RECORD)
        checks.done()
        assert name is not None and data is not None
        stream = self._direct_put_stream(name, request)
        now = self._now()
        quota = stream.quota
        if not quota.requests.take(now) or not quota.admit(now, [data])[0]:
            self._throttled(stream, now, 1)
            raise ServiceUnavailableException(SLOW_DOWN)
        stream.courier.add([data], now)
        self.freshness.start()
        size = len(data)
        metrics, counters = stream.metrics, stream.counters
        counters.records_in += 1
        counters.bytes_in += size
        metrics.incoming_records.add(now, 1)
        metrics.incoming_bytes.add(now, size)
        metrics.incoming_requests.add(now, 1)
        metrics.put_bytes.add(now, size)
        metrics.put_requests.add(now, 1)
        return {"RecordId": self._record_ids(1)[0], "Encrypted": stream.encrypted}

    @action("PutRecordBatch", data_event=True)
    def put_record_batch(self, params: Params, request: Request) -> Response:
        name = params.get("DeliveryStreamName")
        entries = params.get("Records")
        datas = _cheap_pass(name, entries)
        if datas is None:
            _full_check(params)
        assert isinstance(name, str) and datas is not None
        stream = self._direct_put_stream(name, request)
        if sum(len(d) for d in datas) > MAX_BATCH_BYTES:
            raise InvalidArgumentException("Records size exceeds 4 MB limit")
        now = self._now()
        quota = stream.quota
        if not quota.requests.take(now):
            self._throttled(stream, now, len(datas))
            raise ServiceUnavailableException(SLOW_DOWN)
        admitted = quota.admit(now, datas)
        ids = self._record_ids(len(datas))
        if all(admitted):
            accepted = datas
            results: list[dict[str, Any]] = [{"RecordId": record_id} for record_id in ids]
        else:
            accepted = [data for data, ok in zip(datas, admitted, strict=True) if ok]
            results = [
                {"RecordId": record_id} if ok else dict(_THROTTLED)
                for record_id, ok in zip(ids, admitted, strict=True)
            ]
        stream.courier.add(accepted, now)
        written = len(accepted)
        written_bytes = sum(len(data) for data in accepted)
        failed = len(datas) - written
        metrics, counters = stream.metrics, stream.counters
        if written:
            self.freshness.start()
            counters.records_in += written
            counters.bytes_in += written_bytes
            metrics.incoming_records.add(now, written)
            metrics.incoming_bytes.add(now, written_bytes)
            metrics.batch_records.add(now, written)
            metrics.batch_bytes.add(now, written_bytes)
        metrics.incoming_requests.add(now, 1)
        metrics.batch_requests.add(now, 1)
        if failed:
            self._throttled(stream, now, failed)
        return {
            "FailedPutCount": failed,
            "Encrypted": stream.encrypted,
            "RequestResponses": results,
        }


def _cheap_pass(name: object, entries: object) -> list[bytes] | None:
    """The records' data when nothing in the request can be wrong; None to check it fully."""
    if not (isinstance(name, str) and 0 < len(name) <= 64 and _NAME.fullmatch(name)):
        return None
    if not isinstance(entries, list) or not 0 < len(entries) <= MAX_BATCH_RECORDS:
        return None
    datas: list[bytes] = []
    for entry in entries:
        data = entry.get("Data") if type(entry) is dict else None
        if type(data) is not bytes or len(data) > MAX_RECORD:
            return None
        datas.append(data)
    return datas


def _full_check(params: Params) -> None:
    """Every problem of a PutRecordBatch request, raised as AWS words it."""
    checks = Checks(params)
    checks.string("DeliveryStreamName", required=True, min_len=1, max_len=64, pattern=NAME_PATTERN)
    entries = checks.structures("Records", required=True, min_items=1, max_items=MAX_BATCH_RECORDS)
    for i, entry in enumerate(entries or []):
        checks.item("Records", i, entry).blob("Data", required=True, max_len=MAX_RECORD)
    checks.done()
    raise AssertionError("a request the cheap pass refused passed the full check")
