#!/usr/bin/env bash
# Make sure the local Redis the export worker test uses answers (redis://127.0.0.1:6379).
#
# When it does not and redis-server is installed, it is started as the machine starts it: in the
# background, keeping nothing on disk. Without redis-server nothing is started, and the test
# says so (skipping, or failing under CI=true). Called by `make test`.
set -euo pipefail

answers() {
    "${PYTHON:-.venv/bin/python}" -c '
import redis, sys
try:
    redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
except redis.exceptions.ConnectionError:
    sys.exit(1)
'
}

if answers || ! command -v redis-server >/dev/null 2>&1; then
    exit 0
fi
echo "Redis does not answer at 127.0.0.1:6379; starting redis-server."
redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
for _ in $(seq 10); do
    answers && exit 0
    sleep 1
done
echo "redis-server did not answer within 10 seconds; the worker test will say so." >&2
