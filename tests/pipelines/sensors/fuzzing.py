"""Mutated sensor logs and the "nothing lost, nothing invented" check, for the fuzz test and
`benchmarks/fuzz_ingest.py`.

Seeds are the first lines of real sample logs (the demo bundle's long and ZENTRA exports and
the vendor layouts in data/real). A mutation is one of: flip bytes, cut the file short, insert
a stray quote, repeat the header line, insert blank lines, re-encode as UTF-16 (with an odd
byte left over or not). `check_case` ingests one mutated file and says what is wrong with the
outcome, if anything:

- anything raised is wrong (`ingest_file` reports problems with the log, it does not raise;
  an `InputError` is only for a bad registry or mapping, which the fuzzer never sends);
- a report that is not "rejected" must account for every data row: for the long format
  accepted + duplicate + rejected equals the data lines (non-blank lines after the header,
  counted here on the decoded text independently of the reader); for the other layouts every
  data line gives at least one reading or rejection, or is a row of empty cells.
"""

from __future__ import annotations

import csv
import random
import traceback
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy.engine import Engine

from pipelines.sources.sensors import ingest_file
from pipelines.sources.sensors.detect import read_log
from pipelines.sources.sensors.ingest import IngestReport
from pipelines.sources.sensors.text import decode_log
from pipelines.store import storage
from pipelines.tables import InputError

REPO = Path(__file__).resolve().parents[3]
SAMPLE = REPO / "sample_data" / "demo" / "sensors"
REAL = Path(__file__).resolve().parent / "data" / "real"
SEED_LINES = 60
MUTATIONS = (
    "flip",
    "truncate",
    "quote",
    "header_again",
    "blank_lines",
    "utf16",
    "utf16_odd",
    "variable_name",
)


@dataclass(frozen=True)
class Seed:
    name: str
    data: bytes


def seeds() -> list[Seed]:
    """The first `SEED_LINES` lines of every sample log, and every real-layout file whole."""
    found = []
    for path in sorted(SAMPLE.glob("*/*.csv")):
        with path.open("rb") as handle:
            head = b"".join(handle.readline() for _ in range(SEED_LINES))
        found.append(Seed(path.name, head))
    for path in sorted(REAL.iterdir()):
        if path.suffix in (".csv", ".dat", ".txt", ".json") and path.name != "devices.csv":
            found.append(Seed(path.name, path.read_bytes()))
    return found


def devices() -> pd.DataFrame:
    """The registry of every seed's loggers."""
    frames = [
        pd.read_csv(folder / "devices.csv", dtype=str, keep_default_na=False)
        for folder in (SAMPLE, REAL)
    ]
    return pd.concat(frames, ignore_index=True)


def mutate(data: bytes, kind: str, rng: random.Random) -> bytes:
    """`data` changed by one mutation of `kind` (see `MUTATIONS`), at places `rng` chooses."""
    if kind == "flip":
        out = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            if out:
                out[rng.randrange(len(out))] = rng.randrange(256)
        return bytes(out)
    if kind == "truncate":
        return data[: rng.randrange(len(data) + 1)]
    lines = data.split(b"\n")
    if kind == "quote":
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(lines))
            at = rng.randrange(len(lines[i]) + 1)
            lines[i] = lines[i][:at] + b'"' + lines[i][at:]
        return b"\n".join(lines)
    if kind == "header_again":
        header_end = min(len(lines), rng.randint(1, 4))
        at = rng.randint(header_end, len(lines))
        return b"\n".join(lines[:at] + lines[:header_end] + lines[at:])
    if kind == "blank_lines":
        for _ in range(rng.randint(1, 5)):
            lines.insert(rng.randint(1, len(lines)), rng.choice([b"", b"  ", b"\r", b",,,"]))
        return b"\n".join(lines)
    if kind in ("utf16", "utf16_odd"):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
        encoded = text.encode(rng.choice(["utf-16", "utf-16-le", "utf-16-be"]))
        if not encoded.startswith((b"\xff\xfe", b"\xfe\xff")):
            encoded = rng.choice([b"\xff\xfe", b"\xfe\xff"]) + encoded
        return encoded + (bytes([rng.randrange(256)]) if kind == "utf16_odd" else b"")
    if kind == "variable_name":
        # Long format: a variable written as a user might (short, numeric, misspelt).
        name = rng.choice([b"vwc", b"42", b"1.5", b"Soil Temp", b"", b"VWC_M3_M3", b"x"])
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(1, max(len(lines), 2))
            if i < len(lines):
                cells = lines[i].split(b",")
                if len(cells) > 3:
                    cells[3] = name
                    lines[i] = b",".join(cells)
        return b"\n".join(lines)
    raise ValueError(f"unknown mutation {kind!r}")


@dataclass(frozen=True)
class Outcome:
    report: IngestReport | None
    problem: str | None  # what is wrong, None when the outcome keeps the promise
    rows: int | None  # data rows of a long-format file (None for other layouts)
    unaccounted: int  # data rows neither accepted, duplicate nor rejected


def check_case(
    engine: Engine, workspace: storage.Workspace, registry: pd.DataFrame, data: bytes, name: str
) -> Outcome:
    """Ingest `data` and say whether the outcome keeps "nothing lost, nothing invented"."""
    try:
        report = ingest_file(
            engine, workspace, data, file_name=name, devices=registry, uploaded_by="fuzz"
        )
    except InputError as exc:
        return Outcome(None, f"InputError raised instead of a report: {exc}", None, 0)
    except Exception:
        return Outcome(None, traceback.format_exc(), None, 0)
    if report.status == "rejected" and report.accepted == 0 and not report.problems:
        return Outcome(report, "rejected without a reason", None, 0)
    if report.status == "rejected" and report.upload_id is not None and report.quarantined == 0:
        return Outcome(report, None, None, 0)  # the file as a whole: nothing was read
    try:
        return _account(report, data, name)
    except Exception:
        return Outcome(report, "checking the report failed:\n" + traceback.format_exc(), None, 0)


def _account(report: IngestReport, data: bytes, name: str) -> Outcome:
    text = decode_log(data, name)
    lines = text.data.decode("utf-8", errors="replace").split("\n")
    if text.ends_with_newline:
        lines.pop()
    if report.format == "long":
        rows = sum(1 for line in lines[1:] if not is_blank(line))
        counted = report.accepted + report.duplicate + report.rejected
        if counted != rows:
            return Outcome(
                report,
                f"{rows} data rows but {report.accepted} accepted + {report.duplicate} "
                f"duplicate + {report.rejected} rejected = {counted}",
                rows,
                abs(rows - counted),
            )
        return Outcome(report, None, rows, 0)
    if text.data.lstrip()[:1] in (b"[", b"{"):
        return Outcome(report, None, None, 0)  # JSON: records, not lines (checked by its tests)
    # Other layouts: every non-blank line after the header is a reading's or a rejection's.
    parsed = read_log(text, report.format)
    covered = set(parsed.readings.line.tolist()) | {
        r.line for r in parsed.rejected if r.line is not None
    }
    first_data = min(covered, default=len(lines) + 1)
    missing = [
        number
        for number, line in enumerate(lines, start=1)
        if number > first_data and number not in covered and not is_blank(line)
    ]
    # A line of a timestamp and empty cells (HOBO: a row number, a time and event marks)
    # holds no reading: nothing to account for.
    skip = 2 if report.format == "hobo" else 1
    missing = [n for n in missing if not _no_values(lines[n - 1], skip)]
    if missing:
        return Outcome(
            report,
            f"{len(missing)} data line(s) neither read nor rejected, e.g. line {missing[0]}: "
            f"{lines[missing[0] - 1][:80]!r}",
            None,
            len(missing),
        )
    return Outcome(report, None, None, 0)


def is_blank(line: str) -> bool:
    """A line with no content: only spaces, tabs and separators (a quote is content)."""
    return not line.strip(" \t,;")


def _cells(line: str) -> list[str]:
    delimiter = max((",", ";", "\t"), key=line.count)
    return next(csv.reader([line], delimiter=delimiter), [])


def _no_values(line: str, skip: int) -> bool:
    cells = _cells(line)
    return len(cells) > skip and not any(_is_number(cell) for cell in cells[skip:])


def _is_number(cell: str) -> bool:
    try:
        float(cell.strip().replace(",", "."))
    except ValueError:
        return False
    return True
