#!/usr/bin/env bash
# Fetch MathJax 3 from the npm registry into $1 (default _vendor/mathjax), so the book
# renders math with no CDN. Kept: the TeX->CHTML bundle, its fonts, and the TeX extensions it
# autoloads on first use (\boldsymbol, \cancel, ...; without them offline math fails to render).
set -euo pipefail
dest=${1:-_vendor/mathjax}
version=3.2.2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "mathjax@$version" >/dev/null)
tar -xzf "$tmp/mathjax-$version.tgz" -C "$tmp" package/es5/tex-chtml.js package/es5/output/chtml/fonts \
    package/es5/input/tex/extensions package/LICENSE
rm -rf "$dest" && mkdir -p "$dest"
cp -r "$tmp/package/es5/." "$dest/"
cp "$tmp/package/LICENSE" "$dest/LICENSE"
echo "MathJax $version -> $dest"
