"""Server-side encryption: StartDeliveryStreamEncryption, StopDeliveryStreamEncryption.

Only the bookkeeping AWS shows is simulated: KeyType, KeyARN and the status,
ENABLING (or DISABLING) for a few seconds and then ENABLED (DISABLED), and
`Encrypted: true` in put responses while it is ENABLED. No KMS key is
consulted, so InvalidKMSResourceException never occurs. As AWS documents, a
stream that reads a Kinesis stream takes its encryption from there and
refuses both actions; AWS_OWNED_CMK takes no KeyARN and CUSTOMER_MANAGED_CMK
needs one.
"""

from __future__ import annotations

from typing import Any

from backend.kit.validation import Checks
from backend.service import Params, Request, Response, action
from backend.services.firehose.base import FirehoseBase
from backend.services.firehose.delivery_stream import DeliveryStream
from backend.services.firehose.errors import InvalidArgumentException, stream_not_active
from backend.services.firehose.limits import KEY_TYPES, SSE_KEY_ARN_PATTERN, TRANSITION

INPUT = "DeliveryStreamEncryptionConfigurationInput"


def read_encryption(checks: Checks) -> dict[str, Any] | None:
    """The request's DeliveryStreamEncryptionConfigurationInput, checked, or None."""
    if checks.structure(INPUT) is None:
        return None
    nested = checks.nested(INPUT)
    key_type = nested.string("KeyType", required=True, enum=KEY_TYPES)
    key_arn = nested.string("KeyARN", min_len=1, max_len=512, pattern=SSE_KEY_ARN_PATTERN)
    out: dict[str, Any] = {"KeyType": key_type}
    if key_arn is not None:
        out["KeyARN"] = key_arn
    return out


def check_encryption(wanted: dict[str, Any]) -> None:
    if wanted["KeyType"] == "CUSTOMER_MANAGED_CMK" and "KeyARN" not in wanted:
        raise InvalidArgumentException("KeyARN is required when KeyType is CUSTOMER_MANAGED_CMK.")
    if wanted["KeyType"] == "AWS_OWNED_CMK" and "KeyARN" in wanted:
        raise InvalidArgumentException(
            "KeyARN must not be specified when KeyType is AWS_OWNED_CMK."
        )


def not_for_kinesis_source(name: str) -> Exception:
    return InvalidArgumentException(
        f"Firehose {name} reads a Kinesis data stream: server-side encryption is not available "
        "for the KinesisStreamAsSource delivery stream type."
    )


class EncryptionActions(FirehoseBase):
    """Turning server-side encryption on and off."""

    @action("StartDeliveryStreamEncryption")
    def start_delivery_stream_encryption(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        name = self._name(checks)
        wanted = read_encryption(checks) or {"KeyType": "AWS_OWNED_CMK"}
        checks.done()
        assert name is not None
        stream = self._changeable(name, request)
        check_encryption(wanted)
        current = stream.encryption
        if (
            current is not None
            and current["Status"] in ("ENABLED", "ENABLING")
            and {k: v for k, v in current.items() if k != "Status"} == wanted
        ):
            return {}
        stream.encryption = {**wanted, "Status": "ENABLING"}
        self.cloud.clock.call_later(TRANSITION, self._settle_encryption, stream, "ENABLED")
        return {}

    @action("StopDeliveryStreamEncryption")
    def stop_delivery_stream_encryption(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        name = self._name(checks)
        checks.done()
        assert name is not None
        stream = self._changeable(name, request)
        current = stream.encryption
        if current is None or current["Status"] in ("DISABLED", "DISABLING"):
            return {}
        stream.encryption = {**current, "Status": "DISABLING"}
        self.cloud.clock.call_later(TRANSITION, self._settle_encryption, stream, "DISABLED")
        return {}

    def _changeable(self, name: str, request: Request) -> DeliveryStream:
        stream = self._find(name, request)
        if stream.type == "KinesisStreamAsSource":
            raise not_for_kinesis_source(name)
        if stream.status != "ACTIVE":
            raise stream_not_active(name, self.cloud.account, stream.status)
        return stream

    def _settle_encryption(self, stream: DeliveryStream, status: str) -> None:
        encryption = stream.encryption
        pending = "ENABLING" if status == "ENABLED" else "DISABLING"
        if encryption is None or encryption["Status"] != pending:
            return
        if status == "DISABLED":
            stream.encryption = {"Status": "DISABLED"}
        else:
            encryption["Status"] = status
