"""Object keys, and the files under a bucket folder that hold them (AWS_FACTS §16.3).

A key is any 1 to 1,024 bytes of UTF-8, `/`, `.`, `..`, `//`, NUL and control
characters included, and none of it may reach outside its bucket folder. A
person browsing the folder should still see `docs/readme.txt` as a folder
`docs` holding `readme.txt`, and a file they drop there should become the
object they expect. So a key is split at each `/` into segments, and each
segment becomes one folder or file name:

- kept as it is when it is an ordinary name: `photo.jpg`, `Q3 report.pdf`,
  `été`;
- with each byte a file system or a shell would choke on written as `%XX`
  (upper-case hex): `/ \\ : * ? " < > | %`, control characters, and a
  leading `.` (so no segment is `.`, `..` or a hidden name);
- `%` alone for an empty segment (`a//b`, `/lead`, `trail/`);
- `%40` for a segment that is exactly `@`, because `@` is reserved (below);
- `%~<sha256 hex>` when the name would pass 255 bytes (NAME_MAX), or would
  alias another name on a case- or normalization-insensitive file system;
  the index remembers what each hashed name stands for.

A key that is both an object and a folder (`a` and `a/b`; `a/` and `a//b`)
keeps its own bytes in a file named `@` inside the folder: `a` is the file
`a` until `a/b` arrives, and then `a/@`. So `a`, `a/` (`a/%`) and `a/b`
coexist. A key whose path would pass `MAX_PATH` bytes is stored under one
hashed name at the top of the bucket.

Reading a path back is `decode_path`, a function of the path alone (plus
the hashed names the index remembers): it is how a file someone drops into
a bucket folder becomes a key. Such a file's name is read the same way, so
`photo.jpg` is key `photo.jpg`, `docs/readme.txt` is `docs/readme.txt`, and
a name that happens to hold `%41` reads as `A`. Hidden names (`.DS_Store`,
editor swap files) are never objects' files, so they are skipped.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence

from backend.services.s3.errors import InvalidArgument, KeyTooLongError

MAX_KEY_BYTES = 1024
#: Longest file or folder name most file systems take (NAME_MAX), in bytes.
NAME_MAX = 255
#: Longest path below the bucket folder a key is given before it is hashed whole:
#: well inside PATH_MAX (4,096 on Linux, 1,024 on macOS) once the data folder is added.
MAX_PATH = 768
#: The file inside a folder that holds the object whose key is the folder's own path.
SELF = "@"
#: The name of an empty segment.
EMPTY = "%"
#: The start of a hashed name: `%` followed by a character no escape produces.
HASHED = "%~"

_UNSAFE = frozenset('/\\:*?"<>|%\x7f') | frozenset(chr(c) for c in range(0x20))
_UNSAFE_CHARS = re.escape("".join(sorted(_UNSAFE)))
#: Finds any character of `_UNSAFE`: most segments have none and are kept as they are.
_ANY_UNSAFE = re.compile(f"[{_UNSAFE_CHARS}]")
_HEX = frozenset("0123456789abcdefABCDEF")
#: A segment kept as it is and short enough to need no length check: no unsafe
#: character, no leading `.`, not `@`, at most NAME_MAX // 4 characters.
_PLAIN_SEGMENT = rf"(?!\.)(?!@(?:/|\Z))[^{_UNSAFE_CHARS}]{{1,63}}"
#: A key of plain segments whose path needs no length check either (at most
#: 190 characters: (190 + 1) * 4 + len(SELF) <= MAX_PATH), as most keys are.
_PLAIN_KEY = re.compile(rf"(?=.{{1,190}}\Z){_PLAIN_SEGMENT}(?:/{_PLAIN_SEGMENT})*", re.DOTALL)

#: Looks a hashed name up in the index: what it stands for, or None.
Fragments = Callable[[str], str | None]


def check_key(key: object) -> str:
    """`key` as a key S3 takes, or S3's error for it."""
    if not isinstance(key, str) or not key:
        raise InvalidArgument("A key must be specified", ArgumentName="key", ArgumentValue="")
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError:
        raise InvalidArgument(
            "Object keys must be valid UTF-8", ArgumentName="key", ArgumentValue=repr(key)
        ) from None
    if size > MAX_KEY_BYTES:
        raise KeyTooLongError(Size=str(size), MaxSizeAllowed=str(MAX_KEY_BYTES))
    return key


def hashed_name(fragment: str) -> str:
    """The name that stands for `fragment` (a segment, or a whole key) via the index."""
    return HASHED + hashlib.sha256(fragment.encode("utf-8")).hexdigest()


def escaped_name(segment: str) -> str:
    """`segment` as a file or folder name, with unsafe bytes escaped (may be too long)."""
    if segment == "":
        return EMPTY
    if segment == SELF:
        return "%40"
    if segment[0] != "." and _ANY_UNSAFE.search(segment) is None:
        return segment
    out: list[str] = []
    for i, char in enumerate(segment):
        if char in _UNSAFE or (i == 0 and char == "."):
            out.append("".join(f"%{b:02X}" for b in char.encode("utf-8")))
        else:
            out.append(char)
    return "".join(out)


def segment_name(segment: str) -> str:
    """The name one segment is stored under: escaped, or hashed when too long."""
    name = escaped_name(segment)
    # A character is at most 4 bytes of UTF-8: a short name needs no encoding to tell.
    if len(name) * 4 <= NAME_MAX or len(name.encode("utf-8")) <= NAME_MAX:
        return name
    return hashed_name(segment)


def key_names(key: str) -> list[tuple[str, str]]:
    """The names of the folders and the file that hold `key`, outermost first.

    Each with the segment it stands for (which the index must remember when
    the name is hashed). The names alone, without `SELF`: the file form.
    When the path would pass `MAX_PATH`, the key is one hashed file at the
    top of the bucket, standing for the whole key. A key of plain segments
    (`_PLAIN_KEY`) is its own names, found with one match instead of a look
    at each segment and at the length of each name and of the path.
    """
    if _PLAIN_KEY.fullmatch(key) is not None:
        segments = key.split("/")
        return list(zip(segments, segments, strict=True))
    return _names_by_segment(key)


def _names_by_segment(key: str) -> list[tuple[str, str]]:
    """`key_names` the long way: each segment named, then the path's length checked."""
    pairs = [(segment_name(segment), segment) for segment in key.split("/")]
    # Each name and its `/` (or the final `/@`): the names joined, plus one.
    path = "/".join([name for name, _ in pairs])
    if (len(path) + 1) * 4 + len(SELF) > MAX_PATH and (
        len(path.encode("utf-8")) + 1 + len(SELF) > MAX_PATH
    ):
        return [(hashed_name(key), key)]
    return pairs


def decode_name(name: str, fragments: Fragments) -> str | None:
    """The segment a folder or file name stands for, or None if it stands for none."""
    if name.startswith(HASHED):
        return fragments(name)
    if name == EMPTY:
        return ""
    if not name or name.startswith(".") or "/" in name or "\x00" in name:
        return None
    if "%" not in name:
        return name
    out = bytearray()
    i = 0
    while i < len(name):
        char = name[i]
        if char == "%" and i + 2 < len(name) and name[i + 1] in _HEX and name[i + 2] in _HEX:
            out.append(int(name[i + 1 : i + 3], 16))
            i += 3
            continue
        out += char.encode("utf-8", "surrogateescape")
        i += 1
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:
        return None


def decode_path(parts: Sequence[str], fragments: Fragments) -> str | None:
    """The key the file at `parts` (below its bucket folder) holds, or None.

    None means the file is no object's: a hidden name, an escape that is not
    UTF-8, a hashed name the index does not know, or a key S3 would refuse.
    """
    if parts and parts[-1] == SELF:
        parts = parts[:-1]
    if not parts:
        return None
    segments: list[str] = []
    for name in parts:
        segment = decode_name(name, fragments)
        if segment is None:
            return None
        segments.append(segment)
    key = "/".join(segments)
    return key if 0 < len(key.encode("utf-8")) <= MAX_KEY_BYTES else None
