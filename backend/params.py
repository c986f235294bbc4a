"""Reading AWS request parameters, with AWS's errors for missing or ill-typed ones.

Handlers receive params in botocore's member names and Python types (str,
int, bool, bytes for blobs, lists and dicts). Anything can arrive, from a
scenario file or the network, so each read checks the type and answers with
the error AWS gives rather than letting a Python exception escape.
"""

from __future__ import annotations

from typing import Any

from backend.errors import ErrorCode, InvalidParameterValue, MissingParameter
from backend.numbers import whole_number

Params = dict[str, Any]
#: Characters of a bad value quoted back in an error message.
_QUOTED = 100


def quoted(value: object) -> str:
    """`value` as an error message shows it, cut short after 100 characters.

    A 5,000-digit index or a 1 MiB string would otherwise come back whole.
    """
    text = str(value)
    return text if len(text) <= _QUOTED else f"{text[:_QUOTED]}..."


def required_str(params: Params, name: str, *, missing: ErrorCode = MissingParameter) -> str:
    value = params.get(name)
    if value is None or value == "":
        raise missing(f"The request must contain the parameter {name}.")
    if not isinstance(value, str):
        raise InvalidParameterValue(
            f"Value for parameter {name} is invalid. Reason: must be a string."
        )
    return value


def optional_str(params: Params, name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidParameterValue(
            f"Value for parameter {name} is invalid. Reason: must be a string."
        )
    return value


def optional_int(
    params: Params, name: str, low: int, high: int, reason: str | None = None
) -> int | None:
    """An integer parameter within [low, high], or None when absent.

    Text is read with `whole_number`, as every face reads numbers: the dashboard
    and scenario actors pass ints, but a caller may pass what a form or file held.
    """
    value = params.get(name)
    if value is None:
        return None
    number = whole_number(value) if isinstance(value, str) else value
    if isinstance(number, bool) or not isinstance(number, int) or not low <= number <= high:
        why = reason or f"Must be >= {low} and <= {high}, if provided."
        raise InvalidParameterValue(
            f"Value {quoted(value)} for parameter {name} is invalid. Reason: {why}"
        )
    return number


def optional_list(params: Params, name: str) -> list[Any]:
    value = params.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidParameterValue(
            f"Value for parameter {name} is invalid. Reason: must be a list."
        )
    return value


def optional_str_list(params: Params, name: str) -> list[str]:
    """A list of names (attribute names, tag keys): every item must be a string.

    Checked before a handler acts, so a bad item fails the call cleanly instead
    of failing halfway, e.g. after a receive has already taken its messages.
    """
    values = optional_list(params, name)
    if values and not all(isinstance(v, str) for v in values):
        raise InvalidParameterValue(
            f"Value for parameter {name} is invalid. Reason: must be a list of strings."
        )
    return values


def optional_map(params: Params, name: str) -> dict[str, Any]:
    value = params.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidParameterValue(
            f"Value for parameter {name} is invalid. Reason: must be a map."
        )
    return value
