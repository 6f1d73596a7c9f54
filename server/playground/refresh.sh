#!/usr/bin/env bash
# refresh.sh re-vendors the GraphiQL browser build that the playground serves.
#
# It fetches the released packages from the npm registry with `npm pack`
# (through npm's own configuration: no host name is written here), copies only
# the built browser files into assets/ under versioned names, rewrites the
# references in assets/index.html, and checks that none of the copied files
# loads anything from a remote host.
#
# Usage: server/playground/refresh.sh [GRAPHIQL_VERSION [REACT_VERSION]]
#   defaults: the pinned versions below. GraphiQL must be 3.x (its UMD build
#   needs React 18's UMD files; React 19 ships no UMD build).
set -euo pipefail

GRAPHIQL_VERSION="${1:-3.9.0}"
REACT_VERSION="${2:-18.3.1}"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
assets="$here/assets"
licenses="$here/licenses"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$work"
npm pack --silent "graphiql@$GRAPHIQL_VERSION" "react@$REACT_VERSION" "react-dom@$REACT_VERSION" >/dev/null
for pkg in "graphiql-$GRAPHIQL_VERSION" "react-$REACT_VERSION" "react-dom-$REACT_VERSION"; do
	mkdir "$pkg"
	tar -xzf "$pkg.tgz" -C "$pkg"
done
echo "tarballs (sha256):"
sha256sum ./*.tgz

# Drop the previously vendored bundles; index.html stays.
find "$assets" -maxdepth 1 -type f ! -name index.html -delete
rm -f "$licenses"/*

cp "graphiql-$GRAPHIQL_VERSION/package/graphiql.min.js" "$assets/graphiql-$GRAPHIQL_VERSION.min.js"
cp "graphiql-$GRAPHIQL_VERSION/package/graphiql.min.css" "$assets/graphiql-$GRAPHIQL_VERSION.min.css"
cp "react-$REACT_VERSION/package/umd/react.production.min.js" "$assets/react-$REACT_VERSION.production.min.js"
cp "react-dom-$REACT_VERSION/package/umd/react-dom.production.min.js" "$assets/react-dom-$REACT_VERSION.production.min.js"
cp "graphiql-$GRAPHIQL_VERSION/package/LICENSE" "$licenses/graphiql.LICENSE"
cp "react-$REACT_VERSION/package/LICENSE" "$licenses/react.LICENSE"
cp "react-dom-$REACT_VERSION/package/LICENSE" "$licenses/react-dom.LICENSE"

# Point index.html at the new file names.
sed -i -E \
	-e "s#graphiql-[0-9][0-9A-Za-z.+-]*\.min\.(js|css)#graphiql-$GRAPHIQL_VERSION.min.\1#g" \
	-e "s#react-dom-[0-9][0-9A-Za-z.+-]*\.production\.min\.js#react-dom-$REACT_VERSION.production.min.js#g" \
	-e "s#react-[0-9][0-9A-Za-z.+-]*\.production\.min\.js#react-$REACT_VERSION.production.min.js#g" \
	"$assets/index.html"

# Nothing may be fetched from a remote host at run time. The bundles mention
# URLs in comments, error messages and link handling; the stylesheet must only
# use data: URLs (its fonts are inlined).
if grep -o 'url([^)]*' "$assets"/*.css | grep -v 'url(data:'; then
	echo "refresh.sh: a stylesheet references a non-data URL (listed above); fix before committing" >&2
	exit 1
fi
if grep -E -o '@import[^;]*' "$assets"/*.css; then
	echo "refresh.sh: a stylesheet uses @import (listed above); fix before committing" >&2
	exit 1
fi
echo "URLs in the bundles (review: none may be loaded at startup):"
grep -h -o 'https\?://[^"'"'"' )`\\]*' "$assets"/*.js | sort | uniq -c | sort -rn

echo "vendored:"
ls -l "$assets"
echo "now run: go test ./server/playground/   (the browser test checks no request leaves the machine)"
