#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Recordings end to end, in a namespace of the test's own (loopback only):
# - round trip: 300 TIME_WAIT and 50 CLOSE_WAIT sockets made before
#   `waitwatch record --duration 3` starts, 160 TIME_WAIT and 30 CLOSE_WAIT
#   more and a listener opened and closed while it runs; then `report --json`,
#   run as nobody (no root needed), must equal what ss showed when the
#   recording ended (between a read while it records and one after, the
#   load stopped), and a live `top --once --json` and `snapshot --json`, per
#   endpoint and state, and count the sockets of the first sweep as seeded
#   and every TIME_WAIT entry made while recording;
#   --at at the end gives the same counts, --at before the start is refused;
# - `trace --replay --json` prints the transitions a live `trace --json` saw
#   side by side (the (sock_id, old, new) sequence of every socket), and
#   --count and the filters select on a replay as they do live;
# - `serve --record F --record-max-size 64K` rotates F to F.1: both report
#   without error, the same counts, and F starts with a sweep of its own;
# - damaged files: empty, text, wrong magic, wrong version, header checksum,
#   a flipped payload byte, absurd block lengths, a file cut off inside its
#   last block, a missing file, a directory. Each exits 1 within 10 s with
#   one line on stderr naming the file (and the byte offset where there is
#   one); the cut-off file is still reported up to its last complete block
#   (the same output as the file cut right there, which exits 0), also with
#   --at a time before the cut, and a block damaged after --at's time exits
#   1 as a full read does; a numeric header value garbled under a valid
#   checksum (recomputed here) is refused naming the key;
# - the sample recordings of tests/data/rec give, through the command line
#   and as nobody, exactly their saved outputs.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
ww_require "$LOADGEN" setpriv od dd truncate ss

T=$WW_TMP
# nobody may reach the files made readable in here (but not list them)
chmod 711 "$T"

ww_ns_churn rec

# As nobody, with no group: what a user without privileges gets.
# The binary is copied where nobody can reach it: the checkout may sit in a
# directory only root may enter (a mktemp -d clone).
NOBODY_WW=$T/waitwatch
cp "$WW" "$NOBODY_WW" && chmod 755 "$NOBODY_WW" || fatal nobody "cannot copy $WW"
as_nobody() { # the first argument, "$WW", is replaced by the reachable copy
	shift
	setpriv --reuid=65534 --regid=65534 --clear-groups "$NOBODY_WW" "$@"
}

start_server() { # ADDR PORT MODE SECONDS
	local ready=$T/ready.$2
	ip netns exec "$NS" "$LOADGEN" server -a "$1" -p "$2" -m "$3" -t "$4" -r "$ready" &
	ww_bg $!
	wait_for "[ -s $ready ]" 5 || fatal "server-$2" "loadgen server on $1:$2 not ready"
}

clients() { # ADDR PORT COUNT
	local out
	out=$(timeout 30 ip netns exec "$NS" "$LOADGEN" client -a "$1" -p "$2" -n "$3" -d 20)
	[ "$(jq -r .connections <<<"$out")" == "$3" ] ||
		fatal "clients-$1-$2" "wanted $3 connections to $1:$2, got: $out"
}

# ---- the file format, from the outside -------------------------------------------

# u32 FILE OFFSET: the little-endian u32 there
u32() {
	od -An -tu4 --endian=little -j "$2" -N4 "$1" | tr -d ' '
}

# put32 FILE OFFSET VALUE: overwrite 4 bytes, little-endian
put32() {
	local v=$3
	# shellcheck disable=SC2059 # the format is the bytes
	printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((v & 255)) $((v >> 8 & 255)) \
		$((v >> 16 & 255)) $((v >> 24 & 255)))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# put8 FILE OFFSET VALUE / flip FILE OFFSET: one byte set, or its bits inverted
put8() {
	# shellcheck disable=SC2059
	printf "$(printf '\\x%02x' "$3")" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
flip() {
	put8 "$1" "$2" $(($(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ') ^ 0xff))
}

# header_end FILE: where the first block starts (16 + metadata length + 4)
header_end() {
	echo $((16 + $(u32 "$1" 12) + 4))
}

# rehash FILE: the header's checksum made valid again for what the header
# now holds (the crc32 of zlib, which gzip's trailer also carries, little-endian)
rehash() {
	local n=$((16 + $(u32 "$1" 12)))
	head -c "$n" "$1" | gzip -c | tail -c 8 | head -c 4 |
		dd of="$1" bs=1 seek="$n" conv=notrunc status=none
}

# garble FILE KEY CHAR: the last character of KEY's value in the header
# replaced with CHAR, the checksum made valid again; prints the value's new
# text and the byte offset of its line ("OFFSET VALUE")
garble() {
	local hit off val
	hit=$(head -c "$(header_end "$1")" "$1" | grep -abo -m1 "^$2=[^[:space:]]*") || return 1
	off=${hit%%:*} val=${hit#*=}
	printf '%s' "$3" | dd of="$1" bs=1 seek=$((off + ${#2} + ${#val})) conv=notrunc status=none
	rehash "$1"
	echo "$off ${val%?}$3"
}

# block_offsets FILE: the offset of each block, one a line (at most 100000)
block_offsets() {
	local size off n=0
	size=$(stat -c %s "$1")
	off=$(header_end "$1")
	while [ $((off + 16)) -le "$size" ] && [ $n -lt 100000 ]; do
		echo "$off"
		off=$((off + 16 + $(u32 "$1" $((off + 8)))))
		n=$((n + 1))
	done
}

# ---- 1. a recording and the live view ----------------------------------------------

start_server 127.0.0.1 8001 close-after-eof 90
start_server ::1 8002 close-after-eof 90
start_server 127.0.0.1 8004 hold 90

# before the recording: 300 TIME_WAIT, 50 CLOSE_WAIT (and their 50 FIN_WAIT2 peers)
FIRST_TW=$SECONDS
clients 127.0.0.1 8001 200
clients ::1 8002 100
clients 127.0.0.1 8004 50
sleep 0.3
before=$(ip netns exec "$NS" ss -tanH | wc -l)

ww_trace_start trace-start "$T/live.json" "$T/live.err" --json --netns "$INO"
TRACE_PID=$WW_PID

REC=$T/rec.wwr
"$WW" record "${WW_LIVE[@]}" -o "$REC" --netns "$INO" --duration 3 >"$T/rec.out" 2>"$T/rec.err" &
REC_PID=$!
ww_bg "$REC_PID"
# its program is attached once the file holds the first sweep's block
wait_for "[ -f $REC ] && [ \$(stat -c %s $REC) -gt \$(header_end $REC) ] || ww_gone $REC_PID" 10
if ! [ -f "$REC" ] || ! [ "$(stat -c %s "$REC")" -gt "$(header_end "$REC")" ]; then
	ww_gone "$REC_PID" && fatal record-start "record exited without a sweep in $REC: $(head -c 500 "$T/rec.err")"
	fatal record-start "no sweep in $REC after 10 s: $(head -c 500 "$T/rec.err")"
fi
# seeded (below) must be what ss showed before the first sweep and still shows after it
after=$(ip netns exec "$NS" ss -tanH | wc -l)
[ "$before" == "$after" ] ||
	fail seeded-stable "ss showed $before sockets before the recording, $after after its first sweep"
# a second writer of the same file is refused, and the first one's file stays whole (below)
timeout -k 2 10 "$WW" record -o "$REC" --netns "$INO" --duration 1 >"$T/rec2.out" 2>"$T/rec2.err"
rc2=$?
if [ "$rc2" -eq 1 ] && [ "$(wc -l <"$T/rec2.err")" -eq 1 ] &&
	grep -q "being written by another waitwatch" "$T/rec2.err"; then
	pass "a second record -o of the same file exits 1: $(cat "$T/rec2.err")"
else
	fail second-writer "exit $rc2, stderr: $(head -c 300 "$T/rec2.err")"
fi

# while recording: 160 TIME_WAIT, 30 CLOSE_WAIT, a listener opened and closed
clients 127.0.0.1 8001 100
clients ::1 8002 50
clients 127.0.0.1 8004 30
start_server 127.0.0.1 8005 close-after-eof 1
clients 127.0.0.1 8005 10
wait_for "[ -z \"\$(ip netns exec $NS ss -tlnH 'sport = :8005')\" ]" 5 ||
	fail listener-closed "the listener on 8005 is still there"
# all of it must have happened while recording (3 s; it takes about 1.5 s)
ww_gone "$REC_PID" && fail record-duration "the recording ended before the traffic did"

# end_recording OUT: wait for the recording to end by itself (--duration:
# it ends on a sweep), then report it, as nobody, into OUT
end_recording() {
	ww_stop "$REC_PID" 0 15
	REC_RC=$WW_RC
	chmod 644 "$REC"
	as_nobody "$WW" report "$REC" --json >"$1" 2>"$T/report.err"
	REPORT_RC=$?
}
# The report gives the counts of the recording's last sweep: they must be
# what ss shows at that moment, the load stopped (the servers' closes
# settle first), between a read of ss while it still records and one once
# it has ended.
sleep 0.3
ww_gone "$REC_PID" && fail record-duration "the recording ended before the load settled"
ww_vs_ss "report equals ss at the end of the recording" "$NS" "$T/report.json" 1 \
	end_recording "$T/report.json"
report_vs_ss=$?
assert_eq "record exits 0" 0 "$REC_RC"
assert_eq "record prints nothing" "" "$(cat "$T/rec.out" "$T/rec.err")"
ww_stop "$TRACE_PID" INT
assert_eq "live trace exits 0" 0 "$WW_RC"

assert_eq "report as nobody exits 0" 0 "$REPORT_RC"
assert_eq "report prints nothing on stderr" "" "$(cat "$T/report.err")"
ww_endpoints <"$T/report.json" >"$T/report.ep"

"$WW" top "${WW_LIVE[@]}" --once --json -i 0.5 --netns "$INO" >"$T/once.json" 2>"$T/once.err" ||
	fail top-once "exit $?: $(head -c 300 "$T/once.err")"
ww_endpoints <"$T/once.json" >"$T/once.ep"
compare_counts "report equals a live top --once" "$T/once.ep" "$T/report.ep"
"$WW" snapshot --json --netns "$INO" >"$T/snap.json" 2>"$T/snap.err" ||
	fail snapshot "exit $?: $(head -c 300 "$T/snap.err")"
ww_endpoints <"$T/snap.json" >"$T/snap.ep"
compare_counts "report equals a live snapshot" "$T/snap.ep" "$T/report.ep"

totals=$(grep '"type":"totals"' "$T/report.json")
assert_eq "report's source: the program, recorded" "$WW_PROGRAM (recorded)" \
	"$(jq -r .source <<<"$totals")"
assert_eq "80 CLOSE_WAIT in the report" 80 "$(jq .states.CLOSE_WAIT <<<"$totals")"
tw=$(jq .states.TIME_WAIT <<<"$totals")
# never more than were made; fewer only by those the kernel reset (on
# loopback a few FIN_WAIT2 sockets take a reset instead of the peer's FIN,
# more on a loaded machine: each counted in the namespace's Tcp OutRsts) or,
# on a slow machine, the first ones living out their 60 s
rsts=$(ip netns exec "$NS" awk '$1 == "Tcp:" && $2 ~ /^[0-9]/ { print $15 }' /proc/net/snmp)
age=$((SECONDS - FIRST_TW))
tw_min=$((460 - rsts))
[ "$age" -lt 55 ] || tw_min=1
if [ "$tw" -ge "$tw_min" ] && [ "$tw" -le 460 ]; then
	pass "report shows $tw TIME_WAIT ($tw_min..460: 460 made, $rsts reset, the oldest ${age} s old)"
else
	fail tw-count "$tw TIME_WAIT in the report, expected $tw_min..460 (460 made, $rsts reset, the oldest ${age} s old)"
fi
assert_eq "seeded: the sockets of the first sweep (ss before)" "$before" \
	"$(jq .seeded <<<"$totals")"
assert_eq "TIME_WAIT entries while recording (error 0 of 160)" 160 \
	"$(jq .tw_entries <<<"$totals")"
rec_lost=$(jq .lost <<<"$totals")
rec_repairs=$(jq .repairs <<<"$totals")
# what lost events left wrong, the recording's last sweep repaired
ww_repairs "recording: " "$rec_lost" "$rec_repairs"
if [ "$rec_lost" -gt 0 ]; then
	if [ "$report_vs_ss" -eq 0 ]; then
		pass "recording lost $rec_lost events: the last sweep after them equals ss (repaired)"
	else
		fail "recording repaired" "lost $rec_lost events, and the report differs from ss (above)"
	fi
fi

# --at: at the end (rounded up to the second), the same counts; before the start, refused
end=$(jq -r .time <<<"$totals")
at=$(date -u -d "@$(($(date -u -d "$end" +%s) + 1))" +%Y-%m-%dT%H:%M:%SZ)
"$WW" report "$REC" --json --at "$at" 2>"$T/at.err" | ww_endpoints >"$T/at.ep"
compare_counts "report --at $at (the end) gives the same counts" "$T/report.ep" "$T/at.ep"
"$WW" report "$REC" --at 2000-01-01T00:00:00Z >/dev/null 2>"$T/at-before.err"
rc=$?
assert_eq "report --at before the recording exits 2" 2 "$rc"
assert_match "report --at before the recording says so" "before the recording" \
	"$(cat "$T/at-before.err")"
# times that overflow nanoseconds are refused, not wrapped to 0 sockets and exit 0
for at in +18446744073s 9999-12-31T23:59:59; do
	"$WW" report "$REC" --at "$at" >"$T/at-far.out" 2>"$T/at-far.err"
	rc=$?
	assert_eq "report --at $at exits 2, prints nothing" "2:" "$rc:$(cat "$T/at-far.out")"
	assert_match "report --at $at says why" "beyond any time" "$(cat "$T/at-far.err")"
done

# ---- 2. trace --replay against the live trace ---------------------------------------

as_nobody "$WW" trace --replay "$REC" --json >"$T/replay.json" 2>"$T/replay.err"
assert_eq "trace --replay as nobody exits 0" 0 $?
assert_eq "trace --replay prints nothing on stderr" "" "$(cat "$T/replay.err")"
n_replay=$(grep -c . "$T/replay.json")
if [ "$n_replay" -ge 1500 ]; then
	pass "trace --replay prints $n_replay transitions"
else
	fail replay-count "only $n_replay transitions replayed (>= 1500 made)"
fi

# Per socket, in order: a socket's transitions are ordered, sockets are not
# (two ring buffers may interleave CPUs differently). Socket ids are each
# process's own, so a socket is named by its 4-tuple once its port is known.
seq_of() {
	jq -s -r 'group_by(.sock_id)[] | (map(select(.lport != 0)) | last // {}) as $k
		| .[] | "\($k.laddr)|\($k.lport)|\($k.raddr)|\($k.rport) \(.old) \(.new)"' "$1" |
		sort -s -k1,1
}
seq_of "$T/live.json" >"$T/live.seq"
seq_of "$T/replay.json" >"$T/replay.seq"
live_lost=$(sed -nE 's/^waitwatch: [0-9]+ events, ([0-9]+) lost.*/\1/p' "$T/live.err")
[ -n "$live_lost" ] || fail trace-summary "no summary from the live trace: $(cat "$T/live.err")"
if cmp -s "$T/live.seq" "$T/replay.seq"; then
	pass "trace --replay equals the live trace ($(wc -l <"$T/live.seq") transitions)"
else
	differ=$(diff "$T/live.seq" "$T/replay.seq" | grep -c '^[<>]')
	# the kernel counts lost events host-wide: only those may explain a difference
	if [ "$((live_lost + rec_lost))" -gt 0 ] &&
		[ "$differ" -le "$((live_lost + rec_lost))" ]; then
		pass "trace --replay equals the live trace but for $differ transitions" \
			"($live_lost + $rec_lost lost)"
	else
		fail "trace --replay equals the live trace" "$differ lines differ" \
			"(lost: $live_lost live, $rec_lost recorded): $(diff "$T/live.seq" \
			"$T/replay.seq" | head -20)"
	fi
fi

# --count and the filters, on the replay
"$WW" trace --replay "$REC" --json --count 5 >"$T/count.json"
assert_eq "--count 5 prints the first 5" "$(head -5 "$T/replay.json")" "$(cat "$T/count.json")"
"$WW" trace --replay "$REC" --count 3 >"$T/count.txt"
assert_eq "--count 3 in the table: a header and 3 rows" 4 "$(wc -l <"$T/count.txt")"
# filter_check NAME JQ_SELECT ARGS...: the filtered replay is exactly those lines
filter_check() {
	local name=$1 sel=$2 want got
	shift 2
	want=$(jq -c "select($sel)" "$T/replay.json")
	got=$("$WW" trace --replay "$REC" --json "$@" | jq -c .)
	if [ -z "$want" ]; then
		fail "$name" "nothing to select in the replay"
	elif [ "$want" == "$got" ]; then
		pass "$name ($(grep -c . <<<"$got") transitions)"
	else
		fail "$name" "$(diff <(echo "$want") <(echo "$got") | head -5)"
	fi
}
filter_check "trace --replay --port 8002" '.lport == 8002 or .rport == 8002' --port 8002
filter_check "trace --replay -6" '.family == 6' -6
filter_check "trace --replay --state close-wait" \
	'.old == "CLOSE_WAIT" or .new == "CLOSE_WAIT"' --state close-wait
filter_check "trace --replay --rport 8005" '.rport == 8005' --rport 8005
filter_check "trace --replay --netns" 'true' --netns "$INO"
assert_eq "trace --replay --netns of another namespace prints nothing" "" \
	"$("$WW" trace --replay "$REC" --json --netns 1)"
assert_eq "--state close-wait --count 3" 3 \
	"$("$WW" trace --replay "$REC" --json --state close-wait --count 3 | grep -c .)"

# ---- 3. serve --record: rotation --------------------------------------------------------

# serve runs as nobody by then and rotates as nobody: a directory it can write
chmod 711 "$T"
install -d -o nobody -m 755 "$T/srv"
SRV=$T/srv/serve.wwr
ip netns exec "$NS" "$WW" serve "${WW_LIVE[@]}" --listen 127.0.0.1:10061 -i 0.1 --netns "$INO" \
	--record "$SRV" --record-max-size 64K >"$T/serve.out" 2>"$T/serve.err" &
SERVE_PID=$!
ww_bg "$SERVE_PID"
wait_for "[ -f $SRV.1 ] || ww_gone $SERVE_PID" 30 ||
	fail serve-rotate "no $SRV.1 after 30 s ($(stat -c %s "$SRV" 2>/dev/null) bytes)"
# a few sweeps into the new file, then stop
wait_for "[ \$(stat -c %s $SRV 2>/dev/null || echo 0) -gt 20000 ] || ww_gone $SERVE_PID" 10
# the namespace's sockets, serve's own listener among them
now=$(ip netns exec "$NS" ss -tanH | wc -l)
ww_stop "$SERVE_PID" TERM 10
assert_eq "serve --record exits 0 on SIGTERM" 0 "$WW_RC"
size1=$(stat -c %s "$SRV.1" 2>/dev/null || echo 0)
if [ "$size1" -ge 65536 ]; then
	pass "rotated at $size1 bytes (>= 64K)"
else
	fail rotated-size "$SRV.1 is $size1 bytes"
fi
for f in "$SRV.1" "$SRV"; do
	"$WW" report "$f" --json >"$f.json" 2>"$f.err"
	rc=$?
	assert_eq "report $(basename "$f") exits 0" 0 "$rc"
	assert_eq "report $(basename "$f"): nothing on stderr" "" "$(cat "$f.err")"
	ww_endpoints <"$f.json" >"$f.ep"
done
compare_counts "both halves report the same counts" "$SRV.1.ep" "$SRV.ep"
assert_eq "the new file starts with a sweep: all $now sockets seeded" "$now" \
	"$(jq 'select(.type == "totals") | .seeded' "$SRV.json")"
trace_rc=0
"$WW" trace --replay "$SRV.1" --json >/dev/null 2>"$T/srv-trace.err" || trace_rc=$?
assert_eq "trace --replay of the rotated file exits 0" 0 "$trace_rc"

# ---- 4. damaged files ---------------------------------------------------------------------

# bad NAME FILE REGEX [COMMAND...]: exit 1 within 10 s, one line on stderr
# naming FILE and matching REGEX. Default command: report FILE.
bad() {
	local name=$1 file=$2 re=$3 rc lines
	shift 3
	[ $# -gt 0 ] || set -- report "$file"
	timeout 10 "$WW" "$@" >"$T/bad.out" 2>"$T/bad.err"
	rc=$?
	lines=$(grep -c . "$T/bad.err")
	if [ "$rc" -ne 1 ]; then
		fail "$name" "exit $rc (expected 1): $(head -c 300 "$T/bad.err")"
	elif [ "$lines" -ne 1 ]; then
		fail "$name" "$lines lines on stderr (expected 1): $(head -c 300 "$T/bad.err")"
	elif ! grep -qF -- "$file" "$T/bad.err"; then
		fail "$name" "the message does not name $file: $(cat "$T/bad.err")"
	elif ! grep -qE -- "$re" "$T/bad.err"; then
		fail "$name" "'$(cat "$T/bad.err")' does not match /$re/"
	else
		pass "$name: $(cat "$T/bad.err")"
	fi
}

HDR=$(header_end "$REC")
mapfile -t BLOCKS < <(block_offsets "$REC")
B0=${BLOCKS[0]}
BL=${BLOCKS[-1]}
size=$(stat -c %s "$REC")
if [ ${#BLOCKS[@]} -ge 3 ]; then
	pass "the recording holds ${#BLOCKS[@]} blocks"
else
	fail blocks "only ${#BLOCKS[@]} blocks in $REC"
fi
assert_eq "the blocks' lengths add up to the file's size" "$size" \
	"$((BL + 16 + $(u32 "$REC" $((BL + 8)))))"
assert_eq "header: magic" WWRECORD "$(head -c 8 "$REC")"
assert_eq "header: version 1" 1 "$(u32 "$REC" 8)"

: >"$T/empty.wwr"
bad "empty file" "$T/empty.wwr" 'empty file'
printf 'hello\nthis is not a recording\n' >"$T/text.wwr"
bad "text file" "$T/text.wwr" 'no WWRECORD magic at byte 0'
cp "$REC" "$T/magic.wwr" && put8 "$T/magic.wwr" 0 0x58
bad "wrong magic" "$T/magic.wwr" 'no WWRECORD magic at byte 0'
cp "$REC" "$T/version.wwr" && put8 "$T/version.wwr" 8 2
bad "wrong version" "$T/version.wwr" 'version 2 at byte 8'
cp "$REC" "$T/hcrc.wwr" && flip "$T/hcrc.wwr" 20
bad "header checksum" "$T/hcrc.wwr" "header checksum mismatch at byte $((HDR - 4))\$"
# a value garbled under a valid checksum: refused, naming the key, not read
# as the digits before the garbage (which would shift every time shown)
cp "$REC" "$T/same.wwr" && rehash "$T/same.wwr"
assert_cmd "rehash: the header's checksum recomputed from bash is the one written" \
	cmp -s "$REC" "$T/same.wwr"
for kv in start_ns:x mono_to_real_ns:e boot_time_s:-; do
	cp "$REC" "$T/garbled.wwr"
	read -r off val < <(garble "$T/garbled.wwr" "${kv%%:*}" "${kv#*:}")
	bad "garbled header value ${kv%%:*}=$val under a valid checksum" "$T/garbled.wwr" \
		"bad header value ${kv%%:*}='$val' at byte $off: not a whole number"
done
bad "garbled header value (trace --replay)" "$T/garbled.wwr" "bad header value boot_time_s=" \
	trace --replay "$T/garbled.wwr"

cp "$REC" "$T/flip.wwr" && flip "$T/flip.wwr" $((B0 + 16 + 10))
bad "flipped payload byte" "$T/flip.wwr" "corrupt block at byte $B0 \\(checksum mismatch\\)"
bad "flipped payload byte (trace --replay)" "$T/flip.wwr" \
	"corrupt block at byte $B0 \\(checksum mismatch\\)" trace --replay "$T/flip.wwr"
cp "$REC" "$T/rawlen.wwr" && put32 "$T/rawlen.wwr" $((B0 + 4)) 4294967295
bad "absurd raw length" "$T/rawlen.wwr" "corrupt block at byte $B0 \\(sizes 4294967295/[0-9]+ out of range\\)"
cp "$REC" "$T/complen.wwr" && put32 "$T/complen.wwr" $((BL + 8)) 2147483647
bad "absurd compressed length" "$T/complen.wwr" "corrupt block at byte $BL \\(sizes [0-9]+/2147483647 out of range\\)"

# cut off inside the last block: reported up to the block before, with a warning, exit 1
head -c "$BL" "$REC" >"$T/clean.wwr"
"$WW" report "$T/clean.wwr" --json >"$T/clean.json" 2>"$T/clean.err"
rc=$?
assert_eq "the file cut at its last block's start reports, exit 0" "0:" "$rc:$(cat "$T/clean.err")"
cp "$REC" "$T/cut.wwr"
truncate -s $((BL + 16 + ($(u32 "$REC" $((BL + 8))) / 2))) "$T/cut.wwr"
bad "cut off inside the last block" "$T/cut.wwr" \
	"warning: .*cut off inside the block at byte $BL: everything before it was read" \
	report "$T/cut.wwr" --json
cp "$T/bad.out" "$T/cut.json"
if [ -s "$T/cut.json" ] && cmp -s "$T/clean.json" "$T/cut.json"; then
	pass "the cut-off file reports the counts up to its last complete block"
else
	fail cut-report "differs from the file cut at the block: $(diff "$T/clean.json" "$T/cut.json" | head -c 600)"
fi
bad "cut off (trace --replay)" "$T/cut.wwr" "cut off inside the block at byte $BL" \
	trace --replay "$T/cut.wwr" --json
assert_eq "trace --replay of the cut-off file prints the events before the cut" \
	"$("$WW" trace --replay "$T/clean.wwr" --json | grep -c .)" "$(grep -c . "$T/bad.out")"
# --at a time before the damage: the counts there, and the warning and exit
# status of a full read
"$WW" report "$T/clean.wwr" --json --at +1s >"$T/clean-at.json" 2>"$T/clean-at.err"
rc=$?
assert_eq "the clean cut file, --at +1s: exit 0, no warning" "0:" "$rc:$(cat "$T/clean-at.err")"
bad "cut off inside the last block, --at +1s" "$T/cut.wwr" \
	"warning: .*cut off inside the block at byte $BL: everything before it was read" \
	report "$T/cut.wwr" --json --at +1s
if [ -s "$T/clean-at.json" ] && cmp -s "$T/clean-at.json" "$T/bad.out"; then
	pass "the cut-off file, --at +1s, reports the counts at +1s"
else
	fail cut-at-report "differs from the clean file's: $(diff "$T/clean-at.json" "$T/bad.out" | head -c 600)"
fi
cp "$REC" "$T/flip-last.wwr" && flip "$T/flip-last.wwr" $((BL + 16 + 10))
bad "a flipped byte in the last block, --at +1s" "$T/flip-last.wwr" \
	"corrupt block at byte $BL \\(checksum mismatch\\)" report "$T/flip-last.wwr" --at +1s
head -c 30 "$REC" >"$T/short.wwr"
bad "cut off inside the header" "$T/short.wwr" "truncated header at byte 30"

bad "missing file" "$T/nonexistent.wwr" 'No such file or directory'
mkdir "$T/dir.wwr"
bad "a directory" "$T/dir.wwr" '.'
# a FIFO without a writer: refused before it is read, not waited on
mkfifo "$T/fifo.wwr"
bad "a FIFO" "$T/fifo.wwr" 'not a regular file'
bad "a FIFO (trace --replay)" "$T/fifo.wwr" 'not a regular file' trace --replay "$T/fifo.wwr"

# ---- 5. the sample recordings, through the command line --------------------------------

# memory_bytes, the size of the collector's tables, is not the recording's to fix
no_mem() {
	sed -E 's/"memory_bytes":[0-9]+/"memory_bytes":0/' "$@"
}
DATA=$WW_ROOT/tests/data/rec
n=0
for f in "$DATA"/*.wwr; do
	[ -e "$f" ] || continue
	b=${f%.wwr}
	name=$(basename "$b")
	n=$((n + 1))
	cp "$f" "$T/sample.wwr" && chmod 644 "$T/sample.wwr"
	as_nobody "$WW" report "$T/sample.wwr" --json | no_mem >"$T/s.report.json"
	TZ=UTC as_nobody "$WW" report "$T/sample.wwr" >"$T/s.report.txt"
	as_nobody "$WW" report "$T/sample.wwr" --json --at +2s | no_mem >"$T/s.at.json"
	as_nobody "$WW" trace --replay "$T/sample.wwr" --json >"$T/s.trace.json"
	for out in report.json report.txt at.json trace.json; do
		if no_mem "$b.$out" | cmp -s - "$T/s.$out"; then
			pass "$name: $out as saved"
		else
			fail "$name-$out" "differs from $b.$out: $(no_mem "$b.$out" |
				diff - "$T/s.$out" | head -c 600)"
		fi
	done
done
[ "$n" -ge 5 ] || fail samples "only $n sample recordings in $DATA"
