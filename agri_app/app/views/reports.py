"""Weekly reports generated so far (of the farms the user may see), to open or download."""

import importlib
from datetime import UTC, datetime

import streamlit as st

from agri_app.app import data, session

scope = session.require_scope()
st.title("Reports")
reports = data.reports(scope)

generator = None
for module_name in ("agri_app.reports", "agri_app.report"):
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        continue
    generator = getattr(module, "write_weekly_reports", None) or getattr(
        module, "weekly_report", None
    )
    if generator is not None:
        break
week = datetime.now(UTC).strftime("%G-W%V")
if generator is None:
    st.info(
        f"Reports are generated on the command line with `agri report weekly --week {week}`; "
        "generating them from this page is not available in this version. The reports in the "
        "workspace's reports/ folder are listed here."
    )
elif scope.role == "member":
    st.caption("Ask your cooperative's agronomist or admin to generate this week's report.")
elif st.button(f"Generate the report of week {week}", key="generate_report"):
    try:
        generator(data.engine(), data.settings().workspace, week)
    except Exception as exc:  # the page must not crash on a failing generator
        st.error(f"The report could not be generated ({exc}); run `agri report weekly`.")
    else:
        st.success(f"Report of week {week} written.")
        reports = data.reports(scope)

if not reports:
    st.info("No weekly report yet for your farms.")
for i, path in enumerate(reports):
    modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    cols = st.columns([4, 2, 2])
    cols[0].markdown(f"**{path.name}**")
    cols[1].caption(f"{path.stat().st_size / 1024:.1f} kB · {modified:%Y-%m-%d %H:%M} UTC")
    mime = {".html": "text/html", ".pdf": "application/pdf"}.get(path.suffix, "text/plain")
    cols[2].download_button(
        "Download", path.read_bytes(), file_name=path.name, mime=mime, key=f"report_{i}"
    )
