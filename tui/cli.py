"""The `skydeck` command: the dashboard, and its headless faces.

    skydeck                                  the dashboard on the demo scenario
    skydeck run --scenario demo --for 1h     fast-forward headless, print a summary

Only the dashboard imports Textual, so headless runs start fast and stay
light.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from backend.durations import parse_duration
from backend.headless import format_summary, run_headless
from backend.scenarios import Scenario, ScenarioError, builtin_names, load_scenario


def data_dir() -> Path:
    """skydeck's folder in the user's XDG data directory."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "skydeck"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="skydeck",
        description="A live simulation of AWS's data and operations services.",
    )
    scenarios = ", ".join(builtin_names())

    def scenario_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--scenario", default="demo",
                       help=f"a built-in scenario ({scenarios}) or a scenario file")  # fmt: skip
        p.add_argument("--seed", type=int, help="seed for the cloud's randomness")

    scenario_option(parser)
    parser.add_argument("--speed", type=float, help="simulated seconds per wall second (0.1-1000)")
    parser.add_argument(
        "--theme", default="skydeck-dark", choices=("skydeck-dark", "skydeck-light")
    )
    commands = parser.add_subparsers(dest="command", metavar="command")
    run = commands.add_parser("run", help="fast-forward a scenario headless and print a summary")
    scenario_option(run)
    run.add_argument("--for", dest="duration", default="1h",
                     help="simulated time to run, e.g. 90s, 30m, 1h, 2d (default 1h)")  # fmt: skip
    return parser


def _load(name: str) -> Scenario:
    try:
        return load_scenario(name)
    except ScenarioError as error:
        print(f"skydeck: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    scenario = _load(args.scenario)
    if args.command == "run":
        try:
            seconds = parse_duration(args.duration)
        except ValueError as error:
            print(f"skydeck: --for: {error}", file=sys.stderr)
            raise SystemExit(2) from None
        summary = asyncio.run(run_headless(scenario, seconds, args.seed))
        sys.stdout.write(format_summary(summary))
        return
    _dashboard(args, scenario)


def _dashboard(args: argparse.Namespace, scenario: Scenario) -> None:
    folder = data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        filename=folder / "skydeck.log",
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from tui.app import SkydeckApp

    if args.speed is not None and not 0.1 <= args.speed <= 1000:
        print("skydeck: --speed must be between 0.1 and 1000", file=sys.stderr)
        raise SystemExit(2)
    SkydeckApp(scenario, seed=args.seed, speed=args.speed, theme=args.theme).run()


if __name__ == "__main__":
    main()
