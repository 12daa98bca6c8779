"""Typed settings, read once from the environment (and command-line flags that override it)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the model modules load LightGBM: only the commands that advise need them
    from models.irrigation import IrrigationSettings
    from models.nitrogen import NitrogenSettings
    from models.yield_model import YieldModelSettings
    from pipelines.store.storage import Workspace

DEFAULT_WORKSPACE = Path("agri-workspace")
# The demo bundle that ships with the repository; absent from a wheel install.
SAMPLE_BUNDLE = Path(__file__).resolve().parents[1] / "sample_data" / "demo"


def _env_number(name: str) -> float | None:
    """The number in the environment variable `name`, None when unset; errors name the fix."""
    text = os.environ.get(name, "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{name} must be a number, not {text!r}") from None


def _env_float(name: str, default: float) -> float:
    value = _env_number(name)
    return default if value is None else value


@dataclass(frozen=True)
class Settings:
    """Where the workspace lives and which database it uses; prices and limits for advice.

    Advice settings (environment variable in brackets):
    `n_price_eur_per_kg_n` (AGRI_N_PRICE_EUR_PER_KG_N): fertiliser N price in EUR per kg of N;
    the default is the sample cooperative's price, set your own. Grain prices and each crop's
    agronomic N maximum come from the crop table (`grain_price_eur_t`, `n_max_kg_ha`).
    `n_cap_kg_ha` (AGRI_N_CAP_KG_HA): a regulatory cap on any season's total N (none by default).
    `irrigation_efficiency` (AGRI_IRRIGATION_EFFICIENCY): application efficiency, used both for
    past irrigations in the water balance and for the gross amounts advised.
    `irrigation_rain_window_days` (AGRI_IRRIGATION_RAIN_WINDOW_DAYS): forecast rain on the trigger
    day and this many days after it may cover a deficit.
    `irrigation_max_mm` (AGRI_IRRIGATION_MAX_MM): gross depth the irrigation system applies in
    one pass (sprinklers and reel guns 25-40 mm); more water is advised as several passes.
    `irrigation_refill_fraction_of_raw` (AGRI_IRRIGATION_REFILL_FRACTION_OF_RAW): irrigation
    refills the root zone to this share of RAW depleted (0 = field capacity; 0.5 leaves half of
    RAW free to store rain).
    `irrigation_cost_eur_per_mm_ha` (AGRI_IRRIGATION_COST_EUR_PER_MM_HA): cost of 1 mm on 1 ha
    (energy, labour, water; the default is an assumption): irrigation is advised only when the
    yield at stake is worth more.
    `irrigation_min_yield_at_stake_t_ha` (AGRI_IRRIGATION_MIN_YIELD_AT_STAKE_T_HA): and only
    when at least this much yield is at stake.
    `model_threads` (AGRI_MODEL_THREADS): LightGBM threads for training.
    `train_every_days` (AGRI_TRAIN_EVERY_DAYS): spacing of the in-season dates trained on.
    `dask_scheduler` (AGRI_DASK_SCHEDULER): address of a Dask scheduler (e.g.
    tcp://10.0.0.5:8786) on which crop-model runs go, or `local` for a cluster of one worker
    process per core of this machine; empty (the default) runs them in-process. Needs the
    `dask` extra.
    `crop_model_members` (AGRI_CROP_MODEL_MEMBERS): past years of weather that complete the
    season in the crop model's in-season outlook (at most; fewer where the station's record is
    shorter); 0 turns the outlook off (N and irrigation then use the FAO-56/FAO-33 outlook).
    """

    workspace_dir: Path = DEFAULT_WORKSPACE
    database_url: str | None = None
    n_price_eur_per_kg_n: float = 1.10
    n_cap_kg_ha: float | None = None
    irrigation_efficiency: float = 0.75
    irrigation_rain_window_days: int = 3
    irrigation_max_mm: float = 35.0
    irrigation_refill_fraction_of_raw: float = 0.5
    irrigation_cost_eur_per_mm_ha: float = 1.5
    irrigation_min_yield_at_stake_t_ha: float = 0.05
    model_threads: int = 1
    train_every_days: int = 14
    dask_scheduler: str = ""
    crop_model_members: int = 10

    @classmethod
    def from_env(cls, workspace_dir: Path | None = None) -> Settings:
        env_dir = os.environ.get("AGRI_WORKSPACE")
        defaults = cls()
        return cls(
            workspace_dir=workspace_dir or (Path(env_dir) if env_dir else DEFAULT_WORKSPACE),
            database_url=os.environ.get("AGRI_DATABASE_URL") or None,
            n_price_eur_per_kg_n=_env_float(
                "AGRI_N_PRICE_EUR_PER_KG_N", defaults.n_price_eur_per_kg_n
            ),
            n_cap_kg_ha=_env_number("AGRI_N_CAP_KG_HA"),
            irrigation_efficiency=_env_float(
                "AGRI_IRRIGATION_EFFICIENCY", defaults.irrigation_efficiency
            ),
            irrigation_rain_window_days=int(
                _env_float("AGRI_IRRIGATION_RAIN_WINDOW_DAYS", defaults.irrigation_rain_window_days)
            ),
            irrigation_max_mm=_env_float("AGRI_IRRIGATION_MAX_MM", defaults.irrigation_max_mm),
            irrigation_refill_fraction_of_raw=_env_float(
                "AGRI_IRRIGATION_REFILL_FRACTION_OF_RAW",
                defaults.irrigation_refill_fraction_of_raw,
            ),
            irrigation_cost_eur_per_mm_ha=_env_float(
                "AGRI_IRRIGATION_COST_EUR_PER_MM_HA", defaults.irrigation_cost_eur_per_mm_ha
            ),
            irrigation_min_yield_at_stake_t_ha=_env_float(
                "AGRI_IRRIGATION_MIN_YIELD_AT_STAKE_T_HA",
                defaults.irrigation_min_yield_at_stake_t_ha,
            ),
            model_threads=int(_env_float("AGRI_MODEL_THREADS", defaults.model_threads)),
            train_every_days=int(_env_float("AGRI_TRAIN_EVERY_DAYS", defaults.train_every_days)),
            dask_scheduler=os.environ.get("AGRI_DASK_SCHEDULER", "").strip(),
            crop_model_members=int(
                _env_float("AGRI_CROP_MODEL_MEMBERS", defaults.crop_model_members)
            ),
        )

    def nitrogen(self) -> NitrogenSettings:
        from models.nitrogen import NitrogenSettings

        return NitrogenSettings(
            n_price_eur_per_kg_n=self.n_price_eur_per_kg_n, n_cap_kg_ha=self.n_cap_kg_ha
        )

    def irrigation(self) -> IrrigationSettings:
        from models.irrigation import IrrigationSettings

        return IrrigationSettings(
            application_efficiency=self.irrigation_efficiency,
            rain_window_days=self.irrigation_rain_window_days,
            max_application_mm=self.irrigation_max_mm,
            refill_fraction_of_raw=self.irrigation_refill_fraction_of_raw,
            cost_eur_per_mm_ha=self.irrigation_cost_eur_per_mm_ha,
            min_yield_at_stake_t_ha=self.irrigation_min_yield_at_stake_t_ha,
        )

    def yield_model(self) -> YieldModelSettings:
        from models.yield_model import YieldModelSettings

        return YieldModelSettings(every_days=self.train_every_days, num_threads=self.model_threads)

    @property
    def workspace(self) -> Workspace:
        # Imported here: storage loads SQLAlchemy, the schema and pandas, which `agri --help`
        # and the settings alone do not need.
        from pipelines.store.storage import Workspace

        return Workspace(self.workspace_dir, self.database_url)
