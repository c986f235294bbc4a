"""The host's CloudWatch agent: files tailed on real temporary files, lines shipped on the clock.

`FileTail` is read by hand after each change to its file. The agent is driven
by its own methods (`poll`, `ship`) and the manual clock, never by watching
the disk in real time; `live()` is checked with a stand-in for
`watchfiles.awatch` that the test feeds.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Any

import pytest
from watchfiles import Change

from backend.bus import CloudEvent
from backend.cloud import Cloud
from backend.errors import AwsError
from backend.headless import run_headless
from backend.scenarios import ScenarioError, apply, parse_scenario
from backend.services import new_cloud
from backend.services.logs import LogsService
from backend.services.logs.agent import (
    FLUSH_INTERVAL,
    MAX_LINE,
    Agent,
    FileTail,
    Source,
    newest,
    unreadable,
)
from backend.services.logs.group import LogGroup
from tests.backend.logs_helpers import T0, logs

GROUP = "/app/web"


def agent_of(cloud: Cloud) -> Agent:
    return cloud.service(LogsService).agent


def group(cloud: Cloud, name: str = GROUP) -> LogGroup:
    found = cloud.service(LogsService).groups.get((cloud.region, name))
    assert found is not None, name
    return found


def messages(cloud: Cloud, stream: str = "web-1", name: str = GROUP) -> list[str]:
    return list(group(cloud, name).streams[stream].messages)


def agent_calls(cloud: Cloud) -> list[tuple[str, str]]:
    """(action, error code) of every call the agent made, oldest first."""
    entries = cloud.trail.history(cloud.clock.now(), include_data=True)
    return [
        (e.action, e.error_code)
        for e in reversed(list(entries))
        if e.caller.username == "cloudwatch-agent"
    ]


def append(path: Path, data: bytes) -> None:
    with path.open("ab") as file:
        file.write(data)


# -- FileTail --------------------------------------------------------------------------


def test_a_tail_reads_the_lines_appended_since_it_last_read(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"one\ntwo\n")
    tail = FileTail(str(path))
    assert tail.read() == ["one", "two"]
    assert tail.read() == []
    append(path, b"three\n")
    assert tail.read() == ["three"]
    assert tail.offset == len(b"one\ntwo\nthree\n")


def test_a_partial_last_line_waits_for_its_newline(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"done\nhalf")
    tail = FileTail(str(path))
    assert tail.read() == ["done"]
    append(path, b" a line")
    assert tail.read() == []
    append(path, b"\r\n\n\nnext\n")
    # The carriage return of a CRLF ending goes; empty lines make no events.
    assert tail.read() == ["half a line", "next"]


def test_a_long_line_goes_as_pieces_of_the_agent_s_event_size(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"x" * (MAX_LINE + 10))
    tail = FileTail(str(path))
    # Without its newline yet, the whole pieces go; the rest waits.
    assert [len(line) for line in tail.read()] == [MAX_LINE]
    append(path, b"y" * (MAX_LINE * 2) + b"\nshort\n")
    assert [len(line) for line in tail.read()] == [MAX_LINE, MAX_LINE, 10, 5]


def test_a_truncated_file_is_read_again_from_its_start(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"first run, line one\nfirst run, line two\n")
    tail = FileTail(str(path))
    assert len(tail.read()) == 2
    with path.open("r+b") as file:  # copytruncate: the same file, emptied
        file.truncate(0)
    append(path, b"after\n")
    assert tail.read() == ["after"]
    assert tail.offset == len(b"after\n")


def test_a_rotated_file_is_finished_then_the_new_one_read_from_its_start(
    tmp_path: Path,
) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"old 1\n")
    tail = FileTail(str(path))
    assert tail.read() == ["old 1"]
    append(path, b"old 2\nnever finished")
    path.rename(tmp_path / "app.log.1")
    path.write_bytes(b"new 1\n")
    # What the old file gained is read before the new file; its unfinished line is dropped.
    assert tail.read() == ["old 2", "new 1"]
    append(tmp_path / "app.log.1", b" after all\n")
    append(path, b"new 2\n")
    assert tail.read() == ["new 2"]


def test_a_deleted_file_is_finished_and_let_go(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"a\n")
    tail = FileTail(str(path))
    assert tail.read() == ["a"]
    append(path, b"b\n")
    path.unlink()
    assert tail.read() == ["b"]
    assert not tail.is_open
    assert tail.read() == []
    path.write_bytes(b"again\n")
    assert tail.read() == ["again"]


def test_a_missing_file_folder_or_pipe_reads_as_nothing(tmp_path: Path) -> None:
    assert FileTail(str(tmp_path / "nope.log")).read() == []
    assert FileTail(str(tmp_path)).read() == []
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    assert FileTail(str(pipe)).read() == []  # and did not block on it


def test_binary_garbage_is_replaced_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"\xff\xfe\x00ok \xc3\xa9\n\x80\n")
    assert FileTail(str(path)).read() == ["\ufffd\ufffd\x00ok é", "\ufffd"]


def test_a_read_stops_at_its_budget_and_goes_on_from_there(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"aaaa\nbbbb\ncccc\n")
    tail = FileTail(str(path))
    # A line costs its bytes and 26, as AWS counts an event: two fit in 60.
    assert tail.read(budget=60) == ["aaaa", "bbbb"]
    assert tail.behind
    assert tail.read(budget=100) == ["cccc"]
    assert not tail.behind


def test_what_the_form_and_the_glob_accept(tmp_path: Path) -> None:
    (tmp_path / "old.log").write_bytes(b"")
    (tmp_path / "new.log").write_bytes(b"")
    (tmp_path / "newer.log.gz").write_bytes(b"")
    os.utime(tmp_path / "old.log", ns=(1, 1_000))
    os.utime(tmp_path / "new.log", ns=(1, 2_000))
    assert newest(str(tmp_path / "*.log*")) == str(tmp_path / "new.log")
    assert newest(str(tmp_path / "old.log")) == str(tmp_path / "old.log")
    assert newest(str(tmp_path / "*.txt")) is None
    assert unreadable(str(tmp_path / "old.log")) is None
    assert unreadable(str(tmp_path / "gone.log")) == "no such file"
    assert unreadable(str(tmp_path)) == "a folder, not a file"
    assert (unreadable(str(tmp_path / "newer.log.gz")) or "").startswith("compressed")


# -- the agent: polled and shipped on the clock ------------------------------------------


async def test_lines_are_shipped_after_the_flush_interval_with_the_time_they_were_read(
    cloud: Cloud, tmp_path: Path
) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"first\n")
    agent = agent_of(cloud)
    assert agent.add(Source(str(path), GROUP, "web-1"))
    assert not agent.add(Source(str(path), GROUP, "web-1"))
    assert agent.poll() == 1
    await cloud.clock.advance(2)
    append(path, b"second\nthird\n")
    assert agent.poll() == 2
    await cloud.clock.advance(FLUSH_INTERVAL - 2 - 0.001)
    assert (cloud.region, GROUP) not in cloud.service(LogsService).groups
    await cloud.clock.advance(0.001)
    # The group and the stream were missing: the agent made them and sent the batch again.
    assert agent_calls(cloud) == [
        ("PutLogEvents", "ResourceNotFoundException"),
        ("CreateLogStream", "ResourceNotFoundException"),
        ("CreateLogGroup", ""),
        ("CreateLogStream", ""),
        ("PutLogEvents", ""),
    ]
    stream = group(cloud).streams["web-1"]
    assert list(stream.messages) == ["first", "second", "third"]
    assert list(stream.timestamps) == [T0, T0 + 2000, T0 + 2000]
    assert (agent.shipped, agent.pending_bytes) == (3, 0)
    await cloud.clock.advance(60)
    assert len(agent_calls(cloud)) == 5  # nothing waiting: no call


async def test_the_lines_feed_the_group_s_metric_filters(cloud: Cloud, tmp_path: Path) -> None:
    await logs(cloud, "CreateLogGroup", logGroupName=GROUP)
    await logs(
        cloud,
        "PutMetricFilter",
        logGroupName=GROUP,
        filterName="errors",
        filterPattern="ERROR",
        metricTransformations=[
            {"metricNamespace": "App", "metricName": "Errors", "metricValue": "1"}
        ],
    )
    path = tmp_path / "app.log"
    path.write_bytes(b"INFO fine\nERROR broken\nERROR again\n")
    agent = agent_of(cloud)
    agent.add(Source(str(path), GROUP, "web-1"))
    agent.poll()
    assert await agent.ship(everything=True) == 3
    assert group(cloud).metric_filters["errors"].matched == 2
    assert [a for a, _ in agent_calls(cloud)] == [
        "PutLogEvents",
        "CreateLogStream",
        "PutLogEvents",
    ]


async def test_a_full_batch_goes_at_once_in_as_many_calls_as_aws_needs(
    cloud: Cloud, tmp_path: Path
) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"".join(b"line %d\n" % i for i in range(10_001)))
    agent = agent_of(cloud)
    agent.add(Source(str(path), GROUP, "web-1"))
    assert agent.poll() == 10_001
    await cloud.clock.advance(0)
    puts = [error for action, error in agent_calls(cloud) if action == "PutLogEvents"]
    assert puts == ["ResourceNotFoundException", "", ""]
    assert len(messages(cloud)) == 10_001
    assert messages(cloud)[-1] == "line 10000"


async def test_a_throttled_batch_waits_a_flush_and_a_refused_one_is_dropped(
    cloud: Cloud, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[CloudEvent] = []
    cloud.bus.subscribe(events.append)
    path = tmp_path / "app.log"
    path.write_bytes(b"kept\n")
    agent = agent_of(cloud)
    agent.add(Source(str(path), GROUP, "web-1"))
    real = cloud.call
    throttled = 1

    async def throttling(service: str, action: str, *args: Any, **kwargs: Any) -> Any:
        nonlocal throttled
        if action == "PutLogEvents" and throttled:
            throttled -= 1
            raise AwsError("ThrottlingException", "Rate exceeded")
        return await real(service, action, *args, **kwargs)

    monkeypatch.setattr(cloud, "call", throttling)
    agent.poll()
    await cloud.clock.advance(FLUSH_INTERVAL)
    assert agent.pending_bytes > 0 and agent.shipped == 0
    await cloud.clock.advance(FLUSH_INTERVAL)
    assert messages(cloud) == ["kept"]
    monkeypatch.undo()

    bad = tmp_path / "bad.log"
    bad.write_bytes(b"lost\n")
    agent.add(Source(str(bad), "not a group name", "s"))
    agent.poll()
    await cloud.clock.advance(FLUSH_INTERVAL)
    assert (agent.dropped, agent.pending_bytes) == (1, 0)
    warnings = [e.summary for e in events if e.kind == "AgentError"]
    assert warnings == [
        "agent: PutLogEvents failed with ThrottlingException",
        "agent: PutLogEvents failed with InvalidParameterException",
    ]


async def test_past_its_budget_the_agent_leaves_lines_in_the_file_until_it_ships(
    cloud: Cloud, tmp_path: Path
) -> None:
    path = tmp_path / "app.log"
    lines = 2 * MAX_LINE // 100  # about twice the budget below, read in three goes
    path.write_bytes((b"x" * 99 + b"\n") * lines)
    agent = agent_of(cloud)
    agent.budget = MAX_LINE
    agent.add(Source(str(path), GROUP, "web-1"))
    first = agent.poll()
    assert 0 < first < lines
    assert agent.pending_bytes <= MAX_LINE + 99 + 26
    assert agent.poll() == 0  # full: nothing more is read
    await cloud.clock.advance(FLUSH_INTERVAL)  # ships, then reads on
    assert len(messages(cloud)) == first
    await cloud.clock.advance(2 * FLUSH_INTERVAL)
    assert len(messages(cloud)) == lines


async def test_a_glob_follows_the_newest_file_and_reads_the_old_to_its_end(
    cloud: Cloud, tmp_path: Path
) -> None:
    old = tmp_path / "a.log"
    old.write_bytes(b"a1\n")
    agent = agent_of(cloud)
    agent.add(Source(str(tmp_path / "*.log"), GROUP, "web-1"))
    agent.poll()
    new = tmp_path / "b.log"
    new.write_bytes(b"b1\n")
    append(old, b"a2\n")
    os.utime(old, ns=(1, 1_000))  # b.log is the newest: followed, and a.log read on
    agent.poll()
    assert agent.tailed(agent.sources[0]) == [str(old), str(new)]
    old.unlink()
    append(new, b"b2\n")
    agent.poll()
    assert agent.tailed(agent.sources[0]) == [str(new)]
    await agent.ship(everything=True)
    assert messages(cloud) == ["a1", "a2", "b1", "b2"]


async def test_reset_wipes_the_account_and_the_agent_makes_the_group_again(
    cloud: Cloud, tmp_path: Path
) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"before\n")
    agent = agent_of(cloud)
    agent.add(Source(str(path), GROUP, "web-1"))
    agent.poll()
    await agent.ship(everything=True)
    cloud.reset()
    append(path, b"after\n")
    agent.poll()
    await agent.ship(everything=True)
    assert messages(cloud) == ["after"]


# -- live(): the folders watched ---------------------------------------------------------


#: Wall seconds after which a test gives up on `live()` rather than hang: a broken
#: agent fails the test instead of stalling the suite. Nothing is timed by it.
GIVE_UP = 30


class FakeWatch:
    """`watchfiles.awatch` as `live()` calls it: batches the test hands it, until stopped."""

    def __init__(self) -> None:
        self.calls: list[tuple[tuple[str, ...], dict[str, Any]]] = []
        self.batches: asyncio.Queue[set[tuple[Change, str]]] = asyncio.Queue()
        self.taken = asyncio.Event()

    def __call__(self, *paths: str, **options: Any) -> AsyncGenerator[set[tuple[Change, str]]]:
        self.calls.append((paths, options))
        stop: asyncio.Event = options["stop_event"]

        async def batches() -> AsyncGenerator[set[tuple[Change, str]]]:
            while not stop.is_set():
                self.taken.set()
                getting = asyncio.ensure_future(self.batches.get())
                stopping = asyncio.ensure_future(stop.wait())
                done, _ = await asyncio.wait({getting, stopping}, return_when="FIRST_COMPLETED")
                for task in (getting, stopping):
                    task.cancel()
                if getting in done:
                    yield getting.result()

        return batches()

    async def report(self, changes: set[tuple[Change, str]]) -> None:
        """Hand the watch a batch and wait until `live()` asks for the next one."""
        self.taken.clear()
        self.batches.put_nowait(changes)
        async with asyncio.timeout(GIVE_UP):
            await self.taken.wait()

    async def asked(self, count: int) -> None:
        """Until `live()` has started `count` watches."""
        async with asyncio.timeout(GIVE_UP):
            while len(self.calls) < count:
                self.taken.clear()
                await self.taken.wait()


async def test_live_watches_the_sources_folders_and_polls_on_each_change(
    cloud: Cloud, tmp_path: Path
) -> None:
    agent = agent_of(cloud)
    later = tmp_path / "later"
    (tmp_path / "app").mkdir()
    path = tmp_path / "app" / "app.log"
    path.write_bytes(b"there before\n")
    agent.add(Source(str(path), GROUP, "web-1"))
    fake = FakeWatch()
    task = asyncio.create_task(agent.live(fake))
    await fake.asked(1)
    assert fake.calls[0][0] == (str(tmp_path / "app"),)
    assert fake.calls[0][1]["recursive"] is False
    assert agent.pending_bytes > 0  # read once as the watch began

    append(path, b"appended\n")
    await fake.report({(Change.modified, str(path))})
    await agent.ship(everything=True)
    assert messages(cloud) == ["there before", "appended"]

    # A source whose folder is not there yet: its nearest folder is watched until it is.
    agent.add(Source(str(later / "x.log"), GROUP, "web-2"))
    await fake.asked(2)
    assert fake.calls[1][0] == (str(tmp_path), str(tmp_path / "app"))
    later.mkdir()
    (later / "x.log").write_bytes(b"late\n")
    await fake.report({(Change.added, str(later))})
    await fake.asked(3)
    assert fake.calls[2][0] == (str(tmp_path / "app"), str(later))
    await agent.ship(everything=True)
    assert messages(cloud, "web-2") == ["late"]

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


# -- the scenario section -----------------------------------------------------------------

HEAD = '[scenario]\nname = "tailing"\n\n'


def test_the_section_reads_agent_sources(tmp_path: Path) -> None:
    text = (
        f'{HEAD}[[logs.agent]]\nfile = "{tmp_path}/*.log"\ngroup = "/app/web"\nstream = "web-1"\n'
    )
    scenario = parse_scenario(text, "t.toml")
    assert scenario.sections["logs"].agent == (Source(f"{tmp_path}/*.log", GROUP, "web-1"),)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('file = "app.log"', "logs.agent[0]: file must be an absolute path, not 'app.log'"),
        (
            'file = "/var/*/app.log"',
            "file may have wildcards in its name only, not its folders: '/var/*/app.log'",
        ),
        ('file = "/var/log/"', "file must name a file, not a folder: '/var/log/'"),
        (
            'file = "/var/log/app.log.gz"',
            "file '/var/log/app.log.gz' is compressed: the agent passes over those",
        ),
        (
            'file = "/a.log"\ngroup = "no spaces"',
            "group must be 1 to 512 characters matching [\\.\\-_/#A-Za-z0-9]+, not 'no spaces'",
        ),
        (
            'file = "/a.log"\nstream = "a:b"',
            "stream must be 1 to 512 characters matching [^:*]*, not 'a:b'",
        ),
        ('file = "/a.log"\nstream = ""', "stream must be 1 to 512 characters"),
        ('group = "g"', "logs.agent[0]: file is required"),
        ('file = "/a.log"\nfrom_beginning = true', "logs.agent[0]: unknown key(s): from_beginning"),
    ],
    ids=[
        "relative",
        "wild-folder",
        "folder",
        "compressed",
        "group",
        "stream",
        "empty-stream",
        "no-file",
        "unknown",
    ],
)
def test_agent_mistakes_say_where(entry: str, message: str) -> None:
    keys = dict(line.split(" = ", 1) for line in entry.splitlines())
    keys.setdefault("group", '"g"')
    keys.setdefault("stream", '"s"')
    body = "\n".join(f"{k} = {v}" for k, v in keys.items())
    with pytest.raises(ScenarioError) as info:
        parse_scenario(f"{HEAD}[[logs.agent]]\n{body}\n", "t.toml")
    assert message in str(info.value)


async def test_a_scenario_hands_its_files_to_the_agent_which_reads_them_only_live(
    tmp_path: Path,
) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"in the file\n")
    text = (
        f'{HEAD}[[logs.agent]]\nfile = "{path}"\ngroup = "/app/web"\nstream = "web-1"\n\n'
        f'[[logs.agent]]\nfile = "{tmp_path}/missing/*.log"\ngroup = "/app/web"\n'
        'stream = "web-2"\n'
    )
    scenario = parse_scenario(text, "t.toml")
    cloud = new_cloud(seed=1)
    await apply(scenario, cloud)
    assert [s.stream for s in agent_of(cloud).sources] == ["web-1", "web-2"]
    summary = await run_headless(scenario, 600)
    assert not any(service == "logs" for service, _, _, _ in summary.calls)
