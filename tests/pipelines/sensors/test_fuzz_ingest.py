"""Nothing lost, nothing invented: for any bytes, `ingest_file` reports every data row.

Mutated real logs (fuzzing.py) go through `ingest_file`; each must come back as a report that
rejects the file with a reason or accounts for every data row, never as an exception. The
specific failures fuzzing found are pinned below as plain examples.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from agri_app.cli_sensors import sensors_app
from pipelines.sources.sensors import ingest_file, read_quarantine
from pipelines.sources.sensors.ingest import IngestReport
from pipelines.sources.sensors.units import VARIABLES
from pipelines.store import storage
from tests.pipelines.sensors.conftest import EXAMPLES, add_example_fields
from tests.pipelines.sensors.fuzzing import (
    MUTATIONS,
    Seed,
    check_case,
    devices,
    mutate,
    seeds,
)

SEEDS = seeds()
HEADER = "device_id,port,depth_cm,variable,ts,value,unit"
# Each test its own day: the workspace is shared, and the same instant with another value
# would be a conflict.
ROW = "sm-40264,1,10,{variable},2025-06-{day:02d}T{hour:02d}:00:00Z,{value},m3/m3"


@pytest.fixture(scope="module")
def workspace(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Engine, storage.Workspace]]:
    """One workspace for every fuzz case (re-sent content just counts as duplicates)."""
    ws = storage.Workspace(tmp_path_factory.mktemp("fuzz") / "ws")
    engine = storage.open_workspace(ws)
    yield engine, ws
    engine.dispose()


@pytest.fixture(scope="module")
def registry() -> pd.DataFrame:
    return devices()


@settings(
    max_examples=250,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.sampled_from(SEEDS),
    kinds=st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=3),
    rng_seed=st.integers(0, 2**32 - 1),
)
def test_any_mutated_log_is_rejected_with_a_reason_or_fully_accounted_for(
    workspace: tuple[Engine, storage.Workspace],
    registry: pd.DataFrame,
    seed: Seed,
    kinds: list[str],
    rng_seed: int,
) -> None:
    engine, ws = workspace
    rng = random.Random(rng_seed)
    data = seed.data
    for kind in kinds:
        data = mutate(data, kind, rng)
    outcome = check_case(engine, ws, registry, data, f"{'+'.join(kinds)}-{seed.name}")
    assert outcome.problem is None, outcome.problem


def _long(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def _ingest(workspace: tuple[Engine, storage.Workspace], data: bytes, name: str) -> IngestReport:
    engine, ws = workspace
    devices_csv = pd.read_csv(EXAMPLES / "devices.csv", dtype=str, keep_default_na=False)
    return ingest_file(engine, ws, data, file_name=name, devices=devices_csv)


def test_a_stray_quote_rejects_its_own_line_and_no_other(
    workspace: tuple[Engine, storage.Workspace],
) -> None:
    rows = [ROW.format(variable="vwc_m3_m3", day=10, hour=h, value=0.21) for h in range(6)]
    rows[2] = rows[2].replace("sm-40264,1", 'sm-40264,"1')
    report = _ingest(workspace, _long(*rows), "stray-quote.csv")
    assert (report.accepted + report.duplicate, report.rejected) == (5, 1)
    reasons = read_quarantine(workspace[0], report.upload_id)
    assert list(reasons["line"]) == [4]
    assert "quote" in reasons["reason"].iloc[0] and "not closed" in reasons["reason"].iloc[0]


def test_blank_lines_are_not_rows(workspace: tuple[Engine, storage.Workspace]) -> None:
    rows = [ROW.format(variable="vwc_m3_m3", day=11, hour=h, value=0.22) for h in range(4)]
    data = _long(rows[0], "", "   ", rows[1], ",,,", "\t", rows[2], ",,,,,,", rows[3])
    report = _ingest(workspace, data, "blank-lines.csv")
    assert report.ok
    assert (report.accepted + report.duplicate, report.rejected) == (4, 0)


def test_a_repeated_header_line_is_one_rejected_row(
    workspace: tuple[Engine, storage.Workspace],
) -> None:
    rows = [ROW.format(variable="vwc_m3_m3", day=12, hour=h, value=0.23) for h in range(4)]
    report = _ingest(workspace, _long(rows[0], rows[1], HEADER, rows[2], rows[3]), "again.csv")
    assert (report.accepted + report.duplicate, report.rejected) == (4, 1)


@pytest.mark.parametrize("name", ["vwc", "42", "1.5", "VWC"])
def test_unknown_or_numeric_variable_names_are_rejected_listing_the_known_ones(
    workspace: tuple[Engine, storage.Workspace], name: str
) -> None:
    rows = [ROW.format(variable="vwc_m3_m3", day=13, hour=h, value=0.24) for h in range(3)]
    rows.append(ROW.format(variable=name, day=13, hour=5, value=0.24))
    report = _ingest(workspace, _long(*rows), f"variable-{name}.csv")
    assert (report.accepted + report.duplicate, report.rejected) == (3, 1)
    reason = read_quarantine(workspace[0], report.upload_id)["reason"].iloc[0]
    assert f"variable '{name}' is not known" in reason
    assert all(known in reason for known in VARIABLES)


@pytest.mark.parametrize("odd_byte", [b"\x00", b"\x41"])
def test_utf16_with_an_odd_byte_is_rejected_with_the_fix(
    workspace: tuple[Engine, storage.Workspace], odd_byte: bytes
) -> None:
    data = (
        _long(ROW.format(variable="vwc_m3_m3", day=14, hour=1, value=0.2)).decode().encode("utf-16")
    )
    report = _ingest(workspace, data + odd_byte, "odd.csv")
    assert report.status == "rejected"
    assert "odd number of bytes" in report.problems[0] and "export" in report.problems[0]


def test_cli_says_in_one_line_why_a_vwc_variable_is_refused(tmp_path: Path) -> None:
    log = tmp_path / "vwc.csv"
    log.write_bytes(
        _long(
            ROW.format(variable="vwc", day=15, hour=1, value=0.2),
            ROW.format(variable="vwc_m3_m3", day=15, hour=2, value=0.2),
        )
    )
    only_vwc = tmp_path / "only-vwc.csv"
    only_vwc.write_bytes(_long(ROW.format(variable="vwc", day=15, hour=1, value=0.2)))
    app = typer.Typer()
    app.add_typer(sensors_app, name="sensors")
    workspace = add_example_fields(tmp_path / "ws")
    common = ["--workspace", str(workspace), "--devices", str(EXAMPLES / "devices.csv")]
    mixed = CliRunner().invoke(app, ["sensors", "ingest", str(log), "--no-refresh", *common])
    assert mixed.exit_code == 0, mixed.output
    assert "rejected            1" in mixed.stdout
    alone = CliRunner().invoke(app, ["sensors", "ingest", str(only_vwc), *common])
    assert alone.exit_code == 2
    assert (
        "Traceback" not in alone.output
        and alone.exception is None
        or isinstance(alone.exception, SystemExit)
    )
    error_lines = [line for line in alone.stderr.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1 and "did you mean 'vwc_m3_m3'" in error_lines[0]
