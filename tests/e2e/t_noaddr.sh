#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# No kernel address leaves waitwatch. The BPF programs name sockets by their
# kernel address; user space turns it into an id of its own before anything
# sees it. In a namespace of the test's own (loopback only), connections are
# made while trace (text and JSON), top --json, record, serve (/metrics) and
# snapshot run; then every output, the recording and what report and
# trace --replay print of it are searched for kernel addresses: x86-64
# kernel pointers lie at or above 0xffff800000000000, twenty decimal digits
# from 18446603336221196288 on, or hexadecimal ffff8... / ffff9....
# The sock_ids of the JSON trace must also be small: ids count socket lives.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
ww_require "$LOADGEN"
T=$WW_TMP

ww_ns_main noaddr

# kernel_addrs FILE...: the kernel addresses found in the files, one a line
kernel_addrs() {
	grep -ahoE '[0-9]{20}|0x[0-9a-f]{16}|ffff[89a-f][0-9a-f]{11}' "$@" 2>/dev/null |
		awk '/^0x/ || /^ffff/ { print; next } $0 >= "18446603336221196288" { print }'
}

ip netns exec "$NS" "$LOADGEN" server -a 127.0.0.1 -p 8500 -m close-first -t 20 \
	-r "$T/ready" >/dev/null 2>&1 &
ww_bg $!
wait_for "[ -s $T/ready ]" 5 || fatal server "loadgen server not ready"

"$WW" trace --netns "$INO" >"$T/trace.txt" 2>"$T/trace.err" &
ww_bg $!
"$WW" trace --json --netns "$INO" >"$T/trace.json" 2>"$T/trace-json.err" &
ww_bg $!
"$WW" top --json -i 1 --netns "$INO" >"$T/top.json" 2>"$T/top.err" &
ww_bg $!
"$WW" record -o "$T/rec.wwr" --duration 4 --netns "$INO" >"$T/record.out" 2>&1 &
REC=$!
ww_bg $REC
ww_serve_start --netns "$INO"
sleep 1.5 # every program attached, every first sweep done

ip netns exec "$NS" "$LOADGEN" client -a 127.0.0.1 -p 8500 -n 300 >"$T/client.json" 2>&1
sleep 1.2 # one more refresh and drain
curl -s "$URL/metrics" >"$T/metrics.txt"
"$WW" snapshot --json --netns "$INO" >"$T/snapshot.json" 2>&1
wait_for "ww_gone $REC" 10 || fail record "still running after 10 s"
for p in $(jobs -p); do kill -INT "$p" 2>/dev/null; done
sleep 0.5
"$WW" report "$T/rec.wwr" --json >"$T/report.json" 2>&1
"$WW" trace --replay "$T/rec.wwr" --json >"$T/replay.json" 2>&1

n=$(jq -r 'select(.old == "CLOSE" and .new == "SYN_SENT") | .sock_id' "$T/trace.json" | wc -l)
[ "$n" -ge 300 ] && pass "trace saw the 300 connections ($n)" ||
	fail trace "only $n CLOSE -> SYN_SENT in the JSON trace"
[ -s "$T/metrics.txt" ] && pass "a scrape" || fail scrape "empty /metrics"

for f in trace.txt trace.json top.json metrics.txt snapshot.json rec.wwr report.json replay.json; do
	found=$(kernel_addrs "$T/$f" | head -3 | paste -sd' ')
	assert_eq "no kernel address in $f" "" "$found"
done
# the recording is compressed: its events, as replayed, carry the ids it holds
max=$(jq -s '[.[].sock_id] | max // 0' "$T/replay.json")
[ "$max" -lt 1000000 ] 2>/dev/null && pass "recorded sock_ids count socket lives (max $max)" ||
	fail "recorded sock_ids" "max $max"
max=$(jq -s '[.[].sock_id] | max // 0' "$T/trace.json")
[ "$max" -lt 1000000 ] 2>/dev/null && pass "trace sock_ids count socket lives (max $max)" ||
	fail "trace sock_ids" "max $max"
