#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# waitwatch diagram end to end, in a namespace of the test's own (loopback):
# - from a recording (`record --duration 3`) of active closes (TIME_WAIT),
#   held CLOSE_WAIT sockets, refused connects and resets, some sockets made
#   before it started: the SVG is valid XML (xmllint), fits its 1280x800
#   viewBox, and its numbers are the recording's: the boxes' sockets are
#   `report --json`'s states, TIME_WAIT's entries and exits and CLOSE_WAIT's
#   entries its counters, each arrow's transitions (and errors) are what
#   `trace --replay --json` prints of the same recording; --json and --dot
#   say the same;
# - live, `diagram --duration 2 --netns`: its boxes equal what ss shows at
#   its end (read while it runs, load stopped, and once it has ended), its
#   arrows hold the connections made while it ran;
# - bad input: a missing file, a file that is no recording, a damaged
#   block, bad flags, an output it cannot write: one line on stderr, exit 1
#   (runtime) or 2 (usage); a file cut off inside a block is still drawn.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
ww_require "$LOADGEN" xmllint dot ss

T=$WW_TMP
ww_ns_churn diag

start_server() { # PORT MODE SECONDS
	local ready=$T/ready.$1
	ip netns exec "$NS" "$LOADGEN" server -a 127.0.0.1 -p "$1" -m "$2" -t "$3" -r "$ready" &
	ww_bg $!
	wait_for "[ -s $ready ]" 5 || fatal "server-$1" "loadgen server on port $1 not ready"
}

clients() { # PORT COUNT
	local out
	out=$(timeout 20 ip netns exec "$NS" "$LOADGEN" client -a 127.0.0.1 -p "$1" -n "$2" -d 10)
	[ "$(jq -r .connections <<<"$out")" == "$2" ] ||
		fatal "clients-$1" "wanted $2 connections to port $1, got: $out"
}

# the kernel's states in NS, as "STATE COUNT" lines, waitwatch's names
ss_states() {
	ip netns exec "$NS" ss -tanH | awk "$WW_SS_STATES"'{ c[m[$1]]++ } END { for (s in c) print s, c[s] }' |
		sort
}

# svg_attr FILE ID ATTR: an attribute of the element with that id
# same NAME UNIT EXPECTED ACTUAL: two files of lines ending in a count are
# equal, and the expected one is not empty
same() {
	if [ ! -s "$3" ]; then
		fail "$1" "nothing to compare with (empty $3)"
	elif diff -u "$3" "$4" >"$T/diff"; then
		pass "$1 ($(awk '{ s += $NF } END { print s + 0 }' "$3") $2)"
	else
		fail "$1" "$(head -c 1500 "$T/diff")"
	fi
}

svg_attr() {
	xmllint --xpath "string(//*[@id='$2']/@$3)" "$1"
}

# svg_states FILE: the boxes' sockets, as ss_states prints them (none with 0)
svg_states() {
	local st
	for st in ESTABLISHED SYN_SENT SYN_RECV FIN_WAIT1 FIN_WAIT2 TIME_WAIT CLOSE_WAIT LAST_ACK \
		CLOSING LISTEN; do
		n=$(svg_attr "$1" "box-$st" data-sockets)
		[ "${n:-0}" -gt 0 ] && echo "$st $n"
	done | sort
}

start_server 8001 close-after-eof 60
start_server 8004 hold 60

# ---- 1. a recording ------------------------------------------------------------

# before it: 20 TIME_WAIT, 5 CLOSE_WAIT sockets (seeded, not transitions)
clients 8001 20
clients 8004 5

REC=$T/rec.wwr
"$WW" record "${WW_LIVE[@]}" -o "$REC" --netns "$INO" --duration 3 >"$T/rec.out" 2>"$T/rec.err" &
REC_PID=$!
ww_bg "$REC_PID"
wait_for "ww_attached $REC_PID || ww_gone $REC_PID" 10
ww_gone "$REC_PID" && fatal record-start "record exited: $(head -c 500 "$T/rec.err")"
sleep 0.2 # its first sweep

clients 8001 60
clients 8004 10
ww_tcpdrive "$NS" refused --addr 127.0.0.1 --port 9 >/dev/null ||
	fail refused "tcpdrive refused failed"
ww_server rst-server "$NS" "$T/rst.ready" "$T/rst.out" --addr 127.0.0.1 --port 8010 --mode rst \
	--count 2
for _ in 1 2; do
	ww_tcpdrive "$NS" client --addr 127.0.0.1 --port 8010 --mode wait-eof >/dev/null ||
		fail rst-client "tcpdrive client of the rst server failed"
done
ww_gone "$REC_PID" && fail record-duration "the recording ended before the traffic did"
ww_stop "$REC_PID" 0 15
assert_eq "record exits 0" 0 "$WW_RC"

SVG=$T/rec.svg
"$WW" diagram --replay "$REC" -o "$SVG" 2>"$T/dg.err"
assert_eq "diagram --replay exits 0, nothing on stderr" "0 " "$? $(cat "$T/dg.err")"
assert_cmd "the SVG is valid XML (xmllint)" xmllint --noout "$SVG"
assert_eq "viewBox 1280x800" "0 0 1280 800" "$(xmllint --xpath 'string(/*/@viewBox)' "$SVG")"
assert_eq "the model's version" 1 "$(xmllint --xpath 'string(/*/@data-version)' "$SVG")"
# every number the SVG draws lies in it: no point or box beyond the viewBox
out=$(grep -oE '(points|x|y|cx|cy)="[-0-9., ]+"' "$SVG" | grep -oE '[-0-9.]+' |
	awk '$1 < 0 || $1 > 1280 { print }' | head -3)
assert_eq "no coordinate outside the viewBox" "" "$out"

"$WW" report "$REC" --json >"$T/report.json" 2>"$T/report.err" ||
	fatal report "report failed: $(cat "$T/report.err")"
"$WW" trace --replay "$REC" --json >"$T/trace.json" 2>"$T/trace.err" ||
	fatal trace "trace --replay failed: $(cat "$T/trace.err")"
"$WW" diagram --replay "$REC" --json >"$T/dg.json" 2>"$T/dgj.err" ||
	fatal diagram-json "diagram --json failed: $(cat "$T/dgj.err")"

# the boxes: report's totals
jq -r 'select(.type == "totals") | .states | to_entries[] | select(.value > 0) |
	"\(.key) \(.value)"' "$T/report.json" | sort >"$T/report.states"
svg_states "$SVG" >"$T/svg.states"
same "the boxes' sockets are report --json's states" sockets "$T/report.states" "$T/svg.states"
tw_box=$(svg_attr "$SVG" box-TIME_WAIT data-sockets)
cw_box=$(svg_attr "$SVG" box-CLOSE_WAIT data-sockets)
if [ "$tw_box" -ge 80 ] && [ "$cw_box" -ge 15 ]; then
	pass "TIME_WAIT ($tw_box) and CLOSE_WAIT ($cw_box) sockets drawn"
else
	fail boxes "TIME_WAIT $tw_box (at least 80), CLOSE_WAIT $cw_box (at least 15)"
fi

# the arrows of events: trace --replay's transitions, each pair's count
# (->CLOSE: those that left no TIME_WAIT socket, errors apart)
jq -r 'if .new != "CLOSE" then "\(.old) \(.new) count"
	elif .tw != null then "\(.old) CLOSE tw-\(.tw)"
	elif .sk_err != 0 then "\(.old) CLOSE errors"
	else "\(.old) CLOSE count" end' "$T/trace.json" | sort | uniq -c |
	awk '{ print $2, $3, $4, $1 }' | sort >"$T/trace.pairs"
xmllint --xpath '//*[@class="arrow"]/@*[name()="data-from" or name()="data-to" or
	name()="data-count" or name()="data-errors"]' "$SVG" | tr ' ' '\n' |
	sed -n 's/^data-[a-z]*="\(.*\)"$/\1/p' | paste - - - - |
	awk '$1 != "TIME_WAIT" && $2 != "TIME_WAIT" {
		if ($3 > 0) print $1, $2, "count", $3; if ($4 > 0) print $1, $2, "errors", $4 }' |
	sort >"$T/svg.pairs"
grep -v ' tw-' "$T/trace.pairs" >"$T/trace.drawn"
same "each arrow's transitions and errors are trace --replay's" transitions "$T/trace.drawn" \
	"$T/svg.pairs"
if grep -q '^SYN_SENT CLOSE errors ' "$T/svg.pairs" &&
	grep -q '^ESTABLISHED CLOSE errors ' "$T/svg.pairs"; then
	pass "refused and reset connections drawn as errors"
else
	fail errors "no SYN_SENT or ESTABLISHED errors: $(tr '\n' ';' <"$T/svg.pairs")"
fi

# TIME_WAIT: what no event says, against report's counters and trace's ->CLOSE
tw_in_fw2=$(svg_attr "$SVG" arrow-FIN_WAIT2-TIME_WAIT data-count)
tw_in_closing=$(svg_attr "$SVG" arrow-CLOSING-TIME_WAIT data-count)
tw_in_events=$(awk '$3 == "tw-TIME_WAIT" { s += $4 } END { print s + 0 }' "$T/trace.pairs")
read -r rep_tw rep_exits <<<"$(jq -r 'select(.type == "totals") |
	"\(.tw_entries) \(.tw_exits_sweep + .tw_exits_reuse)"' "$T/report.json")"
assert_eq "TIME_WAIT entries (from FIN_WAIT2 + CLOSING) are report's tw_entries" "$rep_tw" \
	$((tw_in_fw2 + tw_in_closing))
# the others: orphans (->CLOSE into substate FIN_WAIT2) a sweep found in TIME_WAIT
orphans=$(awk '$3 == "tw-FIN_WAIT2" { s += $4 } END { print s + 0 }' "$T/trace.pairs")
tw_drawn=$((tw_in_fw2 + tw_in_closing))
if [ "$tw_drawn" -ge "$tw_in_events" ] && [ "$tw_drawn" -le $((tw_in_events + orphans)) ] &&
	[ "$tw_drawn" -ge 60 ]; then
	pass "TIME_WAIT entries: $tw_in_events at ->CLOSE, $((tw_drawn - tw_in_events)) of $orphans orphans by a sweep"
else
	fail tw-entries "$tw_drawn drawn, $tw_in_events at ->CLOSE, $orphans orphans (at least 60 in all)"
fi
assert_eq "orphans drawn: trace's ->CLOSE into substate FIN_WAIT2" "$orphans" \
	"$(jq -r .fin_wait2_orphaned "$T/dg.json")"
assert_eq "the textbook FIN_WAIT_1 -> TIME_WAIT is not told apart" "false" \
	"$(svg_attr "$SVG" arrow-FIN_WAIT1-TIME_WAIT data-distinct)"
jq -r '"\(.time_wait_entries) \(.time_wait_exits + .fin_wait2_orphans_ended)"' "$T/dg.json" \
	>"$T/dg.tw"
assert_eq "TIME_WAIT entries and exits: --json and report agree" "$rep_tw $rep_exits" \
	"$(cat "$T/dg.tw")"
cw_in=$(($(svg_attr "$SVG" arrow-ESTABLISHED-CLOSE_WAIT data-count) +
	$(svg_attr "$SVG" arrow-SYN_RECV-CLOSE_WAIT data-count)))
assert_eq "CLOSE_WAIT entries are report's cw_entries" \
	"$(jq -s '[.[] | select(.type == "endpoint") | .cw_entries] | add' "$T/report.json")" "$cw_in"

# --json and --dot: the same model
assert_eq "--json has a version" 1 "$(jq -r .version "$T/dg.json")"
assert_eq "--json's boxes are the SVG's" "$(cat "$T/svg.states")" \
	"$(jq -r '.boxes[] | select(.sockets != null and .sockets > 0 and (.id | startswith("CLOSED") | not)) |
		"\(.state) \(.sockets)"' "$T/dg.json" | sort)"
"$WW" diagram --replay "$REC" --dot >"$T/dg.dot" 2>&1
assert_match "--dot is a digraph with the TIME_WAIT box" \
	"^digraph tcp_states \{.*TIME_WAIT \[label=\"TIME_WAIT.n$tw_box sockets\"" \
	"$(tr '\n' ' ' <"$T/dg.dot")"
# Graphviz itself reads it, and lays out every state the SVG draws
if [ ! -s "$T/svg.states" ]; then
	fail "Graphviz reads the DOT" "the SVG has no state with sockets to look for"
elif dot -Tsvg "$T/dg.dot" >"$T/dg.dot.svg" 2>"$T/dot.err" && xmllint --noout "$T/dg.dot.svg"; then
	assert_eq "Graphviz lays out the DOT: each of the SVG's states is a node" "$(cut -d' ' -f1 "$T/svg.states")" \
		"$(grep -o '<title>[A-Z_0-9]*</title>' "$T/dg.dot.svg" | sed 's/<[^>]*>//g' |
			grep -xF -f <(cut -d' ' -f1 "$T/svg.states") | sort -u)"
else
	fail "Graphviz reads the DOT" "$(head -c 300 "$T/dot.err")"
fi

# ---- 2. live ---------------------------------------------------------------------

"$WW" diagram "${WW_LIVE[@]}" --duration 2 --netns "$INO" --json >"$T/live.json" \
	2>"$T/live.err" &
LIVE_PID=$!
ww_bg "$LIVE_PID"
wait_for "ww_attached $LIVE_PID || ww_gone $LIVE_PID" 10
sleep 0.2
clients 8001 15
sleep 0.4 # the servers' closes settle
ss_states >"$T/ss.a"
ww_stop "$LIVE_PID" 0 10
assert_eq "diagram --duration 2 exits 0, nothing on stderr" "0 " "$WW_RC $(cat "$T/live.err")"
ss_states >"$T/ss.b"
if cmp -s "$T/ss.a" "$T/ss.b"; then
	jq -r '.boxes[] | select(.sockets != null and .sockets > 0 and (.id | startswith("CLOSED") | not)) |
		"\(.state) \(.sockets)"' "$T/live.json" | sort >"$T/live.states"
	same "live: the boxes are what ss shows at the end" sockets "$T/ss.a" "$T/live.states"
else
	fail live-ss "the table moved at the end of the window: $(diff "$T/ss.a" "$T/ss.b" | head -c 300)"
fi
live_syn=$(jq -r '.arrows[] | select(.from == "CLOSE" and .to == "SYN_SENT") | .count' "$T/live.json")
live_tw=$(jq -r '.time_wait_entries' "$T/live.json")
if [ "$live_syn" -ge 15 ] && [ "$live_tw" -ge 15 ]; then
	pass "live: $live_syn connects and $live_tw TIME_WAIT entries in the window (15 made)"
else
	fail live-arrows "CLOSE->SYN_SENT $live_syn, TIME_WAIT entries $live_tw (at least 15 each)"
fi
assert_match "live: its source" "^live \\($WW_PROGRAM\\)$" "$(jq -r .source "$T/live.json")"

# ---- 3. bad input ----------------------------------------------------------------

# bad NAME STATUS ARGS...: exit STATUS within 10 s, one line on stderr, nothing on stdout
bad() {
	local name=$1 want=$2
	shift 2
	timeout -k 2 10 "$WW" diagram "$@" >"$T/bad.out" 2>"$T/bad.err"
	local rc=$?
	if [ "$rc" -eq "$want" ] && [ "$(wc -l <"$T/bad.err")" -eq 1 ] && [ ! -s "$T/bad.out" ]; then
		pass "$name: exit $want, $(cat "$T/bad.err")"
	else
		fail "$name" "exit $rc (want $want), stderr: $(head -c 300 "$T/bad.err"), stdout: $(head -c 100 "$T/bad.out")"
	fi
}
echo "not a recording" >"$T/text.wwr"
bad "missing file" 1 --replay "$T/none.wwr"
bad "not a recording" 1 --replay "$T/text.wwr"
bad "a directory" 1 --replay "$T"
# a byte flipped in the middle of a block: its checksum fails
cp "$REC" "$T/flip.wwr"
mid=$(($(stat -c %s "$REC") / 2))
byte=$(od -An -tu1 -j "$mid" -N1 "$REC" | tr -d ' ')
# shellcheck disable=SC2059 # the format is the byte
printf "$(printf '\\x%02x' $((byte ^ 0xff)))" |
	dd of="$T/flip.wwr" bs=1 seek="$mid" conv=notrunc status=none
bad "a damaged block" 1 --replay "$T/flip.wwr"
bad "unknown option" 2 --bogus
bad "--dot and --json" 2 --replay "$REC" --dot --json
bad "--replay with --duration" 2 --replay "$REC" --duration 1
bad "--replay with a filter" 2 --replay "$REC" --netns "$INO"
bad "a bad duration" 2 --duration soon
bad "an argument" 2 --replay "$REC" extra
bad "an output it cannot write" 1 --replay "$REC" -o "$T/no/such/dir/x.svg"
# cut off inside its last block: drawn up to there, with a warning, exit 1
head -c $(($(stat -c %s "$REC") - 7)) "$REC" >"$T/cut.wwr"
"$WW" diagram --replay "$T/cut.wwr" -o "$T/cut.svg" 2>"$T/cut.err"
rc=$?
if [ "$rc" -eq 1 ] && [ "$(wc -l <"$T/cut.err")" -eq 1 ] && xmllint --noout "$T/cut.svg"; then
	pass "a cut-off recording: exit 1, still drawn: $(cat "$T/cut.err")"
else
	fail cut "exit $rc, stderr: $(head -c 300 "$T/cut.err")"
fi
