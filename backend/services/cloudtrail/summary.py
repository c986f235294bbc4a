"""CloudTrail's part of a headless run's summary: one row per trail and what it delivered.

```
trail           logging  files  records  waiting  bucket
skydeck-trail       yes     12      180        3  s3://cloudtrail-logs
```

"waiting" is what the next batch would carry: CloudTrail delivers about
every five minutes, not as calls happen. Same state, same bytes.
"""

from __future__ import annotations

from backend.cloud import Cloud
from backend.services.cloudtrail.service import CloudTrailService

_HEADER = ("trail", "logging", "files", "records", "waiting", "bucket")


def summary(cloud: Cloud) -> list[str]:
    service = cloud.service(CloudTrailService)
    trails = service.trail_list()
    if not trails:
        return []
    width = max(len(_HEADER[0]), *(len(t.name) for t in trails))
    lines = [f"{_HEADER[0]:<{width}}{'logging':>9}{'files':>8}{'records':>9}{'waiting':>9}  bucket"]
    for trail in trails:
        lines.append(
            f"{trail.name:<{width}}{'yes' if trail.logging else 'no':>9}"
            f"{trail.files_delivered:>8,}{trail.records_delivered:>9,}"
            f"{service.waiting(trail):>9,}  s3://{trail.spec.bucket}"
        )
    return lines
