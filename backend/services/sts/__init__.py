"""AWS STS: who am I (`GetCallerIdentity`), which many programs ask first."""

from backend.services.sts.service import StsService

__all__ = ["StsService"]
