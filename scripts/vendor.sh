#!/usr/bin/env bash
# Re-fetches the front-end files the pages use from the npm registry into creditloan/static/vendor/, pinned
# to the versions below, and records each file's SHA-256 in creditloan/static/vendor/SOURCES. The files are
# committed: the pages never load anything from a CDN, and setup needs no network for them.
set -euo pipefail
cd "$(dirname "$0")/.."
BOOTSTRAP=5.3.9
out=creditloan/static/vendor
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
(cd "$scratch" && npm pack --silent "bootstrap@$BOOTSTRAP" >/dev/null && tar xzf "bootstrap-$BOOTSTRAP.tgz")
mkdir -p "$out/bootstrap"
cp "$scratch/package/dist/css/bootstrap.min.css" "$scratch/package/dist/js/bootstrap.bundle.min.js" \
    "$scratch/package/LICENSE" "$out/bootstrap/"
{
    echo "bootstrap $BOOTSTRAP from the npm registry (npm pack bootstrap@$BOOTSTRAP), MIT licence"
    (cd "$out" && sha256sum bootstrap/*)
} > "$out/SOURCES"
echo "vendored into $out"
