"""JSON answers of vendor APIs (ZENTRA Cloud, Ambient Weather), saved to a file and uploaded.

A reading read from JSON is reported by the line its timestamp is written on, so a rejected
reading can still be found in the file.
"""

from __future__ import annotations

import json
from typing import Any

from pipelines.sources.sensors.parsed import reject_file
from pipelines.sources.sensors.text import LogText


def load_json(text: LogText) -> Any:
    try:
        return json.loads(text.data)
    except json.JSONDecodeError as exc:
        raise reject_file(
            text,
            f"the file is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); "
            "save the API answer as it came",
            f"line {exc.lineno}",
        ) from None


class JsonLines:
    """The 1-based line of successive values, found in document order."""

    def __init__(self, text: LogText) -> None:
        self._data = text.data
        self._cursor = 0
        self._line = 1

    def line_of(self, value: object) -> int:
        token = json.dumps(value).encode()
        found = self._data.find(token, self._cursor)
        if found < 0:
            return self._line
        self._line += self._data.count(b"\n", self._cursor, found)
        self._cursor = found + len(token)
        return self._line
