#!/usr/bin/env bash
# `make demo`: set up, build the workspace from the embedded sample data, train, serve the app.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
# The crop model's first runs (a few minutes on one core) go to one worker process per core,
# unless a scheduler is set.
export AGRI_DASK_SCHEDULER="${AGRI_DASK_SCHEDULER:-local}"
exec .venv/bin/agri demo "$@"
