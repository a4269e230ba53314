"""The store: Alembic builds exactly the models' schema; SQLite runs with WAL and foreign keys."""

import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text

from tests import factories
from workbench.store.migrate import current_revision, head_revision, upgrade
from workbench.store.models import Account, Base

pytestmark = pytest.mark.both_backends


def test_migrations_build_the_models_schema(wb):
    assert current_revision(wb.engine) == head_revision()
    with wb.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_sqlite_pragmas(wb):
    if wb.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with wb.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_system_accounts_exist_once(wb):
    with wb.uow() as uow:
        kinds = sorted(uow.session.scalars(select(Account.kind).where(Account.owner_id.is_(None))))
    assert kinds == ["external", "platform_revenue"]


def test_upgrade_keeps_data_and_is_repeatable(wb):
    factories.merchant(wb)
    upgrade(wb.engine)
    assert wb.sign_in("m.test").handle == "m.test"


def test_postgresql_runs_serializable(wb):
    if wb.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    with wb.engine.connect() as conn:
        assert conn.execute(text("SHOW transaction_isolation")).scalar() == "serializable"


def test_a_wrong_or_unreachable_database_is_one_line():
    from workbench.store.engine import StoreError, make_engine

    for url, words in [("postgresql+psycopg://wb@127.0.0.1:1/none", "cannot be opened"),
                       ("postgresql+psycopg2://wb@127.0.0.1/none", "psycopg"),
                       ("mysql://wb@127.0.0.1/none", "not supported")]:
        with pytest.raises(StoreError) as err:
            make_engine(url)
        assert words in str(err.value) and "\n" not in str(err.value)


def test_downgrade_and_upgrade_round_trip(db_url):
    from alembic import command

    from workbench.store.engine import make_engine
    from workbench.store.migrate import alembic_config

    engine = make_engine(db_url)
    upgrade(engine)
    command.downgrade(alembic_config(engine), "base")
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_a_negative_balance_is_refused_by_the_database_too(wb):
    import pytest
    from sqlalchemy.exc import IntegrityError

    m = factories.merchant(wb)
    with wb.uow() as uow:
        uow.session.add(Account(owner_id=m.id, kind="available", balance_cents=-1))
        with pytest.raises(IntegrityError):
            uow.session.flush()


def test_the_core_never_loads_textual():
    code = (
        "import sys\n"
        "import workbench.cli, workbench.bootstrap, workbench.demo\n"
        "import workbench.services.dashboard, workbench.services.funds, workbench.services.users\n"
        "import workbench.services.help, workbench.services.notifications, workbench.services.products\n"
        "bad = [m for m in sys.modules if m == 'textual' or m.startswith(('textual.', 'screens'))]\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
