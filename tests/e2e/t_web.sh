#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# serve's live page in a real browser: a headless Chromium (Debian's,
# driven over the DevTools protocol by tests/e2e/cdp.py) loads / from
# `waitwatch serve` on loopback while the test's namespace builds 50
# CLOSE_WAIT and 200 TIME_WAIT sockets:
# - the table (every row, state and count) equals ss, and the chart's lines
#   end at ss's counts;
# - the page got them over its WebSocket, not by polling: it counts the
#   messages it applied (data-ws-messages), polled nothing
#   (data-poll-updates), and the server's /metrics counts at least as many
#   messages sent;
# - the page talks back on the same socket: a filter and a grouping typed
#   into the page come back as the server's view, with no new request;
#   a click on a column header sorts the table;
# - the leak suspects name loadgen as the owner of the CLOSE_WAIT sockets;
# - with ?transport=poll the page polls the JSON documents instead, and
#   shows the same;
# - a screenshot is kept under .output/e2e/t_web/.
# And the upgrade itself: an Origin not the server's own is refused (403,
# counted), the server's own is switched (101), a bad version gets 426.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
CDP=$WW_ROOT/tests/e2e/cdp.py
ww_require "$LOADGEN" curl ss chromium "$PY"

ww_ns_main web
ww_serve_start -i 1 --netns "$INO" --leak-age 1s

# ---- the browser ------------------------------------------------------------------

CPORT=$(free_port "$PORT") || fatal chromium "no free port for the DevTools protocol"
chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions \
	--remote-debugging-address=127.0.0.1 --remote-debugging-port="$CPORT" \
	--user-data-dir="$WW_TMP/chromium" --window-size=1280,900 about:blank \
	>"$WW_TMP/chromium.log" 2>&1 &
ww_bg $!
wait_for "curl -s -m 1 http://127.0.0.1:$CPORT/json/list | grep -q webSocketDebuggerUrl" 15 ||
	fatal chromium "no DevTools endpoint after 15 s: $(tail -c 500 "$WW_TMP/chromium.log")"
cdp() { timeout 30 "$PY" "$CDP" "$CPORT" "$@"; }
dom() { cdp eval "$1" | jq -r .; }

cdp navigate "$URL/" || fatal page "the page did not load"
if cdp wait 'document.body.dataset.transport == "websocket" && document.body.dataset.wsMessages >= 1' 10; then
	pass "the page is live over its WebSocket"
else
	fatal page "no WebSocket update within 10 s: transport $(dom document.body.dataset.transport)"
fi
m0=$(dom document.body.dataset.wsMessages)

# ---- the workload -----------------------------------------------------------------

ww_lg_server 8001 close-after-eof
ww_lg_server 8004 hold
ww_lg_clients 8001 200 20
ww_lg_clients 8004 50 20
sleep 0.3
ss_cw=$(ip netns exec "$NS" ss -tanH state close-wait src 127.0.0.1:8004 | wc -l)
ss_tw=$(ip netns exec "$NS" ss -tanH state time-wait dst 127.0.0.1:8001 | wc -l)
assert_eq "ss shows 50 CLOSE_WAIT on 127.0.0.1:8004" 50 "$ss_cw"

# ---- the table and the chart against ss -------------------------------------------

# The DOM's table in ss_endpoints' format: "ENDPOINT DIR STATE COUNT"
DOM_TABLE='Array.from(document.querySelectorAll("#endpoints tbody tr[data-endpoint]")).map(function (tr) {
	return Array.from(tr.querySelectorAll("td[data-state]")).filter(function (td) {
		return Number(td.textContent) > 0;
	}).map(function (td) {
		return tr.dataset.endpoint + " " + tr.dataset.dir + " " + td.dataset.state + " " + td.textContent;
	}).join("\n");
}).filter(String).join("\n")'
cell() { # ENDPOINT DIR STATE: the page's count
	echo "Number((document.querySelector('#endpoints tr[data-endpoint=\"$1\"][data-dir=\"$2\"] td[data-state=\"$3\"]') || {}).textContent)"
}
line() { # ENDPOINT STATE: the last value of the chart's line
	echo "Number((document.querySelector('#chart path[data-endpoint=\"$1\"][data-state=\"$2\"]') || {getAttribute: function () {}}).getAttribute('data-last'))"
}
shown="$(cell 127.0.0.1:8004 in CLOSE_WAIT) == $ss_cw && $(cell 127.0.0.1:8001 out TIME_WAIT) == $ss_tw"
if cdp wait "$shown" 10; then
	pass "the table shows $ss_cw CLOSE_WAIT on 127.0.0.1:8004 and $ss_tw TIME_WAIT towards 127.0.0.1:8001, as ss"
else
	fail "table vs ss" "page: CLOSE_WAIT $(dom "$(cell 127.0.0.1:8004 in CLOSE_WAIT)"), TIME_WAIT $(dom "$(cell 127.0.0.1:8001 out TIME_WAIT)"); ss: $ss_cw, $ss_tw"
fi
if cdp wait "$(line 127.0.0.1:8004 CLOSE_WAIT) == $ss_cw && $(line 127.0.0.1:8001 TIME_WAIT) == $ss_tw" 5; then
	pass "the chart's CLOSE_WAIT and TIME_WAIT lines end at ss's counts"
else
	fail "chart vs ss" "lines end at $(dom "$(line 127.0.0.1:8004 CLOSE_WAIT)") and $(dom "$(line 127.0.0.1:8001 TIME_WAIT)")"
fi
# the state diagram, drawn by the server: its CLOSE_WAIT box holds the
# namespace's CLOSE_WAIT sockets, its arrow in counts at least the 50 made
box() { # STATE: the sockets its box shows
	echo "Number((document.querySelector('#state-diagram svg g#box-$1') || {dataset: {}}).dataset.sockets)"
}
ss_cw_all=$(ip netns exec "$NS" ss -tanH state close-wait | wc -l)
if cdp wait "$(box CLOSE_WAIT) == $ss_cw_all && Number(document.querySelector('#state-diagram svg g#arrow-ESTABLISHED-CLOSE_WAIT').dataset.count) >= 50" 5; then
	pass "the state diagram's CLOSE_WAIT box shows $ss_cw_all sockets, as ss, pushed $(dom document.body.dataset.diagramUpdates) times"
else
	fail "diagram vs ss" "box $(dom "$(box CLOSE_WAIT)"), ss $ss_cw_all, diagram: $(dom 'document.getElementById("state-diagram").innerHTML.slice(0, 300)')"
fi
# every row of the table, between two reads of ss that agree
for try in 1 2 3; do
	ss_endpoints "$NS" >"$WW_TMP/a.ss"
	sleep 1.2 # a refresh after the first read
	dom "$DOM_TABLE" | sort >"$WW_TMP/page.ww"
	ss_endpoints "$NS" >"$WW_TMP/b.ss"
	cmp -s "$WW_TMP/a.ss" "$WW_TMP/b.ss" && break
done
compare_counts "the page's whole table equals ss (after $try reads)" "$WW_TMP/a.ss" "$WW_TMP/page.ww"

# the leak suspects, as `waitwatch leaks` names them: owners are looked up every 10 s
LEAK='(function () { var r = Array.from(document.querySelectorAll("#leaks tbody tr")).filter(function (t) {
	return t.cells.length > 3 && t.cells[0].textContent == "loadgen" && t.cells[2].textContent == "CLOSE_WAIT"; });
	return r.length ? Number(r[0].cells[3].textContent) : 0; })()'
if cdp wait "$LEAK == $ss_cw" 15; then
	pass "the leak suspects: loadgen holds the $ss_cw CLOSE_WAIT sockets"
else
	fail "leak suspects" "$(dom 'document.querySelector("#leaks tbody").textContent')"
fi

# ---- pushed, not polled -----------------------------------------------------------

m1=$(dom document.body.dataset.wsMessages)
polls=$(dom document.body.dataset.pollUpdates)
[ "$m1" -gt "$m0" ] && [ "$polls" == 0 ] &&
	pass "the page applied $((m1 - m0)) more WebSocket messages and polled $polls times" ||
	fail "websocket updates" "messages $m0 -> $m1, polls $polls"
sleep 1.1
sent=$(curl -s -m 3 "$URL/metrics" | awk '$1 == "waitwatch_websocket_messages_sent_total" { print $2 }')
[ -n "$sent" ] && [ "$sent" -ge "$m1" ] &&
	pass "/metrics counts $sent WebSocket messages sent, the page applied $m1" ||
	fail "messages sent" "/metrics: ${sent:-none}, page: $m1"

# ---- the page talks back on its socket --------------------------------------------

cdp eval 'var f = document.getElementById("filter"); f.value = "8004";
	f.dispatchEvent(new Event("input")); true' >/dev/null
ONLY_8004='(function () { var r = document.querySelectorAll("#endpoints tbody tr[data-endpoint]");
	return r.length > 0 && Array.from(r).every(function (t) { return t.dataset.endpoint.indexOf("8004") >= 0; }); })()'
if cdp wait "$ONLY_8004" 5 && [ "$(dom document.body.dataset.pollUpdates)" == 0 ]; then
	pass "a filter typed into the page: the server's view holds only 127.0.0.1:8004, over the WebSocket"
else
	fail "filter" "rows: $(dom 'Array.from(document.querySelectorAll("#endpoints tbody tr")).map(function (t) { return t.dataset.endpoint; }).join(" ")')"
fi
cdp eval 'var g = document.getElementById("group"); g.value = "port";
	g.dispatchEvent(new Event("change")); true' >/dev/null
if cdp wait "$(cell '*:8004' in CLOSE_WAIT) == $ss_cw" 5; then
	pass "grouped by port from the page: *:8004 holds the $ss_cw CLOSE_WAIT"
else
	fail "group" "$(dom "$DOM_TABLE")"
fi
cdp eval 'var f = document.getElementById("filter"); f.value = "";
	f.dispatchEvent(new Event("input")); var g = document.getElementById("group"); g.value = "endpoint";
	g.dispatchEvent(new Event("change")); true' >/dev/null
cdp wait "$(cell 127.0.0.1:8004 in CLOSE_WAIT) == $ss_cw" 5 >/dev/null
sleep 1.1 # /metrics is built at each refresh
recv=$(curl -s -m 3 "$URL/metrics" | awk '$1 == "waitwatch_websocket_messages_received_total" { print $2 }')
[ "${recv:-0}" -ge 4 ] && pass "/metrics counts $recv messages from the page" ||
	fail "messages received" "${recv:-none}"

FIRST='(document.querySelector("#endpoints tbody tr[data-endpoint]") || {dataset: {}}).dataset.endpoint'
cdp click '#endpoints th[data-key="endpoint"]' && cdp click '#endpoints th[data-key="endpoint"]'
asc=$(dom "$FIRST")
want=$(dom 'Array.from(document.querySelectorAll("#endpoints tbody tr[data-endpoint]")).map(function (t) { return t.dataset.endpoint; }).sort()[0]')
[ "$(dom 'document.querySelector("#endpoints th[data-key=\"endpoint\"]").dataset.dir')" == asc ] &&
	[ "$asc" == "$want" ] && pass "two clicks on the endpoint column sort it ascending ($asc first)" ||
	fail "sort" "first row $asc, expected $want"
cdp click "#endpoints tr[data-endpoint=\"127.0.0.1:8004\"]"
cdp wait 'document.querySelector("#endpoints tr.selected") && document.querySelector("#endpoints tr.selected").dataset.endpoint == "127.0.0.1:8004"' 5 &&
	pass "a click on a row selects it, as the server's view says" ||
	fail "select" "selected: $(dom '(document.querySelector("#endpoints tr.selected") || {dataset: {}}).dataset.endpoint')"

# the fallback: polling the JSON documents (as when the upgrade fails)
cdp navigate "$URL/?transport=poll" || fail "poll page" "did not load"
if cdp wait "document.body.dataset.transport == 'polling' && document.body.dataset.pollUpdates >= 2 &&
	document.body.dataset.wsMessages == 0 && $(cell 127.0.0.1:8004 in CLOSE_WAIT) == $ss_cw" 8; then
	pass "polling instead: the table still shows the $ss_cw CLOSE_WAIT, with no WebSocket"
else
	fail "polling" "transport $(dom document.body.dataset.transport), polls $(dom document.body.dataset.pollUpdates)"
fi
cdp navigate "$URL/" && cdp wait "$(cell 127.0.0.1:8004 in CLOSE_WAIT) == $ss_cw" 8 >/dev/null

ART=$WW_OUTPUT/e2e/t_web
mkdir -p "$ART"
cdp screenshot "$ART/page.png"
[ "$(head -c 4 "$ART/page.png" | od -An -c | tr -d ' ')" == "211PNG" ] &&
	[ "$(stat -c %s "$ART/page.png")" -gt 20000 ] &&
	pass "a screenshot of the page: $ART/page.png ($(stat -c %s "$ART/page.png") bytes)" ||
	fail "screenshot" "$(ls -l "$ART/page.png" 2>&1)"

# ---- the upgrade: Origin, version -----------------------------------------------------

upgrade() { # PATH ORIGIN [VERSION]: the status of a WebSocket upgrade
	curl -s -o /dev/null -m 2 -w '%{http_code}' -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
		-H "Sec-WebSocket-Version: ${3:-13}" -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
		${2:+-H "Origin: $2"} "$URL$1"
}
assert_eq "an upgrade from another site's page is refused" 403 "$(upgrade /api/v1/ws http://evil.example)"
assert_eq "an upgrade from the server's own page is switched" 101 "$(upgrade /api/v1/ws "http://127.0.0.1:$PORT")"
assert_eq "an upgrade from a program (no Origin) is switched" 101 "$(upgrade /api/v1/stream '')"
assert_eq "WebSocket version 8 gets 426" 426 "$(upgrade /api/v1/ws '' 8)"
assert_eq "an unknown stream filter gets 400" 400 "$(upgrade '/api/v1/stream?bogus=1' '')"
sleep 1.1
assert_match "/metrics counts the refused Origin" \
	'waitwatch_websocket_upgrades_refused_total\{reason="origin"\} 1' "$(curl -s -m 3 "$URL/metrics")"
