"""Stream lifecycle: Create, Delete, Describe, List, and UpdateDestination.

A stream has one destination, Amazon S3, given as ExtendedS3DestinationConfiguration
or the deprecated S3DestinationConfiguration; its source is direct puts
(DirectPut) or a Kinesis data stream (KinesisStreamAsSource), which must exist
when the stream is created. VersionId starts at 1 and goes up by one with
each UpdateDestination, which must quote the current one. An update applies
to data that arrives after it: what is buffered is flushed first, under the
configuration and version it arrived with.
"""

from __future__ import annotations

from typing import Any

from backend.errors import AwsError
from backend.kit.validation import Checks
from backend.service import Params, Request, Response, action
from backend.services.firehose import destination
from backend.services.firehose.base import FirehoseBase
from backend.services.firehose.courier import FIREHOSE
from backend.services.firehose.delivery_stream import DeliveryStream, KinesisSource
from backend.services.firehose.encryption_actions import (
    check_encryption,
    not_for_kinesis_source,
    read_encryption,
)
from backend.services.firehose.errors import (
    ConcurrentModificationException,
    InvalidArgumentException,
    LimitExceededException,
    ResourceInUseException,
    stream_in_use,
    stream_not_active,
)
from backend.services.firehose.kinesis_source import KinesisReader
from backend.services.firehose.limits import (
    DEFAULT_LIST_LIMIT,
    DESTINATION_ID,
    DESTINATION_ID_PATTERN,
    KINESIS_ARN_PATTERN,
    MAX_STREAMS,
    NAME_PATTERN,
    ROLE_ARN_PATTERN,
    STREAM_TYPES,
    TRANSITION,
    VERSION_PATTERN,
)
from backend.services.firehose.tag_actions import read_tags

#: Destinations AWS offers that this simulation does not deliver to.
OTHER_DESTINATIONS = (
    "RedshiftDestinationConfiguration",
    "ElasticsearchDestinationConfiguration",
    "AmazonopensearchserviceDestinationConfiguration",
    "SplunkDestinationConfiguration",
    "HttpEndpointDestinationConfiguration",
    "AmazonOpenSearchServerlessDestinationConfiguration",
    "SnowflakeDestinationConfiguration",
    "IcebergDestinationConfiguration",
)
OTHER_UPDATES = tuple(name.replace("Configuration", "Update") for name in OTHER_DESTINATIONS)
OTHER_SOURCES = ("MSKSourceConfiguration", "DatabaseSourceConfiguration")
ONE_DESTINATION = "Exactly one destination configuration is supported for a Firehose"


def description(stream: DeliveryStream, limit: int, after: str | None) -> dict[str, Any]:
    """DeliveryStreamDescription: the one destination described both ways, as AWS does."""
    out: dict[str, Any] = {
        "DeliveryStreamName": stream.name,
        "DeliveryStreamARN": stream.arn,
        "DeliveryStreamStatus": stream.status,
        "DeliveryStreamEncryptionConfiguration": dict(stream.encryption or {"Status": "DISABLED"}),
        "DeliveryStreamType": stream.type,
        "VersionId": str(stream.version),
        "CreateTimestamp": stream.created,
    }
    if stream.updated is not None:
        out["LastUpdateTimestamp"] = stream.updated
    if stream.source is not None:
        source: dict[str, Any] = {
            "KinesisStreamARN": stream.source.stream_arn,
            "RoleARN": stream.source.role_arn,
        }
        if stream.source.started is not None:
            source["DeliveryStartTimestamp"] = stream.source.started
        out["Source"] = {"KinesisStreamSourceDescription": source}
    elif stream.throughput_hint is not None:
        out["Source"] = {
            "DirectPutSourceDescription": {"ThroughputHintInMBs": stream.throughput_hint}
        }
    shown = after is None or after < DESTINATION_ID
    out["Destinations"] = (
        [
            {
                "DestinationId": DESTINATION_ID,
                "S3DestinationDescription": stream.destination.describe(extended=False),
                "ExtendedS3DestinationDescription": stream.destination.describe(extended=True),
            }
        ]
        if shown and limit >= 1
        else []
    )
    out["HasMoreDestinations"] = False
    return out


class StreamActions(FirehoseBase):
    """Creating, describing, listing, updating and deleting delivery streams."""

    @action("CreateDeliveryStream")
    async def create_delivery_stream(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        name = self._name(checks)
        stream_type = checks.string("DeliveryStreamType", enum=STREAM_TYPES)
        hint = None
        if checks.structure("DirectPutSourceConfiguration") is not None:
            hint = checks.nested("DirectPutSourceConfiguration").integer(
                "ThroughputHintInMBs", required=True, low=1, high=100
            )
        source = self._read_source(checks)
        encryption = read_encryption(checks)
        extended = destination.read(
            checks, "ExtendedS3DestinationConfiguration", extended=True, creating=True
        )
        plain = destination.read(
            checks, "S3DestinationConfiguration", extended=False, creating=True
        )
        others = [
            m for m in (*OTHER_DESTINATIONS, *OTHER_SOURCES) if checks.structure(m) is not None
        ]
        tags = read_tags(checks, "Tags", required=False) or {}
        checks.done()
        assert name is not None
        stream_type = stream_type or "DirectPut"
        if stream_type in ("MSKAsSource", "DatabaseAsSource"):
            raise InvalidArgumentException(
                f"DeliveryStreamType {stream_type} is not simulated: use DirectPut or "
                "KinesisStreamAsSource."
            )
        if others:
            raise InvalidArgumentException(
                f"{others[0]} is not simulated: only Amazon S3 destinations are "
                "(ExtendedS3DestinationConfiguration, S3DestinationConfiguration)."
            )
        given = extended if extended is not None else plain
        if given is None or (extended is not None and plain is not None):
            raise InvalidArgumentException(ONE_DESTINATION)
        self._check_source(stream_type, source, hint, encryption, name)
        built = destination.build(given)
        if source is not None:
            await self._check_source_stream(source, request)
        account, region = self.cloud.account, request.region
        if (region, name) in self.streams:
            raise stream_in_use(name, account)
        if len(self.stream_list(region)) >= MAX_STREAMS:
            raise LimitExceededException(
                f"You have already consumed your firehose quota of {MAX_STREAMS} hoses."
            )
        if encryption is not None:
            encryption = {**encryption, "Status": "ENABLING"}
        stream = DeliveryStream(
            name=name,
            region=region,
            account=account,
            stream_type=stream_type,
            destination=built,
            source=source,
            throughput_hint=hint,
            encryption=encryption,
            tags=tags,
            cloud=self.cloud,
            rng=self.object_ids,
        )
        self.streams[(region, name)] = stream
        self.cloud.clock.call_later(TRANSITION, self._activate, stream)
        return {"DeliveryStreamARN": stream.arn}

    def _read_source(self, checks: Checks) -> KinesisSource | None:
        if checks.structure("KinesisStreamSourceConfiguration") is None:
            return None
        nested = checks.nested("KinesisStreamSourceConfiguration")
        arn = nested.string(
            "KinesisStreamARN", required=True, min_len=1, max_len=512, pattern=KINESIS_ARN_PATTERN
        )
        role = nested.string(
            "RoleARN", required=True, min_len=1, max_len=512, pattern=ROLE_ARN_PATTERN
        )
        return None if arn is None or role is None else KinesisSource(arn, role)

    def _check_source(
        self,
        stream_type: str,
        source: KinesisSource | None,
        hint: int | None,
        encryption: dict[str, Any] | None,
        name: str,
    ) -> None:
        if stream_type == "KinesisStreamAsSource":
            if source is None:
                raise InvalidArgumentException(
                    "KinesisStreamSourceConfiguration is required for the KinesisStreamAsSource "
                    "stream type."
                )
            if hint is not None:
                raise InvalidArgumentException(
                    "DirectPutSourceConfiguration is only applicable for DirectPut stream type"
                )
            if encryption is not None:
                raise not_for_kinesis_source(name)
        elif source is not None:
            raise InvalidArgumentException(
                "KinesisSourceStreamConfig is only applicable for KinesisStreamAsSource stream type"
            )
        if encryption is not None:
            check_encryption(encryption)

    async def _check_source_stream(self, source: KinesisSource, request: Request) -> None:
        """The source stream must exist: Firehose looks it up, as itself, before reading it."""
        arn = source.stream_arn
        parts = arn.split(":")
        found = parts[3] == request.region and parts[4] == self.cloud.account
        if found:
            try:
                await self.cloud.call(
                    "kinesis",
                    "DescribeStreamSummary",
                    {"StreamARN": arn},
                    caller=FIREHOSE,
                    region=request.region,
                )
            except AwsError:
                found = False
        if not found:
            raise InvalidArgumentException(
                f"The Kinesis stream {arn} does not exist or is not accessible."
            )

    def _activate(self, stream: DeliveryStream) -> None:
        if (
            stream.status != "CREATING"
            or self.streams.get((stream.region, stream.name)) is not stream
        ):
            return
        stream.status = "ACTIVE"
        if stream.encryption is not None and stream.encryption["Status"] == "ENABLING":
            stream.encryption["Status"] = "ENABLED"
        if stream.source is not None:
            stream.source.started = self._now()
            stream.reader = KinesisReader(self.cloud, stream)
            stream.reader.start()

    def activate_now(self, name: str, region: str) -> None:
        """Make a CREATING stream ACTIVE at once: a scenario's streams exist when it starts."""
        stream = self.streams.get((region, name))
        if stream is not None:
            self._activate(stream)

    @action("DeleteDeliveryStream")
    def delete_delivery_stream(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        name = self._name(checks)
        checks.boolean("AllowForceDelete")
        checks.done()
        assert name is not None
        stream = self._find(name, request)
        if stream.status == "CREATING":
            raise ResourceInUseException(
                f"Firehose {name} under account {self.cloud.account} is in CREATING state and "
                "cannot be deleted until it is ACTIVE."
            )
        if stream.status == "DELETING":
            return {}
        stream.status = "DELETING"
        self._stop(stream)
        self.cloud.clock.call_later(TRANSITION, self._remove, stream)
        return {}

    def _remove(self, stream: DeliveryStream) -> None:
        key = (stream.region, stream.name)
        if self.streams.get(key) is stream:
            del self.streams[key]
            self._publish(
                "DeliveryStreamDeleted",
                f"delivery stream {stream.name} deleted",
                stream.arn,
                "information",
            )

    @action("DescribeDeliveryStream", read_only=True)
    def describe_delivery_stream(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        name = self._name(checks)
        limit = checks.integer("Limit", low=1, high=10_000) or 10_000
        after = checks.string(
            "ExclusiveStartDestinationId", min_len=1, max_len=100, pattern=DESTINATION_ID_PATTERN
        )
        checks.done()
        assert name is not None
        stream = self._find(name, request)
        return {"DeliveryStreamDescription": description(stream, limit, after)}

    @action("ListDeliveryStreams", read_only=True)
    def list_delivery_streams(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        limit = checks.integer("Limit", low=1, high=10_000) or DEFAULT_LIST_LIMIT
        stream_type = checks.string("DeliveryStreamType", enum=STREAM_TYPES)
        after = checks.string(
            "ExclusiveStartDeliveryStreamName", min_len=1, max_len=64, pattern=NAME_PATTERN
        )
        checks.done()
        names = [
            s.name
            for s in self.stream_list(request.region)
            if (stream_type is None or s.type == stream_type) and (after is None or s.name > after)
        ]
        page = names[:limit]
        return {"DeliveryStreamNames": page, "HasMoreDeliveryStreams": len(names) > len(page)}

    @action("UpdateDestination")
    def update_destination(self, params: Params, request: Request) -> Response:
        checks = Checks(params)
        name = self._name(checks)
        version = checks.string(
            "CurrentDeliveryStreamVersionId",
            required=True,
            min_len=1,
            max_len=50,
            pattern=VERSION_PATTERN,
        )
        destination_id = checks.string(
            "DestinationId", required=True, min_len=1, max_len=100, pattern=DESTINATION_ID_PATTERN
        )
        extended = destination.read(
            checks, "ExtendedS3DestinationUpdate", extended=True, creating=False
        )
        plain = destination.read(checks, "S3DestinationUpdate", extended=False, creating=False)
        others = [m for m in OTHER_UPDATES if checks.structure(m) is not None]
        checks.done()
        assert name is not None and version is not None and destination_id is not None
        stream = self._find(name, request)
        if stream.status != "ACTIVE":
            raise stream_not_active(name, self.cloud.account, stream.status)
        if int(version) != stream.version:
            raise ConcurrentModificationException(
                f"Cannot update firehose: {name} since the current version id: {stream.version} "
                f"and specified version id: {version} do not match"
            )
        if destination_id != DESTINATION_ID:
            raise InvalidArgumentException(f"Destination Id {destination_id} not found")
        if others:
            raise InvalidArgumentException(
                f"{others[0]} is not simulated: only Amazon S3 destinations are "
                "(ExtendedS3DestinationUpdate, S3DestinationUpdate)."
            )
        given = extended if extended is not None else plain
        if given is None or (extended is not None and plain is not None):
            raise InvalidArgumentException(ONE_DESTINATION)
        updated = destination.build(given, stream.destination)
        now = self._now()
        stream.courier.flush(now)
        stream.destination = updated
        stream.version += 1
        stream.updated = now
        return {}
