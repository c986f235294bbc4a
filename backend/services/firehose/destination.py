"""The S3 destination: how a stream's configuration is read, merged and described.

CreateDeliveryStream takes ExtendedS3DestinationConfiguration or the older
S3DestinationConfiguration (deprecated, still accepted); UpdateDestination
merges ExtendedS3DestinationUpdate or S3DestinationUpdate into what is there,
keeping every member the update leaves out, as AWS documents. Describe answers
both descriptions for the one destination, as AWS does.

What this simulation writes: the records concatenated, as they are or GZIP'd
(`.gz`). ZIP, Snappy and HADOOP_SNAPPY, Lambda processing, format conversion,
dynamic partitioning and S3 backup would write something other than what was
asked for, so a request for them is refused with InvalidArgumentException
naming what is not simulated, rather than accepted and quietly ignored.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from backend.kit.validation import Checks
from backend.services.firehose import limits
from backend.services.firehose.errors import InvalidArgumentException
from backend.services.firehose.prefixes import Template, check_pair, compile_prefix

#: Compressions this simulation writes, and the extension each gives an object.
WRITTEN = {"UNCOMPRESSED": "", "GZIP": ".gz"}
#: Extended members that, when enabled, ask for something not simulated.
_NOT_SIMULATED = {
    "ProcessingConfiguration": "Lambda data transformation (ProcessingConfiguration)",
    "DataFormatConversionConfiguration": "Record format conversion",
    "DynamicPartitioningConfiguration": "Dynamic partitioning",
}
_NO_ENCRYPTION: dict[str, Any] = {"NoEncryptionConfig": "NoEncryption"}
_NO_LOGGING: dict[str, Any] = {"Enabled": False}


@dataclass(frozen=True)
class S3Destination:
    """An S3 destination's settings, with its prefixes compiled and its time zone found."""

    role_arn: str
    bucket_arn: str
    prefix: Template = field(default_factory=lambda: compile_prefix(""))
    error_prefix: Template | None = None
    size_mb: int = limits.DEFAULT_SIZE_MB
    interval: int = limits.DEFAULT_INTERVAL
    compression: str = "UNCOMPRESSED"
    encryption: dict[str, Any] = field(default_factory=lambda: dict(_NO_ENCRYPTION))
    logging: dict[str, Any] = field(default_factory=lambda: dict(_NO_LOGGING))
    file_extension: str | None = None
    time_zone: str | None = None
    #: Extended members given disabled, echoed back by Describe as they were sent.
    echoed: dict[str, Any] = field(default_factory=dict)

    @property
    def bucket(self) -> str:
        return self.bucket_arn.split(":::", 1)[1]

    @property
    def size_bytes(self) -> int:
        return self.size_mb * limits.MIB

    @property
    def extension(self) -> str:
        return self.file_extension if self.file_extension is not None else WRITTEN[self.compression]

    @property
    def zone(self) -> tzinfo:
        return UTC if not self.time_zone else ZoneInfo(self.time_zone)

    def describe(self, *, extended: bool) -> dict[str, Any]:
        """S3DestinationDescription, or ExtendedS3DestinationDescription when `extended`."""
        out: dict[str, Any] = {
            "RoleARN": self.role_arn,
            "BucketARN": self.bucket_arn,
            "Prefix": self.prefix.text,
        }
        if self.error_prefix is not None:
            out["ErrorOutputPrefix"] = self.error_prefix.text
        out["BufferingHints"] = {"SizeInMBs": self.size_mb, "IntervalInSeconds": self.interval}
        out["CompressionFormat"] = self.compression
        out["EncryptionConfiguration"] = dict(self.encryption)
        out["CloudWatchLoggingOptions"] = dict(self.logging)
        if extended:
            out["S3BackupMode"] = "Disabled"
            out.update(self.echoed)
            if self.file_extension is not None:
                out["FileExtension"] = self.file_extension
            if self.time_zone is not None:
                out["CustomTimeZone"] = self.time_zone
        return out


def read(checks: Checks, name: str, *, extended: bool, creating: bool) -> dict[str, Any] | None:
    """The members of destination `name` the request gives, model constraints checked.

    An update (not `creating`) requires nothing. Returns the given members by
    AWS name, or None when the request has no such destination.
    """
    if checks.structure(name) is None:
        return None
    nested = checks.nested(name)
    out: dict[str, Any] = {}
    out["RoleARN"] = nested.string(
        "RoleARN", required=creating, min_len=1, max_len=512, pattern=limits.ROLE_ARN_PATTERN
    )
    out["BucketARN"] = nested.string(
        "BucketARN", required=creating, min_len=1, max_len=2048, pattern=limits.BUCKET_ARN_PATTERN
    )
    out["Prefix"] = nested.string("Prefix", max_len=1024)
    out["ErrorOutputPrefix"] = nested.string("ErrorOutputPrefix", max_len=1024)
    if nested.structure("BufferingHints") is not None:
        hints = nested.nested("BufferingHints")
        out["SizeInMBs"] = hints.integer(
            "SizeInMBs", low=limits.MIN_SIZE_MB, high=limits.MAX_SIZE_MB
        )
        out["IntervalInSeconds"] = hints.integer(
            "IntervalInSeconds", low=limits.MIN_INTERVAL, high=limits.MAX_INTERVAL
        )
        out["BufferingHints"] = hints.params
    out["CompressionFormat"] = nested.string("CompressionFormat", enum=limits.COMPRESSION_FORMATS)
    if nested.structure("EncryptionConfiguration") is not None:
        encryption = nested.nested("EncryptionConfiguration")
        encryption.string("NoEncryptionConfig", enum=("NoEncryption",))
        if encryption.structure("KMSEncryptionConfig") is not None:
            encryption.nested("KMSEncryptionConfig").string(
                "AWSKMSKeyARN",
                required=True,
                min_len=1,
                max_len=512,
                pattern=limits.KMS_KEY_ARN_PATTERN,
            )
        out["EncryptionConfiguration"] = encryption.params
    if nested.structure("CloudWatchLoggingOptions") is not None:
        logging = nested.nested("CloudWatchLoggingOptions")
        logging.boolean("Enabled")
        logging.string("LogGroupName", max_len=512)
        logging.string("LogStreamName", max_len=512)
        out["CloudWatchLoggingOptions"] = logging.params
    if extended:
        out["S3BackupMode"] = nested.string("S3BackupMode", enum=("Disabled", "Enabled"))
        out["FileExtension"] = nested.string(
            "FileExtension", max_len=128, pattern=limits.FILE_EXTENSION_PATTERN
        )
        out["CustomTimeZone"] = nested.string(
            "CustomTimeZone", max_len=50, pattern=limits.TIME_ZONE_PATTERN
        )
        for member in _NOT_SIMULATED:
            out[member] = nested.structure(member)
    return {k: v for k, v in out.items() if v is not None}


def build(given: dict[str, Any], current: S3Destination | None = None) -> S3Destination:
    """A destination from the checked members of `read`, over `current` for an update.

    Raises InvalidArgumentException for what AWS refuses beyond the model
    (one buffering hint without the other, prefix rules, an unknown time zone)
    and for what this simulation does not write.
    """
    hints = given.get("BufferingHints")
    if hints is not None and (("SizeInMBs" in hints) != ("IntervalInSeconds" in hints)):
        raise InvalidArgumentException(
            "BufferingHints must specify both SizeInMBs and IntervalInSeconds, or neither."
        )
    compression = given.get("CompressionFormat")
    if compression is not None and compression not in WRITTEN:
        raise InvalidArgumentException(
            f"CompressionFormat {compression} is not simulated: use UNCOMPRESSED or GZIP."
        )
    if given.get("S3BackupMode") == "Enabled":
        raise InvalidArgumentException("S3BackupMode Enabled (S3 backup) is not simulated.")
    echoed = dict(current.echoed) if current is not None else {}
    for member, what in _NOT_SIMULATED.items():
        config = given.get(member)
        if config is None:
            continue
        if config.get("Enabled") is True:
            raise InvalidArgumentException(f"{what} is not simulated.")
        echoed[member] = config
    zone = given.get("CustomTimeZone")
    if zone:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidArgumentException(
                f"CustomTimeZone {zone} is not a supported time zone."
            ) from None
    changes: dict[str, Any] = {"echoed": echoed}
    simple = {
        "RoleARN": "role_arn",
        "BucketARN": "bucket_arn",
        "SizeInMBs": "size_mb",
        "IntervalInSeconds": "interval",
        "CompressionFormat": "compression",
        "EncryptionConfiguration": "encryption",
        "CloudWatchLoggingOptions": "logging",
        "FileExtension": "file_extension",
        "CustomTimeZone": "time_zone",
    }
    for member, attribute in simple.items():
        if member in given:
            changes[attribute] = given[member]
    if "Prefix" in given:
        changes["prefix"] = compile_prefix(given["Prefix"])
    if "ErrorOutputPrefix" in given:
        changes["error_prefix"] = compile_prefix(given["ErrorOutputPrefix"], error_output=True)
    made = S3Destination(**changes) if current is None else dataclasses.replace(current, **changes)
    check_pair(made.prefix, made.error_prefix)
    return made
