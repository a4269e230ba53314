"""Alembic environment: runs against the engine handed over by workbench.store.migrate."""

from alembic import context

from workbench.store.models import Base

config = context.config
engine = config.attributes["engine"]

# Several processes (hosts) may open one PostgreSQL store at once: one migrates while the others
# wait on the lock, then find the schema current. READ COMMITTED, so that after the wait they see it.
MIGRATION_LOCK = 0x776F726B   # any fixed number; "work"

with engine.connect() as connection:
    postgresql = connection.dialect.name == "postgresql"
    if postgresql:
        connection.execution_options(isolation_level="READ COMMITTED")
    with connection.begin():
        if postgresql:
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
