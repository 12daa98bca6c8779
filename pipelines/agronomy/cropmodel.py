"""WOFOST crop-model runs (PCSE), one season at a time, in-process or on Dask.

A run simulates one field's crop from sowing with daily weather that is observed up to an as-of
date and, after it, a past year's weather (`splice_weather`; `ensemble` builds one run per past
year). The crop is a row of the crop table (`CropModelSpec.from_crop_row`): its PCSE model class,
its crop parameter file and variety; a crop without `wofost_model` has no crop model. The crop
parameters ship with the package (`pipelines/reference/wofost/`, WOFOST 8.1 branch, EUPL).

What is simulated
- Water-limited production with PCSE's classic, freely draining water balance (`*_WLP_CWB`) or
  potential production (`*_PP`). N-limited models are not offered: nitrogen is handled elsewhere.
- The water balance starts at sowing with `SiteSoil.initial_available_water_fraction` of the
  available water (field capacity − wilting point) over the maximum rooting depth (WOFOST `WAV`).
  Saturation is taken as field capacity + `SATURATION_ABOVE_FIELD_CAPACITY_M3_M3`; drainage and
  infiltration rates are WOFOST's freely draining defaults (`SOIL_DEFAULTS`); CO2 is `CO2_PPM`.
- Irrigation (`IrrigationRule`) is a PCSE state event on the root-zone moisture SM: when SM falls
  below field capacity − trigger_depletion × (field capacity − wilting point), `amount_mm` is
  applied, of which `efficiency` reaches the soil. `irrigation_mm` reports the gross amount.
- Evaporation (E0, ES0, ET0) is computed per day by PCSE's `reference_ET` (Penman-Monteith for
  ET0, Penman for E0/ES0) with Angstrom coefficients `ANGSTROM_A`, `ANGSTROM_B` (the sample
  generator's values), unless the weather carries `e0_mm`, `es0_mm` and `et0_mm` columns; then
  those are used as given (the published WOFOST reference runs give them).

The result of a run (`run_one`) is a flat dict; `run_many` makes a frame of them, one row per run
(report dates flattened to columns with the report's index, see `RESULT_COLUMNS` and
`REPORT_COLUMNS`):
- `key`: the run's key, unchanged; `error`: None, or why the run gave no yield. A run PCSE
  refuses (a gap in the weather, an unknown variety) or whose crop neither matured nor reached
  `latest_harvest` within `max_duration_days` has `error` set and `yield_t_ha` NaN; the crop state
  columns then hold the state where the crop stopped (NaN when the run failed before that).
- `yield_t_ha`: final storage-organ dry matter at the crop's standard moisture,
  TWSO / (1 − moisture / 100) / 1000; `twso_kg_ha`, `tagp_kg_ha` (dry matter), `dvs_final`
  (0 emergence, 1 flowering, 2 maturity); `maturity_date` (None when not mature);
  `crop_end_date` (the crop's last simulated day); `irrigation_mm` and `irrigation_events`
  (gross, all irrigations up to the crop's end: applied ones and those the rule triggered);
  `transpiration_ratio`: cumulative actual over potential crop transpiration (TRA / TRAMX)
  over the season, 1 = never water-stressed; `triggered_dates`, the days the rule irrigated
  (a list, empty when it never did); `triggered_irrigation_mm` (gross, by the rule only;
  0 without a rule).
- per report date i: `report_date_at{i}`, `dvs_at{i}`, `lai_at{i}`, `tagp_kg_ha_at{i}`,
  `twso_kg_ha_at{i}`, `sm_m3_m3_at{i}` and `transpiration_ratio_at{i}` (cumulative from sowing to
  that day; 1 while there is no demand yet). A date before sowing gives NaN; a date after the
  crop's end gives the state on its last day (a harvested crop keeps its final numbers). In
  `run_one`'s dict they are a list of dicts under `"at"`.

Processes and start-up: `pcse` and `distributed` are imported inside the functions that need them
(`agri --help` must not load them). Importing pcse writes `~/.pcse` (settings, a demo database)
and reconfigures the process's logging; `_import_pcse` points it at the temporary folder when the
home folder is read-only, silences its print, restores the logging configuration it replaced and
sets the `pcse` loggers to CRITICAL (run errors are reported in the result rows instead). PCSE
writes a pickle next to the crop parameter files, so they are copied once into a writable cache
folder (`crop_parameters_dir`). Each process keeps the parameter sets it has read (module-level
caches below): a Dask worker reads the YAML files once, not once per run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import logging
import math
import os
import shutil
import tempfile
import warnings
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

# PCSE model classes offered (water-limited with the classic water balance, or potential).
SUPPORTED_MODELS: tuple[str, ...] = (
    "Wofost72_PP",
    "Wofost72_WLP_CWB",
    "Wofost73_PP",
    "Wofost73_WLP_CWB",
    "Wofost81_PP",
    "Wofost81_WLP_CWB",
)
WEATHER_COLUMNS: tuple[str, ...] = (
    "date",
    "tmin_degc",
    "tmax_degc",
    "precip_mm",
    "rad_mj_m2",
    "vp_kpa",
    "wind_m_s",
)
# Optional: evaporation given instead of computed (all three or none).
EVAPORATION_COLUMNS: tuple[str, ...] = ("e0_mm", "es0_mm", "et0_mm")
# Angstrom coefficients for net radiation in PCSE's reference_ET: the sample generator's values
# (the NL1 station file's header, sample_data/_gen_weather.py).
ANGSTROM_A, ANGSTROM_B = 0.18, 0.55
# Saturated water content above field capacity; the sample generator draws 0.08-0.12.
SATURATION_ABOVE_FIELD_CAPACITY_M3_M3 = 0.10
# WOFOST 7.2 defaults for a freely draining soil: critical air content, saturated conductivity
# K0, maximum percolation to the subsoil KSUB and from the root zone SOPE (cm/day), as in the
# WOFOST 7.2 reference runs (tests/test_data/test_waterlimitedproduction_wofost72_*.yaml).
SOIL_DEFAULTS: dict[str, float] = {"CRAIRC": 0.06, "K0": 10.0, "SOPE": 10.0, "KSUB": 10.0}
# Site defaults of PCSE's WOFOST site data providers (no surface storage, all rain infiltrates).
SITE_DEFAULTS: dict[str, float] = {
    "IFUNRN": 0,
    "NOTINF": 0.0,
    "SSI": 0.0,
    "SSMAX": 0.0,
    "SMLIM": 0.4,
}
CO2_PPM = 400.0
REPORT_COLUMNS: tuple[str, ...] = (
    "report_date",
    "dvs",
    "lai",
    "tagp_kg_ha",
    "twso_kg_ha",
    "sm_m3_m3",
    "transpiration_ratio",
)
RESULT_COLUMNS: tuple[str, ...] = (
    "key",
    "error",
    "yield_t_ha",
    "twso_kg_ha",
    "tagp_kg_ha",
    "dvs_final",
    "maturity_date",
    "crop_end_date",
    "irrigation_mm",
    "irrigation_events",
    "transpiration_ratio",
    "triggered_irrigation_mm",
    "triggered_dates",
)
# `run_many(scheduler=LOCAL_SCHEDULER)`: a LocalCluster of one worker process per core.
LOCAL_SCHEDULER = "local"
# Below this many runs a local cluster is not started (its workers take seconds to start).
LOCAL_MIN_RUNS = 40
_OUTPUT_VARS = ["DVS", "LAI", "TAGP", "TWSO", "SM", "TRA", "TRAMX", "RIRR"]
_REFERENCE = ("pipelines", "reference/wofost")


@dataclass(frozen=True)
class CropModelSpec:
    """Which WOFOST model, crop parameter file and variety simulate a crop."""

    model: str  # PCSE model class name, one of SUPPORTED_MODELS
    crop: str  # crop parameter file (pipelines/reference/wofost/<crop>.yaml)
    variety: str  # a variety in that file
    yield_moisture_pct: float  # standard moisture of the stated yield (wet basis)

    def __post_init__(self) -> None:
        if self.model not in SUPPORTED_MODELS:
            raise ValueError(
                f"WOFOST model '{self.model}' is not offered; use one of "
                f"{', '.join(SUPPORTED_MODELS)}"
            )
        if not self.crop or not self.variety:
            raise ValueError(
                f"WOFOST model '{self.model}' needs wofost_crop and wofost_variety as well"
            )

    @classmethod
    def from_crop_row(cls, row: Mapping[Any, Any]) -> CropModelSpec | None:
        """The spec of a crop-table row (a mapping by column name, e.g. `Series.to_dict()`);
        None when the row has no `wofost_model`."""
        model = _text(row.get("wofost_model"))
        if model is None:
            return None
        return cls(
            model=model,
            crop=_text(row.get("wofost_crop")) or "",
            variety=_text(row.get("wofost_variety")) or "",
            yield_moisture_pct=float(row["yield_moisture_pct"]),
        )


@dataclass(frozen=True)
class SiteSoil:
    """Where a field is and how much water its soil holds."""

    lat: float
    lon: float
    elevation_m: float
    field_capacity_m3_m3: float
    wilting_point_m3_m3: float
    root_depth_max_cm: float
    # Share of the available water (FC − WP over the maximum rooting depth) at the run's start.
    initial_available_water_fraction: float = 0.8


@dataclass(frozen=True)
class IrrigationRule:
    """Irrigate `amount_mm` (gross) whenever the root zone has lost `trigger_depletion` of its
    available water (FC − WP); `efficiency` of it reaches the soil."""

    trigger_depletion: float
    amount_mm: float
    efficiency: float = 0.8


@dataclass(frozen=True)
class CropModelRun:
    """One season of one field: the crop, the site, the sowing date and the weather to simulate.

    `weather` holds `WEATHER_COLUMNS` (optionally `EVAPORATION_COLUMNS`) for every day from the
    sowing date to the end of the run. `latest_harvest` ends the crop on that day if it has not
    matured (PCSE's crop_end_type 'earliest'); without it the crop runs to maturity, at most
    `max_duration_days`. `applied_irrigation` are irrigations already made, (date, gross mm),
    of which `applied_irrigation_efficiency` reaches the soil (dates outside the sowing date and
    the last day of the weather are left out). `parameter_overrides` replace crop, soil or site
    parameters by their WOFOST names (e.g. a field's own cultivar: {"TSUM1": 1100.0}).
    """

    key: Hashable
    spec: CropModelSpec
    site: SiteSoil
    sowing_date: dt.date
    weather: pd.DataFrame
    report_dates: tuple[dt.date, ...] = ()
    irrigation: IrrigationRule | None = None
    max_duration_days: int = 330
    latest_harvest: dt.date | None = None
    parameter_overrides: Mapping[str, Any] | None = None
    applied_irrigation: tuple[tuple[dt.date, float], ...] = ()
    applied_irrigation_efficiency: float = 0.8


def splice_weather(
    observed: pd.DataFrame, as_of: dt.date, member_year: int, end: dt.date
) -> pd.DataFrame:
    """Observed weather up to and including `as_of`, then a past season's weather up to `end`.

    Seasons are named by the year they end in (their harvest year), so `member_year` is the
    season whose weather is used: the day d after `as_of` takes every column of the observed day
    d shifted by (member_year − end.year) whole years; 29 February of a leap target year takes the
    member's 28 February when the member's year has no 29 February (and a member's 29 February is
    not used when the target year has none). Returns the observed frame's columns, one row per day
    from its first day to `end`. Raises ValueError when a day of the member is not in `observed`.
    """
    as_of_ts, end_ts = pd.Timestamp(as_of), pd.Timestamp(end)
    frame = observed.assign(date=pd.to_datetime(observed["date"]))
    past = frame[frame["date"] <= min(as_of_ts, end_ts)]
    if end_ts <= as_of_ts:
        return past.reset_index(drop=True)
    target = pd.date_range(as_of_ts + pd.Timedelta(days=1), end_ts, freq="D")
    source = target + pd.DateOffset(years=member_year - end_ts.year)  # 29 Feb -> 28 Feb
    by_date = frame.set_index("date")
    missing = source.difference(pd.DatetimeIndex(by_date.index))
    if len(missing):
        raise ValueError(
            f"member {member_year}: no observed weather for {len(missing)} day(s) from "
            f"{missing[0].date()}; choose member years whose season is fully observed"
        )
    member = by_date.loc[source].reset_index(drop=True)
    member.insert(0, "date", target)
    member = member[list(frame.columns)]
    return pd.concat([past, member], ignore_index=True)


def ensemble(
    observed: pd.DataFrame,
    as_of: dt.date,
    member_years: Iterable[int],
    *,
    key: Hashable,
    spec: CropModelSpec,
    site: SiteSoil,
    sowing_date: dt.date,
    end: dt.date,
    report_dates: tuple[dt.date, ...] = (),
    irrigation: IrrigationRule | None = None,
    max_duration_days: int = 330,
    latest_harvest: dt.date | None = None,
    parameter_overrides: Mapping[str, Any] | None = None,
) -> list[CropModelRun]:
    """One run per member year for one field: `observed` weather to `as_of`, then the member
    season's weather to `end` (`splice_weather`). Each run's key is `(key, member_year)`."""
    observed = observed.assign(date=pd.to_datetime(observed["date"]))
    sowing = pd.Timestamp(sowing_date)

    def season(weather: pd.DataFrame) -> pd.DataFrame:
        return weather[weather["date"] >= sowing].reset_index(drop=True)

    return [
        CropModelRun(
            key=(key, year),
            spec=spec,
            site=site,
            sowing_date=sowing_date,
            weather=season(splice_weather(observed, as_of, year, end)),
            report_dates=report_dates,
            irrigation=irrigation,
            max_duration_days=max_duration_days,
            latest_harvest=latest_harvest,
            parameter_overrides=parameter_overrides,
        )
        for year in member_years
    ]


def run_one(run: CropModelRun, *, cache_dir: str | Path | None = None) -> dict[str, Any]:
    """Simulate one run; never raises for a run PCSE refuses (see the module docstring).

    `cache_dir` is the writable folder that receives a copy of the crop parameter files
    (default: a folder in the system's temporary directory, keyed by their content).
    """
    result: dict[str, Any] = {
        "key": run.key,
        "error": None,
        "yield_t_ha": math.nan,
        "twso_kg_ha": math.nan,
        "tagp_kg_ha": math.nan,
        "dvs_final": math.nan,
        "maturity_date": None,
        "crop_end_date": None,
        "irrigation_mm": math.nan,
        "irrigation_events": 0,
        "transpiration_ratio": math.nan,
        "triggered_irrigation_mm": math.nan,
        "triggered_dates": [],
        "at": [_empty_report(d) for d in run.report_dates],
    }
    try:
        parameters = _run_parameters(run, cache_dir)
        output, summary = simulate(
            run.spec.model,
            parameters,
            run.weather,
            latitude=run.site.lat,
            longitude=run.site.lon,
            elevation_m=run.site.elevation_m,
            agromanagement=_agromanagement(run),
        )
    except Exception as exc:  # one refused run must not end the batch
        result["error"] = f"{type(exc).__name__}: {exc}".strip()
        return result
    result.update(_summarise(run, output, summary))
    return result


def run_many(
    runs: Sequence[CropModelRun],
    *,
    scheduler: str | None = None,
    client: Any = None,
    batch_size: int = 20,
    progress: Callable[[int, int], None] | None = None,
    cache_dir: str | Path | None = None,
) -> pd.DataFrame:
    """Simulate `runs`; one row per run, in their order (columns: module docstring).

    In-process when neither `scheduler` (a Dask scheduler address, or "local" for a
    LocalCluster of one worker process per core started for this call; "" counts as none) nor
    `client` (a `distributed.Client`) is given; otherwise the same `run_one` runs on the Dask
    workers, `batch_size` runs per task, with a few tasks per worker in flight so the runs'
    weather is shipped as it is needed. The rows are the same either way. `progress(done, total)`
    is called after each batch.
    """
    if scheduler == LOCAL_SCHEDULER and client is None and len(runs) < LOCAL_MIN_RUNS:
        scheduler = None  # starting the workers would take longer than the runs
    batches = [list(runs[i : i + batch_size]) for i in range(0, len(runs), batch_size)]
    total, done = len(runs), 0
    results: list[list[dict[str, Any]]] = [[] for _ in batches]
    if client is None and not scheduler:
        for index, batch in enumerate(batches):
            results[index] = _run_batch(batch, cache_dir)
            done += len(batch)
            if progress is not None:
                progress(done, total)
        return results_frame([row for rows in results for row in rows])

    import distributed

    own_client = client is None
    cluster = None
    if own_client and scheduler == LOCAL_SCHEDULER:
        # One single-threaded worker process per core of this machine, for this call only.
        cluster = distributed.LocalCluster(
            n_workers=max(os.cpu_count() or 1, 1),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        dask_client = distributed.Client(cluster)
    else:
        dask_client = distributed.Client(scheduler) if own_client else client
    try:
        workers = dask_client.scheduler_info().get("workers", {})
        threads = sum(int(w.get("nthreads", 1)) for w in workers.values()) or 1
        in_flight = max(2, 2 * threads)
        pending = iter(enumerate(batches))
        running = distributed.as_completed()

        def submit_next() -> None:
            item = next(pending, None)
            if item is not None:
                index, batch = item
                running.add(
                    dask_client.submit(_run_indexed_batch, index, batch, cache_dir, pure=False)
                )

        for _ in range(in_flight):
            submit_next()
        for future in running:
            index, rows = future.result()
            results[index] = rows
            done += len(rows)
            if progress is not None:
                progress(done, total)
            submit_next()
    finally:
        if own_client:
            dask_client.close()
        if cluster is not None:
            cluster.close()
    return results_frame([row for rows in results for row in rows])


def results_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """`run_one` results as a frame: `RESULT_COLUMNS`, then `REPORT_COLUMNS` suffixed `_at{i}`
    for each report index i (NaN where a run has fewer report dates)."""
    n_reports = max((len(r["at"]) for r in rows), default=0)
    records = []
    for row in rows:
        record = {name: row[name] for name in RESULT_COLUMNS}
        for i in range(n_reports):
            at = row["at"][i] if i < len(row["at"]) else _empty_report(None)
            for name in REPORT_COLUMNS:
                record[f"{name}_at{i}"] = at[name]
        records.append(record)
    columns = list(RESULT_COLUMNS) + [
        f"{name}_at{i}" for i in range(n_reports) for name in REPORT_COLUMNS
    ]
    frame = pd.DataFrame.from_records(records, columns=columns)
    frame["irrigation_events"] = frame["irrigation_events"].astype("int64")
    return frame


def simulate(
    model: str,
    parameters: Mapping[str, Any],
    weather: pd.DataFrame,
    *,
    latitude: float,
    longitude: float,
    elevation_m: float,
    agromanagement: list[dict[Any, Any]],
    stop_when_crop_ends: bool = True,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Run the PCSE model class `model` with all its parameters in one mapping (crop, soil and
    site, WOFOST names) on `weather` (columns as in `CropModelRun.weather`), with a PCSE
    agromanagement list. Returns PCSE's daily output (with `_OUTPUT_VARS`) and the crop's summary
    output ({} when the crop had not ended by the last day of the weather). Raises what PCSE
    raises (a gap in the weather, a missing parameter). The lower-level entry point of
    `run_one`, for runs with published parameter sets (the WOFOST reference runs)."""
    pcse = _import_pcse()
    provider = weather_provider(weather, latitude, longitude, elevation_m)
    last_day = max(provider.store)[0] if provider.store else None
    parameter_provider = pcse.base.ParameterProvider(cropdata=dict(parameters))
    with warnings.catch_warnings():
        # pcse 6.0 on traitlets-pcse warns at every crop start ("Passing unrecoginized arguments
        # to super(...).__init__"): PCSE's own business, and dozens per run.
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"pcse\.")
        engine = getattr(pcse.models, model)(
            parameter_provider, provider, agromanagement, output_vars=_OUTPUT_VARS
        )
        # Day by day: stop at the last day of the weather (the crop's state so far is kept;
        # PCSE would raise on the next day) and, when `stop_when_crop_ends`, on the crop's last
        # day (with state events the agromanagement ends with an empty campaign, which PCSE
        # would run on to).
        started = engine.crop is not None
        while not engine.flag_terminate and (last_day is None or engine.day < last_day):
            engine.run(days=1)
            if engine.crop is not None:
                started = True
            elif started and stop_when_crop_ends:
                break
    summary = engine.get_summary_output()
    return engine.get_output(), (summary[0] if summary else {})


def weather_provider(
    weather: pd.DataFrame, latitude: float, longitude: float, elevation_m: float
) -> Any:
    """A PCSE WeatherDataProvider holding exactly the days of `weather` that have every value.

    Units are converted to PCSE's (J/m²/day, hPa, cm/day); E0, ES0 and ET0 come from the
    `EVAPORATION_COLUMNS` when all three are there, else from PCSE's `reference_ET`."""
    pcse = _import_pcse()
    given = all(c in weather.columns for c in EVAPORATION_COLUMNS)
    columns = list(WEATHER_COLUMNS) + (list(EVAPORATION_COLUMNS) if given else [])
    missing = [c for c in columns if c not in weather.columns]
    if missing:
        raise ValueError(f"weather lacks column(s) {', '.join(missing)}")
    complete = weather[columns].dropna()
    days = [d.date() for d in pd.to_datetime(complete["date"])]
    values = {c: complete[c].to_numpy(dtype=float) for c in columns[1:]}
    provider = pcse.base.WeatherDataProvider()
    provider.latitude, provider.longitude, provider.elevation = latitude, longitude, elevation_m
    provider.description = ["agri-advisor weather (pipelines.agronomy.cropmodel)"]
    for i, day in enumerate(days):
        tmin, tmax = float(values["tmin_degc"][i]), float(values["tmax_degc"][i])
        irrad = float(values["rad_mj_m2"][i]) * 1e6
        vap = float(values["vp_kpa"][i]) * 10.0
        wind = float(values["wind_m_s"][i])
        if given:
            e0, es0, et0 = (float(values[c][i]) for c in EVAPORATION_COLUMNS)
        else:
            e0, es0, et0 = pcse.util.reference_ET(
                day, latitude, elevation_m, tmin, tmax, irrad, vap, wind,
                ANGSTROM_A, ANGSTROM_B, ETMODEL="PM",
            )  # fmt: skip
        container = pcse.base.WeatherDataContainer(
            LAT=latitude,
            LON=longitude,
            ELEV=elevation_m,
            DAY=day,
            IRRAD=irrad,
            TMIN=tmin,
            TMAX=tmax,
            VAP=vap,
            WIND=wind,
            RAIN=float(values["precip_mm"][i]) / 10.0,
            E0=e0 / 10.0,
            ES0=es0 / 10.0,
            ET0=et0 / 10.0,
            TEMP=(tmin + tmax) / 2.0,
        )
        provider._store_WeatherDataContainer(container, day)
    return provider


def crop_parameters_dir(cache_dir: str | Path | None = None) -> Path:
    """A writable folder holding a copy of the packaged crop parameter files and a `crops.yaml`
    that lists them all (PCSE reads the list from it and writes its pickle next to them)."""
    source = resources.files(_REFERENCE[0]).joinpath(_REFERENCE[1])
    files = sorted(
        (entry.name, entry.read_bytes())
        for entry in source.iterdir()
        if entry.name.endswith(".yaml")
    )
    digest = hashlib.sha256(b"".join(name.encode() + data for name, data in files)).hexdigest()
    parent = Path(cache_dir) if cache_dir is not None else Path(tempfile.gettempdir())
    user = f"-{os.getuid()}" if hasattr(os, "getuid") else ""
    target = parent / f"agri-advisor-wofost-{digest[:16]}{user}"
    if (target / "crops.yaml").is_file() and os.access(target, os.W_OK):
        return target
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".wofost-", dir=parent))
    for name, data in files:
        (staging / name).write_bytes(data)
    listing = "".join(f"  - {name.removesuffix('.yaml')}\n" for name, _ in files)
    (staging / "crops.yaml").write_text(f"available_crops:\n{listing}", encoding="utf-8")
    try:
        staging.rename(target)  # atomic: a process doing the same at once keeps its own copy
    except OSError:
        if not (target / "crops.yaml").is_file():
            raise
        shutil.rmtree(staging, ignore_errors=True)
    return target


def code_version() -> str:
    """What a run's result depends on besides its inputs, for caches of results: this module's
    source, the packaged crop parameter files and the installed pcse version (pcse not imported).
    """
    if not _CODE_VERSION:
        digest = hashlib.sha256(Path(__file__).read_bytes())
        source = resources.files(_REFERENCE[0]).joinpath(_REFERENCE[1])
        for entry in sorted(source.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".yaml"):
                digest.update(entry.name.encode() + entry.read_bytes())
        digest.update(f"pcse {metadata.version('pcse')}".encode())
        _CODE_VERSION.append(digest.hexdigest()[:16])
    return _CODE_VERSION[0]


# --- per-process state: parameter sets read once per process (a Dask worker reads them once) ---
_CODE_VERSION: list[str] = []
_YAML_PROVIDERS: dict[tuple[str, str], Any] = {}
_CROP_PARAMETERS: dict[tuple[str, str, str, str], dict[str, Any]] = {}
_PCSE: list[Any] = []


def crop_parameters(spec: CropModelSpec, cache_dir: str | Path | None = None) -> dict[str, Any]:
    """The crop parameters of `spec`'s variety (a copy; cached per process)."""
    folder = str(crop_parameters_dir(cache_dir))
    key = (spec.model, spec.crop, spec.variety, folder)
    if key not in _CROP_PARAMETERS:
        pcse = _import_pcse()
        provider_key = (spec.model, folder)
        if provider_key not in _YAML_PROVIDERS:
            # force_reload: never read a pickle another process may be writing at this moment.
            _YAML_PROVIDERS[provider_key] = pcse.input.YAMLCropDataProvider(
                model=getattr(pcse.models, spec.model), fpath=folder, force_reload=True
            )
        provider = _YAML_PROVIDERS[provider_key]
        provider.set_active_crop(spec.crop, spec.variety)
        _CROP_PARAMETERS[key] = dict(provider)
    return dict(_CROP_PARAMETERS[key])


def _import_pcse() -> Any:
    """`pcse` imported without its side effects on this process (see the module docstring)."""
    if _PCSE:
        return _PCSE[0]
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    disabled = {
        name: logger.disabled
        for name, logger in logging.Logger.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    user = os.environ.get("USER")
    home_unusable = user is not None and not _writable_pcse_home(Path.home())
    if home_unusable:
        del os.environ["USER"]  # pcse then uses the temporary directory (pcse.util.get_user_home)
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # "Building PCSE demo database ..."
            import pcse
            import pcse.base
            import pcse.input
            import pcse.models
            import pcse.util
    finally:
        if home_unusable and user is not None:
            os.environ["USER"] = user
        for handler in [h for h in root.handlers if h not in handlers]:
            root.removeHandler(handler)
            handler.close()
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, was_disabled in disabled.items():
            logging.getLogger(name).disabled = was_disabled
    logging.getLogger("pcse").setLevel(logging.CRITICAL)
    _PCSE.append(pcse)
    return pcse


def _writable_pcse_home(home: Path) -> bool:
    folder = home / ".pcse"
    if folder.exists():
        return os.access(folder, os.W_OK)
    return os.access(home, os.W_OK)


def _run_batch(batch: Sequence[CropModelRun], cache_dir: str | Path | None) -> list[dict[str, Any]]:
    return [run_one(run, cache_dir=cache_dir) for run in batch]


def _run_indexed_batch(
    index: int, batch: Sequence[CropModelRun], cache_dir: str | Path | None
) -> tuple[int, list[dict[str, Any]]]:
    return index, _run_batch(batch, cache_dir)


def _run_parameters(run: CropModelRun, cache_dir: str | Path | None) -> dict[str, Any]:
    site = run.site
    available_cm = (site.field_capacity_m3_m3 - site.wilting_point_m3_m3) * site.root_depth_max_cm
    parameters = crop_parameters(run.spec, cache_dir)
    parameters.update(SOIL_DEFAULTS)
    parameters.update(SITE_DEFAULTS)
    parameters.update(
        SMW=site.wilting_point_m3_m3,
        SMFCF=site.field_capacity_m3_m3,
        SM0=site.field_capacity_m3_m3 + SATURATION_ABOVE_FIELD_CAPACITY_M3_M3,
        RDMSOL=site.root_depth_max_cm,
        WAV=available_cm * site.initial_available_water_fraction,
        CO2=CO2_PPM,
    )
    parameters.update(run.parameter_overrides or {})
    return parameters


def _agromanagement(run: CropModelRun) -> list[dict[Any, Any]]:
    calendar = {
        "crop_name": run.spec.crop,
        "variety_name": run.spec.variety,
        "crop_start_date": run.sowing_date,
        "crop_start_type": "sowing",
        "crop_end_date": run.latest_harvest,
        "crop_end_type": "maturity" if run.latest_harvest is None else "earliest",
        "max_duration": run.max_duration_days,
    }
    timed = None
    applied = _applied_irrigation(run)
    if applied:
        efficiency = run.applied_irrigation_efficiency
        table = [{d: {"amount": mm / 10.0, "efficiency": efficiency}} for d, mm in applied]
        timed = [
            {
                "event_signal": "irrigate",
                "name": "applied irrigation",
                "comment": "irrigations already made (cm)",
                "events_table": table,
            }
        ]
    if run.irrigation is None:
        only: dict[str, Any] = {"CropCalendar": calendar, "TimedEvents": timed, "StateEvents": None}
        return [{run.sowing_date: only}]
    rule, site = run.irrigation, run.site
    available = site.field_capacity_m3_m3 - site.wilting_point_m3_m3
    trigger_sm = site.field_capacity_m3_m3 - rule.trigger_depletion * available
    events = [
        {
            "event_signal": "irrigate",
            "event_state": "SM",
            "zero_condition": "falling",
            "name": "irrigation",
            "comment": "soil-moisture-triggered irrigation (cm)",
            "events_table": [
                {trigger_sm: {"amount": rule.amount_mm / 10.0, "efficiency": rule.efficiency}}
            ],
        }
    ]
    # PCSE needs a trailing empty campaign after state events; `simulate` stops at the crop's
    # end or the last day of the weather, so it is put on the day after (never simulated).
    last_day = pd.Timestamp(pd.to_datetime(run.weather["date"]).max()).date()
    trailing = max(last_day, run.sowing_date) + dt.timedelta(days=1)
    campaign: dict[str, Any] = {
        "CropCalendar": calendar,
        "TimedEvents": timed,
        "StateEvents": events,
    }
    return [{run.sowing_date: campaign}, {trailing: None}]


def _applied_irrigation(run: CropModelRun) -> list[tuple[dt.date, float]]:
    """The applied irrigations PCSE can take: from sowing to the last day of the weather, one
    per day (amounts of the same day added), positive amounts."""
    last_day = pd.Timestamp(pd.to_datetime(run.weather["date"]).max()).date()
    by_day: dict[dt.date, float] = {}
    for day, mm in run.applied_irrigation:
        if run.sowing_date <= day <= last_day and mm > 0:
            by_day[day] = by_day.get(day, 0.0) + float(mm)
    return sorted(by_day.items())


def _summarise(
    run: CropModelRun, output: list[dict[str, Any]], summary: Mapping[str, Any]
) -> dict[str, Any]:
    crop_days = [o for o in output if o.get("DVS") is not None]
    if not crop_days:
        return {"error": "the crop was not simulated (no crop days in the output)"}
    final = summary or crop_days[-1]  # no summary: the weather ended before the crop did
    day = np.array([o["day"] for o in crop_days], dtype="datetime64[D]")

    def series(name: str) -> np.ndarray:
        return np.array(
            [np.nan if o.get(name) is None else float(o[name]) for o in crop_days], dtype=float
        )

    tra, tramx = np.nan_to_num(series("TRA")), np.nan_to_num(series("TRAMX"))
    cum_tra, cum_tramx = np.cumsum(tra), np.cumsum(tramx)
    ratio = np.divide(cum_tra, cum_tramx, out=np.ones_like(cum_tra), where=cum_tramx > 0)
    irrigation = np.nan_to_num(series("RIRR"))
    states = {
        "dvs": series("DVS"),
        "lai": series("LAI"),
        "tagp_kg_ha": series("TAGP"),
        "twso_kg_ha": series("TWSO"),
        "sm_m3_m3": series("SM"),
        "transpiration_ratio": ratio,
    }
    at = []
    for report_date in run.report_dates:
        i = int(np.searchsorted(day, np.datetime64(report_date, "D"), side="right")) - 1
        if i < 0:
            at.append(_empty_report(report_date))
            continue
        at.append({"report_date": report_date} | {k: float(v[i]) for k, v in states.items()})
    twso = float(final.get("TWSO") or 0.0)
    maturity = final.get("DOM")
    crop_end = crop_days[-1]["day"]
    # RIRR is the water that reaches the soil: applied irrigations are known by their day, the
    # rest were triggered by the rule (PCSE keeps one irrigation per day: a triggered one on the
    # day of an applied one replaces it).
    applied = {d: mm for d, mm in _applied_irrigation(run) if d <= crop_end}
    on_applied_day = np.array([o["day"] in applied for o in crop_days], dtype=bool)
    triggered = np.where(on_applied_day, 0.0, irrigation)
    efficiency = run.irrigation.efficiency if run.irrigation is not None else 1.0
    triggered_mm = float(triggered.sum()) / efficiency * 10.0
    out: dict[str, Any] = {
        "twso_kg_ha": twso,
        "tagp_kg_ha": float(final.get("TAGP") or 0.0),
        "dvs_final": float(final.get("DVS") or 0.0),
        "maturity_date": maturity,
        "crop_end_date": crop_end,
        "irrigation_mm": sum(applied.values()) + triggered_mm,
        "irrigation_events": len(applied) + int((triggered > 0).sum()),
        "transpiration_ratio": float(ratio[-1]),
        "triggered_irrigation_mm": triggered_mm,
        "triggered_dates": [o["day"] for o, mm in zip(crop_days, triggered, strict=True) if mm > 0],
        "at": at,
    }
    harvested = run.latest_harvest is not None and crop_end >= run.latest_harvest
    if not summary:
        out["error"] = (
            f"the weather ends on {crop_end} before the crop matured (development stage "
            f"{out['dvs_final']:.2f}); give weather to maturity or a latest_harvest date"
        )
    elif maturity is None and not harvested:
        out["error"] = (
            f"the crop did not mature within {run.max_duration_days} days of sowing "
            f"(development stage {out['dvs_final']:.2f} on {crop_end})"
        )
    else:
        out["yield_t_ha"] = twso / (1.0 - run.spec.yield_moisture_pct / 100.0) / 1000.0
    return out


def _empty_report(report_date: dt.date | None) -> dict[str, Any]:
    return {"report_date": report_date} | {name: math.nan for name in REPORT_COLUMNS[1:]}


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    text = str(value).strip()
    return text or None
