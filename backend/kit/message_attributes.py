"""Message attributes as SQS and SNS share them: what a Number is, and what attributes weigh.

Both services take attributes as `{name: {DataType, StringValue | BinaryValue}}`,
count their names, types and values toward the message size limit, and
accept the same numbers (decimal notation, up to 38 significant digits, from
1e-128 to 1e126 in magnitude). Each words its own errors around these rules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

_NUMBER = re.compile(r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
_NUMBER_MIN = Decimal("1e-128")
_NUMBER_MAX = Decimal("1e126")
_MAX_DIGITS = 38


def is_number(raw: str) -> bool:
    """Whether `raw` is a Number attribute value AWS accepts.

    `float()` alone would let through what AWS rejects: "nan", "inf",
    "1_000", a padded " 7", or 1e400.
    """
    if _NUMBER.match(raw) is None:
        return False
    value = Decimal(raw)
    if value.is_zero():
        return True
    digits = "".join(map(str, value.as_tuple().digits)).strip("0")
    return len(digits) <= _MAX_DIGITS and _NUMBER_MIN <= value.copy_abs() <= _NUMBER_MAX


def attributes_size(attributes: Mapping[str, Mapping[str, Any]]) -> int:
    """Bytes the attributes add to a message's size: names, types and values all count."""
    size = 0
    for name, value in attributes.items():
        data_type: str = value["DataType"]
        size += len(name.encode("utf-8")) + len(data_type.encode("utf-8"))
        raw = value.get("BinaryValue") if data_type.startswith("Binary") else None
        size += len(raw) if raw is not None else len(value["StringValue"].encode("utf-8"))
    return size
