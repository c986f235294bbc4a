"""The regex dialect of filter patterns (`%...%`): AWS's small subset, run by Python's `re`.

AWS allows letters, digits, the symbols `: _ # = @ / ; , -`, spaces and the
operators `^ $ ? [ ] { } | \\ * + .`; no parentheses (no groups), nothing
beyond ASCII, and `\\xhh` for any character the list leaves out. Within that
subset Python's `re` with `re.ASCII` means what AWS documents (`\\d` is
`[0-9]`, `\\w` is `[a-zA-Z_0-9]`), so a checked regex compiles as it is. It
searches: `%Trail%` matches `UpdateTrail`, and `^`/`$` anchor it.
"""

from __future__ import annotations

import re
import string

from backend.services.logs.patterns.errors import FilterPatternError, invalid_character

#: Regexes a whole pattern may hold (AWS's quota).
MAX_REGEXES = 2

_ALLOWED = frozenset(string.ascii_letters + string.digits + ":_#=@/;,- ^$?[]{}|\\*+.")
#: What may follow a backslash: a class, `xhh`, or a character the dialect allows.
_ESCAPES = re.compile(r"\\(?:[dDsSwW]|x[0-9A-Fa-f]{2}|[:_#=@/;,\- ^$?\[\]{}|\\*+.])")
#: `{m, n}` as AWS writes it; Python only reads `{m,n}` as a count.
_SPACED_COUNT = re.compile(r"\{([0-9]*) *, *([0-9]*)\}")


def compile_regex(body: str) -> re.Pattern[str]:
    """The `re` pattern for the text between the `%`s; FilterPatternError if AWS refuses it."""
    if not body:
        raise FilterPatternError()
    for char in body:
        if char not in _ALLOWED:
            raise invalid_character(char)
    if "\\" in _ESCAPES.sub("", body):
        raise FilterPatternError()
    try:
        return re.compile(_SPACED_COUNT.sub(r"{\1,\2}", body), re.ASCII)
    except re.error:
        raise FilterPatternError() from None
