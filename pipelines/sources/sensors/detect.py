"""Choose the reader for a log: by name, or from its first lines (`format="auto"`).

Every layout has a test of the file's first lines. Detection runs all of them: exactly one
that fits chooses the reader; two or more refuse the file naming them (pass --format to say
which it is), because reading a file with the wrong reader could store wrong numbers without
an error; none refuses the file listing the layouts we know and what the file looked like.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, get_args

from pipelines.sources.sensors import ambient, davis, hobo, sentek, toa5, zentra
from pipelines.sources.sensors.long_format import REQUIRED, read_long
from pipelines.sources.sensors.parsed import ParsedLog, reject_file
from pipelines.sources.sensors.text import LogText, check_delimiter, describe_head
from pipelines.sources.sensors.wide import WideMapping, read_wide

FormatName = Literal["auto", "zentra", "long", "wide", "sentek", "davis", "hobo", "toa5", "ambient"]
FORMATS: tuple[str, ...] = get_args(FormatName)
_HEAD_LINES = 40
_JSON_START = 64 * 1024


@dataclass(frozen=True)
class Layout:
    name: str
    description: str
    fits: Callable[[list[str], str], bool]  # (first lines, start of the file as text)


def _long(head: list[str], start: str) -> bool:
    first = [c.strip().strip('"').strip() for c in head[0].split(",")]
    return sum(name in first for name in REQUIRED) >= 3


LAYOUTS: tuple[Layout, ...] = (
    Layout(
        "zentra",
        "METER ZENTRA Cloud / ZENTRA Utility CSV (three header lines: logger and ports, "
        "sensors or 'Records: N', units) or ZENTRA Cloud API JSON",
        lambda head, start: zentra.looks_like_zentra(head) or zentra.looks_like_zentra_json(start),
    ),
    Layout(
        "hobo",
        "Onset HOBOware CSV ('Plot Title' line, '\"Date Time, GMT+02:00\"' column)",
        lambda head, start: hobo.looks_like_hobo(head),
    ),
    Layout(
        "toa5",
        'Campbell Scientific TOA5 .dat (first cell "TOA5", four header lines)',
        lambda head, start: toa5.looks_like_toa5(head),
    ),
    Layout(
        "davis",
        "Davis WeatherLink CSV ('Date & Time,Temp - °F,...') or WeatherLink download text "
        "(tab-separated, 'Date<TAB>Time' header)",
        lambda head, start: davis.looks_like_davis(head),
    ),
    Layout(
        "ambient",
        "Ambient Weather CSV ('Date,Simple Date,Outdoor Temperature (°F),...') or API JSON "
        "(records with 'dateutc')",
        lambda head, start: (
            davis.looks_like_ambient_csv(head) or ambient.looks_like_ambient_json(start)
        ),
    ),
    Layout(
        "sentek",
        "Sentek IrriMAX CSV ('Date Time,A1(10),A2(30),...')",
        lambda head, start: sentek.header_line(head) is not None,
    ),
    Layout("long", "generic long CSV (device_id,port,variable,ts,value)", _long),
)


def detect_format(text: LogText, mapping: WideMapping | None = None) -> str:
    """The format of `text`, or `InputError` naming the candidates or the known layouts."""
    if mapping is not None:
        return "wide"
    head = text.head(_HEAD_LINES)
    start = text.data[:_JSON_START].decode("utf-8", errors="replace")
    fitting = [layout for layout in LAYOUTS if layout.fits(head, start)]
    if len(fitting) == 1:
        return fitting[0].name
    if fitting:
        raise reject_file(
            text,
            "the file fits more than one layout: "
            + "; ".join(f"{layout.name} ({layout.description})" for layout in fitting)
            + f"; pass --format {'|'.join(layout.name for layout in fitting)} to say which",
        )
    # A known layout exported with another separator: say that, it is the whole fix.
    for number, line in enumerate(head[:3], start=1):
        check_delimiter(text, number, line)
    raise reject_file(
        text,
        f"the layout is not one we recognise: {describe_head(text)}"
        + _guess(head)
        + ". Layouts we read: "
        + "; ".join(f"{layout.name}: {layout.description}" for layout in LAYOUTS)
        + "; wide: any CSV with a mapping file (--mapping). See docs/sensor-formats.md",
    )


def _guess(head: list[str]) -> str:
    """The layout whose telltale the file's first line comes closest to, if any."""
    first = head[0].strip().strip("\ufeff").lower() if head else ""
    clues = (
        ("toa", 'a TOA5 file\'s first cell is "TOA5"'),
        ("plot title", "a HOBOware header names 'Date Time, GMT±hh:mm'"),
        ("z6-", "a ZENTRA export has 'Port1,...' on line 1 and 'Timestamps' or 'Records: N'"),
        ("date", "a station export names its quantities with units ('Temp - °F')"),
    )
    for clue, hint in clues:
        if clue in first:
            return f"; it looks closest to a layout we know, but {hint}"
    return ""


def read_log(
    text: LogText,
    format: str = "auto",
    mapping: WideMapping | None = None,
    device_id: str | None = None,
) -> ParsedLog:
    """Read `text` with the named reader (detected when "auto") into canonical readings."""
    if format not in FORMATS:
        raise reject_file(text, f"unknown format '{format}'; use one of {', '.join(FORMATS)}")
    name = detect_format(text, mapping) if format == "auto" else format
    if name == "zentra":
        return zentra.read_zentra(text, device_id)
    if name == "long":
        return read_long(text)
    if name == "sentek":
        return sentek.read_sentek(text, device_id)
    if name == "davis":
        return davis.read_davis(text, device_id)
    if name == "hobo":
        return hobo.read_hobo(text, device_id)
    if name == "toa5":
        return toa5.read_toa5(text, device_id)
    if name == "ambient":
        if text.data.lstrip()[:1] in (b"[", b"{"):
            return ambient.read_ambient_json(text, device_id)
        return davis.read_davis(text, device_id, "ambient")
    if mapping is None:
        raise reject_file(
            text,
            "the wide format needs a mapping file naming what each column holds; pass "
            "--mapping FILE (see docs/sensor-formats.md)",
        )
    return read_wide(text, mapping)
