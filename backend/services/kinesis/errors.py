"""Kinesis error codes and the sentences AWS writes with them (AWS_FACTS §2).

Kinesis names the stream and the account in most of its messages ("Stream
clicks under account 123456789012 not found."), so the messages are built
here, once, and every handler raises the same words. Wording seen in real
responses is used where known; the rest follows the same pattern.
"""

from __future__ import annotations

from backend.errors import AwsError, ErrorCode, ValidationException

ResourceNotFoundException = ErrorCode("ResourceNotFoundException")
ResourceInUseException = ErrorCode("ResourceInUseException")
InvalidArgumentException = ErrorCode("InvalidArgumentException")
LimitExceededException = ErrorCode("LimitExceededException")
ProvisionedThroughputExceededException = ErrorCode("ProvisionedThroughputExceededException")
ExpiredIteratorException = ErrorCode("ExpiredIteratorException")
ExpiredNextTokenException = ErrorCode("ExpiredNextTokenException")
DryRunOperationException = ErrorCode("DryRunOperationException")

__all__ = [
    "DryRunOperationException",
    "ExpiredIteratorException",
    "ExpiredNextTokenException",
    "InvalidArgumentException",
    "LimitExceededException",
    "ProvisionedThroughputExceededException",
    "ResourceInUseException",
    "ResourceNotFoundException",
    "ValidationException",
    "rate_exceeded",
    "read_throttled",
    "shard_not_found",
    "stream_in_use",
    "stream_not_active",
    "stream_not_found",
]


def stream_not_found(name: str, account: str) -> AwsError:
    return ResourceNotFoundException(f"Stream {name} under account {account} not found.")


def stream_in_use(name: str, account: str) -> AwsError:
    return ResourceInUseException(f"Stream {name} under account {account} already exists.")


def stream_not_active(name: str, account: str, status: str) -> AwsError:
    return ResourceInUseException(
        f"Stream {name} under account {account} not ACTIVE, instead in state {status}"
    )


def shard_not_found(shard_id: str, stream: str, account: str) -> AwsError:
    return ResourceNotFoundException(
        f"Shard {shard_id} in stream {stream} under account {account} does not exist"
    )


def rate_exceeded(shard_id: str, stream: str, account: str) -> str:
    """A shard's throttled write or GetShardIterator (and a PutRecords entry's ErrorMessage)."""
    return f"Rate exceeded for shard {shard_id} in stream {stream} under account {account}."


def read_throttled(shard_id: str, stream: str, account: str) -> AwsError:
    return ProvisionedThroughputExceededException(
        f"Rate exceeded for Shard - {account}/{stream}/{shard_id}"
    )
