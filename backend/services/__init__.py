"""The simulated AWS services, one package per service."""

from backend.cloud import Service
from backend.services.sqs import SqsService

ALL_SERVICES: list[type[Service]] = [SqsService]
