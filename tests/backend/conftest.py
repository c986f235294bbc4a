"""Fixtures for the backend suite: a fresh seeded cloud per test, on the manual clock."""

from __future__ import annotations

import pytest

from backend.cloud import Cloud
from backend.services import new_cloud


@pytest.fixture
def cloud() -> Cloud:
    return new_cloud(seed="tests")
