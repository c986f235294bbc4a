"""Metric math on its own: the grammar, alignment of series, the functions, the errors."""

from __future__ import annotations

import math

import pytest

from backend.errors import AwsError
from backend.services.cloudwatch.metric_math import (
    Context,
    Evaluator,
    TimeSeries,
    Value,
    parse,
    references,
)

SERIES = {
    "m1": TimeSeries({0: 1.0, 60: 2.0, 120: 4.0, 240: 8.0}, 60),
    "m2": TimeSeries({0: 10.0, 60: 20.0, 180: 30.0, 240: 40.0}, 60),
    "big": TimeSeries({0: 100.0, 60: 5.0}, 60),
}


def run(expression: str, start: int = 0, end: int = 300) -> Value:
    context = Context(["m1", "m2"], start, end, 60)
    return Evaluator(expression, context, SERIES.__getitem__).eval(parse(expression))


def points(value: Value) -> dict[int, float]:
    assert isinstance(value, TimeSeries), value
    return value.points


def test_arithmetic_between_series_keeps_the_timestamps_both_have() -> None:
    assert points(run("m1 + m2")) == {0: 11.0, 60: 22.0, 240: 48.0}


def test_a_scalar_applies_to_every_point_and_precedence_is_arithmetic() -> None:
    assert points(run("m1 * 2 + 1")) == {0: 3.0, 60: 5.0, 120: 9.0, 240: 17.0}
    assert points(run("(m1 + 1) * 2")) == {0: 4.0, 60: 6.0, 120: 10.0, 240: 18.0}
    assert points(run("-m1 + 2 ^ 3 ^ 0")) == {0: 1.0, 60: 0.0, 120: -2.0, 240: -6.0}
    assert run("2 ^ 3 ^ 2") == 512.0


def test_division_by_zero_is_not_a_number_or_infinite_never_a_crash() -> None:
    value = points(run("m1 / (m1 - m1)"))
    assert all(math.isinf(v) for v in value.values())
    assert math.isnan(run("0 / 0"))  # type: ignore[arg-type]


def test_functions_over_an_array_give_one_series_of_the_values_present() -> None:
    assert points(run("SUM(METRICS())")) == {0: 11.0, 60: 22.0, 120: 4.0, 180: 30.0, 240: 48.0}
    assert points(run("MAX([m1, m2])"))[120] == 4.0
    assert points(run("AVG([m1, m2])"))[0] == 5.5
    assert points(run("MIN([m1, big])")) == {0: 1.0, 60: 2.0, 120: 4.0, 240: 8.0}


def test_functions_over_one_series_give_a_scalar() -> None:
    assert run("SUM(m1)") == 15.0
    assert run("AVG(m2)") == 25.0
    assert run("MAX(m1) - MIN(m1)") == 7.0


def test_rate_and_diff_use_the_previous_point_and_its_time() -> None:
    assert points(run("DIFF(m1)")) == {60: 1.0, 120: 2.0, 240: 4.0}
    assert points(run("RATE(m1)")) == {60: 1 / 60, 120: 2 / 60, 240: 4 / 120}
    assert points(run("DIFF_TIME(m1)")) == {60: 60.0, 120: 60.0, 240: 120.0}
    assert points(run("PERIOD(m1)")) == {0: 60.0, 60: 60.0, 120: 60.0, 240: 60.0}


def test_fill_with_a_value_repeat_or_linear() -> None:
    assert points(run("FILL(m1, 0)")) == {0: 1.0, 60: 2.0, 120: 4.0, 180: 0.0, 240: 8.0}
    assert points(run("FILL(m1, REPEAT)"))[180] == 4.0
    assert points(run("FILL(m2, LINEAR)"))[120] == 25.0
    # Before the first point there is nothing to repeat.
    assert -60 not in points(run("FILL(m1, REPEAT)", start=-60))


def test_if_picks_per_point_and_drops_points_without_an_else() -> None:
    assert points(run("IF(m1 > 2, m1, 0)")) == {0: 0.0, 60: 0.0, 120: 4.0, 240: 8.0}
    assert points(run("IF(m1 >= 2 AND m1 < 8, 1)")) == {60: 1.0, 120: 1.0}
    assert points(run("IF(NOT m1 == 4, 1, 0)")) == {0: 1.0, 60: 1.0, 120: 0.0, 240: 1.0}


def test_metrics_filters_query_ids_by_a_string() -> None:
    value = run('METRICS("2")')
    assert isinstance(value, list) and [s.points for s in value] == [SERIES["m2"].points]


def test_time_series_makes_a_constant_over_the_range() -> None:
    assert points(run("TIME_SERIES(7)")) == {0: 7.0, 60: 7.0, 120: 7.0, 180: 7.0, 240: 7.0}


def test_references_name_every_query_an_expression_reads() -> None:
    assert references(parse("SUM([m1, m2]) / e3 + RATE(m1)")) == {"m1", "m2", "e3"}


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("", "empty"),
        ("m1 +", "ends too soon"),
        ("m1 $ m2", "Unexpected character at position 4"),
        ("(m1 + m2", "Expected ')'"),
        ("m1 m2", "Unexpected token 'm2' at position 4"),
        ("NOPE(m1)", "Unknown function 'NOPE'"),
        ("RATE(2)", "RATE takes a time series"),
        ("[m1, m2] + [m1]", "cannot combine two arrays"),
        ("FILL(m1)", "FILL takes"),
    ],
)
def test_a_bad_expression_says_what_and_where(expression: str, problem: str) -> None:
    with pytest.raises(AwsError) as info:
        run(expression)
    assert info.value.code == "ValidationError"
    assert problem in info.value.message
