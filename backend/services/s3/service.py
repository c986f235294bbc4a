"""Amazon S3: buckets as folders, objects as files, the REST API of AWS_FACTS §16.

The actions are split by what they act on (`bucket_api.py`, `object_api.py`,
`multipart_api.py`); the dashboard's read-only views are `views.py`, and the
sync with files people drop into the folders is `watcher.py`. This class
only puts them together and names the service.
"""

from __future__ import annotations

from typing import ClassVar

from backend.services.s3.bucket_api import BucketApi
from backend.services.s3.multipart_api import MultipartApi
from backend.services.s3.views import Views
from backend.services.s3.watcher import DiskSync


class S3Service(BucketApi, MultipartApi, Views, DiskSync):
    """Amazon S3: general purpose buckets in every region of the account."""

    name: ClassVar[str] = "s3"
    event_source: ClassVar[str] = "s3.amazonaws.com"
    usage_name: ClassVar[str] = "S3"
    #: CloudTrail records no object bodies and no customer-provided keys.
    trail_hidden: ClassVar[frozenset[str]] = frozenset(
        {"Body", "SSECustomerKey", "CopySourceSSECustomerKey"}
    )
