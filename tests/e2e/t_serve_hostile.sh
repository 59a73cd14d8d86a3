#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# `waitwatch serve` against hostile HTTP clients (.output/tools/httpabuse),
# each case bounded in time, and after each one the daemon must be alive and
# answer /healthz and /metrics within 2 s:
# - 1,000 connections opened at once and held idle against
#   --max-connections 256: the daemon holds 256 of them, closes the rest at
#   once and counts them (waitwatch_http_connections_refused_total), a
#   scrape at the cap is not left waiting, and one is answered at once after
#   they are released;
# - slowloris, one header byte per second: closed after the 10 s connection
#   timeout, while other clients are served;
# - a 1 MiB header: 431 or closed; garbage (random bytes, a bad request
#   line): 400 or closed;
# - a bad --listen (no such address, port in use) exits non-zero with one
#   line on stderr, bad flags exit 2.
# The exporter listens on 127.0.0.1 (a port picked free in 20000-29999) and
# watches only the test's namespace; the start failures run inside it.
. "$(dirname "$0")/lib.sh"
ABUSE=$WW_OUTPUT/tools/httpabuse
ww_require "$ABUSE" "$LOADGEN" curl

ww_ns_main hostile

start_serve() {
	ww_serve_start -i 1 --netns "$INO" --max-connections 256
}

# healthy CASE: the daemon is alive and answers /healthz and /metrics in 2 s.
healthy() {
	local h m t
	if ww_gone "$WW_PID"; then
		fatal "$1: daemon alive" "waitwatch serve died; stderr: $(head -c 500 "$WW_TMP/serve.err")"
	fi
	h=$(curl -s -m 2 "$URL/healthz")
	t=$(curl -s -m 2 -o "$WW_TMP/m" -w '%{http_code} %{time_total}' "$URL/metrics")
	m=$(grep -c '^waitwatch_build_info{' "$WW_TMP/m")
	if [ "$h" == ok ] && [ "${t%% *}" == 200 ] && [ "$m" == 1 ]; then
		pass "$1: daemon alive, /healthz ok, /metrics 200 in ${t#* } s"
	else
		fail "$1: daemon answers" "/healthz '$h', /metrics '$t' (build_info lines: $m)"
	fi
}

# sockets PID: socket fds the process holds
sockets() {
	find "/proc/$1/fd" -lname 'socket:*' 2>/dev/null | wc -l
}

# abuse_bg NAME SECS MODE ARGS...: httpabuse MODE ARGS against the daemon, in
# the background (pid in ABUSE_PID), its ready file, stdout and stderr
# $WW_TMP/NAME.ready, .json, .err; once ready, within SECS, or fatal NAME.
abuse_bg() {
	local name=$1 secs=$2 mode=$3
	shift 3
	"$ABUSE" "$mode" -a 127.0.0.1 -p "$PORT" "$@" -r "$WW_TMP/$name.ready" \
		>"$WW_TMP/$name.json" 2>"$WW_TMP/$name.err" &
	ABUSE_PID=$!
	ww_bg $ABUSE_PID
	wait_for "[ -s $WW_TMP/$name.ready ] || ww_gone $ABUSE_PID" "$secs" ||
		fatal "$name" "httpabuse $mode not ready in $secs s: $(cat "$WW_TMP/$name.err")"
}

start_serve
healthy start
base=$(sockets "$WW_PID")

# ---- 1. 1,000 connections held, 256 at most -----------------------------------

# refused: waitwatch_http_connections_refused_total of the page served now
refused() {
	curl -s -m 2 "$URL/metrics" |
		awk '$1 == "waitwatch_http_connections_refused_total" { print $2 }'
}
refused0=$(refused)
[ -n "$refused0" ] || fail "refused counter" "no waitwatch_http_connections_refused_total"
# 1,000 connections set up in 10 s
abuse_bg hold 10 hold -n 1000 -t 40
HOLD=$ABUSE_PID
assert_eq "1,000 connections opened" 1000 "$(jq -r .connected "$WW_TMP/hold.ready" 2>/dev/null)"
# let the daemon accept what it will
sleep 1
held=$(($(sockets "$WW_PID") - base))
if [ "$held" -ge 250 ] && [ "$held" -le 256 ]; then
	pass "the daemon holds $held of the 1,000 connections (--max-connections 256)"
else
	fail "connection cap" "the daemon holds $held connections, expected 250..256"
fi
ww_gone "$WW_PID" && fatal "hold: daemon alive" "died with 1,000 connections open"
pass "hold: daemon alive with 1,000 connections open"
# at the cap a scrape is closed at once too, not left waiting
during=$(curl -s -o /dev/null -m 3 -w '%{http_code} %{time_total}' "$URL/metrics")
if awk -v t="${during#* }" 'BEGIN { exit !(t < 1) }'; then
	pass "a scrape at the cap is answered or closed at once (HTTP ${during%% *} in ${during#* } s)"
else
	fail "a scrape at the cap is not left waiting" "HTTP ${during%% *} after ${during#* } s"
fi
t0=$(date +%s%N)
kill -USR1 "$HOLD"
wait "$HOLD"
if wait_for "[ \"\$(http_code $URL/metrics 1)\" == 200 ]" 5; then
	pass "scrape answered $((($(date +%s%N) - t0) / 1000000)) ms after the 1,000 connections were released"
else
	fail "scrape after release" "no 200 within 5 s"
fi
echo "# observed: httpabuse hold: $(cat "$WW_TMP/hold.json")"
closed=$(jq -r .closed_by_server "$WW_TMP/hold.json")
if [ "$closed" -ge 744 ] && [ "$closed" -le 750 ]; then
	pass "the daemon closed the $closed connections beyond its cap at once"
else
	fail "connections beyond the cap closed" "$closed closed by the daemon, expected 744..750"
fi
# the page of the next sweep counts them (each sweep renders one, -i 1)
want=$((refused0 + closed))
if wait_for "[ \"\$(refused)\" -ge $want ]" 3; then
	pass "waitwatch_http_connections_refused_total rose by $(($(refused) - refused0)) (>= $closed)"
else
	fail "refused counter rises" "$(refused), expected >= $want"
fi
healthy hold

# ---- 2. slowloris ----------------------------------------------------------------

# the slow client connected within 5 s
abuse_bg slow 5 slow -i 1 -t 20
SLOW=$ABUSE_PID
sleep 3
t=$(curl -s -o /dev/null -m 2 -w '%{http_code} %{time_total}' "$URL/metrics")
assert_eq "a scrape during the slow client is answered" 200 "${t%% *}"
awk -v t="${t#* }" 'BEGIN { exit !(t < 1) }' && pass "... in ${t#* } s (< 1 s)" ||
	fail "scrape during the slow client" "took ${t#* } s"
wait "$SLOW"
res=$(cat "$WW_TMP/slow.json")
if [ "$(jq -r .closed <<<"$res")" == true ] &&
	awk -v s="$(jq -r .seconds <<<"$res")" 'BEGIN { exit !(s >= 9 && s <= 13) }'; then
	pass "slowloris closed by the daemon after $(jq -r .seconds <<<"$res") s (timeout 10 s)"
else
	fail "slowloris closed after the 10 s connection timeout" \
		"one header byte per second: $res (closed false: still open when the client gave up)"
fi
healthy slowloris

# ---- 3. a 1 MiB header -----------------------------------------------------------

{
	printf 'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: '
	head -c 1048576 /dev/zero | tr '\0' a
	printf '\r\n\r\n'
} >"$WW_TMP/big.req"
res=$("$ABUSE" send -a 127.0.0.1 -p "$PORT" -f "$WW_TMP/big.req" -t 10)
st=$(jq -r .status <<<"$res")
if [ "$st" == 431 ] || { [ "$st" == 0 ] && [ "$(jq -r .closed <<<"$res")" == true ]; }; then
	pass "1 MiB header: $(jq -r 'if .status == 0 then "closed" else .status_line end' <<<"$res")"
else
	fail "1 MiB header rejected (431 or closed)" "$res"
fi
healthy big-header

# ---- 4. garbage --------------------------------------------------------------------

# send_bad NAME STATUSES FILE [-s]: one of STATUSES ("400 414") or closed
# without a response, within 5 s
send_bad() {
	local name=$1 want=$2 file=$3 res st
	shift 3
	res=$("$ABUSE" send -a 127.0.0.1 -p "$PORT" -f "$file" -t 5 "$@")
	st=$(jq -r .status <<<"$res")
	if [[ " $want " == *" $st "* ]] ||
		{ [ "$st" == 0 ] && [ "$(jq -r .closed <<<"$res")" == true ]; }; then
		pass "$name: $(jq -r 'if .status == 0 then "closed" else .status_line end' <<<"$res") in $(jq -r .seconds <<<"$res") s"
	else
		fail "$name: ${want// /, } or closed" "$res"
	fi
}
printf 'GARBAGE\r\n\r\n' >"$WW_TMP/g1"
send_bad "invalid request line" 400 "$WW_TMP/g1"
printf 'GET\r\nHost: x\r\n\r\n' >"$WW_TMP/g2"
send_bad "request line without a path" 400 "$WW_TMP/g2"
printf 'GET /metrics HTTP/1.1\r\nHost x\r\nNo-colon-here\r\n\r\n' >"$WW_TMP/g3"
send_bad "header lines without a colon" 400 "$WW_TMP/g3"
# noise SEED BYTES: the same pseudo-random bytes on every run
noise() {
	awk -v seed="$1" -v n="$2" 'BEGIN { srand(seed); for (i = 0; i < n; i++) printf "%c", int(rand() * 256) }'
}
# random bytes may happen to look like a request line with an odd method or
# version: any 4xx, or 505, is a refusal
refused="400 404 405 411 413 414 431 505"
for seed in 1 2 3; do
	{ noise "$seed" 8192; printf '\r\n\r\n'; } >"$WW_TMP/g4"
	send_bad "8 KiB of random bytes (seed $seed), then CRLF CRLF" "$refused" "$WW_TMP/g4"
done
noise 4 8192 >"$WW_TMP/g5"
send_bad "8 KiB of random bytes, then EOF" "$refused" "$WW_TMP/g5" -s
# longer than the connection's memory (64 KiB): a line too long to be a request
noise 5 200000 | tr -d '\n' >"$WW_TMP/g6"
send_bad "200 KB of random bytes without a newline" "400 414 431" "$WW_TMP/g6"
healthy garbage

# ---- 5. start failures ----------------------------------------------------------------

# start_fail NAME WANT_RC ARGS...: `waitwatch serve ARGS` in the test's
# namespace exits WANT_RC ("nz": any non-zero) within 10 s, with exactly one
# line on stderr starting "waitwatch: ".
start_fail() {
	local name=$1 want=$2 rc lines
	shift 2
	timeout -k 2 10 ip netns exec "$NS" "$WW" serve --netns "$INO" --duration 3 "$@" \
		>"$WW_TMP/sf.out" 2>"$WW_TMP/sf.err" </dev/null
	rc=$?
	lines=$(wc -l <"$WW_TMP/sf.err")
	if { [ "$want" == nz ] && { [ "$rc" -eq 0 ] || [ "$rc" -ge 124 ]; }; } ||
		{ [ "$want" != nz ] && [ "$rc" != "$want" ]; }; then
		fail "$name" "serve $* exited $rc, expected ${want/nz/non-zero}; stderr: $(head -c 300 "$WW_TMP/sf.err")"
	elif [ "$lines" -ne 1 ] || ! grep -q '^waitwatch: ' "$WW_TMP/sf.err"; then
		fail "$name" "exit $rc but $lines lines on stderr: $(head -c 300 "$WW_TMP/sf.err")"
	else
		pass "$name: exit $rc, $(cat "$WW_TMP/sf.err")"
	fi
}

start_fail "--listen 300.1.1.1:80" 2 --listen 300.1.1.1:80
start_fail "--listen without a port" 2 --listen 127.0.0.1
start_fail "--listen port 99999" 2 --listen 127.0.0.1:99999
start_fail "--listen [::1 (unclosed bracket)" 2 --listen '[::1:80'
start_fail "--max-connections 0" 2 --max-connections 0
start_fail "-i 0.01" 2 -i 0.01
start_fail "unknown flag" 2 --bogus
start_fail "extra argument" 2 extra
# an address the namespace does not have
start_fail "--listen on an address not on the host" nz --listen 198.51.100.7:8080

# a port a plain listener holds, in the namespace
ready=$WW_TMP/ready.8080
ip netns exec "$NS" "$LOADGEN" server -a 127.0.0.1 -p 8080 -m hold -t 60 -r "$ready" &
ww_bg $!
wait_for "[ -s $ready ]" 5 || fatal port-in-use "loadgen server on 127.0.0.1:8080 not ready"
start_fail "--listen on a port in use" nz --listen 127.0.0.1:8080

# the port of the running daemon: a second exporter must not share it (if it
# does, the kernel spreads the scrapes over both)
timeout -k 2 10 "$WW" serve --listen "127.0.0.1:$PORT" --netns "$INO" --duration 3 \
	>"$WW_TMP/sf.out" 2>"$WW_TMP/sf.err" </dev/null &
SECOND=$!
ww_bg $SECOND
sleep 1.5
listeners=$(ss -ltnH "( sport = :$PORT )" | wc -l)
ww_stop "$SECOND" 0 8
if [ "$WW_RC" -ne 0 ] && [ "$WW_RC" -lt 124 ]; then
	pass "a second serve on the daemon's port: exit $WW_RC, $(head -1 "$WW_TMP/sf.err")"
else
	fail "a second serve on the daemon's port fails" \
		"exit $WW_RC; meanwhile $listeners sockets listened on 127.0.0.1:$PORT; stderr: '$(head -c 300 "$WW_TMP/sf.err")'"
fi
healthy start-failures

ww_stop "$WW_PID" TERM
assert_eq "serve exits 0 on SIGTERM" 0 "$WW_RC"
