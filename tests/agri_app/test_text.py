"""Escaping user text for Streamlit's Markdown."""

from __future__ import annotations

import pytest

from agri_app.app.text import escape_markdown


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("[click](javascript:alert(1))", r"\[click\]\(javascript\:alert\(1\)\)"),
        ("![img](http://x/y.png)", r"\!\[img\]\(http\:\/\/x\/y\.png\)".replace(r"\/", "/")),
        ("De *Brink* _1_", r"De \*Brink\* \_1\_"),
        ("a <b>c</b> $x$", r"a \<b\>c\</b\> \$x\$"),
        ("plain", "plain"),
        (None, "-"),
    ],
)
def test_user_text_reads_as_typed(raw: str | None, escaped: str) -> None:
    assert escape_markdown(raw) == escaped
