#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# waitwatch leaks on real sockets, one namespace per case:
# a. a server that never closes the connections its clients closed (loadgen
#    server -m hold), in a cgroup v2 of its own: its pid, comm, cgroup (path
#    and id), the exact fds of its CLOSE_WAIT sockets (from /proc/PID/fd and
#    ss), their count, peers and age (bracketed by the test's clock); nothing
#    once --min-age exceeds their age, nothing once the server closed them;
#    the table's header and row.
# b. CLOSE_WAIT sockets never accepted (tcpdrive server --mode noaccept):
#    the listener's process and address.
# c. --state time-wait: a client churning short connections inside the
#    window is short-lived, with the connections the kernel counted for it
#    (each made and closed in the window, over its length), the TIME_WAIT
#    sockets and ports ss shows, and the diagnosis line those make; a client
#    holding 20 connections is long-lived. Port pressure: 600 TIME_WAIT
#    sockets out of 1,000 ports, and its line from ss's counts.
# d. Bad input exits 2 with one line.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
ww_require ss bpftool "$LOADGEN"
T=$WW_TMP

# ---- a cgroup v2 of our own, removed once its processes are gone -----------

# /sys/fs/cgroup on a unified host; the cgroup2 mount of a hybrid one
# (/sys/fs/cgroup/unified), where /sys/fs/cgroup itself is a tmpfs.
CG_MNT=$(awk '$3 == "cgroup2" && $2 == "/sys/fs/cgroup" { print $2; exit }' /proc/mounts)
[ -n "$CG_MNT" ] || CG_MNT=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
[ -n "$CG_MNT" ] || fatal cgroup2 "no cgroup2 file system mounted"
CG_NAME=ww-leaks-$$
CG=$CG_MNT/$CG_NAME

t_leaks_cleanup() {
	local rc=$?
	[ "$BASHPID" == "$$" ] || exit "$rc"
	if [ -d "$CG" ]; then
		# shellcheck disable=SC2046 # one pid a word
		ww_end $(cat "$CG/cgroup.procs" 2>/dev/null)
		wait_for "rmdir '$CG' 2>/dev/null || [ ! -d '$CG' ]" 3 ||
			fail cleanup "cgroup $CG not removed: $(cat "$CG/cgroup.procs" 2>&1)"
	fi
	(exit "$rc")
	ww_cleanup
}
trap t_leaks_cleanup EXIT

# ---- helpers -----------------------------------------------------------------

now_ns() { date +%s%N; }

# in [LO, HI] (floats)
within() {
	awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x >= lo && x <= hi) }'
}

# ss in a namespace, without the header (and without ss's cgroup warnings)
nss() {
	local ns=$1
	shift
	ip netns exec "$ns" ss -H "$@" 2>/dev/null
}

# Tcp ActiveOpens of the namespace PID lives in: connect()s made there.
active_opens() {
	awk '/^Tcp:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "ActiveOpens") c = i; h = 1 }
		else print $c }' "/proc/$1/net/snmp"
}

# loadgen_server NAME NS ADDR PORT MODE: in the background; sets LG_PID.
loadgen_server() {
	local ready=$T/ready.$1
	ip netns exec "$2" "$LOADGEN" server -a "$3" -p "$4" -m "$5" -t 50 -r "$ready" \
		>"$T/$1.out" 2>&1 &
	LG_PID=$!
	ww_bg "$LG_PID"
	wait_for "[ -s $ready ] || ww_gone $LG_PID" 5
	[ -s "$ready" ] || fatal "$1" "loadgen server on $3:$4 not ready: $(cat "$T/$1.out")"
}

# thousands N: 27104 -> 27,104
thousands() {
	sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$1"
}

# ---- namespaces and servers ---------------------------------------------------

ww_ns_new a
NSA=$WW_NS
INOA=$(ww_ns_inode "$NSA")
ww_ns_new b
NSB=$WW_NS
INOB=$(ww_ns_inode "$NSB")

mkdir "$CG" || fatal cgroup "mkdir $CG failed"
# The server joins the cgroup before it execs, so its sockets are the cgroup's.
sh -c 'cg=$1; shift; echo $$ >"$cg/cgroup.procs" || exit 1; exec "$@"' sh "$CG" \
	ip netns exec "$NSA" "$LOADGEN" server -a 127.0.0.1 -p 8100 -m hold -t 50 \
	-r "$T/ready.hold" >"$T/hold.out" 2>&1 &
HOLD=$!
ww_bg "$HOLD"
wait_for "[ -s $T/ready.hold ] || ww_gone $HOLD" 5
[ -s "$T/ready.hold" ] || fatal hold-server "loadgen server -m hold not ready: $(cat "$T/hold.out")"
[ "$(sed -n 's/^pid=//p' "$T/ready.hold")" == "$HOLD" ] ||
	fatal hold-server "pid $(sed -n 's/^pid=//p' "$T/ready.hold") in the ready file, expected $HOLD"
[ "$(sed -n 's/^0:://p' "/proc/$HOLD/cgroup")" == "/$CG_NAME" ] ||
	fatal hold-server "not in /$CG_NAME: $(grep '^0::' "/proc/$HOLD/cgroup")"
CG_ID=$(stat -c %i "$CG")

ww_server noaccept "$NSB" "$T/ready.noaccept" "$T/noaccept.out" -a 127.0.0.1 -p 8200 -m noaccept
NOACC=$WW_SRV_PID

# ---- a. a process holding CLOSE_WAIT sockets -----------------------------------

N=12
tc0=$(now_ns)
out=$(timeout 10 ip netns exec "$NSA" "$LOADGEN" client -a 127.0.0.1 -p 8100 -n $N -d 5)
tc1=$(now_ns)
[ "$(jq -r .connections <<<"$out" 2>/dev/null)" == $N ] ||
	fatal clients-a "wanted $N connections, got: $out"
# b's clients now too, so that both age together
ww_tcpdrive "$NSB" client -a 127.0.0.1 -p 8200 -n 3 --no-greeting >"$T/noacc-client.out" 2>&1 ||
	fatal clients-b "tcpdrive client: $(cat "$T/noacc-client.out")"

wait_for "[ \$(nss $NSA -tan state close-wait | wc -l) -eq $N ]" 5 ||
	fatal close-wait-a "ss shows $(nss "$NSA" -tan state close-wait | wc -l) CLOSE_WAIT, not $N"
wait_for "[ \$(nss $NSB -tan state close-wait | wc -l) -eq 3 ]" 5 ||
	fatal close-wait-b "ss shows $(nss "$NSB" -tan state close-wait | wc -l) CLOSE_WAIT, not 3"

# The fds waitwatch must name: the sockets in /proc/PID/fd but the listener,
# which are exactly the inodes ss shows in CLOSE_WAIT.
lino=$(nss "$NSA" -tlne 'sport = :8100' | sed -n 's/.* ino:\([0-9]*\).*/\1/p')
[ -n "$lino" ] || fatal listener-a "no listener inode from ss"
declare -A fd_of=()
for f in /proc/"$HOLD"/fd/*; do
	l=$(readlink "$f") || continue
	case $l in
	"socket:[$lino]") ;;
	socket:*) ino=${l#socket:[}; fd_of[${ino%]}]=${f##*/} ;;
	esac
done
cw_inodes=$(nss "$NSA" -tane state close-wait | sed -n 's/.* ino:\([0-9]*\).*/\1/p' | sort -n)
fd_inodes=$(printf '%s\n' "${!fd_of[@]}" | sort -n)
[ "$cw_inodes" == "$fd_inodes" ] ||
	fatal fds-a "the server's socket fds (inodes ${fd_inodes//$'\n'/ }) are not its CLOSE_WAIT sockets (${cw_inodes//$'\n'/ })"
FDS=$(printf '%s\n' "${fd_of[@]}" | sort -n | paste -sd,)

sleep 2
t1=$(now_ns)
"$WW" leaks --json --min-age 1s --netns "$INOA" >"$T/a.json" 2>"$T/a.err"
rc=$?
t2=$(now_ns)
assert_eq "a: leaks --json exits 0" 0 "$rc"
assert_eq "a: one owner" 1 "$(jq -s length "$T/a.json" 2>/dev/null)"
row=$(head -1 "$T/a.json")
assert_eq "a: owner process, pid, comm" "process $HOLD loadgen" \
	"$(jq -r '"\(.owner) \(.pid) \(.comm)"' <<<"$row")"
assert_eq "a: cgroup path" "/$CG_NAME" "$(jq -r .cgroup <<<"$row")"
assert_eq "a: cgroup id (the server's sockets were created in it)" "$CG_ID" \
	"$(jq -r .cgroup_id <<<"$row")"
assert_eq "a: netns" "$INOA" "$(jq -r .netns <<<"$row")"
assert_eq "a: state and count" "CLOSE_WAIT $N" "$(jq -r '"\(.state) \(.count)"' <<<"$row")"
assert_eq "a: the exact fds" "$FDS" "$(jq -r '.fds | map(tostring) | join(",")' <<<"$row")"
assert_eq "a: fds_more, listener" "0 null" "$(jq -r '"\(.fds_more) \(.listener)"' <<<"$row")"
assert_eq "a: peers (inbound: the client's address)" '[{"peer":"127.0.0.1","count":12}]' \
	"$(jq -c .peers <<<"$row")"
# The FINs arrived between tc0 and tc1, the sweep ran between t1 and t2: the
# age is in [t1 - tc1, t2 - tc0], give or take a jiffy (the kernel's clock
# for CLOSE_WAIT; 10 ms at HZ=100).
oldest=$(jq -r .oldest_s <<<"$row")
lo=$(awk -v a="$t1" -v b="$tc1" 'BEGIN { printf "%.3f", (a - b) / 1e9 - 0.02 }')
hi=$(awk -v a="$t2" -v b="$tc0" 'BEGIN { printf "%.3f", (a - b) / 1e9 + 0.02 }')
if within "$oldest" "$lo" "$hi"; then
	pass "a: oldest_s $oldest in [$lo, $hi] (the test's clock)"
else
	fail "a: oldest_s" "$oldest not in [$lo, $hi]"
fi

"$WW" leaks --json --min-age 20s --netns "$INOA" >"$T/a-old.json" 2>"$T/a-old.err"
rc=$?
assert_eq "a: --min-age 20s (older than them) lists nothing, exit 0" "0 0" \
	"$rc $(wc -c <"$T/a-old.json")"

# The table: header, then one row
"$WW" leaks --min-age 1s --netns "$INOA" >"$T/a.txt" 2>"$T/a-txt.err"
rc=$?
assert_eq "a: table exits 0 with 2 lines" "0 2" "$rc $(wc -l <"$T/a.txt")"
assert_match "a: table header" '^PID +COMM +CONTAINER/UNIT/CGROUP +FDS +STATE +COUNT +OLDEST +PEERS$' \
	"$(head -1 "$T/a.txt")"
read -r r_pid r_comm r_cg r_fds r_state r_count r_age r_peer r_pcount r_rest < <(sed -n 2p "$T/a.txt")
assert_eq "a: table row" "$HOLD loadgen /$CG_NAME CLOSE_WAIT $N 127.0.0.1 (12) " \
	"$r_pid $r_comm $r_cg $r_state $r_count $r_peer $r_pcount $r_rest"
# FDS: the first fds, then ...(+N) for the rest
shown=${r_fds%%,...*}
more=0
[[ $r_fds =~ \.\.\.\(\+([0-9]+)\)$ ]] && more=${BASH_REMATCH[1]}
nshown=$(tr ',' '\n' <<<"$shown" | wc -l)
if [[ ,$FDS, == ,$shown,* ]] && [ $((nshown + more)) -eq $N ]; then
	pass "a: table fds '$r_fds' (of $FDS)"
else
	fail "a: table fds" "'$r_fds' is not a prefix of $FDS and ...(+$((N - nshown)))"
fi
age_lo=$(awk -v x="$lo" 'BEGIN { printf "%d", x < 0 ? 0 : x }')
age_hi=$(awk -v x="$hi" 'BEGIN { printf "%d", x }')
if [[ $r_age =~ ^([0-9]+)s$ ]] && [ "${BASH_REMATCH[1]}" -ge "$age_lo" ] &&
	[ "${BASH_REMATCH[1]}" -le $((age_hi + 1)) ]; then
	pass "a: table age $r_age"
else
	fail "a: table age" "'$r_age', expected ${age_lo}s..$((age_hi + 1))s"
fi

# The server closes them: nothing left (with any age), while it still runs.
kill -USR1 "$HOLD"
wait_for "[ -z \"\$(nss $NSA -tan state close-wait state last-ack)\" ]" 5 ||
	fail "a: release" "CLOSE_WAIT sockets left after SIGUSR1: $(nss "$NSA" -tan state close-wait | wc -l)"
"$WW" leaks --json --min-age 0 --netns "$INOA" >"$T/a-after.json" 2>"$T/a-after.err"
rc=$?
assert_eq "a: once closed, nothing listed, exit 0" "0 0" "$rc $(wc -c <"$T/a-after.json")"
ww_gone "$HOLD" && fail "a: server" "the hold server exited: $(cat "$T/hold.out")"

# ---- b. never accepted: the listener's process -----------------------------------

# the accept queue's sockets have no file (inode 0)
assert_eq "b: ss: 3 CLOSE_WAIT with no inode" 3 \
	"$(nss "$NSB" -tane state close-wait | grep -c ' ino:0 ')"
"$WW" leaks --json --min-age 1s --netns "$INOB" >"$T/b.json" 2>"$T/b.err"
rc=$?
assert_eq "b: leaks --json exits 0, one owner" "0 1" "$rc $(jq -s length "$T/b.json" 2>/dev/null)"
row=$(head -1 "$T/b.json")
assert_eq "b: owner listener, the listener's pid and comm" "listener $NOACC tcpdrive" \
	"$(jq -r '"\(.owner) \(.pid) \(.comm)"' <<<"$row")"
assert_eq "b: listener address" "127.0.0.1:8200" "$(jq -r .listener <<<"$row")"
assert_eq "b: state, count, no fds" "CLOSE_WAIT 3 [] 0" \
	"$(jq -c '"\(.state) \(.count) \(.fds) \(.fds_more)"' <<<"$row" | tr -d '"')"
assert_eq "b: peers" '[{"peer":"127.0.0.1","count":3}]' "$(jq -c .peers <<<"$row")"
oldest=$(jq -r .oldest_s <<<"$row")
if within "$oldest" 1 30; then
	pass "b: oldest_s $oldest"
else
	fail "b: oldest_s" "'$oldest' not in [1, 30]"
fi
"$WW" leaks --min-age 1s --netns "$INOB" >"$T/b.txt" 2>&1
assert_match "b: table row" "^$NOACC +tcpdrive +[^ ]+ +\(not accepted\) +CLOSE_WAIT +3 +[0-9]+s +127\.0\.0\.1 \(3\)  listener 127\.0\.0\.1:8200$" \
	"$(sed -n 2p "$T/b.txt")"

# ---- c. TIME_WAIT: who churns, who pools -----------------------------------------

ww_ns_new c
NSC=$WW_NS
INOC=$(ww_ns_inode "$NSC")
loadgen_server churn "$NSC" 127.0.0.1 8300 close-after-eof
CHURN_SRV=$LG_PID
ww_server pool "$NSC" "$T/ready.pool" "$T/pool-srv.out" -a 127.0.0.1 -p 8400 -n 20 -m hold
ip netns exec "$NSC" "$TCPDRIVE" client -a 127.0.0.1 -p 8400 -n 20 -m hold --timeout 30 \
	>"$T/pool-cli.out" 2>&1 &
ww_bg $!
wait_for "[ \$(nss $NSC -tan state established dst 127.0.0.1:8400 | wc -l) -eq 20 ]" 5 ||
	fatal pool "20 held connections not established: $(cat "$T/pool-cli.out")"

# The window of leaks -i 4 runs from just after its program is attached to
# its last sweep, 4 s later at least. The churning client runs 1.5 s inside
# it: started 0.5 s after leaks is attached, done before the window ends
# (checked below). So the test knows what the window saw: every connection
# the kernel counted (Tcp ActiveOpens of the namespace) was made and closed
# in it, over a window of 4 s to (attached to exited) + the time it took to
# see the attach; and, the load stopped, the TIME_WAIT sockets ss shows
# before and after the last sweep (which agree) are what it counts. (Churn
# in the first half second after the attach cost the program 700 to 1,200
# transitions in 14,000 connections, on an idle host; none from 0.5 s on.)
read -r plo phi < <(ip netns exec "$NSC" sysctl -n net.ipv4.ip_local_port_range)
RANGE_C=$((phi - plo + 1))
na=$(active_opens "$CHURN_SRV")
t0=$(now_ns)
"$WW" leaks --state time-wait --json -i 4 --netns "$INOC" >"$T/c.json" 2>"$T/c.err" &
LK=$!
ww_bg "$LK"
wait_for "ww_attached $LK || ww_gone $LK" 10 || fatal tw-attach "leaks not attached after 10 s"
ta=$(now_ns)
sleep 0.5
ip netns exec "$NSC" "$LOADGEN" client -a 127.0.0.1 -p 8300 -d 1.5 >"$T/churn.json" 2>&1 &
CHURN=$!
ww_bg "$CHURN"
wait_for "ww_gone $CHURN" 8 || fail "c: churn" "the churning client still runs after 8 s"
wait "$CHURN"
nb=$(active_opens "$CHURN_SRV")
# the servers' closes settle: two reads of ss 0.1 s apart agree (bounded)
tw_of_c() {
	echo "$(nss "$NSC" -tan state time-wait dst 127.0.0.1:8300 | wc -l)" \
		"$(nss "$NSC" -tan dst 127.0.0.1:8300 | wc -l)"
}
seen_c=$(tw_of_c)
for _ in $(seq 20); do
	sleep 0.1
	now_c=$(tw_of_c)
	[ "$now_c" = "$seen_c" ] && break
	seen_c=$now_c
done
read -r tw_c all_c <<<"$seen_c"
# the transitions the program lost (it could not run, or the ring buffer
# was full): leaks does not say, and each may be a connection it did not count
lost=$(ww_lost_now "$LK")
ww_gone "$LK" && fail "c: overlap" "the window ended before the churning client did"
wait_for "ww_gone $LK" 10 || fatal tw-run "leaks -i 4 still running after 10 s"
tb=$(now_ns)
wait "$LK"
rc=$?
assert_eq "c: ss shows the same sockets before and after the last sweep" "$tw_c $all_c" "$(tw_of_c)"
assert_eq "c: leaks --state time-wait exits 0" 0 "$rc"
n=$((nb - na))
assert_eq "c: the kernel counted the client's connections" "$(jq -r .connections "$T/churn.json")" "$n"
bracket_ms=$(((tb - ta) / 1000000))
# attached to exited: the 4 s window and a little more
if [ "$bracket_ms" -lt 3000 ] || [ "$bracket_ms" -gt 6000 ]; then
	fail "c: window" "waitwatch attached for $bracket_ms ms, expected about 4 s (-i 4)"
fi
# the window: at least the 4 s asked, at most attached (at most the time
# between starting leaks and seeing it attached before ta) to exited; the
# connections it saw: all, but for those a lost transition may have hidden
lo=$(awk -v n="$((n - lost))" -v a="$t0" -v b="$tb" 'BEGIN { printf "%.3f", n / ((b - a) / 1e9) }')
hi=$(awk -v n="$n" 'BEGIN { printf "%.3f", n / 4 }')

assert_eq "c: two outbound endpoints" "127.0.0.1:8300 127.0.0.1:8400" \
	"$(jq -r 'select(.type == "endpoint") | "\(.endpoint) \(.dir) \(.netns)"' "$T/c.json" |
		awk -v ns="$INOC" '$2 == "out" && $3 == ns { print $1 }' | sort | paste -sd' ')"
row=$(jq -c 'select(.endpoint == "127.0.0.1:8300")' "$T/c.json")
assert_eq "c: churning client is short-lived" short-lived "$(jq -r .traffic <<<"$row")"
cps=$(jq -r .conn_per_s <<<"$row")
if awk -v x="$cps" -v lo="$lo" -v hi="$hi" 'BEGIN { exit !(lo > 100 && x >= lo && x <= hi) }'; then
	pass "c: conn_per_s $cps: the $n connections the kernel counted over the window ($lo..$hi/s, $lost lost)"
else
	fail "c: conn_per_s" "$cps, expected $lo..$hi/s: the $n connections the kernel counted ($lost lost) over 4 s to $(((tb - t0) / 1000000)) ms"
fi
p50=$(jq -r .life_p50_s <<<"$row")
if within "$p50" 0 1; then
	pass "c: life_p50_s $p50 < 1 s"
else
	fail "c: life_p50_s" "'$p50'"
fi
closes=$(jq -r .closes <<<"$row")
if [ "$closes" -le "$n" ] && [ "$closes" -ge $((n - lost)) ]; then
	pass "c: closes $closes: every connection made in the window (of $n; $lost transitions lost)"
else
	fail "c: closes" "$closes, expected the $n connections made in the window ($lost transitions lost)"
fi
assert_eq "c: time_wait and ports_used as ss shows them" "$tw_c $all_c" \
	"$(jq -r '"\(.time_wait) \(.ports_used)"' <<<"$row")"
# The line, from what the test made and ss showed; the rate and the
# lifetime within the bounds checked above.
diag=$(jq -r .diagnosis <<<"$row")
pct=$(awk -v n="$tw_c" -v r="$RANGE_C" 'BEGIN { printf "%.0f", 100 * n / r }')
re="^127\\.0\\.0\\.1:8300: ([0-9]+) new connections/s living ([0-9.]+ (us|ms)) each hold $(thousands "$tw_c") ports in TIME_WAIT \\($pct % of $(thousands "$RANGE_C")\\): reuse connections \\(pooling, keep-alive\\)\$"
if [[ $diag =~ $re ]] &&
	awk -v x="${BASH_REMATCH[1]}" -v lo="$lo" -v hi="$hi" 'BEGIN { exit !(x >= int(lo) && x <= int(hi) + 1) }'; then
	pass "c: diagnosis line: $diag"
else
	fail "c: diagnosis line" "'$diag' is not /$re/ with a rate in $lo..$hi"
fi

row=$(jq -c 'select(.endpoint == "127.0.0.1:8400")' "$T/c.json")
assert_eq "c: pooled client is long-lived" long-lived "$(jq -r .traffic <<<"$row")"
assert_eq "c: pooled: no new connection, 20 ports, no diagnosis" "0 0 20 0 null" \
	"$(jq -r '"\(.conn_per_s) \(.closes) \(.ports_used) \(.time_wait) \(.diagnosis)"' <<<"$row")"

# ---- c. port pressure -----------------------------------------------------------

ww_ns_new p
NSP=$WW_NS
INOP=$(ww_ns_inode "$NSP")
ip netns exec "$NSP" sysctl -qw net.ipv4.ip_local_port_range="40000 40999" ||
	fatal sysctl "ip_local_port_range"
ip netns exec "$NSP" sysctl -qw net.ipv4.tcp_tw_reuse=0 || fatal sysctl "tcp_tw_reuse"
loadgen_server pressure "$NSP" 127.0.0.1 8500 close-after-eof
out=$(timeout 20 ip netns exec "$NSP" "$LOADGEN" client -a 127.0.0.1 -p 8500 -n 600 -d 15)
[ "$(jq -r .connections <<<"$out" 2>/dev/null)" == 600 ] ||
	fatal clients-p "wanted 600 connections, got: $out"
# every one settled in TIME_WAIT
wait_for "[ -z \"\$(nss $NSP -tan dst 127.0.0.1:8500 exclude time-wait)\" ]" 5 ||
	fail "p: settle" "$(nss "$NSP" -tan dst 127.0.0.1:8500 exclude time-wait | wc -l) sockets not in TIME_WAIT"
# the reference: every socket in TIME_WAIT, and two reads of ss agree (bounded)
for _ in $(seq 20); do
	all0=$(nss "$NSP" -tan dst 127.0.0.1:8500 | wc -l)
	tw0=$(nss "$NSP" -tan state time-wait dst 127.0.0.1:8500 | wc -l)
	[ "$tw0" == "$all0" ] &&
		[ "$(nss "$NSP" -tan state time-wait dst 127.0.0.1:8500 | wc -l)" == "$tw0" ] && break
	sleep 0.1
done
# 600 made; should the kernel have ended a few already, ss is the reference
[ "$tw0" -ge 550 ] || fatal "p: TIME_WAIT" "only $tw0 of 600 in TIME_WAIT: $(ip netns exec "$NSP" nstat -az TcpActiveOpens TcpExtTW TcpExtTWKilled TcpExtTWRecycled TcpExtTCPTimeWaitOverflow 2>&1 | tr '\n' ' ')"
[ "$tw0" == 600 ] || echo "# p: $tw0 of 600 in TIME_WAIT: $(ip netns exec "$NSP" nstat -az TcpActiveOpens TcpExtTW TcpExtTWKilled TcpExtTWRecycled TcpExtTCPTimeWaitOverflow TcpEstabResets TcpAttemptFails 2>&1 | tr '\n' ' ')"
"$WW" leaks --state time-wait --json -i 1 --netns "$INOP" >"$T/p.json" 2>"$T/p.err"
rc=$?
all1=$(nss "$NSP" -tan dst 127.0.0.1:8500 | wc -l)
[ "$all0" == "$all1" ] || fail "p: ss stable" "ss showed $all0 sockets to 127.0.0.1:8500 before, $all1 after"
assert_eq "p: exits 0, one endpoint" "0 1" "$rc $(jq -s length "$T/p.json" 2>/dev/null)"
row=$(jq -c 'select(.endpoint == "127.0.0.1:8500")' "$T/p.json")
assert_eq "p: port_range" 1000 "$(jq -r .port_range <<<"$row")"
assert_eq "p: ports_used == ss's sockets to 127.0.0.1:8500 (all states)" "$all0" \
	"$(jq -r .ports_used <<<"$row")"
assert_eq "p: time_wait == ss's TIME_WAIT" "$tw0" "$(jq -r .time_wait <<<"$row")"
pct=$(jq -r .port_pressure_pct <<<"$row")
want=$(awk -v n="$all0" 'BEGIN { printf "%.6f", 100 * n / 1000 }')
if within "$pct" "$(awk -v w="$want" 'BEGIN { print w - 0.001 }')" \
	"$(awk -v w="$want" 'BEGIN { print w + 0.001 }')"; then
	pass "p: port_pressure_pct $pct"
else
	fail "p: port_pressure_pct" "$pct, want $want"
fi
# no connection in the window (-i 1, all 600 made before): the ports only,
# from ss and the 1,000 ports of the range the test set
pct0=$(awk -v n="$tw0" 'BEGIN { printf "%.0f", 100 * n / 1000 }')
assert_eq "p: diagnosis line: high pressure" \
	"127.0.0.1:8500: $(thousands "$tw0") ports held in TIME_WAIT ($pct0 % of 1,000), $all0 in all: find what opens them" \
	"$(jq -r .diagnosis <<<"$row")"

# Interrupted before its window ends, leaks still diagnoses the window so far.
"$WW" leaks --state time-wait --json -i 30 --netns "$INOP" >"$T/p-int.json" 2>"$T/p-int.err" &
LK=$!
ww_bg "$LK"
wait_for "ww_attached $LK || ww_gone $LK" 10 || fatal p-int "leaks not attached after 10 s"
sleep 0.5
kill -INT "$LK"
wait_for "ww_gone $LK" 10 || fatal p-int "leaks still running 10 s after SIGINT"
wait "$LK"
rc=$?
row=$(jq -c 'select(.endpoint == "127.0.0.1:8500")' "$T/p-int.json" 2>/dev/null)
assert_eq "p: interrupted leaks exits 0 with the window's diagnosis" "0 $tw0" \
	"$rc $(jq -r .time_wait <<<"$row")"

# ---- d. bad input ----------------------------------------------------------------

for args in "--state foo" "--min-age -1" "--state close"; do
	# shellcheck disable=SC2086 # word splitting wanted
	"$WW" leaks $args --netns "$INOA" >"$T/d.out" 2>&1
	rc=$?
	assert_eq "d: leaks $args exits 2 with one line" "2 1" "$rc $(wc -l <"$T/d.out")"
done
