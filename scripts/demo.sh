#!/usr/bin/env bash
# `make demo`: set up, build the workspace from the embedded sample data, train, serve the app.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/agri demo "$@"
