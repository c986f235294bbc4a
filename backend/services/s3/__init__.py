"""Amazon S3: buckets as folders under the data directory (AWS_FACTS §16)."""

from backend.registry import Registration, WireTraits
from backend.services.s3.actors import ACTORS
from backend.services.s3.scenario import SECTION
from backend.services.s3.service import S3Service
from backend.services.s3.summary import summary

REGISTRATION = Registration(
    S3Service,
    sections=(SECTION,),
    actors=ACTORS,
    summary=summary,
    wire=WireTraits(host_label="Bucket"),
)

__all__ = ["REGISTRATION", "S3Service"]
