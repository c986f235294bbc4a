"""The real aws CLI (v1, from the registry), one process for a test's commands.

Each command used to be a process of its own, and most of its second went on
importing awscli and botocore again. Here one process imports them once and
runs each command as `python -m awscli` would: a fresh driver (a new botocore
session, the config file's plugins loaded again), the command's own stdout and
stderr, its exit code. The parent gets each as a `CompletedProcess`, so every
command is still checked on its own.

Run as `python -m tests.wire.aws_cli`: one command a line on stdin (its
arguments as a JSON list), one JSON line back (`rc`, `stdout`, `stderr`).
"""

from __future__ import annotations

import contextlib
import io
import json
import selectors
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

#: The access key the CLI's commands are signed with (CloudTrail records it).
ACCESS_KEY = "AKIACLITEST000000001"


def cli_env(url: str, home: Path) -> dict[str, str]:
    """The CLI's environment: the endpoint and dummy credentials only, `home` its own, so
    no user configuration leaks in; the config file loads skydeck's plugin (docs/wire.md)."""
    config = home / "config"
    config.write_text("[plugins]\nskydeck = backend.wire.awscli_plugin\n")
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": "dummy",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_PAGER": "",
    }


class AwsCli:
    """A running aws CLI process that runs commands one after the other, in `env`."""

    def __init__(self, env: dict[str, str], timeout: float) -> None:
        self.timeout = timeout
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.wire.aws_cli"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`aws <args>`, as a process of its own would have ended."""
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        stdin.write(json.dumps(args) + "\n")
        stdin.flush()
        with selectors.DefaultSelector() as selector:
            selector.register(stdout, selectors.EVENT_READ)
            if not selector.select(self.timeout):
                raise subprocess.TimeoutExpired(["aws", *args], self.timeout)
        line = stdout.readline()
        assert line, f"the aws CLI process ended (exit code {self.process.wait()})"
        done = json.loads(line)
        out, err = (_newlines(done[name]) for name in ("stdout", "stderr"))
        return subprocess.CompletedProcess(["aws", *args], done["rc"], out, err)

    def close(self) -> None:
        """End the process: at the end of its input, or killed if a command hangs on."""
        with self.process:  # closes the pipes and waits
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(self.timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def __enter__(self) -> AwsCli:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _newlines(text: str) -> str:
    """`text` as a text-mode pipe reads it (universal newlines: `\\r` and `\\r\\n` are `\\n`)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


@contextlib.contextmanager
def _captured() -> Iterator[tuple[io.BytesIO, io.BytesIO]]:
    """sys.stdout and sys.stderr as a command's own: text over bytes (`aws s3 cp s3://... -`
    writes to stdout's buffer)."""
    out, err = io.BytesIO(), io.BytesIO()
    saved = sys.stdout, sys.stderr
    sys.stdout = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
    sys.stderr = io.TextIOWrapper(err, encoding="utf-8", errors="replace", write_through=True)
    try:
        yield out, err
    finally:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
            stream.detach()  # else freeing the wrapper would close the bytes
        sys.stdout, sys.stderr = saved


def main() -> None:
    from awscli.clidriver import create_clidriver  # the child's alone: not pytest's

    reply = sys.stdout
    for line in iter(sys.stdin.readline, ""):
        with _captured() as (out, err):
            try:
                rc = create_clidriver().main(json.loads(line))
            except SystemExit as exit_:  # argparse's usage errors, as the CLI's own exit
                rc = exit_.code if isinstance(exit_.code, int) else 1
        stdout, stderr = out.getvalue().decode(), err.getvalue().decode(errors="replace")
        reply.write(json.dumps({"rc": rc, "stdout": stdout, "stderr": stderr}) + "\n")
        reply.flush()


if __name__ == "__main__":
    main()
