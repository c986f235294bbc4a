"""The `skydeck` command: the dashboard, and its headless faces.

    skydeck                                  the dashboard on the demo scenario,
                                             with the AWS endpoint on 127.0.0.1:4566
    skydeck run --scenario demo --for 1h     fast-forward headless, print a summary
    skydeck serve [--port 4566] [--speed 60] the AWS endpoint alone, until Ctrl-C

Only the dashboard imports Textual, so headless runs start fast and stay
light.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from backend.clock import MAX_SPEED, MIN_SPEED
from backend.durations import parse_duration
from backend.headless import ProgressCallback, check_run_length, format_summary, run_headless
from backend.numbers import decimal_number, whole_number
from backend.process import tune_gc
from backend.scenarios import Scenario, ScenarioError, apply, builtin_names, load_scenario
from backend.services import new_cloud
from backend.wire.access import Access, host_pattern, origin_pattern
from backend.wire.serve import loop_factory, serve
from backend.wire.server import DEFAULT_PORT, EndpointError
from tui.paths import data_dir


def _speed(text: str) -> float:
    speed = decimal_number(text)
    if speed is None:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}")
    if not MIN_SPEED <= speed <= MAX_SPEED:
        raise argparse.ArgumentTypeError(f"must be between {MIN_SPEED:g} and {MAX_SPEED:g}")
    return speed


def _port(text: str) -> int:
    port = whole_number(text)
    if port is None or not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}")
    return port


def _checked(parse: Callable[[str], str]) -> Callable[[str], str]:
    """`parse` as an argparse type whose ValueError message is the usage error shown."""

    def check(text: str) -> str:
        try:
            return parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return check


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="skydeck",
        description="A live simulation of AWS's data and operations services.",
    )
    scenarios = ", ".join(builtin_names())

    def scenario_option(p: argparse.ArgumentParser, default: str | None = "demo") -> None:
        p.add_argument(
            "--scenario",
            default=default,
            help=f"a built-in scenario ({scenarios}) or a scenario file",
        )
        p.add_argument("--seed", type=int, help="seed for the cloud's randomness")

    def data_option(p: argparse.ArgumentParser, default: str) -> None:
        p.add_argument(
            "--data-dir",
            type=Path,
            metavar="DIR",
            help=f"where S3's bucket folders live ({default})",
        )

    def port_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--port",
            type=_port,
            default=DEFAULT_PORT,
            help=f"the AWS endpoint's port on 127.0.0.1 (default {DEFAULT_PORT}; "
            "0 picks a free one)",
        )

    def access_options(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--allow-host",
            action="append",
            default=[],
            metavar="NAME",
            type=_checked(host_pattern),
            help="also answer requests addressed to NAME, a host name or IP address "
            "(*.example.com: any name under it); repeatable. Only localhost, "
            "127.0.0.1, [::1] and *.localhost are answered otherwise, so web "
            "pages cannot reach the endpoint by DNS rebinding",
        )
        p.add_argument(
            "--cors-origin",
            action="append",
            default=[],
            metavar="ORIGIN",
            type=_checked(origin_pattern),
            help="also answer web pages from ORIGIN (e.g. https://app.example.com) "
            "and let them read the answers; repeatable. Pages from localhost "
            "are answered anyway. '*' lets ANY web page your browser opens "
            "drive the simulated account: avoid it",
        )

    scenario_option(parser)
    parser.add_argument("--speed", type=_speed, help="simulated seconds per wall second (0.1-1000)")
    port_option(parser)
    parser.add_argument(
        "--no-endpoint", action="store_true", help="don't serve the AWS-compatible endpoint"
    )
    access_options(parser)
    data_option(parser, f"default {data_dir()}")
    parser.add_argument(
        "--theme", default="skydeck-dark", choices=("skydeck-dark", "skydeck-light")
    )
    commands = parser.add_subparsers(dest="command", metavar="command")
    run = commands.add_parser(
        "run",
        help="fast-forward a scenario headless and print a summary",
        description="Fast-forward a scenario on the manual clock and print a summary on "
        "stdout. While it runs, a progress bar on stderr (when stderr is a terminal) shows "
        "the simulated time done, the simulated clock, the API calls so far, and the wall "
        "time elapsed and left. Ctrl-C stops the run and prints the summary of what ran, "
        "marked interrupted, with exit status 130; a second Ctrl-C aborts at once.",
    )
    scenario_option(run)
    data_option(run, "default: a temporary folder, removed after the run")
    run.add_argument(
        "--for",
        dest="duration",
        default="1h",
        help="simulated time to run, e.g. 90s, 30m, 1h, 2d (default 1h)",
    )
    run.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        help="show the progress bar on stderr even when it is not a terminal, "
        "or never (default: only on a terminal)",
    )
    served = commands.add_parser("serve", help="serve the AWS endpoint headless until stopped")
    scenario_option(served, default=None)
    port_option(served)
    access_options(served)
    data_option(served, f"default {data_dir()}")
    served.add_argument(
        "--speed",
        type=_speed,
        default=1.0,
        help="clock speed, e.g. 60 for an hour a minute (default 1)",
    )
    return parser


def _load(name: str) -> Scenario:
    try:
        return load_scenario(name)
    except ScenarioError as error:
        print(f"skydeck: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        raise SystemExit(_serve(args))
    scenario = _load(args.scenario)
    if args.command == "run":
        raise SystemExit(_run(args, scenario))
    _dashboard(args, scenario)


def _run(args: argparse.Namespace, scenario: Scenario) -> int:
    """`skydeck run`: the summary on stdout, and 130 when Ctrl-C cut the run short.

    On the first Ctrl-C asyncio.run cancels the run, which hands back the
    summary of what ran (`Summary.interrupted`). A second one raises
    KeyboardInterrupt wherever the run is, and so does a first one while the
    scenario is still being set up: both end the run with no summary.
    """
    try:
        seconds = parse_duration(args.duration)
        check_run_length(scenario, seconds)
    except ValueError as error:
        print(f"skydeck: --for: {error}", file=sys.stderr)
        return 2
    tune_gc()
    try:
        with _run_progress(args.progress) as on_progress:
            summary = asyncio.run(
                run_headless(
                    scenario, seconds, args.seed, on_progress=on_progress, data_dir=args.data_dir
                )
            )
        sys.stdout.write(format_summary(summary))
    except KeyboardInterrupt:
        print("skydeck: aborted", file=sys.stderr)
        return 130
    except ScenarioError as error:
        print(f"skydeck: {error}", file=sys.stderr)
        return 1
    return 130 if summary.interrupted else 0


@contextlib.contextmanager
def _run_progress(forced: bool | None) -> Iterator[ProgressCallback | None]:
    """The progress display's callback, or None when it isn't shown.

    Shown when stderr is a terminal unless `--no-progress`, and drawn as on
    a terminal with `--progress` wherever stderr goes. Rich is imported only
    when it is shown, so a piped run starts as light as before.
    """
    if not (sys.stderr.isatty() if forced is None else forced):
        yield None
        return
    from rich.console import Console

    from tui.progress import run_progress

    with run_progress(Console(stderr=True, force_terminal=forced)) as report:
        yield report


def _serve(args: argparse.Namespace) -> int:
    """The endpoint alone: an empty cloud (or a scenario's) on a real-time clock.

    Without a scenario the clock starts at the wall clock's now, so timestamps
    a client sees (SentTimestamp, CloudTrail's eventTime) read as today's.
    """
    scenario = _load(args.scenario) if args.scenario else None
    if scenario is not None:
        cloud = new_cloud(
            seed=scenario.seed if args.seed is None else args.seed,
            start=scenario.start,
            region=scenario.region,
            data_dir=args.data_dir or data_dir(),
        )
    else:
        cloud = new_cloud(
            seed=args.seed or 0,
            start=float(int(time.time())),
            data_dir=args.data_dir or data_dir(),
        )

    async def run() -> None:
        if scenario is not None:
            await apply(scenario, cloud)
        await serve(
            cloud,
            port=args.port,
            speed=args.speed,
            access=_access(args),
            out=lambda line: print(line, flush=True),
        )

    tune_gc()
    try:
        with (
            contextlib.suppress(KeyboardInterrupt),
            asyncio.Runner(loop_factory=loop_factory()) as runner,
        ):
            runner.run(run())
    except (EndpointError, ScenarioError) as error:
        print(f"skydeck: {error}", file=sys.stderr)
        return 1
    return 0


def _dashboard(args: argparse.Namespace, scenario: Scenario) -> None:
    folder = data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        filename=folder / "skydeck.log",
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from tui.app import SkydeckApp

    tune_gc()
    SkydeckApp(
        scenario,
        seed=args.seed,
        speed=args.speed,
        theme=args.theme,
        endpoint_port=None if args.no_endpoint else args.port,
        endpoint_access=_access(args),
        files=folder,
        data_dir=args.data_dir or folder,
    ).run()


def _access(args: argparse.Namespace) -> Access:
    """What `--allow-host` and `--cors-origin` open of the endpoint."""
    return Access(allowed_hosts=tuple(args.allow_host), cors_origins=tuple(args.cors_origin))


if __name__ == "__main__":
    main()
