#!/usr/bin/env bash
# `make test`: set up, then ruff, mypy and the whole pytest suite.
# Installs what the tests need: the Python environment, Debian's Chromium for the browser tests,
# and a PostgreSQL server for the database tests (the one named by AGRI_TEST_POSTGRES_URL, else
# the local one on 127.0.0.1:5432, else one installed from Debian's packages and started here).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/bootstrap.sh

apt_install() {
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "${APT_UPDATED:-}" ]; then $sudo apt-get update -qq; APT_UPDATED=1; fi
  $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# 1. Chromium for the end-to-end tests (Playwright cannot download its own browser offline),
#    and poppler-utils (pdftotext, pdftoppm) to read back the generated PDF reports.
if ! command -v chromium >/dev/null 2>&1; then
  echo "installing chromium from the system packages ..."
  apt_install chromium
fi
# WeasyPrint (HTML to PDF) needs Pango and HarfBuzz from the system.
if ! ldconfig -p | grep -q libpangoft2-1.0.so.0 || ! ldconfig -p | grep -q libharfbuzz-subset.so.0; then
  echo "installing pango and harfbuzz from the system packages ..."
  apt_install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
fi
if ! command -v pdftotext >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1; then
  echo "installing poppler-utils from the system packages ..."
  apt_install poppler-utils
fi

# 2. PostgreSQL.
source scripts/ensure-postgres.sh

# 3. Checks and tests. Exit code 5 (no tests collected) is a failure, never a pass.
export STREAMLIT_BROWSER_GATHER_USAGE_STATS=false
echo "ruff ..."
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "mypy ..."
.venv/bin/mypy
echo "pytest ..."
set +e
.venv/bin/python -m pytest -q -p no:cacheprovider --durations=10 "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "error: pytest collected no tests" >&2
  exit 1
fi
exit "$rc"
