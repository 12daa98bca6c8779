"""Schema migrations: old workspaces are upgraded in place, new ones are made at the head."""

from __future__ import annotations

import hashlib
import multiprocessing
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from pipelines.store import access, schema, storage

# A workspace made by agri-advisor at schema version 1; tests/data/README.md says how.
WORKSPACE_V1 = Path(__file__).resolve().parents[1] / "data" / "workspace_v1.sql"
NEW_IN_V2 = {"weather_forecasts", "advice_runs", "advice_fields", "reports"}
# Version 6 added the stations' anemometer height and three humidity columns of daily weather.
NEW_IN_V6 = {
    "stations": ("anemometer_height_m",),
    "weather_daily": ("tdew_degc", "rh_max_pct", "rh_min_pct"),
}


def _load_v1(path: Path) -> Path:
    db = sqlite3.connect(path)
    db.executescript(WORKSPACE_V1.read_text(encoding="utf-8"))
    db.close()
    return path


def _sqlite_tables(path: Path) -> dict[str, tuple[int, str]]:
    """Row count and checksum of every table's rows, ordered by primary key, as stored."""
    db = sqlite3.connect(path)
    out = {}
    for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        columns = db.execute(f'PRAGMA table_info("{name}")').fetchall()
        key = [c[1] for c in sorted(columns, key=lambda c: c[5]) if c[5]] or ["rowid"]
        order = ", ".join(f'"{k}"' for k in key)
        rows = db.execute(f'SELECT * FROM "{name}" ORDER BY {order}').fetchall()
        out[name] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    db.close()
    return out


def _sqlite_rows_without(path: Path, name: str, dropped: tuple[str, ...]) -> list[tuple]:
    """A table's rows as stored, ordered by primary key, without the `dropped` columns."""
    db = sqlite3.connect(path)
    columns = db.execute(f'PRAGMA table_info("{name}")').fetchall()
    kept = ", ".join(f'"{c[1]}"' for c in columns if c[1] not in dropped)
    order = ", ".join(f'"{c[1]}"' for c in sorted(columns, key=lambda c: c[5]) if c[5])
    rows = db.execute(f'SELECT {kept} FROM "{name}" ORDER BY {order}').fetchall()
    db.close()
    return rows


def _sqlite_schema(path: Path) -> dict[tuple[str, str], str]:
    """The CREATE statement of every table and index, whitespace normalised."""
    db = sqlite3.connect(path)
    rows = db.execute(
        "SELECT type, name, sql FROM sqlite_master "
        "WHERE sql IS NOT NULL AND name != 'alembic_version'"
    ).fetchall()
    db.close()
    return {(kind, name): re.sub(r"\s+", " ", sql).strip() for kind, name, sql in rows}


def _shape(engine: sa.Engine) -> dict[str, object]:
    """Tables with their columns (type, nullable), keys and indexes, as the database reports."""
    inspector = sa.inspect(engine)
    out: dict[str, object] = {}
    for name in sorted(set(inspector.get_table_names()) - {"alembic_version"}):
        out[name] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(name)
            ],
            "primary_key": inspector.get_pk_constraint(name)["constrained_columns"],
            "foreign_keys": sorted(
                (tuple(fk["constrained_columns"]), fk["referred_table"])
                for fk in inspector.get_foreign_keys(name)
            ),
            "indexes": sorted(
                (ix["name"], tuple(ix["column_names"])) for ix in inspector.get_indexes(name)
            ),
        }
    return out


def _revisions(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())


def _versions(engine: sa.Engine) -> list[int]:
    with engine.connect() as conn:
        query = sa.select(schema.schema_version.c.version).order_by(schema.schema_version.c.version)
        return list(conn.execute(query).scalars())


def _migrate(engine: sa.Engine, revision: str, downgrade: bool = False) -> None:
    with engine.connect() as conn:
        config = storage.migration_config(conn)
        (command.downgrade if downgrade else command.upgrade)(config, revision)
        conn.commit()


def test_head_revision_is_the_newest_migration_and_history_is_one_line() -> None:
    with sa.create_engine("sqlite://").connect() as conn:
        scripts = ScriptDirectory.from_config(storage.migration_config(conn))
    assert scripts.get_heads() == [storage.HEAD_REVISION]
    assert scripts.get_bases() == [storage.BASELINE_REVISION]
    history = [s.revision for s in scripts.walk_revisions()]
    assert history[-1] == storage.BASELINE_REVISION
    # alembic_version.version_num is VARCHAR(32).
    assert all(len(revision) <= 32 for revision in history)


def test_baseline_migration_makes_exactly_the_schema_of_version_1(tmp_path: Path) -> None:
    engine = storage.connect(f"sqlite:///{tmp_path / 'baseline.db'}")
    _migrate(engine, storage.BASELINE_REVISION)
    engine.dispose()
    old = _sqlite_schema(_load_v1(tmp_path / "v1.db"))
    assert _sqlite_schema(tmp_path / "baseline.db") == old
    assert "WITHOUT ROWID" in old[("table", "sensor_readings")]


def test_workspace_of_version_1_is_upgraded_in_place_and_keeps_everything(tmp_path: Path) -> None:
    workspace = storage.Workspace(tmp_path / "ws")
    workspace.create()
    db = _load_v1(workspace.root / "agri.db")
    before = _sqlite_tables(db)
    kept_before = {name: _sqlite_rows_without(db, name, ()) for name in NEW_IN_V6}
    assert all(kept_before.values())
    assert before["schema_version"][0] == 1 and "alembic_version" not in before
    assert before["sensor_readings"][0] == 49 and before["users"][0] == 2

    engine = storage.open_workspace(workspace)
    assert _revisions(engine) == [storage.HEAD_REVISION]
    # Version 1 refuses a database whose schema_version is newer than its own.
    assert _versions(engine) == list(range(1, schema.SCHEMA_VERSION + 1))
    after = _sqlite_tables(db)
    for name in NEW_IN_V2:
        assert after[name][0] == 0
    # Version 3 added columns to `crops`: its rows are all there, with their new values.
    # Version 6 added columns to `stations` and `weather_daily`: their rows are all there, with
    # the stations' anemometers at 2 m (what the bundle stated before) and no humidity.
    changed = {"schema_version", "crops", *NEW_IN_V6}
    assert {k: v for k, v in after.items() if k in before and k not in changed} == {
        k: v for k, v in before.items() if k not in changed
    }
    assert after["crops"][0] == before["crops"][0]
    with engine.connect() as conn:
        crops = {row.crop_id: row for row in conn.execute(sa.select(schema.crops)).all()}
    assert crops["winter_wheat"].ky_season == 1.0 and crops["grain_maize"].ky_season == 1.25
    assert crops["winter_wheat"].n_last_useful_progress == 0.6
    for name, added in NEW_IN_V6.items():
        assert _sqlite_rows_without(db, name, added) == kept_before[name]
    with engine.connect() as conn:
        heights = conn.execute(sa.select(schema.stations.c.anemometer_height_m)).scalars().all()
        humidity = conn.execute(
            sa.select(*(schema.weather_daily.c[c] for c in NEW_IN_V6["weather_daily"]))
        ).all()
    assert heights and set(heights) == {2.0}
    assert humidity and set(humidity) == {(None, None, None)}
    assert set(after) == set(schema.METADATA.tables) | {"alembic_version"}

    engine.dispose()
    engine = storage.open_workspace(workspace)  # a second open changes nothing
    assert _sqlite_tables(db) == after

    with engine.connect() as conn:
        stored = conn.execute(
            sa.select(schema.users.c.password_hash).where(schema.users.c.username == "admin")
        ).scalar_one()
    assert access.verify_password("admin-password-1", stored)
    token = access.authenticate(engine, "grower", "grower-password-1")
    scope = access.session_scope(engine, token)
    assert scope is not None and scope.farm_ids == ("farm-a",)
    with pytest.raises(access.AccessError, match="wrong username or password"):
        access.authenticate(engine, "admin", "grower-password-1")
    engine.dispose()


@pytest.mark.postgres
def test_workspace_of_version_1_on_postgres_is_upgraded_in_place(postgres_url: str) -> None:
    engine = storage.connect(postgres_url)
    _migrate(engine, storage.BASELINE_REVISION)
    rows: dict[str, list[dict[str, object]]] = {
        "schema_version": [{"version": 1, "applied_at": "2025-01-01T00:00:00+00:00"}],
        "cooperatives": [{"cooperative_id": "coop", "cooperative_name": "Coop", "timezone": "UTC"}],
        "farms": [{"farm_id": "farm-a", "cooperative_id": "coop", "farm_name": "Farm A"}],
        "stations": [{"station_id": "st-1", "lat": 51.95, "lon": 5.6, "elevation_m": 9.0}],
        "users": [
            {
                "username": "admin",
                "role": "admin",
                "cooperative_id": "coop",
                "password_hash": access.hash_password("admin-password-1"),
                "created_at": "2025-01-01T00:00:00+00:00",
            }
        ],
        "sensor_readings": [
            {
                "device_id": "dev-1",
                "port": 1,
                "variable": "vwc_m3_m3",
                "ts": "2025-06-01T00:00:00+00:00",
                "value": 0.28,
                "depth_cm": 10.0,
                "field_id": "A1",
                "installed_date": "2025-05-01",
                "qc_flags": "",
                "upload_id": 1,
            }
        ],
    }
    with engine.begin() as conn:
        for name, values in rows.items():
            columns = ", ".join(values[0])
            params = ", ".join(f":{c}" for c in values[0])
            conn.execute(sa.text(f"INSERT INTO {name} ({columns}) VALUES ({params})"), values)
    before = {name: _pg_rows(engine, name) for name in rows}

    storage.ensure_schema(engine)
    assert _revisions(engine) == [storage.HEAD_REVISION]
    assert _versions(engine) == list(range(1, schema.SCHEMA_VERSION + 1))
    assert {name: _pg_rows(engine, name) for name in rows if name != "schema_version"} == {
        name: [(*row, 2.0) if name == "stations" else row for row in table]
        for name, table in before.items()
        if name != "schema_version"
    }
    for name in NEW_IN_V2:
        assert _pg_rows(engine, name) == []
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), schema.METADATA) == []
    token = access.authenticate(engine, "admin", "admin-password-1")
    assert access.session_scope(engine, token) is not None
    engine.dispose()


def _pg_rows(engine: sa.Engine, name: str) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(f"SELECT * FROM {name} ORDER BY 1, 2"))]


def test_new_workspace_is_made_at_the_head_with_metadatas_tables(
    workspace: storage.Workspace,
) -> None:
    engine = storage.open_workspace(workspace)
    assert _revisions(engine) == [storage.HEAD_REVISION]
    assert _versions(engine) == [schema.SCHEMA_VERSION]
    inspector = sa.inspect(engine)
    assert set(inspector.get_table_names()) == set(schema.METADATA.tables) | {"alembic_version"}
    for name, table in schema.METADATA.tables.items():
        assert [c["name"] for c in inspector.get_columns(name)] == list(table.columns.keys())
    engine.dispose()


def test_migrations_from_empty_make_the_same_schema_as_metadata(
    workspace: storage.Workspace,
) -> None:
    """The guard of every future migration: it must change the database as schema.py changed."""
    engine = storage.open_workspace(workspace)  # METADATA.create_all, stamped at the head
    made_by_create_all = _shape(engine)
    _migrate(engine, "base", downgrade=True)  # every downgrade runs
    assert _shape(engine) == {}
    _migrate(engine, "head")  # every upgrade runs
    assert _shape(engine) == made_by_create_all
    assert sorted(made_by_create_all) == sorted(schema.METADATA.tables)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), schema.METADATA) == []
    engine.dispose()


def test_workspace_at_a_revision_unknown_to_this_program_is_refused(tmp_path: Path) -> None:
    workspace = storage.Workspace(tmp_path / "ws")
    engine = storage.open_workspace(workspace)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0099_from_the_future'"))
    with pytest.raises(storage.WorkspaceError, match="upgrade agri-advisor or use another"):
        storage.ensure_schema(engine)
    engine.dispose()
    with pytest.raises(storage.WorkspaceError, match="0099_from_the_future"):
        storage.open_workspace(workspace)


def test_opening_a_workspace_at_the_head_does_not_import_alembic(tmp_path: Path) -> None:
    workspace = storage.Workspace(tmp_path / "ws")
    storage.open_workspace(workspace).dispose()
    code = (
        "import sys; from pathlib import Path; from pipelines.store import storage; "
        f"storage.open_workspace(storage.Workspace(Path({str(workspace.root)!r}))); "
        "assert 'alembic' not in sys.modules, 'alembic imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def _open(db_url: str, root: str, start: multiprocessing.synchronize.Barrier) -> None:
    start.wait()
    storage.open_workspace(storage.Workspace(Path(root), db_url)).dispose()


def test_two_processes_opening_a_new_workspace_at_once_both_succeed(
    workspace: storage.Workspace,
) -> None:
    spawn = multiprocessing.get_context("spawn")
    start = spawn.Barrier(2)
    processes = [
        spawn.Process(target=_open, args=(workspace.db_url, str(workspace.root), start))
        for _ in range(2)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [p.exitcode for p in processes] == [0, 0]
    engine = storage.connect(workspace.db_url)
    assert _revisions(engine) == [storage.HEAD_REVISION]
    assert _versions(engine) == [schema.SCHEMA_VERSION]
    engine.dispose()


def test_a_failed_creation_leaves_the_database_empty(
    workspace: storage.Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_stamp(*args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(command, "stamp", broken_stamp)
    with pytest.raises(RuntimeError, match="disk full"):
        storage.open_workspace(workspace)
    # The tables were created in the transaction of the stamp, and rolled back with it.
    engine = storage.connect(workspace.db_url)
    assert sa.inspect(engine).get_table_names() == []
    engine.dispose()
