"""Alembic environment of the workspace database.

There is no alembic.ini: `pipelines.store.storage.ensure_schema` runs these migrations itself,
with a `Config` whose `script_location` is this folder and whose `attributes["connection"]` is
its open connection, inside its own transaction (so a failed upgrade leaves nothing half done).
`storage.migration_config(connection)` builds that Config, e.g. to write a new revision:
`command.revision(migration_config(conn), "add x", rev_id="0003_add_x")`; then set
`storage.HEAD_REVISION` and `schema.SCHEMA_VERSION`, and insert the version row as 0002 does.
"""

from __future__ import annotations

from alembic import context

from pipelines.store.schema import METADATA

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError(
        "the workspace migrations run on an open connection: call "
        "pipelines.store.storage.ensure_schema(engine), or pass the connection in "
        "migration_config(connection)"
    )
# target_metadata lets `alembic revision --autogenerate` and compare_metadata diff the schema.
context.configure(connection=connection, target_metadata=METADATA)
with context.begin_transaction():
    context.run_migrations()
