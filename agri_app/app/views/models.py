"""Models: how good the yield forecast is, in an agronomist's words. Every figure is measured on
seasons (or farms) the model did not see; the developer's tables stay under "Technical details"."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from agri_app.app import data, session
from agri_app.app.text import escape_markdown

session.require_scope()
st.title("Models")
versions = data.model_versions()
if not versions:
    st.info(
        "No trained model in this workspace yet: run `agri train` (it prints held-out skill "
        "against the baselines), then reload this page."
    )
    st.stop()


def _trained(meta: dict[str, Any]) -> pd.Timestamp | None:
    for key in ("created_utc", "created_at", "trained_at"):
        value = meta.get(key)
        if value:
            try:
                return pd.Timestamp(str(value))
            except ValueError:
                continue
    return None


def _version_label(version: str) -> str:
    trained = _trained(dict(versions)[version])
    return f"trained {trained:%d %b %Y %H:%M} UTC" if trained is not None else version


def _crop(name: object) -> str:
    return str(name).replace("_", " ").capitalize()


labels = [v for v, _ in versions]
chosen = st.selectbox(
    "Model", labels, format_func=_version_label, key="model_version", help="Newest first."
)
meta: dict[str, Any] = dict(versions)[chosen]
if "error" in meta:
    st.error(f"{meta['error']}; retrain with `agri train`.")
    st.stop()

trained = _trained(meta)
crops = meta.get("crops") or {}
seasons = sorted({int(s) for c in crops.values() for s in c.get("training_seasons") or []})
c1, c2 = st.columns(2)
c1.metric("Trained", f"{trained:%d %b %Y}" if trained is not None else "-")
c2.metric("Seasons learned from", f"{seasons[0]}–{seasons[-1]}" if seasons else "-")
if crops:
    st.caption("Crops: " + escape_markdown(", ".join(_crop(c) for c in crops)))


def _stage(point: object) -> str:
    return str(point)  # "25 %" of the season's thermal time, or "harvest"


def _verdict(serves: str, skill: float) -> str:
    if serves == "field mean":
        return "no better than the field's average yet: the average is served"
    return f"better than the field's own average by {round(100 * skill)} %"


def skill_rows(table: pd.DataFrame, raw: pd.DataFrame) -> pd.DataFrame:
    """The served-skill table of `models.evaluate.held_out_skill` in words, one row per crop and
    stage: what is served and how it compares, its typical error in t/ha, how often the 80 %
    range held the yield."""
    rmse = {
        (str(r["crop"]), str(r["forecast_point"])): (
            float(r.get("model_rmse_t_ha", float("nan"))),
            float(r.get("field_mean_rmse_t_ha", float("nan"))),
        )
        for r in raw.to_dict(orient="records")
    }
    rows = []
    for r in table.to_dict(orient="records"):
        crop, point, serves = str(r["crop"]), str(r["forecast_point"]), str(r["serves"])
        model_rmse, mean_rmse = rmse.get((crop, point), (float("nan"), float("nan")))
        error = model_rmse if serves == "model" else mean_rmse
        rows.append(
            {
                "crop": crop,
                "Stage": _stage(point),
                "Forecast served": _verdict(serves, float(r["skill_vs_field_mean"])),
                "Typical error": f"{error:.1f} t/ha",
                "80 % range held": f"{100 * float(r['served_coverage_p10_p90']):.0f} %",
            }
        )
    return pd.DataFrame(rows)


def show_skill(rows: pd.DataFrame) -> None:
    for crop, group in rows.groupby("crop", sort=True):
        st.markdown(f"**{escape_markdown(_crop(crop))}**")
        # A static table: its cells wrap, so every column stays on a 390 px screen.
        st.table(group.drop(columns="crop"), hide_index=True)


metrics = meta.get("metrics") or {}
try:
    from models.evaluate import held_out_skill

    served = held_out_skill(meta)
except (KeyError, ValueError, TypeError) as exc:
    served = {}
    st.warning(f"This model's skill tables cannot be read ({exc}); retrain with `agri train`.")
min_skill = float((meta.get("settings") or {}).get("min_skill_vs_field_mean", 0.15))

st.subheader("How good is the yield forecast?")
season_table = served.get("leave_one_season_out", pd.DataFrame())
if season_table.empty:
    st.info("This model's metadata holds no skill table; retrain with `agri train`.")
else:
    show_skill(skill_rows(season_table, pd.DataFrame(metrics.get("skill") or [])))
    st.caption(
        "Measured on past seasons the model did not see when it was trained (each season in "
        "turn held out). Stage: how far the crop is through its season in thermal time "
        "(25 %: a quarter of the way from sowing to maturity). "
        "Forecast served: \"better than the field's own average by 25 %\" means the model's "
        "typical error is 25 % smaller than that of forecasting the field's own past mean "
        f"yield. Where the model is not at least {round(100 * min_skill)} % better, the app "
        "serves the field's average instead and says so next to the number. Typical error: "
        "the root-mean-square error of what is served, in t/ha at the crop's standard "
        "moisture. 80 % range held: how often the harvested yield fell inside the forecast's "
        "80 % range (about 80 % is right; much less means the range is too narrow)."
    )

farm_table = served.get("leave_farm_out", pd.DataFrame())
if not farm_table.empty:
    with st.expander("On farms the model has not seen"):
        show_skill(skill_rows(farm_table, pd.DataFrame(metrics.get("skill_leave_farm_out") or [])))
        st.caption(
            "Each farm forecast by a model trained on the other farms' fields in the same "
            "seasons: how the forecast would do on a farm that joins the cooperative."
        )

importance = pd.DataFrame(metrics.get("feature_importance") or [])
if not importance.empty and {"crop", "feature", "gain_share"} <= set(importance.columns):
    from models.explain import WORDING

    st.subheader("What the forecast looks at most")
    for crop, group in importance.groupby("crop", sort=True):
        top = group.nlargest(8, "gain_share")
        st.markdown(f"**{escape_markdown(_crop(crop))}**")
        st.dataframe(
            pd.DataFrame(
                {
                    "What": [
                        WORDING[f].label if f in WORDING else f.replace("_", " ")
                        for f in top["feature"]
                    ],
                    "Share (%)": 100 * top["gain_share"].astype(float),
                }
            ),
            hide_index=True,
            column_config={
                "What": st.column_config.TextColumn("What", width="medium"),
                "Share (%)": st.column_config.ProgressColumn(
                    "Share of the model's splits (%)", format="%.0f", min_value=0, max_value=100
                ),
            },
            key=f"importance_{crop}",
        )
    st.caption(
        "The share of each input in the model's decisions (LightGBM split gain), largest first. "
        "A large share says the model leans on it, not that it raises or lowers the yield."
    )

with st.expander("Technical details"):
    data_hash = str(meta.get("training_data_sha256") or "-")
    st.text(f"Version {chosen}\nTraining data SHA-256 {data_hash}")
    st.json(meta, expanded=False)
