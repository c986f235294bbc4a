"""A read position in a pattern's text, for the three hand-written parsers.

The three syntaxes share their small tokens (quoted strings, `%regex%`,
operators) but not their words: a bare term allows only letters, digits and
`_`, a field value also `*`, `.`, `+` and `-`. So each parser asks for the
token it expects next rather than running one lexer over the whole pattern.
"""

from __future__ import annotations

import re

from backend.services.logs.patterns.errors import FilterPatternError, invalid_character
from backend.services.logs.patterns.regex import MAX_REGEXES, compile_regex

_SPACE = re.compile(r"\s*")


class Cursor:
    __slots__ = ("pos", "regexes", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        #: Regexes read so far: AWS allows `MAX_REGEXES` in a pattern.
        self.regexes = 0

    def skip_space(self) -> None:
        match = _SPACE.match(self.text, self.pos)
        assert match is not None  # \s* matches everywhere
        self.pos = match.end()

    def at_end(self) -> bool:
        self.skip_space()
        return self.pos >= len(self.text)

    def peek(self) -> str:
        """The next character after any space ('' at the end)."""
        self.skip_space()
        return self.text[self.pos : self.pos + 1]

    def take(self, token: str) -> bool:
        """Step over `token` (after any space) if it comes next."""
        self.skip_space()
        if self.text.startswith(token, self.pos):
            self.pos += len(token)
            return True
        return False

    def expect(self, token: str) -> None:
        if not self.take(token):
            raise FilterPatternError()

    def take_match(self, pattern: re.Pattern[str]) -> str | None:
        """The text `pattern` matches next (after any space), stepped over; None if it doesn't."""
        self.skip_space()
        match = pattern.match(self.text, self.pos)
        if match is None or match.end() == self.pos:
            return None
        self.pos = match.end()
        return match.group()

    def quoted(self, *, empty: bool = True) -> str:
        """The string between the next pair of double quotes.

        A backslash keeps the character after it (`\\"` is a quote, `\\\\` a
        backslash). Without `empty` an empty string is refused, as AWS refuses
        `""` as a term.
        """
        self.expect('"')
        chars: list[str] = []
        text, pos = self.text, self.pos
        while pos < len(text):
            char = text[pos]
            if char == '"':
                self.pos = pos + 1
                if not chars and not empty:
                    raise invalid_character('""')
                return "".join(chars)
            if char == "\\" and pos + 1 < len(text):
                pos += 1
                char = text[pos]
            chars.append(char)
            pos += 1
        raise FilterPatternError()

    def regex(self) -> re.Pattern[str]:
        """The regex between the next pair of `%` (which a regex can't contain)."""
        self.expect("%")
        end = self.text.find("%", self.pos)
        self.regexes += 1
        if end < 0 or self.regexes > MAX_REGEXES:
            raise FilterPatternError()
        body = self.text[self.pos : end]
        self.pos = end + 1
        return compile_regex(body)
