"""Who makes a call: the principal CloudTrail names in `userIdentity`.

Every call carries a `Caller`, whether it comes from the dashboard (an IAM user
named `console`), a scenario actor (an assumed role, as a real producer running
on EC2 or Lambda would be) or an outside SDK over the endpoint (whatever access
key it signed with). The trail pane shows them apart, as AWS's event history does.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal

IdentityType = Literal["IAMUser", "AssumedRole", "Root", "AWSService"]

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"


def _id_suffix(prefix: str, name: str) -> str:
    """A stable 17-character upper-case id tail, as AWS principal ids look."""
    digest = hashlib.sha256(f"{prefix}:{name}".encode()).hexdigest().upper()
    return prefix + digest[: 21 - len(prefix)]


@dataclass(frozen=True, slots=True)
class Caller:
    """A principal and where its call came from."""

    type: IdentityType
    name: str
    access_key_id: str
    source_ip: str = "127.0.0.1"
    user_agent: str = "skydeck"
    session: str | None = None
    #: What AWS calls this principal in SenderId and principalId; derived once.
    principal_id: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        if self.type == "AssumedRole":
            principal = f"{_id_suffix('AROA', self.name)}:{self.session or self.name}"
        elif self.type == "IAMUser":
            principal = _id_suffix("AIDA", self.name)
        else:
            principal = self.name
        object.__setattr__(self, "principal_id", principal)

    @property
    def username(self) -> str:
        """The `Username` LookupEvents reports: the user, or the role session."""
        if self.type == "AssumedRole" and self.session:
            return self.session
        return self.name

    def arn(self, account: str) -> str:
        if self.type == "Root":
            return f"arn:aws:iam::{account}:root"
        if self.type == "AssumedRole":
            return f"arn:aws:sts::{account}:assumed-role/{self.name}/{self.session or self.name}"
        if self.type == "AWSService":
            return ""
        return f"arn:aws:iam::{account}:user/{self.name}"

    def user_identity(self, account: str, event_time: str) -> dict[str, Any]:
        """The `userIdentity` element of a CloudTrail record for this caller."""
        if self.type == "AWSService":
            return {"type": "AWSService", "invokedBy": self.name}
        if self.type == "AssumedRole":
            role_id = _id_suffix("AROA", self.name)
            return {
                "type": "AssumedRole",
                "principalId": self.principal_id,
                "arn": self.arn(account),
                "accountId": account,
                "accessKeyId": self.access_key_id,
                "sessionContext": {
                    "sessionIssuer": {
                        "type": "Role",
                        "principalId": role_id,
                        "arn": f"arn:aws:iam::{account}:role/{self.name}",
                        "accountId": account,
                        "userName": self.name,
                    },
                    "attributes": {"creationDate": event_time, "mfaAuthenticated": "false"},
                },
            }
        identity: dict[str, Any] = {
            "type": self.type,
            "principalId": account if self.type == "Root" else self.principal_id,
            "arn": self.arn(account),
            "accountId": account,
            "accessKeyId": self.access_key_id,
        }
        if self.type == "IAMUser":
            identity["userName"] = self.name
        return identity


CONSOLE = Caller(
    type="IAMUser",
    name="console",
    access_key_id="AKIASKYDECKCONSOLE01",
    source_ip="127.0.0.1",
    user_agent="skydeck-dashboard",
)


def role(name: str, session: str | None = None) -> Caller:
    """A scenario actor: an assumed role with a temporary (ASIA) access key."""
    key = "ASIA" + hashlib.sha256(name.encode()).hexdigest().upper()[:16]
    return Caller(
        type="AssumedRole",
        name=name,
        session=session or name,
        access_key_id=key,
        source_ip="10.0.0.10",
        user_agent="skydeck-actor",
    )


#: Who creates a scenario's resources: the set-up shows in the trail as a deployment would.
SETUP_ROLE = role("skydeck-scenario")


def service_principal(name: str) -> Caller:
    """An AWS service calling on the account's behalf (`s3.amazonaws.com` delivering a
    notification): CloudTrail names it in `invokedBy`."""
    return Caller(type="AWSService", name=name, access_key_id="", user_agent=name)
