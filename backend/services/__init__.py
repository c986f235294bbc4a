"""The simulated AWS services, one package per service."""

from backend.cloud import Service
from backend.services.cloudtrail import CloudTrailService
from backend.services.sqs import SqsService
from backend.services.sts import StsService

ALL_SERVICES: list[type[Service]] = [SqsService, CloudTrailService, StsService]
