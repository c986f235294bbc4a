"""AWS errors: the one exception every service raises and every face renders.

An error carries what each AWS protocol needs to say it: the shape name (JSON
`__type`), the legacy code of query-compatible services (`x-amzn-query-error`
and the query protocol's `<Code>`), the HTTP status, who was at fault, and
the other members of the error's shape where it has some (`body`).
Services declare their codes once as `ErrorCode` constants and raise
`Code("message")`, so a code's status can never drift between call sites.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Longest message an error carries. AWS messages quote the value they refuse,
#: and a value can be megabytes: the error must not be.
MAX_MESSAGE = 1024


class AwsError(Exception):
    """An error as AWS reports it; raised by services, rendered by the faces."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int = 400,
        sender_fault: bool = True,
        legacy_code: str | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> None:
        if len(message) > MAX_MESSAGE:
            message = f"{message[:MAX_MESSAGE]}… ({len(message) - MAX_MESSAGE:,} more characters)"
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.sender_fault = sender_fault
        self.legacy_code = legacy_code or code
        #: The error shape's members beyond its message, which the JSON protocols
        #: write into the error body (MalformedQueryException's `queryCompileError`).
        self.body: Mapping[str, Any] = body or {}


@dataclass(frozen=True, slots=True)
class ErrorCode:
    """One AWS error code with its fixed status and legacy code."""

    code: str
    status: int = 400
    legacy_code: str | None = None
    sender_fault: bool = True

    def __call__(self, message: str) -> AwsError:
        return self.with_body(message, {})

    def with_body(self, message: str, body: Mapping[str, Any]) -> AwsError:
        """The error carrying its shape's other members (see `AwsError.body`)."""
        return AwsError(
            self.code,
            message,
            status=self.status,
            sender_fault=self.sender_fault,
            legacy_code=self.legacy_code,
            body=body,
        )


# Codes common to every service (AWS "common errors").
InternalFailure = ErrorCode("InternalFailure", 500, sender_fault=False)
InvalidAction = ErrorCode("InvalidAction", 400)
InvalidParameterValue = ErrorCode("InvalidParameterValue", 400)
MissingParameter = ErrorCode("MissingParameter", 400)
ValidationException = ErrorCode("ValidationException", 400)
UnknownOperationException = ErrorCode("UnknownOperationException", 400)
SerializationException = ErrorCode("SerializationException", 400)
