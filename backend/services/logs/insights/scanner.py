"""The tokens of a Logs Insights query, read one at a time as the parser asks.

A `/` starts a regular expression after `like`, `=~` and in `parse`, and
divides everywhere else; so the parser says when it expects a regex
(`Scanner.regex`) rather than one lexer deciding ahead of it. `#` comments
out the rest of a line. Names may carry dots (`requestParameters.bucketName`)
and a leading `@`; anything else goes between backticks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from backend.services.logs.insights.errors import QueryError, unexpected

TokenKind = Literal["name", "quoted", "string", "number", "duration", "symbol", "end"]

_SPACE: Final = re.compile(r"(?:\s+|#[^\n]*)*")
_NAME: Final = re.compile(r"@*[A-Za-z_][A-Za-z0-9_.@$]*")
_NUMBER: Final = re.compile(r"([0-9]+(?:\.[0-9]+)?)([A-Za-z]+)?")
_SYMBOLS: Final = ("!=", "<=", ">=", "=~", "=", "<", ">", "|", ",", "(", ")", "[", "]", "+", "-")
_SYMBOLS_MORE: Final = ("*", "/", "%", "^")
_ESCAPES: Final = {"n": "\n", "t": "\t", "r": "\r"}


@dataclass(frozen=True, slots=True)
class Token:
    """A token: its kind, its value (a string's text unescaped) and where it lies."""

    kind: TokenKind
    value: str
    start: int
    end: int

    def is_word(self, *words: str) -> bool:
        """Whether this is a bare name spelling one of `words` (keywords ignore case)."""
        return self.kind == "name" and self.value.lower() in words


class Scanner:
    """A read position in a query and the token there."""

    __slots__ = ("_next", "pos", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self._next: Token | None = None

    def peek(self) -> Token:
        if self._next is None:
            self._next = self._read()
        return self._next

    def take(self) -> Token:
        token = self.peek()
        self._next = None
        self.pos = token.end
        return token

    def take_symbol(self, symbol: str) -> bool:
        token = self.peek()
        if token.kind == "symbol" and token.value == symbol:
            self.take()
            return True
        return False

    def take_word(self, *words: str) -> bool:
        if self.peek().is_word(*words):
            self.take()
            return True
        return False

    def expect_symbol(self, symbol: str) -> Token:
        token = self.peek()
        if not self.take_symbol(symbol):
            raise self.refuse(token)
        return token

    def refuse(self, token: Token) -> QueryError:
        return unexpected(self.text, token.start, token.end)

    def at_regex(self) -> bool:
        """Whether a `/regex/` comes next."""
        return self.peek().kind == "symbol" and self.peek().value == "/"

    def regex(self) -> Token:
        """The `/regex/` that comes next, its pattern with `\\/` read as `/`."""
        token = self.peek()
        if token.value != "/":
            raise self.refuse(token)
        start = token.start
        index = start + 1
        parts: list[str] = []
        while index < len(self.text):
            char = self.text[index]
            if char == "\\" and self.text[index + 1 : index + 2] == "/":
                parts.append("/")
                index += 2
                continue
            if char == "\\":
                parts.append(self.text[index : index + 2])
                index += 2
                continue
            if char == "/":
                self._next = None
                self.pos = index + 1
                return Token("string", "".join(parts), start, index + 1)
            parts.append(char)
            index += 1
        raise QueryError("Unterminated regular expression", start, len(self.text) - 1)

    def _read(self) -> Token:
        space = _SPACE.match(self.text, self.pos)
        assert space is not None  # matches the empty string anywhere
        start = space.end()
        text = self.text
        if start >= len(text):
            return Token("end", "", start, start)
        char = text[start]
        if char in "\"'":
            return self._string(start, char)
        if char == "`":
            close = text.find("`", start + 1)
            if close < 0:
                raise unexpected(text, start, start + 1)
            return Token("quoted", text[start + 1 : close], start, close + 1)
        name = _NAME.match(text, start)
        if name is not None:
            return Token("name", name.group(), start, name.end())
        number = _NUMBER.match(text, start)
        if number is not None:
            kind: TokenKind = "duration" if number.group(2) else "number"
            return Token(kind, number.group(), start, number.end())
        for symbol in (*_SYMBOLS, *_SYMBOLS_MORE):
            if text.startswith(symbol, start):
                return Token("symbol", symbol, start, start + len(symbol))
        raise unexpected(text, start, start + 1)

    def _string(self, start: int, quote: str) -> Token:
        text = self.text
        parts: list[str] = []
        index = start + 1
        while index < len(text):
            char = text[index]
            if char == "\\" and index + 1 < len(text):
                escaped = text[index + 1]
                parts.append(_ESCAPES.get(escaped, escaped))
                index += 2
                continue
            if char == quote:
                return Token("string", "".join(parts), start, index + 1)
            parts.append(char)
            index += 1
        raise QueryError("Unterminated string", start, len(text) - 1)
