#!/usr/bin/env bash
# Re-fetches the front-end files the pages use from the npm registry into creditloan/static/vendor/, pinned
# to the versions below, and records each file's SHA-256 in creditloan/static/vendor/SOURCES. The files are
# committed: the pages never load anything from a CDN, and setup needs no network for them. axe-core is not
# served by the pages: the browser tests inject it to check each page's accessibility, so it lives beside them.
set -euo pipefail
cd "$(dirname "$0")/.."
BOOTSTRAP=5.3.9
CHARTJS=4.6.1
AXE=4.14.1
out=creditloan/static/vendor
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fetch() {  # name version: the package's tarball, unpacked into $scratch/name
    (cd "$scratch" && npm pack --silent "$1@$2" >/dev/null && mkdir "$1" && tar xzf "$1-$2.tgz" -C "$1")
}
fetch bootstrap "$BOOTSTRAP"
fetch chart.js "$CHARTJS"
fetch axe-core "$AXE"
mkdir -p "$out/bootstrap" "$out/chartjs"
# The source maps come too: each minified file names its map, and collectstatic (the production settings' hashed
# storage) refuses a file that names one it cannot find.
cp "$scratch/bootstrap/package/dist/css/bootstrap.min.css" "$scratch/bootstrap/package/dist/css/bootstrap.min.css.map" \
    "$scratch/bootstrap/package/dist/js/bootstrap.bundle.min.js" \
    "$scratch/bootstrap/package/dist/js/bootstrap.bundle.min.js.map" "$scratch/bootstrap/package/LICENSE" "$out/bootstrap/"
cp "$scratch/chart.js/package/dist/chart.umd.min.js" "$scratch/chart.js/package/dist/chart.umd.min.js.map" \
    "$scratch/chart.js/package/LICENSE.md" "$out/chartjs/"
axe_out=tests/creditloan/pages/vendor/axe-core
mkdir -p "$axe_out"
cp "$scratch/axe-core/package/axe.min.js" "$scratch/axe-core/package/LICENSE" "$axe_out/"
{
    echo "axe-core $AXE from the npm registry (npm pack axe-core@$AXE), MPL-2.0 licence"
    (cd "$axe_out" && sha256sum axe.min.js LICENSE)
} > "$axe_out/SOURCES"
{
    echo "bootstrap $BOOTSTRAP from the npm registry (npm pack bootstrap@$BOOTSTRAP), MIT licence"
    echo "chart.js $CHARTJS from the npm registry (npm pack chart.js@$CHARTJS), MIT licence"
    (cd "$out" && sha256sum bootstrap/* chartjs/*)
} > "$out/SOURCES"
echo "vendored into $out"
