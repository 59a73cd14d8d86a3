#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# bench/soak.sh [SECONDS]: `waitwatch serve` under connection churn, scraped
# every second, for SECONDS (default 600); prints its RSS and counters at the
# start (after a 10 s warm-up) and at the end. Memory must stay flat.
# Runs as root; everything happens in a namespace it creates and deletes.
set -u
SECONDS_TOTAL=${1:-600}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WW=$ROOT/waitwatch
LOADGEN=$ROOT/.output/tools/loadgen
NS=ww-soak-$$
PORT=$((20000 + $$ % 10000))
pids=()

cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del "$NS" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" -eq 0 ] || { echo "soak: run as root" >&2; exit 1; }
[ -x "$WW" ] && [ -x "$LOADGEN" ] || { echo "soak: run make waitwatch tools first" >&2; exit 1; }
ip netns add "$NS" && ip -n "$NS" link set lo up || exit 1
for i in 2 3 4 5; do ip -n "$NS" addr add 127.0.0.$i/8 dev lo 2>/dev/null; done
INO=$(stat -L -c %i "/run/netns/$NS")

ip netns exec "$NS" "$LOADGEN" server -a 127.0.0.1 -p 5432 -t $((SECONDS_TOTAL + 30)) &
pids+=($!)
"$WW" serve --listen 127.0.0.1:$PORT --netns "$INO" &
WWPID=$!
pids+=($WWPID)
sleep 1

# churn: one client at a time, each bounded, until the end
end=$(( $(date +%s) + SECONDS_TOTAL ))
(
	while [ "$(date +%s)" -lt "$end" ]; do
		ip netns exec "$NS" "$LOADGEN" client -a 127.0.0.1 -p 5432 -d 5 \
			-b 127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5 >/dev/null
	done
) &
pids+=($!)

sample() { # LABEL
	local rss events lost series
	curl -s "http://127.0.0.1:$PORT/metrics" >/tmp/ww-soak-$$.prom
	rss=$(awk '/^VmRSS/ { print $2 }' /proc/$WWPID/status)
	events=$(awk '/^waitwatch_events_total/ { print $2 }' /tmp/ww-soak-$$.prom)
	lost=$(awk '/^waitwatch_events_lost_total/ { s += $2 } END { print s + 0 }' /tmp/ww-soak-$$.prom)
	series=$(grep -vc '^#' /tmp/ww-soak-$$.prom)
	printf '%-8s %8s s  RSS %8s KiB  events %12s  lost %8s  series %6s\n' "$1" \
		"$(( $(date +%s) - start ))" "$rss" "$events" "$lost" "$series"
	rm -f /tmp/ww-soak-$$.prom
}

start=$(date +%s)
n=0
while [ "$(date +%s)" -lt "$end" ] && kill -0 $WWPID 2>/dev/null; do
	curl -s -o /dev/null --compressed "http://127.0.0.1:$PORT/metrics"
	n=$((n + 1))
	[ $n -eq 10 ] && sample start
	sleep 1
done
kill -0 $WWPID 2>/dev/null || { echo "soak: waitwatch serve died" >&2; exit 1; }
sample end
echo "scrapes: $n over $(( $(date +%s) - start )) s"
