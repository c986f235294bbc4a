"""Bucket actions: create, delete, list, locate, tag, and configure notifications.

CloudTrail counts these as management events (AWS_FACTS §16.9): they are in
the event history, unlike object calls.
"""

from __future__ import annotations

import copy

from backend.kit.pages import decode_token, encode_token
from backend.service import Params, Request, Response, action
from backend.services.s3.core import S3Core, flag, integer, text
from backend.services.s3.errors import (
    BucketAlreadyOwnedByYou,
    BucketNotEmpty,
    InvalidArgument,
    MalformedXML,
    NoSuchTagSet,
)
from backend.services.s3.index import StoredBucket
from backend.services.s3.names import US_EAST_1, bucket_region, canonical_id, check_bucket_name
from backend.services.s3.notifications import parse_configuration
from backend.services.s3.tagging import as_tag_set, bucket_tags, tag_set

_BAD_TOKEN = "The continuation token provided is incorrect"


class BucketApi(S3Core):
    """The bucket-level actions."""

    @action("CreateBucket")
    def create_bucket(self, params: Params, request: Request) -> Response:
        name = check_bucket_name(str(params.get("Bucket") or ""))
        config = params.get("CreateBucketConfiguration") or {}
        if not isinstance(config, dict):
            raise MalformedXML()
        constraint = config.get("LocationConstraint") or None
        region = bucket_region(None if constraint is None else str(constraint), request.region)
        existing = self.index.bucket(name)
        if existing is not None:
            if existing.region == US_EAST_1 and request.region == US_EAST_1:
                return {"Location": f"/{name}"}
            raise BucketAlreadyOwnedByYou(BucketName=name)
        tags = bucket_tags(tag_set({"Tagging": config})) if config.get("Tags") else {}
        self.store.make_folder(name)
        self.index.add_bucket(StoredBucket(name, region, constraint, request.now, tags))
        self.storage_metrics.start()
        self.totals[name] = (0, 0)
        if region == US_EAST_1:
            return {"Location": f"/{name}"}
        return {"Location": f"http://{name}.s3.amazonaws.com/"}

    @action("DeleteBucket")
    def delete_bucket(self, params: Params, request: Request) -> Response:
        """Delete an empty bucket; uploads still in progress go with it.

        Whether AWS lets open multipart uploads block the delete is not
        documented (AWS_FACTS §16.2); aborting them keeps `aws s3 rb --force`
        working after an interrupted upload. The folder goes whole, with any
        file in it that is no object's (hidden files such as `.DS_Store`).
        """
        bucket = self.bucket_of(params)
        if self.index.scan(bucket.name, b"", None, 1):
            raise BucketNotEmpty(BucketName=bucket.name)
        for upload in self.index.uploads(bucket.name):
            self.store.remove_upload(upload.folder)
        self.store.remove_folder(bucket.name)
        self.index.drop_bucket(bucket.name)
        self.totals.pop(bucket.name, None)
        return {}

    @action("ListBuckets", read_only=True)
    def list_buckets(self, params: Params, request: Request) -> Response:
        prefix = text(params, "Prefix") or ""
        region = text(params, "BucketRegion")
        limit = integer(params, "MaxBuckets", 1, 10_000, "max-buckets")
        token = text(params, "ContinuationToken")
        after = decode_token(token, "ListBuckets", InvalidArgument, _BAD_TOKEN) if token else ""
        buckets = [
            b
            for b in self.index.buckets()
            if b.name.startswith(prefix)
            and (region is None or b.region == region)
            and b.name > str(after)
        ]
        shown = buckets if limit is None else buckets[:limit]
        response: Response = {
            "Buckets": [
                {"Name": b.name, "CreationDate": b.created, "BucketRegion": b.region} for b in shown
            ],
            "Owner": {"ID": canonical_id(self.cloud.account)},
        }
        if prefix:
            response["Prefix"] = prefix
        if len(shown) < len(buckets):
            response["ContinuationToken"] = encode_token("ListBuckets", shown[-1].name)
        return response

    @action("HeadBucket", read_only=True)
    def head_bucket(self, params: Params, request: Request) -> Response:
        bucket = self.bucket_of(params)
        return {"BucketRegion": bucket.region, "AccessPointAlias": False}

    @action("GetBucketLocation", read_only=True)
    def get_bucket_location(self, params: Params, request: Request) -> Response:
        """The constraint the bucket was made with: none in us-east-1, `EU` if it said so."""
        bucket = self.bucket_of(params)
        return {"LocationConstraint": bucket.location} if bucket.location else {}

    # -- tags -------------------------------------------------------------------

    @action("PutBucketTagging")
    def put_bucket_tagging(self, params: Params, request: Request) -> Response:
        bucket = self.bucket_of(params)
        self.index.set_bucket_tags(bucket.name, bucket_tags(tag_set(params)))
        return {}

    @action("GetBucketTagging", read_only=True)
    def get_bucket_tagging(self, params: Params, request: Request) -> Response:
        bucket = self.bucket_of(params)
        if not bucket.tags:
            raise NoSuchTagSet(BucketName=bucket.name)
        return {"TagSet": as_tag_set(bucket.tags)}

    @action("DeleteBucketTagging")
    def delete_bucket_tagging(self, params: Params, request: Request) -> Response:
        bucket = self.bucket_of(params)
        self.index.set_bucket_tags(bucket.name, {})
        return {}

    # -- notifications ------------------------------------------------------------

    @action("PutBucketNotificationConfiguration")
    async def put_bucket_notification_configuration(
        self, params: Params, request: Request
    ) -> Response:
        """Replace the bucket's notification settings (an empty one turns them off).

        Unless validation is skipped, each queue gets S3's `s3:TestEvent`
        before anything is saved, and a queue that can't take it (missing,
        in another account or region) fails the whole call.
        """
        bucket = self.bucket_of(params)
        configuration = parse_configuration(params, self.notifier.new_id)
        if not flag(params, "SkipDestinationValidation"):
            await self.notifier.test_destinations(bucket.name, bucket.region, configuration)
        bucket = self.bucket_named(bucket.name)
        self.index.set_notification(bucket.name, configuration)
        return {}

    @action("GetBucketNotificationConfiguration", read_only=True)
    def get_bucket_notification_configuration(self, params: Params, request: Request) -> Response:
        """The settings as a copy: the index keeps its bucket in memory, shared by every call."""
        return copy.deepcopy(self.bucket_of(params).notification)
