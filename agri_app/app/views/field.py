"""Field detail: canopy curves against past seasons, water, yield forecast and recommendations."""

import json

import altair as alt
import pandas as pd
import streamlit as st

from agri_app.app import advice_source, data, session

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

title.title(f"{field['field_name']} ({field_id})")
crop = str(field["crop"]) if pd.notna(field["crop"]) else "no crop recorded"
sown = f", sown {field['sowing_date']}" if pd.notna(field["sowing_date"]) else ""
season_text = f"season {field['season']:.0f}" if pd.notna(field["season"]) else "no season"
st.markdown(
    f"**{field['farm_name']}** · {crop} ({season_text}{sown}) · {field['area_ha']:.1f} ha · "
    f"{'irrigated' if field['irrigated'] else 'not irrigated'}"
)

seasons = data.field_seasons(scope, field_id)
current_season = int(seasons["season"].max()) if not seasons.empty else None

# ---- recommendations and forecast
advice_source.refresh_banner(scope)
advice = advice_source.field_advice(scope)
row = None
if advice.table is not None:
    rows = advice.table[advice.table["field_id"] == field_id]
    row = rows.iloc[0] if not rows.empty else None

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
    status = str(row.get("status", "–"))
    colour = {"act": "red", "watch": "orange", "ok": "green"}.get(status, "gray")
    st.markdown(f"**Status:** :{colour}-badge[{status}]")
    cards = st.columns(3)
    p10, p50, p90 = (
        _num(row.get(k)) for k in ("yield_p10_t_ha", "yield_p50_t_ha", "yield_p90_t_ha")
    )
    with cards[0].container(border=True):
        st.markdown("**Yield forecast**")
        if p50 is None:
            st.write("No forecast for this crop (no trained model).")
        else:
            st.metric("P50", f"{p50:.1f} t/ha", help="At the crop's standard moisture.")
            st.caption(f"80 % interval {p10 or float('nan'):.1f}–{p90 or float('nan'):.1f} t/ha")
            if row.get("yield_source") == "field mean":
                st.caption(
                    "No better than this field's average yet: at this stage of the season the "
                    "model did not beat the field's own mean on held-out seasons, so this is "
                    "the field's mean yield, with the spread of that mean's past misses."
                )
    with cards[1].container(border=True):
        st.markdown("**Nitrogen**")
        rate = _num(row.get("n_rate_now_kg_ha"))
        gain = _num(row.get("n_expected_gain_t_ha"))
        st.metric("Apply now", f"{rate:.0f} kg N/ha" if rate is not None else "–")
        total = _num(row.get("n_total_recommended_kg_ha"))
        if total is not None:
            st.caption(f"Season total recommended {total:.0f} kg N/ha")
        if gain is not None:
            st.caption(f"Expected gain {gain:.2f} t/ha")
    with cards[2].container(border=True):
        st.markdown("**Irrigation**")
        mm = _num(row.get("irrigation_mm"))
        when = row.get("irrigation_date")
        st.metric("Irrigate", f"{mm:.0f} mm" if mm else "none due")
        if mm and pd.notna(when):
            st.caption(f"by {pd.Timestamp(when):%Y-%m-%d}")
        stake = _num(row.get("irrigation_yield_at_stake_t_ha"))
        if stake is not None:
            st.caption(f"Yield at stake {stake:.2f} t/ha")
    reasons = row.get("reasons")
    if isinstance(reasons, str) and reasons:
        st.markdown("**Why**")
        for reason in reasons.split(" | "):
            # The drivers are listed on their own below.
            reason = reason.split("; drivers:")[0]
            if not reason.startswith("drivers:"):
                st.markdown(f"- {reason}")
    drivers = row.get("drivers")
    if isinstance(drivers, str) and drivers:
        st.markdown("**What drives the forecast** (effect on yield, t/ha)")
        for driver in drivers.split("; "):
            st.markdown(f"- {driver}")
    if p50 is not None:
        past = seasons.dropna(subset=["yield_t_ha"])
        forecast = pd.DataFrame(
            {
                "season": [str(row.get("season", current_season))],
                "p10": [p10],
                "p50": [p50],
                "p90": [p90],
            }
        )
        observed = (
            alt.Chart(past.assign(season=past["season"].astype(str)))
            .mark_circle(size=70, color="#555555")
            .encode(
                x=alt.X("season:O", title="Season"),
                y=alt.Y("yield_t_ha:Q", title="Yield (t/ha)", scale=alt.Scale(zero=False)),
                tooltip=["season", "crop", alt.Tooltip("yield_t_ha:Q", format=".1f")],
            )
        )
        band = (
            alt.Chart(forecast)
            .mark_rule(strokeWidth=14, opacity=0.35, color="#1f77b4")
            .encode(x="season:O", y="p10:Q", y2="p90:Q")
        )
        median = (
            alt.Chart(forecast)
            .mark_tick(thickness=3, size=22, color="#1f77b4")
            .encode(x="season:O", y="p50:Q")
        )
        st.altair_chart(alt.layer(band, median, observed).properties(height=220), key="yield_chart")
        st.caption(
            "Grey: the field's observed yields; blue: this season's forecast, P50 with its "
            "80 % interval (P10–P90), t/ha at the crop's standard moisture."
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
        part["days_since_sowing"] = (part["date"] - start).dt.days
        parts.append(part)
    parts = [p for p in parts if not p.empty]
    curves = pd.concat(parts) if parts else pd.DataFrame()
    if curves.empty:
        st.info("No satellite observation falls inside a season of this field.")
    else:
        column = "ndvi_mean" if index == "NDVI" else "ndre_mean"
        curves["current"] = curves["season"] == str(current_season)
        chart = (
            alt.Chart(curves)
            .mark_line(point=True)
            .encode(
                x=alt.X("days_since_sowing:Q", title="Days since sowing (d)"),
                y=alt.Y(f"{column}:Q", title=f"{index} (–)"),
                color=alt.Color("season:N", title="Season"),
                strokeWidth=alt.condition("datum.current", alt.value(3.5), alt.value(1.2)),
                tooltip=["season", "date:T", alt.Tooltip(f"{column}:Q", format=".3f")],
            )
        )
        st.altair_chart(chart, key="canopy_chart")
        st.caption(
            f"Field-mean {index} per cloud-free observation; the current season is drawn thick."
        )

# ---- water
st.header("Water: root-zone depletion, rain and irrigation")
balance, balance_message = data.field_water_balance(scope, field_id)
sensors = data.field_sensors(scope, field_id)
if balance is None:
    st.info(balance_message)
else:
    season_label = int(balance["season"].iloc[0])
    depletion = balance.melt(
        id_vars=["date"],
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
    dates = alt.Scale(domain=[balance["date"].min().isoformat(), balance["date"].max().isoformat()])
    lines = (
        alt.Chart(depletion)
        .mark_line()
        .encode(
            x=alt.X("date:T", title=None, scale=dates),
            y=alt.Y("mm:Q", title="Root-zone depletion (mm)", scale=alt.Scale(reverse=True)),
            color=alt.Color(
                "quantity:N",
                title=None,
                legend=alt.Legend(orient="bottom"),
                scale=alt.Scale(
                    domain=["Depletion", "RAW: irrigate here", "TAW: wilting point"],
                    range=["#1f77b4", "#e6ab02", "#d6604d"],
                ),
            ),
            strokeDash=alt.condition(
                "datum.quantity == 'Depletion'", alt.value([1, 0]), alt.value([5, 3])
            ),
            tooltip=["date:T", "quantity", alt.Tooltip("mm:Q", format=".0f")],
        )
    )
    assimilated = balance[balance["state_source"] == "sensor"]
    points = (
        alt.Chart(assimilated)
        .mark_circle(size=40, color="#111111")
        .encode(
            x="date:T",
            y="dr_mm:Q",
            tooltip=["date:T", alt.Tooltip("dr_mm:Q", format=".0f", title="Dr from sensor (mm)")],
        )
    )
    water = balance.melt(
        id_vars=["date"], value_vars=["rain_mm", "irrigation_mm"], var_name="kind", value_name="mm"
    )
    water = water[water["mm"] > 0].assign(
        kind=lambda t: t["kind"].map({"rain_mm": "rain", "irrigation_mm": "irrigation"})
    )
    bars = (
        alt.Chart(water)
        .mark_bar()
        .encode(
            x=alt.X("date:T", title="Date", scale=dates),
            y=alt.Y("mm:Q", title="Water (mm/day)"),
            color=alt.Color(
                "kind:N",
                title=None,
                scale=alt.Scale(domain=["rain", "irrigation"], range=["#6baed6", "#08519c"]),
            ),
            tooltip=["date:T", "kind", alt.Tooltip("mm:Q", format=".1f")],
        )
    )
    st.altair_chart(alt.layer(lines, points).properties(height=260), key="water_chart")
    st.altair_chart(bars, height=180, key="rain_chart")
    st.caption(
        f"FAO-56 soil water balance of season {season_label}: irrigation is due when the "
        "depletion (down) reaches RAW; beyond TAW the crop has no water left. Black points: "
        "days corrected by a soil-moisture sensor."
    )
    if row is not None and pd.notna(row.get("reaches_raw_date")):
        st.caption(f"Forecast: depletion reaches RAW on {row.get('reaches_raw_date')}.")
vwc = sensors[sensors["variable"] == "vwc_m3_m3"] if not sensors.empty else sensors
if vwc.empty:
    st.caption(
        "No soil-moisture sensor readings on this field (upload them on *Upload sensor logs*)."
    )
else:
    readings = (
        alt.Chart(vwc.assign(depth=vwc["depth_cm"].map("{:.0f} cm".format)))
        .mark_circle(size=30)
        .encode(
            x=alt.X("date:T", title="Date"),
            y=alt.Y("value:Q", title="Soil water content (m³/m³)"),
            color=alt.Color("depth:N", title="Depth"),
            tooltip=["date:T", "depth", alt.Tooltip("value:Q", format=".3f")],
        )
        .properties(height=200)
    )
    st.altair_chart(readings, key="sensor_chart")
    st.caption("Daily mean of the sensor readings per depth.")

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
    f"Boundary of {field_id} ({field['area_ha']:.1f} ha). NDVI imagery of the field needs "
    "Sentinel Hub credentials (SH_CLIENT_ID, SH_CLIENT_SECRET, then `agri satellite fetch`); "
    "without them the map shows the boundary only."
)
