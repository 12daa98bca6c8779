"""The weekly report: the numbers of each section (unit tests) and `agri report weekly` end to
end on a slice of the sample cooperative (HTML structure, PDF text, determinism, a page PNG)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from agri_app.advice_service import stored_advice
from agri_app.cli import app as cli_app
from agri_app.cli_models import models_app
from agri_app.cli_report import report_app
from agri_app.report import build
from agri_app.report.build import (
    CANOPY_NOT_ESTABLISHED,
    FarmReport,
    condition_class,
    crop_condition,
    field_actions,
    latest_week,
    parse_week,
    plural,
    weather_summary,
    yield_outlook,
)
from agri_app.report.render import _gain, _num, cooperative_html, farm_html
from agri_app.settings import Settings
from pipelines.sources.bundle import read_bundle
from pipelines.store import storage
from pipelines.store.reports import scoped_reports
from tests.agri_app.test_advice import sample_slice

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
WEEK = "2026-W21"  # issued Monday 2026-05-25, the sample's reference date
SECTIONS = ("header", "actions", "conditions", "outlook", "water", "quality")


def test_parse_week_covers_monday_to_sunday_and_is_issued_the_monday_after() -> None:
    week = parse_week("2026-W21")
    assert week.start == pd.Timestamp("2026-05-18")
    assert week.end == pd.Timestamp("2026-05-24")
    assert week.issued == pd.Timestamp("2026-05-25")
    assert week.previous == "2026-W20"
    assert parse_week("2021-W01").start == pd.Timestamp("2021-01-04")


@pytest.mark.parametrize("text", ["2026-21", "2026-W54", "W21", "2026-05-25"])
def test_parse_week_names_the_format(text: str) -> None:
    with pytest.raises(ValueError, match="write YYYY-Www"):
        parse_week(text)


@pytest.mark.parametrize(
    ("change_pct", "ndvi", "expected"),
    [
        (12.0, 0.7, "good"),
        (5.0, 0.7, "good"),
        (0.0, 0.7, "normal"),
        (-10.0, 0.7, "below normal"),
        (-20.0, 0.5, "poor"),
        (float("nan"), 0.5, "no past seasons"),
        (float("nan"), float("nan"), "no recent image"),
    ],
)
def test_condition_class(change_pct: float, ndvi: float, expected: str) -> None:
    assert condition_class(change_pct, ndvi) == expected


@pytest.mark.parametrize(
    ("value", "spec", "unit", "sign", "expected"),
    [
        (float("nan"), ".1f", "t/ha", False, "–"),
        (None, ".1f", "", False, "–"),
        (pd.NaT, ".1f", "", False, "–"),
        (3.14159, ".1f", "t/ha", False, "3.1 t/ha"),
        (0.04, "+.1f", "t/ha", False, "±0.0 t/ha"),
        (0.24, "+.1f", "t/ha", False, "+0.2 t/ha"),
        (-0.01, ".0f", "%", False, "0 %"),
        (-0.01, ".0f", "%", True, "±0 %"),
    ],
)
def test_numbers_never_print_nan(
    value: object, spec: str, unit: str, sign: bool, expected: str
) -> None:
    assert _num(value, spec, unit, sign) == expected


@pytest.mark.parametrize(
    ("gain", "expected"), [(1.234, "+1.23 t/ha"), (0.001, "< 0.01 t/ha"), (float("nan"), "–")]
)
def test_a_gain_that_rounds_to_zero_is_not_printed_as_zero(gain: float, expected: str) -> None:
    assert _gain(gain) == expected


def test_the_outlook_carries_where_each_forecast_comes_from() -> None:
    advice = pd.DataFrame(
        {
            "field_id": ["A1", "A2", "B1"],
            "season": [2026, 2026, 2026],
            "crop": ["winter_wheat", "grain_maize", "winter_wheat"],
            "yield_p10_t_ha": [9.0, 7.0, 8.0],
            "yield_p50_t_ha": [10.0, 8.5, 9.0],
            "yield_p90_t_ha": [11.0, 10.0, 10.0],
            # B1: advice stored before the column existed
            "yield_source": ["model", "field mean", None],
        }
    )
    seasons = pd.DataFrame(columns=["field_id", "season", "crop", "yield_t_ha"])
    outlook = yield_outlook(advice, seasons, {})
    assert outlook["source"].tolist() == ["model", "field mean", ""]


def test_field_actions_one_line_per_action() -> None:
    advice = pd.DataFrame(
        [
            {
                "field_id": "A1",
                "crop": "winter_wheat",
                "status": "act",
                "reasons": "apply 40 kg N/ha now | irrigate",
                "n_rate_now_kg_ha": 40.0,
                "n_total_recommended_kg_ha": 160.0,
                "n_applied_kg_ha": 120.0,
                "n_expected_gain_t_ha": 0.3,
                "irrigation_mm": 25.0,
                "irrigation_date": pd.Timestamp("2026-05-28"),
                "reaches_raw_date": pd.Timestamp("2026-05-28"),
                "irrigation_yield_at_stake_t_ha": 0.8,
            },
            {
                "field_id": "A2",
                "crop": "grain_maize",
                "status": "watch",
                "reasons": "yield forecast 8.0 t/ha (80 % interval 6.0-10.0) at 15.5 % "
                "moisture, -20 % against the field's past 10.0 t/ha; drivers: x",
                "n_rate_now_kg_ha": 0.0,
                "irrigation_mm": 0.0,
            },
            {"field_id": "B1", "crop": np.nan, "status": "no-season", "reasons": "no crop"},
        ]
    )
    actions = field_actions(advice)
    assert list(actions["kind"]) == ["irrigation", "nitrogen", "scout", "nothing"]
    assert list(actions["action"][:3]) == [
        "irrigate 25 mm by Thu 28 May",
        "apply 40 kg N/ha",
        "scout for stress",
    ]
    assert actions["gain_t_ha"][:2].tolist() == [0.8, 0.3]
    assert "20 % below this field's usual 10.0 t/ha" in actions["reason"][2]


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("2026-05-25", "2026-W21"),  # a Monday: the week before it is complete
        ("2026-05-24", "2026-W20"),  # a Sunday: W21 is issued tomorrow
        ("2026-06-01", "2026-W22"),
        ("2027-01-04", "2026-W53"),
    ],
)
def test_the_latest_week_with_data_is_issued_on_or_before_the_data_end(
    reference: str, expected: str
) -> None:
    week = latest_week(pd.Timestamp(reference))
    assert week.label == expected
    assert week.issued <= pd.Timestamp(reference) < week.issued + pd.Timedelta(days=7)


@pytest.mark.parametrize(
    ("count", "word", "expected"),
    [(0, "field", "0 fields"), (1, "field", "1 field"), (2, "probe", "2 probes")],
)
def test_plural(count: int, word: str, expected: str) -> None:
    assert plural(count, word) == expected


def test_the_cooperative_summary_says_1_field_not_1_fields() -> None:
    week = parse_week(WEEK)
    actions = pd.DataFrame(
        [
            {
                "farm": "Hoeve",
                "irrigate": 1,
                "nitrogen": 2,
                "n_total_kg": 40.0,
                "scout": 0,
                "nothing": 1,
            }
        ]
    )
    quality = pd.DataFrame(
        [{"farm": "Hoeve", "satellite_gaps": 1, "sensors_silent": 1, "sensors_flagged": 2}]
    )
    html = cooperative_html("coop", "Coop", week, actions, pd.DataFrame(), quality)
    cells = re.findall(r'<td class="n">([^<]*)</td>', html)
    assert "1 fields" not in html and "1 probes" not in html
    assert cells[:5] == ["1 field", "2 fields", "40 kg N", "0 fields", "1 field"]
    assert cells[5:] == ["1 field", "1 probe", "2 probes"]


def _sown_curve(days_after_sowing: np.ndarray) -> np.ndarray:
    """A crop's NDVI rise: bare soil 0.15 to a 0.85 canopy, half-way 45 days after sowing."""
    return 0.15 + 0.7 / (1.0 + np.exp(-(days_after_sowing - 45.0) / 8.0))


def _condition_inputs(
    days_after_sowing: int, offset: float, past_spread: float = 0.0
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.Timestamp]:
    """One maize field sown on 1 May of 2021-2026, NDVI every 5 days following `_sown_curve`
    (past seasons shifted by ±`past_spread` in turn), this season's by `offset`."""
    as_of = pd.Timestamp("2026-05-01") + pd.Timedelta(days=days_after_sowing)
    seasons = pd.DataFrame(
        {
            "field_id": "M1",
            "season": range(2021, 2027),
            "crop": "grain_maize",
            "sowing_date": [pd.Timestamp(f"{y}-05-01") for y in range(2021, 2027)],
            "harvest_date": [pd.Timestamp(f"{y}-10-15") for y in range(2021, 2026)] + [pd.NaT],
        }
    )
    rows = []
    for year in range(2021, 2027):
        sowing = pd.Timestamp(f"{year}-05-01")
        days = np.arange(0, 170, 5)
        shift = offset if year == 2026 else past_spread * (1 if year % 2 else -1)
        ndvi = _sown_curve(days) + shift
        for day, value in zip(days, ndvi, strict=True):
            rows.append(
                {
                    "field_id": "M1",
                    "date": sowing + pd.Timedelta(days=int(day)),
                    "ndvi_mean": float(value),
                    "cloud_free_fraction": 1.0,
                }
            )
    satellite = pd.DataFrame(rows)
    advice = pd.DataFrame({"field_id": ["M1"], "season": [2026], "crop": ["grain_maize"]})
    return advice, seasons, satellite, as_of


@pytest.mark.parametrize(
    ("days_after_sowing", "offset", "past_spread", "expected"),
    [
        # Just emerged: past seasons were far below their peak at this stage, so a 0.03 (or
        # even a 0.1) difference says nothing about the crop yet (the "poor" maize).
        (20, -0.03, 0.0, CANOPY_NOT_ESTABLISHED),
        (20, +0.03, 0.0, CANOPY_NOT_ESTABLISHED),
        (30, -0.10, 0.0, CANOPY_NOT_ESTABLISHED),
        # Established canopy: a difference within the noise is normal, whatever its percent.
        (70, -0.04, 0.0, "normal"),
        (70, +0.045, 0.0, "normal"),
        (70, -0.20, 0.0, "poor"),
        (70, +0.10, 0.0, "good"),
        # Past seasons that scatter by 0.08 make a 0.07 difference noise too.
        (70, -0.07, 0.08, "normal"),
    ],
)
def test_crop_condition_only_from_an_established_canopy_and_beyond_the_noise(
    days_after_sowing: int, offset: float, past_spread: float, expected: str
) -> None:
    condition = crop_condition(*_condition_inputs(days_after_sowing, offset, past_spread))
    assert condition["condition"].tolist() == [expected]
    share = float(condition["canopy_share"].iloc[0])
    assert (share >= build.CANOPY_ESTABLISHED_SHARE) == (days_after_sowing >= 45)


def test_the_rain_of_the_observed_week_stands_beside_seven_forecast_days() -> None:
    week = parse_week(WEEK)
    days = pd.date_range("2020-01-01", week.issued)
    weather = pd.DataFrame(
        {
            "station_id": "S",
            "date": days,
            "tmin_degc": 8.0,
            "tmax_degc": 18.0,
            "precip_mm": 1.0,
        }
    )
    issued = [week.issued - pd.Timedelta(days=2), week.issued]
    forecast = pd.concat(
        [
            pd.DataFrame(
                {
                    "station_id": "S",
                    "issued_date": day,
                    "date": pd.date_range(day, periods=14),
                    "tmin_degc": 10.0,
                    "tmax_degc": 20.0,
                    "precip_mm": 2.0,
                }
            )
            for day in issued
        ],
        ignore_index=True,
    )
    table = weather_summary(weather, forecast, "S", week)
    spans = [(row.last - row.first).days + 1 for row in table.itertuples()]
    assert spans == [7, 7]
    assert table["period"].tolist() == ["past 7 days (observed)", "next 7 days (forecast)"]
    assert table["first"].iloc[1] == week.issued
    assert table["rain_mm"].tolist() == [7.0, 14.0]  # 7 days of 1 mm beside 7 days of 2 mm
    assert table["rain_normal_mm"].iloc[1] == pytest.approx(7.0)
    # A forecast shorter than a week is named for what it is.
    short = forecast[forecast["date"] < week.issued + pd.Timedelta(days=4)]
    assert weather_summary(weather, short, "S", week)["period"].iloc[1] == "next 4 days (forecast)"


def _wide_farm_report() -> FarmReport:
    """A farm report with the longest values the tables hold: field-mean forecasts, long field
    ids and names, every column filled."""
    week = parse_week(WEEK)
    ids = [f"farm-lingehoeve-{k:02d}" for k in range(1, 6)]
    crop = "winter_wheat"
    outlook = pd.DataFrame(
        {
            "field_id": ids,
            "crop": crop,
            "p10": 8.13,
            "p50": 10.27,
            "p90": 12.44,
            "last_season": 11.02,
            "mean_5": 10.55,
            "change_week": -0.31,
            "source": ["field mean", "model", "field mean", "model", "model"],
        }
    )
    actions = pd.DataFrame(
        {
            "field_id": ids,
            "crop": crop,
            "kind": "nitrogen",
            "action": "apply 40 kg N/ha",
            "reason": "120 kg N/ha applied so far; the season needs 160 kg N/ha in total",
            "gain_t_ha": 0.31,
        }
    )
    weather = pd.DataFrame(
        {
            "period": ["past 7 days (observed)", "next 7 days (forecast)"],
            "first": [week.start, week.issued],
            "last": [week.end, week.issued + pd.Timedelta(days=6)],
            "rain_mm": [12.0, 3.0],
            "rain_normal_mm": [14.0, 13.0],
            "temp_degc": [14.2, 16.1],
            "temp_normal_degc": [13.0, 13.4],
        }
    )
    condition = pd.DataFrame(
        {
            "field_id": ids,
            "crop": crop,
            "ndvi": 0.81,
            "ndvi_past": 0.78,
            "ndvi_change_pct": 3.8,
            "canopy_share": 0.9,
            "ndvi_noise": 0.05,
            "condition": "normal",
        }
    )
    water = pd.DataFrame(
        {
            "field_id": ids,
            "crop": crop,
            "depletion_mm": 42.0,
            "raw_mm": 55.0,
            "reaches_raw_date": week.issued + pd.Timedelta(days=3),
            "irrigation_mm": 25.0,
            "irrigation_date": week.issued + pd.Timedelta(days=3),
            "state": "irrigate",
        }
    )
    quality = pd.DataFrame(
        {"field_id": ids[:1], "problem": ["satellite gap"], "detail": ["no cloud-free image"]}
    )
    freshness = pd.DataFrame(
        {
            "source": ["weather", "satellite", "soil probes"],
            "last_date": [week.end, week.end, week.end],
            "days_old": [1.0, 1.0, 1.0],
        }
    )
    return FarmReport(
        farm_id="farm-lingehoeve",
        farm_name="Lingehoeve",
        cooperative_name="Coöperatie Betuwe",
        week=week,
        freshness=freshness,
        summary="This week: apply nitrogen on 5 fields.",
        actions=actions,
        weather=weather,
        condition=condition,
        outlook=outlook,
        water=water,
        quality=quality,
        quality_note=build.quality_note(quality),
    )


def _overflow_pt(html: str) -> list[tuple[int, str, float]]:
    """(page, text, how far it reaches past the page's content box, in CSS px) of every text
    of `html` laid out by WeasyPrint, the PDF's renderer, that runs past the right margin."""
    import weasyprint

    document = weasyprint.HTML(string=html).render()
    found = []
    for number, page in enumerate(document.pages, start=1):
        box = page._page_box
        right = box.content_box_x() + box.width

        def walk(node: object) -> object:
            yield node
            for child in getattr(node, "children", None) or []:
                yield from walk(child)

        for node in walk(box):
            text = getattr(node, "text", None)
            if text and node.position_x + node.width > right + 0.5:  # type: ignore[attr-defined]
                found.append((number, text, node.position_x + node.width - right))  # type: ignore[attr-defined]
    return found


def _page_fill(html: str) -> list[float]:
    """Per page of `html` laid out by WeasyPrint: the share of the content box's height down to
    the bottom of the last thing on it."""
    import weasyprint

    shares = []
    for page in weasyprint.HTML(string=html).render().pages:
        box = page._page_box
        top, height = box.content_box_y(), box.height

        def bottoms(node: Any) -> Iterator[float]:
            for child in getattr(node, "children", None) or []:
                if type(child).__name__ == "MarginBox":
                    continue  # the "page 1 of 2" footer
                if getattr(child, "text", None) or type(child).__name__ == "InlineReplacedBox":
                    yield child.position_y + child.margin_height()
                yield from bottoms(child)

        shares.append(round((max(bottoms(box), default=top) - top) / height, 2))
    return shares


def test_no_table_of_the_farm_report_runs_off_the_page() -> None:
    html = farm_html(_wide_farm_report())
    assert "Change since last week" in html
    assert _overflow_pt(html) == []


# ----------------------------------------------------------------------------- end to end


@dataclass(frozen=True)
class Run:
    bundle: Path
    workspace: Path
    folder: Path
    html: dict[str, bytes]
    pdf: dict[str, Path]


def _poppler() -> None:
    missing = [tool for tool in ("pdftotext", "pdftoppm") if shutil.which(tool) is None]
    if missing:
        message = f"{', '.join(missing)} missing: install poppler-utils (scripts/test.sh does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def _pdftotext(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def _weekly(workspace: Path, *extra: str, week: str = WEEK) -> None:
    result = CliRunner().invoke(
        report_app, ["weekly", "--week", week, "--workspace", str(workspace), *extra]
    )
    assert result.exit_code == 0, result.output


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.html"))}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    root = tmp_path_factory.mktemp("report")
    bundle = sample_slice(root / "slice", per_farm=3)
    workspace = root / "ws"
    imported = CliRunner().invoke(cli_app, ["import", str(bundle), "--workspace", str(workspace)])
    assert imported.exit_code == 0, imported.output
    trained = CliRunner().invoke(
        models_app,
        ["train", "--workspace", str(workspace)],
        env={"AGRI_TRAIN_EVERY_DAYS": "42", "AGRI_CROP_MODEL_MEMBERS": "3"},
    )
    assert trained.exit_code == 0, trained.output
    _weekly(workspace)
    folder = workspace / "reports" / WEEK
    return Run(
        bundle,
        workspace,
        folder,
        _snapshot(folder),
        {p.name: p for p in sorted(folder.glob("*.pdf"))},
    )


def _visible(html: str) -> str:
    """The HTML without its embedded images (base64 may spell anything)."""
    return re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)


def _advice(run: Run) -> pd.DataFrame:
    """The stored advice of the report's issue day, which the report must show."""
    engine = storage.open_workspace(Settings.from_env(run.workspace).workspace)
    stored = stored_advice(engine, as_of=pd.Timestamp("2026-05-25"))
    assert stored is not None
    return stored.table


@pytest.mark.slow
def test_files_per_farm_and_the_cooperative_summary_recorded_for_the_reports_page(
    run: Run,
) -> None:
    farms = ["farm-hogehof", "farm-lingehoeve", "farm-meent", "farm-rijnoord"]
    names = {p.name for p in run.folder.iterdir()}
    for owner in farms:
        assert {f"{WEEK}_{owner}.{s}" for s in ("html", "pdf", "json")} <= names
    assert {f"{WEEK}_coop-betuwe.html", f"{WEEK}_coop-betuwe.pdf"} <= names
    engine = storage.open_workspace(Settings.from_env(run.workspace).workspace)
    from pipelines.store.access import Scope

    rows = scoped_reports(engine, Scope("agro", "agronomist", "coop-betuwe"))
    assert sorted(rows["owner_id"]) == sorted([*farms, "coop-betuwe"])
    assert set(rows["week"]) == {WEEK}
    hogehof = rows[rows["owner_id"] == "farm-hogehof"].iloc[0]
    assert hogehof["files"]["pdf"] == f"{WEEK}/{WEEK}_farm-hogehof.pdf"


@pytest.mark.slow
def test_html_has_the_sections_in_order_and_the_advice_numbers(run: Run) -> None:
    advice = _advice(run)
    fields = read_bundle(run.bundle).fields.set_index("field_id")["farm_id"]
    for farm, group in advice.groupby(advice["field_id"].map(fields)):
        html = _visible(run.html[f"{WEEK}_{farm}.html"].decode())
        positions = [html.index(f'<section id="{s}">') for s in SECTIONS]
        assert positions == sorted(positions)
        assert not re.search(r"\bnan\b|\bNone\b|\bNaT\b", html, flags=re.IGNORECASE)
        actions = html[positions[1] : positions[2]]
        outlook = html[positions[3] : positions[4]]
        water = html[positions[4] : positions[5]]
        irrigated = read_bundle(run.bundle).fields.set_index("field_id")["irrigated"]
        for row in group.itertuples():
            if irrigated[row.field_id] and isinstance(row.crop, str):
                # Depletion against RAW on the issue day, as the advice computed them.
                assert (
                    f'<td class="n">{row.root_zone_depletion_mm:.0f} mm</td>'
                    f'<td class="n">{row.readily_available_water_mm:.0f} mm</td>'
                ) in water
            if row.status == "act" and row.n_rate_now_kg_ha > 0:
                assert f"apply {row.n_rate_now_kg_ha:.0f} kg N/ha" in actions
                assert f'<td class="n">{_gain(row.n_expected_gain_t_ha)}</td>' in actions
            if row.status == "act" and row.irrigation_mm > 0:
                assert f"irrigate {row.irrigation_mm:.0f} mm" in actions
            if row.status == "watch":
                assert f"<td>{row.field_id}</td>" in actions and "scout for stress" in actions
            if np.isfinite(row.yield_p50_t_ha):
                assert f"{row.yield_p50_t_ha:.1f} t/ha" in outlook
                assert f"{row.yield_p10_t_ha:.1f}–{row.yield_p90_t_ha:.1f} t/ha" in outlook
        # Forecasts no better than the field's average yet are marked, with the footnote.
        field_means = int((group["yield_source"] == "field mean").sum())
        assert outlook.count("(field mean)<sup>†</sup>") == field_means
        assert ("† Field mean: no better than this field's average yet" in outlook) == (
            field_means > 0
        )
        assert html.count('src="data:image/png;base64,') == 0  # stripped above
        assert "data:image/png;base64," in run.html[f"{WEEK}_{farm}.html"].decode()


@pytest.mark.slow
def test_pdf_opens_with_a_few_pages_holding_the_actions(run: Run) -> None:
    _poppler()
    html = run.html[f"{WEEK}_farm-hogehof.html"].decode()
    actions = re.findall(r'<td class="action">([^<]+)</td>', html)
    for name, path in run.pdf.items():
        text = _pdftotext(path)
        fill = _page_fill(run.html[name.replace(".pdf", ".html")].decode())
        # The PDF has the pages WeasyPrint lays out, and none but the last is half empty: a
        # section that does not fit starts on the next page only when the page is well used.
        assert text.count("\f") == len(fill), name
        assert all(share >= 0.6 for share in fill[:-1]), f"{name}: pages filled {fill}"
        # The cooperative summary fits one page; a farm of 3 fields fits two.
        assert len(fill) == (1 if "coop" in name else 2), f"{name}: {len(fill)} pages"
        assert "nan" not in text.split() and "None" not in text
    text = " ".join(_pdftotext(run.pdf[f"{WEEK}_farm-hogehof.pdf"]).split())
    assert "Actions this week" in text and "Data quality" in text
    for action in actions:
        assert " ".join(action.split()) in text

    ARTIFACTS.mkdir(exist_ok=True)
    prefix = ARTIFACTS / "report_farm-hogehof"
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(run.pdf[f"{WEEK}_farm-hogehof.pdf"]),
            str(prefix),
        ],
        check=True,
    )
    assert prefix.with_suffix(".png").stat().st_size > 10_000


@pytest.mark.slow
def test_two_runs_give_the_same_content_and_last_week_is_compared(run: Run) -> None:
    _poppler()
    texts = {name: _pdftotext(path) for name, path in run.pdf.items()}
    pdf_bytes = {name: path.read_bytes() for name, path in run.pdf.items()}
    _weekly(run.workspace)
    assert {name: path.read_bytes() for name, path in run.pdf.items()} == pdf_bytes
    assert _snapshot(run.folder) == run.html
    assert {name: _pdftotext(path) for name, path in run.pdf.items()} == texts

    # Last week's report stores last week's advice run; this week's report compares with it.
    _weekly(run.workspace, "--farm", "farm-hogehof", week="2026-W20")
    engine = storage.open_workspace(Settings.from_env(run.workspace).workspace)
    before = stored_advice(engine, as_of=pd.Timestamp("2026-05-18"))
    assert before is not None
    now = _advice(run).set_index("field_id")["yield_p50_t_ha"]
    last = before.table.set_index("field_id")["yield_p50_t_ha"]
    numbers = json.loads((run.folder / f"{WEEK}_farm-hogehof.json").read_text())
    growing = [f for f, v in sorted(numbers["fields"].items()) if v["yield_p50_t_ha"]]
    field = max(growing, key=lambda f: abs(now[f] - last[f]))
    _weekly(run.workspace, "--farm", "farm-hogehof")
    html = (run.folder / f"{WEEK}_farm-hogehof.html").read_text()
    row = html[html.index(f"<tr><td>{field}</td>", html.index('<section id="outlook">')) :]
    change = _num(now[field] - last[field], "+.1f", "t/ha")
    assert f"{change}</td></tr>" in row.split("</tr>")[0] + "</tr>"


def test_weekly_refuses_a_week_after_the_data(tmp_path: Path) -> None:
    bundle = sample_slice(tmp_path / "slice", per_farm=1)
    imported = CliRunner().invoke(
        cli_app, ["import", str(bundle), "--workspace", str(tmp_path / "ws")]
    )
    assert imported.exit_code == 0, imported.output
    result = CliRunner().invoke(
        report_app, ["weekly", "--week", "2026-W22", "--workspace", str(tmp_path / "ws")]
    )
    assert result.exit_code == 2
    assert "after the day the imported data run to (2026-05-25)" in result.output


@pytest.mark.slow
def test_an_agronomist_generates_the_week_on_the_reports_page(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page's Generate button writes the week through `write_reports`, as the command
    does: the same files, recorded, with the progress bar at its end."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from agri_app.cli import APP_SCRIPT
    from pipelines.store import access

    engine = storage.open_workspace(Settings.from_env(run.workspace).workspace)
    access.add_user(
        engine, "page-agro", "correct horse battery", "agronomist", "coop-betuwe", replace=True
    )
    _weekly(run.workspace)  # what the command writes now (earlier tests stored last week's run)
    before = {p.name: p.read_bytes() for p in sorted(run.folder.glob("*.html"))}
    monkeypatch.setenv("AGRI_WORKSPACE", str(run.workspace))
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=600)
    at.run()
    at.text_input(key="username").input("page-agro")
    at.text_input(key="password").input("correct horse battery")
    at.button[0].click()
    at.run()
    at.switch_page("views/reports.py")
    at.run()
    assert at.selectbox(key="report_week").value == WEEK  # the latest week with data
    at.button(key="report_generate").click()
    at.run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == [
        f"Wrote the reports of {WEEK}: 4 farms and the cooperative summary. They are listed below."
    ]
    bars = at.get("progress")
    assert len(bars) == 1 and bars[0].proto.value == 100
    assert {p.name: p.read_bytes() for p in sorted(run.folder.glob("*.html"))} == before
    st.cache_data.clear()
    st.cache_resource.clear()
