"""Cooperative / farm overview: the map of fields by advice status, the field table, counts."""

import json
import math

import pandas as pd
import pydeck as pdk
import streamlit as st

from agri_app.app import advice_source, data, pages, session

# RGBA per advice status; grey when there is no forecast.
STATUS_COLOURS = {
    "act": [214, 96, 77, 190],
    "watch": [230, 171, 2, 180],
    "ok": [77, 146, 33, 170],
    "no forecast": [150, 150, 150, 150],
}
STATUS_TEXT = {
    "act": "act",
    "watch": "watch",
    "ok": "ok",
    "no-season": "no forecast",
    "no-model": "no forecast",
}

scope = session.require_scope()
coop = data.cooperative(scope)
st.title(str(coop["cooperative_name"]))
fields = data.fields(scope)
if fields.empty:
    st.info(
        "No field to show. The workspace is empty or none of its farms is yours: import a farm "
        "data bundle with `agri import BUNDLE`, run `agri demo` to load the sample cooperative, "
        "or ask an admin to add your farm to your account (`agri users add --replace`)."
    )
    st.stop()

advice_source.refresh_banner(scope)
advice = advice_source.field_advice(scope)
if advice.as_of is not None:
    st.caption(f"Advice as of {advice.as_of:%a %d %b %Y}, model {advice.model_version}")
table = fields.copy()
if advice.table is not None and not advice.table.empty:
    a = advice.table.drop_duplicates("field_id").set_index("field_id")
    table = table.join(
        pd.DataFrame(
            {
                "yield_p10_t_ha": advice_source.column(a, "yield_p10_t_ha"),
                "yield_p50_t_ha": advice_source.column(a, "yield_p50_t_ha"),
                "yield_p90_t_ha": advice_source.column(a, "yield_p90_t_ha"),
                "yield_source": advice_source.column(a, "yield_source"),
                "n_to_apply_kg_ha": advice_source.column(a, "n_rate_now_kg_ha"),
                "irrigation_due_mm": advice_source.column(a, "irrigation_mm"),
                "irrigation_date": advice_source.column(a, "irrigation_date"),
                "status": advice_source.column(a, "status"),
            }
        ),
        on="field_id",
    )
    table["status"] = table["status"].map(STATUS_TEXT)
else:
    for name in ("yield_p10_t_ha", "yield_p50_t_ha", "yield_p90_t_ha"):
        table[name] = float("nan")
    table["yield_source"] = None
    table["n_to_apply_kg_ha"] = float("nan")
    table["irrigation_due_mm"] = float("nan")
    table["irrigation_date"] = None
    table["status"] = "no forecast"
table["status"] = table["status"].fillna("no forecast")

c1, c2, c3, c4 = st.columns(4)
c1.metric("Farms", f"{coop['farms']}")
c2.metric("Fields", f"{len(table)}")
c3.metric("Area", f"{table['area_ha'].sum():,.1f} ha")
if advice.available:
    c4.metric("Fields needing action this week", f"{int((table['status'] == 'act').sum())}")
else:
    c4.metric("Fields needing action this week", "–")
    st.info(advice.message)
st.caption(
    f"Data until {coop['data_until'] or '–'} · signed in as {scope.role} of {scope.cooperative_id}"
)


@st.cache_data(ttl=60)
def polygons(boundaries: tuple[str, ...]) -> list[list[list[float]]]:
    return [json.loads(b)["coordinates"][0] for b in boundaries]


rings = polygons(tuple(table["boundary_geojson"]))
map_rows = pd.DataFrame(
    {
        "polygon": rings,
        "field": table["field_id"] + " · " + table["field_name"],
        "crop": table["crop"].fillna("–"),
        "status": table["status"],
        "colour": [STATUS_COLOURS.get(s, STATUS_COLOURS["no forecast"]) for s in table["status"]],
    }
)
lons = [p[0] for ring in rings for p in ring]
lats = [p[1] for ring in rings for p in ring]
# deck.gl's zoom: 512 px cover 360° of longitude at zoom 0; fit the fields with a margin into a
# map about 700 px wide and 360 px high (latitudes stretch by 1/cos(lat) in Web Mercator).
centre_lat = (min(lats) + max(lats)) / 2
lon_span = max(max(lons) - min(lons), 0.002) * 1.3
lat_span = max(max(lats) - min(lats), 0.002) * 1.3 / math.cos(math.radians(centre_lat))
zoom = min(math.log2(360 * 700 / (512 * lon_span)), math.log2(360 * 360 / (512 * lat_span)))
view = pdk.ViewState(
    longitude=(min(lons) + max(lons)) / 2,
    latitude=centre_lat,
    zoom=max(1.0, min(16.0, zoom)),
)
layer = pdk.Layer(
    "PolygonLayer",
    map_rows,
    get_polygon="polygon",
    get_fill_color="colour",
    get_line_color=[40, 40, 40, 220],
    line_width_min_pixels=1,
    pickable=True,
)
st.subheader("Fields by advice status")
st.pydeck_chart(
    pdk.Deck(
        layers=[layer],
        initial_view_state=view,
        map_style=None,  # no basemap: no tile server needed, works offline
        tooltip={"text": "{field}\n{crop}\n{status}"},
    ),
    height=360,
    key="field_map",
)
st.caption(
    "Red: act this week · amber: watch · green: nothing to do · grey: no forecast "
    "(no crop growing, or no trained model: run `agri train`)."
)

st.subheader("Fields")
shown = pd.DataFrame(
    {
        "Farm": table["farm_name"],
        "Field": table["field_id"],
        "Name": table["field_name"],
        "Status": table["status"],
        "Crop": table["crop"],
        "Area (ha)": table["area_ha"],
        "Yield P10 (t/ha)": table["yield_p10_t_ha"],
        "Yield P50 (t/ha)": table["yield_p50_t_ha"],
        "Yield P90 (t/ha)": table["yield_p90_t_ha"],
        # "field mean" where the model is no better than the field's average yet.
        "Yield from": table["yield_source"],
        "N to apply (kg N/ha)": table["n_to_apply_kg_ha"],
        "Irrigation due (mm)": table["irrigation_due_mm"],
        "Irrigate by": pd.to_datetime(table["irrigation_date"]),
        "Last satellite": pd.to_datetime(table["last_satellite"]),
        "Last sensor reading": table["last_sensor"].dt.tz_localize(None),
    }
)
number = st.column_config.NumberColumn
forecast_columns = [
    "Yield P10 (t/ha)",
    "Yield P50 (t/ha)",
    "Yield P90 (t/ha)",
    "Yield from",
    "N to apply (kg N/ha)",
    "Irrigation due (mm)",
    "Irrigate by",
]
if not advice.available:
    # Columns of nothing but blanks would read as zeros at a glance: leave them out.
    shown = shown.drop(columns=forecast_columns)
st.dataframe(
    shown,
    hide_index=True,
    column_config={
        "Area (ha)": number(format="%.1f"),
        "Yield P10 (t/ha)": number(format="%.1f"),
        "Yield P50 (t/ha)": number(format="%.1f"),
        "Yield P90 (t/ha)": number(format="%.1f"),
        "N to apply (kg N/ha)": number(format="%.0f"),
        "Irrigation due (mm)": number(format="%.0f"),
        "Irrigate by": st.column_config.DateColumn(format="YYYY-MM-DD"),
        "Last satellite": st.column_config.DateColumn(format="YYYY-MM-DD"),
        "Last sensor reading": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
    },
    key="fields_table",
)
if not advice.available:
    st.caption(
        "Yield forecast (P10–P90, t/ha), N to apply (kg N/ha) and irrigation due (mm) appear "
        "here once a model is trained: run `agri train`."
    )
st.caption(
    "Yield from: the model, or the field's own mean where the model is no better than the "
    "field's average yet at this stage of the season. Click a column header to sort. Empty "
    "cells: no forecast or no data yet."
)

names = table["field_id"] + " · " + table["field_name"]
labels = dict(zip(table["field_id"], names, strict=True))
chosen = st.selectbox(
    "Open a field", list(labels), format_func=labels.__getitem__, key="open_field"
)
if st.button("Open field", key="open_field_button"):
    st.session_state["field_select"] = chosen
    st.switch_page(pages.field())
