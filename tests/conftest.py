"""Shared fixtures: a real store per test, built through the services.

The store is a SQLite file; in modules marked `pytest.mark.both_backends` every test that uses
the `wb` or `demo` store runs twice, on SQLite and on a PostgreSQL server started on loopback
for the run (tests/pg.py). WORKBENCH_TEST_BACKENDS=sqlite runs the SQLite half alone locally;
without PostgreSQL the PostgreSQL half is skipped loudly, and under CI it fails instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from workbench.bootstrap import Workbench, bootstrap
from workbench.clock import FixedClock, parse_instant
from workbench.config import Settings
from workbench.i18n import set_language
from workbench.store.engine import checkpoint

if TYPE_CHECKING:
    from tests.pg import PgServer

DEMO_NOW = "2026-06-01T10:00:00+08:00"


@pytest.fixture(autouse=True)
def _chinese_by_default() -> Iterator[None]:
    set_language("zh")
    yield
    set_language("zh")


@pytest.fixture
def now() -> datetime:
    return parse_instant(DEMO_NOW)


# ---- which database: SQLite always, PostgreSQL too where a module asks for both -----------------

BACKENDS = ("sqlite", "postgresql")
_pg_problem: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "both_backends: run the module's store tests on SQLite and PostgreSQL")
    config.addinivalue_line("markers", "serial: timing targets measured with the machine to themselves "
                                       "(make test runs them after the parallel part)")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_backends"):
        wanted = os.environ.get("WORKBENCH_TEST_BACKENDS", ",".join(BACKENDS)).split(",")
        metafunc.parametrize("backend", [b for b in BACKENDS if b in wanted], indirect=True)


def pytest_terminal_summary(terminalreporter) -> None:
    if _pg_problem:
        terminalreporter.section("PostgreSQL NOT TESTED", sep="!", red=True, bold=True)
        terminalreporter.line(f"The PostgreSQL half of the suite was skipped: {_pg_problem[0]}", red=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="session")
def pg_server() -> Iterator["PgServer"]:
    """One PostgreSQL server for the whole run, started on first use."""
    from tests.pg import PgServer, PgUnavailable

    try:
        server = PgServer.start()
    except (PgUnavailable, OSError) as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL could not be started under CI: {exc}", pytrace=False)
        _pg_problem.append(str(exc))
        pytest.skip(f"PostgreSQL NOT TESTED: {exc}")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg_template(pg_server: "PgServer") -> str:
    """An empty database brought to the latest migration, copied for each test."""
    name = pg_server.new_database(name="wb_template")
    w = bootstrap(Settings(db_url=pg_server.url(name), lang="zh"), clock=FixedClock(parse_instant(DEMO_NOW)))
    w.close()
    return name


@pytest.fixture(scope="session")
def pg_demo_template(pg_server: "PgServer", pg_template: str) -> str:
    """The demo store on PostgreSQL, built once per run."""
    from workbench.demo import load_demo

    name = pg_server.new_database(template=pg_template, name="demo_template")
    anchor = parse_instant(DEMO_NOW)
    w = bootstrap(Settings(db_url=pg_server.url(name), lang="zh"), clock=FixedClock(anchor))
    load_demo(w, anchor)
    w.close()
    return name


def _pg_copy(request: pytest.FixtureRequest, template_fixture: str) -> Iterator[str]:
    server = request.getfixturevalue("pg_server")
    name = server.new_database(template=request.getfixturevalue(template_fixture))
    yield server.url(name)
    server.drop_database(name)


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of an empty, migrated store of the test's backend."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
    else:
        yield from _pg_copy(request, "pg_template")


@pytest.fixture
def wb(db_url: str, now: datetime) -> Iterator[Workbench]:
    """An empty, migrated store (a real SQLite file, or a PostgreSQL database), with a clock the
    test can move."""
    w = bootstrap(Settings(db_url=db_url, lang="zh"), clock=FixedClock(now))
    yield w
    w.close()


def open_url(url: str, at: str = DEMO_NOW, lang: str = "zh") -> Workbench:
    """A Workbench on the store at `url` (as another process would open it), clock fixed at `at`."""
    return bootstrap(Settings(db_url=url, lang=lang), clock=FixedClock(parse_instant(at)))


def reopen(wb: Workbench, at: str = DEMO_NOW, lang: str = "zh") -> Workbench:
    """A second Workbench on the same store as `wb`."""
    return open_url(wb.settings.db_url, at, lang)


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
def demo(backend: str, request: pytest.FixtureRequest) -> Iterator[Workbench]:
    """A private copy of the demo store."""
    if backend == "sqlite":
        w = open_store(request.getfixturevalue("demo_path"))
        yield w
        w.close()
        return
    for url in _pg_copy(request, "pg_demo_template"):
        w = bootstrap(Settings(db_url=url, lang="zh"), clock=FixedClock(parse_instant(DEMO_NOW)))
        yield w
        w.close()
