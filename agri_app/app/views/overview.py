"""Cooperative overview: what the workspace holds."""

import altair as alt
import streamlit as st

from agri_app.app import data

st.title("Cooperative")
coops = data.cooperatives()
if coops.empty:
    st.info(
        "The workspace is empty. Import a farm data bundle with `agri import BUNDLE`, "
        "or run `agri demo` to load the sample cooperative."
    )
    st.stop()

for coop in coops.to_dict("records"):
    st.subheader(coop["cooperative_name"])
    c1, c2, c3 = st.columns(3)
    c1.metric("Farms", f"{coop['farms'] or 0:.0f}")
    c2.metric("Fields", f"{coop['fields'] or 0:.0f}")
    c3.metric("Data until", str(coop["data_until"] or "–"))

st.caption(
    "Yield forecasts and recommendations are not built in this version: the app shows the "
    "imported data only."
)

st.subheader("Fields")
fields = data.fields()
st.dataframe(
    fields.rename(
        columns={
            "farm_name": "Farm",
            "field_id": "Field",
            "field_name": "Name",
            "area_ha": "Area (ha)",
            "irrigated": "Irrigated",
            "awc_mm": "Soil water capacity (mm)",
            "season": "Latest season",
            "crop": "Crop",
            "sowing_date": "Sown",
        }
    ),
    hide_index=True,
    column_config={
        "Area (ha)": st.column_config.NumberColumn(format="%.1f"),
        "Soil water capacity (mm)": st.column_config.NumberColumn(format="%.0f"),
        "Latest season": st.column_config.NumberColumn(format="%d"),
    },
    key="fields_table",
)

st.subheader("Observed yields by season")
yields = data.yields()
if yields.empty:
    st.info("No harvested season with a recorded yield yet.")
else:
    chart = (
        alt.Chart(yields)
        .mark_boxplot(extent="min-max")
        .encode(
            x=alt.X("season:O", title="Season (harvest year)"),
            y=alt.Y("yield_t_ha:Q", title="Yield (t/ha at standard moisture)"),
            color=alt.Color("crop:N", title="Crop"),
            xOffset="crop:N",
        )
    )
    st.altair_chart(chart, key="yield_chart")
