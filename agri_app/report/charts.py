"""Static PNG charts of the weekly report, embedded as data URIs.

matplotlib with the Agg backend, fixed sizes and fonts, and no PNG metadata, so the same numbers
give the same bytes.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Hashable, Mapping
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

STYLE: Any = {
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "svg.hashsalt": "agri-report",
    "axes.spines.top": False,
    "axes.spines.right": False,
}
DPI = 150


def _data_uri(figure: plt.Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def outlook_chart(outlook: pd.DataFrame) -> str | None:
    """Per field: the P10-P90 range as a bar, P50 as a dot, the 5-season mean as a tick."""
    data = outlook.dropna(subset=["p50"]).sort_values(["crop", "field_id"], ascending=False)
    if data.empty:
        return None
    with plt.rc_context(STYLE):
        height = 1.0 + 0.22 * len(data)
        figure, axes = plt.subplots(figsize=(6.4, height))
        y = np.arange(len(data))
        axes.barh(
            y,
            data["p90"] - data["p10"],
            left=data["p10"],
            height=0.5,
            color="#b8d4b0",
            label="80 % range (P10-P90)",
        )
        axes.plot(data["p50"], y, "o", color="#2e6b30", markersize=4, label="forecast (P50)")
        axes.plot(data["mean_5"], y, "|", color="#444444", markersize=10, label="5-season mean")
        axes.set_yticks(
            y,
            [
                f"{f} ({c.replace('_', ' ')})"
                for f, c in zip(data["field_id"], data["crop"], strict=True)
            ],
        )
        axes.set_xlabel("yield, t/ha")
        # Above the bars: below them the legend ran into the axis label.
        axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False)
        figure.tight_layout()
        return _data_uri(figure)


def _period_label(row: Mapping[Hashable, Any]) -> str:
    """ "past 7 days (observed)" over its days, "18 May – 24 May"."""
    first, last = row.get("first"), row.get("last")
    if first is None or last is None or pd.isna(first) or pd.isna(last):
        return str(row["period"])
    return f"{row['period']}\n{pd.Timestamp(first):%d %b} – {pd.Timestamp(last):%d %b}"


def weather_chart(weather: pd.DataFrame) -> str | None:
    """Rain of the observed days and of the forecast's days against normal, side by side, each
    period named with its days."""
    if weather.empty or weather["rain_mm"].isna().all():
        return None
    with plt.rc_context(STYLE):
        figure, axes = plt.subplots(figsize=(4.0, 1.9))
        x = np.arange(len(weather))
        axes.bar(
            x - 0.18, weather["rain_mm"].fillna(0.0), width=0.36, color="#4a7fb5", label="this year"
        )
        axes.bar(
            x + 0.18,
            weather["rain_normal_mm"].fillna(0.0),
            width=0.36,
            color="#c9c9c9",
            label="normal",
        )
        axes.set_xticks(x, [_period_label(row) for row in weather.to_dict(orient="records")])
        axes.set_ylabel("rain, mm")
        axes.legend(frameon=False)
        figure.tight_layout()
        return _data_uri(figure)
