"""Keys and files: every key maps to a path inside its bucket folder and back.

The property tests are the promise of `keys.py`: any key S3 takes (any
UTF-8 up to 1,024 bytes, `..`, `//`, NUL and all) becomes folder and file
names that are each one safe path component, and reading those names back
gives the key again; and through the whole store, any set of keys coexists,
reads back, lists in UTF-8 byte order and leaves nothing outside the folder.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.cloud import Cloud
from backend.services.s3.keys import (
    HASHED,
    MAX_KEY_BYTES,
    NAME_MAX,
    SELF,
    _names_by_segment,
    decode_path,
    key_names,
)
from tests.backend.test_s3_helpers import get, keys, new_cloud, put, s3, service

_SPECIAL = [
    "",
    ".",
    "..",
    "@",
    "%",
    "%41",
    "%~",
    ".hidden",
    "a",
    "A",
    "-",
    " ",
    "\x00",
    "\x1f",
    "\\",
    ":",
    "é",
    "😀",
    "x" * 300,
    "\u00e9" * 100,
]
segment = st.one_of(
    st.sampled_from(_SPECIAL),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=20),
)
s3_keys = (
    st.lists(segment, min_size=1, max_size=12)
    .map("/".join)
    .filter(lambda key: 0 < len(key.encode("utf-8")) <= MAX_KEY_BYTES)
)


#: Keys made of ordinary names, the kind `key_names` names with one match.
plain_keys = st.lists(
    st.text(
        st.characters(categories=["L", "N"], include_characters="-_ .@é😀"),
        min_size=1,
        max_size=70,
    ),
    min_size=1,
    max_size=8,
).map("/".join)


def _names(key: str) -> tuple[list[str], dict[str, str]]:
    pairs = key_names(key)
    return [name for name, _ in pairs], {n: f for n, f in pairs if n.startswith(HASHED)}


@given(s3_keys)
def test_every_key_round_trips_through_safe_names(key: str) -> None:
    names, hashed = _names(key)
    for name in names:
        assert name not in ("", ".", "..") and not name.startswith(".")
        assert "/" not in name and "\x00" not in name
        assert len(name.encode("utf-8")) <= NAME_MAX
    assert decode_path(names, hashed.get) == key
    assert decode_path([*names, SELF], hashed.get) == key


@given(st.one_of(s3_keys, plain_keys))
def test_a_plain_key_is_named_as_its_segments_are(key: str) -> None:
    """The one-match names of a key of ordinary names are what naming each segment gives."""
    assert key_names(key) == _names_by_segment(key)


@settings(max_examples=25)
@given(st.lists(s3_keys, min_size=1, max_size=6, unique=True))
def test_any_keys_coexist_in_one_bucket(found_keys: list[str]) -> None:
    """Put, read back and list; look at the files; delete all after a restart."""

    async def fill(data: Path) -> None:
        cloud = new_cloud(data)
        await s3(cloud, "CreateBucket", Bucket="bkt")
        for i, key in enumerate(found_keys):
            await put(cloud, "bkt", key, str(i).encode())
        for i, key in enumerate(found_keys):
            assert await get(cloud, "bkt", key) == str(i).encode()
        assert await keys(cloud, "bkt") == sorted(found_keys, key=lambda k: k.encode("utf-8"))
        service(cloud).index.close()

    async def empty(data: Path) -> None:
        cloud = new_cloud(data)
        for key in found_keys:
            await s3(cloud, "DeleteObject", Bucket="bkt", Key=key)
        service(cloud).index.close()

    with tempfile.TemporaryDirectory() as data:
        asyncio.run(fill(Path(data)))
        bucket = Path(data, "s3", "bkt").resolve()
        files = [Path(folder, name) for folder, _, names in os.walk(bucket) for name in names]
        assert len(files) == len(found_keys)
        assert all(file.resolve().is_relative_to(bucket) for file in files)
        asyncio.run(empty(Path(data)))
        assert os.listdir(bucket) == []


# -- what a person sees in the folder ------------------------------------------------


@pytest.fixture
async def cloud(tmp_path: Path) -> Cloud:
    made = new_cloud(tmp_path)
    await s3(made, "CreateBucket", Bucket="bkt")
    return made


def tree(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize(
    ("key", "path"),
    [
        ("photo.jpg", "photo.jpg"),
        ("docs/readme.txt", "docs/readme.txt"),
        ("Q3 report (final).pdf", "Q3 report (final).pdf"),
        ("été/naïve.txt", "été/naïve.txt"),
        ("../escape", "%2E./escape"),
        ("./x", "%2E/x"),
        ("/lead//double/", "%/lead/%/double/%"),
        (".env", "%2Eenv"),
        ("a:b*c?d", "a%3Ab%2Ac%3Fd"),
        ("100%", "100%25"),
        ("nul\x00ctl\x1f", "nul%00ctl%1F"),
        ("@", "%40"),
        ("x/@", "x/%40"),
    ],
)
async def test_keys_are_browsable_files(cloud: Cloud, tmp_path: Path, key: str, path: str) -> None:
    await put(cloud, "bkt", key, b"x")
    assert tree(tmp_path / "s3/bkt") == [path]


async def test_an_object_that_becomes_a_folder_moves_into_it_and_back(
    cloud: Cloud, tmp_path: Path
) -> None:
    bucket = tmp_path / "s3/bkt"
    await put(cloud, "bkt", "a", b"object a")
    assert tree(bucket) == ["a"]
    await put(cloud, "bkt", "a/b", b"object a/b")
    await put(cloud, "bkt", "a/", b"folder marker")
    assert tree(bucket) == ["a/%", "a/@", "a/b"]
    await put(cloud, "bkt", "a", b"object a again")
    assert (bucket / "a/@").read_bytes() == b"object a again"
    await s3(cloud, "DeleteObject", Bucket="bkt", Key="a/b")
    await s3(cloud, "DeleteObject", Bucket="bkt", Key="a/")
    assert tree(bucket) == ["a"]
    assert await get(cloud, "bkt", "a") == b"object a again"


async def test_a_key_arriving_where_a_folder_is_takes_the_reserved_leaf(
    cloud: Cloud, tmp_path: Path
) -> None:
    await put(cloud, "bkt", "logs/2024/jan.txt", b"j")
    await put(cloud, "bkt", "logs", b"l")
    assert tree(tmp_path / "s3/bkt") == ["logs/2024/jan.txt", "logs/@"]
    assert await keys(cloud, "bkt") == ["logs", "logs/2024/jan.txt"]


async def test_long_segments_and_long_keys_are_hashed_and_remembered(
    cloud: Cloud, tmp_path: Path
) -> None:
    long_segment = "s" * 300
    await put(cloud, "bkt", f"dir/{long_segment}/file", b"1")
    deep = "/".join(["\u00e9" * 40] * 12)
    await put(cloud, "bkt", deep, b"2")
    files = tree(tmp_path / "s3/bkt")
    assert all(len(part.encode()) <= NAME_MAX for f in files for part in f.split("/"))
    assert any(f.startswith(f"dir/{HASHED}") and f.endswith("/file") for f in files)
    assert any(f.startswith(HASHED) and "/" not in f for f in files)
    again = new_cloud(tmp_path)
    assert await get(again, "bkt", deep) == b"2"
    assert await keys(again, "bkt") == sorted([f"dir/{long_segment}/file", deep], key=str.encode)
