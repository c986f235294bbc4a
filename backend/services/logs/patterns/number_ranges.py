"""Regexes for the JSON numbers that may pass an order comparison, so that C can refuse the rest.

`{ $.latency > 850 }` is tested on millions of events, most of which hold a
latency that fails it. Reading each number in Python costs a microsecond;
a regex that only numbers possibly over 850 match (`85[0-9]`, `8[6-9][0-9]`,
`9[0-9]{2}`, four digits or more, anything with an exponent) refuses the others
in C. Such a regex may let through numbers that fail (`850`, `851.5e-3`),
which the exact test then reads; it never refuses one that passes. The
integer part decides: a number without an exponent whose integer part is I
lies in [I, I + 1), so it can pass `> B` or `>= B` only if I >= floor(B), and
`< B` or `<= B` only if I <= floor(B).
"""

from __future__ import annotations

import math

#: A number as Python's `json` reads one, `NaN` and `Infinity` included.
JSON_NUMBER = r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|-?Infinity|NaN"
#: A non-negative number with an exponent (and some that aren't numbers): its integer
#: part says nothing of its size.
_SCALED = r"[0-9][0-9.]*+[eE]"
#: Largest floor(bound) written out digit by digit; past it any number is let through.
_MAX_BOUND = 10**18


def passing(symbol: str, bound: float) -> str:
    """A regex matching, at its start, every JSON number that passes `symbol` `bound`.

    `symbol` is `<`, `<=`, `>` or `>=`. Only numbers that may pass are
    matched; none that passes is missed.
    """
    if not math.isfinite(bound) or abs(bound) >= _MAX_BOUND:
        return JSON_NUMBER
    whole = math.floor(bound)
    if symbol in (">", ">="):
        if bound <= 0:
            # `-0` passes `>= 0`, and negative bounds let some negatives through: read them all.
            return JSON_NUMBER
        return f"Infinity|{_SCALED}|{_at_least(str(whole))}"
    if bound < 0:
        return JSON_NUMBER
    return f"-|{_SCALED}|(?:{_at_most(str(whole))})(?![0-9])"


def _at_least(digits: str) -> str:
    """Integers as JSON writes them (no sign, no leading zero) of `digits` or more.

    Those with more digits, then for each digit the ones that agree before it
    and are larger there; from the last digit that isn't 0 on, any digits do.
    """
    width = len(digits)
    last = len(digits.rstrip("0")) - 1
    if last < 0:
        return "[0-9]"
    choices = [f"[1-9][0-9]{{{width},}}"]
    for i in range(last):
        if digits[i] != "9":
            choices.append(f"{digits[:i]}[{int(digits[i]) + 1}-9][0-9]{{{width - i - 1}}}")
    choices.append(f"{digits[:last]}[{digits[last]}-9][0-9]{{{width - last - 1}}}")
    return "|".join(choices)


def _at_most(digits: str) -> str:
    """Integers as JSON writes them of `digits` or less (the caller bars a digit after).

    Those with fewer digits, then for each digit the ones that agree before it
    and are smaller there; from the last digit that isn't 9 on, any digits do.
    """
    width = len(digits)
    last = len(digits.rstrip("9")) - 1
    choices = ["0", f"[1-9][0-9]{{0,{width - 2}}}"] if width >= 2 else ["0"]
    for i in range(max(last, 0)):
        lowest = 1 if i == 0 else 0
        if int(digits[i]) > lowest:
            choices.append(f"{digits[:i]}[{lowest}-{int(digits[i]) - 1}][0-9]{{{width - i - 1}}}")
    if last < 0:
        choices.append(f"[1-9][0-9]{{{width - 1}}}")
    elif last > 0 or digits[0] != "0":
        lowest = 1 if last == 0 else 0
        choices.append(f"{digits[:last]}[{lowest}-{digits[last]}][0-9]{{{width - last - 1}}}")
    return "|".join(choices)
