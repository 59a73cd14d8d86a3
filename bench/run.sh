#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# bench/run.sh (make bench): waitwatch's benchmark suite. Prints the machine,
# then runs, each printing one table:
#   bench/overhead.sh   connection churn kept under each tracer, ns per event
#                       in the kernel, CPU per event in user space, losses
#   bench/replay.sh     the collector's replay throughput and memory
#   bench/snapshot.sh   counting 100,000 TIME_WAIT sockets: waitwatch, ss,
#                       node_exporter
# BENCH_SMOKE=1 makes everything tiny (1 round of 1 s, 2,000 sockets, 100k
# events): a check that the suite starts and stops cleanly, not a measure.
# Other settings pass through (ROUNDS, DURATION, VARIANTS, SOCKETS, RUNS,
# EVENTS, WW). Runs as root; a full run takes about 6 minutes on 2 cores.
# Exits non-zero if any part failed.
set -u
export LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

[ "$(id -u)" -eq 0 ] || { echo "bench: run as root" >&2; exit 1; }
out=${WW_OUTPUT:-$ROOT/.output}
[ -x "${WW:-$ROOT/waitwatch}" ] && [ -x "$out/tools/loadgen" ] &&
	[ -x "$out/tools/collector_bench" ] ||
	{ echo "bench: run make waitwatch tools first (make bench does)" >&2; exit 1; }

section() { echo; echo "== $*"; }

echo "waitwatch benchmarks$([ "${BENCH_SMOKE:-0}" = 1 ] && echo ' (smoke mode: tiny, not a measure)')"
section machine
echo "date:     $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "cpus:     $(nproc) ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo))"
echo "kernel:   $(uname -r) ($(uname -m))"
echo "memory:   $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "waitwatch: $("${WW:-$ROOT/waitwatch}" --version 2>&1 | head -n 1)"
command -v bpftrace >/dev/null && echo "bpftrace: $(bpftrace --version 2>&1 | head -n 1)"
command -v prometheus-node-exporter >/dev/null &&
	echo "node_exporter: $(prometheus-node-exporter --version 2>&1 | head -n 1)"

rc=0
for part in overhead replay snapshot; do
	section "$part"
	start=$(date +%s)
	"$HERE/$part.sh"
	r=$?
	echo "($part: exit $r, $(( $(date +%s) - start )) s)"
	[ $r -eq 0 ] || rc=1
done
exit $rc
