"""JSON that a client wrote: read it without letting it raise what a handler can't answer.

Policies, redrive policies and pagination tokens arrive as text inside a
request. `json.loads` raises `ValueError` for what isn't JSON, which handlers
turn into AWS's error, but `RecursionError` for what nests too deep: a
hundred thousand `[` in a queue's Policy was an `InternalFailure` (500) until
the wire fuzz test found it. Every reader of client JSON comes through here,
so the one rule holds for all of them.
"""

from __future__ import annotations

import json
from typing import Any


def json_document(text: str | bytes) -> Any:
    """The JSON value `text` holds; `ValueError` for anything that isn't one, however deep."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply") from None
