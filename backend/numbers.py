"""Numbers written as text, read the one way every face of the cloud reads them.

Python's own readings are wider than AWS's. `str.isdigit` is true for '¹',
which `int()` then refuses, so a check-then-convert raised inside a handler
and the client got a 500. `int()` and `float()` take Arabic-Indic '٣٠',
fullwidth digits (U+FF10 to U+FF19), ' 7', '+7' and '1_000', none of which AWS
reads as a number, and `float()` takes 'nan' and 'inf'. The query codec, request
parameters, SQS attribute values and the dashboard's forms all read numbers
here, so no two of them can disagree about what one is.

The readers return None rather than raise: each face answers a bad number with
an error of its own (`InvalidParameterValue` over the query protocol,
`InvalidAttributeValue` for a queue attribute, a hint under a form field).
"""

from __future__ import annotations

import math
import re

#: Most digits a whole number may have. Every 64-bit integer fits in 19; more can
#: only be a mistake or an attack, and Python's `int()` works quadratically on long
#: text (past 4,300 digits it raises ValueError instead).
MAX_DIGITS = 19
_WHOLE = re.compile(f"-?[0-9]{{1,{MAX_DIGITS}}}")
_DECIMAL = re.compile(r"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")

#: The values of AWS's `integer` and `long` shapes (Smithy's 32- and 64-bit integers).
INT32 = range(-(2**31), 2**31)
INT64 = range(-(2**63), 2**63)


def whole_number(text: str) -> int | None:
    """The integer `text` spells, or None: ASCII digits after an optional single '-'.

    Nothing else is a whole number: no '+', no spaces, no underscores, no digits
    of other scripts, no more than `MAX_DIGITS` digits.
    """
    return int(text) if _WHOLE.fullmatch(text) else None


def decimal_number(text: str) -> float | None:
    """The finite number `text` spells in ASCII decimal notation (`-1.5`, `.5`, `2e3`), or None.

    Same sign rule as `whole_number`; 'nan', 'inf' and exponents beyond a
    double's range (`1e400`) are not numbers.
    """
    if not _DECIMAL.fullmatch(text):
        return None
    number = float(text)
    return number if math.isfinite(number) else None
