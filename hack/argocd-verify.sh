#!/usr/bin/env bash
# argocd-verify.sh runs the Argo CD examples through Argo CD's own code, as
# far as that goes without a cluster: the repo-server's GenerateManifests
# (reposerver/repository, as the repo-server calls it for an Application)
# with
#   - examples/argocd-kustomize: kustomize with argocd-cm's build options,
#     and the confighash that the init container installs on PATH;
#   - examples/argocd-cmp: the two plugins, each served by Argo CD's own
#     argocd-cmp-server in a container of the plugin image, as the sidecars
#     of the example's patch run it, over its socket;
# and checks each Application's annotation against the example's expected
# output (hack/argocd-verify/confighash_verify_test.go, copied into the
# Argo CD checkout for the run and removed after it).
#
#   ARGOCD_SRC=/path/to/argo-cd hack/argocd-verify.sh   (make argocd-verify)
#
# ARGOCD_SRC is a checkout of argoproj/argo-cd at v3.5.1 (its test/fixture
# too). It needs Go (Argo CD v3.5.1 builds with CGO_ENABLED=0 and Go 1.26),
# podman in the environment of hack/podman.sh env, the images of `make
# image image-cmp`, and bin/kustomize; the first build of Argo CD downloads
# its modules and takes minutes. Not part of make test: CI has no Argo CD
# checkout.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
src="${ARGOCD_SRC:?set ARGOCD_SRC to a checkout of argoproj/argo-cd v3.5.1}"
image="${IMAGE:-localhost/confighash:dev}"
cmp_image="${CMP_IMAGE:-localhost/confighash-argocd-cmp:dev}"
work="$(mktemp -d)"
test_file="$src/reposerver/repository/zz_confighash_verify_test.go"
containers=()
cleanup() {
	for c in "${containers[@]}"; do podman rm -f "$c" >/dev/null 2>&1 || true; done
	rm -f "$test_file"
	rm -rf "$work"
}
trap cleanup EXIT

echo "== building Argo CD's argocd (argocd-cmp-server) and the repo-server tests from $src"
# Argo CD's Makefile makes this placeholder for the UI it embeds.
[[ -d "$src/ui/dist/app" ]] || { mkdir -p "$src/ui/dist/app" && touch "$src/ui/dist/app/gitkeep"; }
sed '1,2d' "$root/hack/argocd-verify/confighash_verify_test.go" >"$test_file"
mkdir -p "$work/var-files" "$work/plugins" "$work/custom-tools" "$work/bin"
(cd "$src" && CGO_ENABLED=0 go build -o "$work/var-files/argocd" ./cmd &&
	CGO_ENABLED=0 go test -c -o "$work/repository.test" ./reposerver/repository)
# The repo-server's copyutil init container: cp, and the link by whose name
# the binary runs as the cmp-server.
ln -sf /var/run/argocd/argocd "$work/var-files/argocd-cmp-server"
chmod 1777 "$work/plugins" "$work/custom-tools" # emptyDirs

echo "== the init container of examples/argocd-kustomize/argocd/repo-server.yaml"
podman run --rm --read-only --network none --cap-drop all --security-opt no-new-privileges \
	-v "$work/custom-tools:/custom-tools" --entrypoint /usr/local/bin/confighash "$image" install /custom-tools
# The repo-server's subPath mount at /usr/local/bin/confighash, and its kustomize.
ln -s "$work/custom-tools/confighash" "$work/bin/confighash"
ln -s "$root/bin/kustomize" "$work/bin/kustomize"
options="$(sed -n 's/^  kustomize.buildOptions: //p' "$root/examples/argocd-kustomize/argocd/argocd-cm.yaml")"

echo "== the sidecars of examples/argocd-cmp/argocd/repo-server.yaml"
for plugin in helm directory; do
	args=()
	[[ $plugin == directory ]] && args=(--config-dir-path /home/argocd/cmp-server/directory)
	name="confighash-verify-$plugin-$$"
	podman run -d --name "$name" --read-only --network none --cap-drop all --security-opt no-new-privileges \
		--user 999 --tmpfs /tmp:rw,mode=1777 -v "$work/var-files:/var/run/argocd:ro" \
		-v "$work/plugins:/home/argocd/cmp-server/plugins" \
		--entrypoint /var/run/argocd/argocd-cmp-server "$cmp_image" "${args[@]}" >/dev/null
	containers+=("$name")
done
for _ in $(seq 100); do
	[[ -S "$work/plugins/confighash-helm.sock" && -S "$work/plugins/confighash-directory.sock" ]] && break
	sleep 0.1
done

echo "== GenerateManifests of Argo CD's repo-server for the examples' Applications"
cp -r "$root/examples" "$work/examples"
status=0
(cd "$src/reposerver/repository" &&
	ARGOCD_PLUGINSOCKFILEPATH="$work/plugins" CONFIGHASH_EXAMPLES="$work/examples" KUSTOMIZE_BUILD_OPTIONS="$options" \
		PATH="$work/bin:/usr/bin:/bin" "$work/repository.test" -test.run '^TestConfighash' -test.v) || status=$?
for c in "${containers[@]}"; do
	echo "== $c log"
	podman logs "$c" 2>&1 | tail -n 20
done
exit $status
