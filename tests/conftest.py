"""Shared fixtures: a real SQLite store per test, built through the services."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from workbench.bootstrap import Workbench, bootstrap
from workbench.clock import FixedClock, parse_instant
from workbench.config import Settings
from workbench.i18n import set_language
from workbench.store.engine import checkpoint

DEMO_NOW = "2026-06-01T10:00:00+08:00"


@pytest.fixture(autouse=True)
def _chinese_by_default() -> Iterator[None]:
    set_language("zh")
    yield
    set_language("zh")


@pytest.fixture
def now() -> datetime:
    return parse_instant(DEMO_NOW)


@pytest.fixture
def wb(tmp_path: Path, now: datetime) -> Iterator[Workbench]:
    """An empty, migrated store on a real SQLite file, with a clock the test can move."""
    w = bootstrap(Settings(db_url=f"sqlite:///{tmp_path / 'store.db'}", lang="zh"), clock=FixedClock(now))
    yield w
    w.close()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo store, built once per test run through `workbench demo`."""
    from workbench.demo import load_demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    anchor = parse_instant(DEMO_NOW)
    w = bootstrap(Settings(db_url=f"sqlite:///{path}", lang="zh"), clock=FixedClock(anchor))
    load_demo(w, anchor)
    checkpoint(w.engine)
    w.close()
    return path


@pytest.fixture
def demo_path(demo_template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "demo.db"
    shutil.copy(demo_template, target)
    return target


def open_store(path: Path, lang: str = "zh", at: str = DEMO_NOW) -> Workbench:
    return bootstrap(Settings(db_url=f"sqlite:///{path}", lang=lang), clock=FixedClock(parse_instant(at)))


@pytest.fixture
def demo(demo_path: Path) -> Iterator[Workbench]:
    """A private copy of the demo store."""
    w = open_store(demo_path)
    yield w
    w.close()
