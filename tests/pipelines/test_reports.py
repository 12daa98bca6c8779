"""Reports as records: who sees a report is decided by exact ids in SQL, never by a file name."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pipelines.store import schema, storage
from pipelines.store.access import Scope
from pipelines.store.reports import record_report, report_file, scoped_reports

WEEK = "2026-W21"
# Ids that are substrings of each other or look like parts of a report's file name.
FARMS = {"A1": "Farm A1", "A10": "Farm A10", WEEK: "Week farm", "html": "Html farm"}


@pytest.fixture
def engine(workspace: storage.Workspace) -> Iterator[Engine]:
    engine = storage.open_workspace(workspace)
    with engine.begin() as conn:
        conn.execute(
            schema.cooperatives.insert(),
            [
                {"cooperative_id": "coop-1", "cooperative_name": "Coop one", "timezone": "UTC"},
                {"cooperative_id": "coop-2", "cooperative_name": "Coop two", "timezone": "UTC"},
            ],
        )
        conn.execute(
            schema.farms.insert(),
            [
                *(
                    {"farm_id": f, "cooperative_id": "coop-1", "farm_name": n}
                    for f, n in FARMS.items()
                ),
                {"farm_id": "A1x", "cooperative_id": "coop-2", "farm_name": "Farm A1x"},
            ],
        )
    yield engine
    engine.dispose()


def _files(owner: str, week: str = WEEK) -> dict[str, str]:
    return {kind: f"{week}/{week}_{owner}.{kind}" for kind in ("html", "pdf")}


def _record(engine: Engine, coop: str, kind: str, owner: str, week: str = WEEK) -> None:
    record_report(
        engine,
        cooperative_id=coop,
        owner_kind=kind,
        owner_id=owner,
        week=week,
        issued_date=date(2026, 5, 25),
        files=_files(owner, week),
        advice_run_id=None,
    )


@pytest.fixture
def recorded(engine: Engine) -> Engine:
    for farm in FARMS:
        _record(engine, "coop-1", "farm", farm)
    _record(engine, "coop-1", "cooperative", "coop-1")
    _record(engine, "coop-2", "farm", "A1x")
    _record(engine, "coop-2", "cooperative", "coop-2")
    return engine


def _owners(engine: Engine, scope: Scope) -> list[tuple[str, str]]:
    table = scoped_reports(engine, scope)
    return sorted(zip(table["owner_kind"], table["owner_id"], strict=True))


@pytest.mark.parametrize(
    ("farm_ids", "expected"),
    [
        (("A1",), [("farm", "A1")]),
        (("A10",), [("farm", "A10")]),
        (("html",), [("farm", "html")]),
        ((WEEK,), [("farm", WEEK)]),
        (("A1", "html"), [("farm", "A1"), ("farm", "html")]),
        (("A1x",), []),  # a farm of another cooperative is not in the member's scope
    ],
)
def test_a_member_sees_exactly_their_farms_reports(
    recorded: Engine, farm_ids: tuple[str, ...], expected: list[tuple[str, str]]
) -> None:
    scope = Scope("member", "member", "coop-1", farm_ids)
    assert _owners(recorded, scope) == expected


@pytest.mark.parametrize("role", ["agronomist", "admin"])
def test_the_cooperative_sees_every_farm_and_its_summary_only(recorded: Engine, role: str) -> None:
    table = scoped_reports(recorded, Scope("agro", role, "coop-1"))
    assert _owners(recorded, Scope("agro", role, "coop-1")) == sorted(
        [("cooperative", "coop-1"), *(("farm", f) for f in FARMS)]
    )
    assert list(table.columns) == [
        "week",
        "issued_date",
        "owner_kind",
        "owner_id",
        "owner_name",
        "files",
        "created_at",
    ]
    names = dict(zip(table["owner_id"], table["owner_name"], strict=True))
    assert names == {"coop-1": "Coop one", **FARMS}
    summary = table[table["owner_kind"] == "cooperative"].iloc[0]
    assert summary["files"] == _files("coop-1")
    assert summary["issued_date"] == date(2026, 5, 25)
    assert summary["created_at"].tzinfo is not None


def test_newest_week_first(engine: Engine) -> None:
    for week in ("2026-W20", "2026-W22", "2026-W21"):
        _record(engine, "coop-1", "farm", "A1", week)
    table = scoped_reports(engine, Scope("m", "member", "coop-1", ("A1",)))
    assert list(table["week"]) == ["2026-W22", "2026-W21", "2026-W20"]


def test_recording_the_same_week_again_replaces_the_row(engine: Engine) -> None:
    _record(engine, "coop-1", "farm", "A1")
    first = scoped_reports(engine, Scope("m", "member", "coop-1", ("A1",)))
    record_report(
        engine,
        cooperative_id="coop-1",
        owner_kind="farm",
        owner_id="A1",
        week=WEEK,
        issued_date=date(2026, 5, 25),
        files={"pdf": "regenerated/A1.pdf"},
        advice_run_id=None,
    )
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.reports)).scalar() == 1
    second = scoped_reports(engine, Scope("m", "member", "coop-1", ("A1",)))
    assert second.iloc[0]["files"] == {"pdf": "regenerated/A1.pdf"}
    assert second.iloc[0]["created_at"] >= first.iloc[0]["created_at"]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("../elsewhere/A1.pdf", r"leaves the reports folder"),
        ("2026-W21/../../A1.pdf", r"leaves the reports folder"),
        ("2026-W21\\..\\..\\A1.pdf", r"leaves the reports folder"),
        ("/etc/passwd", r"is absolute"),
        ("C:\\reports\\A1.pdf", r"is absolute"),
        ("", r"needs a path"),
    ],
)
def test_paths_outside_the_reports_folder_are_refused(
    engine: Engine, path: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        record_report(
            engine,
            cooperative_id="coop-1",
            owner_kind="farm",
            owner_id="A1",
            week=WEEK,
            issued_date=date(2026, 5, 25),
            files={"html": "2026-W21/ok.html", "pdf": path},
            advice_run_id=None,
        )
    assert scoped_reports(engine, Scope("a", "admin", "coop-1")).empty


@pytest.mark.parametrize(
    ("coop", "kind", "owner", "week", "message"),
    [
        ("coop-1", "person", "A1", WEEK, "owner_kind 'person' is unknown"),
        ("coop-1", "farm", "A1", "2026-21", "not an ISO week"),
        ("coop-1", "farm", "A1x", WEEK, "not in cooperative 'coop-1'"),
        ("coop-1", "cooperative", "coop-2", WEEK, "should be 'coop-1'"),
        ("coop-9", "cooperative", "coop-9", WEEK, "agri import"),
    ],
)
def test_bad_owners_and_weeks_are_refused(
    engine: Engine, coop: str, kind: str, owner: str, week: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        _record(engine, coop, kind, owner, week)


def test_report_file_resolves_only_visible_reports_inside_the_folder(
    recorded: Engine, tmp_path: Path
) -> None:
    reports_dir = tmp_path / "reports"
    member = Scope("m", "member", "coop-1", ("A1",))
    path = report_file(recorded, member, reports_dir, WEEK, "farm", "A1", "pdf")
    assert path == (reports_dir / WEEK / f"{WEEK}_A1.pdf").resolve()
    assert report_file(recorded, member, reports_dir, WEEK, "farm", "A10", "pdf") is None
    assert report_file(recorded, member, reports_dir, WEEK, "cooperative", "coop-1", "pdf") is None
    assert report_file(recorded, member, reports_dir, WEEK, "farm", "A1", "json") is None
    # a symlinked week folder pointing outside the reports folder is refused
    outside = tmp_path / "outside"
    outside.mkdir()
    reports_dir.mkdir()
    (reports_dir / WEEK).symlink_to(outside, target_is_directory=True)
    assert report_file(recorded, member, reports_dir, WEEK, "farm", "A1", "pdf") is None
