#!/usr/bin/env bash
# Re-extracts the strings marked for translation into locale/zh_Hans/LC_MESSAGES/django.po (needs GNU gettext's
# xgettext and msgmerge). Fill in the new entries' Chinese, then `manage.py compile_translations`.
# With --check it leaves the catalogue as it was and fails if the code holds a string the catalogue does not
# translate: .ci/run calls it so.
set -euo pipefail
cd "$(dirname "$0")/.."
catalogue=locale/zh_Hans/LC_MESSAGES/django.po
extract() {
    .venv/bin/python manage.py makemessages -l zh_Hans --no-obsolete \
        --ignore ".venv/*" --ignore "bench/*" --ignore "tests/*" --ignore "screenshots/*" >/dev/null
}
if [ "${1:-}" != "--check" ]; then
    extract
    exit 0
fi
kept=$(mktemp)
cp "$catalogue" "$kept"
trap 'cp "$kept" "$catalogue"; rm -f "$kept"' EXIT
extract
.venv/bin/python -m pytest -q -p no:cacheprovider tests/creditloan/pages/test_translations.py
