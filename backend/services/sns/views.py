"""Read-only views of SNS for the summary, the dashboard and tests: nothing here changes anything.

`pending_confirmations` is how a person gets the token AWS would have sent
to an HTTP/S or email endpoint (skydeck sends nothing there), to confirm the
subscription with ConfirmSubscription; `signing_certificate` is the
certificate of the key notifications are signed with, which AWS would serve
at SigningCertURL.
"""

from __future__ import annotations

from backend.services.sns import signing
from backend.services.sns.base import SnsBase
from backend.services.sns.subscription import Pending
from backend.services.sns.topic import Topic


class Views(SnsBase):
    """The accessors the summary and the dashboard read."""

    def topic(self, name: str, region: str | None = None) -> Topic | None:
        return self.topics.get(
            f"arn:aws:sns:{region or self.cloud.region}:{self.cloud.account}:{name}"
        )

    def pending_confirmations(self, region: str | None = None) -> list[Pending]:
        """Subscriptions waiting for ConfirmSubscription, oldest first, with their tokens."""
        region = region or self.cloud.region
        return [
            Pending(s.arn, s.topic.arn, s.protocol, s.endpoint, s.token, s.token_expires)
            for s in self.subscriptions.values()
            if not s.confirmed and s.token is not None and s.topic.region == region
        ]

    def signing_certificate(self) -> bytes:
        """The PEM certificate whose key signs this cloud's notifications."""
        return signing.signing_certificate(self.cloud.seed)
