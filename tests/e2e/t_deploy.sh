#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The scrape configurations of docs/deploy/ in a real Prometheus: a page with
# the socket labels of serve --labels container,pod (tests/data/deploy/
# metrics.prom), scraped through
# - the ServiceMonitor's relabelings after the Operator's own target labels,
# - the plain kubernetes_sd scrape configuration's relabel_configs,
# each on a static target that carries the labels Kubernetes discovery would
# give a waitwatch pod (tests/deploy/scrape_emulation.py), must reach the
# TSDB with the socket's labels as written (endpoint, pod, pod_namespace,
# container, unit; none on a host process's socket), node and instance, job
# waitwatch, and nothing of the exporter's own pod; and, without the
# relabelings, the collision they avoid (exported_endpoint, and the
# exporter's pod name on every series) shows, and honor_labels instead puts
# the exporter's pod on the socket of a host process.
# Prometheus and the page's server listen on 127.0.0.1 ports picked free.
. "$(dirname "$0")/lib.sh"
ww_require prometheus promtool curl /usr/bin/python3

PAGE_PORT=$(free_port) || fatal ports "no free port"
PPORT=$(free_port "$PAGE_PORT") || fatal ports "no free port"
mkdir -p "$WW_TMP/page"
cp "$WW_ROOT/tests/data/deploy/metrics.prom" "$WW_TMP/page/metrics"
/usr/bin/python3 -m http.server "$PAGE_PORT" --bind 127.0.0.1 --directory "$WW_TMP/page" \
	>"$WW_TMP/page.log" 2>&1 &
ww_bg $!
wait_for "[ \"\$(http_code http://127.0.0.1:$PAGE_PORT/metrics)\" == 200 ]" 5 ||
	fatal page "the page's server does not answer: $(head -c 300 "$WW_TMP/page.log")"

/usr/bin/python3 "$WW_ROOT/tests/deploy/scrape_emulation.py" "127.0.0.1:$PAGE_PORT" \
	>"$WW_TMP/prometheus.yml" || fatal config "scrape_emulation.py failed"
out=$(promtool check config "$WW_TMP/prometheus.yml" 2>&1)
assert_match "promtool accepts the scrape configurations of docs/deploy" SUCCESS "$out"
ww_prometheus_start "$PPORT"
ww_prometheus_ready

# series NODE: each waitwatch series scraped from NODE (the naive job sets
# none: ""), its labels sorted, one a line (name first)
series() {
	curl -s -m 3 -G --data-urlencode "query={__name__=~\"waitwatch_.*\",node=\"$1\"}" \
		"$PURL/api/v1/query" |
		jq -r '.data.result[].metric | [.__name__] + ([to_entries[] | select(.key != "__name__")
			| "\(.key)=\(.value)"] | sort) | join(" ")' | sort
}
three() {
	[ "$(series node-a | wc -l)" == 3 ] && [ "$(series node-b | wc -l)" == 3 ] &&
		[ "$(series "" | wc -l)" == 3 ] && [ "$(series node-d | wc -l)" == 3 ]
}
wait_for three 15 ||
	fatal scrape "not every target scraped in 15 s: $(curl -s -m 3 "$PURL/api/v1/targets" |
		jq -c '[.data.activeTargets[] | {job: .labels.job, health, lastError}]' | head -c 800)"

T="127.0.0.1:$PAGE_PORT"
expect() { # NODE: the series as the page wrote them, with job, instance and node
	cat <<EOT | sort
waitwatch_host_sockets instance=$T job=waitwatch node=$1 state=TIME_WAIT
waitwatch_sockets container=api direction=in endpoint=127.0.0.1:8080 instance=$T job=waitwatch netns=4026532001 node=$1 pod=api-1 pod_namespace=shop state=CLOSE_WAIT
waitwatch_sockets direction=out endpoint=198.51.100.2:5432 instance=$T job=waitwatch netns=4026531840 node=$1 state=TIME_WAIT unit=cron.service
EOT
}
assert_eq "ServiceMonitor: the socket labels as written, node kept, nothing of the exporter's pod" \
	"$(expect node-a)" "$(series node-a)"
assert_eq "kubernetes_sd scrape config: the socket labels as written, node kept" \
	"$(expect node-b)" "$(series node-b)"

# without the relabelings: what they avoid
naive=$(series "")
assert_match "without them, the socket's endpoint becomes exported_endpoint" \
	'exported_endpoint=127\.0\.0\.1:8080' "$naive"
assert_match "without them, a host process's socket is labelled with the exporter's pod" \
	'waitwatch_sockets .*pod=waitwatch-ccccc.*unit=cron\.service' "$naive"
honor=$(series node-d)
assert_match "honor_labels keeps the socket's own pod" \
	'waitwatch_sockets container=api .*pod=api-1 ' "$honor"
assert_match "honor_labels gives a host process's socket the exporter's pod" \
	'waitwatch_sockets .*pod=waitwatch-ddddd.*unit=cron\.service' "$honor"
