#!/usr/bin/env bash
# Installs what the tests need (a virtualenv in .venv; Debian's Chromium and CJK fonts for the browser tests,
# where this machine lets it) and runs them. Extra arguments go to pytest.
# With DATABASE_URL / CELERY_BROKER_URL unset the suite runs on SQLite with eager Celery; .ci/run sets both.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
# The browser tests drive Debian's Chromium (Playwright's own download does not work here) and their screenshots
# need CJK fonts. Without root or apt-get they skip and say why.
if { [ ! -x /usr/bin/chromium ] || ! fc-list :lang=zh 2>/dev/null | grep -q .; } \
    && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q chromium fonts-noto-cjk >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium fonts-noto-cjk >/dev/null 2>&1; } \
        || echo "test.sh: could not install chromium and fonts-noto-cjk; the browser tests will skip"
fi
.venv/bin/python manage.py compile_translations >/dev/null
exec .venv/bin/python -m pytest "$@"
