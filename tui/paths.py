"""Where skydeck keeps its files: the XDG data directory, nowhere else.

Tests point `XDG_DATA_HOME` (and `XDG_CONFIG_HOME`) at a temporary folder,
so a test run never writes into the real home.
"""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """skydeck's folder in the user's XDG data directory (log, screenshots)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "skydeck"
