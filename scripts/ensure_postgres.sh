#!/usr/bin/env bash
# Make sure the PostgreSQL that DATABASE_URL names answers and that its database exists.
#
# When it does not answer, the server is local and a Debian/Ubuntu cluster is installed
# (pg_ctlcluster), the cluster 15/main is started. Called by `make test`; needs the virtualenv's
# python (PYTHON) for dj-database-url and psycopg.
set -euo pipefail

DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/returns}"
PYTHON="${PYTHON:-.venv/bin/python}"
WAIT_SECONDS="${PG_WAIT_SECONDS:-30}"

# Host, port and database name as the settings read them (dj-database-url), one per line.
{ read -r PG_HOST; read -r PG_PORT; read -r PG_NAME; } < <("$PYTHON" -c '
import sys, dj_database_url
config = dj_database_url.parse(sys.argv[1])
print(config.get("HOST") or "", config.get("PORT") or 5432, config["NAME"], sep="\n")
' "$DATABASE_URL")

is_ready() {
    if command -v pg_isready >/dev/null 2>&1; then
        local host_args=()
        [ -n "$PG_HOST" ] && host_args=(-h "$PG_HOST")
        pg_isready -q ${host_args[@]+"${host_args[@]}"} -p "$PG_PORT"
    else
        "$PYTHON" -c '
import sys, psycopg
from dj_database_url import parse
c = parse(sys.argv[1])
params = {"host": c.get("HOST"), "port": c.get("PORT"), "user": c.get("USER"), "password": c.get("PASSWORD")}
psycopg.connect(dbname="postgres", connect_timeout=2, **{k: v for k, v in params.items() if v}).close()
' "$DATABASE_URL" >/dev/null 2>&1
    fi
}

is_local() {
    case "$PG_HOST" in
        "" | localhost | 127.0.0.1 | ::1 | /*) return 0 ;;
        *) return 1 ;;
    esac
}

start_local_cluster() {
    local as_root=()
    if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
        as_root=(sudo)
    fi
    echo "PostgreSQL does not answer at ${PG_HOST:-the local socket}:${PG_PORT}; starting the local cluster 15/main."
    ${as_root[@]+"${as_root[@]}"} pg_ctlcluster --skip-systemctl-redirect 15 main start \
        || echo "pg_ctlcluster could not start it; waiting in case it is starting already."
}

create_database_if_missing() {
    "$PYTHON" -c '
import sys, psycopg
from dj_database_url import parse
from psycopg import errors, sql
c = parse(sys.argv[1])
params = {"host": c.get("HOST"), "port": c.get("PORT"), "user": c.get("USER"), "password": c.get("PASSWORD")}
with psycopg.connect(dbname="postgres", autocommit=True, **{k: v for k, v in params.items() if v}) as conn:
    if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (c["NAME"],)).fetchone():
        sys.exit(0)
    try:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(c["NAME"])))
        print("Created database", c["NAME"])
    except errors.DuplicateDatabase:
        pass  # another run created it a moment ago
' "$DATABASE_URL"
}

if ! is_ready; then
    if is_local && command -v pg_ctlcluster >/dev/null 2>&1; then
        start_local_cluster
    fi
    for _ in $(seq "$WAIT_SECONDS"); do
        is_ready && break
        sleep 1
    done
    if ! is_ready; then
        echo "PostgreSQL does not answer at ${PG_HOST:-the local socket}:${PG_PORT}." >&2
        echo "Start it, or set DATABASE_URL to one that runs (postgres://USER@HOST:PORT/NAME)." >&2
        exit 1
    fi
fi
create_database_if_missing
