#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# serve's WebSockets under load and abuse (python3-websockets clients,
# tests/e2e/wsclient.py), while the test's namespace churns 3,000
# connections:
# - /api/v1/stream?netns=INODE carries the same transitions as
#   `waitwatch trace --json --netns INODE` running beside it;
# - 1,000 idle WebSocket connections stay open (under the default
#   --max-connections, 1024, of which WebSockets get all but 1/64), and
#   /metrics keeps answering; with --max-connections 64, the 64th
#   WebSocket gets 503 (counted) while scrapes are still served;
# - a client that never reads is dropped and counted
#   (waitwatch_websocket_clients_dropped_total), and costs nobody an event:
#   the stream reader's count still equals trace's, no event is lost to the
#   ring buffer, none to the stream's queue;
# - oversized and malformed frames get the close code RFC 6455 names
#   (1009, 1002, 1007), counted as protocol errors.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
WSC=$WW_ROOT/tests/e2e/wsclient.py
ww_require "$LOADGEN" curl "$PY"

ww_ns_churn stream
# host-wide, so that the stream's own filter is what picks the namespace; a
# ring buffer roomy enough for what else the host does meanwhile
ww_serve_start -i 1 --ringbuf-size 32M
WS=ws://127.0.0.1:$PORT

ready=$WW_TMP/ready
ip netns exec "$NS" "$LOADGEN" server -a 127.0.0.1 -p 8001 -m close-after-eof -t 40 -r "$ready" &
ww_bg $!
wait_for "[ -s $ready ]" 5 || fatal server "loadgen server not ready"

metric() { # NAME: its value on /metrics now
	curl -s -m 3 "$URL/metrics" | awk -v n="$1" '$1 == n { print $2 }'
}

# ---- the clients, then the load --------------------------------------------------

"$PY" "$WSC" stream "$WS/api/v1/stream?netns=$INO" "$WW_TMP/stream.jsonl" 25 2 \
	>"$WW_TMP/stream.out" 2>&1 &
STREAM_PID=$!
ww_bg $STREAM_PID
( ulimit -n 4096; exec "$PY" "$WSC" idle "$WS/api/v1/stream?netns=1&port=1" 1000 8 ) \
	>"$WW_TMP/idle.out" 2>&1 &
IDLE_PID=$!
ww_bg $IDLE_PID
"$PY" "$WSC" noread 127.0.0.1 "$PORT" "/api/v1/stream?netns=$INO" 12 \
	>"$WW_TMP/noread.out" 2>&1 &
NOREAD_PID=$!
ww_bg $NOREAD_PID
ww_trace_start trace "$WW_TMP/trace.jsonl" "$WW_TMP/trace.err" --json --netns "$INO"
TRACE_PID=$WW_PID
wait_for "grep -q open $WW_TMP/stream.out" 5 || fatal stream "the stream did not open: $(cat "$WW_TMP/stream.out")"
wait_for "[ \"\$(metric waitwatch_websocket_clients)\" -ge 1002 ] 2>/dev/null" 15 &&
	pass "1,002 WebSocket clients connected: $(metric waitwatch_websocket_clients)" ||
	fail "clients" "connected: $(metric waitwatch_websocket_clients); idle: $(cat "$WW_TMP/idle.out")"

# 3,000 connections in 10 bursts: a reader keeps up between them on a busy
# machine, while the one that never reads falls ever further behind
(
	slow=0 made=0
	for _ in $(seq 10); do
		out=$(timeout 20 ip netns exec "$NS" "$LOADGEN" client -a 127.0.0.1 -p 8001 -n 300 \
			-m close-first -d 10)
		made=$((made + $(jq -r .connections <<<"$out")))
		# /metrics answers during the load
		[ "$(http_code "$URL/metrics" 3)" == 200 ] || slow=$((slow + 1))
		sleep 0.2
	done
	echo "metrics_failures=$slow connections=$made" >"$WW_TMP/during"
)
[[ $(cat "$WW_TMP/during") == *connections=3000 ]] || fatal load "3000 connections wanted: $(cat "$WW_TMP/during")"
assert_eq "/metrics answered every scrape during the load" "metrics_failures=0 connections=3000" \
	"$(cat "$WW_TMP/during")"

# ---- what came through -------------------------------------------------------------

sleep 1.5 # the last transitions (the servers' closes) reach both
ww_stop "$TRACE_PID" INT
wait "$IDLE_PID"
idle=$(cat "$WW_TMP/idle.out")
assert_eq "1,000 idle WebSocket connections opened and stayed open" \
	'{"opened": 1000, "open_after": 1000}' "$idle"
wait "$NOREAD_PID"
assert_eq "the client that never read was closed by the server" '{"closed": true}' \
	"$(cat "$WW_TMP/noread.out")"
wait "$STREAM_PID" # 2 s after its last message
key='[.laddr, .lport, .raddr, .rport, .old, .new, .dir] | @tsv'
jq -r "$key" "$WW_TMP/trace.jsonl" | sort >"$WW_TMP/trace.keys"
jq -r "$key" "$WW_TMP/stream.jsonl" | sort >"$WW_TMP/stream.keys"
n=$(wc -l <"$WW_TMP/trace.keys")
if [ "$n" -ge 30000 ] && cmp -s "$WW_TMP/trace.keys" "$WW_TMP/stream.keys"; then
	pass "/api/v1/stream?netns=$INO carried the same $n transitions as trace --json --netns $INO"
else
	fail "stream vs trace" "trace $n, stream $(wc -l <"$WW_TMP/stream.keys"): $(diff "$WW_TMP/trace.keys" "$WW_TMP/stream.keys" | head -c 600)"
fi
assert_eq "the stream's lines are trace's, field for field" \
	"$(head -n 1 "$WW_TMP/trace.jsonl" | jq -c 'keys')" "$(head -n 1 "$WW_TMP/stream.jsonl" | jq -c 'keys')"

# ---- abuse --------------------------------------------------------------------------

codes=$("$PY" "$WSC" hostile 127.0.0.1 "$PORT" /api/v1/ws)
assert_eq "close codes: oversized 1009, unmasked 1002, reserved opcode 1002, bad UTF-8 1007, huge length 1009" \
	"1009 1002 1002 1007 1009" \
	"$(jq -r '[.oversized, .unmasked, .reserved_opcode, .bad_utf8, .huge_length] | map(tostring) | join(" ")' <<<"$codes")"
assert_match "a fragmented control frame ends the connection" '"fragmented_control": "(eof|reset|1002)"' "$codes"

sleep 1.2 # /metrics is rebuilt every second
page=$(curl -s -m 3 "$URL/metrics")
m() { awk -v n="$1" '$1 == n { print $2 }' <<<"$page"; }
[ "$(m waitwatch_websocket_clients_dropped_total)" -ge 1 ] &&
	pass "the reader that stalled is counted as dropped: $(m waitwatch_websocket_clients_dropped_total)" ||
	fail "dropped" "waitwatch_websocket_clients_dropped_total $(m waitwatch_websocket_clients_dropped_total)"
assert_eq "no event lost to the stream's queue" 0 "$(m waitwatch_websocket_stream_events_dropped_total)"
assert_eq "no event lost to the ring buffer" 0 \
	"$(awk '$1 == "waitwatch_events_lost_total{reason=\"ringbuf_full\"}" { print $2 }' <<<"$page")"
[ "$(m waitwatch_websocket_protocol_errors_total)" -ge 5 ] &&
	pass "protocol errors counted: $(m waitwatch_websocket_protocol_errors_total)" ||
	fail "protocol errors" "$(m waitwatch_websocket_protocol_errors_total)"
assert_eq "every WebSocket closed again" 0 "$(m waitwatch_websocket_clients)"

# ---- WebSockets cannot take every connection -------------------------------------------

ww_stop "$WW_PID" TERM
ww_serve_start -i 1 --max-connections 64
"$PY" "$WSC" idle "ws://127.0.0.1:$PORT/api/v1/stream?netns=1" 70 4 -v >"$WW_TMP/cap.out" 2>&1 &
CAP_PID=$!
ww_bg $CAP_PID
wait_for "grep -q holding $WW_TMP/cap.out" 15 || fail "cap" "$(cat "$WW_TMP/cap.out")"
assert_eq "--max-connections 64 and 63 WebSockets held: /metrics is still 200" 200 \
	"$(http_code "$URL/metrics")"
wait "$CAP_PID"
assert_eq "the 64th to 70th WebSockets got 503" \
	'{"opened": 63, "open_after": 63, "refused": {"503": 7}}' "$(tail -n 1 "$WW_TMP/cap.out")"
sleep 1.1
assert_match "/metrics counts them" 'waitwatch_websocket_upgrades_refused_total\{reason="full"\} 7' \
	"$(curl -s -m 3 "$URL/metrics")"
