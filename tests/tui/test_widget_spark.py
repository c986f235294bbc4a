"""SparkRow: bars that mean something (zero is the baseline), the same width for every series."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.color import Color

from themes import THEMES
from widgets.spark_row import BARS, SparkRow, bar_levels


def test_an_all_zero_series_is_the_baseline() -> None:
    assert bar_levels([0.0] * 10) == [0] * 10


@pytest.mark.parametrize("rate", [0.5, 3.0, 40.0, 10_000.0])
def test_a_steady_rate_is_a_steady_line_at_about_half_height(rate: float) -> None:
    levels = bar_levels([rate] * 20)
    assert len(set(levels)) == 1
    assert 3 <= levels[0] <= 4


def test_a_burst_reaches_the_top_and_a_trickle_stays_above_the_baseline() -> None:
    levels = bar_levels([0, 1, 1, 1, 30, 1, 0])
    assert levels[4] == len(BARS) - 1
    assert levels[0] == levels[-1] == 0
    assert all(level == 1 for level in levels[1:4])


def test_levels_are_linear_from_zero() -> None:
    # Mean 6, so the top of the scale is 12: a ramp, not a burst, and no bar is full.
    assert bar_levels([2, 4, 6, 8, 10]) == [2, 3, 4, 5, 6]


class SparkApp(App[None]):
    def compose(self) -> ComposeResult:
        yield SparkRow(["sent", "recv", "del", "empty"])

    def on_mount(self) -> None:
        for theme in THEMES:
            self.register_theme(theme)
        self.theme = THEMES[0].name


def bars(line: str) -> list[str]:
    """The runs of bar glyphs in a rendered line, one per series."""
    runs: list[str] = []
    current = ""
    for char in line + " ":
        if char in BARS:
            current += char
        elif current:
            runs.append(current)
            current = ""
    return runs


@pytest.mark.parametrize("width", [80, 120, 160])
async def test_every_series_gets_the_same_cells_whatever_its_label(width: int) -> None:
    app = SparkApp()
    async with app.run_test(size=(width, 3)) as pilot:
        spark = app.query_one(SparkRow)
        spark.set_series(
            {
                "sent": [float(n % 7) for n in range(60)],
                "recv": [3.0] * 60,
                "del": [0.0] * 60,
                "empty": [0.0] * 59 + [1.0],
            }
        )
        await pilot.pause()
        line = spark.render_line(0).text
        runs = bars(line)
        assert len(runs) == 4
        assert {len(run) for run in runs} == {spark.cells}
        assert spark.cells >= 8
        assert len(line.rstrip()) <= width
        _, recv, deleted, empty = runs
        assert len(set(recv)) == 1 and recv[0] not in (BARS[0], BARS[-1])
        assert set(deleted) == {BARS[0]}
        assert empty[-1] == BARS[-1] and set(empty[:-1]) == {BARS[0]}
        # Totals are of the whole series given, whatever the width shows.
        assert line.split()[line.split().index("recv") + 2] == "180"


async def test_bars_take_the_themes_colours() -> None:
    app = SparkApp()
    async with app.run_test(size=(80, 3)) as pilot:
        spark = app.query_one(SparkRow)
        spark.set_series({"sent": [0.0, 5.0]})
        await pilot.pause()
        styles = {s.text: s.style for s in spark.render_line(0) if s.text in BARS and s.style}
        accent = Color.parse(app.theme_variables["accent"])
        bar = styles[BARS[-1]]
        assert bar.color is not None and bar.color.triplet == accent.rich_color.triplet
        zero = styles[BARS[0]]
        assert zero.color != bar.color
