"""AWS STS: who am I (`GetCallerIdentity`), which many programs ask first."""

from backend.registry import Registration
from backend.services.sts.service import StsService

REGISTRATION = Registration(StsService)

__all__ = ["REGISTRATION", "StsService"]
