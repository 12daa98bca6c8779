"""User text (names of cooperatives, farms, fields, devices; file names) shown through Streamlit's
Markdown: escaped so that it reads as typed and never becomes a link, an image or formatting."""

from __future__ import annotations

import re

# Markdown's punctuation that can start markup, plus HTML's angle brackets and the dollar sign
# Streamlit reads as LaTeX.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<$:])")


def escape_markdown(text: object) -> str:
    """`text` with every Markdown-active character backslash-escaped (None: "-")."""
    if text is None:
        return "-"
    return _SPECIAL.sub(r"\\\1", str(text))
