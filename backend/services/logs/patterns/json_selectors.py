"""JSON property selectors: `$.user.id`, `$.users[0].email`, `$.['cluster.name']`, `$.a[*]`, `$.*`.

A selector starts at `$` with a property (`.name`, a name of letters,
digits, `-` and `_`; `['any.text']` for a name with other characters; or
`.*`), then properties and array indexes (`[0]`) in any order. `.*` selects
every field of an object, `[*]` every element of an array: a selector with
one finds many values, and a condition holds when it holds for any of them.
AWS allows one wildcard in a selector.

A selector is compiled once into a walk of dict and list lookups.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from functools import cache
from typing import Any

from backend.services.logs.patterns.cursor import Cursor
from backend.services.logs.patterns.errors import FilterPatternError, invalid_character

#: Wildcards a selector may have (AWS's quota).
MAX_SELECTOR_WILDCARDS = 1

_NAME = re.compile(r"\.([A-Za-z0-9_-]+)")
_QUOTED_NAME = re.compile(r"\.?\['([^']*)'\]")
_INDEX = re.compile(r"\[([0-9]+)\]")


class Wildcard(enum.Enum):
    FIELD = ".*"
    ELEMENT = "[*]"


Step = str | int | Wildcard
#: Every value a selector finds in a document (none when its path is absent).
Finder = Callable[[Any], list[Any]]


class Selector:
    __slots__ = ("find", "key", "leaf_key", "root", "top_key", "wildcards")

    def __init__(self, steps: tuple[Step, ...]) -> None:
        self.wildcards = sum(isinstance(step, Wildcard) for step in steps)
        #: The last property named, which the text of a document with a value here contains.
        self.key = next((step for step in reversed(steps) if isinstance(step, str)), None)
        #: That property when it is the last step, so that the values found follow it.
        self.leaf_key = steps[-1] if steps and isinstance(steps[-1], str) else None
        #: That property when it is the only step (`$.latency`): one lookup finds the value.
        self.top_key = self.leaf_key if len(steps) == 1 else None
        #: The member of the event the selector starts at (None for `$.*`): all it reads.
        self.root = steps[0] if steps and isinstance(steps[0], str) else None
        path = [step for step in steps if not isinstance(step, Wildcard)]
        self.find: Finder = _walk(steps) if self.wildcards else _path(tuple(path))


def read_selector(cursor: Cursor) -> Selector:
    cursor.expect("$")
    start = cursor.pos - 1
    steps: list[Step] = []
    text = cursor.text
    while True:
        if text.startswith(".*", cursor.pos):
            step: Step = Wildcard.FIELD
            cursor.pos += 2
        elif steps and text.startswith("[*]", cursor.pos):
            step = Wildcard.ELEMENT
            cursor.pos += 3
        elif match := _QUOTED_NAME.match(text, cursor.pos) or _NAME.match(text, cursor.pos):
            step = match.group(1)
            cursor.pos = match.end()
        elif steps and (match := _INDEX.match(text, cursor.pos)):
            step = int(match.group(1))
            cursor.pos = match.end()
        elif text.startswith(".", cursor.pos) and cursor.pos + 1 < len(text):
            # AWS quotes a selector up to the character it can't read: `$."sc-status"` gives '$."'.
            raise invalid_character(text[start : cursor.pos + 2])
        else:
            break
        steps.append(step)
    selector = Selector(tuple(steps))
    if not steps or selector.wildcards > MAX_SELECTOR_WILDCARDS:
        raise FilterPatternError()
    return selector


@cache
def selector_of(text: str) -> Selector | None:
    """The selector `text` is in full (`$.latency`), or None: a metric value or dimension."""
    cursor = Cursor(text)
    try:
        selector = read_selector(cursor)
    except FilterPatternError:
        return None
    return selector if cursor.pos == len(text) else None


def _path(steps: tuple[str | int, ...]) -> Finder:
    def find(document: Any) -> list[Any]:
        node = document
        for step in steps:
            if isinstance(step, str):
                if type(node) is not dict or step not in node:
                    return []
            elif type(node) is not list or step >= len(node):
                return []
            node = node[step]
        return [node]

    return find


def _walk(steps: tuple[Step, ...]) -> Finder:
    def find(document: Any) -> list[Any]:
        nodes = [document]
        for step in steps:
            if step is Wildcard.FIELD:
                nodes = [value for node in nodes if type(node) is dict for value in node.values()]
            elif step is Wildcard.ELEMENT:
                nodes = [item for node in nodes if type(node) is list for item in node]
            elif isinstance(step, str):
                nodes = [node[step] for node in nodes if type(node) is dict and step in node]
            else:
                nodes = [node[step] for node in nodes if type(node) is list and step < len(node)]
        return nodes

    return find
