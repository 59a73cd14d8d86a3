#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# `waitwatch serve` as Prometheus sees it:
# - HTTP semantics: / links /metrics, /healthz says ok, 404 elsewhere, 405
#   (with Allow) for other methods, the 0.0.4 text Content-Type;
# - promtool accepts a real scrape, plain and gzip (Content-Encoding: gzip
#   really sent), and the golden files of tests/unit/test_prom.c;
# - a real Prometheus server (127.0.0.1, 1 s scrapes) stores the target as
#   up, and its API reports the TIME_WAIT and CLOSE_WAIT counts that ss
#   shows for the test's namespace at the same moment (from a scrape of a
#   page built after a read of ss, which a second read confirms);
# - scraping every 0.2 s while the namespace churns ~10k connections per
#   second loses no event (waitwatch_events_lost_total{reason="ringbuf_full"});
# - --by comm: a process name with '"', '\' and a newline reaches Prometheus
#   escaped, and one that is not UTF-8 does not cost the whole scrape.
# The exporter and Prometheus listen on 127.0.0.1 ports picked free in
# 20000-29999; the TCP workload lives in the test's namespace.
. "$(dirname "$0")/lib.sh"
ww_require "$LOADGEN" curl promtool prometheus gzip ss

ww_ns_churn serve

# ---- the exporter ----------------------------------------------------------

start_serve() {
	ww_serve_start -i 1 --netns "$INO"
}

start_serve

# ---- HTTP semantics -----------------------------------------------------------

get() { # NAME PATH [CURL ARGS...]: headers in $WW_TMP/NAME.h, body in NAME.b, code printed
	local name=$1 path=$2
	shift 2
	curl -s -m 3 -D "$WW_TMP/$name.h" -o "$WW_TMP/$name.b" -w '%{http_code}' "$@" "$URL$path"
}
# header NAME FIELD: the value of one response header (last one, CR removed)
header() {
	awk -v f="$2" 'BEGIN { f = tolower(f) ":" } tolower($1) == f {
		sub(/^[^:]*:[ \t]*/, ""); sub(/\r$/, ""); v = $0 } END { print v }' "$WW_TMP/$1.h"
}

assert_eq "GET / is 200" 200 "$(get index /)"
assert_match "GET / is HTML" '^text/html' "$(header index Content-Type)"
assert_match "GET / links to /metrics" '<a href="/metrics">' "$(cat "$WW_TMP/index.b")"
assert_eq "GET /healthz is 200" 200 "$(get healthz /healthz)"
assert_eq "GET /healthz says ok" ok "$(tr -d '\r\n' <"$WW_TMP/healthz.b")"
assert_eq "GET /nope is 404" 404 "$(get nope /nope)"
assert_eq "GET /metricsx is 404" 404 "$(get nope2 /metricsx)"
assert_eq "POST /metrics is 405" 405 "$(get post /metrics -X POST -d x=1)"
assert_match "405 has an Allow header with GET" 'GET' "$(header post Allow)"
assert_eq "DELETE / is 405" 405 "$(get delete / -X DELETE)"
assert_eq "GET /metrics is 200" 200 "$(get plain /metrics)"
assert_match "/metrics Content-Type is text/plain; version=0.0.4" \
	'^text/plain; version=0\.0\.4(; charset=utf-8)?$' "$(header plain Content-Type)"
assert_eq "no Content-Encoding without Accept-Encoding" "" "$(header plain Content-Encoding)"
code=$(curl -s -m 3 -I -o "$WW_TMP/head.h" -w '%{http_code}' "$URL/metrics")
assert_eq "HEAD /metrics is 200" 200 "$code"

# ---- the workload, and a real Prometheus ---------------------------------------

start_server() { # PORT MODE
	local ready=$WW_TMP/ready.$1
	ip netns exec "$NS" "$LOADGEN" server -a 127.0.0.1 -p "$1" -m "$2" -t 90 -r "$ready" &
	ww_bg $!
	wait_for "[ -s $ready ]" 5 || fatal "server-$1" "loadgen server on 127.0.0.1:$1 not ready"
}

clients() { # PORT COUNT MODE [SECS]
	local out
	out=$(timeout 30 ip netns exec "$NS" "$LOADGEN" client -a 127.0.0.1 -p "$1" -n "$2" \
		-m "$3" -d "${4:-20}")
	[ "$(jq -r .connections <<<"$out")" == "$2" ] ||
		fatal "clients-$1" "wanted $2 connections to 127.0.0.1:$1, got: $out"
}

# ss_counts: "TIME_WAIT CLOSE_WAIT" as ss counts them now: the sockets
# towards 127.0.0.1:8001 in TIME_WAIT, those on 127.0.0.1:8004 in CLOSE_WAIT
ss_counts() {
	echo "$(ip netns exec "$NS" ss -tanH state time-wait dst 127.0.0.1:8001 | wc -l)" \
		"$(ip netns exec "$NS" ss -tanH state close-wait src 127.0.0.1:8004 | wc -l)"
}

# ss_read_a: the first read of ss of a comparison with Prometheus (A, in
# ss_tw and ss_cw), and n0, the sweeps the exporter's page counts after it
ss_read_a() {
	read -r ss_tw ss_cw <<<"$(ss_counts)"
	n0=$(curl -s -m 3 "$URL/metrics" | awk '$1 == "waitwatch_sweeps_total" { print $2 }')
	[ -n "$n0" ] || fatal prom-vs-ss "no waitwatch_sweeps_total on $URL/metrics"
}

PPORT=$(free_port "$PORT") || fatal prometheus "no free port for Prometheus"
# the second exporter (--by comm, at the end)
PORT2=$(free_port "$PORT") || fatal prometheus "no free port for a second exporter"
[ "$PORT2" != "$PPORT" ] || PORT2=$(free_port "$PPORT") || fatal prometheus "no free port"
cat >"$WW_TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: waitwatch
    static_configs:
      - targets: ['127.0.0.1:$PORT']
  - job_name: waitwatch_comm
    static_configs:
      - targets: ['127.0.0.1:$PORT2']
EOF
promtool check config "$WW_TMP/prometheus.yml" >/dev/null 2>&1 ||
	fatal prometheus "promtool rejects the test's own configuration"
ww_prometheus_start "$PPORT"

start_server 8001 close-after-eof
start_server 8004 hold
# 200 TIME_WAIT sockets towards 127.0.0.1:8001 (client side), 50 CLOSE_WAIT
# held by the server on 127.0.0.1:8004
clients 8001 200 close-first
clients 8004 50 close-first
# the load has stopped (the servers' closes settle): the first read of ss
# against Prometheus, now, so that the exporter's sweeps go on while
# Prometheus starts
sleep 0.3
ss_read_a

ww_prometheus_ready
pass "prometheus ready on 127.0.0.1:$PPORT"

# promql QUERY [TIME]: the API's JSON answer for an instant query (at TIME)
promql() {
	curl -s -m 3 -G --data-urlencode "query=$1" ${2:+--data-urlencode "time=$2"} \
		"$PURL/api/v1/query"
}

# prom_sample SELECTOR [TIME]: "VALUE STAMP" of the one series SELECTOR
# selects, STAMP the time of the scrape it came from; "none none" unless
# there is exactly one series
prom_sample() {
	local one='if (.data.result | length) == 1 then .data.result[0].value[1] else "none" end'
	echo "$(promql "$1" "${2:-}" | jq -r "$one")" "$(promql "timestamp($1)" "${2:-}" | jq -r "$one")"
}

# The target is up: Prometheus parsed a scrape without error.
target_up() {
	[ "$(curl -s -m 3 "$PURL/api/v1/targets" |
		jq -r '.data.activeTargets[] | select(.labels.job == "waitwatch") | .health')" == up ]
}
if wait_for "target_up" 15; then
	pass "prometheus scrapes waitwatch: target up"
else
	fail "prometheus target up" "$(curl -s -m 3 "$PURL/api/v1/targets" | jq -c '.data.activeTargets' | head -c 800)"
fi
assert_eq "up{job=waitwatch} is 1" 1 \
	"$(promql 'up{job="waitwatch"}' | jq -r '.data.result[0].value[1]')"

# prom_page_after N: Prometheus holds a scrape of a page built after sweep N
# (waitwatch_sweeps_total >= N); PROM_TS is that scrape's time
prom_page_after() {
	local n
	read -r n PROM_TS <<<"$(prom_sample 'waitwatch_sweeps_total{job="waitwatch"}')"
	[ "$n" != none ] && [ "$n" -ge "$1" ]
}

SEL_TW="waitwatch_sockets{netns=\"$INO\",endpoint=\"127.0.0.1:8001\",direction=\"out\",state=\"TIME_WAIT\"}"
SEL_CW="waitwatch_sockets{netns=\"$INO\",endpoint=\"127.0.0.1:8004\",direction=\"in\",state=\"CLOSE_WAIT\"}"
tw=$ss_tw cw=$ss_cw
[ "$tw" -ge 190 ] && pass "ss shows $tw TIME_WAIT towards 127.0.0.1:8001 (>= 190 of 200)" ||
	fail tw-made "only $tw TIME_WAIT of 200"
assert_eq "ss shows 50 CLOSE_WAIT on 127.0.0.1:8004" 50 "$cw"

# Prometheus against ss at the same moment, the load stopped: read ss (A,
# the first time just after the clients); the page the exporter serves
# then counts N sweeps, and the sweep after it may have begun before A, so
# the one after that (N + 2) is the first surely later. Take Prometheus's
# values from one scrape of a page that counts N + 2 sweeps or more, read
# ss again (B): A must equal B (else again, 3 times at most) and the values A.
stable=0
for try in 1 2 3; do
	[ "$try" == 1 ] || ss_read_a
	# a sweep a second, scraped every second
	wait_for "prom_page_after $((n0 + 2))" 10 ||
		fatal prom-vs-ss "Prometheus holds no scrape of a page after sweep $((n0 + 2)) within 10 s"
	read -r p_tw p_tw_ts <<<"$(prom_sample "$SEL_TW" "$PROM_TS")"
	read -r p_cw p_cw_ts <<<"$(prom_sample "$SEL_CW" "$PROM_TS")"
	[ "$(ss_counts)" == "$ss_tw $ss_cw" ] && stable=1 && break
done
[ "$stable" == 1 ] || fail prom-vs-ss "ss changed around each of 3 scrapes"
assert_eq "TIME_WAIT towards 127.0.0.1:8001: Prometheus, from the scrape at $PROM_TS, as ss" \
	"$ss_tw $PROM_TS" "$p_tw $p_tw_ts"
assert_eq "CLOSE_WAIT on 127.0.0.1:8004: Prometheus, from the scrape at $PROM_TS, as ss" \
	"$ss_cw $PROM_TS" "$p_cw $p_cw_ts"
assert_eq "serve names its program" "1" \
	"$(promql "waitwatch_build_info{job=\"waitwatch\",program=\"$WW_PROGRAM\"}" | jq -r '.data.result[0].value[1] // "none"')"
# every series Prometheus holds comes from the test's namespace (--netns)
other=$(promql "count(waitwatch_sockets{netns!=\"$INO\",endpoint!=\"other\"})" |
	jq -r '.data.result[0].value[1] // 0')
assert_eq "no series of other namespaces" 0 "$other"
entries=$(promql "waitwatch_state_entries_total{netns=\"$INO\",endpoint=\"127.0.0.1:8004\",state=\"CLOSE_WAIT\"}" |
	jq -r '.data.result[0].value[1] // "none"')
assert_eq "waitwatch_state_entries_total: 50 entries into CLOSE_WAIT on 127.0.0.1:8004" 50 "$entries"

# ---- promtool on real scrapes, now that they hold data ----------------------------

check_metrics() { # NAME FILE
	if promtool check metrics <"$2" >"$WW_TMP/promtool.out" 2>&1; then
		pass "$1"
	else
		fail "$1" "$(head -c 800 "$WW_TMP/promtool.out")"
	fi
}

assert_eq "plain scrape is 200" 200 "$(get plain /metrics)"
check_metrics "promtool check metrics: plain scrape ($(wc -l <"$WW_TMP/plain.b") lines)" "$WW_TMP/plain.b"
assert_match "the scrape has the namespace's TIME_WAIT series" \
	"waitwatch_sockets\\{endpoint=\"127.0.0.1:8001\",direction=\"out\",netns=\"$INO\",state=\"TIME_WAIT\"\\} [0-9]+" \
	"$(grep -F 'state="TIME_WAIT"' "$WW_TMP/plain.b" | grep -F 127.0.0.1:8001 | head -1)"

assert_eq "gzip scrape is 200" 200 "$(get gz /metrics -H 'Accept-Encoding: gzip')"
assert_eq "gzip scrape has Content-Encoding: gzip" gzip "$(header gz Content-Encoding)"
assert_match "gzip scrape has Vary: Accept-Encoding" 'Accept-Encoding' "$(header gz Vary)"
if gzip -t "$WW_TMP/gz.b" 2>/dev/null && gzip -dc "$WW_TMP/gz.b" >"$WW_TMP/gz.txt"; then
	pass "gzip body is a valid gzip stream ($(wc -c <"$WW_TMP/gz.b") bytes for $(wc -c <"$WW_TMP/gz.txt"))"
	check_metrics "promtool check metrics: gzip scrape, decompressed" "$WW_TMP/gz.txt"
	assert_eq "gzip and plain scrapes hold the same families" \
		"$(grep '^# TYPE' "$WW_TMP/plain.b")" "$(grep '^# TYPE' "$WW_TMP/gz.txt")"
else
	fail "gzip body" "not gzip: $(head -c 100 "$WW_TMP/gz.b" | od -c | head -3)"
fi
get gz2 /metrics -H 'Accept-Encoding: deflate, gzip;q=1.0' >/dev/null
assert_eq "Accept-Encoding: deflate, gzip;q=1.0 gets gzip" gzip "$(header gz2 Content-Encoding)"
# q=0: "not acceptable" (RFC 9110 12.5.3)
get gz3 /metrics -H 'Accept-Encoding: identity, gzip;q=0' >/dev/null
assert_eq "Accept-Encoding: gzip;q=0 gets no gzip" "" "$(header gz3 Content-Encoding)"
curl -s -m 3 --compressed "$URL/metrics" >"$WW_TMP/compressed.txt"
check_metrics "promtool check metrics: curl --compressed" "$WW_TMP/compressed.txt"

# The golden files of the unit test are valid exposition text too.
golden=0
for f in "$WW_ROOT"/tests/data/prom/*.prom; do
	[ -e "$f" ] || continue
	golden=$((golden + 1))
	check_metrics "promtool check metrics: golden $(basename "$f")" "$f"
done
[ "$golden" -gt 0 ] || fail "golden files" "none in tests/data/prom/"

# ---- churn while scraping every 0.2 s: no event lost ---------------------------

# metric NAME_WITH_LABELS: its value in the last plain scrape
metric() {
	awk -v m="$1" '$1 == m { print $2 }' "$WW_TMP/plain.b"
}
get plain /metrics >/dev/null
lost0=$(metric 'waitwatch_events_lost_total{reason="ringbuf_full"}')
ev0=$(metric waitwatch_events_total)
[ -n "$lost0" ] && [ -n "$ev0" ] ||
	fatal churn "no waitwatch_events_total / waitwatch_events_lost_total in the scrape"

start_server 8002 close-first
ip netns exec "$NS" "$LOADGEN" client -a 127.0.0.1 -p 8002 -n 400000 -m wait-eof -d 4 \
	>"$WW_TMP/churn.json" 2>&1 &
LG=$!
ww_bg $LG
ok=0 bad=0 slow=0
for _ in $(seq 60); do # 4 s of churn: ~20 scrapes; 60 is the bound
	ww_gone "$LG" && break
	t=$(curl -s -m 2 -o /dev/null -w '%{http_code} %{time_total}' "$URL/metrics")
	if [ "${t%% *}" == 200 ]; then
		ok=$((ok + 1))
		awk -v t="${t#* }" 'BEGIN { exit !(t > 0.5) }' && slow=$((slow + 1))
	else
		bad=$((bad + 1))
	fi
	sleep 0.2
done
wait "$LG"
conns=$(jq -r .connections "$WW_TMP/churn.json" 2>/dev/null)
[ "$conns" -ge 5000 ] 2>/dev/null && pass "churn: $conns connections in the namespace" ||
	fail churn "loadgen: $(cat "$WW_TMP/churn.json")"
[ "$ok" -ge 10 ] && [ "$bad" -eq 0 ] && pass "$ok scrapes during the churn, all 200 ($slow over 0.5 s)" ||
	fail "scrapes during the churn" "$ok answered 200, $bad did not"

# the page published after the churn ended (interval 1 s)
sleep 2.2
get plain /metrics >/dev/null
lost1=$(metric 'waitwatch_events_lost_total{reason="ringbuf_full"}')
ev1=$(metric waitwatch_events_total)
assert_eq "no event lost (ringbuf_full) while scraping during churn" "$lost0" "$lost1"
assert_eq "waitwatch_events_lost_total{reason=\"ringbuf_full\"} is 0" 0 "$lost1"
# each connection is at least 5 transitions in the namespace (client and server sides)
if [ "$((ev1 - ev0))" -ge "$((conns * 5))" ]; then
	pass "the churn was seen: $((ev1 - ev0)) events for $conns connections"
else
	fail "churn events" "only $((ev1 - ev0)) events for $conns connections (>= $((conns * 5)) expected)"
fi

ww_stop "$WW_PID" TERM
assert_eq "serve exits 0 on SIGTERM" 0 "$WW_RC"
assert_eq "nothing on stderr without -v" "" "$(cat "$WW_TMP/serve.err")"

# ---- --by comm: process names are bytes chosen by whoever runs a process ----------

# A listener whose comm holds '"', '\' and a newline must reach Prometheus
# escaped; one whose comm is not UTF-8 must not cost the whole scrape.
"$WW" serve "${WW_LIVE[@]}" --listen "127.0.0.1:$PORT2" -i 1 --netns "$INO" --by comm \
	>"$WW_TMP/serve2.out" 2>"$WW_TMP/serve2.err" &
WW2=$!
ww_bg $WW2
URL2=http://127.0.0.1:$PORT2
wait_for "[ \"\$(http_code $URL2/metrics)\" == 200 ] || ww_gone $WW2" 15 && ! ww_gone $WW2 ||
	fatal serve-by-comm "waitwatch serve --by comm on 127.0.0.1:$PORT2: $(head -c 300 "$WW_TMP/serve2.err")"
mkdir -p "$WW_TMP/bin"
NAME1=$'lg"b\\s\nx'
NAME2=$'lg\xff\xfe'
cp "$LOADGEN" "$WW_TMP/bin/$NAME1" && cp "$LOADGEN" "$WW_TMP/bin/$NAME2" ||
	fatal serve-by-comm "cannot copy loadgen"

# comm_server NAME PORT: a listener in NS owned by a process called NAME
comm_server() {
	local ready=$WW_TMP/ready.$2
	ip netns exec "$NS" "$WW_TMP/bin/$1" server -a 127.0.0.1 -p "$2" -m hold -t 60 -r "$ready" &
	ww_bg $!
	wait_for "[ -s $ready ]" 5 || fatal "server-$2" "server on 127.0.0.1:$2 not ready"
}

comm_server "$NAME1" 8005
esc='endpoint="lg\"b\\s\nx",direction="",netns="'$INO'",state="LISTEN"} 1'
if wait_for "curl -s -m 2 $URL2/metrics | grep -qF '$esc'" 5; then
	pass "--by comm: the name with a quote, a backslash and a newline is escaped"
else
	fail "--by comm escaping" "no line '$esc' in: $(curl -s -m 2 "$URL2/metrics" | grep -a LISTEN | head -c 600)"
fi
sel='waitwatch_sockets{job="waitwatch_comm",endpoint="lg\"b\\s\nx",state="LISTEN"}'
if wait_for "[ \"\$(promql '$sel' | jq -r '.data.result[0].value[1] // empty')\" == 1 ]" 8; then
	pass "--by comm: Prometheus stores the escaped name as it was"
else
	fail "--by comm in Prometheus" "no $sel: $(curl -s -m 3 "$PURL/api/v1/targets" |
		jq -c '.data.activeTargets[] | select(.labels.job == "waitwatch_comm") | {health, lastError}')"
fi

comm_server "$NAME2" 8006
# two listeners of processes called lg...: NAME1's and NAME2's (however shown)
wait_for "[ \$(curl -s -m 2 $URL2/metrics | grep -ac '^waitwatch_sockets{endpoint=\"lg.*state=\"LISTEN\"} 1\$') -ge 2 ]" 5 ||
	fail "--by comm" "the listener of $(printf %q "$NAME2") never shows"
curl -s -m 2 "$URL2/metrics" >"$WW_TMP/comm.prom"
check_metrics "promtool check metrics: --by comm with a comm that is not UTF-8" "$WW_TMP/comm.prom"
# two scrapes of that page later
sleep 2.5
health=$(curl -s -m 3 "$PURL/api/v1/targets" |
	jq -c '.data.activeTargets[] | select(.labels.job == "waitwatch_comm") | {health, lastError}')
assert_eq "--by comm: Prometheus still scrapes a page with a comm that is not UTF-8" \
	'{"health":"up","lastError":""}' "$health"
ww_stop "$WW2" TERM
assert_eq "serve --by comm exits 0 on SIGTERM" 0 "$WW_RC"
