"""The CloudWatch agent of the host skydeck runs on: local files tailed into log groups.

A source names a file, or a glob of files in one folder (`/var/log/app/*.log`),
and the group and stream its lines go to. As the agent does by default
(`publish_multi_logs` off), a glob follows the most recently modified file it
matches, and a file it followed before is read on until it is gone;
compressed files (`.gz`, `.zip`, ...) and anything but a regular file are
passed over. A file is read from its start when first found (the agent's
`from_beginning`, which its configuration sets by default); skydeck keeps no
state folder, so each live session starts every file afresh.

`FileTail` reads one path: complete lines from a remembered byte offset,
UTF-8 with invalid bytes replaced, a trailing `\\r` dropped and empty lines
skipped (no event may be empty). A last line without its newline waits for
it; a line over `MAX_LINE` bytes goes as several events of at most that,
as the agent splits them at its default `max_event_size`. A file smaller
than the offset was truncated and is read again from its start; once the
open file is read to its end and the path names another file or none
(rotated by rename, or deleted), the open one is finished and the path's
new file, when there is one, read from its start. A line the old file
never finished is dropped, as the agent drops it. A truncation the file
outgrew between two reads goes unnoticed, as with the agent.

`Agent` queues each line with the virtual clock's now as its timestamp (the
agent's default without `timestamp_format`: the time it read the line) and
ships a destination's lines with PutLogEvents as `AGENT_ROLE` once the oldest
has waited `FLUSH_INTERVAL` (the agent's `force_flush_interval`) or a batch is
full: 10,000 events or 1,048,576 bytes, AWS's limits (and 24 hours, which
only lines held back for that long could span). A missing group or
stream is made (CreateLogGroup, CreateLogStream) and the batch sent again; a
throttled batch waits for the next flush; a refused one is dropped and said
on the bus. What waits is bounded (`PENDING_BUDGET`, a line counted as AWS
counts an event): past it the files are not read on until shipping makes
room, so nothing is lost while they keep it.

Only `live()` reads files: it watches the sources' folders with `watchfiles`
and polls on each change, and only the dashboard and `skydeck serve` run it,
so headless runs and tests stay deterministic (tests call `poll` and `ship`).
Nothing here writes anywhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import logging
import os
import stat
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from typing import Any, Final

import watchfiles

from backend.actors.actor import THROTTLED
from backend.bus import CloudEvent, Severity
from backend.clock import TimerHandle
from backend.cloud import Cloud
from backend.errors import AwsError
from backend.identity import role
from backend.services.logs.base import millis
from backend.services.logs.event_actions import MAX_BATCH_BYTES, MAX_EVENTS, MAX_SPAN
from backend.services.logs.stream import EVENT_OVERHEAD, event_size

log = logging.getLogger(__name__)

#: Bytes of a line sent as one event; longer lines are split (the agent's `max_event_size`).
MAX_LINE: Final = 256 * 1024
#: Simulated seconds a line waits at most before PutLogEvents (`force_flush_interval`).
FLUSH_INTERVAL: Final = 5.0
#: Bytes of lines read and not yet shipped (UTF-8 plus 26 a line) past which files wait.
PENDING_BUDGET: Final = 16 * 1024 * 1024
#: Who the agent calls as: the role of the host it runs on.
AGENT_ROLE: Final = role("cloudwatch-agent")
#: File names the agent never tails: archives a glob may match after rotation.
COMPRESSED: Final = (".tar", ".zst", ".gz", ".zip", ".bz2", ".rar")
#: Seconds (wall time) before the watch is tried again after it could not start.
RETRY_WATCH: Final = 1.0

#: How `live` watches folders: `watchfiles.awatch`, or a test's stand-in.
Watch = Callable[..., AsyncGenerator[set[tuple[watchfiles.Change, str]], None]]


def _pieces(raw: bytes) -> list[str]:
    """The events of one line's bytes: pieces of at most `MAX_LINE` bytes, decoded."""
    return [
        raw[start : start + MAX_LINE].decode("utf-8", "replace")
        for start in range(0, len(raw), MAX_LINE)
    ]


class FileTail:
    """One path followed from a remembered offset, across truncation and rotation."""

    __slots__ = ("_fd", "_identity", "behind", "offset", "path")

    def __init__(self, path: str) -> None:
        self.path = path
        #: Bytes of the open file already read (complete lines, and whole pieces of long ones).
        self.offset = 0
        #: Whether the last read stopped at its budget rather than at the end of the file.
        self.behind = False
        self._fd: int | None = None
        self._identity: tuple[int, int] | None = None

    @property
    def is_open(self) -> bool:
        return self._fd is not None

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
            self._identity = None

    def read(self, budget: int = PENDING_BUDGET) -> list[str]:
        """The lines completed since the last read, as many as `budget` bytes hold.

        A line costs its bytes plus 26, as AWS counts an event; the first
        line is taken whatever it costs, so a read always gets on.
        """
        lines: list[str] = []
        left = budget
        self.behind = False
        while True:
            if self._fd is None and not self._open():
                return lines
            fd = self._fd
            assert fd is not None
            wanted = max(left, MAX_LINE + 1)  # a line costs more than its bytes: enough
            try:
                if os.fstat(fd).st_size < self.offset:
                    self.offset = 0
                data = os.pread(fd, wanted, self.offset)
            except OSError:
                log.info("logs agent: could not read %s", self.path, exc_info=True)
                self.close()
                return lines
            used, left = self._take(data, lines, left)
            self.offset += used
            if left <= 0 or len(data) == wanted:
                self.behind = True
                return lines
            if self._same_file():
                return lines
            # Rotated or deleted, and read to its end: on to the file the path names now.
            self.close()

    @staticmethod
    def _take(data: bytes, lines: list[str], left: int) -> tuple[int, int]:
        """Append the events of `data`'s lines while `left` lasts; the bytes taken, what is left.

        A line without its newline yet gives only its whole `MAX_LINE` pieces.
        """
        start = 0
        while left > 0 or not lines:
            end = data.find(b"\n", start)
            if end >= 0:
                raw = data[start:end].removesuffix(b"\r")
                after = end + 1
            else:
                after = start + (len(data) - start) // MAX_LINE * MAX_LINE
                raw = data[start:after]
            if after == start:
                break
            pieces = _pieces(raw)
            lines.extend(pieces)
            left -= len(raw) + EVENT_OVERHEAD * len(pieces)
            start = after
        return start, left

    def _open(self) -> bool:
        """Open the file the path names now, to read from its start; False if there is none."""
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        except OSError:
            return False
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            os.close(fd)
            return False
        self._fd = fd
        self._identity = (info.st_dev, info.st_ino)
        self.offset = 0
        return True

    def _same_file(self) -> bool:
        try:
            info = os.stat(self.path)
        except OSError:
            return False
        return (info.st_dev, info.st_ino) == self._identity


def unreadable(path: str) -> str | None:
    """Why the agent could not tail the file at `path`, or None when it can."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        return "no such file"
    except PermissionError:
        return "can't be read: permission denied"
    except OSError as error:
        return f"can't be read: {error.strerror or error}"
    try:
        mode = os.fstat(fd).st_mode
    finally:
        os.close(fd)
    if stat.S_ISDIR(mode):
        return "a folder, not a file"
    if not stat.S_ISREG(mode):
        return "not a regular file"
    if path.endswith(COMPRESSED):
        return f"compressed: the agent passes over {', '.join(COMPRESSED)} files"
    return None


def newest(pattern: str) -> str | None:
    """The regular file `pattern` names, or the most recently modified one its glob matches."""
    found: str | None = None
    latest = 0
    paths = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
    for path in paths:
        if path.endswith(COMPRESSED):
            continue
        try:
            info = os.stat(path)
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode) and (found is None or info.st_mtime_ns > latest):
            found, latest = path, info.st_mtime_ns
    return found


@dataclass(frozen=True, slots=True)
class Source:
    """What the agent tails: a file, or a glob in one folder, into a group's stream."""

    pattern: str
    group: str
    stream: str

    @property
    def folder(self) -> str:
        return os.path.dirname(self.pattern)


class _Pending:
    """A destination's lines read and not yet shipped, oldest first."""

    __slots__ = ("messages", "not_before", "since", "sizes", "timestamps")

    def __init__(self, since: float) -> None:
        #: When the oldest line was read (simulated seconds).
        self.since = since
        #: After a throttled batch: no sooner than this.
        self.not_before = since
        self.timestamps: list[int] = []
        self.messages: list[str] = []
        self.sizes: list[int] = []

    def batch(self) -> int:
        """How many lines from the front one PutLogEvents may take."""
        used = 0
        first = self.timestamps[0]
        for count, (size, timestamp) in enumerate(zip(self.sizes, self.timestamps, strict=True)):
            used += size
            if count == MAX_EVENTS or used > MAX_BATCH_BYTES or timestamp - first > MAX_SPAN:
                return count
        return len(self.sizes)

    def due(self) -> float:
        """When to ship: once the oldest has waited the interval, or at once if a batch is full."""
        full = self.batch() < len(self.sizes) or len(self.sizes) == MAX_EVENTS
        return max(self.not_before, self.since if full else self.since + FLUSH_INTERVAL)

    def drop(self, count: int) -> int:
        """Forget the first `count` lines; returns their bytes."""
        freed = sum(self.sizes[:count])
        del self.timestamps[:count], self.messages[:count], self.sizes[:count]
        return freed


class Agent:
    """The host's CloudWatch agent: its sources, the files it follows, the lines waiting."""

    def __init__(self, cloud: Cloud) -> None:
        self.cloud = cloud
        self.sources: list[Source] = []
        self._tails: dict[Source, dict[str, FileTail]] = {}
        self._pending: dict[tuple[str, str], _Pending] = {}
        #: Bytes waiting in `_pending` (UTF-8 plus 26 a line).
        self.pending_bytes = 0
        self.budget = PENDING_BUDGET
        #: Events sent in PutLogEvents that AWS answered, and lines dropped as refused.
        self.shipped = 0
        self.dropped = 0
        self.last_error = ""
        self._behind = False
        self._shipping = False
        self._flush: TimerHandle | None = None
        self._restart: asyncio.Event | None = None

    def add(self, source: Source) -> bool:
        """Tail `source` from the next poll on; False if the agent already does."""
        if source in self.sources:
            return False
        self.sources.append(source)
        if self._restart is not None:
            self._restart.set()
        return True

    def sources_for(self, group: str) -> list[Source]:
        return [s for s in self.sources if s.group == group]

    def tailed(self, source: Source) -> list[str]:
        """The files `source` follows now: its newest, and older ones not yet read to their end."""
        return list(self._tails.get(source, ()))

    # -- reading --------------------------------------------------------------------------

    def poll(self) -> int:
        """Read what the sources' files gained, within the budget; returns the lines read."""
        now = self.cloud.clock.now()
        stamp = millis(now)
        read = 0
        self._behind = False
        for source in self.sources:
            chosen = newest(source.pattern)
            tails = self._tails.setdefault(source, {})
            if chosen is not None and chosen not in tails:
                tails[chosen] = FileTail(chosen)
                self._tell(
                    "AgentTail",
                    f"agent: tailing {chosen} into {source.group} › {source.stream}",
                    source.group,
                    "information",
                )
            for path, tail in list(tails.items()):
                room = self.budget - self.pending_bytes
                if room <= 0:
                    self._behind = True
                    break
                lines = tail.read(room)
                self._behind = self._behind or tail.behind
                if lines:
                    self._queue(source, now, stamp, lines)
                    read += len(lines)
                if path != chosen and not tail.is_open:
                    del tails[path]
        self._arm()
        return read

    def _queue(self, source: Source, now: float, stamp: int, lines: list[str]) -> None:
        key = (source.group, source.stream)
        pending = self._pending.get(key)
        if pending is None:
            pending = self._pending[key] = _Pending(now)
        sizes = [event_size(line) for line in lines]
        pending.timestamps.extend([stamp] * len(lines))
        pending.messages.extend(lines)
        pending.sizes.extend(sizes)
        self.pending_bytes += sum(sizes)

    def close(self) -> None:
        """Let go of every file: the next poll opens them afresh, from their start."""
        for tails in self._tails.values():
            for tail in tails.values():
                tail.close()
        self._tails.clear()

    # -- shipping -------------------------------------------------------------------------

    def _arm(self) -> None:
        """Have the clock ship when the next destination is due, unless that is arranged."""
        if self._shipping or not self._pending:
            return
        due = max(self.cloud.clock.now(), min(p.due() for p in self._pending.values()))
        if self._flush is not None and self._flush.when > due:
            self._flush.cancel()
            self._flush = None
        if self._flush is None:
            self._flush = self.cloud.clock.call_at(due, self._due)

    def _due(self) -> None:
        self._flush = None
        self.cloud.clock.spawn(self._ship_and_catch_up(), name="logs agent")

    async def _ship_and_catch_up(self) -> None:
        await self.ship()
        if self._behind:
            self.poll()

    async def ship(self, *, everything: bool = False) -> int:
        """PutLogEvents of every destination due (all of them with `everything`).

        Returns the events sent; does nothing while another `ship` is under way.
        """
        if self._shipping:
            return 0
        self._shipping = True
        sent = 0
        try:
            now = self.cloud.clock.now()
            for key, pending in list(self._pending.items()):
                if everything or now >= pending.due():
                    sent += await self._ship(key, pending)
        finally:
            self._shipping = False
        self.shipped += sent
        self._arm()
        return sent

    async def _ship(self, key: tuple[str, str], pending: _Pending) -> int:
        """Send a destination's lines batch by batch, until done or a batch must wait."""
        sent = 0
        group, stream = key
        while pending.messages:
            count = pending.batch()
            events = [
                {"timestamp": t, "message": m}
                for t, m in zip(pending.timestamps[:count], pending.messages[:count], strict=True)
            ]
            error = await self._put(group, stream, events)
            if error is not None and (error.code in THROTTLED or not error.sender_fault):
                pending.not_before = self.cloud.clock.now() + FLUSH_INTERVAL
                return sent
            self.pending_bytes -= pending.drop(count)
            if error is None:
                sent += count
            else:
                self.dropped += count
        del self._pending[key]
        return sent

    async def _put(self, group: str, stream: str, events: list[dict[str, Any]]) -> AwsError | None:
        """PutLogEvents, making the group and stream first if they are missing."""
        params = {"logGroupName": group, "logStreamName": stream, "logEvents": events}
        action = "PutLogEvents"
        error = await self._call(action, params)
        if error is not None and error.code == "ResourceNotFoundException":
            action, error = await self._make(group, stream)
            if error is None:
                action, error = "PutLogEvents", await self._call("PutLogEvents", params)
        if error is None:
            self.last_error = ""
        else:
            if error.code != self.last_error:
                self._tell(
                    "AgentError", f"agent: {action} failed with {error.code}", group, "warning"
                )
            self.last_error = error.code
        return error

    async def _make(self, group: str, stream: str) -> tuple[str, AwsError | None]:
        """CreateLogStream, and CreateLogGroup first if the group is missing too.

        Returns the action that failed, if one did, and its error.
        """
        names = {"logGroupName": group, "logStreamName": stream}
        error = await self._call("CreateLogStream", names)
        if error is None or error.code != "ResourceNotFoundException":
            return "CreateLogStream", error
        error = await self._call("CreateLogGroup", {"logGroupName": group})
        if error is not None:
            return "CreateLogGroup", error
        return "CreateLogStream", await self._call("CreateLogStream", names)

    async def _call(self, action: str, params: dict[str, Any]) -> AwsError | None:
        """`cloud.call` as the agent; None when it worked or what it made was already there."""
        try:
            await self.cloud.call("logs", action, params, caller=AGENT_ROLE)
        except AwsError as error:
            if error.code == "ResourceAlreadyExistsException":
                return None
            return error
        return None

    def _tell(self, kind: str, summary: str, group: str, severity: Severity) -> None:
        self.cloud.bus.publish(
            CloudEvent(self.cloud.clock.now(), "logs", kind, summary, severity, group)
        )

    # -- watching -------------------------------------------------------------------------

    def folders(self) -> list[str]:
        """What to watch: each source's folder, or its nearest ancestor that exists yet."""
        found: set[str] = set()
        for source in self.sources:
            folder = source.folder
            while not os.path.isdir(folder) and os.path.dirname(folder) != folder:
                folder = os.path.dirname(folder)
            found.add(folder)
        return sorted(found)

    async def live(self, watch: Watch = watchfiles.awatch) -> None:
        """Follow the sources' files until cancelled (the dashboard and `serve` run it).

        The folders are watched (`watch` is `watchfiles.awatch`; tests pass
        their own), not below them, and every change reported there polls the
        sources. The watch starts again, after a poll, when a source is added
        or a folder a source waited for appears.
        """
        try:
            while True:
                restart = self._restart = asyncio.Event()
                folders = self.folders()
                self.poll()
                if not folders:
                    await restart.wait()
                    continue
                watching = watch(*folders, watch_filter=None, recursive=False, stop_event=restart)
                try:
                    async with contextlib.aclosing(watching) as batches:
                        async for _ in batches:
                            self.poll()
                            if self.folders() != folders:
                                break
                except OSError:
                    # A folder went between being found and being watched: look again soon.
                    log.info("logs agent: could not watch %s", folders, exc_info=True)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(restart.wait(), RETRY_WATCH)
        finally:
            self._restart = None
            self.close()
