#!/usr/bin/env bash
# refresh.sh re-vendors axe-core for the browser tests: npm pack of the given
# version, its axe.min.js copied here under a versioned name, its licence, and
# the tarball's sha256 printed for axe/README.md.
set -euo pipefail
version="${1:?usage: refresh.sh VERSION}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "axe-core@$version" >/dev/null
sha256sum "axe-core-$version.tgz"
tar -xzf "axe-core-$version.tgz"
rm -f "$here"/axe-*.min.js
cp package/axe.min.js "$here/axe-$version.min.js"
cp package/LICENSE "$here/LICENSE"
echo "now set AxeVersion and the go:embed name in axe.go to $version"
