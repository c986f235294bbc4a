"""The data folder: restarts keep everything, and files people drop in become objects."""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Any

import pytest
from watchfiles import Change

from backend.bus import CloudEvent
from backend.cloud import Cloud
from backend.services.s3.index import StoredBucket
from backend.services.s3.store import OwnWrites
from tests.backend.test_s3_helpers import get, keys, new_cloud, put, s3, s3_error, service


@pytest.fixture
async def cloud(tmp_path: Path) -> Cloud:
    made = new_cloud(tmp_path)
    await s3(made, "CreateBucket", Bucket="bkt")
    return made


async def test_a_new_cloud_on_the_same_folder_sees_everything(cloud: Cloud, tmp_path: Path) -> None:
    config = {"LocationConstraint": "eu-west-1"}
    await s3(cloud, "CreateBucket", Bucket="far", CreateBucketConfiguration=config)
    await s3(
        cloud, "PutBucketTagging", Bucket="bkt", Tagging={"TagSet": [{"Key": "t", "Value": "1"}]}
    )
    etag = await put(
        cloud,
        "bkt",
        "docs/a.txt",
        b"alpha",
        ContentType="text/plain",
        Metadata={"m": "1"},
        ChecksumAlgorithm="CRC32",
        Tagging="x=y",
    )
    await put(cloud, "bkt", "docs", b"both a key and a folder")
    created = cloud.clock.now()
    upload = await s3(cloud, "CreateMultipartUpload", Bucket="bkt", Key="mpu")
    part = await s3(
        cloud,
        "UploadPart",
        Bucket="bkt",
        Key="mpu",
        UploadId=upload["UploadId"],
        PartNumber=1,
        Body=b"part one",
    )
    await cloud.clock.advance(3600)

    again = new_cloud(tmp_path)
    assert [b["Name"] for b in (await s3(again, "ListBuckets"))["Buckets"]] == ["bkt", "far"]
    assert (await s3(again, "HeadBucket", Bucket="far"))["BucketRegion"] == "eu-west-1"
    assert (await s3(again, "GetBucketTagging", Bucket="bkt"))["TagSet"] == [
        {"Key": "t", "Value": "1"}
    ]
    head = await s3(again, "HeadObject", Bucket="bkt", Key="docs/a.txt", ChecksumMode="ENABLED")
    assert (head["ETag"], head["ContentType"], head["Metadata"], head["LastModified"]) == (
        etag,
        "text/plain",
        {"m": "1"},
        created,
    )
    assert head["ChecksumCRC32"]
    assert await keys(again, "bkt") == ["docs", "docs/a.txt"]
    assert await get(again, "bkt", "docs") == b"both a key and a folder"
    assert (await s3(again, "GetObjectTagging", Bucket="bkt", Key="docs/a.txt"))["TagSet"] == [
        {"Key": "x", "Value": "y"}
    ]
    done = await s3(
        again,
        "CompleteMultipartUpload",
        Bucket="bkt",
        Key="mpu",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    assert done["ETag"].endswith('-1"')
    assert service(again).bucket_views()[0].objects == 3


async def test_a_dropped_file_becomes_an_object(cloud: Cloud, tmp_path: Path) -> None:
    folder = tmp_path / "s3/bkt"
    (folder / "photo.jpg").write_bytes(b"jpeg bytes")
    (folder / "docs").mkdir()
    (folder / "docs/readme.txt").write_bytes(b"read me")
    (folder / "docs/report%20final.csv").write_bytes(b"a,b")
    events: list[CloudEvent] = []
    cloud.bus.subscribe(events.append)
    await cloud.clock.advance(60)
    await service(cloud).rescan()
    assert await keys(cloud, "bkt") == ["docs/readme.txt", "docs/report final.csv", "photo.jpg"]
    head = await s3(cloud, "HeadObject", Bucket="bkt", Key="photo.jpg")
    assert (head["ETag"], head["ContentType"], head["LastModified"], head["ContentLength"]) == (
        f'"{hashlib.md5(b"jpeg bytes").hexdigest()}"',
        "image/jpeg",
        cloud.clock.now(),
        10,
    )
    assert (await s3(cloud, "HeadObject", Bucket="bkt", Key="docs/report final.csv"))[
        "ContentType"
    ] == "text/csv"
    assert [e.summary for e in events] == [
        "bkt: docs/readme.txt added in the bucket folder",
        "bkt: docs/report final.csv added in the bucket folder",
        "bkt: photo.jpg added in the bucket folder",
    ]
    await service(cloud).rescan()
    assert len(events) == 3


async def test_files_that_are_no_objects_are_left_alone(cloud: Cloud, tmp_path: Path) -> None:
    folder = tmp_path / "s3/bkt"
    (folder / ".DS_Store").write_bytes(b"finder")
    (folder / ".git").mkdir()
    (folder / ".git/config").write_bytes(b"x")
    (folder / "bad%FF.txt").write_bytes(b"not utf-8 once decoded")
    (folder / f"{'%~' + '0' * 64}").write_bytes(b"a hashed name nobody knows")
    outside = tmp_path / "secret.txt"
    outside.write_bytes(b"outside the bucket")
    os.symlink(outside, folder / "link.txt")
    await service(cloud).rescan()
    assert await keys(cloud, "bkt") == []


async def test_changed_and_deleted_files(cloud: Cloud, tmp_path: Path) -> None:
    await put(cloud, "bkt", "notes.txt", b"v1", ContentType="text/markdown", Metadata={"k": "v"})
    file = tmp_path / "s3/bkt/notes.txt"
    file.write_bytes(b"version two")
    os.utime(file, ns=(1, 1))
    await service(cloud).rescan()
    head = await s3(cloud, "HeadObject", Bucket="bkt", Key="notes.txt")
    assert (head["ContentLength"], head["ContentType"], head["Metadata"]) == (
        11,
        "text/markdown",
        {"k": "v"},
    )
    assert head["ETag"] == f'"{hashlib.md5(b"version two").hexdigest()}"'
    file.unlink()
    await service(cloud).rescan()
    assert (await s3_error(cloud, "HeadObject", Bucket="bkt", Key="notes.txt")).code == "NoSuchKey"
    assert service(cloud).bucket_views()[0].objects == 0


async def test_on_changes_settles_only_what_was_reported(cloud: Cloud, tmp_path: Path) -> None:
    folder = tmp_path / "s3/bkt"
    (folder / "seen.txt").write_bytes(b"1")
    (folder / "unseen.txt").write_bytes(b"2")
    await service(cloud).on_changes({(Change.added, str(folder / "seen.txt"))})
    assert await keys(cloud, "bkt") == ["seen.txt"]
    (folder / "seen.txt").unlink()
    await service(cloud).on_changes({(Change.deleted, str(folder / "seen.txt"))})
    assert await keys(cloud, "bkt") == []


async def test_skydecks_own_writes_change_nothing_on_rescan(cloud: Cloud, tmp_path: Path) -> None:
    await put(cloud, "bkt", "a", b"1")
    await put(cloud, "bkt", "a/b", b"2")
    before = await s3(cloud, "HeadObject", Bucket="bkt", Key="a")
    await cloud.clock.advance(60)
    changed = {(Change.added, str(p)) for p in (tmp_path / "s3").rglob("*")}
    await service(cloud).on_changes(changed)
    await service(cloud).rescan()
    assert await s3(cloud, "HeadObject", Bucket="bkt", Key="a") == before


async def test_folders_become_buckets_and_removed_folders_take_theirs(
    cloud: Cloud, tmp_path: Path
) -> None:
    (tmp_path / "s3/made-by-hand").mkdir()
    (tmp_path / "s3/made-by-hand/file.txt").write_bytes(b"hi")
    (tmp_path / "s3/Not_A_Bucket").mkdir()
    await service(cloud).rescan()
    names = [b["Name"] for b in (await s3(cloud, "ListBuckets"))["Buckets"]]
    assert names == ["bkt", "made-by-hand"]
    assert await get(cloud, "made-by-hand", "file.txt") == b"hi"
    await put(cloud, "bkt", "x", b"1")
    for path in sorted((tmp_path / "s3/bkt").rglob("*"), reverse=True):
        path.unlink()
    (tmp_path / "s3/bkt").rmdir()
    await service(cloud).rescan()
    assert (await s3_error(cloud, "HeadBucket", Bucket="bkt")).code == "NoSuchBucket"


async def test_a_file_deleted_on_disk_is_missing_at_once(cloud: Cloud, tmp_path: Path) -> None:
    await put(cloud, "bkt", "k", b"1")
    (tmp_path / "s3/bkt/k").unlink()
    assert (await s3_error(cloud, "GetObject", Bucket="bkt", Key="k")).code == "NoSuchKey"
    assert await keys(cloud, "bkt") == []


async def test_a_data_folder_removed_while_running_is_made_again(
    cloud: Cloud, tmp_path: Path
) -> None:
    """Someone deletes the whole data folder: the buckets go with it (the rescan the
    watcher runs), and the next writes make the folders again rather than failing."""
    await put(cloud, "bkt", "k", b"1")
    shutil.rmtree(tmp_path / "s3")
    await service(cloud).rescan()
    assert (await s3(cloud, "ListBuckets"))["Buckets"] == []
    await s3(cloud, "CreateBucket", Bucket="again")
    await put(cloud, "again", "k", b"2")
    assert await get(cloud, "again", "k") == b"2"
    assert (tmp_path / "s3/again/k").read_bytes() == b"2"


async def test_reset_empties_the_account_and_the_folder(cloud: Cloud, tmp_path: Path) -> None:
    await put(cloud, "bkt", "k", b"1")
    await s3(cloud, "CreateMultipartUpload", Bucket="bkt", Key="m")
    cloud.reset()
    assert (await s3(cloud, "ListBuckets"))["Buckets"] == []
    assert sorted(p.name for p in (tmp_path / "s3").iterdir()) == [".skydeck"]
    assert list((tmp_path / "s3/.skydeck/uploads").iterdir()) == []
    await s3(cloud, "CreateBucket", Bucket="bkt")
    assert await keys(cloud, "bkt") == []


async def test_the_watcher_passes_over_skydecks_own_writes_only(
    cloud: Cloud, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What skydeck left as it is costs the watcher nothing; what a person changed is settled."""
    s3_service = service(cloud)
    s3_service.store.own = OwnWrites()  # as `live()` does while it watches
    settled: list[str] = []
    reconcile = s3_service._reconcile

    async def spy(bucket: StoredBucket, under: str) -> None:
        settled.append(under)
        await reconcile(bucket, under)

    monkeypatch.setattr(s3_service, "_reconcile", spy)
    folder = tmp_path / "s3/bkt"
    await put(cloud, "bkt", "a.txt", b"1")
    await put(cloud, "bkt", "b.txt", b"2")
    await s3(cloud, "DeleteObject", Bucket="bkt", Key="b.txt")
    reported = {
        (Change.added, str(folder / "a.txt")),
        (Change.modified, str(folder / "a.txt")),
        (Change.added, str(folder / "b.txt")),
        (Change.deleted, str(folder / "b.txt")),
    }
    await s3_service.on_changes(reported)
    assert settled == []
    assert await keys(cloud, "bkt") == ["a.txt"]

    await put(cloud, "bkt", "a.txt", b"3")
    await put(cloud, "bkt", "b.txt", b"4")
    await s3(cloud, "DeleteObject", Bucket="bkt", Key="b.txt")
    (folder / "a.txt").write_bytes(b"edited by hand")
    (folder / "b.txt").write_bytes(b"put back by hand")
    (folder / "c.txt").write_bytes(b"dropped in by hand")
    await s3_service.on_changes(reported | {(Change.added, str(folder / "c.txt"))})
    assert sorted(settled) == ["a.txt", "b.txt", "c.txt"]
    assert await keys(cloud, "bkt") == ["a.txt", "b.txt", "c.txt"]
    for key, body in (("a.txt", b"edited by hand"), ("b.txt", b"put back by hand")):
        head = await s3(cloud, "HeadObject", Bucket="bkt", Key=key)
        assert head["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'


def test_own_writes_are_noted_once_and_only_as_they_were(tmp_path: Path) -> None:
    own = OwnWrites()
    file = tmp_path / "f"
    file.write_bytes(b"1")
    own.placed(str(file), os.lstat(file))
    assert own.ours(str(file))
    assert not own.ours(str(file))  # used up: a later report is settled
    own.placed(str(file), os.lstat(file))
    file.write_bytes(b"22")
    assert not own.ours(str(file))
    own.removed(str(file))
    assert not own.ours(str(file))  # something is there
    file.unlink()
    own.removed(str(file))
    assert own.ours(str(file))
    assert not own.ours(str(tmp_path / "never noted"))


def test_own_writes_start_again_when_full(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(OwnWrites, "LIMIT", 2)
    own = OwnWrites()
    for name in ("a", "b", "c"):
        own.removed(str(tmp_path / name))
    assert not own.ours(str(tmp_path / "a"))
    assert own.ours(str(tmp_path / "c"))


class FakeWatch:
    """`watchfiles.awatch` as `live()` calls it, fed by the test batch by batch."""

    def __init__(self) -> None:
        #: (paths, options) of each watch asked for, in order.
        self.calls: list[tuple[tuple[str, ...], dict[str, Any]]] = []
        self._queues: list[asyncio.Queue[set[tuple[Change, str]]]] = []
        self._idle: list[asyncio.Event] = []
        self.closed: set[int] = set()
        self._called = asyncio.Event()

    def __call__(self, *paths: Path, **options: Any) -> AsyncGenerator[set[tuple[Change, str]]]:
        number = len(self.calls)
        self.calls.append((tuple(str(p) for p in paths), options))
        queue: asyncio.Queue[set[tuple[Change, str]]] = asyncio.Queue()
        idle = asyncio.Event()
        self._queues.append(queue)
        self._idle.append(idle)
        self._called.set()

        async def batches() -> AsyncGenerator[set[tuple[Change, str]]]:
            try:
                while True:
                    idle.set()
                    yield await queue.get()
            finally:
                self.closed.add(number)
                idle.set()

        return batches()

    def tops(self) -> list[int]:
        """The numbers of the watches asked for of the data folder alone (not recursive)."""
        return [n for n, (_, o) in enumerate(self.calls) if o.get("recursive", True) is False]

    async def asked(self, count: int) -> None:
        """Until `count` watches have been asked for."""
        while len(self.calls) < count:
            self._called.clear()
            await self._called.wait()

    async def report(self, number: int, changes: set[tuple[Change, str]]) -> None:
        """Hand watch `number` a batch and wait until it has been dealt with."""
        self._idle[number].clear()
        self._queues[number].put_nowait(changes)
        await self._idle[number].wait()


async def test_live_watches_the_buckets_and_the_data_folder_but_not_its_own(
    cloud: Cloud, tmp_path: Path
) -> None:
    root = (tmp_path / "s3").resolve()
    s3_service = service(cloud)
    fake = FakeWatch()
    (root / "bkt/before.txt").write_bytes(b"there before the watch")
    task = asyncio.create_task(s3_service.live(fake))
    await fake.asked(2)
    watches = {options.get("recursive", True): paths for paths, options in fake.calls}
    assert watches == {False: (str(root),), True: (str(root / "bkt"),)}
    noting = s3_service.store.own
    assert noting is not None
    (top,) = fake.tops()
    buckets = 1 - top

    (root / "bkt/dropped.txt").write_bytes(b"by hand")
    await fake.report(buckets, {(Change.added, str(root / "bkt/dropped.txt"))})
    assert await keys(cloud, "bkt") == ["before.txt", "dropped.txt"]

    # A new bucket: the bucket folders are watched anew, the new one included, and
    # what reached its folder before that watch began is found once it is on.
    await s3(cloud, "CreateBucket", Bucket="fresh")
    await fake.report(top, {(Change.added, str(root / "fresh"))})
    await fake.report(buckets, set())  # the bucket watch wakes with nothing to report
    await fake.asked(3)
    assert fake.calls[2][0] == (str(root / "bkt"), str(root / "fresh"))
    assert buckets in fake.closed
    (root / "fresh/early.txt").write_bytes(b"before the watch")
    await fake.report(2, set())
    assert await keys(cloud, "fresh") == ["early.txt"]

    # Something at the top that changes no bucket leaves the bucket watch as it is.
    (root / "stray.txt").write_bytes(b"not a bucket")
    await fake.report(top, {(Change.added, str(root / "stray.txt"))})
    await fake.report(2, set())
    assert len(fake.calls) == 3 and 2 not in fake.closed

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert s3_service.store.own is None
    assert fake.closed == {0, 1, 2}


async def test_live_watches_a_data_folder_made_again_after_it_was_removed(
    cloud: Cloud, tmp_path: Path
) -> None:
    root = (tmp_path / "s3").resolve()
    s3_service = service(cloud)
    fake = FakeWatch()
    task = asyncio.create_task(s3_service.live(fake))
    await fake.asked(2)
    (top,) = fake.tops()

    shutil.rmtree(root)
    await fake.report(top, {(Change.deleted, str(root))})
    assert (await s3(cloud, "ListBuckets"))["Buckets"] == []
    await fake.report(top, set())  # still gone: the same watch wakes again
    assert fake.tops() == [top]

    await s3(cloud, "CreateBucket", Bucket="again")  # makes the data folder again
    (root / "by-hand").mkdir()
    await fake.report(top, set())
    assert top in fake.closed
    while len(fake.tops()) < 2:
        await fake.asked(len(fake.calls) + 1)
    (_, again) = fake.tops()
    assert fake.calls[again][0] == (str(root),)
    names = [b["Name"] for b in (await s3(cloud, "ListBuckets"))["Buckets"]]
    assert names == ["again", "by-hand"]
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
