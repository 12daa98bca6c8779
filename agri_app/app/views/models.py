"""Models: skill against baselines, interval coverage, feature importance, training data."""

from typing import Any

import pandas as pd
import streamlit as st

from agri_app.app import data, session

session.require_scope()
st.title("Models")
versions = data.model_versions()
if not versions:
    st.info(
        "No trained model in this workspace yet: run `agri train` (it prints held-out skill "
        "against the baselines), then reload this page."
    )
    st.stop()

labels = [v for v, _ in versions]
chosen = st.selectbox("Model version", labels, key="model_version")
meta: dict[str, Any] = dict(versions)[chosen]
if "error" in meta:
    st.error(f"{meta['error']}; retrain with `agri train`.")
    st.stop()

c1, c2, c3 = st.columns(3)
c1.metric("Trained", str(meta.get("created_at") or meta.get("trained_at") or "–")[:19])
data_hash = str(meta.get("training_data_sha256") or meta.get("data_sha256") or "–")
c2.metric("Training data hash", data_hash[:12])
c3.metric("Crops", ", ".join(meta.get("crops", {})) if meta.get("crops") else "–")
st.caption(f"Full training-data hash: {data_hash}")


def _frame(value: Any) -> pd.DataFrame | None:
    """A metrics block as a table: a list of records or a mapping of mappings."""
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return pd.DataFrame(value)
    if isinstance(value, dict) and value:
        if all(isinstance(v, dict) for v in value.values()):
            return pd.DataFrame(value).T.reset_index(names="key")
        return pd.DataFrame([value])
    return None


metrics = meta.get("metrics", {})
sections = {
    "Skill against baselines (leave-one-season-out)": ("skill", "loso", "evaluation"),
    "Skill against baselines (leave-farm-out)": ("skill_leave_farm_out",),
    "Interval coverage": ("coverage", "interval_coverage"),
    "Feature importance": ("feature_importance", "importance"),
}
shown = False
for title, keys in sections.items():
    for key in keys:
        block = metrics.get(key) if isinstance(metrics, dict) else None
        block = block if block is not None else meta.get(key)
        table = _frame(block)
        if table is not None:
            st.subheader(title)
            st.dataframe(table, hide_index=True, key=f"table_{key}")
            shown = True
            break
if not shown:
    table = _frame(metrics)
    if table is not None:
        st.subheader("Metrics")
        st.dataframe(table, hide_index=True, key="table_metrics")
    else:
        st.info("This model's metadata holds no metrics; retrain with `agri train`.")
st.caption(
    "RMSE and yields in t/ha at the crop's standard moisture; skill = 1 − RMSE_model / "
    "RMSE_baseline; coverage: share of held-out field-seasons inside the 80 % interval, "
    "averaged over the seasons (field_mean_coverage: of the field-mean fallback's interval). "
    "serves: where the model's leave-one-season-out skill against the field mean is below "
    "min_skill_vs_field_mean, the advice serves the field's own mean ('no better than this "
    "field's average yet'). Leave-farm-out: each farm forecast by models trained on the other "
    "farms' fields in the same seasons."
)
with st.expander("Full metadata.json"):
    st.json(meta)
