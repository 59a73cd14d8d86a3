#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Per-endpoint counts against the kernel: `waitwatch snapshot --json`, a
# running `waitwatch top --json` and `waitwatch top --once --json` must equal
# what ss reports for the same namespace at the same moment (a refresh
# between two reads of ss that agree, with the load stopped: ww_vs_ss in
# lib.sh), per endpoint and state, with
# 1,400 TIME_WAIT and 300 CLOSE_WAIT sockets over four endpoints (IPv4 and
# IPv6), half of them made before waitwatch starts. Then the CLOSE_WAIT
# sockets are closed and the TIME_WAIT ones killed (ss -K: no event tells),
# and the counts must follow the kernel back to zero.
. "$(dirname "$0")/lib.sh"
ww_require "$LOADGEN"

ww_ns_churn top
# and no TIME_WAIT socket ended early by a stray RST (RFC 1337): the sockets
# made before top starts are all still there when it seeds
ip netns exec "$NS" sysctl -qw net.ipv4.tcp_rfc1337=1

# top_frame OUT: the first refresh of the running top later than SS_T1 (the
# end of ww_vs_ss's first read of ss) into OUT, waiting up to 5 s for it
# (refreshes come every second): a top that stopped refreshing has none.
top_frame() {
	wait_for "ww_frame_after '$WW_TMP/top.json' $SS_T1 >'$1'" 5
}

# top_once OUT: a refresh of top --once into OUT
top_once() {
	"$WW" top "${WW_LIVE[@]}" --once --json -i 0.5 --netns "$INO" >"$1" 2>"$WW_TMP/once.err" ||
		{ echo "# top --once exited $?: $(head -c 300 "$WW_TMP/once.err")"; return 1; }
}

# snapshot OUT: the JSON of snapshot into OUT
snapshot() {
	"$WW" snapshot --json --netns "$INO" >"$1" 2>"$WW_TMP/snap.err" ||
		{ echo "# snapshot exited $?: $(head -c 300 "$WW_TMP/snap.err")"; return 1; }
}

# totals FILE: the totals object of a refresh
totals() {
	grep '"type":"totals"' "$1"
}

start_server() { # PORT ADDR MODE
	local ready=$WW_TMP/ready.$1
	ip netns exec "$NS" "$LOADGEN" server -a "$2" -p "$1" -m "$3" -t 120 -r "$ready" &
	ww_bg $!
	wait_for "[ -s $ready ]" 5 || fatal "server-$1" "loadgen server on $2:$1 not ready"
}

clients() { # ADDR PORT COUNT MODE
	local out
	out=$(timeout 30 ip netns exec "$NS" "$LOADGEN" client -a "$1" -p "$2" -n "$3" -m "$4" -d 25)
	[ "$(jq -r .connections <<<"$out")" == "$3" ] ||
		fatal "clients-$1-$2" "wanted $3 connections to $1:$2, got: $out"
}

start_server 8001 127.0.0.1 close-after-eof
start_server 8002 ::1 close-after-eof
start_server 8003 127.0.0.2 close-after-eof
start_server 8004 127.0.0.1 hold
HOLD_PID=${WW_PIDS[-1]}

# Before waitwatch starts: 750 TIME_WAIT, 150 CLOSE_WAIT
clients 127.0.0.1 8001 400 close-first
clients ::1 8002 200 close-first
clients 127.0.0.1 8004 150 close-first
sleep 0.3

# seeded: the sockets of top's first sweep, which must be those ss shows
# before top starts and still shows once its first refresh is out
before=$(ip netns exec "$NS" ss -tanH | grep -c .)
"$WW" top "${WW_LIVE[@]}" --json -i 1 --netns "$INO" >"$WW_TMP/top.json" 2>"$WW_TMP/top.err" &
TOP_PID=$!
ww_bg $TOP_PID
wait_for "grep -q '\"type\":\"totals\"' $WW_TMP/top.json || ww_gone $TOP_PID" 10
grep -q '"type":"totals"' "$WW_TMP/top.json" ||
	fatal top-start "no frame from waitwatch top: $(head -c 500 "$WW_TMP/top.err")"
after=$(ip netns exec "$NS" ss -tanH | grep -c .)
[ "$before" == "$after" ] ||
	fail seeded-stable "ss showed $before sockets before top started, $after after its first sweep"
assert_eq "top names its program" "$WW_PROGRAM" \
	"$(grep -m1 '"type":"totals"' "$WW_TMP/top.json" | jq -r .source)"

# assert_tw_entries NAME N TOTALS: tw_entries of a totals object is N; a
# transition the program lost (counted in lost) may be an entry missed, so
# with losses it is between N - lost and N.
assert_tw_entries() {
	local n=$2 got lost
	got=$(jq -r .tw_entries <<<"$3")
	lost=$(jq -r .lost <<<"$3")
	if [ "$lost" -eq 0 ]; then
		assert_eq "$1" "$n" "$got"
	elif [ "$got" -le "$n" ] && [ "$got" -ge $((n - lost)) ]; then
		pass "$1: $got, with $lost transitions lost and counted"
	else
		fail "$1" "$got with $lost transitions lost"
	fi
}

# While it runs: 800 more TIME_WAIT (tw entries it must infer), 150 more CLOSE_WAIT
clients 127.0.0.1 8001 300 close-first
clients ::1 8002 200 close-first
clients 127.0.0.2 8003 300 close-first
clients 127.0.0.1 8004 150 close-first
# the load has stopped; the servers' closes settle
sleep 0.5

ww_vs_ss "snapshot equals ss" "$NS" "$WW_TMP/snap.1" 3 snapshot "$WW_TMP/snap.1"
tw=$(awk '$3 == "TIME_WAIT" { s += $4 } END { print s + 0 }' "$WW_TMP/snap.1.ss")
cw=$(awk '$3 == "CLOSE_WAIT" { s += $4 } END { print s + 0 }' "$WW_TMP/snap.1.ss")
# a few of the 1,400 may already be gone (the kernel may end a TIME_WAIT early)
[ "$tw" -ge 1000 ] && pass "ss shows $tw TIME_WAIT (>= 1000)" || fail tw-made "only $tw TIME_WAIT"
assert_eq "ss shows 300 CLOSE_WAIT" 300 "$cw"

ww_vs_ss "top --once equals ss" "$NS" "$WW_TMP/once.1" 3 top_once "$WW_TMP/once.1"

# the running top: its first refresh after ss's read
ww_vs_ss "running top equals ss" "$NS" "$WW_TMP/top.1" 3 top_frame "$WW_TMP/top.1" ||
	[ -s "$WW_TMP/top.1" ] || fatal top-frozen "no new refresh from the running top to check further"
totals=$(totals "$WW_TMP/top.1")
# TIME_WAIT entries are inferred at FIN_WAIT2->CLOSE: the error is the
# difference from the 800 the test made while top ran (the kernel's
# TCPTimeWaitOverflow is 0 here).
assert_tw_entries "inferred TIME_WAIT entries (error 0 of 800)" 800 "$totals"
seeded=$(jq -r .seeded <<<"$totals")
# every socket ss showed just before top started (about 900: 750 TIME_WAIT,
# 150 CLOSE_WAIT, 150 FIN_WAIT2, the listeners), learnt from its first sweep
assert_eq "seeded the $before sockets that existed before top" "$before" "$seeded"

# The way back: close the CLOSE_WAIT sockets, then kill every TIME_WAIT and
# FIN_WAIT2 socket; no event reports the kills.
kill -USR1 "$HOLD_PID"
wait_for "[ -z \"\$(ip netns exec $NS ss -tanH state close-wait state last-ack)\" ]" 5 ||
	fail close-wait-release "CLOSE_WAIT sockets still there"
sleep 1.5
ip netns exec "$NS" ss -K -tanH state time-wait state fin-wait-2 >/dev/null
ww_vs_ss "running top back to the kernel's count" "$NS" "$WW_TMP/top.2" 3 \
	top_frame "$WW_TMP/top.2" ||
	[ -s "$WW_TMP/top.2" ] || fatal top-frozen "no new refresh from the running top to check further"
left=$(awk '$3 != "LISTEN" { s += $4 } END { print s + 0 }' "$WW_TMP/top.2.ww")
assert_eq "no socket left but the listeners" 0 "$left"
totals=$(totals "$WW_TMP/top.2")
assert_tw_entries "the FIN_WAIT2 -> TIME_WAIT substate changes are counted (1100)" 1100 "$totals"
lost=$(jq -r .lost <<<"$totals")
repairs=$(jq -r .repairs <<<"$totals")
# a lost event leaves counts wrong until the next sweep repairs them
ww_repairs "" "$lost" "$repairs"
if [ "$lost" -gt 0 ]; then
	ww_vs_ss "lost $lost events: the refresh after them equals ss (repaired)" "$NS" \
		"$WW_TMP/top.3" 3 top_frame "$WW_TMP/top.3"
fi

ww_stop "$TOP_PID" INT
assert_eq "top exits 0 on SIGINT" 0 "$WW_RC"

# Plain text when stdout is not a terminal
"$WW" top "${WW_LIVE[@]}" --once -i 0.5 --netns "$INO" >"$WW_TMP/plain.txt" 2>&1
if grep -q $'\033' "$WW_TMP/plain.txt"; then
	fail "top without a terminal" "escape codes in the output"
else
	assert_match "top without a terminal prints a plain table" "ENDPOINT" "$(cat "$WW_TMP/plain.txt")"
fi
