"""Alembic environment: the engine comes from hub.db (``config.attributes['engine']``) or,
for the alembic command line, from ROSTERHUB_DATABASE_URL."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import hub.models  # noqa: F401  (registers the tables)
from hub.config import get_settings
from hub.db import create_db_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=get_settings().database_url, target_metadata=target_metadata, literal_binds=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or create_db_engine(get_settings().database_url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
