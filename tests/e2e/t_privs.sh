#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The steady state runs with the least privilege (docs/security.md,
# "Privileges, phase by phase"):
# - every thread of serve is nobody (uid 65534), with exactly CAP_SYS_ADMIN,
#   CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH effective, an empty bounding set,
#   no_new_privs and a seccomp filter; top the same as root; trace keeps no
#   capability; top limited to its own namespace keeps no CAP_SYS_ADMIN;
# - with that, serve's counts still equal ss in the test's namespace and in
#   a second one created after serve started (the sweeps still enter other
#   namespaces), and the owner of CLOSE_WAIT sockets held by a process of
#   another user still shows (waitwatch_leak_suspect_sockets);
# - WAITWATCH_SECCOMP_SELFTEST=1 makes serve, top and trace die of SIGSYS
#   with the filter's one line;
# - serve --user nosuchuser: one line, exit 2.
# - serve --record where nobody cannot rotate it: one line, exit 1.
. "$(dirname "$0")/lib.sh"
ww_require "$LOADGEN" curl jq ss setpriv

ww_ns_main privs

# The capability masks of /proc/PID/status (bits: DAC_READ_SEARCH 2,
# SYS_PTRACE 19, SYS_ADMIN 21; CAP_BPF 39 where the kernel needs it for
# map reads, before 5.19 with unprivileged BPF disabled).
SWEEPS=0000000000280004
OWNERS=0000000000080004
NOTHING=0000000000000000
read -r major minor < <(uname -r | awk -F. '{ print $1, $2 }')
if [ "$major" -lt 5 ] || { [ "$major" -eq 5 ] && [ "$minor" -lt 19 ]; } &&
	[ "$(cat /proc/sys/kernel/unprivileged_bpf_disabled)" != 0 ]; then
	OWNERS=0000008000080004
	NOTHING=0000008000000000
fi

# threads PID: "Uid CapEff CapPrm CapBnd NoNewPrivs Seccomp" of each thread, one a line
threads() {
	local t
	for t in /proc/"$1"/task/*; do
		awk '/^Uid:/ { u = $2 } /^CapEff:/ { e = $2 } /^CapPrm:/ { p = $2 }
			/^CapBnd:/ { b = $2 } /^NoNewPrivs:/ { n = $2 } /^Seccomp:/ { s = $2 }
			END { print u, e, p, b, n, s }' "$t/status" 2>/dev/null
	done
}

# check_threads NAME PID UID CAPEFF [MIN_THREADS]: every thread in the steady state
check_threads() {
	local name=$1 pid=$2 want="$3 $4 $4 0000000000000000 1 2" lines bad n
	# the drop comes once the programs are loaded: wait for it
	wait_for "threads $pid | grep -q ' 1 2\$' || ww_gone $pid" 15
	lines=$(threads "$pid")
	n=$(grep -c . <<<"$lines")
	bad=$(grep -vx "$want" <<<"$lines")
	if [ -z "$lines" ] || [ -n "$bad" ] || [ "$n" -lt "${5:-1}" ]; then
		fail "$name" "$n threads, want each '$want', got: $(tr '\n' ';' <<<"$lines")"
	else
		pass "$name: $n threads, each uid $3, CapEff=CapPrm $4, CapBnd 0, NoNewPrivs 1, Seccomp 2"
	fi
}

# ---- serve, default --user nobody, every namespace -----------------------------------

# the ready files: where a server of another user can write too
chmod 711 "$WW_TMP"
install -d -m 1777 "$WW_TMP/ready"
start_server() { # NS PORT MODE [SETPRIV ARGS...]: a loadgen server in NS
	local ns=$1 port=$2 mode=$3 ready=$WW_TMP/ready/$1.$2
	shift 3
	ip netns exec "$ns" ${1:+setpriv "$@"} "$LOADGEN" server -a 127.0.0.1 -p "$port" \
		-m "$mode" -t 90 -r "$ready" &
	ww_bg $!
	wait_for "[ -s $ready ]" 5 || fatal "server-$ns-$port" "loadgen server not ready"
}

clients() { # NS PORT COUNT
	local out
	out=$(timeout 30 ip netns exec "$1" "$LOADGEN" client -a 127.0.0.1 -p "$2" -n "$3" \
		-m close-first -d 20)
	[ "$(jq -r .connections <<<"$out")" == "$3" ] ||
		fatal "clients-$1-$2" "wanted $3 connections, got: $out"
}

# port 8101: TIME_WAIT on the client side in NS, CLOSE_WAIT held by the server in NS2
ww_serve_start -i 0.5 --port 8101 --max-endpoints 10000 --leak-age 1s
SERVE=$WW_PID
check_threads "serve" "$SERVE" 65534 "$SWEEPS" 2

# a second namespace, made after serve dropped its privileges
ww_ns_new second
NS2=$WW_NS
INO2=$(ww_ns_inode "$NS2")
start_server "$NS" 8101 close-after-eof
clients "$NS" 8101 30
# the CLOSE_WAIT sockets of NS2 are held by uid 4321, not nobody's
start_server "$NS2" 8101 hold --reuid=4321 --regid=4321 --clear-groups
clients "$NS2" 8101 20

ss_count() { # NS STATE PORT: sockets of NS in STATE with local or remote PORT
	ip netns exec "$1" ss -tanH state "$2" "( sport = :$3 or dport = :$3 )" | wc -l
}
prom_count() { # INODE STATE: waitwatch_sockets of that namespace in STATE, summed
	curl -s -m 3 "$URL/metrics" | awk -v ns="netns=\"$1\"" -v st="state=\"$2\"" '
		$1 ~ /^waitwatch_sockets\{/ && index($1, ns) && index($1, st) { s += $2 }
		END { print s + 0 }'
}
# the sockets are settled (TIME_WAIT lasts 60 s, CLOSE_WAIT as long as held)
compare() { # NAME NS INODE STATE PORT
	local want st
	want=$(ss_count "$2" "$4" "$5")
	st=$(tr a-z- A-Z_ <<<"$4")
	[ "$st" != LISTENING ] || st=LISTEN
	wait_for "[ \"\$(prom_count $3 $st)\" == $want ]" 10
	assert_eq "$1: $st in netns $3 as ss shows it (port $5)" "$want" "$(prom_count "$3" "$st")"
}
compare "serve as nobody" "$NS" "$INO" time-wait 8101
compare "serve as nobody, a namespace made after it started" "$NS2" "$INO2" close-wait 8101
compare "serve as nobody, a namespace made after it started" "$NS2" "$INO2" listening 8101
# loopback may reuse a 4-tuple in TIME_WAIT: about 30
[ "$(ss_count "$NS" time-wait 8101)" -ge 20 ] && pass "TIME_WAIT sockets made in $NS" ||
	fail tw-made "$(ss_count "$NS" time-wait 8101) TIME_WAIT sockets in $NS"
[ "$(ss_count "$NS2" close-wait 8101)" == 20 ] && pass "20 CLOSE_WAIT sockets made in $NS2" ||
	fail cw-made "$(ss_count "$NS2" close-wait 8101) CLOSE_WAIT sockets in $NS2"

# the owner of sockets of another user: /proc/PID/fd read as nobody
leak_count() {
	curl -s -m 3 "$URL/metrics" | awk '$1 ~ /^waitwatch_leak_suspect_sockets\{comm="loadgen"/ &&
		/state="CLOSE_WAIT"/ { s += $2 } END { print s + 0 }'
}
wait_for "[ \"\$(leak_count)\" -ge 20 ]" 10
assert_eq "serve as nobody names the owner (uid 4321) of 20 CLOSE_WAIT sockets" 20 "$(leak_count)"
check_threads "serve after the sweeps" "$SERVE" 65534 "$SWEEPS" 2
ww_stop "$SERVE" TERM 10
assert_eq "serve exits 0 on SIGTERM" 0 "$WW_RC"
assert_eq "serve: nothing on stderr" "" "$(cat "$WW_TMP/serve.err")"

# ---- top, trace --------------------------------------------------------------------------

bg_run() { # NAME ARGS...: waitwatch ARGS in the background, WW_PID
	"$WW" "${@:2}" >"$WW_TMP/$1.out" 2>"$WW_TMP/$1.err" &
	WW_PID=$!
	ww_bg "$WW_PID"
}
bg_run top top --json -i 0.5 "${WW_LIVE[@]}"
check_threads "top" "$WW_PID" 0 "$SWEEPS"
wait_for "[ \$(grep -c '\"type\": *\"totals\"' $WW_TMP/top.out) -ge 2 ] || ww_gone $WW_PID" 10
ww_stop "$WW_PID" INT 10
assert_eq "top exits 0 on SIGINT, under the filter" 0 "$WW_RC"

bg_run trace trace --json "${WW_LIVE[@]}"
check_threads "trace" "$WW_PID" 0 "$NOTHING"
clients "$NS" 8101 5
wait_for "[ -s $WW_TMP/trace.out ] || ww_gone $WW_PID" 10
ww_stop "$WW_PID" INT 10
assert_eq "trace exits 0 on SIGINT, under the filter" 0 "$WW_RC"
[ -s "$WW_TMP/trace.out" ] && pass "trace printed transitions" || fail trace-out "nothing traced"

# limited to its own namespace: no CAP_SYS_ADMIN (owners still need the other two)
ip netns exec "$NS" "$WW" top --json -i 0.5 --netns "$INO" >/dev/null 2>"$WW_TMP/own.err" &
WW_PID=$!
ww_bg "$WW_PID"
check_threads "top --netns of its own namespace" "$WW_PID" 0 "$OWNERS"
ww_stop "$WW_PID" INT 10

# ---- the filter kills, with its line -------------------------------------------------

# the number is the architecture's (135 on x86_64)
LINE='waitwatch: seccomp: system call personality (N) is not allowed in the steady state; this is a bug, please report it'
selftest() { # NAME ARGS...: run it, wait for its death
	local pid
	WAITWATCH_SECCOMP_SELFTEST=1 "$WW" "${@:2}" >/dev/null 2>"$WW_TMP/$1.self" &
	pid=$!
	ww_bg "$pid"
	ww_stop "$pid" 0 20
	assert_eq "$1 with WAITWATCH_SECCOMP_SELFTEST=1 dies of SIGSYS" 159 "$WW_RC"
	assert_eq "$1: the filter's line" "$LINE" \
		"$(grep seccomp "$WW_TMP/$1.self" | sed -E 's/ \([0-9]+\) / (N) /')"
	assert_eq "$1: one line on stderr" 1 "$(grep -c . "$WW_TMP/$1.self")"
}
selftest serve serve --listen "127.0.0.1:$(free_port)" "${WW_LIVE[@]}"
selftest top top --json "${WW_LIVE[@]}"
selftest trace trace --json "${WW_LIVE[@]}"
# and without the variable nothing dies (above); --no-seccomp: no filter at all
WAITWATCH_SECCOMP_SELFTEST=1 "$WW" trace --no-seccomp --duration 1 >/dev/null 2>&1
assert_eq "trace --no-seccomp with the self-test runs to its end" 0 "$?"

# ---- --user ----------------------------------------------------------------------------

"$WW" serve --user nosuchuser --listen "127.0.0.1:$(free_port)" >/dev/null 2>"$WW_TMP/user.err"
assert_eq "serve --user nosuchuser exits 2" 2 "$?"
assert_eq "serve --user nosuchuser: one line" 1 "$(grep -c . "$WW_TMP/user.err")"
assert_match "serve --user nosuchuser: says so" "--user 'nosuchuser': no such user" \
	"$(cat "$WW_TMP/user.err")"

# a rotated recording in a directory only root may write: said at the
# start, in one line, not at the first rotation after the drop to nobody
mkdir -m 700 "$WW_TMP/rootonly"
timeout 20 "$WW" serve --listen "127.0.0.1:$(free_port)" "${WW_LIVE[@]}" \
	--record "$WW_TMP/rootonly/rec.wwr" --record-max-size 64K >/dev/null 2>"$WW_TMP/rot.err"
assert_eq "serve --record in a directory nobody cannot write exits 1" 1 "$?"
assert_eq "... in one line" 1 "$(grep -c . "$WW_TMP/rot.err")"
assert_match "... naming the directory and the user" \
	"rotates in $WW_TMP/rootonly, which uid 65534 cannot write" "$(cat "$WW_TMP/rot.err")"

ww_serve_start -i 0.5 --user root
check_threads "serve --user root" "$WW_PID" 0 "$SWEEPS" 2
ww_stop "$WW_PID" TERM 10
