# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
#
# Sourced by every end-to-end test (tests/e2e/t_*.sh).
#
# Tests run as root on the real kernel, in network namespaces they create
# (ww-<pid>-<name>), with only 127.0.0.1/::1 inside a namespace or
# 198.51.100.0/24 and 2001:db8::/64 on veth pairs between them. Everything
# registered here (namespaces, background pids, temp dir) is removed by the
# EXIT trap, also on failure or interrupt.
#
# Results: one line per check, "PASS: name" or "FAIL: name: details".
# The script exits 1 if any check failed.

set -u
export LC_ALL=C

WW_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# The build under test: WW the binary, WW_OUTPUT the make OUTPUT that holds
# its test tools (make sanitize sets both to its own build).
WW=${WW:-$WW_ROOT/waitwatch}
WW_OUTPUT=${WW_OUTPUT:-$WW_ROOT/.output}
TCPDRIVE=${TCPDRIVE:-$WW_OUTPUT/tools/tcpdrive}
# shellcheck disable=SC2034 # run by the tests that churn connections
LOADGEN=$WW_OUTPUT/tools/loadgen
WW_TEST=$(basename "$0" .sh)

# The live commands (top, serve, record, trace) run on tp_btf; with
# WW_E2E_CLASSIC=1 (t_classic.sh) the same checks run on the classic
# tracepoint, the fallback for kernels without tp_btf. Tests pass
# "${WW_LIVE[@]}" to every live command and expect WW_PROGRAM as the program
# it names, so that a run which silently stayed on tp_btf cannot pass.
WW_LIVE=()
WW_PROGRAM=tp_btf
WW_CHECK_PREFIX=
if [ "${WW_E2E_CLASSIC:-0}" == 1 ]; then
	WW_LIVE=(--classic)
	# shellcheck disable=SC2034 # read by the tests
	WW_PROGRAM=tracepoint
	WW_CHECK_PREFIX="classic: "
	WW_TEST=$WW_TEST-classic
fi

WW_PASSED=0
WW_FAILED=0
WW_NAMESPACES=()
WW_PIDS=()
WW_AT_EXIT=()
WW_TMP=$(mktemp -d "/tmp/ww-e2e-$WW_TEST.XXXXXX")

pass() {
	WW_PASSED=$((WW_PASSED + 1))
	echo "PASS: $WW_CHECK_PREFIX$1"
}

# fail NAME DETAILS...
fail() {
	local name=$1
	shift
	WW_FAILED=$((WW_FAILED + 1))
	echo "FAIL: $WW_CHECK_PREFIX$name: $*"
}

# Abort the test: one FAIL line, then exit (the trap cleans up).
fatal() {
	fail "$1" "${*:2}"
	exit 1
}

# assert_eq NAME EXPECTED ACTUAL
assert_eq() {
	if [ "$2" == "$3" ]; then
		pass "$1"
	else
		fail "$1" "expected '$2', got '$3'"
	fi
}

# assert_match NAME REGEX ACTUAL
assert_match() {
	if [[ $3 =~ $2 ]]; then
		pass "$1"
	else
		fail "$1" "'$3' does not match /$2/"
	fi
}

# assert_cmd NAME CMD... : passes if CMD exits 0
assert_cmd() {
	local name=$1
	shift
	if "$@"; then
		pass "$name"
	else
		fail "$name" "command failed: $*"
	fi
}

# wait_for "CMD" TIMEOUT_SECONDS: poll CMD (eval'd) every 50 ms until it
# succeeds; returns 1 when TIMEOUT_SECONDS pass (at most 2000 tries).
wait_for() {
	local cmd=$1 limit_ms start tries=0
	limit_ms=$(awk -v t="$2" 'BEGIN { printf "%d", t * 1000 }')
	start=$(date +%s%N)
	while [ $tries -lt 2000 ]; do
		if eval "$cmd"; then
			return 0
		fi
		if [ $(( ($(date +%s%N) - start) / 1000000 )) -ge "$limit_ms" ]; then
			return 1
		fi
		tries=$((tries + 1))
		sleep 0.05
	done
	return 1
}

# ww_state KIND VALUE: under run.sh (WW_E2E_STATE set), note what this test
# made, so that run.sh can remove it should the EXIT trap never run.
ww_state() {
	[ -n "${WW_E2E_STATE:-}" ] && echo "$1 $2" >>"$WW_E2E_STATE"
	return 0
}

# ww_at_exit CMD: run CMD (eval'd) at exit, the last registered first, before
# the background processes and namespaces go (a container, an image).
ww_at_exit() {
	WW_AT_EXIT+=("$1")
}

# ww_bg PID: register a background process to be killed at exit.
ww_bg() {
	WW_PIDS+=("$1")
	ww_state pid "$1"
}

# ww_ns_name NAME: the full name ww_ns_new NAME gives (ww-<pid>-NAME).
ww_ns_name() {
	echo "ww-$$-$1"
}

# ww_ns_new NAME: create namespace ww-<pid>-NAME with lo up, registered for
# cleanup; its name is left in WW_NS (not printed: a $(...) subshell could
# not register it). Call it directly: ww_ns_new a; NSA=$WW_NS
ww_ns_new() {
	local ns
	ns=$(ww_ns_name "$1")
	ip netns add "$ns" || fatal "netns-$1" "ip netns add $ns failed"
	WW_NAMESPACES+=("$ns")
	ww_state ns "$ns"
	ip -n "$ns" link set lo up || fatal "netns-$1" "lo up in $ns failed"
	# shellcheck disable=SC2034 # read by the tests
	WW_NS=$ns
}

# ww_ns_main NAME: ww_ns_new NAME, the test's namespace: its name in NS, its
# inode (for --netns) in INO.
ww_ns_main() {
	ww_ns_new "$1"
	NS=$WW_NS
	# shellcheck disable=SC2034 # read by the tests
	INO=$(ww_ns_inode "$NS")
}

# ww_ns_churn NAME: ww_ns_main NAME for connection churn: a little headroom
# for the client-side ports (20000-60999, whatever the host's default) and no
# reuse of TIME_WAIT 4-tuples (the default allows it on loopback), so that
# the test knows exactly how many TIME_WAIT sockets it made.
ww_ns_churn() {
	ww_ns_main "$1"
	ip netns exec "$NS" sysctl -qw net.ipv4.ip_local_port_range="20000 60999"
	ip netns exec "$NS" sysctl -qw net.ipv4.tcp_tw_reuse=0
}

# ww_veth_pair NS1 NS2: veth between them; NS1 gets 198.51.100.1/24 and
# 2001:db8::1/64, NS2 198.51.100.2/24 and 2001:db8::2/64 (nodad).
WW_VETH_N=0
ww_veth_pair() {
	local a=$1 b=$2 va vb
	WW_VETH_N=$((WW_VETH_N + 1))
	va="wwa$$-$WW_VETH_N" vb="wwb$$-$WW_VETH_N"
	ip link add "$va" netns "$a" type veth peer name "$vb" netns "$b" ||
		fatal veth "ip link add veth $a <-> $b failed"
	ip -n "$a" addr add 198.51.100.1/24 dev "$va" &&
		ip -n "$a" addr add 2001:db8::1/64 dev "$va" nodad &&
		ip -n "$a" link set "$va" up &&
		ip -n "$b" addr add 198.51.100.2/24 dev "$vb" &&
		ip -n "$b" addr add 2001:db8::2/64 dev "$vb" nodad &&
		ip -n "$b" link set "$vb" up ||
		fatal veth "addresses on veth $a <-> $b"
	# Both ends up (a veth is UP only when its peer is), no tentative address.
	wait_for "ip -n $a link show dev $va | grep -q 'state UP' &&
		ip -n $b link show dev $vb | grep -q 'state UP'" 5 ||
		fatal veth "veth $va/$vb not up"
	wait_for "[ -z \"\$(ip -n $a -6 addr show dev $va tentative)\$(ip -n $b -6 addr show dev $vb tentative)\" ]" 5 ||
		fatal veth "IPv6 addresses still tentative"
}

# ww_ns_inode NS: the namespace's inode, for waitwatch --netns.
ww_ns_inode() {
	stat -L -c %i "/run/netns/$1"
}

ww_cleanup() {
	local rc=$? ns i
	# Only the test's own shell cleans up, never a subshell of it.
	[ "$BASHPID" == "$$" ] || exit "$rc"
	trap - EXIT INT TERM
	for ((i = ${#WW_AT_EXIT[@]} - 1; i >= 0; i--)); do
		eval "${WW_AT_EXIT[$i]}"
	done
	WW_END_WAIT=1 ww_end "${WW_PIDS[@]}"
	for ns in "${WW_NAMESPACES[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$WW_TMP"
	if [ "$WW_FAILED" -gt 0 ] && [ "$rc" -eq 0 ]; then
		rc=1
	fi
	echo "# $WW_TEST: $WW_PASSED passed, $WW_FAILED failed"
	exit "$rc"
}
trap ww_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ww_require [TOOL...]: the preconditions every e2e test shares, and the
# test's own: a TOOL with a / is a binary make tools builds, any other a
# command to find. Stated as a FAIL, never skipped.
ww_require() {
	[ "$(id -u)" -eq 0 ] || fatal root "end-to-end tests need root (uid $(id -u))"
	[ -x "$WW" ] || fatal binary "$WW missing: run make"
	local c
	for c in "$TCPDRIVE" ip jq timeout stat "$@"; do
		case $c in
		*/*) [ -x "$c" ] || fatal binary "$c missing: run make tools" ;;
		*) command -v "$c" >/dev/null || fatal tools "$c not installed (make deps)" ;;
		esac
	done
}

# ww_repairs LABEL LOST REPAIRS: the repairs that LOST events called for. None
# without lost events; else at most two sockets per lost event (a lost
# ->CLOSE keeps the full socket and misses the TIME_WAIT socket it left).
# Not "at least one": a lost transition that a later one of the same socket
# overrides (FIN_WAIT1->FIN_WAIT2), or one in another namespace (misses are
# counted before the --netns filter), needs no repair. LABEL starts the
# checks' names.
ww_repairs() {
	local label=$1 lost=$2 repairs=$3
	if [ "$lost" -eq 0 ]; then
		assert_eq "${label}no repairs without lost events" 0 "$repairs"
	elif [ "$repairs" -le $((2 * lost)) ]; then
		pass "${label}lost $lost events, $repairs repairs (at most 2 per lost event)"
	else
		fail "${label}repairs" "$repairs repairs for $lost lost events (at most 2 per lost event)"
	fi
}

# ---- waitwatch processes ---------------------------------------------------

# ww_link_prog_ids PID: ids of the BPF programs PID holds attached through a
# bpf_link fd (fdinfo of a link shows link_type: and prog_id:).
ww_link_prog_ids() {
	local f
	for f in /proc/"$1"/fdinfo/*; do
		awk '/^link_type:/ { l = 1 } /^prog_id:/ { p = $2 }
			END { if (l && p) print p }' "$f" 2>/dev/null
	done
}

# ww_prog_name ID: the name of BPF program ID, empty if there is none.
ww_prog_name() {
	bpftool -j prog show id "$1" 2>/dev/null | jq -r '.name // empty'
}

# ww_attached PID: PID has attached a program named ww_set_state*.
ww_attached() {
	local id
	for id in $(ww_link_prog_ids "$1"); do
		case $(ww_prog_name "$id") in
		ww_set_state*) return 0 ;;
		esac
	done
	return 1
}

# ww_lost_now PID: the transitions PID's programs have lost so far: the
# kernel's count of the times the main program could not run (recursion
# misses) less those its catcher program took (index 4 of the "counters"
# map), and the ring-buffer reserve failures (index 1). For the commands
# that do not report their losses (leaks).
ww_lost_now() {
	local id m k v n=0
	for id in $(ww_link_prog_ids "$1"); do
		case $(ww_prog_name "$id") in
		ww_set_state*) ;;
		*) continue ;;
		esac
		v=$(bpftool -j prog show id "$id" | jq -r '.recursion_misses // 0')
		n=$((n + ${v:-0}))
		for m in $(bpftool -j prog show id "$id" | jq -r '.map_ids[]?'); do
			[ "$(bpftool -j map show id "$m" | jq -r .name)" == counters ] || continue
			v=$(bpftool -j map lookup id "$m" key 1 0 0 0 |
				jq '[.formatted.values[].value] | add // 0')
			n=$((n + ${v:-0}))
			v=$(bpftool -j map lookup id "$m" key 4 0 0 0 |
				jq '[.formatted.values[].value] | add // 0')
			n=$((n - ${v:-0}))
		done
	done
	echo "$n"
}

# ww_trace_start NAME OUT ERR ARGS...: start `waitwatch trace ARGS...` in the
# background (stdout to OUT, stderr to ERR), wait (10 s at most) until its
# program is attached. Sets WW_PID. A failure to start is fatal.
ww_trace_start() {
	local name=$1 out=$2 err=$3
	shift 3
	"$WW" trace "${WW_LIVE[@]}" "$@" >"$out" 2>"$err" &
	WW_PID=$!
	ww_bg "$WW_PID"
	if ! wait_for "ww_attached $WW_PID || ! kill -0 $WW_PID 2>/dev/null" 10; then
		fatal "$name" "waitwatch trace $* not attached after 10 s; stderr: $(head -c 500 "$err")"
	fi
	if ! kill -0 "$WW_PID" 2>/dev/null; then
		wait "$WW_PID"
		fatal "$name" "waitwatch trace $* exited early ($?); stderr: $(head -c 500 "$err")"
	fi
}

# ww_gone PID: PID has exited (gone, or a zombie waiting to be reaped).
ww_gone() {
	local st
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -z "$st" ] || [ "$st" == Z ]
}

# ww_end PID...: SIGTERM each, SIGKILL those still there after WW_END_WAIT
# (default 2) seconds, reap them.
ww_end() {
	local pid
	for pid in "$@"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "$@"; do
		wait_for "ww_gone $pid" "${WW_END_WAIT:-2}" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
}

# ww_lg_server PORT MODE [SECS]: a loadgen server on 127.0.0.1:PORT in $NS
# (MODE: loadgen's -m), for SECS (default 60) at most; returns once it
# listens.
ww_lg_server() {
	local ready=$WW_TMP/ready.$1
	rm -f "$ready" # a server of an earlier namespace on the same port
	ip netns exec "$NS" "$LOADGEN" server -a 127.0.0.1 -p "$1" -m "$2" -t "${3:-60}" -r "$ready" &
	ww_bg $!
	wait_for "[ -s $ready ]" 5 || fatal "server-$1" "loadgen server on 127.0.0.1:$1 not ready"
}

# ww_lg_clients PORT COUNT [DELAY_MS]: COUNT connections from $NS to
# 127.0.0.1:PORT that close first (DELAY_MS apart, default 10); all of them
# connect, or the test ends.
ww_lg_clients() {
	local out
	out=$(timeout 30 ip netns exec "$NS" "$LOADGEN" client -a 127.0.0.1 -p "$1" -n "$2" \
		-m close-first -d "${3:-10}")
	[ "$(jq -r .connections <<<"$out")" == "$2" ] ||
		fatal "clients-$1" "wanted $2 connections to 127.0.0.1:$1, got: $out"
}

# ww_stop PID SIGNAL [TIMEOUT]: send SIGNAL (0: none, just wait), wait for
# PID (a child of this shell) to exit, SIGKILL it after TIMEOUT (default 5)
# seconds. The exit status is left in WW_RC. (No watchdog subshell: a
# subshell would inherit the EXIT trap.)
ww_stop() {
	local pid=$1 sig=$2 t=${3:-5}
	kill -s "$sig" "$pid" 2>/dev/null
	# stderr: no "Killed" job notice from bash.
	wait_for "ww_gone $pid" "$t" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	# shellcheck disable=SC2034 # read by the tests
	WW_RC=$?
}

# ww_tcpdrive NS ARGS...: run tcpdrive in NS in the foreground, bounded by
# `timeout` (its own --timeout is shorter); stdout as tcpdrive prints it.
ww_tcpdrive() {
	local ns=$1
	shift
	timeout -k 2 20 ip netns exec "$ns" "$TCPDRIVE" "$@" --timeout 15
}

# ww_server NAME NS READYFILE OUT ARGS...: start `tcpdrive server ARGS` in NS
# in the background and wait (5 s) for its ready file; WW_SRV_PID is the
# tcpdrive pid (ip netns exec execs it, so it is also $!).
ww_server() {
	local name=$1 ns=$2 ready=$3 out=$4
	shift 4
	rm -f "$ready"
	ip netns exec "$ns" "$TCPDRIVE" server "$@" --ready-file "$ready" --timeout 20 \
		>"$out" 2>&1 &
	WW_SRV_PID=$!
	ww_bg "$WW_SRV_PID"
	wait_for "[ -s '$ready' ] || ! kill -0 $WW_SRV_PID 2>/dev/null" 5 ||
		fatal "$name" "server not ready after 5 s: $(cat "$out")"
	[ -s "$ready" ] || fatal "$name" "server exited: $(cat "$out")"
	local rp
	rp=$(sed -n 's/^pid=//p' "$ready")
	[ "$rp" == "$WW_SRV_PID" ] ||
		fatal "$name" "server pid $rp in ready file, expected $WW_SRV_PID"
}

# ---- waitwatch serve -------------------------------------------------------

# free_port [EXCEPT]: a port in 20000-29999 no TCP socket of the host uses.
free_port() {
	local p _
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 10000))
		[ "$p" != "${1:-}" ] || continue
		[ -z "$(ss -tanH "( sport = :$p )")" ] && { echo "$p"; return 0; }
	done
	return 1
}

# http_code URL [SECS]: the status code (000: no answer within SECS, default 3).
http_code() {
	curl -s -o /dev/null -m "${2:-3}" -w '%{http_code}' "$1"
}

# ww_serve_start ARGS...: `waitwatch serve --listen 127.0.0.1:PORT ARGS` on a
# free port (another one if a parallel test took it in between), until it
# answers /metrics. Sets WW_PID, PORT and URL.
ww_serve_start() {
	local _ gone
	for _ in 1 2 3; do
		PORT=$(free_port) || fatal serve-start "no free port in 20000-29999"
		"$WW" serve "${WW_LIVE[@]}" --listen "127.0.0.1:$PORT" "$@" \
			>"$WW_TMP/serve.out" 2>"$WW_TMP/serve.err" &
		WW_PID=$!
		ww_bg "$WW_PID"
		URL=http://127.0.0.1:$PORT
		if wait_for "[ \"\$(http_code $URL/metrics)\" == 200 ] || ww_gone $WW_PID" 15 &&
			! ww_gone "$WW_PID"; then
			return 0
		fi
		gone=
		ww_gone "$WW_PID" && gone=1
		ww_stop "$WW_PID" TERM
		grep -q 'cannot listen' "$WW_TMP/serve.err" && continue
		[ -n "$gone" ] &&
			fatal serve-start "waitwatch serve exited $WW_RC before serving /metrics: $(head -c 500 "$WW_TMP/serve.err")"
		fatal serve-start "waitwatch serve not serving /metrics after 15 s: $(head -c 500 "$WW_TMP/serve.err")"
	done
	fatal serve-start "no port found free 3 times: $(head -c 300 "$WW_TMP/serve.err")"
}

# ---- Prometheus ----------------------------------------------------------------

# ww_prometheus_start PORT: a Prometheus server on 127.0.0.1:PORT with
# $WW_TMP/prometheus.yml, its TSDB in $WW_TMP/tsdb, in the background. Sets
# PROM_PID and PURL; ww_prometheus_ready waits for it.
ww_prometheus_start() {
	mkdir -p "$WW_TMP/tsdb"
	prometheus --config.file="$WW_TMP/prometheus.yml" --storage.tsdb.path="$WW_TMP/tsdb" \
		--web.listen-address="127.0.0.1:$1" --storage.tsdb.retention.time=1h \
		--log.level=warn >"$WW_TMP/prometheus.log" 2>&1 &
	PROM_PID=$!
	ww_bg "$PROM_PID"
	PURL=http://127.0.0.1:$1
}

# ww_prometheus_ready: it answers /-/ready within 20 s, else the test ends.
ww_prometheus_ready() {
	wait_for "[ \"\$(http_code $PURL/-/ready)\" == 200 ] || ww_gone $PROM_PID" 20
	[ "$(http_code "$PURL/-/ready")" == 200 ] ||
		fatal prometheus "not ready after 20 s: $(tail -c 800 "$WW_TMP/prometheus.log")"
}

# ---- counts against the kernel ---------------------------------------------
#
# A count is right when it equals what ss (sock_diag) shows at the same
# moment for the same sockets. A refresh of waitwatch is compared with ss
# only when it lies between two reads of ss that agree: the kernel's table
# did not change around it, so that is what the refresh must show. Load
# that the test stopped before the first read cannot move the table; the
# second read shows that nothing else did. A refresh is dated by the time
# of its totals object (taken when its sweep ended), in waitwatch's
# CLOCK_REALTIME, which the test reads too (date +%s%6N).

# now_us: the wall clock, in microseconds
now_us() {
	date +%s%6N
}

# jq: an RFC 3339 UTC time with microseconds, as waitwatch writes it, in
# microseconds (exact in a double until the year 2255)
WW_JQ_US='def us: (.[0:19] + "Z" | fromdateiso8601) * 1000000 + (.[20:26] | tonumber);'

# ss's state names to waitwatch's
WW_SS_STATES='BEGIN { m["ESTAB"]="ESTABLISHED"; m["SYN-SENT"]="SYN_SENT"; m["SYN-RECV"]="SYN_RECV";
	m["FIN-WAIT-1"]="FIN_WAIT1"; m["FIN-WAIT-2"]="FIN_WAIT2"; m["TIME-WAIT"]="TIME_WAIT";
	m["CLOSE-WAIT"]="CLOSE_WAIT"; m["LAST-ACK"]="LAST_ACK"; m["LISTEN"]="LISTEN";
	m["CLOSING"]="CLOSING" }'

# ss_endpoints NS: the kernel's view of NS, grouped as waitwatch groups by
# default: an accepted socket under its listener's addr:port ("in"), any
# other under its peer ("out"). Lines: "ENDPOINT DIR STATE COUNT", sorted.
ss_endpoints() {
	local listeners
	listeners=$(ip netns exec "$1" ss -tlnH | awk '{ print $4 }' | tr '\n' ' ')
	ip netns exec "$1" ss -tanH | awk -v L="$listeners" "$WW_SS_STATES"'
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

# ww_endpoints: waitwatch's view from the JSON lines of one refresh on
# stdin, in the format of ss_endpoints.
ww_endpoints() {
	jq -r 'select(.type == "endpoint") | .endpoint as $e | (.dir // "-") as $d
		| .states | to_entries[] | select(.value > 0) | "\($e) \($d) \(.key) \(.value)"' |
		sort
}

# ww_refresh_us FILE: the time of the (last) totals object in FILE, in µs
ww_refresh_us() {
	jq -R -r "$WW_JQ_US"'fromjson? // empty | select(.type == "totals") | .time | us' "$1" |
		tail -n 1
}

# ww_frame_after FILE T_US: the first complete refresh of a `top --json`
# file whose time is later than T_US, as JSON lines; nothing (status 1)
# while there is none. A refresh ends with its totals object; a line still
# being written does not parse and is left out. (Each frame as one array a
# line, the first kept by head: jq 1.6's first() on this foreach lets later
# frames through.)
ww_frame_after() {
	jq -R -c -n --argjson t "$2" "$WW_JQ_US"'
		foreach (inputs | fromjson? // empty) as $l ({f: [], out: null};
			if .out then {f: [], out: null} else . end | .f += [$l]
			| if $l.type == "totals" then .out = .f else . end;
			.out // empty) | select(.[-1].time | us > $t)' "$1" |
		head -n 1 | jq -c '.[]' | grep .
}

# compare_counts NAME EXPECTED ACTUAL: two files of ss_endpoints or
# ww_endpoints lines are equal (and the expected one is not empty)
compare_counts() {
	if [ ! -s "$2" ]; then
		fail "$1" "nothing to compare with (empty $2)"
		return 1
	elif diff -u "$2" "$3" >"$WW_TMP/diff"; then
		pass "$1 ($(awk '{ s += $4 } END { print s + 0 }' "$2") sockets)"
		return 0
	fi
	fail "$1" "$(head -c 1500 "$WW_TMP/diff")"
	return 1
}

# ww_vs_ss NAME NS OUT TRIES CMD...: read ss in NS (A), run CMD, which must
# leave the JSON lines of one waitwatch refresh in OUT (it may use SS_T1,
# the end of A, in µs), read ss again (B). The refresh must be later than A
# and earlier than B, A must equal B, and then the refresh's counts must
# equal A; while A and B differ (the table moved), up to TRIES times. One
# PASS or FAIL line; OUT.ss keeps A, OUT.ww the refresh's counts; status 0
# when the counts were equal.
ww_vs_ss() {
	local name=$1 ns=$2 out=$3 tries=$4 try t0 t2 t3 tw
	shift 4
	for ((try = 1; try <= tries; try++)); do
		t0=$(now_us)
		ss_endpoints "$ns" >"$out.ss"
		SS_T1=$(now_us)
		if ! "$@"; then
			fail "$name" "no refresh to compare: $*"
			return 1
		fi
		t2=$(now_us)
		ss_endpoints "$ns" >"$out.ss2"
		t3=$(now_us)
		tw=$(ww_refresh_us "$out")
		if [ -z "$tw" ] || [ "$tw" -le "$SS_T1" ] || [ "$tw" -ge "$t2" ]; then
			fail "$name" "the refresh (time ${tw:-none} µs) is not between the reads of ss" \
				"($t0..$SS_T1 and $t2..$t3 µs)"
			return 1
		fi
		cmp -s "$out.ss" "$out.ss2" && break
	done
	if [ "$try" -gt "$tries" ]; then
		fail "$name" "the kernel's table changed around each of $tries refreshes: $(diff "$out.ss" "$out.ss2" | head -c 600)"
		return 1
	fi
	ww_endpoints <"$out" >"$out.ww"
	compare_counts "$name" "$out.ss" "$out.ww"
}
