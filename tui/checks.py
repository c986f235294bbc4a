"""Checks for the dashboard's form fields that need the cloud's own rules.

A form field's check (`widgets.form.Check`) says what is wrong with what was
typed before anything is sent. Numbers are read by `backend.numbers`, as the
endpoint reads them: a form that took '٣٠' as thirty (as `int()` does) would
accept what the API refuses.
"""

from __future__ import annotations

from backend.numbers import decimal_number, whole_number
from widgets.form import Check


def integer(low: int, high: int, *, optional: bool = False) -> Check:
    """A check for a whole number in [low, high] (or empty, when optional)."""

    def check(value: str) -> str | None:
        text = value.strip()
        if not text:
            return None if optional else "required"
        number = whole_number(text)
        if number is None:
            return f"a whole number from {low:,} to {high:,}, in digits 0-9"
        if not low <= number <= high:
            return f"must be from {low:,} to {high:,}"
        return None

    return check


def decimal(value: str) -> str | None:
    """A check for a number (a metric value, say), or nothing at all."""
    text = value.strip()
    if text and decimal_number(text) is None:
        return "a number, such as 0 or 1.5, in digits 0-9"
    return None
