"""Describe* filters: `Filter.N.Name` with `Filter.N.Value.M`.

Names AND, values OR; matching is case-sensitive, with `*` (any run) and
`?` (any one character) as wildcards and `\\` escaping them; `tag:<Key>`
matches a tag's value, `tag-key` a tag's key, `tag-value` any tag's value
(AWS_FACTS §18, EC2 User Guide "List and filter your resources"). Each
resource type says which names it knows, as functions from the resource to
its values; a name it does not know is AWS's InvalidParameterValue.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from backend.services.ec2.errors import InvalidParameterValue

T = TypeVar("T")
#: A filter name's values for one resource.
Values = Callable[[Any], Iterable[str]]


def _pattern(value: str) -> re.Pattern[str]:
    out = []
    escaped = False
    for char in value:
        if escaped:
            out.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        else:
            out.append(re.escape(char))
    if escaped:
        out.append(re.escape("\\"))
    return re.compile("".join(out), re.DOTALL)


def own_tags(resource: Any) -> Mapping[str, str]:
    """A model object's tags (every EC2 resource keeps them as `tags`)."""
    tags: Mapping[str, str] = resource.tags
    return tags


class Filters:
    """The filters of one request, checked against a resource type's names."""

    def __init__(
        self,
        given: Sequence[Mapping[str, Any]] | None,
        names: Mapping[str, Values],
        tags: Callable[[Any], Mapping[str, str]] | None = None,
    ) -> None:
        """`tags` reads a resource's tags for `tag:K` and `tag-key` (None: it has none)."""
        self._tests: list[tuple[Values, list[re.Pattern[str]]]] = []
        for entry in given or ():
            name = str(entry.get("Name", ""))
            values = [_pattern(str(v)) for v in entry.get("Values") or ()]
            self._tests.append((_values_of(name, names, tags), values))

    def match(self, resource: Any) -> bool:
        for values_of, patterns in self._tests:
            have = list(values_of(resource))
            if not any(p.fullmatch(v) for p in patterns for v in have):
                return False
        return True

    def apply(self, resources: Iterable[T]) -> list[T]:
        return [r for r in resources if self.match(r)]


def _values_of(
    name: str, names: Mapping[str, Values], tags: Callable[[Any], Mapping[str, str]] | None
) -> Values:
    if name in names:
        return names[name]
    if tags is not None:
        if name.startswith("tag:"):
            key = name[4:]
            return lambda r: [tags(r)[key]] if key in tags(r) else []
        if name == "tag-key":
            return lambda r: list(tags(r))
        if name == "tag-value":
            return lambda r: list(tags(r).values())
    raise InvalidParameterValue(f"The filter '{name[:200]}' is invalid")
