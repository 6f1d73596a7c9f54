#!/usr/bin/env bash
# refresh.sh re-vendors the browser libraries that the explorer serves.
#
# It fetches the released packages from the npm registry with `npm pack`
# (through npm's own configuration: no host name is written here), copies only
# the built browser files into assets/ under versioned names, rewrites the
# references in assets/index.html, and checks that none of the copied files
# loads anything from a remote host. The explorer's own files (index.html,
# explorer.js, explorer.css) are hand-written and left alone.
#
# Usage: server/explorer/refresh.sh [CYTOSCAPE [FCOSE [COSE_BASE [LAYOUT_BASE [CHARTJS]]]]]
#   defaults: the pinned versions below. cytoscape-fcose needs cose-base,
#   which needs layout-base: keep them to the ranges their package.json ask for
#   (`npm view cytoscape-fcose@VERSION dependencies`).
set -euo pipefail

CYTOSCAPE_VERSION="${1:-3.35.0}"
FCOSE_VERSION="${2:-2.2.0}"
COSE_BASE_VERSION="${3:-2.2.0}"
LAYOUT_BASE_VERSION="${4:-2.0.1}"
CHARTJS_VERSION="${5:-4.6.1}"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
assets="$here/assets"
licenses="$here/licenses"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$work"
npm pack --silent "cytoscape@$CYTOSCAPE_VERSION" "cytoscape-fcose@$FCOSE_VERSION" \
	"cose-base@$COSE_BASE_VERSION" "layout-base@$LAYOUT_BASE_VERSION" "chart.js@$CHARTJS_VERSION" >/dev/null
for pkg in "cytoscape-$CYTOSCAPE_VERSION" "cytoscape-fcose-$FCOSE_VERSION" "cose-base-$COSE_BASE_VERSION" \
	"layout-base-$LAYOUT_BASE_VERSION" "chart.js-$CHARTJS_VERSION"; do
	mkdir "$pkg"
	tar -xzf "$pkg.tgz" -C "$pkg"
done
echo "tarballs (sha256):"
sha256sum ./*.tgz

# Drop the previously vendored bundles; the hand-written files stay.
find "$assets" -maxdepth 1 -type f ! -name index.html ! -name 'explorer.*' -delete
rm -f "$licenses"/*

cp "cytoscape-$CYTOSCAPE_VERSION/package/dist/cytoscape.min.js" "$assets/cytoscape-$CYTOSCAPE_VERSION.min.js"
cp "layout-base-$LAYOUT_BASE_VERSION/package/layout-base.js" "$assets/layout-base-$LAYOUT_BASE_VERSION.js"
cp "cose-base-$COSE_BASE_VERSION/package/cose-base.js" "$assets/cose-base-$COSE_BASE_VERSION.js"
cp "cytoscape-fcose-$FCOSE_VERSION/package/cytoscape-fcose.js" "$assets/cytoscape-fcose-$FCOSE_VERSION.js"
cp "chart.js-$CHARTJS_VERSION/package/dist/chart.umd.min.js" "$assets/chart-$CHARTJS_VERSION.umd.min.js"
cp "cytoscape-$CYTOSCAPE_VERSION/package/LICENSE" "$licenses/cytoscape.LICENSE"
cp "cytoscape-fcose-$FCOSE_VERSION/package/LICENSE" "$licenses/cytoscape-fcose.LICENSE"
cp "cose-base-$COSE_BASE_VERSION/package/LICENSE" "$licenses/cose-base.LICENSE"
cp "layout-base-$LAYOUT_BASE_VERSION/package/LICENSE" "$licenses/layout-base.LICENSE"
cp "chart.js-$CHARTJS_VERSION/package/LICENSE.md" "$licenses/chart.js.LICENSE"

# Point index.html at the new file names.
sed -i -E \
	-e "s#cytoscape-[0-9][0-9A-Za-z.+-]*\.min\.js#cytoscape-$CYTOSCAPE_VERSION.min.js#g" \
	-e "s#cytoscape-fcose-[0-9][0-9A-Za-z.+-]*\.js#cytoscape-fcose-$FCOSE_VERSION.js#g" \
	-e "s#cose-base-[0-9][0-9A-Za-z.+-]*\.js#cose-base-$COSE_BASE_VERSION.js#g" \
	-e "s#layout-base-[0-9][0-9A-Za-z.+-]*\.js#layout-base-$LAYOUT_BASE_VERSION.js#g" \
	-e "s#chart-[0-9][0-9A-Za-z.+-]*\.umd\.min\.js#chart-$CHARTJS_VERSION.umd.min.js#g" \
	"$assets/index.html"

# Nothing may be fetched from a remote host at run time, and nothing may
# compile code from strings (the page's Content-Security-Policy refuses it).
if grep -l -E 'new Function|[^.a-zA-Z_]eval\(' "$assets"/*.js; then
	echo "refresh.sh: a bundle compiles code from strings (files above); the CSP would refuse it" >&2
	exit 1
fi
echo "URLs in the bundles (review: none may be loaded at run time):"
grep -h -o 'https\?://[^"'"'"' )`\\]*' "$assets"/*.js | sort | uniq -c | sort -rn

echo "vendored:"
ls -l "$assets"
du -cb "$assets"/* | tail -1
echo "now update the table in README.md and run: go test ./server/explorer/"
