#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# bench/overhead.sh: how much TCP connection churn survives a tracer.
#
# A round runs two loadgen clients in parallel (one per core) against a
# loadgen server, for DURATION seconds, inside a network namespace this
# script creates, and records connections per second (the sum of both) and
# the CPU time the churn took per connection (clients, server, ksoftirqd and
# the tracer's process): a cost that other work on the machine does not
# disturb, unlike the throughput.
# Each round runs every variant once, interleaved (none, trace, top, ...),
# so that slow drifts of the machine hit every variant alike:
#
#   none       no tracer
#   trace      waitwatch trace --json --netns INO > file
#   top        waitwatch top --json -i 1 --netns INO (frames to a small file)
#   filtered   the same with --netns of another, empty namespace: the program
#              runs on every transition but filters every event out before
#              the ring buffer (what the output itself costs, by difference)
#   serve      waitwatch serve --netns INO, scraped with curl every second
#   ww-empty   top with waitwatch's program returning at once: an empty
#              tp_btf program on the same hook, the in-kernel floor
#   ww-reads   top with the program stopping after its reads and filters
#   ww-resv    top with the program stopping after the ring buffer's
#              reserve (and a discard): the steps priced by difference
#   bt-print   bpftrace, a printf per TCP transition (bench/tcpstates-print.bt)
#   bt-count   bpftrace, counts per (old, new) in a map (bench/tcpstates-count.bt)
#   bt-empty   bpftrace 'tracepoint:sock:inet_sock_set_state {}': an empty
#              classic-tracepoint program, the in-kernel baseline
#
# With kernel.bpf_stats_enabled=1 (set back to its old value at exit, also
# on failure) it reads each attached program's run_time_ns and run_cnt
# before and after the churn: nanoseconds per program run. The tracer's CPU
# time (user + system, all threads) over the same interval comes from the
# scheduler (/proc/PID/task/*/schedstat, nanoseconds; /proc/PID/stat counts
# 10 ms ticks, too coarse for a few seconds).
#
# Environment: ROUNDS (default 5), DURATION (seconds, default 5), VARIANTS
# (space-separated subset, default all), BENCH_SMOKE=1 (1 round of 1 s),
# WW (the waitwatch binary), BENCH_KEEP=DIR (keep the raw results there).
# Runs as root. Prints one table; exits non-zero if the baseline failed.
set -u
export LC_ALL=C

. "$(dirname "$0")/lib.sh"
HERE=$ROOT/bench
bench_sizes ROUNDS=1/5 DURATION=1/5
ALL_VARIANTS="none trace top filtered serve ww-empty ww-reads ww-resv bt-print bt-count bt-empty"
VARIANTS=${VARIANTS:-$ALL_VARIANTS}
NS=ww-bench-oh-$$
NS_EMPTY=ww-bench-oh-$$-empty
SRV_PORT=5432
HTTP_PORT=$((30000 + $$ % 10000))
pids=()
OLD_BPF_STATS=

cleanup() {
	local rc=$?
	[ "$BASHPID" == "$$" ] || exit "$rc"
	trap - EXIT INT TERM
	stop_pids "${pids[@]}"
	drop_ns "$NS" "$NS_EMPTY"
	if [ -n "$OLD_BPF_STATS" ]; then
		sysctl -qw kernel.bpf_stats_enabled="$OLD_BPF_STATS"
	fi
	if [ -n "${BENCH_KEEP:-}" ] && [ -d "${T:-}" ]; then
		mkdir -p "$BENCH_KEEP" && cp "$T"/results "$BENCH_KEEP"/overhead.tsv 2>/dev/null
	fi
	[ -n "${T:-}" ] && rm -rf "$T"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bench_require overhead bpftool jq curl ip ss sysctl timeout
case $ROUNDS in '' | *[!0-9]* | 0) echo "overhead: ROUNDS must be 1..50" >&2; exit 2 ;; esac
[ "$ROUNDS" -le 50 ] || { echo "overhead: ROUNDS must be 1..50" >&2; exit 2; }
case $DURATION in '' | *[!0-9]* | 0) echo "overhead: DURATION must be 1..60 s" >&2; exit 2 ;; esac
[ "$DURATION" -le 60 ] || { echo "overhead: DURATION must be 1..60 s" >&2; exit 2; }

T=$(mktemp -d /tmp/ww-bench-oh.XXXXXX)
# The binary under test is copied: a rebuild during the run changes nothing.
cp "$WW_SRC" "$T/waitwatch" || exit 1
WW=$T/waitwatch
: >"$T/results"
NCLK=$(getconf CLK_TCK)

# ---- bpftrace: installed if absent, left out if it cannot run --------------

want() { case " $VARIANTS " in *" $1 "*) return 0 ;; esac; return 1; }

BT_OK=0
if want bt-print || want bt-count || want bt-empty; then
	if ! command -v bpftrace >/dev/null; then
		log "bpftrace absent: apt-get install -y bpftrace"
		DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq bpftrace \
			>"$T/apt.log" 2>&1 || log "apt-get install bpftrace failed: $(tail -n 3 "$T/apt.log")"
	fi
	# bpftrace finds tracepoints through tracefs, which a fresh host may not mount
	grep -qs ' /sys/kernel/tracing tracefs ' /proc/mounts ||
		mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null ||
		log "cannot mount tracefs on /sys/kernel/tracing"
	if ! command -v bpftrace >/dev/null; then
		echo "note: bpftrace is not installed; its variants are left out"
	elif ! timeout 60 bpftrace -e 'tracepoint:sock:inet_sock_set_state { exit(); } interval:ms:100 { exit(); }' \
		>"$T/bt-check" 2>&1; then
		echo "note: bpftrace cannot run here; its variants are left out: $(grep -v RLIMIT_MEMLOCK "$T/bt-check" | head -c 300)"
	else
		BT_OK=1
	fi
fi
echo "note: bcc's libbpf-tools tcpstates is not packaged for Debian 12; left out"
active=()
for v in $VARIANTS; do
	case $v in
	none | trace | top | filtered | serve | ww-empty | ww-reads | ww-resv) active+=("$v") ;;
	bt-print | bt-count | bt-empty) [ $BT_OK = 1 ] && active+=("$v") ;;
	*) echo "overhead: unknown variant '$v' (known: $ALL_VARIANTS)" >&2; exit 2 ;;
	esac
done
[ "${active[0]:-}" = none ] || { echo "overhead: VARIANTS must start with none" >&2; exit 2; }

# ---- the namespace ---------------------------------------------------------

ip netns add "$NS" || exit 1
ip -n "$NS" link set lo up || exit 1
for i in 2 3 4 5 6 7 8 9; do ip -n "$NS" addr add "127.0.0.$i/8" dev lo || exit 1; done
# A wide port range, no reuse of TIME_WAIT 4-tuples: every connection leaves
# a TIME_WAIT socket, and they are all killed between runs (ss -K), so that
# every run starts from the same empty table.
ip netns exec "$NS" sysctl -qw net.ipv4.ip_local_port_range="10000 65000" || exit 1
ip netns exec "$NS" sysctl -qw net.ipv4.tcp_tw_reuse=0 || exit 1
INO=$(stat -L -c %i "/run/netns/$NS")
log "namespace $NS (inode $INO)"
ip netns add "$NS_EMPTY" || exit 1
INO_EMPTY=$(stat -L -c %i "/run/netns/$NS_EMPTY")
log "namespace $NS_EMPTY (inode $INO_EMPTY, stays empty)"

# bounded: every run of every round, plus a minute
SRV_SECS=$((ROUNDS * ${#active[@]} * (DURATION + 40) + 60))
ip netns exec "$NS" "$LOADGEN" server -a 127.0.0.1 -p $SRV_PORT -t $SRV_SECS -r "$T/srv.ready" \
	>"$T/server.out" 2>&1 &
SRV_PID=$!
pids+=("$SRV_PID")
for i in $(seq 50); do [ -s "$T/srv.ready" ] && break; sleep 0.1; done
[ -s "$T/srv.ready" ] || { echo "overhead: loadgen server not ready: $(cat "$T/server.out")" >&2; exit 1; }

OLD_BPF_STATS=$(sysctl -n kernel.bpf_stats_enabled) || exit 1
sysctl -qw kernel.bpf_stats_enabled=1 || exit 1

# ---- helpers ---------------------------------------------------------------

alive() { kill -0 "$1" 2>/dev/null; }

# BPF program ids PID holds: program fds and links (their fdinfo has prog_id).
prog_ids() {
	grep -h '^prog_id:' /proc/"$1"/fdinfo/* 2>/dev/null | awk '{ print $2 }' | sort -un
}

# The ids of PID's programs of TYPE (tracing, tracepoint) and NAME prefix.
progs_of() { # PID TYPE NAME_PREFIX
	local ids
	ids=$(prog_ids "$1" | jq -cs .)
	[ "$ids" != "[]" ] || return 0
	bpftool -j prog show 2>/dev/null |
		jq -r --argjson ids "$ids" --arg t "$2" --arg n "$3" '.[] | select(.id as $i |
			$ids | index($i)) | select(.type == $t and ((.name // "") | startswith($n))) | .id'
}

# linked PID ID: PID holds a BPF link to program ID (it is attached).
linked() {
	grep -l "^prog_id:[[:space:]]*$2\$" /proc/"$1"/fdinfo/* 2>/dev/null |
		xargs -r grep -l '^link_type:' >/dev/null 2>&1
}

# "run_time_ns run_cnt recursion_misses" summed over program ids
prog_stats() {
	local id
	for id in "$@"; do
		bpftool -j prog show id "$id" 2>/dev/null |
			jq -r '"\(.run_time_ns // 0) \(.run_cnt // 0) \(.recursion_misses // 0)"'
	done | awk '{ rt += $1; cnt += $2; miss += $3 } END { printf "%.0f %.0f %.0f\n", rt, cnt, miss }'
}

# waitwatch's per-CPU counter IDX (WW_CNT_*, bpf/waitwatch.h) in PID's
# "counters" map, summed over CPUs; empty if there is none.
ww_counter() { # PID IDX
	local ids id
	ids=$(grep -h '^map_id:' /proc/"$1"/fdinfo/* 2>/dev/null | awk '{ print $2 }' | sort -un |
		jq -cs .)
	id=$(bpftool -j map show 2>/dev/null | jq -r --argjson ids "$ids" \
		'.[] | select(.id as $i | $ids | index($i)) | select(.name == "counters") | .id' |
		head -n 1)
	[ -n "$id" ] || return 0
	bpftool -j map lookup id "$id" key "$2" 0 0 0 2>/dev/null |
		jq -r '[.formatted.values[].value] | add'
}

# CPU time of PID, all threads, in ns (scheduler's accounting), then the
# utime and stime ticks of /proc/PID/stat.
cpu_of() {
	local ns
	ns=$(cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }')
	echo "$ns $(awk '{ sub(/.*\) /, ""); print $12, $13 }' /proc/"$1"/stat 2>/dev/null)"
}

# Kill every TIME_WAIT socket left by the previous run (no event reports it).
flush_tw() {
	timeout 60 ip netns exec "$NS" ss -K -tanH state time-wait state fin-wait-2 >/dev/null 2>&1
	poll "[ \$(ip netns exec $NS awk '/^TCP:/ { print \$7 }' /proc/net/sockstat) -lt 100 ]" 10
}

# gone PID: exited (gone, or a zombie not yet reaped)
gone() {
	local st
	st=$(awk '{ sub(/.*\) /, ""); print $1 }' /proc/"$1"/stat 2>/dev/null)
	[ -z "$st" ] || [ "$st" = Z ]
}

# forget PID: once reaped, its number may be reused: never signal it again.
forget() {
	local p keep=()
	for p in "${pids[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	pids=("${keep[@]}")
}

# stop PID SIGNAL: signal it, wait (5 s at most), then SIGKILL.
stop() {
	kill -s "$2" "$1" 2>/dev/null
	poll "gone $1" 5 || kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	forget "$1"
}

# CPU time (ns) of the server and of the ksoftirqd threads, which carry the
# churn's kernel work that runs outside the clients.
KSOFTIRQD=$(pgrep -x 'ksoftirqd/[0-9]+')
churn_side_cpu() {
	local p
	{
		cat /proc/"$SRV_PID"/task/*/schedstat
		for p in $KSOFTIRQD; do cat /proc/"$p"/schedstat; done
	} 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

# churn: two clients, one per core; prints "rate connections errors cpu_ns",
# cpu_ns being the CPU time the churn took: both clients (their rusage),
# the server and ksoftirqd ("-" if unknown). The BPF programs run inside
# these; a tracer's own process is counted apart.
churn() {
	local out=$T/churn a b s0 s1 tm=()
	[ -x /usr/bin/time ] && tm=(/usr/bin/time -f '%U %S' -o)
	rm -f "$out".*
	s0=$(churn_side_cpu)
	timeout -k 2 $((DURATION + 20)) ${tm[@]:+"${tm[@]}" "$out.t1"} ip netns exec "$NS" \
		"$LOADGEN" client -a 127.0.0.1 -p $SRV_PORT -d "$DURATION" \
		-b 127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5 >"$out.1" 2>&1 &
	a=$!
	timeout -k 2 $((DURATION + 20)) ${tm[@]:+"${tm[@]}" "$out.t2"} ip netns exec "$NS" \
		"$LOADGEN" client -a 127.0.0.1 -p $SRV_PORT -d "$DURATION" \
		-b 127.0.0.6,127.0.0.7,127.0.0.8,127.0.0.9 >"$out.2" 2>&1 &
	b=$!
	wait $a
	wait $b
	s1=$(churn_side_cpu)
	cat "$out.1" "$out.2" | jq -rs 'if length == 2 then
		"\(map(.rate) | add) \(map(.connections) | add) \(map(.errors) | add)"
		else "0 0 0" end' 2>/dev/null | tr -d '\n' || printf '0 0 0'
	if [ -s "$out.t1" ] && [ -s "$out.t2" ]; then
		cat "$out.t1" "$out.t2" | awk -v side=$((s1 - s0)) '
			NF == 2 && $1 ~ /^[0-9.]+$/ { s += ($1 + $2) * 1e9; n++ }
			END { if (n == 2) printf " %.0f\n", s + side; else print " -" }'
	else
		echo " -"
	fi
}

# ---- one run ---------------------------------------------------------------

# HTTP_PORT: a port nobody listens on in this namespace (bounded search).
free_port() {
	local i
	for ((i = 0; i < 50; i++)); do
		[ -z "$(ss -tlnH "sport = :$HTTP_PORT")" ] && return 0
		HTTP_PORT=$((30000 + (HTTP_PORT - 30000 + 1) % 10000))
	done
}

# Start VARIANT's tracer: sets TPID (empty for none), PIDS_STATS (program ids).
start_tracer() { # VARIANT ROUND
	local v=$1 r=$2
	TPID='' PROGS='' CATCH=''
	case $v in
	none) return 0 ;;
	trace)
		"$WW" trace --json --netns "$INO" >"$T/out" 2>"$T/err" &
		TPID=$! ;;
	top)
		"$WW" top --json -i 1 --netns "$INO" >"$T/out" 2>"$T/err" &
		TPID=$! ;;
	filtered)
		"$WW" top --json -i 1 --netns "$INO_EMPTY" >"$T/out" 2>"$T/err" &
		TPID=$! ;;
	ww-empty | ww-reads | ww-resv)
		local stage=1
		[ "$v" = ww-reads ] && stage=2
		[ "$v" = ww-resv ] && stage=3
		WAITWATCH_BENCH_STAGE=$stage "$WW" top --json -i 1 --netns "$INO" >"$T/out" \
			2>"$T/err" &
		TPID=$! ;;
	serve)
		free_port
		"$WW" serve --netns "$INO" --listen 127.0.0.1:$HTTP_PORT >"$T/out" 2>"$T/err" &
		TPID=$! ;;
	bt-print) bpftrace "$HERE/tcpstates-print.bt" >"$T/out" 2>"$T/err" & TPID=$! ;;
	bt-count) bpftrace "$HERE/tcpstates-count.bt" >"$T/out" 2>"$T/err" & TPID=$! ;;
	bt-empty) bpftrace -e 'tracepoint:sock:inet_sock_set_state {}' >"$T/out" 2>"$T/err" &
		TPID=$! ;;
	esac
	pids+=("$TPID")
	case $v in
	bt-*)
		poll "! alive $TPID || { grep -q '^Attaching' $T/out $T/err && [ -n \"\$(progs_of $TPID tracepoint '')\" ]; }" 60
		sleep 0.5 # the probes are attached just after they are announced
		PROGS=$(progs_of "$TPID" tracepoint '') ;;
	*)
		poll "! alive $TPID || [ -n \"\$(progs_of $TPID tracing ww_set_state)\" ]" 20
		PROGS=$(progs_of "$TPID" tracing ww_set_state)
		CATCH=$(progs_of "$TPID" tracing ww_catch_nested)
		# loaded; then attached: a link that holds it
		[ -n "$PROGS" ] && poll "! alive $TPID || linked $TPID $PROGS" 10 ;;
	esac
	case $v in
	serve)
		poll "! alive $TPID || curl -sf -o /dev/null http://127.0.0.1:$HTTP_PORT/metrics" 10
		# the scraper: once a second, bounded
		(for ((i = 0; i < DURATION + 30; i++)); do
			curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$HTTP_PORT/metrics"
			sleep 1
		done) &
		SCRAPER=$!
		pids+=("$SCRAPER") ;;
	esac
	if ! alive "$TPID" || [ -z "$PROGS" ]; then
		echo "note: round $r: $v did not start: $(grep -v RLIMIT_MEMLOCK "$T/err" | head -c 400)"
		stop "$TPID" KILL
		[ "$v" = serve ] && stop "$SCRAPER" TERM
		return 1
	fi
	return 0
}

# Stop the tracer; sets EVENTS (what the tool counted) and TOOL_LOST (what
# it reported lost, since it started), PERF_LOST (bpftrace's perf buffer).
stop_tracer() {
	local v=$1 line n
	EVENTS=- TOOL_LOST=- PERF_LOST=-
	case $v in
	none) return ;;
	top | filtered)
		n=$(grep -c '"type":"totals"' "$T/out")
		poll "[ \$(grep -c '\"type\":\"totals\"' $T/out) -ge $((n + 1)) ]" 3
		line=$(grep '"type":"totals"' "$T/out" | tail -n 1)
		EVENTS=$(jq -r .events <<<"$line") TOOL_LOST=$(jq -r .lost <<<"$line") ;;
	serve)
		kill "$SCRAPER" 2>/dev/null
		wait "$SCRAPER" 2>/dev/null
		forget "$SCRAPER"
		sleep 1.1 # one more refresh of /metrics after the churn
		curl -s --max-time 5 "http://127.0.0.1:$HTTP_PORT/metrics" >"$T/metrics"
		EVENTS=$(awk '/^waitwatch_events_total / { print $2 }' "$T/metrics")
		TOOL_LOST=$(awk '/^waitwatch_events_lost_total/ { s += $2 } END { print s + 0 }' "$T/metrics") ;;
	esac
	stop "$TPID" INT
	case $v in
	trace)
		# waitwatch: N events, N lost (ring buffer full: N, program could not run: N), ...
		line=$(grep -m1 '^waitwatch: [0-9]* events' "$T/err")
		EVENTS=$(sed -n 's/^waitwatch: \([0-9]*\) events.*/\1/p' <<<"$line")
		TOOL_LOST=$(sed -n 's/.* events, \([0-9]*\) lost.*/\1/p' <<<"$line") ;;
	bt-print)
		EVENTS=$(grep -c ' -> ' "$T/out")
		PERF_LOST=$(cat "$T/out" "$T/err" | awk '/^Lost [0-9]+ events/ { s += $2 } END { print s + 0 }') ;;
	bt-count)
		EVENTS=$(awk -F': ' '/^@\[/ { s += $2 } END { print s + 0 }' "$T/out") ;;
	esac
	[ -n "$EVENTS" ] || EVENTS=-
	[ -n "$TOOL_LOST" ] || TOOL_LOST=-
}

# delta "A B C" "A0 B0 C0": element-wise difference (integers)
delta() {
	paste -d' ' <(echo "$1") <(echo "$2") |
		awk '{ n = NF / 2; for (i = 1; i <= n; i++) printf "%.0f%s", $i - $(i + n), i < n ? " " : "\n" }'
}

run_one() { # VARIANT ROUND
	local v=$1 r=$2 s0 s1 c0 c1 rb0 rb1 rate conns errs rt cnt miss ns_ev cpu_ns ut st
	local cpu_m ppm drops lcpu per_conn k0 k1 n0=0 n1=0 krt kcnt kmiss
	flush_tw
	if ! start_tracer "$v" "$r"; then
		printf '%s\t%s\tFAILED\n' "$v" "$r" >>"$T/results"
		return
	fi
	s0=$(prog_stats $PROGS)
	k0=$(prog_stats $CATCH)
	if [ -n "$TPID" ]; then
		c0=$(cpu_of "$TPID")
		case $v in bt-*) rb0=0 ;; *) rb0=$(ww_counter "$TPID" 1) n0=$(ww_counter "$TPID" 4) ;; esac
	fi
	read -r rate conns errs lcpu <<<"$(churn)"
	sleep 0.3 # let the 100 ms drain catch up
	s1=$(prog_stats $PROGS)
	k1=$(prog_stats $CATCH)
	read -r rt cnt miss <<<"$(delta "$s1" "$s0")"
	# the catcher runs for every transition too: its time is the tool's;
	# what it took (counter 4) the main program missed but is not lost
	read -r krt kcnt kmiss <<<"$(delta "$k1" "$k0")"
	[ "$v" = ww-empty ] || rt=$((rt + krt)) # the floor is the main program alone
	ns_ev=- cpu_ns=- ut=- st=- ppm=- drops=-
	if [ -n "$TPID" ]; then
		c1=$(cpu_of "$TPID")
		case $v in bt-*) rb1=0 ;; *) rb1=$(ww_counter "$TPID" 1) n1=$(ww_counter "$TPID" 4) ;; esac
		miss=$((miss - (${n1:-0} - ${n0:-0})))
		[ "$miss" -lt 0 ] && miss=0
		read -r cpu_ns ut st <<<"$(delta "$c1" "$c0")"
		ut=$(awk -v t="$ut" -v hz="$NCLK" 'BEGIN { printf "%.2f", t / hz }')
		st=$(awk -v t="$st" -v hz="$NCLK" 'BEGIN { printf "%.2f", t / hz }')
		[ "$cnt" -gt 0 ] && ns_ev=$(awk -v a="$rt" -v b="$cnt" 'BEGIN { printf "%.1f", a / b }')
		# misses are counted for every run of the program, any namespace
		ppm=$(awk -v m="$miss" -v c="$cnt" 'BEGIN { printf "%.1f", (c + m > 0 ? m / (c + m) * 1e6 : 0) }')
		[ -n "$rb0" ] && [ -n "$rb1" ] && drops=$((rb1 - rb0))
	fi
	stop_tracer "$v"
	[ "$v" = bt-empty ] && EVENTS=$cnt
	[ "$v" = bt-print ] && drops=$PERF_LOST
	per_conn=-
	if [ "$lcpu" != - ] && [ "$conns" -gt 0 ]; then
		per_conn=$(awk -v l="$lcpu" -v t="${cpu_ns/-/0}" -v n="$conns" \
			'BEGIN { printf "%.2f", (l + t) / n / 1e3 }')
	fi
	cpu_m=-
	if [ "$cpu_ns" != - ] && [ "$EVENTS" != - ] && [ "$EVENTS" -gt 0 ]; then
		cpu_m=$(awk -v c="$cpu_ns" -v e="$EVENTS" 'BEGIN { printf "%.4f", c / 1e9 / e * 1e6 }')
	fi
	# variant round churn/s connections errors ns/event cpu-s/M events misses-ppm drops
	# misses runs utime stime cpu-ns tool-lost cpu-us/connection
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$v" "$r" \
		"$rate" "$conns" "$errs" "$ns_ev" "$cpu_m" "$EVENTS" "$ppm" "$drops" "$miss" "$cnt" \
		"$ut" "$st" "$cpu_ns" "$TOOL_LOST" "$per_conn" >>"$T/results"
	log "round $r $(printf '%-9s' "$v") churn ${rate%.*}/s ($conns conn, $errs err," \
		"CPU $per_conn us per connection, tracer included)" \
		"ns/run $ns_ev, CPU s/M events $cpu_m (utime $ut s, stime $st s), events $EVENTS," \
		"program runs $cnt, recursion misses $miss ($ppm ppm), drops $drops, the tool's lost $TOOL_LOST"
	rm -f "$T/out" "$T/err"
}

# ---- the rounds ------------------------------------------------------------

log "overhead: ${active[*]}; $ROUNDS rounds of $DURATION s"
[ "${BENCH_SMOKE:-0}" = 1 ] || churn >/dev/null # warm-up, not recorded
for ((r = 1; r <= ROUNDS; r++)); do
	for v in "${active[@]}"; do
		run_one "$v" "$r"
	done
done

# ---- the table -------------------------------------------------------------

echo
echo "Connection churn with and without a tracer: $ROUNDS rounds of $DURATION s, medians"
echo "(ratio: median over rounds of churn / churn without a tracer in the same round,"
echo " and the lowest and highest of those per-round ratios;"
echo " CPU us/conn: CPU time of the clients, the server, ksoftirqd and the tracer per"
echo " connection; kept, CPU cost: median over rounds of that cost without a tracer"
echo " / with it: the churn kept when the CPUs are the limit, whatever else runs;"
echo " ns/event: run_time_ns of the tracer's programs (with the catcher) / runs of the main one;"
echo " CPU: the tracer process, user + system, all threads, per million events it counted;"
echo " recursion misses: over all rounds, per million runs of the program;"
echo " buffer drops: over all rounds, waitwatch's ring buffer or bpftrace's perf buffer;"
echo " bt-empty: an empty program on the classic tracepoint, the in-kernel baseline)"
echo
awk -F'\t' -v order="${active[*]}" '
function median(list,   a, n, i, j, t) {
	n = split(list, a, " ")
	if (n == 0) return "-"
	for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
$3 == "FAILED" { next }
{
	v = $1; r = $2
	rate[v, r] = $3
	churn[v] = churn[v] " " $3
	if ($6 != "-") ns[v] = ns[v] " " $6
	if ($7 != "-") cpu[v] = cpu[v] " " $7
	if ($8 != "-") ev[v] = ev[v] " " $8
	if ($11 != "-" && $12 != "-" && v != "none") { miss[v] += $11; runs[v] += $12; hasmiss[v] = 1 }
	if ($10 != "-") { drops[v] += $10; hasdrops[v] = 1 }
	rounds[v] = rounds[v] " " r
	if ($17 != "-" && $17 != "") { pc[v, r] = $17; pcs[v] = pcs[v] " " $17 }
}
END {
	fmt = "| %-9s | %14s | %13s | %11s | %12s | %15s | %20s | %23s | %9s | %24s | %12s |\n"
	printf fmt, "variant", "churn/s median", "ratio vs none", "ratio range", "CPU us/conn",
		"kept, CPU cost", "ns/event (bpf_stats)", "user CPU s per M events", "events",
		"lost: recursion (ppm)", "lost: drops"
	printf "|-----------|---------------:|--------------:|------------:|-------------:|----------------:|---------------------:|------------------------:|----------:|-------------------------:|-------------:|\n"
	n = split(order, vs, " ")
	for (i = 1; i <= n; i++) {
		v = vs[i]
		if (churn[v] == "") {
			printf fmt, v, "failed", "-", "-", "-", "-", "-", "-", "-", "-", "-"
			continue
		}
		ratios = ""; lo = ""; hi = ""
		m = split(rounds[v], rs, " ")
		for (k = 1; k <= m; k++) {
			if (rate["none", rs[k]] <= 0) continue
			x = rate[v, rs[k]] / rate["none", rs[k]]
			ratios = ratios " " x
			if (lo == "" || x < lo) lo = x
			if (hi == "" || x > hi) hi = x
		}
		kept = ""
		for (k = 1; k <= m; k++)
			if (pc[v, rs[k]] > 0 && pc["none", rs[k]] > 0)
				kept = kept " " pc["none", rs[k]] / pc[v, rs[k]]
		kc = median(kept); pcm = median(pcs[v])
		c = median(churn[v]); q = median(ratios); e = median(ns[v]); u = median(cpu[v]); x = median(ev[v])
		ppm = hasmiss[v] && runs[v] + miss[v] > 0 ? sprintf("%.1f (%d)", miss[v] / (runs[v] + miss[v]) * 1e6, miss[v]) : "-"
		printf fmt, v, sprintf("%.0f", c), q == "-" ? "-" : sprintf("%.3f", q),
			lo == "" ? "-" : sprintf("%.2f-%.2f", lo, hi),
			pcm == "-" ? "-" : sprintf("%.1f", pcm), kc == "-" ? "-" : sprintf("%.3f", kc), e == "-" ? "-" : sprintf("%.0f", e), u == "-" ? "-" : sprintf("%.4f", u),
			x == "-" ? "-" : sprintf("%.0f", x), ppm, hasdrops[v] ? drops[v] : "-"
	}
}' "$T/results"
echo
failed=$(awk -F'\t' '$3 == "FAILED"' "$T/results" | wc -l)
[ "$failed" -eq 0 ] || echo "note: $failed runs failed to start their tracer (see the log above)"
base=$(awk -F'\t' '$1 == "none" && $3 > 0' "$T/results" | wc -l)
[ "$base" -eq "$ROUNDS" ] || { echo "overhead: the baseline churn failed" >&2; exit 1; }
exit 0
