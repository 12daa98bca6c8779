"""The device registry: which logger port sits in which field, at which depth, on which clock.

`sensor_devices` holds one row per installation of a logger port (the columns of a bundle's
`sensors/devices.csv`). `list_installations`, `add_installation`, `retire_installation` and
`import_installations` read and change it for one cooperative, and `check_devices_file` checks
a devices.csv without storing it. Every change is checked against the workspace before anything
is written, and refused as a whole with an `InputError` that names the fix:

- the rows themselves, with the bundle's own checks (`pipelines.sources.bundle.check_devices`:
  column types and ranges, one row per installation, a clock that the sensor readers' parser
  reads (an IANA zone or a fixed UTC offset), a depth in centimetres rather than metres, dates
  in order and not after the reference date, no overlapping installations inside the file).
  The registry's reference date is today in the cooperative's zone (or its latest bundle's
  reference date, when the data run ahead of the calendar);
- the field exists and belongs to the cooperative;
- a device port's installations do not overlap those already registered, for any cooperative
  (a reading is matched to an installation by device, port and day alone).

Changing an installation that already has readings (its field, depth, clock or dates) makes
those readings wrong, and registering a device makes readings refused earlier as unregistered
acceptable: the change names those devices (`RegistryChange.reprocess`), and
`rederive_readings` derives their readings again from the archived uploads
(`pipelines.sources.sensors.reprocess`, the work of `agri sensors reprocess --device D`).
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from pipelines.store import schema
from pipelines.store.access import AccessError, Scope
from pipelines.tables import InputError, Problem, ProblemLog

if TYPE_CHECKING:
    from pipelines.sources.sensors.reprocess import ReprocessProgress, ReprocessReport
    from pipelines.store.storage import Workspace

# The devices.csv columns are the table's own, in its order.
COLUMNS = tuple(column.name for column in schema.sensor_devices.columns)
# Who may change the registry from the app (members only read their farms' data).
REGISTRAR_ROLES = ("admin", "agronomist")
WHAT = "device registry"
# How many of a cooperative's fields, and of a file's lines, an error lists before summarising.
_FIELDS_LISTED = 12
MAX_LINES_LISTED = 5


@dataclass(frozen=True)
class Installation:
    """One installation of a logger port: a row of sensors/devices.csv."""

    device_id: str
    port: int
    field_id: str
    depth_cm: float
    timezone: str  # the logger's clock
    installed_date: date
    sensor_model: str | None = None
    removed_date: date | None = None

    def describe(self) -> str:
        until = f" to {self.removed_date}" if self.removed_date else " (in the soil)"
        return (
            f"device '{self.device_id}' port {self.port} on field '{self.field_id}' at "
            f"{self.depth_cm:g} cm, clock {self.timezone}, from {self.installed_date}{until}"
        )


@dataclass(frozen=True)
class RegistryChange:
    """What a change did to the registry, and what it leaves to do."""

    added: tuple[Installation, ...] = ()
    updated: tuple[Installation, ...] = ()
    unchanged: int = 0
    # Devices whose readings must be derived again from their archived uploads: stored ones
    # derived with the old settings, or ones refused earlier because it was not registered.
    reprocess: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)

    def reprocess_commands(self) -> list[str]:
        return [f"agri sensors reprocess --device {device}" for device in self.reprocess]


@dataclass(frozen=True)
class Rederived:
    """The readings derived again after a change: one report per device, or why not."""

    reports: tuple[ReprocessReport, ...] = ()
    failed: tuple[tuple[str, str], ...] = ()  # (device, why), with the command to retry


def rederive_readings(
    engine: Engine,
    workspace: Workspace,
    change: RegistryChange,
    *,
    by: str,
    progress: ReprocessProgress | None = None,
) -> Rederived:
    """Derive the readings of the devices `change` names again from their archived uploads,
    with the registry as it is now. A device whose uploads cannot be read again is left as it
    was and reported with the reason (the registry change itself stands)."""
    if not change.reprocess:
        return Rederived()
    from pipelines.sources.sensors.reprocess import reprocess_device

    reports = []
    failed = []
    for device in change.reprocess:
        try:
            reports.append(reprocess_device(engine, workspace, device, by=by, progress=progress))
        except InputError as exc:
            why = "; ".join(p.message for p in exc.problems)
            failed.append((device, f"{why} (then run `agri sensors reprocess --device {device}`)"))
    return Rederived(tuple(reports), tuple(failed))


# ---- reading the registry


def cooperative_of(engine: Engine, cooperative_id: str | None) -> str:
    """`cooperative_id`, or the workspace's only cooperative; errors name the fix."""
    with engine.connect() as conn:
        known = list(
            conn.execute(
                sa.select(schema.cooperatives.c.cooperative_id).order_by(
                    schema.cooperatives.c.cooperative_id
                )
            ).scalars()
        )
    if not known:
        raise _error(
            "workspace", "the workspace holds no cooperative yet; run `agri import BUNDLE` first"
        )
    if cooperative_id is None:
        if len(known) > 1:
            raise _error(
                "workspace",
                f"the workspace holds {len(known)} cooperatives ({', '.join(known)}); "
                "pass --cooperative ID",
            )
        return known[0]
    if cooperative_id not in known:
        raise _error(
            "workspace",
            f"no cooperative '{cooperative_id}' in the workspace; it has {', '.join(known)}",
        )
    return cooperative_id


def cooperative_clock(engine: Engine, cooperative_id: str) -> str:
    """The cooperative's time zone: the usual clock of its loggers, offered as the default."""
    with engine.connect() as conn:
        zone = conn.execute(
            sa.select(schema.cooperatives.c.timezone).where(
                schema.cooperatives.c.cooperative_id == cooperative_id
            )
        ).scalar()
    return str(zone or "UTC")


def list_installations(
    engine: Engine,
    cooperative_id: str,
    *,
    device_id: str | None = None,
    field_id: str | None = None,
) -> pd.DataFrame:
    """The cooperative's installations (the columns of devices.csv), by device, port and date.

    Dates are `datetime.date` (removed_date None while installed); depth is a float.
    """
    d = schema.sensor_devices
    query = (
        sa.select(*(d.c[name] for name in COLUMNS))
        .where(d.c.field_id.in_(_cooperative_field_ids(cooperative_id)))
        .order_by(d.c.device_id, d.c.port, d.c.installed_date)
    )
    if device_id is not None:
        query = query.where(d.c.device_id == device_id)
    if field_id is not None:
        query = query.where(d.c.field_id == field_id)
    with engine.connect() as conn:
        rows = [dict(row) for row in conn.execute(query).mappings()]
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    return frame.astype({"port": "int64", "depth_cm": "float64"}) if rows else frame


def installations_of(frame: pd.DataFrame) -> list[Installation]:
    """The rows of `list_installations` (or of a checked devices.csv) as `Installation`s."""
    return [_installation(record) for record in frame.to_dict(orient="records")]


# ---- changing the registry


def add_installation(
    engine: Engine,
    cooperative_id: str,
    installation: Installation,
    *,
    today: date | None = None,
    scope: Scope | None = None,
) -> RegistryChange:
    """Register one installation (or correct the one of the same device, port and day).

    `today` bounds the dates (default: today in the cooperative's zone, or its latest
    reference date when that is later). `scope`, when given, must be an admin or agronomist
    of the cooperative: the app passes the signed-in user's.
    """
    _require_registrar(scope, cooperative_id)
    frame = pd.DataFrame([_as_strings(installation)], columns=list(COLUMNS))
    return _store(engine, cooperative_id, frame, "the new installation", today, single=True)


def import_installations(
    engine: Engine,
    cooperative_id: str,
    path: Path,
    *,
    today: date | None = None,
) -> RegistryChange:
    """Add and update the installations of a devices.csv (the bundle's columns); importing the
    same file again changes nothing. Registered installations missing from the file are kept."""
    frame = _read_strings(path)
    return _store(engine, cooperative_id, frame, path.name, today, single=False)


def retire_installation(
    engine: Engine,
    cooperative_id: str,
    device_id: str,
    removed_date: date,
    *,
    port: int | None = None,
    today: date | None = None,
    scope: Scope | None = None,
) -> RegistryChange:
    """Set the removal date (the last day in the soil) of the device's open installations: of
    every port, or of `port` only."""
    _require_registrar(scope, cooperative_id)
    registered = list_installations(engine, cooperative_id, device_id=device_id)
    label = f"device '{device_id}'"
    if registered.empty:
        raise _error(label, _unknown_device_hint(engine, cooperative_id, device_id), "device_id")
    if port is not None:
        ports = sorted({int(p) for p in registered["port"]})
        registered = registered[registered["port"] == port]
        if registered.empty:
            raise _error(
                label,
                f"port {port} is not registered (registered ports: "
                f"{', '.join(map(str, ports))}); check the port number",
                "port",
            )
    open_rows = registered[registered["removed_date"].isna()]
    early = open_rows[open_rows["installed_date"] > removed_date]
    if not early.empty:
        first = early.iloc[0]
        raise _error(
            label,
            f"port {first['port']} went into the soil on {first['installed_date']}; the "
            f"removal day {removed_date} cannot be before it (it is the last day in the soil)",
            "removed_date",
        )
    if open_rows.empty:
        last = registered.iloc[-1]
        raise _error(
            label,
            f"no installation of {_ports_text(port)} is in the soil: the last one was removed "
            f"on {last['removed_date']}; nothing to retire",
            "removed_date",
        )
    retired = [
        dataclasses.replace(inst, removed_date=removed_date) for inst in installations_of(open_rows)
    ]
    frame = pd.DataFrame([_as_strings(inst) for inst in retired], columns=list(COLUMNS))
    return _store(engine, cooperative_id, frame, label, today, single=True)


def check_devices_file(
    engine: Engine, path: Path, cooperative_id: str | None = None
) -> pd.DataFrame:
    """A devices.csv checked against the workspace but not stored (an upload that brings its
    own registry): the rows' checks, fields of the workspace (of `cooperative_id` when given)
    and clocks that parse. Returns the typed rows; raises `InputError` naming the fix."""
    frame = _read_strings(path)
    with engine.connect() as conn:
        limit = _latest_day(conn, cooperative_id, None)
        typed, _ = _checked(conn, cooperative_id, frame, path.name, limit, False, registry=False)
    return typed


# ---- the checks


def _store(
    engine: Engine,
    cooperative_id: str,
    frame: pd.DataFrame,
    label: str,
    today: date | None,
    single: bool,
) -> RegistryChange:
    with engine.begin() as conn:
        limit = _latest_day(conn, cooperative_id, today)
        typed, existing = _checked(conn, cooperative_id, frame, label, limit, single)
        added: list[Installation] = []
        updated: list[Installation] = []
        reprocess: set[str] = set()
        for inst in installations_of(typed):
            old = existing.get(_key(inst))
            if old is None:
                added.append(inst)
                _insert(conn, inst)
            elif old != inst:
                updated.append(inst)
                _update(conn, inst)
                if _readings_affected(conn, old, inst):
                    reprocess.add(inst.device_id)
        refused = _refused_before(conn, [inst.device_id for inst in added])
        reprocess |= set(refused)
        notes = [
            f"readings of '{device}' refused earlier because it was not registered are read "
            "again from their uploads"
            for device in refused
        ]
    return RegistryChange(
        added=tuple(added),
        updated=tuple(updated),
        unchanged=len(typed) - len(added) - len(updated),
        reprocess=tuple(sorted(reprocess)),
        notes=tuple(notes),
    )


def _checked(
    conn: Connection,
    cooperative_id: str | None,
    frame: pd.DataFrame,
    label: str,
    limit: date,
    single: bool,
    registry: bool = True,
) -> tuple[pd.DataFrame, dict[tuple[str, int, date], Installation]]:
    """The typed rows of `frame` (strings) and the registered installations they replace;
    raises `InputError` with every problem found."""
    # The bundle's row checks, reused as they are (imported here: the bundle reader loads the
    # geometry libraries, which listing the registry does not need).
    from pipelines.sources.bundle import DEVICE_COLUMNS, check_devices
    from pipelines.tables import check_table

    log = ProblemLog()
    typed = check_table(frame, DEVICE_COLUMNS, label, log)
    if typed is None or log.problems:
        raise InputError(_relabel(log.problems, label, single), WHAT)
    typed["timezone"] = typed["timezone"].map(_canonical_clock)
    rows = ProblemLog()
    # Fields are checked below against the workspace, with its own message; `limit` is the
    # registry's reference date (today, or later when the data run ahead of the calendar).
    check_devices(typed, None, rows, reference_date=limit, name=label)
    problems = _relabel(rows.problems, label, single)
    problems += _field_problems(conn, cooperative_id, typed, label, single)
    existing: dict[tuple[str, int, date], Installation] = {}
    if registry and not problems:
        registered = _registered(conn, typed)
        existing = {_key(inst): inst for inst in registered}
        problems += _overlap_problems(conn, cooperative_id, typed, registered, label, single)
    if problems:
        raise InputError(problems, WHAT)
    return typed, existing


def _relabel(problems: Iterable[Problem], label: str, single: bool) -> list[Problem]:
    """The bundle's problems under this file's name; a single row has no line to point at."""
    out = []
    for problem in problems:
        location = None if single else problem.location
        out.append(dataclasses.replace(problem, file=label, location=location))
    return list(dict.fromkeys(out))


def _where(row: int, single: bool) -> str | None:
    return None if single else f"line {row + 2}"


def _field_problems(
    conn: Connection,
    cooperative_id: str | None,
    typed: pd.DataFrame,
    label: str,
    single: bool,
) -> list[Problem]:
    f, fa = schema.fields, schema.farms
    owners: dict[str, str] = {
        str(field_id): str(coop)
        for field_id, coop in conn.execute(
            sa.select(f.c.field_id, fa.c.cooperative_id).join(fa, f.c.farm_id == fa.c.farm_id)
        )
    }
    mine = sorted(k for k, v in owners.items() if cooperative_id is None or v == cooperative_id)
    whose = f"of cooperative '{cooperative_id}'" if cooperative_id else "of this workspace"
    rows_of: dict[str, list[int]] = {}
    for row, field_id in enumerate(typed["field_id"]):
        if field_id not in mine:
            rows_of.setdefault(str(field_id), []).append(row)
    # One problem per unknown field, naming its lines: a file of one wrong workspace's devices
    # reads as a handful of fields, not as every line.
    problems = []
    for field_id, rows in rows_of.items():
        if field_id in owners:
            message = (
                f"field '{field_id}' belongs to another cooperative; register the device "
                f"on a field {whose}"
            )
        else:
            near = _near(str(field_id), mine)
            listed = near or mine[:_FIELDS_LISTED]
            more = (
                ""
                if near or len(mine) <= _FIELDS_LISTED
                else f" and {len(mine) - len(listed)} more"
            )
            known = (
                f"did you mean {', '.join(repr(x) for x in near)}?"
                if near
                else f"its fields are {', '.join(listed)}{more}"
            )
            message = (
                f"'{field_id}' is not a field {whose}; {known} (`agri devices list` shows "
                "where the devices are; a new field comes with `agri import BUNDLE`)"
                if mine
                else f"'{field_id}' is not a field: the workspace has no fields yet; import "
                "the cooperative's bundle first (`agri import BUNDLE`)"
            )
        problems.append(Problem(label, _lines(rows, single), "field_id", message))
    return problems


def _lines(rows: Sequence[int], single: bool) -> str | None:
    if single:
        return None
    shown = ", ".join(str(row + 2) for row in rows[:MAX_LINES_LISTED])
    more = f" and {len(rows) - MAX_LINES_LISTED} more" if len(rows) > MAX_LINES_LISTED else ""
    return f"line {shown}" if len(rows) == 1 else f"lines {shown}{more}"


def _overlap_problems(
    conn: Connection,
    cooperative_id: str | None,
    typed: pd.DataFrame,
    registered: Sequence[Installation],
    label: str,
    single: bool,
) -> list[Problem]:
    """Each new row against the registered installations of its device port that it does not
    replace (rows of one file against each other are the bundle's check)."""
    visible = set()
    if cooperative_id is not None:
        visible = set(conn.execute(_cooperative_field_ids(cooperative_id)).scalars())
    by_port: dict[tuple[str, int], list[Installation]] = {}
    for inst in registered:
        by_port.setdefault((inst.device_id, inst.port), []).append(inst)
    new_keys = {_key(inst) for inst in installations_of(typed)}
    problems = []
    for row, new in enumerate(installations_of(typed)):
        for old in by_port.get((new.device_id, new.port), []):
            if _key(old) in new_keys or not _overlap(old, new):
                continue
            where_old = (
                f"on field '{old.field_id}'"
                if old.field_id in visible
                else "on a field of another cooperative"
            )
            span = (
                f"from {old.installed_date} to {old.removed_date}"
                if old.removed_date
                else f"since {old.installed_date}, still in the soil"
            )
            if old.installed_date < new.installed_date:
                fix = (
                    f"retire it first: `agri devices retire {old.device_id} --port {old.port} "
                    f"--date {new.installed_date - timedelta(days=1)}`"
                    if old.removed_date is None
                    else f"start this installation after {old.removed_date}, or correct the "
                    "registered removal date"
                )
                column = "installed_date"
            else:
                fix = (
                    f"set this installation's removed_date before {old.installed_date} "
                    "(the last day in the soil)"
                )
                column = "removed_date"
            problems.append(
                Problem(
                    label,
                    _where(row, single),
                    column,
                    f"port {new.port} of device '{new.device_id}' is already registered "
                    f"{where_old} {span}, which overlaps this installation; {fix}",
                )
            )
    return problems


def _overlap(a: Installation, b: Installation) -> bool:
    """Two installations of one port overlap when the earlier one is not removed before the
    later one starts (the removal date is its last day in the soil, as in the bundle)."""
    first, second = sorted((a, b), key=lambda inst: inst.installed_date)
    return first.removed_date is None or first.removed_date >= second.installed_date


def _clock_zone(clock: str) -> tzinfo:
    """The time zone of a logger's clock; `ValueError` naming the accepted forms otherwise.

    The registry reads clocks only through here, with the sensor readers' own parser: an IANA
    zone (the logger follows daylight saving time) or a fixed UTC offset such as UTC+01:00
    (a logger kept on standard time all year).
    """
    # Imported here: the sensors package loads its readers, which listing does not need.
    from pipelines.sources.sensors.localtime import parse_clock

    return parse_clock(clock).tzinfo


def _canonical_clock(clock: str) -> str:
    """A clock in the parser's spelling (Europe/Amsterdam, UTC+01:00), so one logger's clock
    is stored one way; text that is no clock is kept for its error message."""
    from pipelines.sources.sensors.localtime import parse_clock

    try:
        return parse_clock(clock).text
    except ValueError:
        return clock


def _latest_day(conn: Connection, cooperative_id: str | None, today: date | None) -> date:
    """The registry's reference date: nothing is installed or removed after it. Today in the
    cooperative's zone (UTC for the whole workspace), or its latest bundle's reference date
    when the data run ahead of the calendar."""
    c, b = schema.cooperatives, schema.bundle_imports
    if today is None:
        zone = None
        if cooperative_id is not None:
            zone = conn.execute(
                sa.select(c.c.timezone).where(c.c.cooperative_id == cooperative_id)
            ).scalar()
        try:
            today = datetime.now(_clock_zone(str(zone or "UTC"))).date()
        except ValueError:
            today = datetime.now(UTC).date()
    latest = sa.select(sa.func.max(b.c.reference_date))
    if cooperative_id is not None:
        latest = latest.where(b.c.cooperative_id == cooperative_id)
    reference = conn.execute(latest).scalar()
    return max(today, reference) if reference is not None else today


# ---- the database


def _cooperative_field_ids(cooperative_id: str) -> sa.Select[tuple[str]]:
    f, fa = schema.fields, schema.farms
    return (
        sa.select(f.c.field_id)
        .join(fa, f.c.farm_id == fa.c.farm_id)
        .where(fa.c.cooperative_id == cooperative_id)
    )


def _registered(conn: Connection, typed: pd.DataFrame) -> list[Installation]:
    """Every registered installation (of any cooperative) of the device ports in `typed`."""
    d = schema.sensor_devices
    found: list[Installation] = []
    devices = sorted({str(x) for x in typed["device_id"]})
    for start in range(0, len(devices), 500):
        chunk = devices[start : start + 500]
        query = sa.select(*(d.c[name] for name in COLUMNS)).where(d.c.device_id.in_(chunk))
        found += [_installation(dict(row)) for row in conn.execute(query).mappings()]
    ports = {(str(x), int(p)) for x, p in zip(typed["device_id"], typed["port"], strict=True)}
    return [inst for inst in found if (inst.device_id, inst.port) in ports]


def _insert(conn: Connection, inst: Installation) -> None:
    conn.execute(schema.sensor_devices.insert().values(**dataclasses.asdict(inst)))


def _update(conn: Connection, inst: Installation) -> None:
    d = schema.sensor_devices
    values = dataclasses.asdict(inst)
    conn.execute(
        d.update()
        .where(
            d.c.device_id == inst.device_id,
            d.c.port == inst.port,
            d.c.installed_date == inst.installed_date,
        )
        .values({k: v for k, v in values.items() if k not in ("device_id", "port")})
    )


def _readings_affected(conn: Connection, old: Installation, new: Installation) -> bool:
    """Whether stored readings of `old` were derived with settings `new` changes."""
    r = schema.sensor_readings
    of_installation = sa.and_(
        r.c.device_id == old.device_id,
        r.c.port == old.port,
        r.c.installed_date == old.installed_date,
    )
    same_derivation = (old.field_id, old.depth_cm, old.timezone) == (
        new.field_id,
        new.depth_cm,
        new.timezone,
    )
    shortened = new.removed_date is not None and (
        old.removed_date is None or new.removed_date < old.removed_date
    )
    if same_derivation and shortened:
        # Only readings after the new last day are now outside the installation.
        assert new.removed_date is not None
        after = datetime.combine(
            new.removed_date + timedelta(days=1), time(0), tzinfo=_clock_zone(old.timezone)
        )
        of_installation = sa.and_(of_installation, r.c.ts >= after.astimezone(UTC))
    elif same_derivation and old.removed_date == new.removed_date:
        return False  # only the sensor model changed
    query = sa.select(sa.literal(1)).select_from(r).where(of_installation).limit(1)
    return conn.execute(query).first() is not None


def _refused_before(conn: Connection, device_ids: Sequence[str]) -> list[str]:
    """The new devices whose readings were quarantined earlier as not registered."""
    q = schema.sensor_quarantine
    found = []
    for device in sorted(set(device_ids)):
        pattern = f"%device '{device}'%not in the device registry%"
        hit = conn.execute(
            sa.select(sa.literal(1)).select_from(q).where(q.c.reason.like(pattern)).limit(1)
        ).first()
        if hit is not None:
            found.append(device)
    return found


def _unknown_device_hint(engine: Engine, cooperative_id: str, device_id: str) -> str:
    known = sorted(set(list_installations(engine, cooperative_id)["device_id"]))
    near = _near(device_id, known)
    hint = f"did you mean {', '.join(repr(x) for x in near)}? " if near else ""
    return (
        f"'{device_id}' is not a registered device of cooperative '{cooperative_id}'; {hint}"
        "`agri devices list` shows the registered devices"
    )


# ---- conversions


def _near(value: str, known: Sequence[str]) -> list[str]:
    """Up to three of `known` that look like `value` (a typo, or the wrong case)."""
    by_lower = {k.lower(): k for k in known}
    return [by_lower[k] for k in difflib.get_close_matches(value.lower(), list(by_lower), n=3)]


def _key(inst: Installation) -> tuple[str, int, date]:
    return (inst.device_id, inst.port, inst.installed_date)


def _installation(record: Mapping[Any, Any]) -> Installation:
    def day(value: Any) -> date | None:
        if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
            return None
        if isinstance(value, pd.Timestamp | datetime):
            return value.date()
        return date.fromisoformat(str(value)) if not isinstance(value, date) else value

    model = record.get("sensor_model")
    installed = day(record["installed_date"])
    assert installed is not None
    return Installation(
        device_id=str(record["device_id"]),
        port=int(record["port"]),
        field_id=str(record["field_id"]),
        depth_cm=float(record["depth_cm"]),
        timezone=str(record["timezone"]),
        installed_date=installed,
        sensor_model=None if model is None or pd.isna(model) or model == "" else str(model),
        removed_date=day(record.get("removed_date")),
    )


def _as_strings(inst: Installation) -> dict[str, str]:
    """A row as devices.csv would hold it, so the bundle's column checks read it."""
    return {
        "device_id": str(inst.device_id).strip(),
        "port": str(inst.port),
        "field_id": str(inst.field_id).strip(),
        "depth_cm": f"{inst.depth_cm!r}"
        if isinstance(inst.depth_cm, float)
        else str(inst.depth_cm),
        "sensor_model": (inst.sensor_model or "").strip(),
        "timezone": str(inst.timezone).strip(),
        "installed_date": inst.installed_date.isoformat(),
        "removed_date": inst.removed_date.isoformat() if inst.removed_date else "",
    }


def _read_strings(path: Path) -> pd.DataFrame:
    from pipelines.tables import read_csv_strings

    log = ProblemLog()
    if not path.is_file():
        raise _error(str(path), "no file here; pass the path of a devices.csv")
    frame = read_csv_strings(path, path.name, log)
    if frame is None:
        raise InputError(log.problems, WHAT)
    if frame.empty:
        raise _error(
            path.name,
            "the file has a header but no installations; add one row per logger port "
            "(docs/bundle-format.md, sensors/devices.csv)",
        )
    return frame


def _ports_text(port: int | None) -> str:
    return "any port" if port is None else f"port {port}"


def _require_registrar(scope: Scope | None, cooperative_id: str) -> None:
    if scope is None:
        return
    if scope.role not in REGISTRAR_ROLES or scope.cooperative_id != cooperative_id:
        raise AccessError(
            "only an admin or agronomist of the cooperative may change its device registry"
        )


def _error(label: str, message: str, column: str | None = None) -> InputError:
    return InputError([Problem(label, None, column, message)], WHAT)
