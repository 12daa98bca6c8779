"""Upload sensor logs: preview with the detected format and units, import, then the report;
and the device registry: what is registered, and (admin, agronomist) registering a device."""

import datetime as dt
import hashlib

import pandas as pd
import streamlit as st

from agri_app.app import advice_source, data, session
from pipelines.sources.sensors.detect import read_log
from pipelines.sources.sensors.ingest import ingest_file
from pipelines.sources.sensors.text import decode_log
from pipelines.store import devices as registry
from pipelines.store import queries
from pipelines.store.access import AccessError
from pipelines.tables import InputError

# Canonical units of the long-form variables (ARCHITECTURE.md: units live in names).
UNITS = {
    "vwc_m3_m3": "m³/m³",
    "soil_temp_degc": "°C",
    "ec_ds_m": "dS/m",
    "precip_mm": "mm",
    "air_temp_degc": "°C",
}

NOT_REGISTERED = "not in the device registry"
REGISTRATION_KEY = "device_registration"
# The registration form's labels of the registry's columns, for its error messages.
FORM_LABELS = {
    "device_id": "Device id",
    "port": "Port",
    "field_id": "Field",
    "depth_cm": "Depth",
    "timezone": "Logger clock",
    "installed_date": "Installed on",
    "removed_date": "Removed on",
    "sensor_model": "Sensor model",
}

scope = session.require_scope()
can_register = scope.role in registry.REGISTRAR_ROLES
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


def _bullets(problems: list[str]) -> str:
    """Each problem once, one per line."""
    return "\n".join(f"- {p}" for p in dict.fromkeys(problems))


def _registry_hint(problems: list[str]) -> str:
    """What to do when readings belong to no registered device."""
    if not any(NOT_REGISTERED in p for p in problems):
        return ""
    if can_register:
        return (
            " Register the device under **Register a device** below: the readings it refused "
            "are then read again from the upload."
        )
    return " Ask an admin or agronomist of your cooperative to register the device."


def _register_device_form() -> None:
    """The registration form; every change goes through `pipelines.store.devices`."""
    fields = data.fields(scope)
    if fields.empty:
        st.info("The cooperative has no fields yet: import its bundle first (`agri import`).")
        return
    names = dict(zip(fields["field_id"], fields["field_name"], strict=True))
    clock_default = registry.cooperative_clock(data.engine(), scope.cooperative_id)
    with st.form("register_device"):
        st.markdown("Which logger port is in which field, at which depth, from which day.")
        left, right = st.columns(2)
        device_id = left.text_input(
            "Device id", key="device_id", help="The logger's serial as in its exports."
        )
        port = right.number_input(
            "Port", min_value=0, max_value=1000, value=1, step=1, key="device_port",
            help="The logger port the probe is plugged into (0: a weather station).",
        )  # fmt: skip
        field_id = left.selectbox(
            "Field",
            list(names),
            format_func=lambda f: f"{f} · {names[f]}",
            key="device_field",
        )
        depth_cm = right.number_input(
            "Depth (cm)", min_value=0.0, max_value=300.0, value=10.0, step=5.0,
            key="device_depth", help="Below the surface, in centimetres (0: a weather station).",
        )  # fmt: skip
        clock = left.text_input(
            "Logger clock",
            value=clock_default,
            key="device_clock",
            help="The time zone of the logger's clock: an IANA zone such as Europe/Amsterdam "
            "for a logger that follows daylight saving time, or a fixed offset for one kept "
            "on standard time all year.",
        )
        installed = right.date_input(
            "Installed on", value=dt.date.today(), key="device_installed",
            help="The first day the probe was in the soil.",
        )  # fmt: skip
        model = left.text_input("Sensor model (optional)", key="device_model")
        submitted = st.form_submit_button("Register", key="register_device_button", type="primary")
    if not submitted:
        return
    if not device_id.strip():
        st.error("Enter the device id: the logger's serial as it appears in its exports.")
        return
    installation = registry.Installation(
        device_id=device_id.strip(),
        port=int(port),
        field_id=str(field_id),
        depth_cm=float(depth_cm),
        timezone=clock.strip(),
        installed_date=installed if isinstance(installed, dt.date) else dt.date.today(),
        sensor_model=model.strip() or None,
    )
    try:
        change = registry.add_installation(
            data.engine(), scope.cooperative_id, installation, scope=scope
        )
    except InputError as exc:
        st.error(
            "The device was not registered:\n\n"
            + _bullets(
                [
                    f"**{FORM_LABELS.get(p.column, p.column)}**: {p.message}"
                    if p.column
                    else p.message
                    for p in exc.problems
                ]
            )
        )
        return
    except AccessError as exc:
        st.error(str(exc))
        return
    result: dict[str, list[str]] = {"success": [], "info": [], "captions": [], "warnings": []}
    if change.added:
        result["success"].append(f"Registered {change.added[0].describe()}.")
    elif change.updated:
        result["success"].append(f"Updated {change.updated[0].describe()}.")
    else:
        result["info"].append("This installation is already registered as given: nothing changed.")
    result["captions"] += change.notes
    if change.reprocess:
        with st.spinner("Deriving the device's readings again from their uploads …"):
            done = registry.rederive_readings(
                data.engine(), data.settings().workspace, change, by=scope.username
            )
        result["captions"] += [report.summary_line() for report in done.reports]
        result["warnings"] += [
            f"The readings of device {device} were not derived again: {why}"
            for device, why in done.failed
        ]
        # The last import's report is superseded: its readings were just read again.
        st.session_state.pop("last_import", None)
    if change.changed:
        data.fields.clear()
        data.field_sensors.clear()
        advice_source.start_refresh(scope, "device registration")
    # Run the page again, so the import report and the registry table above show the change.
    st.session_state[REGISTRATION_KEY] = result
    st.rerun()


def _show_registration() -> None:
    """What the last registration did (kept over the rerun it asked for), shown once."""
    result = st.session_state.pop(REGISTRATION_KEY, None)
    if result is None:
        return
    for text in result["success"]:
        st.success(text)
    for text in result["info"]:
        st.info(text)
    for text in result["captions"]:
        st.caption(text)
    for text in result["warnings"]:
        st.warning(text)


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
                "The device registry cannot be used:\n\n"
                + _bullets([str(p) for p in exc.problems])
                + "\n\n"
                + (
                    "Correct the device under **Register a device** below."
                    if can_register
                    else "Ask an admin or agronomist of your cooperative to correct it."
                )
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
        problems = list(report["problems"] or ["no readable readings"])
        hint = _registry_hint(problems) or " Fix the file and upload it again."
        st.error("The file was rejected:\n\n" + _bullets(problems) + "\n\n" + hint.strip())
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
    for warning in report.get("warnings", []):
        st.warning(warning)
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
            if report["status"] != "rejected":
                hint = _registry_hint([str(r) for r in rejected["reason"]])
                if hint:
                    st.info("Some readings belong to no registered device." + hint)

st.subheader("Devices")
# The form comes first, so the table below already shows what it registered.
if can_register:
    with st.expander("Register a device", expanded=True):
        _show_registration()
        _register_device_form()
else:
    st.caption("An admin or agronomist of your cooperative registers devices.")
registered = queries.scoped_devices(data.engine(), scope)
if registered.empty:
    st.info("No device is registered on your fields yet.")
else:
    st.dataframe(
        registered.sort_values(["device_id", "port", "installed_date"]).rename(
            columns={
                "device_id": "Device",
                "port": "Port",
                "field_id": "Field",
                "depth_cm": "Depth (cm)",
                "sensor_model": "Model",
                "timezone": "Clock",
                "installed_date": "Installed",
                "removed_date": "Removed",
            }
        ),
        hide_index=True,
        key="devices_table",
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
