"""Alembic environment: runs on the connection that :func:`lpt.store.open_store` hands over."""

from alembic import context

from lpt.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
