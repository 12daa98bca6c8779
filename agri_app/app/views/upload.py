"""Upload sensor logs: preview with the detected format and units, import, then the report."""

import hashlib

import pandas as pd
import streamlit as st

from agri_app.app import advice_source, data, session
from pipelines.sources.sensors.detect import read_log
from pipelines.sources.sensors.ingest import ingest_file
from pipelines.sources.sensors.text import decode_log
from pipelines.store import queries
from pipelines.tables import InputError

# Canonical units of the long-form variables (ARCHITECTURE.md: units live in names).
UNITS = {
    "vwc_m3_m3": "m³/m³",
    "soil_temp_degc": "°C",
    "ec_ds_m": "dS/m",
    "precip_mm": "mm",
    "air_temp_degc": "°C",
}

scope = session.require_scope()
st.title("Upload sensor logs")
st.caption(
    "Formats: ZENTRA, Sentek, Davis, and the long format (docs/sensor-formats.md). "
    "Readings are accepted only for devices installed on fields you may see."
)


@st.cache_data(show_spinner=False, max_entries=8)
def preview(raw: bytes, name: str) -> tuple[str, pd.DataFrame, list[str]]:
    """(detected format, first readings, problems) without writing anything."""
    try:
        parsed = read_log(decode_log(raw, name))
    except InputError as exc:
        return "unreadable", pd.DataFrame(), [str(p) for p in exc.problems]
    r = parsed.readings
    n = min(len(r), 200)
    table = pd.DataFrame(
        {
            "device_id": pd.Series(r.device_id[:n], dtype=str),
            "port": r.port[:n],
            "depth (cm)": r.depth_cm[:n],
            "variable": pd.Series(r.variable[:n], dtype=str),
            "value": r.value[:n],
            "ts (UTC)": pd.to_datetime(r.ts[:n], unit="s", utc=True),
        }
    )
    table["unit"] = table["variable"].map(UNITS).fillna("–")
    return parsed.format, table, [f"line {x.line}: {x.reason}" for x in parsed.rejected[:20]]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


uploaded = st.file_uploader(
    "Sensor log", type=["csv", "txt", "dat", "tsv"], key="sensor_file", accept_multiple_files=False
)
if uploaded is None:
    st.info("Choose a sensor log file to see a preview before importing it.")
else:
    raw = uploaded.getvalue()
    fmt, table, problems = preview(raw, uploaded.name)
    st.subheader("Preview")
    c1, c2, c3 = st.columns(3)
    c1.metric("Detected format", fmt)
    c2.metric("Size", f"{len(raw) / 1024:.1f} kB")
    c3.metric("Readings in preview", f"{len(table)}")
    variables = sorted(set(table["variable"])) if not table.empty else []
    st.markdown(
        "**Variables and units:** "
        + (", ".join(f"{v} ({UNITS.get(v, '–')})" for v in variables) or "none found")
    )
    if problems:
        st.warning("Problems found while reading:\n\n" + "\n".join(f"- {p}" for p in problems))
    if not table.empty:
        st.dataframe(table, hide_index=True, key="preview_table")
    sha = hashlib.sha256(raw).hexdigest()
    if st.button("Import", key="import_button", type="primary"):
        devices = queries.scoped_devices(data.engine(), scope)
        try:
            report = ingest_file(
                data.engine(),
                data.settings().workspace,
                raw,
                file_name=uploaded.name,
                uploaded_by=scope.username,
                devices=devices,
            )
        except InputError as exc:
            st.error(
                "The device registry cannot be used: "
                + "; ".join(str(p) for p in exc.problems)
                + ". Ask an admin to register the devices (sensors/devices.csv of a bundle)."
            )
        else:
            st.session_state["last_import"] = (sha, report.to_dict())
            # The fields' data freshness and sensor charts changed; stored advice is refreshed
            # in the background for the fields whose inputs changed (never on page load).
            data.fields.clear()
            data.field_sensors.clear()
            if report.accepted:
                advice_source.start_refresh(scope, "upload")

last = st.session_state.get("last_import")
if last is not None:
    report = last[1]
    st.subheader(f"Import report: {report['file_name']}")
    if report["status"] == "rejected":
        st.error(
            "The file was rejected: "
            + "; ".join(report["problems"] or ["no readable readings"])
            + ". Fix the file and upload it again."
        )
    else:
        st.success(
            f"Imported as {report['format']}: {report['accepted']} accepted, "
            f"{report['duplicate']} duplicate, {report['rejected']} rejected, "
            f"{report['flagged']} flagged."
        )
    m = st.columns(4)
    m[0].metric("Accepted", _count(report["accepted"], "reading"))
    m[1].metric("Duplicate", _count(report["duplicate"], "reading"))
    m[2].metric("Rejected", _count(report["rejected"], "row"))
    m[3].metric("Flagged", _count(report["flagged"], "reading"))
    for note in report.get("notes", []):
        st.caption(note)
    if report.get("upload_id") is not None:
        rejected = queries.scoped_quarantine(data.engine(), scope, int(report["upload_id"]))
        if not rejected.empty:
            st.download_button(
                f"Download the rejected {_count(len(rejected), 'row')} with reasons (CSV)",
                rejected.to_csv(index=False).encode(),
                file_name=f"rejected_{report['upload_id']}.csv",
                mime="text/csv",
                key="download_rejected",
            )

st.subheader("Past uploads")
uploads = data.uploads(scope)
if uploads.empty:
    st.info("No sensor log uploaded yet.")
else:
    st.dataframe(
        uploads.rename(
            columns={
                "upload_id": "Upload",
                "uploaded_at": "Uploaded at (UTC)",
                "uploaded_by": "By",
                "file_name": "File",
                "format": "Format",
                "status": "Status",
                "accepted": "Accepted (readings)",
                "duplicate": "Duplicate (readings)",
                "rejected": "Rejected (rows)",
                "flagged": "Flagged (readings)",
                "message": "Message",
            }
        ),
        hide_index=True,
        key="uploads_table",
    )
