"""Scenarios: TOML files of resources and actors, and the built-in ones."""

from backend.scenarios.loader import (
    Scenario,
    ScenarioError,
    apply,
    builtin_names,
    load_scenario,
    parse_scenario,
)

__all__ = [
    "Scenario",
    "ScenarioError",
    "apply",
    "builtin_names",
    "load_scenario",
    "parse_scenario",
]
