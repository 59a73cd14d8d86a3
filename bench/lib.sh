# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
# Sourced by the benchmark scripts: where the build is, their sizes, and
# what their cleanup traps share.

# The repository, the load generator, and waitwatch (WW overrides it; the
# build's OUTPUT directory with its tools and BPF object: WW_OUTPUT).
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WW_OUTPUT=${WW_OUTPUT:-$ROOT/.output}
# shellcheck disable=SC2034 # used by the scripts that source this file
LOADGEN=$WW_OUTPUT/tools/loadgen
# shellcheck disable=SC2034
WW_SRC=${WW:-$ROOT/waitwatch}

# bench_sizes NAME=SMOKE/FULL...: each NAME as the environment sets it, else
# SMOKE with BENCH_SMOKE=1 (the tiny run), else FULL.
bench_sizes() {
	local spec name value
	for spec in "$@"; do
		name=${spec%%=*}
		value=${spec#*=}
		if [ "${BENCH_SMOKE:-0}" = 1 ]; then value=${value%%/*}; else value=${value#*/}; fi
		[ -n "${!name:-}" ] || printf -v "$name" '%s' "$value"
	done
}

log() { echo "# $*" >&2; }

# poll "CMD" SECONDS: eval CMD every 50 ms until it succeeds (bounded).
poll() {
	local n=$(( $2 * 20 )) i
	for ((i = 0; i < n; i++)); do
		eval "$1" && return 0
		sleep 0.05
	done
	return 1
}

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
