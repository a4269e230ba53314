"""The store: SQLAlchemy models, engine, unit of work and migrations."""
