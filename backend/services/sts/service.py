"""STS `GetCallerIdentity`: the account, ARN and user id of whoever calls.

Many programs and tools (Terraform, the CDK, `aws sts get-caller-identity` in
scripts) call it first to learn the account they act in, so answering it is
what lets them go on to the services skydeck simulates. The answer comes from
the call's `Caller`: an outside SDK is the IAM user its access key names.
"""

from __future__ import annotations

from typing import ClassVar

from backend.service import Params, Request, Response, Service, action


class StsService(Service):
    """AWS Security Token Service, as far as identity goes."""

    name: ClassVar[str] = "sts"
    event_source: ClassVar[str] = "sts.amazonaws.com"
    usage_name: ClassVar[str] = "STS"

    def reset(self) -> None:
        """STS keeps no resources."""

    @action("GetCallerIdentity", read_only=True)
    def get_caller_identity(self, params: Params, request: Request) -> Response:
        caller = request.caller
        account = request.account
        return {
            "UserId": account if caller.type == "Root" else caller.principal_id,
            "Account": account,
            "Arn": caller.arn(account),
        }
