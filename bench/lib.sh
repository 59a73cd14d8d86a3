# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
# Sourced by the benchmark scripts: what their cleanup traps share.

log() { echo "# $*" >&2; }

# stop_pids PID...: TERM, up to 2 s to go, then KILL; reaps each.
stop_pids() {
	local p i
	for p in "$@"; do kill -TERM "$p" 2>/dev/null; done
	for p in "$@"; do
		for i in $(seq 20); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
}

# drop_ns NS...: kill what still runs inside (clients of an interrupted run), delete.
drop_ns() {
	local ns p
	for ns in "$@"; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
}

# bench_require NAME COMMAND...: root, the built binaries, and these commands.
bench_require() {
	local name=$1 c
	shift
	[ "$(id -u)" -eq 0 ] || { echo "$name: run as root" >&2; exit 1; }
	[ -x "$WW_SRC" ] && [ -x "$LOADGEN" ] || {
		echo "$name: $WW_SRC or $LOADGEN missing: run make waitwatch tools" >&2
		exit 1
	}
	for c in "$@"; do
		command -v "$c" >/dev/null || { echo "$name: $c not installed (make deps)" >&2; exit 1; }
	done
}
