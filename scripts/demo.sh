#!/usr/bin/env bash
# Sets everything up and serves the product on demo data: virtualenv, packages, database, a generated demo
# world loaded through the importer, demo accounts (their logins are printed), the risk model trained on the
# world's loan history and the banks' approval model on their past decisions, then the web server.
# DEMO_ENTERPRISES (default 20000) sizes the world; DATABASE_URL / CELERY_BROKER_URL choose PostgreSQL / Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
.venv/bin/python manage.py compile_translations
.venv/bin/python manage.py migrate --no-input
.venv/bin/python manage.py generate_demo_data --enterprises "${DEMO_ENTERPRISES:-20000}" --seed "${DEMO_SEED:-7}" --if-empty
# A small world (DEMO_ENTERPRISES of a few thousand) may hold too few defaults to train on; the product still
# serves, without scores, and the command has said what is missing.
.venv/bin/python manage.py train_model --if-no-champion || echo "demo: no model trained; the service runs without scores"
.venv/bin/python manage.py train_approval_model --if-none || echo "demo: no approval model; rankings take every bank as even odds"
exec .venv/bin/python manage.py runserver "${DEMO_ADDRESS:-127.0.0.1:8000}"
