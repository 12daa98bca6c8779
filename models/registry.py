"""The model registry: trained models in the workspace as LightGBM text files plus a
`metadata.json`, never pickle.

Layout under the registry folder (the workspace's `models/`)::

    yield/<version>/<crop>.yield.txt       LightGBM text model (Booster.save_model format)
    yield/<version>/<crop>.response.txt    the crop's nitrogen response model
    yield/<version>/metadata.json          features, settings, calibration, training-data hash,
                                           library versions, metrics, creation date

Per crop the metadata holds what the field-mean fallback needs (`model_skilled_by_bucket`,
`field_mean_interval_offsets_t_ha`, `cooperative_mean_yield_t_ha`) and the drivers' medians per
stage (`feature_medians_by_progress`); `metrics` holds the leave-one-season-out and leave-farm-out
skill tables. Metadata written before these existed still loads: without skill information the
model is served everywhere (as it was), and drivers compare with the all-season medians.

A version is `<UTC time>-<first 8 hex digits of the training-data hash>`, so versions sort by
time. A version is written to a temporary folder and renamed into place, so a reader never sees
half a model. Text models are portable across platforms and LightGBM versions that read the
format, and loading them runs no code (unlike pickle). LightGBM is imported only to save or load
a model: listing versions and reading metadata stay light for the commands that only check.
"""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
import uuid
from dataclasses import asdict, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from models.yield_model import YieldModel

FORMAT = "agri-advisor yield model 1"
KIND = "yield"


class ModelNotFoundError(LookupError):
    """No trained model in the registry; the message says how to train one."""


def _clean(value: Any) -> Any:
    """JSON-safe: NaN and infinities become null, numpy scalars plain numbers."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def _number(value: Any) -> float:
    """A float from JSON, where null stands for NaN."""
    return math.nan if value is None else float(value)


def library_versions() -> dict[str, str]:
    import lightgbm as lgb
    import scipy

    return {
        "python": platform.python_version(),
        "lightgbm": lgb.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scipy": scipy.__version__,
    }


def feature_importance(model: YieldModel) -> list[dict[str, Any]]:
    """Per crop and feature: the yield model's total split gain (LightGBM `importance_type=
    "gain"`), as a share of the crop's total, largest first."""
    records = []
    for crop, crop_model in model.crops.items():
        booster = crop_model.yield_booster
        gain = np.asarray(booster.feature_importance(importance_type="gain"), dtype=np.float64)
        share = gain / gain.sum() if gain.sum() > 0 else gain
        for name, value in sorted(
            zip(booster.feature_name(), share, strict=True), key=lambda item: -item[1]
        ):
            records.append({"crop": crop, "feature": name, "gain_share": float(value)})
    return records


class ModelRegistry:
    """Saves and loads `YieldModel`s in a folder; the one class here with state (the folder)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def kind_dir(self) -> Path:
        return self.root / KIND

    def versions(self) -> list[str]:
        """Saved versions, oldest first."""
        if not self.kind_dir.is_dir():
            return []
        return sorted(
            p.name
            for p in self.kind_dir.iterdir()
            if p.is_dir() and not p.name.startswith(".") and (p / "metadata.json").exists()
        )

    def latest(self) -> str:
        versions = self.versions()
        if not versions:
            raise ModelNotFoundError(f"no trained model in {self.root}; run `agri train` first")
        return versions[-1]

    def save(self, model: YieldModel, extra: dict[str, Any] | None = None) -> str:
        """Write `model` as a new version and return its name."""
        created = datetime.now(UTC)
        version = f"{created:%Y%m%dT%H%M%S%fZ}-{model.training_data_sha256[:8]}"
        self.kind_dir.mkdir(parents=True, exist_ok=True)
        staging = self.kind_dir / f".incoming-{uuid.uuid4().hex}"
        staging.mkdir()
        try:
            crops = {}
            for crop, crop_model in model.crops.items():
                files = {"yield": f"{crop}.yield.txt", "response": f"{crop}.response.txt"}
                crop_model.yield_booster.save_model(str(staging / files["yield"]))
                crop_model.response_booster.save_model(str(staging / files["response"]))
                crops[crop] = {
                    "files": files,
                    "harvest_thermal_time_degc_d": crop_model.harvest_thermal_time_degc_d,
                    "interval_offsets_t_ha": [list(o) for o in crop_model.interval_offsets],
                    "feature_medians": dict(crop_model.feature_medians),
                    "training_rows": crop_model.training_rows,
                    "training_seasons": list(crop_model.training_seasons),
                    "n_response_importance_pct": crop_model.n_response_importance_pct,
                    "n_response_supported": crop_model.n_response_supported,
                    "model_skilled_by_bucket": (
                        None if crop_model.model_skilled is None else list(crop_model.model_skilled)
                    ),
                    "skill_vs_field_mean_by_bucket": list(crop_model.skill_vs_field_mean),
                    "field_mean_interval_offsets_t_ha": list(crop_model.field_mean_offsets),
                    "cooperative_mean_yield_t_ha": crop_model.cooperative_mean_yield_t_ha,
                    "feature_medians_by_progress": [
                        dict(medians) for medians in crop_model.feature_medians_by_progress
                    ],
                }
            metadata = {
                "format": FORMAT,
                "version": version,
                "created_utc": created.isoformat(),
                "features": list(model.features),
                "response_features": list(model.response_features),
                "target": "yield_t_ha at the crop's standard moisture (crop table)",
                "training_data_sha256": model.training_data_sha256,
                "last_harvest_date": model.last_harvest_date.date().isoformat(),
                "settings": asdict(model.settings),
                "library_versions": library_versions(),
                "crops": crops,
                "metrics": {
                    "skill": model.skill.to_dict(orient="records"),
                    "skill_leave_farm_out": model.skill_leave_farm_out.to_dict(orient="records"),
                    "feature_importance": feature_importance(model),
                },
                **(extra or {}),
            }
            (staging / "metadata.json").write_text(
                json.dumps(_clean(metadata), indent=2, allow_nan=False) + "\n"
            )
            os.replace(staging, self.kind_dir / version)
        finally:
            if staging.exists():
                shutil.rmtree(staging)
        return version

    def metadata(self, version: str | None = None) -> dict[str, Any]:
        path = self.kind_dir / (version or self.latest()) / "metadata.json"
        if not path.exists():
            raise ModelNotFoundError(f"no model version {version!r} in {self.kind_dir}")
        loaded: dict[str, Any] = json.loads(path.read_text())
        if loaded.get("format") != FORMAT:
            raise ModelNotFoundError(
                f"{path} is not a model this version can read ({loaded.get('format')!r}); "
                "run `agri train` again"
            )
        return loaded

    def load(self, version: str | None = None) -> YieldModel:
        """The model of `version` (default: the latest)."""
        import lightgbm as lgb

        from models.yield_model import CropModel, YieldModel, YieldModelSettings

        version = version or self.latest()
        meta = self.metadata(version)
        folder = self.kind_dir / version
        known = {f.name for f in fields(YieldModelSettings)}
        settings_values = {k: v for k, v in meta["settings"].items() if k in known}
        for name, value in settings_values.items():
            if isinstance(value, list):  # JSON has no tuples
                settings_values[name] = tuple(value)
        settings = YieldModelSettings(**settings_values)
        crops = {}
        for crop, info in meta["crops"].items():
            # Saved before the field-mean fallback: no skill information, so the model is
            # served everywhere, as it was; drivers compare with the all-season medians.
            skilled = info.get("model_skilled_by_bucket")
            fallback = info.get("field_mean_interval_offsets_t_ha") or [None, None]
            crops[crop] = CropModel(
                crop=crop,
                yield_booster=lgb.Booster(model_str=(folder / info["files"]["yield"]).read_text()),
                response_booster=lgb.Booster(
                    model_str=(folder / info["files"]["response"]).read_text()
                ),
                harvest_thermal_time_degc_d=float(info["harvest_thermal_time_degc_d"]),
                interval_offsets=tuple(
                    (_number(low), _number(high)) for low, high in info["interval_offsets_t_ha"]
                ),
                feature_medians={k: _number(v) for k, v in info["feature_medians"].items()},
                training_rows=int(info["training_rows"]),
                training_seasons=tuple(int(s) for s in info["training_seasons"]),
                n_response_importance_pct=_number(info["n_response_importance_pct"]),
                n_response_supported=bool(info["n_response_supported"]),
                model_skilled=None if skilled is None else tuple(bool(v) for v in skilled),
                skill_vs_field_mean=tuple(
                    _number(v) for v in info.get("skill_vs_field_mean_by_bucket", [])
                ),
                field_mean_offsets=(_number(fallback[0]), _number(fallback[1])),
                cooperative_mean_yield_t_ha=_number(info.get("cooperative_mean_yield_t_ha")),
                feature_medians_by_progress=tuple(
                    {k: _number(v) for k, v in medians.items()}
                    for medians in info.get("feature_medians_by_progress", [])
                ),
            )
        return YieldModel(
            crops=crops,
            settings=settings,
            training_data_sha256=meta["training_data_sha256"],
            last_harvest_date=pd.Timestamp(meta["last_harvest_date"]),
            features=tuple(meta["features"]),
            response_features=tuple(meta["response_features"]),
            skill=pd.DataFrame(meta["metrics"]["skill"]),
            skill_leave_farm_out=pd.DataFrame(meta["metrics"].get("skill_leave_farm_out", [])),
        )
