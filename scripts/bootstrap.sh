#!/usr/bin/env bash
# Create .venv (if missing) and install the project with the pinned versions of constraints.txt.
# Re-running is cheap: pip only installs what changed. Usage: scripts/bootstrap.sh [EXTRAS]
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-dev,sim,postgres,dask}"
python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "error: Python 3.11 or newer is needed (found: $("$python" --version 2>&1)); set PYTHON=/path/to/python3.11" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "creating .venv with $("$python" --version)"
  "$python" -m venv .venv
fi
stamp=".venv/.installed-$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)-${extras//,/_}"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v "is ignored" || true
  .venv/bin/python -m pip install -q -c constraints.txt -e ".[${extras}]" 2>&1 | grep -v "is ignored" || true
  .venv/bin/python -c "import agri_app, models, pipelines" # fail here, not later, if install broke
  rm -f .venv/.installed-*
  touch "$stamp"
fi
