#!/usr/bin/env bash
# Requests/s and p99 of the API under gunicorn (2 workers) and wrk on loopback: submitting an application and a
# bank officer's queue. See bench/api_load.py; extra arguments go to it (--seconds, --rounds, --connections).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -q wrk >/dev/null; }
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/creditloan_bench}"
export CELERY_BROKER_URL="${CELERY_BROKER_URL:-redis://127.0.0.1:6379/15}"
exec .venv/bin/python bench/api_load.py "$@"
