"""AddPermission and RemovePermission: the statements they write into a queue's Policy.

AddPermission is a shortcut for editing the queue's access policy: it appends
one statement, named by its Label, granting other accounts some actions on the
queue, and RemovePermission takes that statement out again. Both work on the
same `Policy` attribute SetQueueAttributes sets, so a policy written by hand
and one grown by AddPermission mix as they do in AWS. The document AWS writes:

    {"Version": "2012-10-17", "Id": "<queue arn>/SQSDefaultPolicy",
     "Statement": [{"Sid": "<label>", "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::<account>:root"},
                    "Action": "SQS:SendMessage", "Resource": "<queue arn>"}]}

with `Principal.AWS` and `Action` as lists when there are several. Removing
the last statement removes the policy. Policies are stored and reported, never
evaluated: skydeck has no IAM (docs/deviations.md).

The functions are pure (policy text in, policy text out), so a call that
fails leaves the queue's policy exactly as it was.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from typing import Any

from backend.errors import InvalidParameterValue, MissingParameter
from backend.services.sqs.errors import OverLimit

POLICY_VERSION = "2012-10-17"
#: SQS policy quotas (developer guide, "Amazon SQS policy quotas").
MAX_ACTIONS = 7
MAX_STATEMENTS = 20
MAX_PRINCIPALS = 50
_LABEL = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_ACCOUNT = re.compile(r"^[0-9]{12}$")
#: What AddPermission may grant another account; every other action is the owner's.
#: Granting SendMessage, DeleteMessage or ChangeMessageVisibility grants their batches.
SHAREABLE = frozenset(
    {
        "*",
        "ChangeMessageVisibility",
        "DeleteMessage",
        "GetQueueAttributes",
        "GetQueueUrl",
        "ListDeadLetterSourceQueues",
        "PurgeQueue",
        "ReceiveMessage",
        "SendMessage",
    }
)


def granted(
    policy: str,
    *,
    queue_arn: str,
    label: str,
    accounts: list[str],
    actions: list[str],
    known_actions: Collection[str],
) -> str:
    """`policy` with AddPermission's statement for `label` appended.

    `known_actions` are the service's action names: one of those that cannot
    be shared is refused as owner-only, any other name as no action at all.
    """
    if not _LABEL.match(label):
        raise InvalidParameterValue(
            f"Value {label} for parameter Label is invalid. Reason: Can only include "
            "alphanumeric characters, hyphens, or underscores. 1 to 80 in length."
        )
    if not actions:
        raise MissingParameter("The request must contain the parameter Actions.")
    if not accounts:
        raise InvalidParameterValue(
            "Value [] for parameter PrincipalId is invalid. Reason: Unable to verify."
        )
    if len(actions) > MAX_ACTIONS:
        raise OverLimit(f"{len(actions)} Actions were found, maximum allowed is {MAX_ACTIONS}.")
    for name in actions:
        if name in SHAREABLE:
            continue
        reason = (
            "Only the queue owner is allowed to invoke this action."
            if name in known_actions
            else "Please refer to the appropriate WSDL for a list of valid actions."
        )
        raise InvalidParameterValue(
            f"Value SQS:{name} for parameter ActionName is invalid. Reason: {reason}"
        )
    for account in accounts:
        if not _ACCOUNT.match(account):
            raise InvalidParameterValue(
                f"Value [{account}] for parameter PrincipalId is invalid. Reason: Unable to verify."
            )
    document = _parse(policy) or {
        "Version": POLICY_VERSION,
        "Id": f"{queue_arn}/SQSDefaultPolicy",
    }
    statements = _statements(document)
    if any(s.get("Sid") == label for s in statements if isinstance(s, dict)):
        raise InvalidParameterValue(
            f"Value {label} for parameter Label is invalid. Reason: Already exists."
        )
    if len(statements) + 1 > MAX_STATEMENTS:
        raise OverLimit(
            f"{len(statements) + 1} Statements were found, maximum allowed is {MAX_STATEMENTS}."
        )
    principals = sum(_principal_count(s) for s in statements) + len(accounts)
    if principals > MAX_PRINCIPALS:
        raise OverLimit(f"{principals} Principals were found, maximum allowed is {MAX_PRINCIPALS}.")
    statements.append(
        {
            "Sid": label,
            "Effect": "Allow",
            "Principal": {"AWS": _one_or_many([f"arn:aws:iam::{a}:root" for a in accounts])},
            "Action": _one_or_many([f"SQS:{name}" for name in actions]),
            "Resource": queue_arn,
        }
    )
    document["Statement"] = statements
    return json.dumps(document, separators=(",", ":"))


def revoked(policy: str, label: str) -> str:
    """`policy` without the statement `label` names; "" once no statement is left."""
    document = _parse(policy) or {}
    statements = _statements(document)
    kept = [s for s in statements if not (isinstance(s, dict) and s.get("Sid") == label)]
    if len(kept) == len(statements):
        raise InvalidParameterValue(
            f"Value {label} for parameter Label is invalid. Reason: can't find label on "
            "existing policy."
        )
    if not kept:
        return ""
    document["Statement"] = kept
    return json.dumps(document, separators=(",", ":"))


def _parse(policy: str) -> dict[str, Any] | None:
    """The stored policy document (SetQueueAttributes only stores JSON maps)."""
    if not policy:
        return None
    parsed = json.loads(policy)
    assert isinstance(parsed, dict)
    return parsed


def _statements(document: dict[str, Any]) -> list[Any]:
    """The document's statements as a list: a hand-written policy may give just one."""
    found = document.get("Statement")
    if isinstance(found, list):
        return list(found)
    return [found] if isinstance(found, dict) else []


def _principal_count(statement: object) -> int:
    if not isinstance(statement, dict):
        return 0
    principal = statement.get("Principal")
    named = principal.get("AWS") if isinstance(principal, dict) else principal
    if isinstance(named, list):
        return len(named)
    return 1 if named else 0


def _one_or_many(values: list[str]) -> str | list[str]:
    """One value as a string, several as a list: how AWS writes Principal and Action."""
    return values[0] if len(values) == 1 else values
