#!/usr/bin/env bash
# Fetch MathJax 3 from the npm registry into $1 (default _vendor/mathjax), so the book
# renders math with no CDN. Only the TeX->CHTML bundle and its fonts are kept (about 2 MB).
set -euo pipefail
dest=${1:-_vendor/mathjax}
version=3.2.2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "mathjax@$version" >/dev/null)
tar -xzf "$tmp/mathjax-$version.tgz" -C "$tmp" package/es5/tex-chtml.js package/es5/output/chtml/fonts package/LICENSE
rm -rf "$dest" && mkdir -p "$dest"
cp -r "$tmp/package/es5/." "$dest/"
cp "$tmp/package/LICENSE" "$dest/LICENSE"
echo "MathJax $version -> $dest"
