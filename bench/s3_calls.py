"""In-process S3 throughput through `Cloud.call`: the handlers and the disk, no HTTP.

    python bench/s3_calls.py [--objects N] [--bytes B] [--big-mib M] [--profile FILE]

Prints PutObject/s of small objects (new keys, then the same keys again),
GetObject/s of them (the body read through `FileSlice.read`), and MB/s of a
big object streamed through `FileSlice.chunks`, the way the wire sends it.
Rates are per CPU second of this process (`time.process_time`), so other load
on the machine does not skew them; the wall-clock rate is printed beside.
The data folder is a fresh one in the temporary folder (or `--data-parent`), removed
afterwards: what a file costs depends on the file system it is on.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import shutil
import tempfile
import time
from pathlib import Path

from backend.cloud import Cloud
from backend.services.s3 import S3Service
from backend.streams import FileSlice

MiB = 1024 * 1024


class Meter:
    """CPU (user and system apart) and wall time of a block, printed as a rate.

    User time is the Python side; system time is the kernel's (file creation
    and renames), which on a shared VM swings with the other load, so the two
    are printed apart.
    """

    def __init__(self, label: str, count: int, unit: str = "calls/s") -> None:
        self.label, self.count, self.unit = label, count, unit

    def __enter__(self) -> Meter:
        self._times, self._wall = os.times(), time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        wall = time.perf_counter() - self._wall
        now = os.times()
        user, system = now.user - self._times.user, now.system - self._times.system
        n, unit = self.count, self.unit
        cpu = max(user + system, 1e-9)
        print(
            f"{self.label:<34} {n / cpu:>9,.0f} {unit} CPU {n / wall:>9,.0f} {unit} wall   "
            f"each: {user / n * 1e6:,.0f} us user + {system / n * 1e6:,.0f} us sys"
        )


def file_system(folder: Path, count: int, size: int) -> None:
    """What the file system alone charges for a put: create, write, close, rename.

    Run after the puts, not before: on ext4 without a journal (the development
    VM's) a new file's inode is found by skipping every inode freed in the
    last minute (or five), so the probe's files, removed here, made each put
    that followed them cost hundreds of microseconds more kernel time.
    """
    (folder / "into").mkdir(parents=True)
    data = b"x" * size
    with Meter("the file system alone", count):
        for n in range(count):
            name = f"{folder}/{n}"
            fd = os.open(name, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            os.write(fd, data)
            os.close(fd)
            os.replace(name, f"{folder}/into/{n}")
    shutil.rmtree(folder)


async def run(data: Path, objects: int, size: int, big_mib: int) -> None:
    cloud = Cloud(services=[S3Service], data_dir=data)
    call = cloud.call
    await call("s3", "CreateBucket", {"Bucket": "bench"})
    body = b"x" * size

    for label in ("PutObject, new keys", "PutObject, same keys again"):
        with Meter(label, objects):
            for n in range(objects):
                await call("s3", "PutObject", {"Bucket": "bench", "Key": f"k/{n}", "Body": body})

    with Meter("GetObject (+ read)", objects):
        for n in range(objects):
            got = await call("s3", "GetObject", {"Bucket": "bench", "Key": f"k/{n}"})
            slice_ = got["Body"]
            assert isinstance(slice_, FileSlice)
            slice_.read()

    with Meter("HeadObject", objects):
        for n in range(objects):
            await call("s3", "HeadObject", {"Bucket": "bench", "Key": f"k/{n}"})

    file_system(data / "probe", objects, size)
    if big_mib:
        big = b"\0" * MiB * big_mib
        await call("s3", "PutObject", {"Bucket": "bench", "Key": "big", "Body": big})
        for n in range(3):
            got = await call("s3", "GetObject", {"Bucket": "bench", "Key": "big"})
            slice_ = got["Body"]
            assert isinstance(slice_, FileSlice)
            total = 0
            label = f"FileSlice.chunks ({big_mib} MiB) #{n + 1}"
            with Meter(label, big_mib * MiB // 10**6, "MB/s"):
                async for chunk in slice_.chunks():
                    total += len(chunk)
            assert total == big_mib * MiB
    cloud.services["s3"].index.close()  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--objects", type=int, default=3000, help="small objects to put")
    parser.add_argument("--bytes", type=int, default=1024, help="a small object's size")
    parser.add_argument("--big-mib", type=int, default=100, help="the big object (0: none)")
    parser.add_argument("--data-parent", type=Path, default=None, help="where the data goes")
    parser.add_argument(
        "--profile", metavar="FILE", help="cProfile the run by CPU time, stats to FILE"
    )
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="skydeck-s3-bench-", dir=args.data_parent))
    try:
        coro = run(data, args.objects, args.bytes, args.big_mib)
        if args.profile:
            profiler = cProfile.Profile(time.process_time)
            profiler.runcall(asyncio.run, coro)
            profiler.dump_stats(args.profile)
            pstats.Stats(args.profile).sort_stats("tottime").print_stats(25)
        else:
            asyncio.run(coro)
    finally:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
