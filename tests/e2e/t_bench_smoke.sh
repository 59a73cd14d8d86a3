#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The benchmark suite in smoke mode (BENCH_SMOKE=1 bench/run.sh): it must
# exit 0, print its three tables, leave no namespace and no process behind,
# and put kernel.bpf_stats_enabled back as it found it. Every process the
# suite starts inherits WW_BENCH_TAG from its environment: any left alive
# afterwards is found by it.
. "$(dirname "$0")/lib.sh"
BENCH=$WW_OUTPUT/tools/collector_bench
ww_require "$LOADGEN" "$BENCH" bpftool curl ss sysctl

before_stats=$(sysctl -n kernel.bpf_stats_enabled)
ip netns list | awk '{ print $1 }' | grep '^ww-bench-' | sort >"$WW_TMP/ns.before"
TAG=ww-bench-smoke-$$-$RANDOM

# tagged_pids: processes whose environment holds the tag (never this shell's).
tagged_pids() {
	local f p
	for f in /proc/[0-9]*/environ; do
		p=${f#/proc/}
		p=${p%/environ}
		grep -qz "^WW_BENCH_TAG=$TAG\$" "$f" 2>/dev/null && echo "$p"
	done
}

start=$(date +%s)
WW_BENCH_TAG=$TAG BENCH_SMOKE=1 WW="$WW" timeout -k 5 100 "$WW_ROOT/bench/run.sh" \
	>"$WW_TMP/out" 2>"$WW_TMP/err"
rc=$?
secs=$(( $(date +%s) - start ))
if [ "$rc" -eq 0 ]; then
	pass "BENCH_SMOKE=1 bench/run.sh exits 0"
else
	fail "BENCH_SMOKE=1 bench/run.sh exits 0" "exit $rc; stderr: $(tail -c 600 "$WW_TMP/err")"
fi
[ "$secs" -le 60 ] && pass "smoke run took $secs s (<= 60)" || fail smoke-time "took $secs s"

# has NAME ERE: a line of the output matches
has() {
	if grep -qE "$2" "$WW_TMP/out"; then
		pass "$1"
	else
		fail "$1" "no line matches /$2/; output: $(head -c 1500 "$WW_TMP/out")"
	fi
}
has "machine printed" "^cpus: +[0-9]+ "
has "kernel printed" "^kernel: +[^ ]+"
has "overhead table printed" "^\| variant +\| churn/s median \| ratio vs none \|"
for v in none trace top serve; do
	has "overhead row $v" "^\| $v +\| +[0-9]+ \| +[0-9.]+ \|"
done
has "replay table printed" "^\| replay: ingest [^|]*\| [0-9.]+ M \|"
has "bytes per socket printed" "^\| user space: bytes per tracked socket [^|]*\| [0-9]+ \|"
has "snapshot table printed" "^\| waitwatch snapshot --netns INO --json +\| +[0-9.]+ \|"
has "ss row printed" "^\| ss -tan, awk, sort, uniq -c [^|]*\| +[0-9.]+ \|"

# nothing left behind: processes (give exiting ones a moment), namespaces
left=
for _ in $(seq 20); do
	left=$(tagged_pids)
	[ -z "$left" ] && break
	sleep 0.1
done
if [ -z "$left" ]; then
	pass "no process of the suite left"
else
	fail "processes left" "$(for p in $left; do tr '\0' ' ' <"/proc/$p/cmdline"; echo; done | head -c 500)"
	for p in $left; do ww_bg "$p"; done # the trap kills them
fi
made=$(grep -o 'namespace ww-bench-[a-z0-9-]*' "$WW_TMP/err" | awk '{ print $2 }')
[ -n "$made" ] && pass "the suite made namespaces ($(echo $made))" ||
	fail namespaces "no namespace reported on stderr"
for ns in $made; do
	[ ! -e "/run/netns/$ns" ] || { fail "namespace $ns left" "still in /run/netns"; ip netns del "$ns"; }
done
ip netns list | awk '{ print $1 }' | grep '^ww-bench-' | sort >"$WW_TMP/ns.after"
assert_eq "no new ww-bench-* namespace" "" "$(comm -13 "$WW_TMP/ns.before" "$WW_TMP/ns.after" | tr '\n' ' ')"
assert_eq "kernel.bpf_stats_enabled back to $before_stats" "$before_stats" \
	"$(sysctl -n kernel.bpf_stats_enabled)"
