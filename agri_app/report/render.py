"""HTML (Jinja2) and PDF (WeasyPrint) of the weekly report.

Numbers are formatted here, once: a missing value prints as an en dash, never NaN or None. The
PDF carries fixed metadata (title, author, dates from the report's week) so that two runs on the
same data give the same content.
"""

from __future__ import annotations

import math
from pathlib import Path

import jinja2
import pandas as pd

from agri_app.report import charts
from agri_app.report.build import (
    NDVI_NOISE,
    WEATHER_PERIOD_DAYS,
    FarmReport,
    ReportWeek,
    plural,
)

TEMPLATES = Path(__file__).parent / "templates"
DASH = "–"


def _num(value: object, spec: str = ".1f", unit: str = "", sign: bool = False) -> str:
    if value is None or value is pd.NaT:
        return DASH
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return DASH
    if math.isnan(number) or math.isinf(number):
        return DASH
    text = format(number, ("+" if sign else "") + spec)
    if text[0] in "+-" and float(text) == 0.0:  # no "-0" or "+0.0": a zero has no sign
        text = ("±" if sign or spec.startswith("+") else "") + text[1:]
    return f"{text} {unit}".rstrip() if unit else text


def _gain(value: object) -> str:
    """An expected gain in t/ha; a gain that rounds to zero reads "< 0.01 t/ha", not "0.00"."""
    text = _num(value, "+.2f", "t/ha")
    return "< 0.01 t/ha" if text.startswith("±") else text


def _day(value: object, spec: str = "%a %d %b") -> str:
    if value is None or value is pd.NaT:
        return DASH
    try:
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return DASH
    return DASH if pd.isna(stamp) else stamp.strftime(spec)


def _text(value: object) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return DASH
    return str(value).replace("_", " ")


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = _num
    env.filters["day"] = _day
    env.filters["gain"] = _gain
    env.filters["text"] = _text
    env.filters["plural"] = lambda n, word: plural(int(n), word)
    return env


def _idle_groups(actions: pd.DataFrame) -> list[tuple[str, list[str]]]:
    """(reason, fields) of the fields with nothing to do, one line per reason."""
    idle = actions[actions["kind"] == "nothing"]
    return [
        (str(reason), sorted(group["field_id"].astype(str)))
        for reason, group in idle.groupby("reason", sort=True)
    ]


def _rows(frame: pd.DataFrame) -> list[dict[str, object]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict(orient="records")]


def farm_html(report: FarmReport) -> str:
    return (
        environment()
        .get_template("farm.html")
        .render(
            r=report,
            week=report.week,
            actions=_rows(report.actions),
            idle=_idle_groups(report.actions),
            weather=_rows(report.weather),
            condition=_rows(report.condition),
            outlook=_rows(report.outlook),
            water=_rows(report.water),
            quality=_rows(report.quality),
            freshness=_rows(report.freshness),
            outlook_chart=charts.outlook_chart(report.outlook),
            weather_chart=charts.weather_chart(report.weather),
            weather_days=WEATHER_PERIOD_DAYS,
            ndvi_noise=NDVI_NOISE,
        )
    )


def cooperative_html(
    cooperative_id: str,
    cooperative_name: str,
    week: ReportWeek,
    actions: pd.DataFrame,
    outlook: pd.DataFrame,
    quality: pd.DataFrame,
) -> str:
    return (
        environment()
        .get_template("cooperative.html")
        .render(
            cooperative_id=cooperative_id,
            cooperative_name=cooperative_name,
            week=week,
            actions=_rows(actions),
            outlook=_rows(outlook),
            quality=_rows(quality),
        )
    )


def pdf_bytes(html: str, week: ReportWeek) -> bytes:
    """The PDF of `html`; its dates are the issue date so that it does not change run to run."""
    import weasyprint  # imported late: loading pango takes a moment

    stamp = week.issued.strftime("%Y-%m-%dT00:00:00Z")
    fixed = html.replace(
        "<head>",
        f'<head><meta name="dcterms.created" content="{stamp}">'
        f'<meta name="dcterms.modified" content="{stamp}">',
        1,
    )
    document = weasyprint.HTML(string=fixed, base_url=str(TEMPLATES))
    return bytes(document.write_pdf(identifier=week.label.encode("ascii")))
