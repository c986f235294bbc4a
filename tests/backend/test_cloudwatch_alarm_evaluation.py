"""How an alarm judges datapoints: M of N and the four ways of treating missing data.

Each case is a row of periods, oldest first and the newest complete period
last, as AWS's documentation draws them: `0` within the threshold, `X`
breaching, `-` missing. The evaluation range holds N + EXTRA_PERIODS
periods; periods older than the row are missing.
"""

from __future__ import annotations

import json

import pytest

from backend.services.cloudwatch.evaluation import (
    ALARM,
    EXTRA_PERIODS,
    INSUFFICIENT_DATA,
    OK,
    Rule,
    evaluate,
)

END = 1_800_000_000 // 60 * 60
NOW = END + 5


def rule(
    n: int = 3, m: int | None = None, treat: str = "missing", op: str = "GreaterThanThreshold"
) -> Rule:
    return Rule(60, n, m or n, op, 5.0, treat, "Average")


def points(row: str) -> dict[int, float]:
    """'0 X -' -> values per period ending at END: 0 is 1.0, X is 10.0, - is absent."""
    cells = row.split()
    found = {}
    for age, cell in enumerate(reversed(cells), start=1):
        if cell != "-":
            found[END - 60 * age] = 10.0 if cell == "X" else 1.0
    return found


CASES = [
    # row, N, M, {mode: state}
    ("0 0 0", 3, 3, dict.fromkeys(("missing", "ignore", "breaching", "notBreaching"), OK)),
    ("X X X", 3, 3, dict.fromkeys(("missing", "ignore", "breaching", "notBreaching"), ALARM)),
    ("0 X X", 3, 3, dict.fromkeys(("missing", "ignore", "breaching", "notBreaching"), OK)),
    ("0 X X", 3, 2, dict.fromkeys(("missing", "ignore", "breaching", "notBreaching"), ALARM)),
    # Nothing in the whole evaluation range.
    (
        "- - -",
        3,
        3,
        {"missing": INSUFFICIENT_DATA, "ignore": "(kept)", "breaching": ALARM, "notBreaching": OK},
    ),
    # Too few real datapoints: the missing ones are filled, as few as make N.
    ("X - X", 3, 3, {"missing": OK, "ignore": OK, "breaching": ALARM, "notBreaching": OK}),
    ("- - X", 3, 1, dict.fromkeys(("missing", "ignore", "breaching", "notBreaching"), ALARM)),
    ("- - 0", 3, 1, {"missing": OK, "ignore": OK, "breaching": ALARM, "notBreaching": OK}),
    # Enough real datapoints further back: the gap needs no filling, whatever the mode.
    ("X X - X", 3, 3, dict.fromkeys(("missing", "ignore", "breaching", "notBreaching"), ALARM)),
    ("0 X - X", 3, 3, dict.fromkeys(("missing", "ignore", "breaching", "notBreaching"), OK)),
    # A real datapoint older than the evaluation range does not count.
    (
        "X" + " -" * (3 + EXTRA_PERIODS),
        3,
        1,
        {"missing": INSUFFICIENT_DATA, "ignore": "(kept)", "breaching": ALARM, "notBreaching": OK},
    ),
]


@pytest.mark.parametrize(
    ("row", "n", "m", "expected"), CASES, ids=[f"{c[0]}|{c[1]}/{c[2]}" for c in CASES]
)
@pytest.mark.parametrize("treat", ["missing", "ignore", "breaching", "notBreaching"])
@pytest.mark.parametrize("current", [OK, ALARM])
def test_m_of_n_with_each_way_of_treating_missing_data(
    row: str, n: int, m: int, expected: dict[str, str], treat: str, current: str
) -> None:
    outcome = evaluate(rule(n, m, treat), points(row), END, current, NOW)
    want = current if expected[treat] == "(kept)" else expected[treat]
    assert outcome.state == want


def test_the_trace_shows_each_period_and_how_a_missing_one_was_treated() -> None:
    outcome = evaluate(rule(3, 3, "breaching"), points("X - X"), END, OK, NOW)
    assert [(p.timestamp - END) // 60 for p in outcome.trace] == [-3, -2, -1]
    assert [(p.value, p.breaching, p.missing) for p in outcome.trace] == [
        (10.0, True, False),
        (None, True, True),
        (10.0, True, False),
    ]


@pytest.mark.parametrize(
    ("op", "value", "breaching"),
    [
        ("GreaterThanThreshold", 5.0, False),
        ("GreaterThanOrEqualToThreshold", 5.0, True),
        ("LessThanThreshold", 5.0, False),
        ("LessThanOrEqualToThreshold", 5.0, True),
        ("LessThanThreshold", 4.9, True),
    ],
)
def test_each_threshold_operator(op: str, value: float, breaching: bool) -> None:
    outcome = evaluate(rule(1, 1, op=op), {END - 60: value}, END, OK, NOW)
    assert outcome.state == (ALARM if breaching else OK)


@pytest.mark.parametrize(
    ("op", "value", "state"),
    [
        ("LessThanLowerOrGreaterThanUpperThreshold", 11.0, ALARM),
        ("LessThanLowerOrGreaterThanUpperThreshold", 1.0, ALARM),
        ("LessThanLowerOrGreaterThanUpperThreshold", 5.0, OK),
        ("GreaterThanUpperThreshold", 1.0, OK),
        ("LessThanLowerThreshold", 1.0, ALARM),
    ],
)
def test_band_operators_compare_with_the_band_of_the_same_period(
    op: str, value: float, state: str
) -> None:
    band_rule = Rule(60, 1, 1, op, None, "missing", "Average")
    outcome = evaluate(band_rule, {END - 60: value}, END, OK, NOW, {END - 60: (2.0, 10.0)})
    assert outcome.state == state


def test_reasons_say_what_aws_says() -> None:
    alarm = evaluate(rule(1, 1), {END - 60: 10.0}, END, OK, NOW)
    assert alarm.reason.startswith("Threshold Crossed: 1 out of the last 1 datapoints [10.0 (")
    assert alarm.reason.endswith(
        "was greater than the threshold (5.0) (minimum 1 datapoint for OK -> ALARM transition)."
    )
    ok = evaluate(rule(1, 1), {END - 60: 1.0}, END, ALARM, NOW)
    assert ok.reason.startswith("Threshold Crossed: 1 datapoint [1.0 (")
    assert ok.reason.endswith("was not greater than the threshold (5.0).")
    filled = evaluate(rule(2, 2, "breaching"), {}, END, OK, NOW)
    assert filled.reason == (
        "Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints "
        "were treated as [Breaching]."
    )
    unknown = evaluate(rule(3, 3), {}, END, OK, NOW)
    assert unknown.reason == "Insufficient Data: 3 datapoints were unknown."
    data = json.loads(alarm.reason_data)
    assert data["version"] == "1.0" and data["statistic"] == "Average" and data["period"] == 60
    assert data["recentDatapoints"] == [10.0] and data["threshold"] == 5.0
    assert data["evaluatedDatapoints"][0]["value"] == 10.0
