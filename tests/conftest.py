"""Settings for the whole suite.

Hypothesis runs derandomized by default, so the test command (and CI) gives
the same verdict on every run; a property test is a gate, not a lottery.
`HYPOTHESIS_PROFILE=explore pytest` searches with fresh randomness and more
examples, which is how new counterexamples are found; each one becomes a
fixed example in the tests.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("gate", derandomize=True, deadline=None)
settings.register_profile("explore", derandomize=False, deadline=None, max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "gate"))
