"""Reading and validating the farm data bundle: a good one, and one broken copy per error."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from pipelines.sources.bundle import read_bundle
from pipelines.tables import InputError

Edit = Callable[[Path, Callable[[pd.DataFrame], pd.DataFrame]], None]


def test_good_bundle_reads_into_typed_tables(bundle_dir: Path) -> None:
    bundle = read_bundle(bundle_dir)
    assert bundle.manifest.cooperative_id == "coop-test"
    assert list(bundle.fields["field_id"]) == ["A1", "A2", "B1"]
    assert bundle.fields["irrigated"].tolist() == [False, True, False]
    assert str(bundle.seasons["sowing_date"].dtype) == "datetime64[ns]"
    # In-progress seasons have no harvest and no yield.
    running = bundle.seasons[bundle.seasons["harvest_date"].isna()]
    assert sorted(running["field_id"]) == ["A1", "A2"]
    assert running["yield_t_ha"].isna().all()
    # Each operation is attached to the season it belongs to.
    assert bundle.operations.set_index(["field_id", "date"])["season"].to_dict() == {
        ("A1", pd.Timestamp("2024-03-01")): 2024,
        ("A1", pd.Timestamp("2024-04-15")): 2024,
        ("A2", pd.Timestamp("2024-07-10")): 2024,
        ("A2", pd.Timestamp("2025-03-05")): 2025,
    }
    assert bundle.stations.to_dict("records") == [
        {
            "station_id": "st-1",
            "lat": 51.95,
            "lon": 5.6,
            "elevation_m": 9.0,
            "anemometer_height_m": 2.0,
        }
    ]
    assert [f.path for f in bundle.sensor_logs] == ["sensors/long/dev-1_2024.csv"]
    assert set(bundle.crops["crop_id"]) >= {"winter_wheat", "grain_maize"}


def test_bundle_hash_depends_on_content_only(bundle_dir: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(bundle_dir, copy)
    assert read_bundle(copy).sha256 == read_bundle(bundle_dir).sha256
    (copy / "farms.csv").write_text((copy / "farms.csv").read_text().replace("Farm B", "Farm C"))
    assert read_bundle(copy).sha256 != read_bundle(bundle_dir).sha256


def _problems(bundle_dir: Path) -> str:
    with pytest.raises(InputError) as info:
        read_bundle(bundle_dir)
    return str(info.value)


def _set(frame: pd.DataFrame, row: int, column: str, value: str) -> pd.DataFrame:
    frame.loc[row, column] = value
    return frame


# Each case breaks one thing and names the message the user must see: file, line, column, fix.
BROKEN_CSV_CASES = [
    pytest.param(
        "weather.csv",
        lambda f: _set(f, 9, "tmax_degc", "95.0"),
        r"weather.csv, line 11, column 'tmax_degc': '95.0' is above 55; looks like °F",
        id="temperature-in-fahrenheit",
    ),
    pytest.param(
        "weather.csv",
        lambda f: _set(f, 3, "rad_mj_m2", "12500"),
        r"weather.csv, line 5, column 'rad_mj_m2': '12500' is above 45; looks like kJ",
        id="radiation-in-kj",
    ),
    pytest.param(
        "weather.csv",
        lambda f: _set(f, 3, "vp_kpa", "11.5"),
        r"line 5, column 'vp_kpa': '11.5' is above 8; looks like hPa",
        id="vapour-pressure-in-hpa",
    ),
    pytest.param(
        "operations.csv",
        lambda f: _set(_set(f, 2, "unit", "in"), 2, "amount", "1"),
        r"operations.csv, line 4, column 'unit': unit 'in' is wrong for irrigation: the unit "
        r"must be mm; multiply by 25.4",
        id="irrigation-in-inches",
    ),
    pytest.param(
        "operations.csv",
        lambda f: _set(f, 0, "unit", "lb_N_ac"),
        r"operations.csv, line 2, column 'unit': .*must be kg_N_ha; multiply by 1.121",
        id="nitrogen-in-pounds-per-acre",
    ),
    pytest.param(
        "seasons.csv",
        lambda f: _set(f, 0, "yield_t_ha", "8520"),
        r"seasons.csv, line 2, column 'yield_t_ha': '8520' is above 30; in kg/ha\? divide by 1000",
        id="yield-in-kg",
    ),
    pytest.param(
        "seasons.csv",
        lambda f: _set(f, 4, "field_id", "Z9"),
        r"seasons.csv, line 6, column 'field_id': 'Z9' is not a field_id of fields.geojson",
        id="unknown-field-in-seasons",
    ),
    pytest.param(
        "operations.csv",
        lambda f: _set(f, 1, "field_id", "Z9"),
        r"operations.csv, line 3, column 'field_id': 'Z9' is not a field_id",
        id="unknown-field-in-operations",
    ),
    pytest.param(
        "satellite.csv",
        lambda f: _set(f, 0, "field_id", "Z9"),
        r"satellite.csv, line 2, column 'field_id': 'Z9' is not a field_id",
        id="unknown-field-in-satellite",
    ),
    pytest.param(
        "satellite.csv",
        lambda f: _set(f, 0, "cloud_free_fraction", "95"),
        r"satellite.csv, line 2, column 'cloud_free_fraction': '95' is above 1; looks like percent",
        id="cloud-fraction-in-percent",
    ),
    pytest.param(
        "seasons.csv",
        lambda f: _set(f, 2, "harvest_date", "2024-11-20"),
        r"seasons.csv, line 4, column 'harvest_date': season 2024 of field 'A2' \(harvest "
        r"2024-11-20\) overlaps season 2025 sown 2024-10-25",
        id="overlapping-seasons",
    ),
    pytest.param(
        "seasons.csv",
        lambda f: _set(f, 4, "harvest_date", "2023-08-10"),
        r"seasons.csv, line 6, column 'harvest_date': harvest_date is not after sowing_date; "
        r"dates out of order",
        id="harvest-before-sowing",
    ),
    pytest.param(
        "seasons.csv",
        lambda f: _set(f, 0, "season", "2026"),
        r"seasons.csv, line 2, column 'sowing_date': sowing_date must fall in the season",
        id="season-year-not-harvest-year",
    ),
    pytest.param(
        "seasons.csv",
        lambda f: _set(f, 4, "crop", ""),
        r"seasons.csv, line 6, column 'crop': value is missing",
        id="season-without-crop",
    ),
    pytest.param(
        "seasons.csv",
        lambda f: _set(f, 4, "crop", "rapeseed"),
        r"seasons.csv, line 6, column 'crop': unknown crop 'rapeseed'; use one of .*or add it "
        r"to the bundle's crops.csv",
        id="unknown-crop",
    ),
    pytest.param(
        "seasons.csv",
        lambda f: _set(f, 0, "harvest_date", ""),
        r"seasons.csv, line 2, column 'harvest_date': a yield is given but no harvest_date",
        id="yield-without-harvest",
    ),
    pytest.param(
        "seasons.csv",
        lambda f: _set(f, 1, "sowing_date", "25/04/2025"),
        r"seasons.csv, line 3, column 'sowing_date': '25/04/2025' is not a date; write YYYY-MM-DD",
        id="date-format",
    ),
    pytest.param(
        "seasons.csv",
        lambda f: pd.concat([f, f.iloc[[0]]], ignore_index=True),
        r"seasons.csv, line 7, column 'season': duplicate of an earlier row with the same "
        r"field_id=A1, season=2024",
        id="duplicate-season",
    ),
    pytest.param(
        "weather.csv",
        lambda f: f.drop(index=[200, 201, 202]),
        r"weather.csv, column 'date': station 'st-1' lacks 3 day\(s\) of season 2024 of field "
        r"'A1' \(first missing 2024-04-18\)",
        id="weather-gap",
    ),
    pytest.param(
        "weather.csv",
        lambda f: _set(f, 5, "tmin_degc", "12,5"),
        r"weather.csv, line 7, column 'tmin_degc': '12,5' uses a decimal comma",
        id="decimal-comma",
    ),
    pytest.param(
        "weather.csv",
        lambda f: f.rename(columns={"tmax_degc": "tmax_degf"}),
        r"weather.csv, line 1, column 'tmax_degc': required column is missing \(found "
        r"'tmax_degf'",
        id="renamed-unit-column",
    ),
    pytest.param(
        "weather.csv",
        lambda f: f.assign(wind_kmh="10"),
        r"weather.csv, line 1, column 'wind_kmh': unknown column; did you mean",
        id="unknown-column",
    ),
    pytest.param(
        "operations.csv",
        lambda f: _set(f, 0, "date", "2022-01-01"),
        r"operations.csv, line 2, column 'date': date is outside every season of the field",
        id="operation-outside-seasons",
    ),
    pytest.param(
        "operations.csv",
        lambda f: _set(f, 3, "date", "2025-06-20"),
        r"operations.csv, line 5, column 'date': operation is after the bundle's reference_date",
        id="operation-in-the-future",
    ),
    pytest.param(
        "sensors/devices.csv",
        lambda f: _set(f, 0, "timezone", "CET+1"),
        r"sensors/devices.csv, line 2, column 'timezone': 'CET\+1' is not a clock we know",
        id="device-timezone",
    ),
    pytest.param(
        "sensors/devices.csv",
        lambda f: pd.concat(
            [f, f.iloc[[0]].assign(installed_date="2024-09-01", removed_date="")],
            ignore_index=True,
        ),
        r"sensors/devices.csv, line 2, column 'removed_date': port 1 of device 'dev-1' is "
        r"installed again on 2024-09-01 before this installation was removed",
        id="device-installations-overlap",
    ),
    pytest.param(
        "sensors/devices.csv",
        lambda f: f.assign(depth_cm=["0.1", "0.3"]),
        r"sensors/devices.csv, line 3, column 'depth_cm': depth 0.3 cm looks like metres: "
        r"multiply by 100 \(write 30 for 0.3 m\)",
        id="device-depth-in-metres",
    ),
    pytest.param(
        "sensors/devices.csv",
        lambda f: _set(_set(f, 1, "installed_date", "2025-06-10"), 1, "removed_date", ""),
        r"sensors/devices.csv, line 3, column 'installed_date': installed_date is after the "
        r"reference date 2025-06-01; record a probe once it is installed",
        id="device-installed-after-reference-date",
    ),
    pytest.param(
        "weather.csv",
        lambda f: f.assign(wind_m_s="10.8"),
        r"weather.csv, column 'wind_m_s': station 'st-1' has a median daily wind of 10.8 m/s at "
        r"2 m, .* it looks like km/h: divide wind_m_s by 3.6",
        id="wind-in-kmh",
    ),
    pytest.param(
        "weather.csv",
        lambda f: f.assign(wind_m_s="11.5", station_anemometer_height_m="10"),
        r"station 'st-1' has a median daily wind of 8.6 m/s at 2 m, .* looks like km/h",
        id="wind-in-kmh-at-10-m",
    ),
    pytest.param(
        "weather.csv",
        lambda f: f.assign(station_anemometer_height_m="33"),
        r"weather.csv, line 2, column 'station_anemometer_height_m': '33' is above 20; in feet\? "
        r"multiply by 0.3048",
        id="anemometer-height-in-feet",
    ),
    pytest.param(
        "weather.csv",
        lambda f: _set(
            f.assign(station_anemometer_height_m="10"), 7, "station_anemometer_height_m", "3"
        ),
        r"weather.csv, column 'station_anemometer_height_m': station 'st-1' has more than one "
        r"station_anemometer_height_m; a station has one location and one wind sensor height",
        id="two-anemometer-heights",
    ),
    pytest.param(
        "weather.csv",
        lambda f: _set(f.assign(rh_max_pct="90", rh_min_pct="50"), 4, "rh_min_pct", "95"),
        r"weather.csv, line 6, column 'rh_min_pct': rh_min_pct is above rh_max_pct; are the two "
        r"columns swapped\?",
        id="rh-min-above-rh-max",
    ),
    pytest.param(
        "weather.csv",
        lambda f: f.assign(rh_max_pct="0.9", rh_min_pct="0.5"),
        r"weather.csv, column 'rh_max_pct': station 'st-1' has every rh_max_pct at or below 1; "
        r"it looks like a fraction: multiply by 100",
        id="rh-as-fraction",
    ),
    pytest.param(
        "weather.csv",
        lambda f: _set(f.assign(tdew_degc="5.0"), 3, "tdew_degc", "35"),
        r"weather.csv, line 5, column 'tdew_degc': the dew point is above tmax_degc",
        id="dew-point-above-tmax",
    ),
    pytest.param(
        "weather.csv",
        lambda f: f.assign(tdew_degc="50"),
        r"weather.csv, line 2, column 'tdew_degc': '50' is above 40; looks like °F",
        id="dew-point-in-fahrenheit",
    ),
]


@pytest.mark.parametrize(("file", "change", "expected"), BROKEN_CSV_CASES)
def test_broken_csv_gives_error_naming_file_row_and_fix(
    bundle_dir: Path, edit_csv: Edit, file: str, change: Callable, expected: str
) -> None:
    edit_csv(bundle_dir / file, change)
    message = _problems(bundle_dir)
    assert re.search(expected, message), message


def _moved(geometry: dict, degrees: float) -> dict:
    """The polygon shifted east by `degrees` and its ring started at another corner."""
    ring = [[lon + degrees, lat] for lon, lat in geometry["coordinates"][0][:-1]]
    ring = ring[1:] + ring[:1]
    return {"type": "Polygon", "coordinates": [ring + ring[:1]]}


def _edit_geojson(bundle_dir: Path, change: Callable[[dict], None]) -> None:
    path = bundle_dir / "fields.geojson"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(
            lambda d: d["features"][1]["properties"].update(field_capacity_m3_m3=32),
            r"fields.geojson, feature 2, column 'field_capacity_m3_m3': '32' is above 0.6; "
            r"looks like percent",
            id="field-capacity-in-percent",
        ),
        pytest.param(
            lambda d: d["features"][0]["properties"].update(area_ha=60.2),
            r"fields.geojson, feature 1, column 'area_ha': area_ha is 60.2 but the polygon "
            r"measures 6.02 ha",
            id="area-disagrees-with-polygon",
        ),
        pytest.param(
            lambda d: d["features"][2]["properties"].update(farm_id="farm-z"),
            r"fields.geojson, feature 3, column 'farm_id': 'farm-z' is not a farm_id of farms.csv",
            id="unknown-farm",
        ),
        pytest.param(
            lambda d: d["features"][0]["geometry"].update(
                coordinates=[[[y, x] for x, y in d["features"][0]["geometry"]["coordinates"][0]]]
            ),
            r"fields.geojson, feature 1, column 'area_ha': area_ha is 6.02 but the polygon "
            r"measures .* check the coordinates are \[longitude, latitude\]",
            id="swapped-coordinates",
        ),
        pytest.param(
            lambda d: d["features"][0]["properties"].update(
                wilting_point_m3_m3=0.3, field_capacity_m3_m3=0.2
            ),
            r"feature 1, column 'wilting_point_m3_m3': wilting point is not below field capacity",
            id="wilting-point-above-field-capacity",
        ),
        pytest.param(
            lambda d: d["features"][1]["properties"].update(station_id="st-9"),
            r"feature 2, column 'station_id': 'st-9' is not a station_id of weather.csv",
            id="unknown-station",
        ),
        pytest.param(
            lambda d: d["features"][2].update(
                geometry=d["features"][0]["geometry"],
                properties=d["features"][0]["properties"] | {"field_id": "B1", "farm_id": "farm-b"},
            ),
            r"fields.geojson, feature 3, column 'geometry': field 'B1' has the same polygon as "
            r"field 'A1' \(feature 1\); two fields cannot cover the same ground",
            id="two-fields-one-polygon",
        ),
        pytest.param(
            lambda d: d["features"][2].update(
                geometry=_moved(d["features"][0]["geometry"], 5e-5),
                properties=d["features"][0]["properties"] | {"field_id": "B1", "farm_id": "farm-b"},
            ),
            r"feature 3, column 'geometry': field 'B1' has 97.7 % the same ground as field 'A1'",
            id="two-fields-nearly-one-polygon",
        ),
    ],
)
def test_broken_fields_give_error_naming_feature_and_fix(
    bundle_dir: Path, change: Callable[[dict], None], expected: str
) -> None:

    _edit_geojson(bundle_dir, change)
    message = _problems(bundle_dir)
    assert re.search(expected, message), message


def test_missing_file_and_bad_manifest(bundle_dir: Path) -> None:
    (bundle_dir / "seasons.csv").unlink()
    manifest = json.loads((bundle_dir / "bundle.json").read_text())
    manifest["reference_date"] = "June 2025"
    (bundle_dir / "bundle.json").write_text(json.dumps(manifest))
    message = _problems(bundle_dir)
    assert "seasons.csv: file is missing; every bundle needs it" in message
    assert "bundle.json, column 'reference_date'" in message


@pytest.mark.parametrize(
    ("encode", "expected"),
    [
        pytest.param(
            lambda t: t.replace(",", ";").encode(),
            "farms.csv, line 1: columns are separated by ';'; use commas",
            id="semicolons",
        ),
        pytest.param(
            lambda t: t.replace("Farm A", "Ferme Aé").encode("latin-1"),
            "farms.csv: not UTF-8",
            id="latin-1",
        ),
        pytest.param(lambda t: ("\ufeff" + t).encode(), None, id="utf-8-bom-is-fine"),
        pytest.param(lambda t: b"", "farms.csv: the file is empty", id="empty"),
    ],
)
def test_file_level_problems(bundle_dir: Path, encode: Callable, expected: str | None) -> None:
    path = bundle_dir / "farms.csv"
    path.write_bytes(encode(path.read_text()))
    if expected is None:
        assert list(read_bundle(bundle_dir).farms["farm_id"]) == ["farm-a", "farm-b"]
    else:
        assert expected in _problems(bundle_dir)


def test_all_problems_are_reported_at_once(bundle_dir: Path, edit_csv: Edit) -> None:
    edit_csv(bundle_dir / "weather.csv", lambda f: f.assign(tmax_degc="99"))
    edit_csv(bundle_dir / "seasons.csv", lambda f: _set(f, 4, "crop", ""))
    with pytest.raises(InputError) as info:
        read_bundle(bundle_dir)
    files = {p.file for p in info.value.problems}
    assert files == {"weather.csv", "seasons.csv"}
    # 610 bad weather rows are folded: five examples and one summary line.
    weather = [p for p in info.value.problems if p.file == "weather.csv"]
    assert len(weather) == 6
    assert "605 more row(s) with the same problem (from line 7)" in weather[-1].message


def test_a_new_crop_is_a_row_of_data_not_code(bundle_dir: Path, edit_csv: Edit) -> None:
    builtin = pd.read_csv(Path(__file__).parents[2] / "pipelines" / "reference" / "crops.csv")
    rapeseed = builtin[builtin["crop_id"] == "winter_wheat"].assign(
        crop_id="winter_rapeseed",
        crop_name="Winter oilseed rape",
        kc_mid=1.10,
        yield_moisture_pct=9.0,
        grain_price_eur_t=450.0,
    )
    rapeseed.to_csv(bundle_dir / "crops.csv", index=False)
    edit_csv(bundle_dir / "seasons.csv", lambda f: _set(f, 4, "crop", "winter_rapeseed"))
    bundle = read_bundle(bundle_dir)
    assert bundle.seasons.loc[4, "crop"] == "winter_rapeseed"
    row = bundle.crops.set_index("crop_id").loc["winter_rapeseed"]
    assert row["yield_moisture_pct"] == 9.0


def test_a_bundle_crop_without_the_optional_columns_gets_their_defaults(
    bundle_dir: Path,
) -> None:
    builtin = pd.read_csv(Path(__file__).parents[2] / "pipelines" / "reference" / "crops.csv")
    older = builtin[builtin["crop_id"] == "winter_wheat"].assign(
        crop_id="spring_barley", crop_name="Spring barley", n_max_kg_ha=140.0
    )
    older = older.drop(
        columns=["ky_season", "n_last_useful_progress", "n_max_single_dose_kg_ha", "n_splits"]
    )
    older.to_csv(bundle_dir / "crops.csv", index=False)
    row = read_bundle(bundle_dir).crops.set_index("crop_id").loc["spring_barley"]
    assert row["ky_season"] == 1.0 and row["n_last_useful_progress"] == 0.5
    assert row["n_max_single_dose_kg_ha"] == 140.0 and row["n_splits"] == 1


def test_optional_station_and_humidity_columns_are_read(bundle_dir: Path, edit_csv: Edit) -> None:
    edit_csv(
        bundle_dir / "weather.csv",
        lambda f: f.assign(
            station_anemometer_height_m=["10"] + [""] * (len(f) - 1),
            vp_kpa="",
            tdew_degc="8.5",
            rh_max_pct="92",
            rh_min_pct="55",
        ),
    )
    bundle = read_bundle(bundle_dir)
    # Given on one row, the height holds for the station.
    assert bundle.stations["anemometer_height_m"].tolist() == [10.0]
    assert "station_anemometer_height_m" not in bundle.weather
    assert bundle.weather[["tdew_degc", "rh_max_pct", "rh_min_pct"]].iloc[0].tolist() == [
        8.5,
        92.0,
        55.0,
    ]


def test_neighbouring_fields_sharing_an_edge_are_fine(bundle_dir: Path) -> None:
    def neighbours(d: dict) -> None:
        ring = d["features"][0]["geometry"]["coordinates"][0]
        east = max(lon for lon, _ in ring)
        width = east - min(lon for lon, _ in ring)
        d["features"][1]["geometry"] = _moved(d["features"][0]["geometry"], width)
        assert min(lon for lon, _ in d["features"][1]["geometry"]["coordinates"][0]) == east
        d["features"][1]["properties"]["area_ha"] = d["features"][0]["properties"]["area_ha"]

    _edit_geojson(bundle_dir, neighbours)
    assert read_bundle(bundle_dir).fields["field_id"].tolist() == ["A1", "A2", "B1"]


def test_a_huge_cell_is_reported_with_a_preview_not_echoed(
    bundle_dir: Path, edit_csv: Edit
) -> None:
    name = "Farm A " + "x" * 30_000_000  # a 30 MB farm name
    edit_csv(bundle_dir / "farms.csv", lambda f: _set(f, 0, "farm_name", name))
    edit_csv(bundle_dir / "seasons.csv", lambda f: _set(f, 2, "yield_t_ha", "1" * 5000))
    with pytest.raises(InputError) as info:
        read_bundle(bundle_dir)
    message = str(info.value)
    assert len(message) < 2000, message[:2000]
    assert re.search(
        r"farms.csv, line 2, column 'farm_name': value of 30,000,007 characters \('Farm A x+…'\); "
        r"a text in this column is at most 200 characters: shorten it",
        message,
    ), message
    assert re.search(
        r"seasons.csv, line 4, column 'yield_t_ha': value of 5,000 characters \('1+…'\)", message
    ), message


def test_a_huge_field_name_or_cooperative_name_is_refused(bundle_dir: Path) -> None:
    _edit_geojson(bundle_dir, lambda d: d["features"][1]["properties"].update(field_name="F" * 300))
    manifest = json.loads((bundle_dir / "bundle.json").read_text())
    manifest["cooperative_name"] = "C" * 1_000_000
    (bundle_dir / "bundle.json").write_text(json.dumps(manifest))
    message = _problems(bundle_dir)
    assert len(message) < 2000
    assert re.search(
        r"fields.geojson, feature 2, column 'field_name': value of 300 characters \('F{40}…'\)",
        message,
    ), message
    assert "bundle.json, column 'cooperative_name': String should have at most 200" in message
