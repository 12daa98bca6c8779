"""The same feature code on a 2-worker Dask cluster gives the in-process result."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pipelines.agronomy.features import build_features
from pipelines.agronomy.season_grid import season_inputs, season_requests
from pipelines.agronomy.waterbalance import season_water_balance
from tests.pipelines.season_data import synthetic_sources

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    # Two worker processes: the blocks and their functions are pickled and shipped, as on a
    # real cluster (starting them takes about 1.5 s).
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=40,
    )
    with cluster, distributed.Client(cluster) as dask_client:
        yield dask_client


def test_features_on_a_local_cluster_equal_the_in_process_result(
    client: Any,
) -> None:
    sources = synthetic_sources(8, seed=7)
    requests = season_requests(sources.seasons, pd.Timestamp("2025-05-25"), every_days=30)
    in_process = build_features(sources, requests)
    on_cluster = build_features(sources, requests, chunk_rows=37)
    pd.testing.assert_frame_equal(on_cluster, in_process, rtol=1e-12)
    # The work really went through the cluster's workers.
    assert len(client.scheduler_info()["workers"]) == 2
    tasks = client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.task_prefixes))
    assert tasks > 0


def test_water_balance_on_dask_chunks(client: Any) -> None:
    sources = synthetic_sources(5, seed=8)
    requests = season_requests(sources.seasons, pd.Timestamp("2025-05-25"))
    inputs = season_inputs(sources, requests)
    eager = season_water_balance(inputs)
    lazy = season_water_balance(inputs.chunk({"row": 4}))
    assert lazy["dr_mm"].chunks is not None  # lazy until computed
    computed = lazy.compute()
    for name in ("dr_mm", "ks", "correction_mm", "kc"):
        np.testing.assert_array_equal(computed[name].to_numpy(), eager[name].to_numpy())
