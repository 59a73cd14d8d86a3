#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Per-endpoint counts against the kernel: `waitwatch snapshot --json`, a
# running `waitwatch top --json` and `waitwatch top --once --json` must equal
# what ss reports for the same namespace, per endpoint and state, with
# 1,400 TIME_WAIT and 300 CLOSE_WAIT sockets over four endpoints (IPv4 and
# IPv6), half of them made before waitwatch starts. Then the CLOSE_WAIT
# sockets are closed and the TIME_WAIT ones killed (ss -K: no event tells),
# and the counts must follow the kernel back to zero.
. "$(dirname "$0")/lib.sh"
ww_require

LOADGEN=$WW_ROOT/.output/tools/loadgen
[ -x "$LOADGEN" ] || fatal binary "$LOADGEN missing: run make tools"

ww_ns_new top
NS=$WW_NS
INO=$(ww_ns_inode "$NS")
# a little headroom for the client-side ports, whatever the host's default
ip netns exec "$NS" sysctl -qw net.ipv4.ip_local_port_range="20000 60999"
# no reuse of TIME_WAIT 4-tuples (the default allows it on loopback): the
# test knows exactly how many TIME_WAIT sockets it made
ip netns exec "$NS" sysctl -qw net.ipv4.tcp_tw_reuse=0
# and no TIME_WAIT socket ended early by a stray RST (RFC 1337): the sockets
# made before top starts are all still there when it seeds
ip netns exec "$NS" sysctl -qw net.ipv4.tcp_rfc1337=1

# ss's state names to waitwatch's
SS_STATES='BEGIN { m["ESTAB"]="ESTABLISHED"; m["SYN-SENT"]="SYN_SENT"; m["SYN-RECV"]="SYN_RECV";
	m["FIN-WAIT-1"]="FIN_WAIT1"; m["FIN-WAIT-2"]="FIN_WAIT2"; m["TIME-WAIT"]="TIME_WAIT";
	m["CLOSE-WAIT"]="CLOSE_WAIT"; m["LAST-ACK"]="LAST_ACK"; m["LISTEN"]="LISTEN";
	m["CLOSING"]="CLOSING" }'

# The kernel's view, grouped as waitwatch groups by default: an accepted
# socket under its listener's addr:port ("in"), any other under its peer
# ("out"). Lines: "ENDPOINT DIR STATE COUNT", sorted.
ss_endpoints() {
	local listeners
	listeners=$(ip netns exec "$NS" ss -tlnH | awk '{ print $4 }' | tr '\n' ' ')
	ip netns exec "$NS" ss -tanH | awk -v L="$listeners" "$SS_STATES"'
	function port(a) { sub(/.*:/, "", a); return a }
	function host(a) { sub(/:[0-9]+$/, "", a); return a }
	BEGIN { n = split(L, ls, " ") }
	{
		st = m[$1]; loc = $4; peer = $5
		if (st == "LISTEN") { c[loc " in " st]++; next }
		ep = ""
		for (i = 1; i <= n; i++) {
			if (port(ls[i]) != port(loc)) continue
			h = host(ls[i])
			if (h == host(loc) || h == "0.0.0.0" || h == "[::]" || h == "*") ep = ls[i]
		}
		if (ep != "") c[ep " in " st]++; else c[peer " out " st]++
	}
	END { for (k in c) print k, c[k] }' | sort
}

# waitwatch's view from JSON lines of one snapshot, same format.
ww_endpoints() {
	jq -r 'select(.type == "endpoint") | .endpoint as $e | (.dir // "-") as $d
		| .states | to_entries[] | select(.value > 0) | "\($e) \($d) \(.key) \(.value)"' |
		sort
}

# The last complete frame (up to the last totals line) of a top --json file.
last_frame() {
	awk '{ buf[n++] = $0 } /"type":"totals"/ { start = last_end; last_end = n }
		END { for (i = start; i < last_end; i++) print buf[i] }' "$1"
}

# compare NAME EXPECTED_FILE ACTUAL_FILE
compare() {
	if diff -u "$2" "$3" >"$WW_TMP/diff"; then
		pass "$1 ($(awk '{ s += $4 } END { print s + 0 }' "$2") sockets)"
	else
		fail "$1" "differs from ss: $(head -c 1500 "$WW_TMP/diff")"
	fi
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

before=$(ip netns exec "$NS" ss -tanH | grep -c .)
"$WW" top --json -i 1 --netns "$INO" >"$WW_TMP/top.json" 2>"$WW_TMP/top.err" &
TOP_PID=$!
ww_bg $TOP_PID
wait_for "grep -q '\"type\":\"totals\"' $WW_TMP/top.json" 10 ||
	fatal top-start "no frame from waitwatch top: $(head -c 500 "$WW_TMP/top.err")"

# While it runs: 800 more TIME_WAIT (tw entries it must infer), 150 more CLOSE_WAIT
clients 127.0.0.1 8001 300 close-first
clients ::1 8002 200 close-first
clients 127.0.0.2 8003 300 close-first
clients 127.0.0.1 8004 150 close-first
sleep 0.5

ss_endpoints >"$WW_TMP/ss.1"
"$WW" snapshot --json --netns "$INO" | ww_endpoints >"$WW_TMP/snap.1"
compare "snapshot equals ss" "$WW_TMP/ss.1" "$WW_TMP/snap.1"
tw=$(awk '$3 == "TIME_WAIT" { s += $4 } END { print s + 0 }' "$WW_TMP/ss.1")
cw=$(awk '$3 == "CLOSE_WAIT" { s += $4 } END { print s + 0 }' "$WW_TMP/ss.1")
# a few of the 1,400 may already be gone (the kernel may end a TIME_WAIT early)
[ "$tw" -ge 1000 ] && pass "ss shows $tw TIME_WAIT (>= 1000)" || fail tw-made "only $tw TIME_WAIT"
assert_eq "ss shows 300 CLOSE_WAIT" 300 "$cw"

"$WW" top --once --json -i 0.5 --netns "$INO" >"$WW_TMP/once.json" 2>"$WW_TMP/once.err"
assert_eq "top --once exits 0" 0 $?
ww_endpoints <"$WW_TMP/once.json" >"$WW_TMP/once.1"
compare "top --once equals ss" "$WW_TMP/ss.1" "$WW_TMP/once.1"

# the running top: wait for a frame taken after ss's view, then compare
n=$(grep -c '"type":"totals"' "$WW_TMP/top.json")
wait_for "[ \$(grep -c '\"type\":\"totals\"' $WW_TMP/top.json) -ge $((n + 2)) ]" 5
last_frame "$WW_TMP/top.json" | ww_endpoints >"$WW_TMP/top.1"
compare "running top equals ss" "$WW_TMP/ss.1" "$WW_TMP/top.1"
totals=$(last_frame "$WW_TMP/top.json" | grep '"type":"totals"')
# TIME_WAIT entries are inferred at FIN_WAIT2->CLOSE: the error is the
# difference from the 800 the test made while top ran (the kernel's
# TCPTimeWaitOverflow is 0 here).
assert_eq "inferred TIME_WAIT entries (error 0 of 800)" 800 "$(jq -r .tw_entries <<<"$totals")"
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
n=$(grep -c '"type":"totals"' "$WW_TMP/top.json")
wait_for "[ \$(grep -c '\"type\":\"totals\"' $WW_TMP/top.json) -ge $((n + 2)) ]" 5
ss_endpoints >"$WW_TMP/ss.2"
last_frame "$WW_TMP/top.json" | ww_endpoints >"$WW_TMP/top.2"
compare "running top back to the kernel's count" "$WW_TMP/ss.2" "$WW_TMP/top.2"
left=$(awk '$3 != "LISTEN" { s += $4 } END { print s + 0 }' "$WW_TMP/top.2")
assert_eq "no socket left but the listeners" 0 "$left"
totals=$(last_frame "$WW_TMP/top.json" | grep '"type":"totals"')
assert_eq "the FIN_WAIT2 -> TIME_WAIT substate changes are counted (1100)" 1100 \
	"$(jq -r .tw_entries <<<"$totals")"
lost=$(jq -r .lost <<<"$totals")
repairs=$(jq -r .repairs <<<"$totals")
if [ "$lost" -eq 0 ]; then
	assert_eq "no repairs without lost events" 0 "$repairs"
else
	pass "lost $lost events, $repairs repairs"
fi

ww_stop "$TOP_PID" INT
assert_eq "top exits 0 on SIGINT" 0 "$WW_RC"

# Plain text when stdout is not a terminal
"$WW" top --once -i 0.5 --netns "$INO" >"$WW_TMP/plain.txt" 2>&1
if grep -q $'\033' "$WW_TMP/plain.txt"; then
	fail "top without a terminal" "escape codes in the output"
else
	assert_match "top without a terminal prints a plain table" "ENDPOINT" "$(cat "$WW_TMP/plain.txt")"
fi
