"""Cooperative / farm overview: the map of fields by advice status, the field table, counts."""

import json
import math

import pandas as pd
import pydeck as pdk
import streamlit as st

from agri_app.app import advice_source, data, overview_table, pages, session
from agri_app.app.text import escape_markdown
from pipelines.store.access import Scope

# RGBA per advice status, as in the legend above the map; grey: no forecast.
STATUS_COLOURS = {
    "act": [214, 39, 40, 200],
    "watch": [255, 140, 0, 190],
    "ok": [44, 160, 44, 180],
    "no forecast": [170, 170, 170, 160],
}

scope = session.require_scope()
coop = data.cooperative(scope)
fields = data.fields(scope)
if scope.role == "member" and not fields.empty:
    # A member's page is their farm's: its name as the title, the cooperative under it.
    st.title(", ".join(escape_markdown(n) for n in dict.fromkeys(fields["farm_name"])))
    st.caption(f"Member of {escape_markdown(coop['cooperative_name'])}")
else:
    st.title(escape_markdown(coop["cooperative_name"]))
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


@st.cache_data(ttl=60, show_spinner=False)
def field_table(scope: Scope, advice_run: tuple[object, ...]) -> tuple[pd.DataFrame, bytes]:
    """The overview's table and its CSV, built once per scope and stored advice run (a
    1,000-field table takes a few tenths of a second; reruns reuse it)."""
    table = overview_table.field_table(
        data.fields(scope), advice_source.field_advice(scope).table, data.field_stages(scope)
    )
    return table, overview_table.csv_bytes(table)


table, table_csv = field_table(
    scope, (advice.as_of, advice.created_at, advice.model_version, advice.message)
)

c1, c2, c3, c4 = st.columns(4)
c1.metric("Farms", f"{coop['farms']}")
c2.metric("Fields", f"{len(table)}")
c3.metric("Area", f"{fields['area_ha'].sum():,.1f} ha")
if advice.available:
    c4.metric("Fields to act on this week", f"{int((table['status_key'] == 'act').sum())}")
else:
    c4.metric("Fields to act on this week", "-")
    st.info(advice.message)
until = f"{pd.Timestamp(str(coop['data_until'])):%d %b %Y}" if coop["data_until"] else "-"
st.caption(
    f"Data until {until} · signed in as {scope.role} of {escape_markdown(scope.cooperative_id)}"
)


@st.cache_data(ttl=60)
def polygons(boundaries: tuple[str, ...]) -> list[list[list[float]]]:
    return [json.loads(b)["coordinates"][0] for b in boundaries]


rings = polygons(tuple(fields["boundary_geojson"]))
map_rows = pd.DataFrame(
    {
        "polygon": rings,
        "field": fields["field_name"] + " (" + fields["field_id"] + ")",
        "crop": fields["crop"].fillna("no crop").to_numpy(),
        "stage": table["Stage"].to_numpy(),
        "status": [overview_table.STATUS_MEANING[s] for s in table["status_key"]],
        "todo": table["To do this week"].to_numpy() if advice.available else "-",
        "colour": [STATUS_COLOURS[s] for s in table["status_key"]],
    }
)
lons = [p[0] for ring in rings for p in ring]
lats = [p[1] for ring in rings for p in ring]
# deck.gl's zoom: 512 px cover 360° of longitude at zoom 0. Fit the fields with a margin into
# 340 x 340 px, what a phone's column shows, so no field is cut off on any screen (latitudes
# stretch by 1/cos(lat) in Web Mercator).
centre_lat = (min(lats) + max(lats)) / 2
lon_span = max(max(lons) - min(lons), 0.002) * 1.15
lat_span = max(max(lats) - min(lats), 0.002) * 1.15 / math.cos(math.radians(centre_lat))
zoom = min(math.log2(360 * 340 / (512 * lon_span)), math.log2(360 * 340 / (512 * lat_span)))
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
counts = table["status_key"].value_counts()
# The legend: the map's own colours, with how many fields each (the tooltip says more).
LEGEND = {
    "act": "act this week",
    "watch": "watch",
    "ok": "nothing to do",
    "no forecast": "no forecast",
}
legend = " &nbsp; ".join(
    f'<span style="white-space:nowrap"><span style="display:inline-block;width:0.9em;'
    f"height:0.9em;border:1px solid #282828;vertical-align:-0.1em;background:rgba({r},{g},{b},"
    f'{a / 255:.2f})"></span> {LEGEND[status]} ({int(counts.get(status, 0))})</span>'
    for status, (r, g, b, a) in STATUS_COLOURS.items()
)
st.markdown(legend, unsafe_allow_html=True)
st.pydeck_chart(
    pdk.Deck(
        layers=[layer],
        initial_view_state=view,
        map_style=None,  # no basemap: no tile server needed, works offline
        tooltip={"text": "{field}\n{crop}: {stage}\n{status}\nTo do: {todo}"},
    ),
    height=360,
    key="field_map",
)
st.caption(
    "Act this week: N or irrigation is due. Watch: water runs short soon, or the forecast is "
    "uncertain. No forecast: no crop growing, or no trained model (run `agri train`). Touch or "
    "point at a field for what to do; open it below."
)

st.subheader("Fields")
shown = table.drop(columns=["status_key"])
number = st.column_config.NumberColumn
text = st.column_config.TextColumn
st.dataframe(
    shown,
    hide_index=True,
    placeholder="-",
    column_config={
        "Field": text(pinned=True),
        "To do this week": text(width="medium"),
        "Status": text(
            help="act: N or irrigation due this week; watch: water runs short soon, or the "
            "forecast is uncertain; ok: nothing to do; no forecast: no crop growing or no model"
        ),
        "Stage": text(
            width="medium",
            help="FAO-56 crop stage from the thermal time since sowing (share of the thermal "
            "time to maturity)",
        ),
        "Yield P50 (t/ha)": number(format="%.1f", help="Median yield forecast"),
        "Yield from": text(
            help="model, or field mean: the forecast is no better than this field's average "
            "yet at this stage of the season, so the field's mean yield is shown"
        ),
        "Yield P10–P90 (t/ha)": text(help="80 % interval of the yield forecast"),
        "N now (kg N/ha)": number(format="%d"),
        "Irrigation (mm)": number(format="%d", help="Irrigation due within the forecast"),
        "Irrigate by": st.column_config.DateColumn(format="D MMM YYYY"),
        "Area (ha)": number(format="%.1f"),
        "Last satellite": st.column_config.DateColumn(format="D MMM YYYY"),
        "Last sensor (UTC)": st.column_config.DateColumn(format="D MMM YYYY"),
    },
    key="fields_table",
)
st.download_button(
    "Download the table (CSV)",
    table_csv,
    file_name=f"fields_{coop['data_until'] or 'latest'}.csv",
    mime="text/csv",
    on_click="ignore",
    key="fields_csv",
)
if not advice.available:
    st.caption(
        "Yield forecast (P10–P90, t/ha), N to apply (kg N/ha) and irrigation due (mm) appear "
        "here once a model is trained: run `agri train`."
    )
else:
    st.caption(
        "Yield from: the model, or the field's own mean where the model is no better than "
        "this field's average yet at this stage of the season. Click a column header to sort; "
        "-: no forecast or no data yet."
    )

names = fields["field_id"] + " · " + fields["field_name"]
labels = dict(zip(fields["field_id"], names, strict=True))
chosen = st.selectbox(
    "Open a field", list(labels), format_func=labels.__getitem__, key="open_field"
)
if st.button("Open field", key="open_field_button"):
    st.session_state["field_select"] = chosen
    st.switch_page(pages.field())
