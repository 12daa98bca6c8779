"""WOFOST runs for the sample-data generator (pcse, fully offline).

* winter wheat: ``Wofost81_NWLP_CWB_CNB`` (water- and N-limited, classic water and N balance),
  N applied as ``apply_n`` TimedEvents with ``N_recovery`` 0.7;
* grain maize: ``Wofost72_WLP_CWB`` (water-limited; N has no effect), irrigation as a
  soil-moisture-triggered ``irrigate`` StateEvent on ``SM``.

Irrigation events are recovered from the daily output variable ``RIRR`` (effective irrigation in
cm on the day the agromanager fires the event): gross mm = RIRR / efficiency × 10.

A field may grow its own cultivar: ``task["cultivars"]`` maps a crop to parameter overrides
(``ParameterProvider.set_override``) computed by ``cultivar_parameters`` from the variety's
vendored values and per-field factors. The sample profile has none.

One task = one field: its seasons are simulated in order because a wheat sowing must follow the
previous harvest. No random numbers are drawn here; all draws are made by the caller from
seeded generators, so the pool's scheduling cannot change the output.
"""

from __future__ import annotations

import datetime as dt
import logging

import numpy as np

# Set by init_models() in the parent before the worker pool forks.
STATE: dict = {}

WHEAT_MODEL = "Wofost81_NWLP_CWB_CNB"
MAIZE_MODEL = "Wofost72_WLP_CWB"
N_RECOVERY = 0.7
N_SHARES = (0.4, 0.4, 0.2)
# Cultivar parameters a profile may scale per field. The productivity parameter differs by
# model: WOFOST 8.1 wheat has a scalar AMAX_REF, WOFOST 7.2 maize a table AMAXTB (DVS, AMAX).
CULTIVAR_PARAMETERS = {
    "winter_wheat": ("TSUM1", "TSUM2", "SPAN", "AMAX_REF"),
    "grain_maize": ("TSUM1", "TSUM2", "SPAN", "AMAXTB"),
}


def init_models(crop_dir_81: str | None, crop_dir_72: str | None, providers: dict) -> None:
    logging.disable(logging.CRITICAL)
    from pcse.input import YAMLCropDataProvider
    from pcse.models import Wofost72_WLP_CWB, Wofost81_NWLP_CWB_CNB

    STATE["crop81"] = YAMLCropDataProvider(
        model=Wofost81_NWLP_CWB_CNB, fpath=crop_dir_81, force_reload=True
    )
    STATE["crop72"] = YAMLCropDataProvider(
        model=Wofost72_WLP_CWB, fpath=crop_dir_72, force_reload=True
    )
    STATE["providers"] = providers


def cultivar_parameters(crop: str, variety: str, factors: dict[str, float]) -> dict:
    """Parameter overrides for a cultivar: the variety's vendored values times `factors`.

    `factors` is keyed by ``CULTIVAR_PARAMETERS[crop]``; a table (AMAXTB) has its values scaled,
    not its DVS points. Call after ``init_models``.
    """
    provider = STATE["crop81"] if crop == "winter_wheat" else STATE["crop72"]
    provider.set_active_crop("wheat" if crop == "winter_wheat" else "maize", variety)
    out = {}
    for name in CULTIVAR_PARAMETERS[crop]:
        base = provider[name]
        if isinstance(base, list):
            out[name] = [
                float(v) if i % 2 == 0 else round(float(v) * factors[name], 3)
                for i, v in enumerate(base)
            ]
        else:
            out[name] = round(float(base) * factors[name], 3)
    return out


def _run(
    crop: str, soil: dict, site: dict, agro: list, overrides: dict | None = None
) -> tuple[list, dict]:
    from pcse.base import ParameterProvider
    from pcse.input import WOFOST72SiteDataProvider, WOFOST81SiteDataProvider_Classic
    from pcse.models import Wofost72_WLP_CWB, Wofost81_NWLP_CWB_CNB

    wdp = STATE["providers"][site["station_id"]]
    if crop == "winter_wheat":
        sitedata = WOFOST81SiteDataProvider_Classic(
            WAV=site["WAV"],
            CO2=400.0,
            NAVAILI=site["NAVAILI"],
            NSOILBASE=site["NSOILBASE"],
            NSOILBASE_FR=site["NSOILBASE_FR"],
        )
        pp = ParameterProvider(cropdata=STATE["crop81"], soildata=soil, sitedata=sitedata)
        for name, value in (overrides or {}).items():
            pp.set_override(name, value, check=False)  # crop parameters load at sowing
        m = Wofost81_NWLP_CWB_CNB(pp, wdp, agro)
    else:
        sitedata = WOFOST72SiteDataProvider(WAV=site["WAV"])
        pp = ParameterProvider(cropdata=STATE["crop72"], soildata=soil, sitedata=sitedata)
        for name, value in (overrides or {}).items():
            pp.set_override(name, value, check=False)
        m = Wofost72_WLP_CWB(pp, wdp, agro, output_vars=["RIRR", "RFTRA"])
    m.run_till_terminate()
    return m.get_output(), m.get_summary_output()[0]


def _agro(s: dict, n_total: float | None, irrigate: dict | None) -> list:
    sow: dt.date = s["sow"]
    if s["crop"] == "winter_wheat":
        cal = {
            "crop_name": "wheat",
            "variety_name": s["variety"],
            "crop_start_date": sow,
            "crop_start_type": "sowing",
            "crop_end_date": None,
            "crop_end_type": "maturity",
            "max_duration": 330,
        }
        events = []
        if n_total and n_total > 0:
            table = [
                {d: {"N_amount": float(n_total) * sh, "N_recovery": N_RECOVERY}}
                for d, sh in zip(s["n_dates"], s.get("n_shares", N_SHARES), strict=True)
            ]
            events = [
                {
                    "event_signal": "apply_n",
                    "name": "N",
                    "comment": "kg N/ha",
                    "events_table": table,
                }
            ]
        return [{sow: {"CropCalendar": cal, "TimedEvents": events or None, "StateEvents": None}}]
    cal = {
        "crop_name": "maize",
        "variety_name": s["variety"],
        "crop_start_date": sow,
        "crop_start_type": "sowing",
        "crop_end_date": s["end_by"],
        "crop_end_type": "earliest",
        "max_duration": 200,
    }
    if irrigate is None:
        return [{sow: {"CropCalendar": cal, "TimedEvents": None, "StateEvents": None}}]
    state_ev = [
        {
            "event_signal": "irrigate",
            "event_state": "SM",
            "zero_condition": "falling",
            "name": "irr",
            "comment": "SM-triggered irrigation (cm)",
            "events_table": [
                {
                    irrigate["trigger_sm"]: {
                        "amount": irrigate["amount_mm"] / 10.0,
                        "efficiency": irrigate["efficiency"],
                    }
                }
            ],
        }
    ]
    # A campaign list with StateEvents must end with an empty trailing campaign.
    return [
        {sow: {"CropCalendar": cal, "TimedEvents": None, "StateEvents": state_ev}},
        {s["end_by"] + dt.timedelta(days=15): None},
    ]


def _season_result(out: list, summ: dict, s: dict, irrigate: dict | None) -> dict:
    alive = [o for o in out if o.get("DVS") is not None]
    crop_end = alive[-1]["day"]
    twso = float(summ["TWSO"] or 0.0)
    events = []
    if irrigate is not None:
        for o in out:
            rirr = o.get("RIRR")
            if rirr and rirr > 0 and o["day"] <= crop_end:
                events.append((o["day"], round(rirr / irrigate["efficiency"] * 10.0, 1)))
    day0 = s["sow"]
    n = (crop_end - day0).days + 1
    lai = np.zeros(n)
    sm = np.full(n, np.nan)
    rft = np.ones(n)
    for o in out:
        i = (o["day"] - day0).days
        if 0 <= i < n:
            if o.get("LAI") is not None:
                lai[i] = o["LAI"]
            if o.get("SM") is not None:
                sm[i] = o["SM"]
            if o.get("RFTRA") is not None:
                rft[i] = o["RFTRA"]
    sm = _ffill(sm)
    return {
        "crop_end": crop_end,
        "matured": summ.get("DOM") is not None,
        "twso": twso,
        "irrigation": events,
        "lai": lai,
        "sm": sm,
        "rftra": rft,
        "dvs_end": float(summ["DVS"] or 0.0),
    }


def _ffill(a: np.ndarray) -> np.ndarray:
    a = a.copy()
    last = np.nan
    for i in range(len(a)):
        if np.isnan(a[i]):
            a[i] = last
        else:
            last = a[i]
    first = np.where(~np.isnan(a))[0]
    if len(first):
        a[: first[0]] = a[first[0]]
    return a


def simulate_field(task: dict) -> dict:
    """Simulate all seasons of one field (in order) plus the truth runs for the current season."""
    logging.disable(logging.CRITICAL)
    soil = task["soil"]
    prev_harvest: dt.date | None = task["prev_harvest"]
    results = []
    for s0 in task["seasons"]:
        s = dict(s0)
        if s["crop"] == "winter_wheat":
            sow = s["sow_planned"]
            if prev_harvest is not None and sow <= prev_harvest + dt.timedelta(
                days=s["sow_gap_days"]
            ):
                sow = prev_harvest + dt.timedelta(days=s["sow_gap_days"])
            s["sow"] = sow
        else:
            s["sow"] = s["sow_planned"]
        site = dict(task["site"])
        site["WAV"] = round((soil["SMFCF"] - soil["SMW"]) * soil["RDMSOL"] * s["wav_frac"], 3)
        irr = task["irrigation"] if (s["crop"] == "grain_maize" and task["irrigated"]) else None
        cultivar = task.get("cultivars", {}).get(s["crop"])
        out, summ = _run(s["crop"], soil, site, _agro(s, s.get("n_total"), irr), cultivar)
        r = _season_result(out, summ, s, irr)
        r.update({k: s[k] for k in ("season", "crop", "variety", "sow")})
        r["n_total"] = s.get("n_total")
        r["n_dates"] = s.get("n_dates")
        r["n_shares"] = s.get("n_shares", N_SHARES)
        r["n_maize"] = s.get("n_maize")
        r["harvest"] = r["crop_end"] + dt.timedelta(days=s["harvest_lag_days"])
        prev_harvest = r["harvest"]
        if s["season"] == task["current_season"]:
            if s["crop"] == "winter_wheat":
                sweep = []
                for rate in task["sweep_rates"]:
                    _, sm_ = _run(s["crop"], soil, site, _agro(s, rate, None), cultivar)
                    sweep.append((rate, float(sm_["TWSO"] or 0.0)))
                r["sweep"] = sweep
            else:
                alt_irr = None if irr is not None else task["irrigation"]
                out2, summ2 = _run(s["crop"], soil, site, _agro(s, None, alt_irr), cultivar)
                r2 = _season_result(out2, summ2, s, alt_irr)
                if irr is not None:
                    r["irrigated_run"] = {"twso": r["twso"], "irrigation": r["irrigation"]}
                    r["rainfed_run"] = {"twso": r2["twso"]}
                else:
                    r["irrigated_run"] = {"twso": r2["twso"], "irrigation": r2["irrigation"]}
                    r["rainfed_run"] = {"twso": r["twso"]}
        results.append(r)
    return {"field_id": task["field_id"], "seasons": results}
