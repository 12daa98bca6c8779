"""Choose the reader for a log: by name, or from its first lines (`format="auto"`)."""

from __future__ import annotations

from typing import Literal, get_args

from pipelines.sources.sensors import davis, sentek, zentra
from pipelines.sources.sensors.long_format import REQUIRED, read_long
from pipelines.sources.sensors.parsed import ParsedLog, reject_file
from pipelines.sources.sensors.text import LogText, check_delimiter
from pipelines.sources.sensors.wide import WideMapping, read_wide

FormatName = Literal["auto", "zentra", "long", "wide", "sentek", "davis"]
FORMATS: tuple[str, ...] = get_args(FormatName)
_HEAD_LINES = 40


def detect_format(text: LogText, mapping: WideMapping | None = None) -> str:
    """The format of `text`, or `InputError` naming what was expected."""
    if mapping is not None:
        return "wide"
    head = text.head(_HEAD_LINES)
    if zentra.looks_like_zentra(head):
        return "zentra"
    first = [c.strip().strip('"').strip() for c in head[0].split(",")]
    if sum(name in first for name in REQUIRED) >= 3:
        return "long"
    if sentek.header_line(head) is not None:
        return "sentek"
    if davis.header_line(head) is not None:
        return "davis"
    for number, line in enumerate(head[:3], start=1):
        check_delimiter(text, number, line)
    raise reject_file(
        text,
        "the layout is not one we recognise (ZENTRA export, long CSV, Sentek, Davis/Ambient "
        "weather station; a wide CSV needs a mapping file with --mapping); pass --format to "
        "say which it is, or see docs/sensor-formats.md",
    )


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
    if mapping is None:
        raise reject_file(
            text,
            "the wide format needs a mapping file naming what each column holds; pass "
            "--mapping FILE (see docs/sensor-formats.md)",
        )
    return read_wide(text, mapping)
