"""Firehose error codes and the sentences AWS writes with them (AWS_FACTS §3).

Firehose names the stream and the account in its not-found and in-use
messages ("Firehose orders under account 123456789012 not found."), so they
are built here, once. Wording seen in real responses is used where known
("Slow down.", "Records size exceeds 4 MB limit", "This operation is not
permitted on KinesisStreamAsSource delivery stream type."); the rest follows
the same pattern and is listed as unconfirmed in the report that introduced it.

ServiceUnavailableException is a server fault (503): it is how Firehose says
a stream is over its throughput limits, and SDKs retry it on their own.
"""

from __future__ import annotations

from backend.errors import AwsError, ErrorCode

ResourceNotFoundException = ErrorCode("ResourceNotFoundException")
ResourceInUseException = ErrorCode("ResourceInUseException")
InvalidArgumentException = ErrorCode("InvalidArgumentException")
LimitExceededException = ErrorCode("LimitExceededException")
ConcurrentModificationException = ErrorCode("ConcurrentModificationException")
ServiceUnavailableException = ErrorCode("ServiceUnavailableException", 503, sender_fault=False)

#: What a throttled request, and each throttled record of a batch, says.
SLOW_DOWN = "Slow down."
#: What a direct put to a stream that reads a Kinesis stream says.
NOT_DIRECT_PUT = "This operation is not permitted on KinesisStreamAsSource delivery stream type."


def stream_not_found(name: str, account: str) -> AwsError:
    return ResourceNotFoundException(f"Firehose {name} under account {account} not found.")


def stream_in_use(name: str, account: str) -> AwsError:
    return ResourceInUseException(f"Firehose {name} under accountId {account} already exists")


def stream_not_active(name: str, account: str, status: str) -> AwsError:
    return ResourceInUseException(
        f"Firehose {name} under account {account} is not ACTIVE, instead in state {status}."
    )


def bad_prefix(rule: str) -> AwsError:
    """A prefix that breaks one of the rules of custom S3 prefixes."""
    return InvalidArgumentException(
        f"The supplied prefix(es) do not satisfy the following constraint: {rule}"
    )
