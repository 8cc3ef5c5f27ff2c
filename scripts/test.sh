#!/usr/bin/env bash
# Installs what the tests need (a virtualenv in .venv) and runs them. Extra arguments go to pytest.
# With DATABASE_URL / CELERY_BROKER_URL unset the suite runs on SQLite with eager Celery; .ci/run sets both.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
exec .venv/bin/python -m pytest "$@"
