"""One value of an event (a space-delimited field, a JSON leaf) against a pattern's literal.

The two structured syntaxes compare alike: `=` and `!=` take text with `*` at
either end (`4*`, `*.html*`; a `*` inside is itself, as AWS documents
`Ev*ent`), a number, or a `%regex%`; `<`, `<=`, `>`, `>=` take a number.
A number literal compares as a number with a value that is one and as the
text written with one that isn't, so `= 400` matches both `400` and `"400"`.
They differ only in what counts as a number: a field is text, read as a
number when it spells one; a JSON leaf is a number only when JSON says so.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

from backend.numbers import decimal_number
from backend.services.logs.patterns.cursor import Cursor
from backend.services.logs.patterns.errors import FilterPatternError, invalid_character

#: A value compared: a field's text, or a JSON string or number (never a bool).
Leaf = str | int | float
Test = Callable[[Leaf], bool]

#: Longest first, so that `<=` is not read as `<` then `=`.
_OPERATORS = ("!=", "<=", ">=", "=", "<", ">")
#: Each order operator as the comparison of the bound with the value, so that
#: `partial(_BOUND_FIRST[">"], 1000)(value)` is `1000 < value`, all of it in C.
_BOUND_FIRST: dict[str, Callable[[float, float], bool]] = {
    "<": operator.gt,
    "<=": operator.ge,
    ">": operator.lt,
    ">=": operator.le,
}
#: What may follow a bare literal without a space between: the end of a field or condition.
_AFTER_WORD = frozenset(",]})&|")
#: Characters of a JSON number as `leaf_text` writes it (`-1.5e+20`, `inf`, `nan`).
_NUMBER_TEXT = frozenset("0123456789.+-eEinfa")


@dataclass(frozen=True, slots=True)
class Comparison:
    operator: str
    #: The literal as written (unquoted), or its regex.
    literal: str | re.Pattern[str]

    def test(self, *, text_numbers: bool) -> Test:
        """The test a value must pass; `text_numbers` reads numbers from text (fields do)."""
        literal = self.literal
        if isinstance(literal, re.Pattern):
            search = literal.search
            if self.operator == "=":
                return lambda value: search(leaf_text(value)) is not None
            return lambda value: search(leaf_text(value)) is None
        number_of = _text_number if text_numbers else _json_number
        accepts = self.ordering()
        if accepts is not None:

            def ordered(value: Leaf) -> bool:
                number = number_of(value)
                return number is not None and accepts(number)

            return ordered
        equal = _equality(literal, literal_number(literal), number_of)
        if self.operator == "=":
            return equal
        return lambda value: not equal(value)

    def ordering(self) -> Callable[[float], bool] | None:
        """For `<`, `<=`, `>`, `>=`: the test a number must pass (None for other operators)."""
        compare = _BOUND_FIRST.get(self.operator)
        if compare is None or isinstance(self.literal, re.Pattern):
            return None
        bound = literal_number(self.literal)
        assert bound is not None  # read_comparison refuses anything else
        return functools.partial(compare, bound)

    def needle(self, *, leaves_are_text: bool) -> str | None:
        """Text that the event holding any value passing `=` contains, if there is one.

        A field is text of the event, so it is the literal without its `*`s.
        A JSON leaf that passes is a string (the caller makes sure the event
        has no escapes), so it is that in quotes, the quote left off where a `*`
        stands: `"UpdateTrail"`, `Trail"` for `*Trail`. A number has many
        spellings (`400`, `4e2`), so a number literal has no needle; nor does a
        wildcard whose text a JSON number could be (`4*`), since the number is
        compared as `leaf_text` writes it, not as the event did.
        """
        literal = self.literal
        if self.operator != "=" or isinstance(literal, re.Pattern):
            return None
        core = literal.strip("*")
        if not core or (core == literal and literal_number(literal) is not None):
            return None
        if leaves_are_text:
            return core
        if _NUMBER_TEXT.issuperset(core):
            return None
        opening = "" if literal.startswith("*") else '"'
        closing = "" if literal.endswith("*") else '"'
        return f"{opening}{core}{closing}"


def read_comparison(cursor: Cursor, word: re.Pattern[str]) -> Comparison:
    """An operator and its literal: quoted, `%regex%`, or a bare `word`."""
    cursor.skip_space()
    for symbol in _OPERATORS:
        if cursor.take(symbol):
            break
    else:
        raise FilterPatternError()
    literal: str | re.Pattern[str]
    match cursor.peek():
        case '"':
            literal = cursor.quoted()
        case "%":
            literal = cursor.regex()
        case "":
            raise FilterPatternError()
        case next_char:
            taken = cursor.take_match(word)
            if taken is None:
                raise invalid_character(next_char)
            after = cursor.text[cursor.pos : cursor.pos + 1]
            if after and not after.isspace() and after not in _AFTER_WORD:
                raise invalid_character(after)
            literal = taken
    if symbol in _BOUND_FIRST and (
        isinstance(literal, re.Pattern) or literal_number(literal) is None
    ):
        raise FilterPatternError()
    return Comparison(symbol, literal)


def literal_number(text: str) -> float | None:
    """The number a pattern spells (`400`, `+1000`, `-1.5`, `10e-3`), or None."""
    return decimal_number(text[1:] if text.startswith("+") else text)


def leaf_text(value: Leaf) -> str:
    """A value as text: a JSON number as Python writes it (`400`, `1.5`)."""
    return value if isinstance(value, str) else repr(value)


def _text_number(value: Leaf) -> float | None:
    return decimal_number(value) if isinstance(value, str) else float(value)


def _json_number(value: Leaf) -> float | None:
    return None if isinstance(value, str) else float(value)


def _equality(
    literal: str, number: float | None, number_of: Callable[[Leaf], float | None]
) -> Test:
    core = literal.strip("*")
    leading, trailing = literal.startswith("*"), literal.endswith("*")
    if literal and not core:
        return lambda value: True
    if leading and trailing:
        return lambda value: core in leaf_text(value)
    if leading:
        return lambda value: leaf_text(value).endswith(core)
    if trailing:
        return lambda value: leaf_text(value).startswith(core)
    if number is None:
        return lambda value: leaf_text(value) == literal

    def numeric(value: Leaf) -> bool:
        found = number_of(value)
        return found == number if found is not None else leaf_text(value) == literal

    return numeric
