"""Trails: CreateTrail, UpdateTrail, DeleteTrail, DescribeTrails, GetTrail, GetTrailStatus,
StartLogging, StopLogging, Put/GetEventSelectors, ListTrails and tags (AWS_FACTS §6).

A trail names a bucket that must exist (S3BucketDoesNotExistException; skydeck
has no bucket policies, so none is ever insufficient), at most five a region.
A new trail is not logging until StartLogging, as in AWS. While any trail logs,
a delivery runs every five simulated minutes (`delivery.py`), and while one
also has log file validation on, a digest every hour from when both began
(`digest.py`); GetTrailStatus says when the last of each was and whether it
failed. Stopping logging or validation breaks the digests' chain: the next
digest after they start again names no previous one.
"""

from __future__ import annotations

import re
from typing import Any, Final

from backend.clock import TimerHandle
from backend.cloud import Cloud
from backend.errors import AwsError
from backend.kit import tags as tag_rules
from backend.service import Params, Request, Response, Service, action
from backend.services.cloudtrail.delivery import CLOUDTRAIL, deliver, pending
from backend.services.cloudtrail.digest import deliver_digest
from backend.services.cloudtrail.errors import (
    InvalidEventSelectorsException,
    InvalidParameterCombinationException,
    InvalidTagParameterException,
    InvalidTrailNameException,
    MaximumNumberOfTrailsExceededException,
    ResourceNotFoundException,
    S3BucketDoesNotExistException,
    TrailAlreadyExistsException,
    TrailNotFoundException,
)
from backend.services.cloudtrail.trails import (
    DEFAULT_SELECTORS,
    DELIVERY_INTERVAL,
    DIGEST_INTERVAL,
    FIELDS,
    OPERATORS,
    READ_WRITE_TYPES,
    CloudTrailTrail,
    TrailSpec,
)

MAX_TRAILS: Final = 5
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,126}[A-Za-z0-9]")
_ADJACENT = re.compile(r"[._-]{2}")
_IP = re.compile(r"\d+\.\d+\.\d+\.\d+")
_SPEC_MEMBERS: Final = {
    "S3BucketName": "bucket",
    "S3KeyPrefix": "prefix",
    "SnsTopicName": "sns_topic",
    "IncludeGlobalServiceEvents": "include_global",
    "IsMultiRegionTrail": "multi_region",
    "EnableLogFileValidation": "log_file_validation",
    "CloudWatchLogsLogGroupArn": "log_group_arn",
    "CloudWatchLogsRoleArn": "log_role_arn",
    "KmsKeyId": "kms_key_id",
}


def check_name(name: object) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name) or _ADJACENT.search(name):
        raise InvalidTrailNameException(
            "Trail name must starts with a letter or number, end with a letter or number, be "
            "between 3 and 128 characters, have no adjacent periods, underscores or dashes, "
            "and contain only letters, numbers, periods, underscores and dashes."
        )
    if _IP.fullmatch(name):
        raise InvalidTrailNameException("Trail name cannot be formatted as an IP address.")
    return name


def trail_view(trail: CloudTrailTrail) -> dict[str, Any]:
    """A trail as DescribeTrails and GetTrail answer it."""
    spec = trail.spec
    out: dict[str, Any] = {
        "Name": trail.name,
        "S3BucketName": spec.bucket,
        "IncludeGlobalServiceEvents": spec.include_global,
        "IsMultiRegionTrail": spec.multi_region,
        "HomeRegion": trail.region,
        "TrailARN": trail.arn,
        "LogFileValidationEnabled": spec.log_file_validation,
        "HasCustomEventSelectors": trail.advanced is not None
        or trail.basic != list(DEFAULT_SELECTORS),
        "HasInsightSelectors": False,
        "IsOrganizationTrail": False,
    }
    for member, attr in (
        ("S3KeyPrefix", "prefix"),
        ("SnsTopicName", "sns_topic"),
        ("CloudWatchLogsLogGroupArn", "log_group_arn"),
        ("CloudWatchLogsRoleArn", "log_role_arn"),
        ("KmsKeyId", "kms_key_id"),
    ):
        value = getattr(spec, attr)
        if value is not None:
            out[member] = value
    return out


class TrailActions(Service):
    """CloudTrail's trails; mixed into `CloudTrailService`."""

    def __init__(self, cloud: Cloud) -> None:
        super().__init__(cloud)
        #: Every trail, by ARN.
        self.trails: dict[str, CloudTrailTrail] = {}
        self._timer: TimerHandle | None = None
        #: The next digest of each trail that logs with validation on, by ARN.
        self._digest_timers: dict[str, TimerHandle] = {}
        self._rng = cloud.rng("cloudtrail/delivery")

    def reset(self) -> None:
        self.trails.clear()
        self._taking_data()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for timer in self._digest_timers.values():
            timer.cancel()
        self._digest_timers.clear()

    def trail_list(self, region: str | None = None) -> list[CloudTrailTrail]:
        region = region or self.cloud.region
        return sorted((t for t in self.trails.values() if t.region == region), key=lambda t: t.name)

    def waiting(self, trail: CloudTrailTrail) -> int:
        """Records the trail's next batch would carry now (the pane's "waiting")."""
        return len(pending(self.cloud, trail))

    # -- lookups --------------------------------------------------------------------

    def _find(self, name: object, request: Request) -> CloudTrailTrail:
        if not isinstance(name, str) or not name:
            raise InvalidTrailNameException("Trail name or ARN can not be empty.")
        arn = name if name.startswith("arn:") else self._arn(name, request)
        trail = self.trails.get(arn)
        if trail is None:
            raise TrailNotFoundException(f"Unknown trail: {arn} for the user: {request.account}")
        return trail

    def _arn(self, name: str, request: Request) -> str:
        return f"arn:aws:cloudtrail:{request.region}:{request.account}:trail/{name}"

    async def _check_bucket(self, bucket: str) -> None:
        try:
            await self.cloud.call("s3", "HeadBucket", {"Bucket": bucket}, caller=CLOUDTRAIL)
        except AwsError:
            raise S3BucketDoesNotExistException(f"S3 bucket {bucket} does not exist.") from None

    def _spec(self, params: Params, spec: TrailSpec) -> TrailSpec:
        for member, attr in _SPEC_MEMBERS.items():
            if member in params and params[member] is not None:
                setattr(spec, attr, params[member])
        if (spec.log_group_arn is None) != (spec.log_role_arn is None):
            raise InvalidParameterCombinationException(
                "You must specify a CloudWatchLogsLogGroupArn and a CloudWatchLogsRoleArn together."
            )
        return spec

    # -- actions --------------------------------------------------------------------

    @action("CreateTrail")
    async def create_trail(self, params: Params, request: Request) -> Response:
        name = check_name(params.get("Name"))
        bucket = params.get("S3BucketName")
        if not isinstance(bucket, str) or not bucket:
            raise InvalidParameterCombinationException("S3BucketName is required.")
        arn = self._arn(name, request)
        if arn in self.trails:
            raise TrailAlreadyExistsException(
                f"Trail {name} already exists for customer: {request.account}"
            )
        if len(self.trail_list(request.region)) >= MAX_TRAILS:
            raise MaximumNumberOfTrailsExceededException(
                f"User: {request.account} already has {MAX_TRAILS} trails in {request.region}."
            )
        spec = self._spec(params, TrailSpec(bucket))
        await self._check_bucket(bucket)
        trail = CloudTrailTrail(name, request.region, arn, spec, request.now)
        trail.tags = _tags({}, params.get("TagsList") or [])
        trail.cursor = self.cloud.trail.recorded
        self.trails[arn] = trail
        return {k: v for k, v in trail_view(trail).items() if k in _CREATED}

    @action("UpdateTrail")
    async def update_trail(self, params: Params, request: Request) -> Response:
        trail = self._find(params.get("Name"), request)
        before = trail.spec.bucket
        trail.spec = self._spec(params, trail.spec)
        if trail.spec.bucket != before:
            await self._check_bucket(trail.spec.bucket)
        self._digests(trail)
        return {k: v for k, v in trail_view(trail).items() if k in _CREATED}

    @action("DeleteTrail")
    def delete_trail(self, params: Params, request: Request) -> Response:
        trail = self._find(params.get("Name"), request)
        del self.trails[trail.arn]
        trail.logging = False
        self._digests(trail)
        self._taking_data()
        return {}

    @action("DescribeTrails", read_only=True)
    def describe_trails(self, params: Params, request: Request) -> Response:
        names = params.get("trailNameList") or []
        trails = self.trail_list(request.region)
        if names:
            wanted = {n if n.startswith("arn:") else self._arn(n, request) for n in names}
            trails = [t for t in trails if t.arn in wanted]
        return {"trailList": [trail_view(t) for t in trails]}

    @action("GetTrail", read_only=True)
    def get_trail(self, params: Params, request: Request) -> Response:
        return {"Trail": trail_view(self._find(params.get("Name"), request))}

    @action("ListTrails", read_only=True)
    def list_trails(self, params: Params, request: Request) -> Response:
        return {
            "Trails": [
                {"TrailARN": t.arn, "Name": t.name, "HomeRegion": t.region}
                for t in self.trail_list(request.region)
            ]
        }

    @action("GetTrailStatus", read_only=True)
    def get_trail_status(self, params: Params, request: Request) -> Response:
        trail = self._find(params.get("Name"), request)
        out: Response = {"IsLogging": trail.logging}
        times = (
            ("StartLoggingTime", trail.started),
            ("StopLoggingTime", trail.stopped),
            ("LatestDeliveryTime", trail.latest_delivery),
            ("LatestDeliveryAttemptTime", trail.latest_delivery),
            ("LatestCloudWatchLogsDeliveryTime", trail.latest_logs_delivery),
        )
        for member, when in times:
            if when is not None:
                out[member] = float(int(when))
        if trail.latest_error is not None:
            out["LatestDeliveryError"] = trail.latest_error
        if trail.latest_logs_error is not None:
            out["LatestCloudWatchLogsDeliveryError"] = trail.latest_logs_error
        if trail.latest_digest is not None:
            out["LatestDigestDeliveryTime"] = float(int(trail.latest_digest))
        if trail.latest_digest_error is not None:
            out["LatestDigestDeliveryError"] = trail.latest_digest_error
        return out

    @action("StartLogging")
    def start_logging(self, params: Params, request: Request) -> Response:
        trail = self._find(params.get("Name"), request)
        if not trail.logging:
            trail.logging = True
            trail.started = request.now
            trail.cursor = max(trail.cursor, self.cloud.trail.recorded)
            self._arm()
            self._digests(trail)
            self._taking_data()
        return {}

    @action("StopLogging")
    def stop_logging(self, params: Params, request: Request) -> Response:
        trail = self._find(params.get("Name"), request)
        if trail.logging:
            trail.logging = False
            trail.stopped = request.now
            self._digests(trail)
            self._taking_data()
        return {}

    @action("PutEventSelectors")
    def put_event_selectors(self, params: Params, request: Request) -> Response:
        trail = self._find(params.get("TrailName"), request)
        basic = params.get("EventSelectors")
        advanced = params.get("AdvancedEventSelectors")
        if (basic is None) == (advanced is None):
            raise InvalidParameterCombinationException(
                "You must specify either EventSelectors or AdvancedEventSelectors, not both."
            )
        if basic is not None:
            trail.basic, trail.advanced = [_basic(s) for s in basic], None
        else:
            trail.basic, trail.advanced = None, [_advanced(s) for s in advanced or []]
        self._taking_data()
        return {"TrailARN": trail.arn, **_selectors(trail)}

    @action("GetEventSelectors", read_only=True)
    def get_event_selectors(self, params: Params, request: Request) -> Response:
        trail = self._find(params.get("TrailName"), request)
        return {"TrailARN": trail.arn, **_selectors(trail)}

    @action("AddTags")
    def add_tags(self, params: Params, request: Request) -> Response:
        trail = self._tagged(params, request)
        trail.tags = _tags(trail.tags, params.get("TagsList") or [])
        return {}

    @action("RemoveTags")
    def remove_tags(self, params: Params, request: Request) -> Response:
        trail = self._tagged(params, request)
        keys = [t.get("Key") for t in params.get("TagsList") or [] if isinstance(t, dict)]
        trail.tags = tag_rules.without(trail.tags, keys, InvalidTagParameterException)
        return {}

    @action("ListTags", read_only=True)
    def list_tags(self, params: Params, request: Request) -> Response:
        found = []
        for arn in params.get("ResourceIdList") or []:
            trail = self.trails.get(arn)
            if trail is None:
                raise ResourceNotFoundException(f"Resource not found: {arn}")
            found.append(
                {
                    "ResourceId": arn,
                    "TagsList": [{"Key": k, "Value": v} for k, v in trail.tags.items()],
                }
            )
        return {"ResourceTagList": found}

    def _tagged(self, params: Params, request: Request) -> CloudTrailTrail:
        arn = params.get("ResourceId")
        trail = self.trails.get(arn) if isinstance(arn, str) else None
        if trail is None:
            raise ResourceNotFoundException(f"Resource not found: {arn}")
        return trail

    # -- delivery ---------------------------------------------------------------------

    def _taking_data(self) -> None:
        """Tell the recorder whether a logging trail can take data events now: where
        no pane browses them (`Trail.keep_data_history`), only then are they kept."""
        self.cloud.trail.data_taken = any(
            t.logging and t.takes_data_events for t in self.trails.values()
        )

    def _arm(self) -> None:
        if self._timer is None:
            self._timer = self.cloud.clock.call_later(DELIVERY_INTERVAL, self._due)

    def _due(self) -> None:
        self._timer = None
        logging = [t for t in self.trails.values() if t.logging]
        for trail in logging:
            self.cloud.clock.spawn(deliver(self.cloud, trail, self._rng), name="trail delivery")
        if logging:
            self._arm()

    def _digests(self, trail: CloudTrailTrail) -> None:
        """Start the trail's hourly digests if it now logs with validation on, or stop
        them (and break their chain) if it no longer does."""
        wanted = trail.logging and trail.spec.log_file_validation
        timer = self._digest_timers.get(trail.arn)
        if wanted and timer is None:
            trail.digest_start = self.cloud.clock.now()
            self._digest_timers[trail.arn] = self.cloud.clock.call_later(
                DIGEST_INTERVAL, self._digest_due, trail
            )
        elif not wanted and timer is not None:
            timer.cancel()
            del self._digest_timers[trail.arn]
            trail.digest_start = None
            trail.undigested.clear()
            trail.previous_digest = None

    def _digest_due(self, trail: CloudTrailTrail) -> None:
        self.cloud.clock.spawn(deliver_digest(self.cloud, trail), name="trail digest")
        self._digest_timers[trail.arn] = self.cloud.clock.call_later(
            DIGEST_INTERVAL, self._digest_due, trail
        )

    def next_delivery(self) -> float | None:
        """When the next batch is due, or None while no trail logs."""
        return self._timer.when if self._timer is not None else None


_CREATED: Final = (
    "Name",
    "S3BucketName",
    "S3KeyPrefix",
    "SnsTopicName",
    "IncludeGlobalServiceEvents",
    "IsMultiRegionTrail",
    "TrailARN",
    "LogFileValidationEnabled",
    "CloudWatchLogsLogGroupArn",
    "CloudWatchLogsRoleArn",
    "KmsKeyId",
    "IsOrganizationTrail",
)


def _tags(current: dict[str, str], items: list[Any]) -> dict[str, str]:
    new = {t.get("Key"): t.get("Value", "") for t in items if isinstance(t, dict)}
    return tag_rules.merged(current, new, resource="trail", error=InvalidTagParameterException)


def _basic(selector: Any) -> dict[str, Any]:
    if not isinstance(selector, dict):
        raise InvalidEventSelectorsException("An event selector must be a structure.")
    kind = selector.get("ReadWriteType", "All")
    if kind not in READ_WRITE_TYPES:
        raise InvalidEventSelectorsException(f"ReadWriteType {kind} is not valid.")
    resources = selector.get("DataResources") or []
    for resource in resources:
        if resource.get("Type") not in ("AWS::S3::Object", "AWS::Lambda::Function"):
            raise InvalidEventSelectorsException(
                f"Value {resource.get('Type')} for DataResources.Type is invalid."
            )
    return {
        "ReadWriteType": kind,
        "IncludeManagementEvents": bool(selector.get("IncludeManagementEvents", True)),
        "DataResources": resources,
        **(
            {"ExcludeManagementEventSources": selector["ExcludeManagementEventSources"]}
            if selector.get("ExcludeManagementEventSources")
            else {}
        ),
    }


def _advanced(selector: Any) -> dict[str, Any]:
    fields = selector.get("FieldSelectors") if isinstance(selector, dict) else None
    if not fields:
        raise InvalidEventSelectorsException("An advanced event selector needs FieldSelectors.")
    for field_selector in fields:
        name = field_selector.get("Field")
        if name not in FIELDS:
            raise InvalidEventSelectorsException(
                f"Invalid Field value {name}: use one of {', '.join(FIELDS)}."
            )
        if not any(field_selector.get(op) for op in OPERATORS):
            raise InvalidEventSelectorsException(f"The field selector on {name} needs an operator.")
    if not any(f.get("Field") == "eventCategory" for f in fields):
        raise InvalidEventSelectorsException(
            "Each advanced event selector must have an eventCategory field selector."
        )
    return dict(selector)


def _selectors(trail: CloudTrailTrail) -> dict[str, Any]:
    if trail.advanced is not None:
        return {"AdvancedEventSelectors": trail.advanced}
    return {"EventSelectors": trail.basic or []}
