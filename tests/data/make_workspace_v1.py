"""Write `workspace_v1.sql`: a workspace database made by agri-advisor at schema version 1.

Run it on a copy of the OLD program's tree (commit b5fb1e8), as README.md here says:
the test bundle of tests/conftest.py is imported as `agri import` did, one sensor log of
docs/examples/sensors/ is ingested as `agri sensors ingest` did, two users are added and sign
in (one failed attempt, one session); then the SQLite database is dumped with `iterdump()`.
"""

from __future__ import annotations

import contextlib
import importlib
import sqlite3
import sys
import tempfile
from pathlib import Path

import pandas as pd

OUT = Path(__file__).resolve().with_name("workspace_v1.sql")


def main(old_tree: Path) -> None:
    # The old program's modules, not this checkout's.
    sys.path.insert(0, str(old_tree))
    access = importlib.import_module("pipelines.access")
    storage = importlib.import_module("pipelines.storage")
    read_bundle = importlib.import_module("pipelines.bundle").read_bundle
    import_bundle = importlib.import_module("pipelines.importer").import_bundle
    sensors = importlib.import_module("pipelines.sensors")
    write_bundle = importlib.import_module("tests.conftest").write_bundle

    if storage.SCHEMA_VERSION != 1 or not str(storage.__file__).startswith(str(old_tree)):
        sys.exit(f"{old_tree} does not hold the code of schema version 1 (commit b5fb1e8)")
    with tempfile.TemporaryDirectory() as tmp:
        workspace = storage.Workspace(Path(tmp) / "ws")
        engine = storage.open_workspace(workspace)
        bundle = read_bundle(write_bundle(Path(tmp) / "bundle"))
        import_bundle(engine, bundle, workspace)
        sensors.ingest_bundle_sensors(engine, workspace, bundle)

        # A log of the documentation's examples, its logger installed on field B1 of the bundle.
        examples = old_tree / "docs" / "examples" / "sensors"
        devices = pd.read_csv(examples / "devices.csv", dtype=str, keep_default_na=False)
        devices = devices[devices["device_id"] == "sm-40264"].assign(field_id="B1")
        sensors.ingest_file(engine, workspace, examples / "long_sm-40264.csv", devices=devices)

        access.add_user(engine, "admin", "admin-password-1", "admin", "coop-test")
        access.add_user(engine, "grower", "grower-password-1", "member", "coop-test", ["farm-a"])
        with contextlib.suppress(access.AccessError):
            access.authenticate(engine, "grower", "not-the-password")
        access.authenticate(engine, "grower", "grower-password-1")
        engine.dispose()

        db = sqlite3.connect(workspace.root / "agri.db")
        OUT.write_text("".join(f"{line}\n" for line in db.iterdump()), encoding="utf-8")
        db.close()
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve())
