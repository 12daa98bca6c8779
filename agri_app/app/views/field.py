"""Field detail: canopy curves against past seasons, water, yield forecast and recommendations."""

import json

import altair as alt
import pandas as pd
import streamlit as st

from agri_app.app import advice_source, data, session
from agri_app.app.text import escape_markdown
from pipelines.agronomy.stages import stage_text

# One date format: "12 Jun 2025" in tooltips and text, "12 Jun" on time axes.
DATE_FORMAT = "%d %b %Y"
AXIS_DATE_FORMAT = "%d %b"
# Every time chart's y axis takes this width, so the plot areas (and their dates) line up.
Y_AXIS_PX = 56
CROP_COLOURS = ["#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#66a61e", "#a6761d"]
# One colour per season on every field: the year picks it from Tableau's ten.
SEASON_COLOURS = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)


def season_colour(season: object) -> str:
    return SEASON_COLOURS[int(str(season)) % len(SEASON_COLOURS)]


def _day(value: object) -> str:
    return f"{pd.Timestamp(str(value)):%d %b %Y}"


scope = session.require_scope()
fields = data.fields(scope)
if fields.empty:
    st.title("Field")
    st.info("No field to show: import a bundle with `agri import BUNDLE` or run `agri demo`.")
    st.stop()

ids = list(fields["field_id"])
names = dict(zip(ids, fields["field_id"] + " · " + fields["field_name"], strict=True))
if st.session_state.get("field_select") not in ids:
    wanted = st.query_params.get("field")
    st.session_state["field_select"] = wanted if wanted in ids else ids[0]
title = st.empty()
field_id = st.selectbox("Field", ids, format_func=names.__getitem__, key="field_select")
st.query_params["field"] = field_id
field = fields.set_index("field_id").loc[field_id]

title.title(f"{escape_markdown(field['field_name'])} ({escape_markdown(field_id)})")
crop = escape_markdown(field["crop"]) if pd.notna(field["crop"]) else "no crop recorded"
sown = f", sown {_day(field['sowing_date'])}" if pd.notna(field["sowing_date"]) else ""
season_text = f"season {field['season']:.0f}" if pd.notna(field["season"]) else "no season"
st.markdown(
    f"**{escape_markdown(field['farm_name'])}** · {crop} ({season_text}{sown}) · "
    f"{field['area_ha']:.1f} ha · {'irrigated' if field['irrigated'] else 'not irrigated'}"
)
stages = data.field_stages(scope).set_index("field_id")
stage = stages.loc[field_id] if field_id in stages.index else None
if stage is not None and stage["stage"] is not None:
    thermal = stage["thermal_time_degc_d"]
    since = f", {thermal:.0f} °C·d since sowing" if pd.notna(thermal) else ""
    st.markdown(
        f"**Growth stage:** {stage_text(stage['stage'], stage['stage_progress_pct'])}{since}",
        help="FAO-56 crop stages (initial, development, mid-season, late season) of the crop "
        "table, placed in thermal time: each ends where the station's typical weather reaches "
        "the stage's days from this sowing day; this season's own thermal time says where the "
        "crop is.",
    )

seasons = data.field_seasons(scope, field_id)
current_season = int(seasons["season"].max()) if not seasons.empty else None

# ---- recommendations and forecast
advice_source.refresh_banner(scope)
advice = advice_source.field_advice(scope)
row = None
if advice.table is not None:
    rows = advice.table[advice.table["field_id"] == field_id]
    row = rows.iloc[0].to_dict() if not rows.empty else None

st.header("Recommendations")
if advice.as_of is not None:
    st.caption(f"Advice as of {advice.as_of:%a %d %b %Y}, model {advice.model_version}")


def _num(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if pd.isna(number) else number


if row is None:
    st.info(advice.message or "No advice for this field on the latest date (no crop growing).")
else:
    status = str(row.get("status", "-"))
    colour = {"act": "red", "watch": "orange", "ok": "green"}.get(status, "gray")
    st.markdown(f"**Status:** :{colour}-badge[{status}]")
    cards = st.columns(3)
    p10, p50, p90 = (
        _num(row.get(k)) for k in ("yield_p10_t_ha", "yield_p50_t_ha", "yield_p90_t_ha")
    )
    field_mean = row.get("yield_source") == advice_source.FIELD_MEAN
    with cards[0].container(border=True):
        st.markdown("**Yield forecast**")
        if p50 is None:
            st.write("No forecast for this crop (no trained model).")
        else:
            st.metric(
                "P50",
                f"{p50:.1f} t/ha",
                help=f"At {_num(row.get('yield_moisture_pct')) or 0:.1f} % moisture.",
            )
            if field_mean:
                st.markdown(
                    ":orange-badge[No better than this field's average yet] at this stage of "
                    "the season the model did not beat the field's own mean on held-out "
                    "seasons, so this is the field's mean yield."
                )
            st.caption(f"80 % interval {p10 or float('nan'):.1f}–{p90 or float('nan'):.1f} t/ha")
    with cards[1].container(border=True):
        st.markdown("**Nitrogen**")
        nitrogen = advice_source.nitrogen_text(row)
        st.metric("Apply now", nitrogen.headline)
        if nitrogen.detail:
            st.caption(nitrogen.detail[0].upper() + nitrogen.detail[1:])
    with cards[2].container(border=True):
        st.markdown("**Irrigation**")
        mm = _num(row.get("irrigation_mm"))
        when = row.get("irrigation_date")
        st.metric("Irrigate", f"{mm:.0f} mm" if mm else "none due")
        if mm and pd.notna(when):
            st.caption(f"by {_day(when)}")
        stake = _num(row.get("irrigation_yield_at_stake_t_ha"))
        if stake is not None and mm:
            st.caption(f"Yield at stake {stake:.2f} t/ha")
    others = [
        r for r in advice_source.reason_list(row) if r != advice_source.nitrogen_text(row).detail
    ]
    if others:
        st.markdown("**Why**")
        st.markdown("\n".join(f"- {reason}" for reason in others))
    drivers = row.get("drivers")
    if isinstance(drivers, str) and drivers:
        st.markdown("**What drives the forecast** (effect on yield, t/ha)")
        st.markdown("\n".join(f"- {driver}" for driver in drivers.split("; ")))
    crop_rows = data.crops().set_index("crop_id")
    crop_row = crop_rows.loc[row["crop"]].to_dict() if row.get("crop") in crop_rows.index else None
    with st.expander("Assumptions behind this advice"):
        assumptions = advice_source.assumptions(row, crop_row, data.settings())
        st.dataframe(
            pd.DataFrame(assumptions, columns=["Assumption", "Value"]),
            hide_index=True,
            placeholder="-",
            key="assumptions",
        )
        st.caption(
            "Prices and caps come from the crop table (`crops.csv`) and the settings "
            "(AGRI_N_PRICE_EUR_PER_KG_N, AGRI_N_CAP_KG_HA, AGRI_IRRIGATION_*), as set now."
        )
    past = seasons.dropna(subset=["yield_t_ha"])
    if p50 is not None or not past.empty:
        forecast = pd.DataFrame(
            {
                "season": [str(row.get("season", current_season))],
                "crop": [str(field["crop"])],
                "p10": [p10],
                "p50": [p50],
                "p90": [p90],
            }
        )
        observed = (
            alt.Chart(past.assign(season=past["season"].astype(str)))
            .mark_point(size=80, filled=True)
            .encode(
                x=alt.X("season:O", title="Season", axis=alt.Axis(labelAngle=0)),
                y=alt.Y("yield_t_ha:Q", title="Yield (t/ha)", scale=alt.Scale(zero=False)),
                # Not blue: blue is this season's forecast.
                color=alt.Color(
                    "crop:N",
                    title="Crop",
                    legend=alt.Legend(orient="bottom"),
                    scale=alt.Scale(range=CROP_COLOURS),
                ),
                shape=alt.Shape("crop:N", title="Crop"),
                tooltip=[
                    alt.Tooltip("season:O", title="Season"),
                    alt.Tooltip("crop:N", title="Crop"),
                    alt.Tooltip("yield_t_ha:Q", format=".1f", title="Yield (t/ha)"),
                ],
            )
        )
        layers = [observed]
        if p50 is not None:
            layers = [
                alt.Chart(forecast)
                .mark_rule(strokeWidth=14, opacity=0.3, color="#1f77b4")
                .encode(x="season:O", y="p10:Q", y2="p90:Q"),
                alt.Chart(forecast)
                .mark_tick(thickness=3, size=22, color="#1f77b4")
                .encode(
                    x="season:O",
                    y="p50:Q",
                    tooltip=[
                        alt.Tooltip("crop:N", title="Crop"),
                        alt.Tooltip("p50:Q", format=".1f", title="P50 (t/ha)"),
                        alt.Tooltip("p10:Q", format=".1f", title="P10 (t/ha)"),
                        alt.Tooltip("p90:Q", format=".1f", title="P90 (t/ha)"),
                    ],
                ),
                observed,
            ]
        st.altair_chart(alt.layer(*layers).properties(height=240), key="yield_chart")
        st.caption(
            "Observed yields, coloured and shaped by crop; blue: this season's forecast "
            f"({crop}), P50 with its 80 % interval (P10–P90), t/ha at the crop's standard "
            "moisture."
            + (
                " The forecast is the field's mean: no better than this field's average."
                if field_mean
                else ""
            )
        )

# ---- canopy
st.header("Canopy: NDVI and NDRE by season")
satellite = data.field_satellite(scope, field_id)
if satellite.empty or seasons.empty:
    st.info(
        "No satellite observations for this field yet: run `agri satellite fetch` "
        "(needs Sentinel Hub credentials) or import a bundle with satellite.csv."
    )
else:
    index = st.radio("Index", ["NDVI", "NDRE"], horizontal=True, key="canopy_index")
    same_crop = st.checkbox(
        "Only past seasons of the same crop", value=True, key="canopy_same_crop"
    )
    obs = satellite.assign(date=pd.to_datetime(satellite["date"]))
    parts = []
    current_crop = seasons.loc[seasons["season"] == current_season, "crop_id"].iloc[0]
    for s in seasons.to_dict("records"):
        if same_crop and s["crop_id"] != current_crop:
            continue
        start = pd.Timestamp(str(s["sowing_date"]))
        harvest = s["harvest_date"]
        end = pd.Timestamp(str(harvest)) if pd.notna(harvest) else start + pd.Timedelta(days=365)
        part = obs[(obs["date"] >= start) & (obs["date"] <= end)].copy()
        part["season"] = str(s["season"])
        part["crop"] = str(s["crop_id"])
        part["days_since_sowing"] = (part["date"] - start).dt.days
        parts.append(part)
    parts = [p for p in parts if not p.empty]
    curves = pd.concat(parts) if parts else pd.DataFrame()
    if curves.empty:
        st.info("No satellite observation falls inside a season of this field.")
    else:
        column = "ndvi_mean" if index == "NDVI" else "ndre_mean"
        curves["current"] = curves["season"] == str(current_season)
        shown_seasons = sorted(curves["season"].unique())
        chart = (
            alt.Chart(curves)
            .mark_line(point=True)
            .encode(
                x=alt.X("days_since_sowing:Q", title="Days since sowing (d)"),
                y=alt.Y(f"{column}:Q", title=f"{index} (-)"),
                # One colour per season on every field: the colour is the year's.
                color=alt.Color(
                    "season:N",
                    title="Season",
                    scale=alt.Scale(
                        domain=shown_seasons, range=[season_colour(s) for s in shown_seasons]
                    ),
                    legend=alt.Legend(orient="bottom", columns=6),
                ),
                strokeWidth=alt.condition("datum.current", alt.value(3.5), alt.value(1.2)),
                tooltip=[
                    alt.Tooltip("season:N", title="Season"),
                    alt.Tooltip("crop:N", title="Crop"),
                    alt.Tooltip("date:T", format=DATE_FORMAT, title="Date"),
                    alt.Tooltip(f"{column}:Q", format=".3f", title=index),
                ],
            )
            .properties(height=280)
        )
        st.altair_chart(chart, key="canopy_chart")
        st.caption(
            f"Field-mean {index} per cloud-free observation; the current season "
            f"({current_season}) is drawn thick. Each season keeps its colour on every field."
        )

# ---- water
st.header("Water: root-zone depletion, rain and irrigation")
balance, balance_message = data.field_water_balance(scope, field_id)
sensors = data.field_sensors(scope, field_id)
domain: list[str] | None = None
if balance is None:
    st.info(balance_message)
else:
    season_label = int(balance["season"].iloc[0])
    balance = balance.assign(
        day=lambda t: t["is_forecast"].map({True: "forecast", False: "observed"})
    )
    first_day, last_day = balance["date"].min(), balance["date"].max()
    domain = [first_day.isoformat(), last_day.isoformat()]
    dates = alt.Scale(domain=domain)
    x_axis = alt.Axis(format=AXIS_DATE_FORMAT, labelAngle=0, labelOverlap=True)
    depletion = balance.melt(
        id_vars=["date", "day"],
        value_vars=["dr_mm", "raw_mm", "taw_mm"],
        var_name="quantity",
        value_name="mm",
    )
    depletion["quantity"] = depletion["quantity"].map(
        {
            "dr_mm": "Depletion",
            "raw_mm": "RAW: irrigate here",
            "taw_mm": "TAW: wilting point",
        }
    )
    y_axis = alt.Axis(minExtent=Y_AXIS_PX, maxExtent=Y_AXIS_PX)
    lines = (
        alt.Chart(depletion)
        .mark_line()
        .encode(
            x=alt.X("date:T", title=None, scale=dates, axis=x_axis),
            y=alt.Y(
                "mm:Q",
                title="Depletion (mm)",
                scale=alt.Scale(reverse=True),
                axis=y_axis,
            ),
            color=alt.Color(
                "quantity:N",
                title=None,
                legend=alt.Legend(orient="bottom", columns=2),
                scale=alt.Scale(
                    domain=["Depletion", "RAW: irrigate here", "TAW: wilting point"],
                    range=["#1f77b4", "#e6ab02", "#d6604d"],
                ),
            ),
            strokeDash=alt.condition(
                "datum.quantity == 'Depletion'", alt.value([1, 0]), alt.value([5, 3])
            ),
            tooltip=[
                alt.Tooltip("date:T", format=DATE_FORMAT, title="Date"),
                alt.Tooltip("day:N", title="Day"),
                alt.Tooltip("quantity:N", title="Line"),
                alt.Tooltip("mm:Q", format=".0f", title="mm"),
            ],
        )
    )
    forecast_days = balance[balance["is_forecast"]]
    shade = []
    if not forecast_days.empty:
        shade = [
            alt.Chart(
                pd.DataFrame(
                    {
                        "start": [forecast_days["date"].min().isoformat()],
                        "end": [last_day.isoformat()],
                        "label": ["forecast"],
                    }
                )
            )
            .mark_rect(color="#999999", opacity=0.15)
            .encode(x=alt.X("start:T", scale=dates), x2="end:T")
        ]
    assimilated = balance[balance["state_source"] == "sensor"]
    points = (
        alt.Chart(assimilated)
        .mark_circle(size=40, color="#111111")
        .encode(
            x=alt.X("date:T", scale=dates),
            y="dr_mm:Q",
            tooltip=[
                alt.Tooltip("date:T", format=DATE_FORMAT, title="Date"),
                alt.Tooltip("dr_mm:Q", format=".0f", title="Depletion from sensor (mm)"),
            ],
        )
    )
    water = balance.melt(
        id_vars=["date", "day"],
        value_vars=["rain_mm", "irrigation_mm"],
        var_name="kind",
        value_name="mm",
    )
    water = water[water["mm"] > 0].assign(
        kind=lambda t: (
            t["kind"].map({"rain_mm": "rain", "irrigation_mm": "irrigation"})
            + t["day"].map({"forecast": " (forecast)", "observed": ""})
        )
    )
    palette = {
        "rain": "#6baed6",
        "irrigation": "#08519c",
        "rain (forecast)": "#c6dbef",
        "irrigation (forecast)": "#9ecae1",
    }
    kinds = [kind for kind in palette if kind in set(water["kind"])] or ["rain"]
    bars = (
        alt.Chart(water)
        # Daily rules, not bars: bars a day wide merge into a block on a phone.
        .mark_rule(strokeWidth=2)
        .encode(
            x=alt.X("date:T", title=None, scale=dates, axis=x_axis),
            y=alt.Y("mm:Q", title="Water (mm/d)", axis=y_axis),
            y2=alt.datum(0),
            color=alt.Color(
                "kind:N",
                title=None,
                legend=alt.Legend(orient="bottom", columns=2),
                scale=alt.Scale(domain=kinds, range=[palette[kind] for kind in kinds]),
            ),
            tooltip=[
                alt.Tooltip("date:T", format=DATE_FORMAT, title="Date"),
                alt.Tooltip("kind:N", title="Water"),
                alt.Tooltip("mm:Q", format=".1f", title="mm"),
            ],
        )
    )
    st.altair_chart(alt.layer(*shade, lines, points).properties(height=260), key="water_chart")
    st.altair_chart(alt.layer(*shade, bars).properties(height=200), key="rain_chart")
    forecast_text = (
        f" Shaded: the {len(forecast_days)} forecast days (to {_day(last_day)})."
        if not forecast_days.empty
        else " No stored forecast for the field's station: `agri weather forecast`."
    )
    st.caption(
        f"FAO-56 soil water balance of season {season_label}: irrigation is due when the "
        "depletion (down) reaches RAW; beyond TAW the crop has no water left. Black points: "
        "days corrected by a soil-moisture sensor." + forecast_text
    )
    if row is not None and pd.notna(row.get("reaches_raw_date")):
        st.caption(f"Forecast: depletion reaches RAW on {_day(row.get('reaches_raw_date'))}.")
vwc = sensors[sensors["variable"] == "vwc_m3_m3"] if not sensors.empty else sensors
if not vwc.empty and domain is not None:
    # The same days as the water balance above: the two time axes line up.
    vwc = vwc[
        (pd.to_datetime(vwc["date"]) >= pd.Timestamp(domain[0]))
        & (pd.to_datetime(vwc["date"]) <= pd.Timestamp(domain[1]))
    ]
if vwc.empty:
    st.caption(
        "No soil-moisture sensor readings on this field in this season (upload them on "
        "*Upload sensor logs*)."
    )
else:
    readings = (
        alt.Chart(vwc.assign(depth=vwc["depth_cm"].map("{:.0f} cm".format)))
        .mark_circle(size=30)
        .encode(
            x=alt.X(
                "date:T",
                title=None,
                scale=alt.Scale(domain=domain) if domain else alt.Undefined,
                axis=alt.Axis(format=AXIS_DATE_FORMAT, labelAngle=0, labelOverlap=True),
            ),
            y=alt.Y(
                "value:Q",
                title="Soil water (m³/m³)",
                axis=alt.Axis(minExtent=Y_AXIS_PX, maxExtent=Y_AXIS_PX),
                scale=alt.Scale(zero=False),
            ),
            color=alt.Color("depth:N", title="Depth", legend=alt.Legend(orient="bottom")),
            tooltip=[
                alt.Tooltip("date:T", format=DATE_FORMAT, title="Date"),
                alt.Tooltip("depth:N", title="Depth"),
                alt.Tooltip("value:Q", format=".3f", title="m³/m³"),
            ],
        )
        .properties(height=200)
    )
    st.altair_chart(readings, key="sensor_chart")
    st.caption("Daily mean of the sensor readings per depth, on the water balance's days.")

# ---- map
st.header("Field map")
boundary = json.loads(str(field["boundary_geojson"]))
# Vega draws spherical polygons (d3-geo), where an anticlockwise ring (GeoJSON's right-hand
# rule) means "everything but the field": hand it the rings clockwise.
rings = boundary["coordinates"]
shoelace = sum(
    x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(rings[0][:-1], rings[0][1:], strict=True)
)
if shoelace > 0:
    boundary = {**boundary, "coordinates": [ring[::-1] for ring in rings]}
# An SVG geoshape, not a WebGL map: one polygon needs no tiles and draws at once.
outline = (
    alt.Chart(alt.Data(values=[{"type": "Feature", "geometry": boundary, "properties": {}}]))
    .mark_geoshape(fill="#4d9221", fillOpacity=0.45, stroke="#282828", strokeWidth=2)
    .project(type="mercator")
    .properties(height=260)
)
st.altair_chart(outline, key="field_map")
st.caption(
    f"Boundary of {escape_markdown(field_id)} ({field['area_ha']:.1f} ha). NDVI imagery of the "
    "field needs Sentinel Hub credentials (SH_CLIENT_ID, SH_CLIENT_SECRET, then "
    "`agri satellite fetch`); without them the map shows the boundary only."
)
