"""Filter policies: which messages a subscriber wants, as SNS (and EventBridge) write them.

A policy is a JSON object whose keys name fields and whose arrays list what a
field may hold (AWS_FACTS §17):

    {"store": ["example_corp"], "price": [{"numeric": [">", 0, "<=", 100]}],
     "$or": [{"kind": [{"prefix": "order-"}]}, {"urgent": [true]}]}

Keys are ANDed, the values of an array ORed, `$or` offers alternatives. A
field that is absent matches nothing but `{"exists": false}`. A nested object
(`{"a": {"b": [...]}}`) names the field `a.b`, which is also what a key
written `"a.b"` names; whether nesting is allowed is the caller's choice
(SNS refuses it in its MessageAttributes scope), and so is what the fields
are: `body_fields` flattens a JSON document, arrays of objects included, and
SNS builds its own from message attributes. Nothing here knows SNS: a
refused policy raises `FilterPolicyError` with AWS's reason, and the service
words the error around it.

Policies are parsed once, when a subscription gets one, into plain tests;
matching a message is then a few dict lookups and comparisons per condition.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from backend.numbers import whole_number
from backend.untrusted import json_document

#: What a field holds: text, a number (always a float, so `1` and `1.0` are one
#: value and a bool never passes for a number), true/false, or null.
Value = str | float | bool | None
#: A message as a policy sees it: each field's path and every value found there.
Fields = Mapping[str, Sequence[Value]]
Test = Callable[[Value], bool]

#: Top-level keys a policy may have (nested keys count under their parent).
MAX_KEYS = 5
#: Combinations of values a policy may describe (see `_complexity`).
MAX_COMBINATIONS = 150
#: Longest policy, in bytes of JSON.
MAX_BYTES = 256 * 1024
#: Numbers are compared to five decimal places, as SNS documents.
_DECIMALS = 5

_NUMERIC_LOWER = (">", ">=")
_NUMERIC_UPPER = ("<", "<=")
_NUMERIC_OPERATORS = ("<", "<=", "=", ">", ">=")
_STRING_OPERATORS = ("prefix", "suffix", "equals-ignore-case")
_BAD_MATCH_VALUE = "Match value must be String, number, true, false, or null"
_TOO_COMPLEX = "Filter policy is too complex"


class FilterPolicyError(ValueError):
    """A policy refused, with AWS's reason ("Filter policy is too complex")."""


class NestedPolicyError(FilterPolicyError):
    """A nested key where the caller allows only flat policies."""


@dataclass(frozen=True, slots=True)
class Condition:
    """One key of a policy: the field it names and the tests any of which must pass."""

    path: str
    #: `{"exists": ...}` rules, as the presence they ask for.
    exists: tuple[bool, ...]
    tests: tuple[Test, ...]

    def holds(self, fields: Fields) -> bool:
        values = fields.get(self.path)
        present = values is not None
        if present in self.exists:
            return True
        if not values:
            return False
        return any(test(value) for test in self.tests for value in values)


@dataclass(frozen=True, slots=True)
class FilterPolicy:
    """A parsed policy: alternatives (from `$or`), each a list of conditions that must all hold."""

    alternatives: tuple[tuple[Condition, ...], ...]

    @classmethod
    def parse(cls, text: str, *, nested: bool = True) -> FilterPolicy:
        """The policy `text` holds, or `FilterPolicyError` saying why AWS would refuse it."""
        if len(text.encode("utf-8")) > MAX_BYTES:
            raise FilterPolicyError("Filter policy is too long")
        try:
            document = json_document(text)
        except ValueError:
            raise FilterPolicyError("failed to parse JSON.") from None
        if not isinstance(document, dict):
            raise FilterPolicyError("Filter policy must be a JSON object")
        if _complexity(document, 1, nested) > MAX_COMBINATIONS:
            raise FilterPolicyError(_TOO_COMPLEX)
        branches = _alternatives(document, "", top=True)
        if any(len(tops) > MAX_KEYS for tops, _ in branches):
            raise FilterPolicyError(f"Filter policy can not have more than {MAX_KEYS} keys")
        return cls(tuple(tuple(conditions) for _, conditions in branches))

    @property
    def paths(self) -> frozenset[str]:
        """Every field the policy names: what a caller must provide to match it."""
        return frozenset(c.path for branch in self.alternatives for c in branch)

    def matches(self, fields: Fields) -> bool:
        return any(all(c.holds(fields) for c in branch) for branch in self.alternatives)


# -- structure and complexity -------------------------------------------------------


def _complexity(policy: dict[str, Any], depth: int, nested: bool) -> int:
    """AWS's count of the combinations a policy describes, checking its shape on the way.

    Each array of values counts its length times the depth of the object
    holding it; the counts of an object's keys multiply, and the branches of
    an `$or` add (SNS Developer Guide, "Filter policy constraints": a key
    with four values three levels down and one with three values two levels
    down make 4 x 3 x 3 x 2 = 72). Stops as soon as the count passes the
    limit, so a policy nested a thousand deep costs no more than one that
    just passes.
    """
    if depth > MAX_COMBINATIONS:
        raise FilterPolicyError(_TOO_COMPLEX)
    total = 1
    for key, value in policy.items():
        if key == "$or":
            branches = _or_branches(value)
            total *= sum(_complexity(branch, depth, nested) for branch in branches)
        elif isinstance(value, dict):
            if not nested:
                raise NestedPolicyError("nested filter policy")
            total *= _complexity(value, depth + 1, nested)
        elif isinstance(value, list):
            if not value:
                raise FilterPolicyError("Empty arrays are not allowed")
            total *= len(value) * depth
        else:
            raise FilterPolicyError(f'"{key}" must be an object or an array')
        if total > MAX_COMBINATIONS:
            raise FilterPolicyError(_TOO_COMPLEX)
    return total


def _or_branches(value: object) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise FilterPolicyError('"$or" must be an array of objects')
    if not all(isinstance(branch, dict) for branch in value):
        raise FilterPolicyError('"$or" must be an array of objects')
    return value


_Branch = tuple[frozenset[str], list[Condition]]


def _alternatives(policy: dict[str, Any], prefix: str, *, top: bool) -> list[_Branch]:
    """Every way to satisfy `policy`: (its top-level keys, its conditions) per `$or` choice."""
    branches: list[_Branch] = [(frozenset(), [])]
    for key, value in policy.items():
        if key == "$or":
            options = [
                option
                for branch in _or_branches(value)
                for option in _alternatives(branch, prefix, top=top)
            ]
        elif isinstance(value, dict):
            path = f"{prefix}{key}"
            options = [
                (frozenset({key}) if top else tops, conditions)
                for tops, conditions in _alternatives(value, f"{path}.", top=False)
            ]
        else:
            options = [
                (frozenset({key}) if top else frozenset(), [_condition(prefix + key, value)])
            ]
        branches = [
            (tops | more, conditions + extra)
            for tops, conditions in branches
            for more, extra in options
        ]
    return branches


# -- rules -----------------------------------------------------------------------------


def _condition(path: str, rules: list[Any]) -> Condition:
    exists: list[bool] = []
    tests: list[Test] = []
    for rule in rules:
        if isinstance(rule, dict) and len(rule) == 1 and "exists" in rule:
            flag = rule["exists"]
            if not isinstance(flag, bool):
                raise FilterPolicyError("exists match pattern must be either true or false.")
            exists.append(flag)
        else:
            tests.append(_test(rule))
    return Condition(path, tuple(exists), tuple(tests))


def _test(rule: object) -> Test:
    if rule is None or isinstance(rule, str | bool | int | float):
        return _literal(rule)
    if not isinstance(rule, dict):
        raise FilterPolicyError(_BAD_MATCH_VALUE)
    if len(rule) != 1:
        raise FilterPolicyError("Only one key allowed in match expression")
    [(operator, operand)] = rule.items()
    if operator in _STRING_OPERATORS:
        if not isinstance(operand, str):
            raise FilterPolicyError(f"{operator} match pattern must be a string")
        return _string_test(operator, operand)
    if operator == "anything-but":
        return _anything_but(operand)
    if operator == "numeric":
        return _numeric(operand)
    if operator == "cidr":
        return _cidr(operand)
    raise FilterPolicyError(f"Unrecognized match type {operator}")


def _literal(expected: Value | int) -> Test:
    """Equality that keeps types apart: "5" is not 5, and true is not 1."""
    if expected is None:
        return lambda value: value is None
    if isinstance(expected, bool):
        return lambda value: isinstance(value, bool) and value is expected
    if isinstance(expected, str):
        return lambda value: isinstance(value, str) and value == expected
    target = round(number(expected), _DECIMALS)
    return lambda value: isinstance(value, float) and round(value, _DECIMALS) == target


def _string_test(operator: str, operand: str) -> Test:
    if operator == "prefix":
        return lambda value: isinstance(value, str) and value.startswith(operand)
    if operator == "suffix":
        return lambda value: isinstance(value, str) and value.endswith(operand)
    folded = operand.casefold()
    return lambda value: isinstance(value, str) and value.casefold() == folded


def _anything_but(operand: object) -> Test:
    """Present, and not what the operand matches: a value, a list of values, or a prefix."""
    if isinstance(operand, dict):
        for inner in operand:
            if inner != "prefix":
                raise FilterPolicyError(f"Unsupported anything-but pattern: {inner}")
        prefix = operand.get("prefix")
        if not isinstance(prefix, str):
            raise FilterPolicyError("prefix match pattern must be a string")
        return lambda value: not (isinstance(value, str) and value.startswith(prefix))
    items: list[object] = operand if isinstance(operand, list) else [operand]
    if not items:
        raise FilterPolicyError("Empty arrays are not allowed")
    excluded = []
    for item in items:
        if item is not None and not isinstance(item, str | bool | int | float):
            raise FilterPolicyError(_BAD_MATCH_VALUE)
        excluded.append(_literal(item))
    return lambda value: not any(test(value) for test in excluded)


def _numeric(operand: object) -> Test:
    """`["=", 5]`, `[">", 0]`, or a range `[">", 0, "<=", 100]` with the lower bound first."""
    if not isinstance(operand, list) or not operand:
        raise FilterPolicyError("Invalid member in numeric match: ]")
    terms = list(operand)
    first = terms[0]
    if not isinstance(first, str):
        raise FilterPolicyError(f"Invalid member in numeric match: {_shown(first)}")
    if first not in _NUMERIC_OPERATORS:
        raise FilterPolicyError(f"Unrecognized numeric range operator: {first}")
    low = _numeric_value(first, terms[1] if len(terms) > 1 else None)
    bounds = [(first, low)]
    if len(terms) > 2:
        if first not in _NUMERIC_LOWER:
            raise FilterPolicyError("Too many elements in numeric expression")
        second = terms[2]
        if not isinstance(second, str):
            raise FilterPolicyError(f"Bad value in numeric range: {_shown(second)}")
        if second not in _NUMERIC_UPPER:
            raise FilterPolicyError(f"Bad numeric range operator: {second}")
        high = _numeric_value(second, terms[3] if len(terms) > 3 else None)
        if high <= low:
            raise FilterPolicyError("Bottom must be less than top")
        if len(terms) > 4:
            raise FilterPolicyError("Too many terms in numeric range expression")
        bounds.append((second, high))
    checks = [(_COMPARE[op], round(bound, _DECIMALS)) for op, bound in bounds]

    def test(value: Value) -> bool:
        if not isinstance(value, float):
            return False
        rounded = round(value, _DECIMALS)
        return all(compare(rounded, bound) for compare, bound in checks)

    return test


_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "=": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _numeric_value(operator: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        name = "equals" if operator == "=" else operator
        raise FilterPolicyError(f"Value of {name} must be numeric")
    return number(value)


def _cidr(operand: object) -> Test:
    if not isinstance(operand, str):
        raise FilterPolicyError("prefix match pattern must be a string")
    if operand.count("/") != 1:
        raise FilterPolicyError("Malformed CIDR, one '/' required")
    address, bits = operand.split("/")
    if whole_number(bits) is None or bits.startswith("-"):
        raise FilterPolicyError("Malformed CIDR, mask bits must be an integer")
    try:
        network = ipaddress.ip_network(operand, strict=False)
    except ValueError:
        raise FilterPolicyError(f"Nonstandard IP address: {address}") from None

    def test(value: Value) -> bool:
        if not isinstance(value, str):
            return False
        try:
            return ipaddress.ip_address(value) in network
        except ValueError:
            return False

    return test


def _shown(value: object) -> str:
    """A policy value as AWS's messages quote it: JSON, as written."""
    return json.dumps(value)


# -- values --------------------------------------------------------------------------


def number(value: int | float) -> float:
    """A JSON number as a float; an integer too big for one is infinitely big."""
    try:
        return float(value)
    except OverflowError:
        return float("inf") if value > 0 else float("-inf")


def scalar(value: object) -> Value | None:
    """A JSON scalar as a field value (numbers as floats); None also for objects and arrays.

    The second None is a caller's to tell apart: `body_fields` keeps JSON
    nulls and skips what isn't a scalar.
    """
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, int | float):
        return number(value)
    return None


def body_fields(document: Mapping[str, Any]) -> dict[str, list[Value]]:
    """A JSON object's leaves by dotted path, every element of every array included.

    `{"a": {"b": [1, {"c": 2}]}, "d.e": null}` gives `a.b: [1.0]`, `a.b.c: [2.0]`
    and `d.e: [None]`: an array holds its elements at its own path, the fields
    of objects inside it below that, so a policy searches arrays of objects.
    An empty array or object adds nothing. Walked with a stack, not recursion:
    a message body may nest deeper than Python's recursion limit allows.
    """
    fields: dict[str, list[Value]] = {}
    stack: list[tuple[str, Any]] = [(key, value) for key, value in _reversed(document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            stack.extend((f"{path}.{key}", item) for key, item in _reversed(value))
        elif isinstance(value, list):
            stack.extend((path, item) for item in reversed(value))
        else:
            fields.setdefault(path, []).append(scalar(value))
    return fields


def _reversed(document: Mapping[str, Any]) -> Iterable[tuple[str, Any]]:
    """Items in reverse, so the stack hands them back in document order."""
    items: list[tuple[str, Any]] = list(document.items())
    return items[::-1]
