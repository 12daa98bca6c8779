"""Model registry: LightGBM text files and metadata.json, no pickle, identical predictions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from models.registry import FORMAT, ModelNotFoundError, ModelRegistry
from models.yield_model import predict_with, predict_yield, train_yield_model
from tests.models.factories import FAST, training_rows


def test_round_trip_in_text_format_with_metadata(tmp_path: Path) -> None:
    table = training_rows(crops=("winter_wheat", "grain_maize"), seasons=(2019, 2020, 2021))
    model = train_yield_model(table, FAST)
    registry = ModelRegistry(tmp_path / "models")
    version = registry.save(model)
    assert registry.versions() == [version] and registry.latest() == version

    folder = tmp_path / "models" / "yield" / version
    files = sorted(p.name for p in folder.iterdir())
    assert files == [
        "grain_maize.response.txt",
        "grain_maize.yield.txt",
        "metadata.json",
        "winter_wheat.response.txt",
        "winter_wheat.yield.txt",
    ]
    for name in files:
        raw = (folder / name).read_bytes()
        assert not raw.startswith(b"\x80"), f"{name} looks like a pickle"
        if name.endswith(".txt"):
            assert raw.startswith(b"tree\n"), f"{name} is not a LightGBM text model"

    meta = json.loads((folder / "metadata.json").read_text())
    assert meta["format"] == FORMAT
    assert meta["features"] == list(model.features)
    assert meta["training_data_sha256"] == model.training_data_sha256
    assert len(meta["training_data_sha256"]) == 64
    assert set(meta["library_versions"]) >= {"lightgbm", "numpy", "pandas", "python"}
    assert meta["created_utc"].endswith("+00:00")
    assert {row["forecast_point"] for row in meta["metrics"]["skill"]} == {
        "25 %",
        "50 %",
        "75 %",
        "harvest",
    }

    importance = meta["metrics"]["feature_importance"]
    assert {row["crop"] for row in importance} == {"winter_wheat", "grain_maize"}
    wheat = [row["gain_share"] for row in importance if row["crop"] == "winter_wheat"]
    assert sum(wheat) == pytest.approx(1.0) and wheat == sorted(wheat, reverse=True)

    loaded = registry.load()
    np.testing.assert_array_equal(predict_with(loaded, table), predict_with(model, table))
    np.testing.assert_array_equal(
        predict_with(loaded, table, response=True), predict_with(model, table, response=True)
    )
    assert predict_yield(loaded, table).equals(predict_yield(model, table))
    assert loaded.settings == model.settings


def test_a_new_version_becomes_the_latest(tmp_path: Path) -> None:
    registry = ModelRegistry(tmp_path)
    model = train_yield_model(training_rows(seasons=(2019, 2020)), FAST)
    first = registry.save(model)
    second = registry.save(model)
    assert registry.versions() == [first, second] and registry.latest() == second
    assert not [p for p in (tmp_path / "yield").iterdir() if p.name.startswith(".")]


def test_an_empty_registry_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="run `agri train` first"):
        ModelRegistry(tmp_path / "nothing").load()
