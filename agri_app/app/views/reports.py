"""Reports: the weekly reports the user may open, previewed and downloaded. Admins and
agronomists generate a week here with the same code as `agri report weekly`; members see only
their farms' reports."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from agri_app.app import data, session
from agri_app.app.text import escape_markdown
from agri_app.report import build

# The files people open; the JSON next to them holds last week's numbers for the next report.
DOWNLOADS = (("pdf", "PDF", "application/pdf"), ("html", "HTML", "text/html"))
WEEKS_OFFERED = 12

scope = session.require_scope()
manages = scope.role in ("admin", "agronomist")
st.title("Reports")
until = data.cooperative(scope)["data_until"]
reference = pd.Timestamp(str(until)) if until else None
latest = build.latest_week(reference) if reference is not None else None


def _generate(week: build.ReportWeek) -> None:
    """Write every farm's report of `week` and the summary, as `agri report weekly` does."""
    from agri_app.cli_report import write_reports
    from models.registry import ModelNotFoundError, ModelRegistry
    from pipelines.store.loader import load_workspace

    settings = data.settings()
    try:
        ModelRegistry(settings.workspace.models_dir).latest()
    except ModelNotFoundError:
        st.error("No trained model yet: run `agri train`, then generate the report.")
        return
    bar = st.progress(0.0, text=f"Loading the data of {week.label} …")

    def progress(done: int, total: int, step: str) -> None:
        # The step names a farm: user text, and the bar's text is Markdown.
        text = f"{week.label}: {escape_markdown(step)} ({done} of {total} steps)"
        bar.progress(done / total, text=text)

    engine = data.engine()
    workspace = load_workspace(engine, scope.cooperative_id)
    written = write_reports(settings, engine, workspace, week, progress=progress)
    reports = len(written.seconds_per_farm)
    st.success(
        f"Wrote the reports of {week.label}: {build.plural(reports, 'farm')} and the "
        "cooperative summary. They are listed below."
    )


if manages:
    with st.expander("Generate a weekly report", expanded=False):
        if reference is None or latest is None:
            st.info("No data imported yet: import a bundle first with `agri import BUNDLE`.")
        else:
            weeks = build.weeks_with_data(reference, WEEKS_OFFERED)
            chosen = st.selectbox(
                "Week",
                [w.label for w in weeks],
                format_func=lambda label: (
                    f"{label} ({build.parse_week(label).start:%d %b} – "
                    f"{build.parse_week(label).end:%d %b %Y})"
                ),
                key="report_week",
            )
            st.caption(
                f"The data run to {reference:%d %b %Y}, so {latest.label} is the latest week "
                "with data. A report covers Monday to Sunday and gives the advice of the Monday "
                "after. Same as `agri report weekly --week "
                f"{chosen}` on the command line."
            )
            if st.button("Generate", key="report_generate", type="primary"):
                _generate(build.parse_week(str(chosen)))

reports = data.reports(scope)
if reports.empty:
    if manages:
        hint = (
            f" The latest week with data is {latest.label}: generate it above, or run "
            f"`agri report weekly --week {latest.label}`."
            if latest is not None
            else ""
        )
        st.info(f"No weekly report yet.{hint}")
    else:
        st.info(
            "No weekly report for your farm yet. Your cooperative's agronomist writes them each "
            "week; they appear here."
        )
    st.stop()


def _owner(row: Mapping[Hashable, Any]) -> str:
    name = escape_markdown(row["owner_name"])
    return f"{name} (cooperative summary)" if row["owner_kind"] == "cooperative" else name


rows = reports.to_dict("records")
for row in rows:
    week = row["week"]
    owner = _owner(row)
    # One line of text and the two buttons side by side: it reads the same on a phone.
    st.markdown(f"**{week}** · {owner} · issued {row['issued_date']:%d %b %Y}")
    cols = st.columns(2, width=240)
    missing = []
    for i, (kind, label, mime) in enumerate(DOWNLOADS):
        path: Path | None = row["paths"].get(kind)
        if path is None or not path.is_file():
            if kind in row["files"]:
                missing.append(label)
            continue
        cols[i].download_button(
            label,
            path.read_bytes,  # read when clicked, not for every row on every rerun
            file_name=path.name,
            mime=mime,
            key=f"report_{week}_{row['owner_kind']}_{row['owner_id']}_{kind}",
        )
    if missing:
        again = (
            f"generate it again above or with `agri report weekly --week {week}`"
            if manages
            else "ask your cooperative's agronomist to generate it again"
        )
        st.warning(
            f"The {' and '.join(missing)} of {owner}, {week} is missing from the workspace's "
            f"reports folder; {again}."
        )

st.subheader("Preview")


def _html(row: Mapping[Hashable, Any]) -> Path | None:
    paths = row["paths"]
    assert isinstance(paths, dict)
    path = paths.get("html")
    return path if isinstance(path, Path) and path.is_file() else None


previewable = [i for i, row in enumerate(rows) if _html(row) is not None]
if not previewable:
    st.caption("No report file to preview.")
else:
    shown = st.selectbox(
        "Report",
        previewable,
        format_func=lambda i: f"{rows[i]['week']} · {rows[i]['owner_name']}",
        key="report_preview",
    )
    path = _html(rows[int(shown)])
    assert path is not None
    # The report's own HTML (Jinja2 autoescapes every name in it), in an iframe so that its
    # styles stay inside the preview.
    st.iframe(path.read_text(encoding="utf-8"), height=900)
