"""Weekly reports recorded for the farms (and cooperative) the user may see, to download."""

from pathlib import Path

import streamlit as st

from agri_app.app import data, session

DOWNLOADS = (("pdf", "PDF", "application/pdf"), ("html", "HTML", "text/html"))

scope = session.require_scope()
st.title("Reports")
reports = data.reports(scope)

if reports.empty:
    st.info(
        "No weekly report yet for your farms. Reports are written on the command line with "
        "`agri report weekly --week YYYY-Www`"
        + ("; ask your cooperative's agronomist or admin to run it." if scope.farm_ids else ".")
    )
for row in reports.to_dict("records"):
    week = row["week"]
    owner = (
        f"{row['owner_name']} (cooperative summary)"
        if row["owner_kind"] == "cooperative"
        else str(row["owner_name"])
    )
    cols = st.columns([2, 4, 2, 2, 2])
    cols[0].markdown(f"**{week}**")
    cols[1].markdown(owner)
    cols[2].caption(f"issued {row['issued_date']:%Y-%m-%d}")
    missing = []
    for i, (kind, label, mime) in enumerate(DOWNLOADS):
        path: Path | None = row["paths"].get(kind)
        if path is None or not path.is_file():
            if kind in row["files"]:
                missing.append(label)
            continue
        cols[3 + i].download_button(
            label,
            path.read_bytes,  # read when clicked, not for every row on every rerun
            file_name=path.name,
            mime=mime,
            key=f"report_{week}_{row['owner_kind']}_{row['owner_id']}_{kind}",
        )
    if missing:
        st.warning(
            f"The {' and '.join(missing)} of {owner}, {week} is missing from the workspace's "
            f"reports folder; regenerate it with `agri report weekly --week {week}`."
        )
