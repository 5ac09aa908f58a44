#!/usr/bin/env bash
# render.sh renders src/ into deploy/manifests.yaml (or into the directory
# given), the hydrated manifests that Flux applies: kustomize build, then
# confighash with confighash.yaml. CI runs it; so can you, before a pull
# request. A failing step fails it, and leaves deploy/ as it was.
set -euo pipefail
cd "$(dirname "$0")"
out="${1:-deploy}"
mkdir -p "$out"
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
{
	echo "# Rendered by render.sh from src/ with confighash.yaml: edit src/, not this file."
	kustomize build src | confighash --config confighash.yaml --quiet
} >"$tmp"
mv "$tmp" "$out/manifests.yaml"
trap - EXIT
