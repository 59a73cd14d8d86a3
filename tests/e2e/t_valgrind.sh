#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The real binary under valgrind's memcheck, on real sockets: no invalid
# read or write, no use of an uninitialised value, no definite leak at exit
# (--errors-for-leak-kinds=definite), in
# - `trace --json` and `record` side by side while 40 connections come and
#   go in the test's namespace (each must see them), both stopped by SIGINT;
# - `report --json` of that recording, whose counts must equal what ss
#   showed when the recording ended;
# - `top --once --json`, whose counts must equal ss;
# - `serve`, scraped plain and gzip by curl (the TIME_WAIT sockets must be
#   on the page), stopped by SIGTERM.
# Every run must exit 0 (valgrind exits VG_RC when it found an error).
# tests/e2e/valgrind.supp holds the suppressions, all for code outside
# waitwatch. waitwatch runs with --no-seccomp: valgrind makes system calls
# of its own. Under valgrind, loading the BPF programs takes 5-15 s: every
# wait is bounded, by VG_WAIT seconds.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
ww_require "$LOADGEN" valgrind curl ss

T=$WW_TMP
SUPP=$WW_ROOT/tests/e2e/valgrind.supp
VG_RC=97
VG_WAIT=45
PORT_TW=8080

ww_ns_main vg

# vg NAME: the valgrind command line of run NAME into VG (valgrind's report in
# $T/NAME.vg), for "${VG[@]}" "$WW" ARGS: run by the test's shell itself, also
# in the background (so that $! is the process).
vg() {
	VG=(valgrind -q --error-exitcode=$VG_RC --leak-check=full --errors-for-leak-kinds=definite
		--show-leak-kinds=definite --suppressions="$SUPP" --log-file="$T/$1.vg")
}

# vg_check NAME RC: the run exited 0, and valgrind found nothing.
vg_check() {
	local name=$1 rc=$2
	if [ ! -e "$T/$name.vg" ]; then
		fail "$name under memcheck" "valgrind did not run (exit $rc): $(head -c 400 "$T/$name.err")"
	elif [ "$rc" -eq "$VG_RC" ]; then
		fail "$name under memcheck" "errors: $(grep -v '^--' "$T/$name.vg" | head -60)"
	elif [ "$rc" -ne 0 ]; then
		fail "$name under memcheck" "exited $rc: $(head -c 400 "$T/$name.err")"
	else
		pass "$name under memcheck: exit 0, no error, no definite leak"
	fi
}

# vg_attached PID: PID's programs are attached, or PID is gone
vg_attached() {
	ww_attached "$1" || ww_gone "$1"
}

# ---- trace and record, with connections coming and going ---------------------

# close-first: the server closes first, its sockets go to TIME_WAIT under
# the listener, which stays until the test ends
ip netns exec "$NS" "$LOADGEN" server -a 127.0.0.1 -p $PORT_TW -m close-first -t 100 \
	-r "$T/ready" >"$T/server.out" 2>&1 &
ww_bg $!
wait_for "[ -s $T/ready ]" 5 || fatal server "loadgen server not ready: $(cat "$T/server.out")"
vg trace
"${VG[@]}" "$WW" trace --json --no-seccomp --netns "$INO" --duration 90 >"$T/trace.json" \
	2>"$T/trace.err" &
TRACE_PID=$!
ww_bg "$TRACE_PID"
vg record
"${VG[@]}" "$WW" record -o "$T/rec.wwr" -i 0.5 --no-seccomp --netns "$INO" --duration 90 \
	2>"$T/record.err" &
REC_PID=$!
ww_bg "$REC_PID"
wait_for "vg_attached $TRACE_PID && vg_attached $REC_PID" $VG_WAIT ||
	fatal attach "trace and record not attached after $VG_WAIT s"
ww_gone "$TRACE_PID" && fatal attach "trace exited early: $(head -c 400 "$T/trace.err")"
ww_gone "$REC_PID" && fatal attach "record exited early: $(head -c 400 "$T/record.err")"

out=$(timeout 30 ip netns exec "$NS" "$LOADGEN" client -a 127.0.0.1 -p $PORT_TW -n 40 -d 20 \
	-m wait-eof)
[ "$(jq -r .connections <<<"$out")" == 40 ] || fatal clients "wanted 40 connections, got: $out"
# 40 connections: each server side enters TIME_WAIT
tw_count() {
	jq -R 'fromjson? // empty | select(.tw == "TIME_WAIT" and .lport == '$PORT_TW')' \
		"$T/trace.json" 2>/dev/null | jq -s length
}
tw_seen() {
	[ "$(tw_count)" -ge 40 ]
}
wait_for tw_seen 20 || fail "trace under memcheck: events" \
	"$(tw_count) of the 40 TIME_WAIT entries of port $PORT_TW in 20 s: $(tail -c 600 "$T/trace.json")"
tw_seen && pass "trace under memcheck: the 40 TIME_WAIT entries of port $PORT_TW"
# a sweep after the last connection: record's interval is 0.5 s
sleep 1
ss_endpoints "$NS" >"$T/ss.end"
ww_stop "$TRACE_PID" INT $VG_WAIT
vg_check trace "$WW_RC"
ww_stop "$REC_PID" INT $VG_WAIT
vg_check record "$WW_RC"
ss_endpoints "$NS" >"$T/ss.end2"
cmp -s "$T/ss.end" "$T/ss.end2" ||
	fail "the namespace's table while record stopped" "$(diff "$T/ss.end" "$T/ss.end2")"

# ---- report of the recording ---------------------------------------------------

vg report
"${VG[@]}" "$WW" report "$T/rec.wwr" --json >"$T/report.json" 2>"$T/report.err"
vg_check report $?
ww_endpoints <"$T/report.json" >"$T/report.ww"
compare_counts "report under memcheck: the counts of ss at the end" "$T/ss.end" "$T/report.ww"

# ---- top --once and serve, side by side -----------------------------------------

vg top
"${VG[@]}" "$WW" top --once --json -i 0.5 --no-seccomp --netns "$INO" >"$T/top.json" \
	2>"$T/top.err" &
TOP_PID=$!
ww_bg "$TOP_PID"
SPORT=$(free_port) || fatal serve "no free port in 20000-29999"
URL=http://127.0.0.1:$SPORT
vg serve
"${VG[@]}" "$WW" serve --listen "127.0.0.1:$SPORT" -i 0.5 --no-seccomp --netns "$INO" \
	2>"$T/serve.err" &
SERVE_PID=$!
ww_bg "$SERVE_PID"
wait_for "[ \"\$(http_code $URL/metrics)\" == 200 ] || ww_gone $SERVE_PID" $VG_WAIT ||
	fail "serve under memcheck" "no /metrics after $VG_WAIT s: $(head -c 400 "$T/serve.err")"
if ! ww_gone "$SERVE_PID"; then
	# a page from a sweep: the TIME_WAIT sockets of the server
	page_ok() {
		curl -s -m 5 "$URL/metrics" >"$T/page.txt" &&
			grep -Eq "^waitwatch_sockets\{endpoint=\"127.0.0.1:$PORT_TW\",direction=\"in\",.*state=\"TIME_WAIT\"\} 40$" \
				"$T/page.txt"
	}
	if wait_for page_ok 20; then
		pass "serve under memcheck: /metrics shows the 40 TIME_WAIT sockets"
	else
		fail "serve under memcheck: /metrics" "$(grep TIME_WAIT "$T/page.txt" | head -5)"
	fi
	code=$(curl -s -m 5 --compressed -o "$T/page.gz.txt" -w '%{http_code}' "$URL/metrics")
	if [ "$code" == 200 ] && grep -q '^waitwatch_sockets' "$T/page.gz.txt"; then
		pass "serve under memcheck: a gzip scrape"
	else
		fail "serve under memcheck: a gzip scrape" "code $code"
	fi
fi
ww_stop "$SERVE_PID" TERM $VG_WAIT
vg_check serve "$WW_RC"

ww_stop "$TOP_PID" 0 $VG_WAIT
vg_check top "$WW_RC"
ww_endpoints <"$T/top.json" >"$T/top.ww"
compare_counts "top --once under memcheck: the counts of ss" "$T/ss.end" "$T/top.ww"
