"""Which subscriptions a message passes the filter policy of, and why the others turned it away.

The policy matcher (`backend/kit/filter_policy.py`) sees a message as fields;
this module makes those fields out of an SNS message. In the
MessageAttributes scope each attribute is a field: a String its text, a
Number its value, a String.Array the elements of its JSON array; Binary
attributes are not looked at, so a policy naming one finds nothing there. In
the MessageBody scope the body must be a JSON object and is flattened by
path. Both are built at most once per publish, however many subscriptions
look, and only as far as their policies need.

A message turned away is counted as AWS counts it: by scope, and also by
reason when the policy could not judge it (no attributes at all, an
attribute that is not what its type says, a body that is not a JSON object).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from backend.kit.filter_policy import FilterPolicy, Value, body_fields, scalar
from backend.untrusted import json_document


class Verdict(enum.Enum):
    PASS = "pass"
    FILTERED = "filtered"
    NO_ATTRIBUTES = "no attributes"
    INVALID_ATTRIBUTES = "invalid attributes"
    INVALID_BODY = "invalid body"


class Judge:
    """One published message, judged against each subscription's policy in turn."""

    def __init__(self, message: str, attributes: Mapping[str, Mapping[str, Any]]) -> None:
        self.message = message
        self.attributes = attributes
        self._attribute_fields: dict[str, list[Value]] = {}
        self._invalid: set[str] = set()
        self._read: set[str] = set()
        self._body: dict[str, list[Value]] | None = None
        self._body_read = False

    def verdict(self, policy: FilterPolicy | None, scope: str) -> Verdict:
        if policy is None:
            return Verdict.PASS
        if scope == "MessageBody":
            fields = self._body_fields()
            if fields is None:
                return Verdict.INVALID_BODY
            return Verdict.PASS if policy.matches(fields) else Verdict.FILTERED
        if not self.attributes:
            return Verdict.PASS if policy.matches({}) else Verdict.NO_ATTRIBUTES
        paths = policy.paths
        self._read_attributes(paths)
        if policy.matches(self._attribute_fields):
            return Verdict.PASS
        if paths & self._invalid:
            return Verdict.INVALID_ATTRIBUTES
        return Verdict.FILTERED

    def _body_fields(self) -> dict[str, list[Value]] | None:
        if not self._body_read:
            self._body_read = True
            try:
                document = json_document(self.message)
            except ValueError:
                document = None
            if isinstance(document, dict):
                self._body = body_fields(document)
        return self._body

    def _read_attributes(self, names: frozenset[str]) -> None:
        """Make the fields of the attributes `names` name, those not made already."""
        for name in names - self._read:
            self._read.add(name)
            attribute = self.attributes.get(name)
            if attribute is None:
                continue
            values = attribute_values(attribute)
            if values is None:
                self._invalid.add(name)
            elif values:
                self._attribute_fields[name] = values


def attribute_values(attribute: Mapping[str, Any]) -> list[Value] | None:
    """An attribute's values as a policy sees them; [] for Binary, None if malformed."""
    data_type: str = attribute["DataType"]
    if data_type.startswith("Binary"):
        return []
    text: str = attribute["StringValue"]
    if data_type.startswith("Number"):
        return [float(text)]
    if data_type == "String.Array":
        try:
            items = json_document(text)
        except ValueError:
            return None
        if not isinstance(items, list):
            return None
        return [scalar(item) for item in items if not isinstance(item, dict | list)]
    return [text]
