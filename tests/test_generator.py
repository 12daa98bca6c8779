"""Smoke tests of the sample-data generator (sample_data/generate.py --smoke)."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "sample_data" / "generate.py"
SEED = 20261126
# Hash of the `--profile sample --smoke` output (seed 20261126), taken before the shifted profile
# was added: adding profiles must not change a byte of the sample. If the sample is changed on
# purpose, regenerate it and update this hash (see _tree_sha256).
SAMPLE_SMOKE_SHA256 = "fe4664768586e5ae42f04b443b2843fe19ddbf2248e4fe3ef5442192ba31254c"


def _start(out: Path, seed: int, home: Path, profile: str | None = None) -> subprocess.Popen:
    home.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, HOME=str(home), USER="pytest")
    cmd = [
        sys.executable,
        str(SCRIPT),
        *(["--profile", profile] if profile else []),
        "--smoke",
        "--out",
        str(out),
        "--seed",
        str(seed),
        "--jobs",
        "1",
    ]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def _tree_sha256(root: Path) -> str:
    digest = hashlib.sha256()
    for name, content in _files(root).items():  # sorted by path
        digest.update(name.encode() + b"\0" + content + b"\0")
    return digest.hexdigest()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("gen")
    outs = {"a": (base / "a", SEED), "b": (base / "b", SEED), "c": (base / "c", SEED + 1)}
    procs = {k: _start(out, seed, base / f"home_{k}") for k, (out, seed) in outs.items()}
    for k, p in procs.items():
        _, err = p.communicate(timeout=180)
        assert p.returncode == 0, f"run {k} failed:\n{err}"
    return {k: out for k, (out, _) in outs.items()}


def test_sample_profile_output_is_pinned(runs):
    # runs["a"] is `--smoke` without --profile, i.e. the sample profile.
    assert _tree_sha256(runs["a"]) == SAMPLE_SMOKE_SHA256


def test_same_seed_is_byte_identical(runs):
    a, b = _files(runs["a"]), _files(runs["b"])
    assert sorted(a) == sorted(b)
    different = [name for name in a if a[name] != b[name]]
    assert not different, f"files differ between two runs with the same seed: {different}"


def test_different_seed_changes_output(runs):
    a, c = _files(runs["a"]), _files(runs["c"])
    changed = [n for n in a if n in c and a[n] != c[n]]
    assert "demo/seasons.csv" in changed
    assert "demo/satellite.csv" in changed
    assert "demo/weather.csv" in changed


def test_smoke_bundle_contents(runs):
    demo, truth = runs["a"] / "demo", runs["a"] / "truth"
    for name in (
        "bundle.json",
        "farms.csv",
        "fields.geojson",
        "seasons.csv",
        "operations.csv",
        "weather.csv",
        "satellite.csv",
        "sensors/devices.csv",
    ):
        assert (demo / name).is_file(), name
    assert list((demo / "sensors" / "zentra").glob("*.csv"))
    assert list((demo / "sensors" / "long").glob("*.csv"))
    for name in (
        "metadata.json",
        "final_yield_2026.csv",
        "n_sweep_2026.csv",
        "n_response_2026.csv",
        "irrigation_2026.csv",
        "soil_parameters.csv",
        "planned_operations_2026.csv",
        "satellite_contamination.csv",
        "sensor_faults.csv",
    ):
        assert (truth / name).is_file(), name

    manifest = json.loads((demo / "bundle.json").read_text(encoding="utf-8"))
    assert manifest["format_version"] == 1
    assert manifest["cooperative_id"] == "coop-betuwe"
    assert manifest["reference_date"] == "2026-05-25"
    assert manifest["generator"]["seed"] == SEED

    fields = json.loads((demo / "fields.geojson").read_text(encoding="utf-8"))["features"]
    field_ids = sorted(f["properties"]["field_id"] for f in fields)
    assert len(field_ids) == 4
    for f in fields:
        assert 2.0 <= f["properties"]["area_ha"] <= 15.0

    with open(demo / "seasons.csv", encoding="utf-8") as fh:
        seasons = list(csv.DictReader(fh))
    by_field = {
        fid: sorted(int(r["season"]) for r in seasons if r["field_id"] == fid) for fid in field_ids
    }
    assert all(s == [2025, 2026] for s in by_field.values()), by_field
    current = [r for r in seasons if r["season"] == "2026"]
    assert {r["crop"] for r in current} == {"winter_wheat", "grain_maize"}
    for r in current:
        assert r["harvest_date"] == "" and r["yield_t_ha"] == ""
        assert r["sowing_date"] <= "2026-05-25"
    for r in seasons:
        if r["season"] == "2025":
            assert r["harvest_date"] > r["sowing_date"]
            assert float(r["yield_t_ha"]) > 0
    # seasons of a field do not overlap
    for fid in field_ids:
        rows = sorted((r for r in seasons if r["field_id"] == fid), key=lambda r: r["season"])
        assert rows[0]["harvest_date"] < rows[1]["sowing_date"]

    with open(demo / "sensors" / "devices.csv", encoding="utf-8") as fh:
        devices = list(csv.DictReader(fh))
    assert {d["field_id"] for d in devices} <= set(field_ids) and devices

    with open(demo / "weather.csv", encoding="utf-8") as fh:
        last = max(r["date"] for r in csv.DictReader(fh))
    assert last == "2026-05-25"

    with open(truth / "n_sweep_2026.csv", encoding="utf-8") as fh:
        sweep = list(csv.DictReader(fh))
    assert sorted({r["n_total_kg_ha"] for r in sweep}, key=float) == ["0", "125", "250"]


def test_smoke_bundle_passes_the_bundle_reader(runs):
    # The generator is standalone, but what it writes must be a bundle the product accepts.
    from pipelines.sources.bundle import read_bundle

    bundle = read_bundle(runs["a"] / "demo")
    assert len(bundle.fields) == 4
    assert bundle.operations["season"].notna().all()


@pytest.fixture(scope="module")
def shifted_runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("gen-shifted")
    started = time.monotonic()
    procs = {k: _start(base / k, SEED, base / f"home_{k}", "shifted") for k in ("a", "b")}
    for k, p in procs.items():
        _, err = p.communicate(timeout=180)
        assert p.returncode == 0, f"shifted run {k} failed:\n{err}"
    return {"a": base / "a", "b": base / "b", "seconds": time.monotonic() - started}


def test_shifted_smoke_is_fast_and_deterministic(shifted_runs):
    # Two runs side by side on a 2-core machine; each takes about 7 s of CPU.
    assert shifted_runs["seconds"] < 90
    a, b = _files(shifted_runs["a"]), _files(shifted_runs["b"])
    assert sorted(a) == sorted(b)
    assert [n for n in a if a[n] != b[n]] == []
    # Only the profile's own folders are written.
    assert {n.split("/")[0] for n in a} == {"shifted", "shifted_truth"}


def test_shifted_smoke_bundle_passes_the_bundle_reader(shifted_runs):
    from pipelines.sources.bundle import read_bundle

    bundle = read_bundle(shifted_runs["a"] / "shifted")
    assert bundle.manifest.cooperative_id == "coop-shifted"
    assert len(bundle.fields) == 4
    assert bundle.fields["field_id"].str.startswith("sx-").all()
    assert bundle.devices.empty
    truth = shifted_runs["a"] / "shifted_truth"
    for name in (
        "metadata.json",
        "soil_parameters.csv",
        "simulated_seasons.csv",
        "final_yield_2026.csv",
        "n_sweep_2026.csv",
        "n_response_2026.csv",
        "irrigation_2026.csv",
        "planned_operations_2026.csv",
        "satellite_contamination.csv",
        "cultivars.csv",
    ):
        assert (truth / name).is_file(), name
