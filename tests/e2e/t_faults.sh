#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Faults, on the real kernel, in a namespace of the test's own with
# connection churn (loadgen) in it:
# 1. SIGKILL at any moment: `serve --record F --record-max-size 64K` (scraped
#    in a loop, rotating), `top` and `record`, 21 kills at 0-300 ms after the
#    start or after the program is attached (during the load, the attach, a
#    sweep every 0.1 s, a scrape, a rotation). Every BPF program, map and
#    link the process held (its /proc/PID/fdinfo just before the kill) is
#    gone from bpftool afterwards, and every file a kill interrupted reads
#    with `report`: exit 0, or exit 1 with the one warning of a file cut off
#    inside its last block.
# 2. Started under churn: a running `top` and two `serve` (different
#    ports), all three started while the churn runs, equal ss at their first
#    refresh after it stops (6: two instances at once); a second serve on
#    the port of the first exits 1 with one line.
# 3. --ringbuf-size 4K (its minimum) under heavy churn: events lost,
#    counted and shown (top --json totals, serve's
#    waitwatch_events_lost_total{reason="ringbuf_full"}), no count ever
#    negative (wrapped) in any refresh, and equal to ss after the load stops
#    (repaired by the sweeps).
# 4. `serve` in a memory cgroup of 64 MiB (v1 or v2, found from
#    /proc/self/mountinfo; SKIP without one) while 100,000 connections to
#    100,000 addresses of 127/8 leave 100,000 TIME_WAIT endpoints: it folds
#    them into other and counts it, is not OOM-killed (no oom_kill in the
#    cgroup) and its RSS stays under the bound of docs/performance.md.
# 7. tracefs not mounted, in a private mount namespace (the host's mounts
#    untouched): tp_btf works; --classic mounts tracefs there itself, and
#    where it cannot (no /sys/kernel/tracing) says so in one line, exit 1.
# 8. A full disk: `record` onto a 1 MiB tmpfs (in a private mount
#    namespace) under churn exits 1 with one line saying the disk is full,
#    and its file reads with report up to its last whole block.
# 9. The same full disk under `serve --record`: one line says so and that
#    the recording stopped; serve goes on sweeping and serving /metrics
#    (waitwatch_recording 0), and exits 0 at SIGTERM.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
ww_require "$LOADGEN" bpftool curl unshare mount

T=$WW_TMP
ww_ns_churn faults

# one_line_exit1 NAME RC ERRFILE REGEX: RC is 1, ERRFILE one line matching REGEX
one_line_exit1() {
	if [ "$2" == 1 ] && [ "$(grep -c . "$3")" -eq 1 ] && grep -q -- "$4" "$3"; then
		pass "$1: exit 1, $(cat "$3")"
	else
		fail "$1" "exit '$2': $(head -c 400 "$3")"
	fi
}

start_server() { # ADDR PORT MODE SECONDS
	local ready=$T/ready.$2
	ip netns exec "$NS" "$LOADGEN" server -a "$1" -p "$2" -m "$3" -t "$4" -r "$ready" &
	ww_bg $!
	wait_for "[ -s $ready ]" 5 || fatal "server-$2" "loadgen server on $1:$2 not ready"
}

# churn SECS [ARGS...]: a loadgen client in the background for SECS towards
# 127.0.0.1:8001 (its pid in CHURN_PID, its result in $T/churn.N.json)
CHURN_N=0
churn() {
	local secs=$1
	shift
	CHURN_N=$((CHURN_N + 1))
	ip netns exec "$NS" "$LOADGEN" client -a 127.0.0.1 -p 8001 -d "$secs" "$@" \
		>"$T/churn.$CHURN_N.json" &
	CHURN_PID=$!
	ww_bg "$CHURN_PID"
}

start_server 127.0.0.1 8001 close-after-eof 120
start_server 127.0.0.1 8004 hold 120
ip netns exec "$NS" "$LOADGEN" client -a 127.0.0.1 -p 8004 -n 20 -d 10 >/dev/null

# ---- 1. SIGKILL at any moment -------------------------------------------------

# bpf_ids PID: the BPF objects PID holds, "prog N", "map N", "link N" a line
bpf_ids() {
	cat /proc/"$1"/fdinfo/* 2>/dev/null |
		awk '/^prog_id:/ { print "prog", $2 } /^map_id:/ { print "map", $2 }
			/^link_id:/ { print "link", $2 }' | sort -u
}

# bpf_alive IDS_FILE: those of the objects in IDS_FILE that still exist
bpf_alive() {
	local kind
	for kind in prog map link; do
		grep "^$kind " "$1" | sort >"$T/want.$kind"
		[ -s "$T/want.$kind" ] || continue
		bpftool -j "$kind" show 2>/dev/null | jq -r --arg k "$kind" '.[] | "\($k) \(.id)"' |
			sort | comm -12 - "$T/want.$kind"
	done
}

# readable NAME FILE: FILE, which a kill interrupted, reads with report: exit
# 0 and nothing on stderr, or exit 1 and one line, the warning of a file cut
# off inside a block. An empty file (killed before its header) is noted.
readable() {
	local rc lines
	[ -e "$2" ] || return 0
	if [ ! -s "$2" ]; then
		EMPTY_FILES=$((EMPTY_FILES + 1))
		return 0
	fi
	"$WW" report "$2" --json >"$T/kill.report" 2>"$T/kill.report.err"
	rc=$?
	lines=$(grep -c . "$T/kill.report.err")
	if [ "$rc" -eq 0 ] && [ "$lines" -eq 0 ]; then
		FILES_OK=$((FILES_OK + 1))
	elif [ "$rc" -eq 1 ] && [ "$lines" -eq 1 ] &&
		grep -q "warning: .*cut off inside the block at byte [0-9]*: everything before it was read" \
			"$T/kill.report.err" && grep -q '"type":"totals"' "$T/kill.report"; then
		FILES_CUT=$((FILES_CUT + 1))
	else
		fail "$1: report of $(basename "$2")" "exit $rc: $(head -c 300 "$T/kill.report.err")"
	fi
}

# scrape_loop URL SECS: curl URL in a loop for SECS (the exporter may be
# down: a killed one is restarted on the same port)
scrape_loop() {
	local end=$((SECONDS + $2)) n=0
	while [ "$SECONDS" -lt "$end" ] && [ "$n" -lt 100000 ]; do
		curl -s -o /dev/null -m 1 "$1" || sleep 0.02
		n=$((n + 1))
	done
}

KPORT=$(free_port) || fatal kill "no free port"
scrape_loop "http://127.0.0.1:$KPORT/metrics" 40 &
SCRAPER=$!
ww_bg "$SCRAPER"
churn 40
KILLS=0 HELD=0 OBJECTS=0 EMPTY_FILES=0 FILES_OK=0 FILES_CUT=0 ROTATED=0
for i in $(seq 0 20); do
	f=$T/kill.$i.wwr
	case $((i % 3)) in
	# serve stays root: nobody could not rotate a recording in the test's directory
	0) cmd=(serve --listen "127.0.0.1:$KPORT" -i 0.1 --user root --record "$f" --record-max-size 64K) ;;
	1) cmd=(top --json -i 0.1) ;;
	2) cmd=(record -o "$f" -i 0.1) ;;
	esac
	"$WW" "${cmd[0]}" "${WW_LIVE[@]}" "${cmd[@]:1}" --netns "$INO" >"$T/kill.out" 2>"$T/kill.err" &
	pid=$!
	ww_bg "$pid"
	delay=$(printf '0.%03d' $((RANDOM % 301)))
	when="${delay}s after the start"
	# every other kill once attached: into the sweeps, scrapes and rotations
	if [ $((i / 3 % 2)) -eq 1 ]; then
		wait_for "ww_attached $pid || ww_gone $pid" 10
		# a recording killed once attached has its header: one to read
		[ "${cmd[0]}" == top ] || wait_for "[ -s $f ] || ww_gone $pid" 5
		when="${delay}s after the attach"
	fi
	sleep "$delay"
	bpf_ids "$pid" >"$T/ids.$i"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	KILLS=$((KILLS + 1))
	n=$(grep -c . "$T/ids.$i")
	OBJECTS=$((OBJECTS + n))
	[ "$n" -gt 0 ] && HELD=$((HELD + 1))
	if ! wait_for "[ -z \"\$(bpf_alive $T/ids.$i)\" ]" 5; then
		fail "kill $i (${cmd[0]}, $when)" "still there 5 s after SIGKILL: $(bpf_alive "$T/ids.$i" | tr '\n' ' ')"
	fi
	[ -e "$f.1" ] && ROTATED=$((ROTATED + 1))
	readable "kill $i (${cmd[0]}, $when)" "$f"
	readable "kill $i (${cmd[0]}, $when)" "$f.1"
done
kill "$CHURN_PID" "$SCRAPER" 2>/dev/null
wait "$CHURN_PID" "$SCRAPER" 2>/dev/null
if [ "$HELD" -ge 7 ]; then
	pass "$KILLS SIGKILLs ($HELD holding BPF objects, $OBJECTS objects in all): none left in the kernel"
else
	fail "SIGKILL at any moment" "only $HELD of $KILLS kills hit a process holding BPF objects"
fi
if [ "$((FILES_OK + FILES_CUT))" -ge 5 ]; then
	pass "the $((FILES_OK + FILES_CUT)) recordings the kills cut read with report \
($FILES_OK whole, $FILES_CUT cut inside a block, $EMPTY_FILES killed before the header, $ROTATED rotated)"
else
	fail "recordings after SIGKILL" "only $FILES_OK + $FILES_CUT recordings read ($EMPTY_FILES empty)"
fi

# ---- 2 and 6. started under churn, two exporters and a top at once -------------

# prom_endpoints FILE: the waitwatch_sockets of a page, of the test's
# namespace, in the format of ss_endpoints ("other" left out)
prom_endpoints() {
	sed -nE "s/^waitwatch_sockets\\{endpoint=\"([^\"]*)\",direction=\"([^\"]*)\",netns=\"$INO\",state=\"([A-Z_0-9]*)\"\\} ([0-9]+)\$/\\1 \\2 \\3 \\4/p" "$1" |
		awk '$4 > 0 && $1 != "other"' | sort
}

# page_sweeps URL: waitwatch_sweeps_total of the page served now
page_sweeps() {
	curl -s -m 2 "$1/metrics" | awk '$1 == "waitwatch_sweeps_total" { print $2 }'
}

# serve_vs_ss NAME URL OUT: read ss (A); the page of the second sweep after
# it (the first may have begun before A) into OUT; read ss (B). A == B (else
# again, 3 times at most), and the page's counts equal A.
serve_vs_ss() {
	local name=$1 url=$2 out=$3 try n0
	for try in 1 2 3; do
		ss_endpoints "$NS" >"$out.ss"
		n0=$(page_sweeps "$url")
		[ -n "$n0" ] || { fail "$name" "no waitwatch_sweeps_total on $url"; return 1; }
		wait_for "[ \"\$(page_sweeps $url)\" -ge $((n0 + 2)) ]" 5 ||
			{ fail "$name" "no new sweep on $url"; return 1; }
		curl -s -m 2 "$url/metrics" >"$out"
		ss_endpoints "$NS" >"$out.ss2"
		cmp -s "$out.ss" "$out.ss2" && break
	done
	[ "$try" -le 3 ] && cmp -s "$out.ss" "$out.ss2" ||
		{ fail "$name" "the kernel's table changed around 3 pages"; return 1; }
	prom_endpoints "$out" >"$out.ww"
	compare_counts "$name" "$out.ss" "$out.ww"
}

churn 5
sleep 0.5
ww_serve_start -i 0.2 --netns "$INO"
URL1=$URL PORT1=$PORT SERVE1=$WW_PID
cp "$T/serve.err" "$T/serve1.err"
ww_serve_start -i 0.2 --netns "$INO"
URL2=$URL SERVE2=$WW_PID
"$WW" top "${WW_LIVE[@]}" --json -i 0.2 --netns "$INO" >"$T/top.json" 2>"$T/top.err" &
TOP=$!
ww_bg "$TOP"
wait_for "grep -q '\"type\":\"totals\"' $T/top.json || ww_gone $TOP" 10 ||
	fatal top-start "no refresh from top: $(head -c 300 "$T/top.err")"
ww_gone "$CHURN_PID" && fail "started under churn" "the churn ended before all three had started"
wait "$CHURN_PID"
assert_match "churn ran while they started" '"connections":[1-9]' "$(cat "$T/churn.$CHURN_N.json")"
# the servers' closes settle
sleep 0.3
top_frame() {
	wait_for "ww_frame_after '$T/top.json' $SS_T1 >'$1'" 3
}
ww_vs_ss "top started under churn equals ss at its first refresh after it" "$NS" \
	"$T/top.1" 3 top_frame "$T/top.1"
serve_vs_ss "serve started under churn equals ss" "$URL1" "$T/page1"
serve_vs_ss "a second serve at the same time equals ss" "$URL2" "$T/page2"

# the port of the first: one line, exit 1
timeout -k 2 10 "$WW" serve --listen "127.0.0.1:$PORT1" --netns "$INO" --duration 3 \
	>"$T/same.out" 2>"$T/same.err" </dev/null
one_line_exit1 "a serve on the port of a running one" $? "$T/same.err" \
	"^waitwatch: cannot listen.*$PORT1"
ww_gone "$SERVE1" && fail "the first serve" "died: $(head -c 300 "$T/serve1.err")"
assert_eq "the first serve still answers" 200 "$(http_code "$URL1/metrics")"
for p in "$TOP" "$SERVE1" "$SERVE2"; do
	ww_stop "$p" TERM
	[ "$WW_RC" -eq 0 ] || fail "stop $p" "exit $WW_RC"
done

# ---- 3. a ring buffer far too small ----------------------------------------------

ww_serve_start -i 0.2 --netns "$INO" --ringbuf-size 4K
SMALL=$WW_PID
"$WW" top "${WW_LIVE[@]}" --json -i 0.2 --netns "$INO" --ringbuf-size 4K \
	>"$T/small.json" 2>"$T/small.err" &
TOP=$!
ww_bg "$TOP"
wait_for "grep -q '\"type\":\"totals\"' $T/small.json || ww_gone $TOP" 10 ||
	fatal small-start "no refresh from top --ringbuf-size 4K: $(head -c 300 "$T/small.err")"
churn 4
C1=$CHURN_PID
churn 4 -b 127.0.0.2,127.0.0.3
wait "$C1" "$CHURN_PID"
sleep 0.3
# the first refresh after the load, against ss
top_small() {
	wait_for "ww_frame_after '$T/small.json' $SS_T1 >'$1'" 3
}
ww_vs_ss "--ringbuf-size 4K: top equals ss after the load (repaired)" "$NS" \
	"$T/small.1" 3 top_small "$T/small.1"
serve_vs_ss "--ringbuf-size 4K: serve equals ss after the load (repaired)" "$URL" "$T/spage"
totals=$(grep '"type":"totals"' "$T/small.1")
lost=$(jq .lost <<<"$totals")
repairs=$(jq .repairs <<<"$totals")
if [ "$lost" -gt 0 ] && [ "$repairs" -gt 0 ]; then
	pass "top --ringbuf-size 4K: $lost events lost and counted, $repairs repairs"
else
	fail "top --ringbuf-size 4K loses events" "lost $lost, repairs $repairs"
fi
rb=$(awk '$1 == "waitwatch_events_lost_total{reason=\"ringbuf_full\"}" { print $2 }' "$T/spage")
if [ "${rb:-0}" -gt 0 ]; then
	pass "serve --ringbuf-size 4K: waitwatch_events_lost_total{reason=\"ringbuf_full\"} $rb"
else
	fail "serve --ringbuf-size 4K counts its drops" "ringbuf_full: '${rb:-none}'"
fi
# every count of every refresh: a whole number, never wrapped below 0
frames=$(grep -c '"type":"totals"' "$T/small.json")
bad=$(jq -R -r 'fromjson? // empty | select(.type == "endpoint" or .type == "totals")
	| .states | to_entries[] | select((.value | type) != "number" or .value < 0 or .value > 1e9)
	| "\(.key)=\(.value)"' "$T/small.json" | head -5)
if [ -z "$bad" ] && [ "$frames" -ge 10 ]; then
	pass "no count negative or wrapped in any of $frames refreshes under loss"
else
	fail "counts under loss" "$frames refreshes; bad: $bad"
fi
ww_stop "$TOP" TERM
ww_stop "$SMALL" TERM

# ---- 4. 64 MiB, 100,000 endpoints ------------------------------------------------

# memcg_dir: a new child of this process's memory cgroup: cgroup v1's memory
# controller or cgroup2 with memory enabled; the mount found in mountinfo
# (field 5 the mount point, the fields after " - " the type and options)
memcg_dir() {
	local mnt rel
	mnt=$(awk '{ for (i = 1; $i != "-"; i++); if ($(i + 1) == "cgroup" && $(i + 3) ~ /(^|,)memory(,|$)/) print $5 }' \
		/proc/self/mountinfo | head -1)
	if [ -n "$mnt" ]; then
		rel=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3 }' /proc/self/cgroup)
		MEMCG_V=1
	else
		mnt=$(awk '{ for (i = 1; $i != "-"; i++); if ($(i + 1) == "cgroup2") print $5 }' \
			/proc/self/mountinfo | head -1)
		[ -n "$mnt" ] || return 1
		rel=$(awk -F: '$1 == 0 { print $3 }' /proc/self/cgroup)
		grep -qw memory "$mnt$rel/cgroup.subtree_control" 2>/dev/null ||
			echo +memory >"$mnt$rel/cgroup.subtree_control" 2>/dev/null || return 1
		MEMCG_V=2
	fi
	MEMCG=$mnt$rel/ww-$$-faults
	mkdir "$MEMCG" 2>/dev/null || return 1
}

MEMCG=
# memcg_remove: the cgroup's processes killed, the cgroup removed
memcg_remove() {
	[ -n "$MEMCG" ] && [ -d "$MEMCG" ] || return 0
	xargs -r kill -KILL <"$MEMCG/cgroup.procs" 2>/dev/null
	wait_for "rmdir $MEMCG 2>/dev/null" 5
}
# also when the test ends early: before the lib's cleanup, in its shell only
faults_exit() {
	local rc=$?
	[ "$BASHPID" == "$$" ] && memcg_remove
	(exit "$rc")
	ww_cleanup
}
trap faults_exit EXIT
# bounds: docs/performance.md, "Memory with 100,000 endpoints"
RSS_BOUND_KIB=$((56 * 1024))
if ! memcg_dir; then
	echo "SKIP: memory cgroup: no memory controller available (cgroup v1 memory or cgroup2 +memory)"
else
	if [ "$MEMCG_V" == 1 ]; then
		echo $((64 << 20)) >"$MEMCG/memory.limit_in_bytes"
	else
		echo $((64 << 20)) >"$MEMCG/memory.max"
		echo 0 >"$MEMCG/memory.swap.max" 2>/dev/null
	fi
	# the TIME_WAIT sockets of the cases above would take the namespace's
	# tcp_max_tw_buckets (131,072)
	ip netns exec "$NS" ss -K state time-wait >/dev/null 2>&1
	start_server 0.0.0.0 9000 close-after-eof 60
	MPORT=$(free_port) || fatal memcg "no free port"
	# into the cgroup before exec: its BPF maps are charged there too
	sh -c "echo \$\$ >'$MEMCG/cgroup.procs' && exec \"\$@\"" sh \
		"$WW" serve "${WW_LIVE[@]}" --listen "127.0.0.1:$MPORT" -i 1 --netns "$INO" \
		>"$T/memcg.out" 2>"$T/memcg.err" &
	MEM_PID=$!
	ww_bg "$MEM_PID"
	MURL=http://127.0.0.1:$MPORT
	wait_for "[ \"\$(http_code $MURL/metrics)\" == 200 ] || ww_gone $MEM_PID" 15 ||
		fail memcg-start "serve not up: $(head -c 300 "$T/memcg.err")"
	assert_eq "serve runs in the 64 MiB cgroup" "$MEM_PID" \
		"$(grep -x "$MEM_PID" "$MEMCG/cgroup.procs")"
	out=$(timeout 60 ip netns exec "$NS" "$LOADGEN" client -a 127.0.0.1 -p 9000 -s 100000 \
		-n 100000 -d 40)
	assert_eq "100,000 connections to 100,000 addresses of 127/8" 100000 \
		"$(jq -r .connections <<<"$out")"
	# a sweep or two after the load
	n0=$(page_sweeps "$MURL")
	wait_for "[ \"\$(page_sweeps $MURL)\" -ge $((${n0:-0} + 2)) ] || ww_gone $MEM_PID" 10
	if ww_gone "$MEM_PID"; then
		wait "$MEM_PID"
		fail "serve in 64 MiB" "exited $? under 100,000 endpoints: $(head -c 300 "$T/memcg.err")"
	else
		curl -s -m 3 "$MURL/metrics" >"$T/memcg.page"
		rss=$(awk '/^VmHWM:/ { print $2 }' "/proc/$MEM_PID/status")
		tw=$(ip netns exec "$NS" ss -tanH state time-wait dport = :9000 | wc -l)
		evicted=$(awk '$1 == "waitwatch_endpoints_evicted_total" { print $2 }' "$T/memcg.page")
		folded=$(awk '$1 == "waitwatch_endpoints_folded" { print $2 }' "$T/memcg.page")
		if [ "$tw" -ge 90000 ] && [ "${folded:-0}" -ge $((tw - 200)) ] &&
			[ "${evicted:-0}" -ge 90000 ]; then
			pass "serve folds $folded endpoints into other ($tw TIME_WAIT endpoints; $evicted evicted)"
		else
			fail "folded into other" "folded '$folded', evicted '$evicted', $tw TIME_WAIT endpoints"
		fi
		if [ "$rss" -le "$RSS_BOUND_KIB" ]; then
			pass "serve's peak RSS $rss KiB <= $RSS_BOUND_KIB KiB (docs/performance.md)"
		else
			fail "RSS bound" "peak RSS $rss KiB > $RSS_BOUND_KIB KiB"
		fi
	fi
	if [ "$MEMCG_V" == 1 ]; then
		oom=$(awk '$1 == "oom_kill" { print $2 }' "$MEMCG/memory.oom_control")
		use="usage $(($(cat "$MEMCG/memory.max_usage_in_bytes") >> 10)) KiB at most, failcnt $(cat "$MEMCG/memory.failcnt")"
	else
		oom=$(awk '$1 == "oom_kill" { print $2 }' "$MEMCG/memory.events")
		use="usage $(($(cat "$MEMCG/memory.peak" 2>/dev/null || cat "$MEMCG/memory.current") >> 10)) KiB"
	fi
	assert_eq "no OOM kill in the 64 MiB cgroup (cgroup v$MEMCG_V, $use)" 0 "${oom:-none}"
	ww_gone "$MEM_PID" || { ww_stop "$MEM_PID" TERM; assert_eq "serve in 64 MiB exits 0" 0 "$WW_RC"; }
	memcg_remove || fail memcg-cleanup "cannot remove $MEMCG"
	# the 100,000 TIME_WAIT sockets would slow the rest down
	ip netns exec "$NS" ss -K state time-wait >/dev/null 2>&1
fi

# ---- 7. tracefs not mounted --------------------------------------------------------

host_mounts=$(awk '{ print $5 }' /proc/self/mountinfo | sort)
# in a private mount namespace: both tracefs places unmounted
cat >"$T/notracefs.sh" <<EOF
for m in /sys/kernel/tracing /sys/kernel/debug/tracing; do
	while grep -q " \$m " /proc/self/mountinfo; do umount -l "\$m" || exit 9; done
done
grep -q ' - tracefs ' /proc/self/mountinfo && exit 9
"\$@"
EOF
in_private() { # CMD...: in a private mount namespace without tracefs
	timeout -k 2 20 unshare -m --propagation private bash "$T/notracefs.sh" "$@"
}
in_private "$WW" top --once --json -i 0.2 --netns "$INO" >"$T/nt.json" 2>"$T/nt.err"
rc=$?
assert_eq "tracefs not mounted: top --once (tp_btf) works" "0:" "$rc:$(cat "$T/nt.err")"
in_private "$WW" top --classic --once --json -i 0.2 --netns "$INO" >"$T/ntc.json" 2>"$T/ntc.err"
rc=$?
if [ "$rc" -eq 0 ] && grep -q '"source":"tracepoint"' "$T/ntc.json"; then
	pass "tracefs not mounted: --classic mounts it in its own mount namespace and works"
else
	fail "tracefs not mounted: --classic" "exit $rc: $(head -c 300 "$T/ntc.err")"
fi
# where it cannot be mounted: /sys/kernel hidden, its btf put back
cat >"$T/nomount.sh" <<EOF
mkdir -p "$T/btf" && mount --bind /sys/kernel/btf "$T/btf" &&
	mount -t tmpfs -o size=64k,mode=755 none /sys/kernel && mkdir /sys/kernel/btf &&
	mount --bind "$T/btf" /sys/kernel/btf || exit 9
"\$@"
EOF
in_private bash "$T/nomount.sh" "$WW" top --classic --once --json -i 0.2 --netns "$INO" \
	>"$T/ntm.json" 2>"$T/ntm.err"
one_line_exit1 "tracefs cannot be mounted: --classic" $? "$T/ntm.err" \
	"tracefs is not mounted at /sys/kernel/tracing.*mount -t tracefs.*or leave out --classic"
in_private bash "$T/nomount.sh" "$WW" top --once --json -i 0.2 --netns "$INO" >/dev/null 2>"$T/ntb.err"
assert_eq "... while tp_btf still works there" "0:" "$?:$(cat "$T/ntb.err")"
assert_eq "the host's mounts are untouched" "$host_mounts" \
	"$(awk '{ print $5 }' /proc/self/mountinfo | sort)"

# ---- 8. a full disk ------------------------------------------------------------------

churn 15
cat >"$T/full.sh" <<EOF
mkdir -p "$T/full" && mount -t tmpfs -o size=1M tmpfs "$T/full" || exit 9
"$WW" record ${WW_LIVE[*]} -o "$T/full/rec.wwr" -i 0.1 --netns "$INO" --duration 12 \
	>"$T/full.out" 2>"$T/full.err"
echo \$? >"$T/full.rc"
cp "$T/full/rec.wwr" "$T/full.wwr"
EOF
timeout -k 2 30 unshare -m --propagation private bash "$T/full.sh"
kill "$CHURN_PID" 2>/dev/null
wait "$CHURN_PID" 2>/dev/null
one_line_exit1 "record on a full disk" "$(cat "$T/full.rc" 2>/dev/null)" "$T/full.err" \
	"writing .*rec.wwr failed: No space left on device (the disk is full"
size=$(stat -c %s "$T/full.wwr" 2>/dev/null || echo 0)
"$WW" report "$T/full.wwr" --json >"$T/full.json" 2>"$T/full.report.err"
rc=$?
if [ "$size" -gt 500000 ] && [ "$rc" -le 1 ] && grep -q '"type":"totals"' "$T/full.json" &&
	{ [ "$rc" -eq 0 ] || grep -q "cut off inside the block at byte" "$T/full.report.err"; }; then
	pass "the $size bytes written before the disk filled report (exit $rc$(sed 's/^waitwatch//' "$T/full.report.err" | head -1))"
else
	fail "report of the full disk's file" "$size bytes, exit $rc: $(head -c 300 "$T/full.report.err")"
fi

# ---- 9. a full disk under serve --record -----------------------------------------------

# serve records as nobody: the tmpfs is reachable through $T
chmod 711 "$T"
churn 15
FPORT=$(free_port) || fatal full-serve "no free port in 20000-29999"
FURL=http://127.0.0.1:$FPORT/metrics
cat >"$T/fullserve.sh" <<EOF
mkdir -p "$T/full2" && mount -t tmpfs -o size=1M,mode=1777 tmpfs "$T/full2" || exit 9
exec "$WW" serve ${WW_LIVE[*]} --listen 127.0.0.1:$FPORT -i 0.1 --netns "$INO" \
	--record "$T/full2/rec.wwr" --duration 40
EOF
unshare -m --propagation private bash "$T/fullserve.sh" >"$T/fullserve.out" 2>"$T/fullserve.err" &
FS_PID=$!
ww_bg "$FS_PID"
wait_for "grep -q 'No space left' '$T/fullserve.err' || ww_gone $FS_PID" 25 ||
	fail "serve --record on a full disk" "the 1 MiB disk did not fill in 25 s"
sweeps() {
	curl -s -m 3 "$FURL" >"$T/fullserve.page" &&
		awk '$1 == "waitwatch_sweeps_total" { print $2 }' "$T/fullserve.page"
}
# still sweeping and serving fresh pages, a second apart
s1=$(sweeps)
sleep 1
s2=$(sweeps)
kill "$CHURN_PID" 2>/dev/null
wait "$CHURN_PID" 2>/dev/null
if ! ww_gone "$FS_PID" && [ -n "$s1" ] && [ -n "$s2" ] && [ "$s2" -gt "$s1" ]; then
	pass "serve --record on a full disk keeps serving: sweeps_total $s1, then $s2 a second later"
else
	fail "serve --record on a full disk keeps serving" "sweeps_total '$s1' then '$s2'," \
		"running: $(ww_gone "$FS_PID" && echo no || echo yes)"
fi
assert_eq "... and its page says the recording stopped" "waitwatch_recording 0" \
	"$(grep '^waitwatch_recording ' "$T/fullserve.page")"
ww_stop "$FS_PID" TERM 10
if [ "$WW_RC" == 0 ] && [ "$(grep -c . "$T/fullserve.err")" -eq 1 ] &&
	grep -q "writing .*rec.wwr failed: No space left on device (the disk is full.*; recording stopped, the rest goes on$" \
		"$T/fullserve.err"; then
	pass "... says so in one line, and exits 0 at SIGTERM: $(cat "$T/fullserve.err")"
else
	fail "serve --record on a full disk: one line, exit 0" "exit $WW_RC: $(head -c 600 "$T/fullserve.err")"
fi
