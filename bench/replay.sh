#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# bench/replay.sh: the pure collector's replay throughput on one core, and
# its memory per tracked socket and per endpoint (.output/tools/collector_bench,
# built by make tools; see bench/collector_bench.c for the synthetic stream).
# Adds the kernel side of a tracked socket: its socket-local storage (an
# element holding struct sock_info, plus the socket's storage header), sized
# from the kernel's and the BPF object's BTF and rounded up to kmalloc's size
# classes. Prints one table.
#
# Environment: EVENTS (default 5,000,000), SOCKETS (memory, default
# 1,000,000), BENCH_SMOKE=1 (100,000 events, 20,000 sockets).
# Needs no root, except for the kernel's BTF (readable by all on Debian).
set -u
export LC_ALL=C

. "$(dirname "$0")/lib.sh"
BENCH=$WW_OUTPUT/tools/collector_bench
BPF_OBJ=$WW_OUTPUT/waitwatch.bpf.o
bench_sizes EVENTS=100000/5000000 SOCKETS=20000/1000000

[ -x "$BENCH" ] || { echo "replay: $BENCH missing: run make tools" >&2; exit 1; }
out=$(mktemp /tmp/ww-bench-replay.XXXXXX)
trap 'rm -f "$out"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# one core: the last one, away from whatever else runs on CPU 0
cpu=$(( $(nproc) - 1 ))
pin=()
command -v taskset >/dev/null && pin=(taskset -c "$cpu")
if ! timeout 600 "${pin[@]}" "$BENCH" -n "$EVENTS" -s "$SOCKETS" >"$out" 2>&1; then
	cat "$out" >&2
	echo "replay: collector_bench failed" >&2
	exit 1
fi
grep -v '^RESULT ' "$out" | sed 's/^/# /' >&2
result() { awk -v k="$1" '$1 == "RESULT" && $2 == k { print $3 }' "$out"; }

# Per-socket state in the kernel: the object's maps, none of which grows
# with the sockets (the programs keep no state; src/sockid.c remembers).
kernel=-
kernel_note="bpftool unavailable"
if command -v bpftool >/dev/null && [ -r "$BPF_OBJ" ]; then
	if bpftool btf dump file "$BPF_OBJ" 2>/dev/null | grep -qE "SK_STORAGE|'sock_info'"; then
		kernel_note="a per-socket map is in the object"
	else
		kernel=0
		kernel_note="no per-socket map in the object"
	fi
fi

fmt() { awk -v n="$1" 'BEGIN { if (n == "") print "-"; else printf "%.2f M\n", n / 1e6 }'; }
echo
echo "The collector alone, one thread pinned to CPU $cpu: $EVENTS synthetic events"
echo
echo "| figure | value |"
echo "|---|---:|"
echo "| replay: ingest + a sweep and a snapshot every 1M events, events/s (CPU time) | $(fmt "$(result replay_events_per_s)") |"
echo "| ingest only, events/s (CPU time) | $(fmt "$(result ingest_events_per_s)") |"
echo "| user space: bytes per tracked socket (with $(result sockets_measured) sockets) | $(result bytes_per_socket) |"
echo "| kernel: bytes per live socket ($kernel_note) | $kernel |"
echo "| user space: bytes per endpoint (1,000 endpoints) | $(result bytes_per_endpoint) |"
echo
