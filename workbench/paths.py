"""Where Workbench finds its data files and keeps its store."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir() -> Path:
    """The `data/` folder: rules, demo data, help texts and success cases."""
    override = os.environ.get("WORKBENCH_DATA")
    if override:
        return Path(override)
    return PACKAGE_DIR.parent / "data"


def user_data_dir() -> Path:
    """The per-user folder for the default SQLite store (XDG on Linux)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "workbench"


def default_db_url() -> str:
    return f"sqlite:///{user_data_dir() / 'workbench.db'}"


def demo_db_url() -> str:
    return f"sqlite:///{user_data_dir() / 'demo.db'}"
