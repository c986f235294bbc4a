"""Firehose's fixed limits and a stream's direct-put quota (AWS_FACTS §3).

A delivery stream takes direct puts up to three rates at once: requests,
records and bytes per second, over PutRecord and PutRecordBatch together
(2,000 / 5,000 / 5 MiB in us-east-1, us-west-2 and eu-west-1; 1,000 / 1,000 /
1 MiB elsewhere). Each is a token bucket on the virtual clock holding one
second's worth, so a burst up to the limit passes and a steady excess is
refused. A request is let in or refused as a whole; within a batch each record
is admitted on its own, which is how a PutRecordBatch half succeeds.
"""

from __future__ import annotations

from backend.kit.token_bucket import TokenBucket

NAME_PATTERN = "[a-zA-Z0-9_.-]+"
ROLE_ARN_PATTERN = "arn:.*:iam::\\d{12}:role/[a-zA-Z_0-9+=,.@\\-_/]+"
BUCKET_ARN_PATTERN = "arn:.*:s3:::[\\w\\.\\-]{1,255}"
KINESIS_ARN_PATTERN = "arn:.*:kinesis:[a-zA-Z0-9\\-]+:\\d{12}:stream/[a-zA-Z0-9_.-]+"
KMS_KEY_ARN_PATTERN = "arn:.*:kms:[a-zA-Z0-9\\-]+:\\d{12}:(key|alias)/[a-zA-Z_0-9+=,.@\\-_/]+"
SSE_KEY_ARN_PATTERN = "arn:.*:kms:[a-zA-Z0-9\\-]+:\\d{12}:key/[a-zA-Z_0-9+=,.@\\-_/]+"
VERSION_PATTERN = "[0-9]+"
DESTINATION_ID_PATTERN = "[a-zA-Z0-9-]+"
FILE_EXTENSION_PATTERN = "^$|\\.[0-9a-z!\\-_.*'()]+"
TIME_ZONE_PATTERN = "^$|[a-zA-Z/_]+"

STREAM_TYPES = ("DirectPut", "KinesisStreamAsSource", "MSKAsSource", "DatabaseAsSource")
COMPRESSION_FORMATS = ("UNCOMPRESSED", "GZIP", "ZIP", "Snappy", "HADOOP_SNAPPY")
KEY_TYPES = ("AWS_OWNED_CMK", "CUSTOMER_MANAGED_CMK")

#: Largest record, before base64: 1,000 KiB.
MAX_RECORD = 1_024_000
MAX_BATCH_RECORDS = 500
#: Largest PutRecordBatch, summing its records' data: 4 MiB, fixed.
MAX_BATCH_BYTES = 4 * 1024 * 1024
MAX_TAGS = 50
#: Firehose streams an account may have per region.
MAX_STREAMS = 5_000
#: ListDeliveryStreams' page when the request gives no Limit.
DEFAULT_LIST_LIMIT = 10

DEFAULT_SIZE_MB = 5
DEFAULT_INTERVAL = 300
MIN_SIZE_MB, MAX_SIZE_MB = 1, 128
MIN_INTERVAL, MAX_INTERVAL = 0, 900
MIB = 1024 * 1024

#: The one destination a stream has, as AWS numbers it.
DESTINATION_ID = "destinationId-000000000001"
#: Seconds a new stream spends CREATING, a deleted one DELETING, and an
#: encryption change ENABLING or DISABLING.
TRANSITION = 5.0
#: Seconds between attempts to deliver to a destination that refuses: AWS retries S3 every 5 s.
RETRY_INTERVAL = 5.0
#: How long undelivered data is kept and retried before it is dropped.
RETENTION = 86_400.0

BIG_REGIONS = frozenset({"us-east-1", "us-west-2", "eu-west-1"})


class DirectPutQuota:
    """A stream's requests, records and bytes per second for PutRecord and PutRecordBatch."""

    __slots__ = ("bytes", "records", "requests")

    def __init__(self, region: str, now: float) -> None:
        big = region in BIG_REGIONS
        self.requests = TokenBucket(2_000.0 if big else 1_000.0, now=now)
        self.records = TokenBucket(5_000.0 if big else 1_000.0, now=now)
        self.bytes = TokenBucket(5.0 * MIB if big else 1.0 * MIB, now=now)

    def admit(self, now: float, records: list[bytes]) -> list[bool]:
        """Which of `records`, in order, fit the records and bytes left this second.

        Each record is judged on its own, so a small one may pass after a big
        one was refused; what the admitted ones use is then taken at once.
        """
        records_left = self.records.available(now)
        bytes_left = self.bytes.available(now)
        admitted: list[bool] = []
        taken = taken_bytes = 0
        for data in records:
            size = len(data)
            fits = taken + 1 <= records_left and taken_bytes + size <= bytes_left
            if fits:
                taken += 1
                taken_bytes += size
            admitted.append(fits)
        self.records.spend(now, taken)
        self.bytes.spend(now, taken_bytes)
        return admitted
