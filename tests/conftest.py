"""Settings for the whole suite.

Hypothesis runs derandomized by default, so the test command (and CI) gives
the same verdict on every run; a property test is a gate, not a lottery. The
gate tries 50 examples a property (Hypothesis's default is 100): the same 50
every run, so the half left out would never vary either, and the whole
suite must fit CI's ten minutes on two cores. A test never asks for more
itself (the profile decides); a few ask fewer, where one example is costly.
`HYPOTHESIS_PROFILE=explore pytest` searches with fresh randomness and 2,000
examples, which is how new counterexamples are found; each one becomes a
fixed example in the tests.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings

from backend.process import tune_gc

settings.register_profile("gate", derandomize=True, deadline=None, max_examples=50)
settings.register_profile("explore", derandomize=False, deadline=None, max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "gate"))

#: Tests that take a good part of a minute each: the README's blocks (the shell block
#: starts the aws CLI once a command, as pasted), a headless demo hour, every key of a
#: pane on the demo, the property machines, mypy over the project (a clean clone has no
#: cache). They run first, so that the workers share the short ones at the end rather
#: than all waiting on one long test that started last.
LONG = (
    "tests/wire/test_readme_blocks.py::",
    "tests/test_tooling.py::",
    "tests/tui/test_pane_contract.py::test_every_key_on_the_pane_is_survived[demo-",
    "tests/backend/test_sqs_properties.py::",
    "tests/backend/test_cloudwatch_scenario.py::test_the_demo_",
    "tests/backend/test_headless.py::",
    "tests/test_cli.py::",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not item.nodeid.startswith(LONG))


def pytest_collection_finish() -> None:
    """Collect garbage as skydeck's own processes do (`tune_gc`), in each worker.

    A worker holds what every test shares for the whole run (modules, Textual's
    parsed styles, the collected tests): with Python's default thresholds the
    collector would scan all of it again every few hundred allocations, a fifth
    of a Pilot test's time. Freezing it once collected, and collecting less
    often, leaves the tests' own garbage to the collector as `skydeck` does.
    """
    tune_gc()


@pytest.fixture(autouse=True, scope="session")
def _files_in_a_temporary_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """skydeck writes under the XDG data and config dirs: here, a temporary folder.

    No test may touch the real home (screenshots, skydeck.log, anything a
    later feature keeps), so the variables point elsewhere for the whole run.
    """
    home = tmp_path_factory.mktemp("xdg")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_DATA_HOME", str(home / "data"))
        patch.setenv("XDG_CONFIG_HOME", str(home / "config"))
        yield
