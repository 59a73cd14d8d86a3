#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# bench/snapshot.sh: counting 100,000 TIME_WAIT sockets, three ways.
#
# A network namespace this script creates is filled with SOCKETS (default
# 100,000) TIME_WAIT sockets: loadgen clients from the source addresses
# 127.0.0.2..9 (no TIME_WAIT reuse, a wide port range), checked with ss.
# Then, interleaved over RUNS runs (default 5), it times:
#   waitwatch snapshot --netns INO --json > /dev/null
#   ip netns exec NS ss -tan | awk '{print $1}' | sort | uniq -c
#   a scrape of node_exporter's tcpstat collector running in the namespace
#     (ip netns exec NS curl -s 127.0.0.1:PORT/metrics)
# and prints the medians, with each one's ratio to waitwatch's, and the
# TIME_WAIT count each saw. TIME_WAIT sockets last 60 s: the runs start as
# soon as the namespace is full, and the count is checked again after them.
#
# Environment: SOCKETS, RUNS, BENCH_SMOKE=1 (2,000 sockets, 1 run), WW (the
# waitwatch binary). Runs as root.
set -u
export LC_ALL=C

. "$(dirname "$0")/lib.sh"
bench_sizes SOCKETS=2000/100000 RUNS=1/5
NS=ww-bench-snap-$$
NE_PORT=9100 # inside the namespace
pids=()

cleanup() {
	local rc=$?
	[ "$BASHPID" == "$$" ] || exit "$rc"
	trap - EXIT INT TERM
	stop_pids "${pids[@]}"
	drop_ns "$NS"
	[ -n "${T:-}" ] && rm -rf "$T"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bench_require snapshot jq curl ip ss sysctl timeout
case $SOCKETS in '' | *[!0-9]*) echo "snapshot: SOCKETS must be 1000..200000" >&2; exit 2 ;; esac
[ "$SOCKETS" -ge 1000 ] && [ "$SOCKETS" -le 200000 ] ||
	{ echo "snapshot: SOCKETS must be 1000..200000" >&2; exit 2; }
case $RUNS in '' | *[!0-9]* | 0) echo "snapshot: RUNS must be 1..20" >&2; exit 2 ;; esac
[ "$RUNS" -le 20 ] || { echo "snapshot: RUNS must be 1..20" >&2; exit 2; }

T=$(mktemp -d /tmp/ww-bench-snap.XXXXXX)
cp "$WW_SRC" "$T/waitwatch" || exit 1
WW=$T/waitwatch

ms_of() { # CMD...: run it, print the wall time in ms
	local t0 t1
	t0=$(date +%s%N)
	"$@"
	t1=$(date +%s%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", (b - a) / 1e6 }'
}

tw_count() { ip netns exec "$NS" ss -tanH state time-wait | wc -l; }

# ---- node_exporter: installed if absent, left out if it cannot run ----------

NE=0
if ! command -v prometheus-node-exporter >/dev/null; then
	log "prometheus-node-exporter absent: apt-get install -y prometheus-node-exporter"
	DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq --no-install-recommends \
		prometheus-node-exporter >"$T/apt.log" 2>&1 ||
		log "apt-get install failed: $(tail -n 3 "$T/apt.log")"
fi
command -v prometheus-node-exporter >/dev/null ||
	echo "note: prometheus-node-exporter cannot be installed here; node_exporter is left out"

# ---- the namespace -------------------------------------------------------------

ip netns add "$NS" || exit 1
ip -n "$NS" link set lo up || exit 1
for i in 2 3 4 5 6 7 8 9; do ip -n "$NS" addr add "127.0.0.$i/8" dev lo || exit 1; done
ip netns exec "$NS" sysctl -qw net.ipv4.ip_local_port_range="1024 65000" || exit 1
ip netns exec "$NS" sysctl -qw net.ipv4.tcp_tw_reuse=0 || exit 1
ip netns exec "$NS" sysctl -qw net.ipv4.tcp_max_tw_buckets=$((SOCKETS * 2 + 10000)) || exit 1
INO=$(stat -L -c %i "/run/netns/$NS")
log "namespace $NS (inode $INO)"

ip netns exec "$NS" "$LOADGEN" server -a 127.0.0.1 -p 5432 -t 600 -r "$T/srv.ready" \
	>"$T/server.out" 2>&1 &
pids+=($!)
poll "[ -s $T/srv.ready ]" 5 || { echo "snapshot: loadgen server not ready: $(cat "$T/server.out")" >&2; exit 1; }

if command -v prometheus-node-exporter >/dev/null; then
	ip netns exec "$NS" prometheus-node-exporter --web.listen-address=127.0.0.1:$NE_PORT \
		--collector.disable-defaults --collector.tcpstat >"$T/ne.out" 2>&1 &
	NE_PID=$!
	pids+=("$NE_PID")
	if poll "ip netns exec $NS curl -sf -o /dev/null 127.0.0.1:$NE_PORT/metrics || ! kill -0 $NE_PID 2>/dev/null" 10 &&
		kill -0 "$NE_PID" 2>/dev/null; then
		NE=1
	else
		echo "note: node_exporter did not start; left out: $(tail -n 3 "$T/ne.out" | head -c 400)"
	fi
fi

# ---- fill: SOCKETS TIME_WAIT sockets, bounded in time -------------------------

fill_start=$(date +%s%N)
have=0
for attempt in 1 2 3; do
	need=$((SOCKETS - have))
	[ "$need" -le 0 ] && break
	half=$(( (need + 1) / 2 + 50 ))
	timeout -k 2 70 ip netns exec "$NS" "$LOADGEN" client -a 127.0.0.1 -p 5432 -n $half -d 60 \
		-b 127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5 >"$T/c1" 2>&1 &
	a=$!
	timeout -k 2 70 ip netns exec "$NS" "$LOADGEN" client -a 127.0.0.1 -p 5432 -n $half -d 60 \
		-b 127.0.0.6,127.0.0.7,127.0.0.8,127.0.0.9 >"$T/c2" 2>&1 &
	b=$!
	wait $a
	wait $b
	sleep 0.2 # the last FINs
	have=$(tw_count)
	log "fill $attempt: clients $(cat "$T/c1" "$T/c2" | tr '\n' ' '); TIME_WAIT now $have"
done
fill_s=$(awk -v a="$fill_start" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
if [ "$have" -lt "$SOCKETS" ]; then
	echo "snapshot: only $have TIME_WAIT sockets after $fill_s s (wanted $SOCKETS)" >&2
	exit 1
fi
log "$have TIME_WAIT sockets in $fill_s s (checked with ss)"

# ---- the runs -------------------------------------------------------------------

ww_run() { "$WW" snapshot --netns "$INO" --json >"$T/ww.json" 2>"$T/ww.err"; }
ss_run() { ip netns exec "$NS" ss -tan | awk '{print $1}' | sort | uniq -c >"$T/ss.txt"; }
ne_run() { ip netns exec "$NS" curl -s "127.0.0.1:$NE_PORT/metrics" >"$T/ne.txt"; }
nsexec_run() { ip netns exec "$NS" true; }

# one untimed warm-up of each
ww_run; ss_run; [ $NE = 1 ] && ne_run
: >"$T/times"
for ((r = 1; r <= RUNS; r++)); do
	echo "waitwatch $(ms_of ww_run)" >>"$T/times"
	echo "ss $(ms_of ss_run)" >>"$T/times"
	[ $NE = 1 ] && echo "node_exporter $(ms_of ne_run)" >>"$T/times"
	echo "nsexec $(ms_of nsexec_run)" >>"$T/times"
done
after=$(tw_count)
tw_ww=$(jq -s '[.[] | select(.type == "totals")][0].states.TIME_WAIT // empty' "$T/ww.json")
tw_ss=$(awk '$2 == "TIME-WAIT" { print $1 }' "$T/ss.txt")
tw_ne=-
[ $NE = 1 ] && tw_ne=$(awk '/^node_tcp_connection_states\{state="time_wait"\}/ { printf "%.0f", $2 }' "$T/ne.txt")
log "TIME_WAIT after the runs: $after (ss)"

echo
echo "Counting $have TIME_WAIT sockets in one namespace: $RUNS runs, median wall time"
echo "(ss and curl run under ip netns exec, which itself takes $(awk '$1 == "nsexec" { print $2 }' "$T/times" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }') ms;"
echo " waitwatch snapshot is a whole process: load the BPF iterator, sweep, print JSON)"
echo
awk -v ne="$NE" -v tw_ww="${tw_ww:--}" -v tw_ss="${tw_ss:--}" -v tw_ne="${tw_ne:--}" '
{ t[$1] = t[$1] " " $2 }
function median(list,   a, n, i, j, x) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > x + 0; j--) a[j + 1] = a[j]; a[j + 1] = x }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function minmax(list,   a, n, i, lo, hi) {
	n = split(list, a, " "); lo = a[1]; hi = a[1]
	for (i = 2; i <= n; i++) { if (a[i] + 0 < lo + 0) lo = a[i]; if (a[i] + 0 > hi + 0) hi = a[i] }
	return sprintf("%.1f-%.1f", lo, hi)
}
END {
	w = median(t["waitwatch"])
	printf "| %-55s | %9s | %13s | %17s | %9s |\n", "method", "median ms", "range ms", "time / waitwatch", "TIME_WAIT"
	printf "|---------------------------------------------------------|----------:|--------------:|------------------:|----------:|\n"
	printf "| %-55s | %9.1f | %13s | %17s | %9s |\n", "waitwatch snapshot --netns INO --json", w, minmax(t["waitwatch"]), "1.0x", tw_ww
	s = median(t["ss"])
	printf "| %-55s | %9.1f | %13s | %17s | %9s |\n", "ss -tan, awk, sort, uniq -c (ip netns exec)", s, minmax(t["ss"]), sprintf("%.1fx", s / w), tw_ss
	if (ne == 1) {
		n = median(t["node_exporter"])
		printf "| %-55s | %9.1f | %13s | %17s | %9s |\n", "node_exporter tcpstat scrape (ip netns exec curl)", n, minmax(t["node_exporter"]), sprintf("%.1fx", n / w), tw_ne
	} else {
		printf "| %-55s | %9s | %13s | %17s | %9s |\n", "node_exporter tcpstat scrape", "n/a", "-", "not installed", "-"
	}
}' "$T/times"
echo
if [ "$after" -lt "$SOCKETS" ]; then
	echo "note: only $after TIME_WAIT sockets were left at the end of the runs (some expired)"
fi
exit 0
