#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# serve's JSON API against its schemas (tests/data/schemas, checked by
# python3-jsonschema in tests/e2e/schema_check.py), with live data: the
# test's namespace holds CLOSE_WAIT sockets old enough to be leak suspects
# and TIME_WAIT ones, and makes connections while the stream is read.
# - /api/v1/endpoints, /history, /diagram, /leaks: each valid, each with
#   its "version"; the query's views (group, filter) too, and a bad query
#   gets 400;
# - the messages of /api/v1/ws (hello, update, the answer to a command,
#   the answer to a bad one) and of /api/v1/stream (trace's lines);
# - the schemas can fail: a document with another version is refused.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
CHECK=$WW_ROOT/tests/e2e/schema_check.py
WSC=$WW_ROOT/tests/e2e/wsclient.py
ww_require "$LOADGEN" curl "$PY"

ww_ns_main api
ww_lg_server 8001 close-after-eof 40
ww_lg_server 8004 hold 40
ww_lg_clients 8001 20
ww_lg_clients 8004 5
sleep 1.2 # the CLOSE_WAIT sockets older than --leak-age at serve's first sweep
ww_serve_start -i 1 --netns "$INO" --leak-age 1s
wait_for "curl -s -m 2 $URL/api/v1/leaks | jq -e '.owners | length > 0' >/dev/null" 5 ||
	fail "leaks" "no suspect: $(curl -s -m 2 "$URL/api/v1/leaks")"

valid() { # NAME SCHEMA FILE...
	local name=$1 schema=$2 out
	shift 2
	if out=$("$PY" "$CHECK" "$schema" "$@" 2>&1); then
		pass "$name: $(tail -n 1 <<<"$out")"
	else
		fail "$name" "$(head -c 800 <<<"$out")"
	fi
}
for doc in endpoints history diagram leaks; do
	curl -s -m 3 -o "$WW_TMP/$doc.json" "$URL/api/v1/$doc"
	valid "/api/v1/$doc matches $doc.schema.json" "$doc.schema.json" "$WW_TMP/$doc.json"
done
assert_eq "the leak suspects name loadgen with the 5 CLOSE_WAIT sockets" "loadgen CLOSE_WAIT 5" \
	"$(jq -r '.owners[0] | "\(.comm) \(.state) \(.count)"' "$WW_TMP/leaks.json")"
curl -s -m 3 -o "$WW_TMP/view.json" "$URL/api/v1/endpoints?group=port&filter=8004"
valid "a view by port, filtered, matches endpoints.schema.json" endpoints.schema.json "$WW_TMP/view.json"
assert_eq "the view holds *:8004 only" '["*:8004"]' "$(jq -c '[.rows[].endpoint] | unique' "$WW_TMP/view.json")"
assert_eq "a bad grouping gets 400" 400 "$(http_code "$URL/api/v1/endpoints?group=nope")"
assert_eq "a filter too long gets 400" 400 "$(http_code "$URL/api/v1/endpoints?filter=$(printf 'x%.0s' $(seq 64))")"

# the page's socket: hello, updates, the answers to a good and a bad command
"$PY" "$WSC" stream "ws://127.0.0.1:$PORT/api/v1/ws" "$WW_TMP/ws.jsonl" 3.5 3 \
	'{"op":"group","value":"address"}' >/dev/null
"$PY" "$WSC" stream "ws://127.0.0.1:$PORT/api/v1/ws" "$WW_TMP/ws-bad.jsonl" 1.5 3 \
	'{"op":"nope"}' >/dev/null
valid "the messages of /api/v1/ws match ws-message.schema.json" ws-message.schema.json \
	"$WW_TMP/ws.jsonl" "$WW_TMP/ws-bad.jsonl"
assert_eq "/api/v1/ws said hello, updated, and answered the command (grouped by address)" \
	"error hello update view" \
	"$(cat "$WW_TMP/ws.jsonl" "$WW_TMP/ws-bad.jsonl" | jq -r '.type' | sort -u | tr '\n' ' ' | sed 's/ $//')"
assert_eq "the view's answer is grouped by address" address \
	"$(jq -r 'select(.type == "view") | .endpoints.group' "$WW_TMP/ws.jsonl" | head -n 1)"

# the stream: trace's lines
"$PY" "$WSC" stream "ws://127.0.0.1:$PORT/api/v1/stream?netns=$INO&port=8001" \
	"$WW_TMP/stream.jsonl" 6 1.5 >/dev/null &
SPID=$!
ww_bg $SPID
sleep 0.5
ww_lg_clients 8001 10
wait "$SPID"
assert_eq "the stream carried the 10 connections' transitions (10 each, port 8001)" 100 \
	"$(wc -l <"$WW_TMP/stream.jsonl")"
valid "the stream's messages match stream-event.schema.json" stream-event.schema.json "$WW_TMP/stream.jsonl"

# the diagram's numbers and its drawing come from one table: every arrow
# between two states the kernel names, the list has with the same count
# (arrows into CLOSE count plain closes apart from errors, TIME_WAIT's are
# inferred; the flow counts from serve's start: the 10 connections above)
wait_for "curl -s -m 2 $URL/api/v1/diagram | jq -e '[.transitions[] | select(.from == \"SYN_SENT\")] | length > 0' >/dev/null" 5
curl -s -m 3 -o "$WW_TMP/diagram.json" "$URL/api/v1/diagram"
drawn=$(jq -r .svg "$WW_TMP/diagram.json" | grep -o 'data-from="[A-Z_0-9]*" data-to="[A-Z_0-9]*" data-count="[1-9][0-9]*"' |
	grep -v -e 'data-to="CLOSE"' -e 'TIME_WAIT' | sed 's/data-from="\([^"]*\)" data-to="\([^"]*\)" data-count="\([0-9]*\)"/\1 \2 \3/' | sort -u)
listed=$(jq -r '.transitions[] | "\(.from) \(.to) \(.count)"' "$WW_TMP/diagram.json" | sort)
if [ -n "$drawn" ] && [ -z "$(comm -23 <(echo "$drawn") <(echo "$listed"))" ]; then
	pass "the diagram's list has every arrow its drawing counts ($(wc -l <<<"$drawn") arrows)"
else
	fail "diagram list vs drawing" "drawn but not listed: $(comm -23 <(echo "$drawn") <(echo "$listed") | tr '\n' ';')"
fi

# the schemas can fail
jq '.version = 2' "$WW_TMP/endpoints.json" >"$WW_TMP/v2.json"
jq '.rows[0].states.CLOSE_WAIT = -1' "$WW_TMP/endpoints.json" >"$WW_TMP/neg.json"
if ! "$PY" "$CHECK" endpoints.schema.json "$WW_TMP/v2.json" >/dev/null &&
	! "$PY" "$CHECK" endpoints.schema.json "$WW_TMP/neg.json" >/dev/null; then
	pass "the schema refuses version 2 and a negative count"
else
	fail "schemas" "a broken document passed"
fi
