# Sourced by scripts/test.sh: export AGRI_TEST_POSTGRES_URL naming a reachable PostgreSQL server
# (as a superuser that may create databases), starting or installing one if needed.
# Order: the URL already set, else the local server on 127.0.0.1:5432, else Debian's package.
pg_reachable() {
  .venv/bin/python - "$1" <<'PY' >/dev/null 2>&1
import sys, sqlalchemy as sa
sa.create_engine(sys.argv[1]).connect().close()
PY
}
if [ -n "${AGRI_TEST_POSTGRES_URL:-}" ]; then
  echo "postgres: using AGRI_TEST_POSTGRES_URL"
else
  local_url="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
  if ! pg_reachable "$local_url"; then
    if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
      echo "postgres: none reachable; installing postgresql from the system packages ..."
      apt_install postgresql
    fi
    version="$(ls /etc/postgresql | sort -V | tail -n 1)"
    hba="/etc/postgresql/${version}/main/pg_hba.conf"
    # Tests connect over loopback without a password: trust local TCP connections only.
    if ! grep -q "^host all all 127.0.0.1/32 trust" "$hba"; then
      sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
    fi
    echo "postgres: starting cluster ${version}/main ..."
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || pg_ctlcluster --skip-systemctl-redirect "$version" main reload || true
    for _ in $(seq 1 30); do pg_reachable "$local_url" && break; sleep 1; done
  fi
  if pg_reachable "$local_url"; then
    export AGRI_TEST_POSTGRES_URL="$local_url"
    echo "postgres: using the server on 127.0.0.1:5432"
  fi
fi
if [ -n "${AGRI_TEST_POSTGRES_URL:-}" ]; then
  # The server is there: a PostgreSQL test that cannot connect must fail, not skip.
  export AGRI_REQUIRE_POSTGRES=1
else
  echo "WARNING: no PostgreSQL server could be started; PostgreSQL tests will be SKIPPED" >&2
fi
