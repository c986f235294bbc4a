"""Receipt handles: what a receive hands out and a delete or visibility change gives back.

A handle is opaque to clients but carries what the queue needs to find the
message and judge the handle: a key of the queue it came from (a handle from
another queue is `ReceiptHandleIsInvalid`), the message id, and the number of
the receive that issued it (an older receive's handle is stale: FIFO queues
reject it, standard queues accept it). Base64, starting `AQEB` as AWS's do.
"""

from __future__ import annotations

import binascii
import functools
import hashlib

_PREFIX = b"\x01\x01\x01"
_KEY = 8
_MESSAGE_ID = 36
_RECEIVE = 10
_LENGTH = len(_PREFIX) + _KEY + _MESSAGE_ID + _RECEIVE


@functools.lru_cache(maxsize=1024)
def handle_key(queue_arn: str) -> bytes:
    """The queue's key inside its handles (remembered: every receive asks for it)."""
    return hashlib.md5(queue_arn.encode()).digest()[:_KEY]


def encode_handle(key: bytes, message_id: str, receipt: int) -> str:
    raw = _PREFIX + key + message_id.encode("ascii") + receipt.to_bytes(_RECEIVE, "big")
    # `base64.b64encode`'s and `b64decode`'s own work, without their Python frames.
    return binascii.b2a_base64(raw, newline=False).decode("ascii")


def decode_handle(handle: str) -> tuple[bytes, str, int] | None:
    """(queue key, message id, receive number), or None when it is not a handle at all."""
    try:
        raw = binascii.a2b_base64(handle.encode("ascii"), strict_mode=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) != _LENGTH or not raw.startswith(_PREFIX):
        return None
    start = len(_PREFIX) + _KEY
    try:
        message_id = raw[start : start + _MESSAGE_ID].decode("ascii")
    except UnicodeDecodeError:
        return None
    return raw[len(_PREFIX) : start], message_id, int.from_bytes(raw[start + _MESSAGE_ID :], "big")
