#!/usr/bin/env bash
# podman.sh sets up the container engine that the end-to-end tests (e2e/) run
# the confighash image with: podman, whose settings and image store live under
# bin/podman/ so that nothing outside the repository changes and images stay
# cached between runs.
#
#   hack/podman.sh install   install podman and runc with apt-get when absent
#                            (needs root), and write bin/podman/*.conf
#   hack/podman.sh env       print the environment the tests need, as shell
#                            `export` lines (the settings of `install` when
#                            it ran, else podman's own); starts `podman system service`
#                            on bin/podman/podman.sock for DOCKER_HOST, so the
#                            docker CLI (kustomize container functions, kpt's
#                            docker runtime) reaches the same image store.
#                            Prints nothing when podman is not installed.
#   hack/podman.sh stop      stop the service that `env` started
#
# Why these settings: the CI machine has no systemd and a hybrid cgroup
# layout, on which crun fails ("cgroups in hybrid mode not supported"): runc
# with the cgroupfs manager works. podman's default open-files limit
# (1048576) is above the machine's hard limit, and runc then fails with
# "error setting rlimit type 7": the ulimits are set explicitly. vfs is the
# storage driver that works on any file system, also inside a container
# where overlay mounts are refused; the images here are a few MB.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/bin/podman"
sock="$dir/podman.sock"

write_config() {
	mkdir -p "$dir/storage" "$dir/run"
	cat >"$dir/containers.conf" <<-CONF
	# Written by hack/podman.sh; see there for why.
	[containers]
	default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
	[engine]
	runtime = "runc"
	cgroup_manager = "cgroupfs"
	events_logger = "file"
	CONF
	cat >"$dir/storage.conf" <<-CONF
	# Written by hack/podman.sh: a project-local image store.
	[storage]
	driver = "vfs"
	graphroot = "$dir/storage"
	runroot = "$dir/run"
	CONF
}

case "${1:-}" in
install)
	missing=()
	command -v podman >/dev/null || missing+=(podman)
	command -v runc >/dev/null || missing+=(runc)
	if ((${#missing[@]})); then
		if [[ $(id -u) != 0 ]]; then
			echo "podman.sh: ${missing[*]} missing; run as root, or install them yourself" >&2
			exit 1
		fi
		echo "podman.sh: apt-get install ${missing[*]}" >&2
		export DEBIAN_FRONTEND=noninteractive
		# Wait for the dpkg lock rather than fail when another install runs.
		apt=(apt-get -o DPkg::Lock::Timeout=600 -y -q)
		"${apt[@]}" install "${missing[@]}" >/dev/null ||
			{ "${apt[@]}" update >/dev/null && "${apt[@]}" install "${missing[@]}" >/dev/null; }
	fi
	write_config
	podman --version >&2
	;;
env)
	command -v podman >/dev/null || exit 0
	# The settings of `install`, when it ran; else podman's own.
	if [[ -f "$dir/containers.conf" ]]; then
		export CONTAINERS_CONF="$dir/containers.conf" CONTAINERS_STORAGE_CONF="$dir/storage.conf"
		echo "export CONTAINERS_CONF='$CONTAINERS_CONF'"
		echo "export CONTAINERS_STORAGE_CONF='$CONTAINERS_STORAGE_CONF'"
	fi
	mkdir -p "$dir"
	if ! podman --remote --url "unix://$sock" version >/dev/null 2>&1; then
		rm -f "$sock"
		nohup podman system service --time=0 "unix://$sock" >"$dir/service.log" 2>&1 &
		echo $! >"$dir/service.pid"
		for _ in $(seq 100); do
			[[ -S "$sock" ]] && break
			sleep 0.1
		done
		[[ -S "$sock" ]] || { echo "podman.sh: podman system service did not start; see $dir/service.log" >&2; exit 1; }
	fi
	echo "export DOCKER_HOST='unix://$sock'"
	# Tells the tests that this environment is in place.
	echo "export CONFIGHASH_PODMAN_ENV=1"
	;;
stop)
	if [[ -f "$dir/service.pid" ]]; then
		kill "$(cat "$dir/service.pid")" 2>/dev/null || true
		rm -f "$dir/service.pid" "$sock"
	fi
	;;
*)
	echo "usage: hack/podman.sh install|env|stop" >&2
	exit 2
	;;
esac
