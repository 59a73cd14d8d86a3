#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# waitwatch trace --json on real connections. Two namespaces joined by a
# veth pair: "srv" (198.51.100.1, 2001:db8::1) runs the servers, "cli"
# (198.51.100.2, 2001:db8::2) the clients; one waitwatch per namespace
# (--netns). Every socket's transitions (grouped by laddr, lport, raddr,
# rport) are compared with the sequences of docs/counting.md,
# together with pid/comm, ms, dir, sk_err, tw, netns and family, and every
# line printed must belong to one of the expected sockets.
#
# Legitimate variations, and only those, are accepted:
# - CLOSE->SYN_SENT of a client that did not bind(): the kernel sets the
#   state before it picks the local port, so lport is 0 there (or the real
#   port, should waitwatch ever learn it).
# - FIN_WAIT2->CLOSE of an orphaned active closer (close() before the peer's
#   FIN arrived): tw is TIME_WAIT when the peer's FIN came with the ACK, or
#   the ACK was processed while close() still owned the socket (it then
#   stays a full FIN_WAIT2 socket until the FIN); FIN_WAIT2 when the ACK
#   alone was processed after close() returned (tcp_rcv_state_process puts
#   the orphan in a timewait socket at once). Measured: 12 of 256 under CPU
#   load, 0 of 200 idle. A client that shuts down, reads EOF and only then
#   closes always gets TIME_WAIT; the CLOSE_WAIT test asks the kernel which
#   of the two its client is while the server holds (ss: a TIME_WAIT socket
#   in substate FIN_WAIT2 has a timewait timer, a full FIN_WAIT2 socket not)
#   and expects the one right value.
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
ww_require bpftool

T=$WW_TMP
SPECS=$T/specs.jsonl
: >"$SPECS"

ww_ns_new srv
NS_S=$WW_NS
ww_ns_new cli
NS_C=$WW_NS
ww_veth_pair "$NS_S" "$NS_C"
INO_S=$(ww_ns_inode "$NS_S")
INO_C=$(ww_ns_inode "$NS_C")

ww_trace_start attach-srv "$T/srv.json" "$T/srv.err" --json --netns "$INO_S"
WW_SRV=$WW_PID
ww_trace_start attach-cli "$T/cli.json" "$T/cli.err" --json --netns "$INO_C"
WW_CLI=$WW_PID
pass attach

# ---- helpers ---------------------------------------------------------------

# spec key=value...: one expected socket, checked once waitwatch has stopped.
#   name file(srv|cli) la lp ra rp family netns owner seq ("OLD>NEW ...")
#   syn0=true         unbound client: lport 0 allowed at CLOSE->SYN_SENT
#   dir=in|out|null   tw/err/msmin: JSON objects keyed by "OLD>NEW":
#   tw  {"K": [allowed tw values]}    (default [null])
#   err {"K": [allowed sk_err values]} (default [0])
#   msmin {"K": minimum ms}
spec() {
	local -A v=([syn0]=false [dir]=null [tw]='{}' [err]='{}' [msmin]='{}')
	local kv dir
	for kv in "$@"; do
		v[${kv%%=*}]=${kv#*=}
	done
	dir=null
	[ "${v[dir]}" == null ] || dir="\"${v[dir]}\""
	jq -cn --arg name "${v[name]}" --arg file "${v[file]}" --arg la "${v[la]}" \
		--argjson lp "${v[lp]}" --arg ra "${v[ra]}" --argjson rp "${v[rp]}" \
		--argjson syn0 "${v[syn0]}" --argjson family "${v[family]}" \
		--argjson netns "${v[netns]}" --argjson dir "$dir" --argjson owner "${v[owner]}" \
		--arg seq "${v[seq]}" --argjson tw "${v[tw]}" --argjson err "${v[err]}" \
		--argjson msmin "${v[msmin]}" \
		'{name: $name, file: $file, la: $la, lp: $lp, ra: $ra, rp: $rp, syn0: $syn0,
		  family: $family, netns: $netns, dir: $dir, owner: $owner,
		  seq: ($seq | split(" ")), tw: $tw, err: $err, msmin: $msmin}' >>"$SPECS" ||
		fatal "spec-${v[name]}" "bad spec: $*"
}

# drive NAME NS ARGS...: run tcpdrive in NS (bounded); must exit 0. Sets
# D_OUT (its stdout), D_PID (its pid), D_PORT (the first local_port).
drive() {
	local name=$1 ns=$2 rc
	shift 2
	D_OUT=$(ww_tcpdrive "$ns" "$@" 2>&1)
	rc=$?
	D_PID=$(sed -n 's/^pid=//p' <<<"$D_OUT")
	D_PORT=$(sed -n 's/^local_port=//p' <<<"$D_OUT" | head -n1)
	if [ "$rc" -ne 0 ] || [ -z "$D_PID" ] ||
		{ [ -z "$D_PORT" ] && [ "$1" != listen-close ]; }; then
		fail "$name" "tcpdrive $* exited $rc: $(tr '\n' ' ' <<<"$D_OUT")"
		return 1
	fi
	return 0
}

# server_done NAME: wait (5 s) for the last ww_server to exit by itself; it
# must exit 0. Its output is in S_OUT.
server_done() {
	ww_stop "$WW_SRV_PID" 0 5
	if [ "$WW_RC" -ne 0 ]; then
		fail "$1" "server exited $WW_RC: $(tr '\n' ' ' <"$S_OUT_FILE")"
		return 1
	fi
	return 0
}

# server NAME NS ADDR PORT MODE [ARGS]: start a tcpdrive server.
server() {
	local name=$1 ns=$2 addr=$3 port=$4 mode=$5
	shift 5
	S_OUT_FILE=$T/server-$name.out
	ww_server "$name" "$ns" "$T/ready-$name" "$S_OUT_FILE" --addr "$addr" --port "$port" \
		--mode "$mode" "$@"
}

# The family's addresses: SA server, CA client, ANY wildcard, FAM 4|6.
family() {
	if [ "$1" == 4 ]; then
		SA=198.51.100.1 CA=198.51.100.2 ANY=0.0.0.0 FAM=4
	else
		SA=2001:db8::1 CA=2001:db8::2 ANY=:: FAM=6
	fi
}

readonly SEQ_ACTIVE="CLOSE>SYN_SENT SYN_SENT>ESTABLISHED ESTABLISHED>FIN_WAIT1 FIN_WAIT1>FIN_WAIT2 FIN_WAIT2>CLOSE"
readonly SEQ_ACTIVE_IN="LISTEN>SYN_RECV SYN_RECV>ESTABLISHED ESTABLISHED>FIN_WAIT1 FIN_WAIT1>FIN_WAIT2 FIN_WAIT2>CLOSE"
readonly SEQ_PASSIVE_IN="LISTEN>SYN_RECV SYN_RECV>ESTABLISHED ESTABLISHED>CLOSE_WAIT CLOSE_WAIT>LAST_ACK LAST_ACK>CLOSE"
readonly SEQ_PASSIVE_OUT="CLOSE>SYN_SENT SYN_SENT>ESTABLISHED ESTABLISHED>CLOSE_WAIT CLOSE_WAIT>LAST_ACK LAST_ACK>CLOSE"
readonly SEQ_RST_OUT="CLOSE>SYN_SENT SYN_SENT>ESTABLISHED ESTABLISHED>CLOSE"
readonly SEQ_RST_IN="LISTEN>SYN_RECV SYN_RECV>ESTABLISHED ESTABLISHED>CLOSE"
readonly SEQ_LISTENER="CLOSE>LISTEN LISTEN>CLOSE"
readonly TW_ORPHAN='{"FIN_WAIT2>CLOSE": ["TIME_WAIT", "FIN_WAIT2"]}'
readonly TW_DONE='{"FIN_WAIT2>CLOSE": ["TIME_WAIT"]}'

# client_spec NAME PORT SEQ [KEY=VALUE...]: the socket of the last drive, an
# unbound client (syn0=true unless given) from CA to SA:PORT.
client_spec() {
	local n=$1 port=$2 seq=$3
	shift 3
	spec name="$n-client" file=cli la="$CA" lp="$D_PORT" ra="$SA" rp="$port" syn0=true \
		family=$FAM netns="$INO_C" dir=out owner="$D_PID" seq="$seq" "$@"
}

# server_spec NAME PORT SEQ [KEY=VALUE...]: the last server's socket accepted
# from the last drive's client, then its listener.
server_spec() {
	local n=$1 port=$2 seq=$3
	shift 3
	spec name="$n-server" file=srv la="$SA" lp="$port" ra="$CA" rp="$D_PORT" family=$FAM \
		netns="$INO_S" dir=in owner="$WW_SRV_PID" seq="$seq" "$@"
	listener_spec "$n" "$SA" "$port"
}

# client_eof NAME: the last drive's client read the server's FIN.
client_eof() {
	grep -qx "end=eof local_port=$D_PORT" <<<"$D_OUT" ||
		fail "$1" "client did not read EOF: $D_OUT"
}

# The listener of the last server: CLOSE->LISTEN, LISTEN->CLOSE.
listener_spec() {
	spec name="$1-listener" file=srv la="$2" lp="$3" ra="$ANY" rp=0 family=$FAM \
		netns="$INO_S" owner="$WW_SRV_PID" seq="$SEQ_LISTENER"
}

# ---- scenarios ---------------------------------------------------------------

# exchange NAME FAM PORT SERVER_MODE CLIENT_MODE [ARGS]: a server on the
# family's SA:PORT (NS_S) and one client of it (NS_C); both must exit 0, or
# NAME fails and it returns 1.
exchange() {
	local n=$1 fam=$2 port=$3 smode=$4 cmode=$5
	shift 5
	family "$fam"
	server "$n" "$NS_S" "$SA" "$port" "$smode"
	drive "$n" "$NS_C" client --addr "$SA" --port "$port" --mode "$cmode" "$@" || return 1
	server_done "$n"
}

# Active close: the client closes first (close(), orphaned), the server reads
# EOF and closes. With BIND, the client binds its address first (so the
# kernel knows its port already at CLOSE->SYN_SENT).
sc_active() { # FAM PORT [bind]
	local n="v$1-active${3:+-bound}" port=$2 bind=() syn0=true
	family "$1"
	[ -n "${3:-}" ] && bind=(--bind "$CA") && syn0=false
	exchange "$n" "$1" "$port" close-after-eof close-first "${bind[@]}" || return
	client_spec "$n" "$port" "$SEQ_ACTIVE" syn0=$syn0 tw="$TW_ORPHAN"
	server_spec "$n" "$port" "$SEQ_PASSIVE_IN"
}

# Active close that sees the peer's FIN before close(): exactly TIME_WAIT.
sc_shutdown() { # FAM PORT
	local n="v$1-shutdown" port=$2
	exchange "$n" "$1" "$port" close-after-eof shutdown || return
	client_eof "$n"
	client_spec "$n" "$port" "$SEQ_ACTIVE" tw="$TW_DONE"
	server_spec "$n" "$port" "$SEQ_PASSIVE_IN"
}

# Passive close: the server closes first, the client reads EOF and closes.
sc_passive() { # FAM PORT
	local n="v$1-passive" port=$2
	exchange "$n" "$1" "$port" close-first wait-eof || return
	client_eof "$n"
	client_spec "$n" "$port" "$SEQ_PASSIVE_OUT"
	server_spec "$n" "$port" "$SEQ_ACTIVE_IN" tw="$TW_ORPHAN"
}

# The client resets (SO_LINGER 0); the server, reading, gets ECONNRESET.
sc_rst_client() { # FAM PORT
	local n="v$1-rst-client" port=$2
	exchange "$n" "$1" "$port" close-after-eof rst || return
	grep -qx "reset peer_port=$D_PORT" "$S_OUT_FILE" ||
		fail "$n" "server saw no reset: $(tr '\n' ' ' <"$S_OUT_FILE")"
	client_spec "$n" "$port" "$SEQ_RST_OUT"
	server_spec "$n" "$port" "$SEQ_RST_IN" err='{"ESTABLISHED>CLOSE": [104]}'
}

# The server resets (SO_LINGER 0) after its greeting; the client gets ECONNRESET.
sc_rst_server() { # FAM PORT
	local n="v$1-rst-server" port=$2
	exchange "$n" "$1" "$port" rst wait-eof || return
	grep -qx "end=reset local_port=$D_PORT" <<<"$D_OUT" ||
		fail "$n" "client saw no reset: $D_OUT"
	client_spec "$n" "$port" "$SEQ_RST_OUT" err='{"ESTABLISHED>CLOSE": [104]}'
	server_spec "$n" "$port" "$SEQ_RST_IN"
}

# connect() to a port nobody listens on: SYN_SENT->CLOSE with ECONNREFUSED.
sc_refused() { # FAM PORT
	local n="v$1-refused" port=$2
	family "$1"
	drive "$n" "$NS_C" refused --addr "$SA" --port "$port" || return
	client_spec "$n" "$port" "CLOSE>SYN_SENT SYN_SENT>CLOSE" err='{"SYN_SENT>CLOSE": [111]}'
}

# A listener that lives 0.3 s and closes; LISTEN lasted at least 300 ms.
sc_listener() { # FAM PORT
	local n="v$1-listener" port=$2
	family "$1"
	drive "$n" "$NS_S" listen-close --addr "$SA" --port "$port" --hold-seconds 0.3 || return
	spec name="$n" file=srv la="$SA" lp="$port" ra="$ANY" rp=0 family=$FAM netns="$INO_S" \
		owner="$D_PID" seq="$SEQ_LISTENER" msmin='{"LISTEN>CLOSE": 300}'
}

# Loopback: client and server in one namespace, 127.0.0.1.
sc_loopback() { # PORT
	local n="lo-active" port=$1
	FAM=4 ANY=0.0.0.0
	server "$n" "$NS_S" 127.0.0.1 "$port" close-after-eof
	drive "$n" "$NS_S" client --addr 127.0.0.1 --port "$port" --mode close-first || return
	server_done "$n" || return
	spec name="$n-client" file=srv la=127.0.0.1 lp="$D_PORT" ra=127.0.0.1 rp="$port" \
		syn0=true family=4 netns="$INO_S" dir=out owner="$D_PID" seq="$SEQ_ACTIVE" \
		tw="$TW_ORPHAN"
	spec name="$n-server" file=srv la=127.0.0.1 lp="$port" ra=127.0.0.1 rp="$D_PORT" \
		family=4 netns="$INO_S" dir=in owner="$WW_SRV_PID" seq="$SEQ_PASSIVE_IN"
	listener_spec "$n" 127.0.0.1 "$port"
}

# lines_of FILE FILTER: the JSON lines of FILE matching a jq select()
# condition, as waitwatch has written them so far.
lines_of() { # FILE FILTER
	jq -c "select($2)" "$1" 2>/dev/null
}

# CLOSE_WAIT: the server never closes after the client's FIN. While held,
# ESTABLISHED->CLOSE_WAIT is printed and nothing after it; when released
# (SIGTERM) CLOSE_WAIT->LAST_ACK has ms >= the time held. The client's tw
# follows from what its socket is while held (see the top of this file).
sc_hold() { # FAM PORT
	local n="v$1-closewait" port=$2 sel got cw ctw csock
	family "$1"
	server "$n" "$NS_S" "$SA" "$port" hold
	drive "$n" "$NS_C" client --addr "$SA" --port "$port" --mode close-first || return
	if ! wait_for "grep -qx holding '$S_OUT_FILE'" 5; then
		fail "$n" "server never saw EOF: $(tr '\n' ' ' <"$S_OUT_FILE")"
		return
	fi
	# The client has closed and its FIN is acknowledged: its socket shows as
	# FIN-WAIT-2 (once the ACK is in). A TIME_WAIT socket in substate
	# FIN_WAIT2, with its timewait timer, has had its FIN_WAIT2->CLOSE (tw
	# FIN_WAIT2); a full socket stays until the server's FIN makes it a
	# TIME_WAIT socket (FIN_WAIT2->CLOSE then, tw TIME_WAIT).
	csock="ip netns exec $NS_C ss -tnoH state fin-wait-2 sport = :$D_PORT and dport = :$port"
	if ! wait_for "[ -n \"\$($csock)\" ]" 3; then
		fail "$n" "the client's socket is not in FIN-WAIT-2: $(ip netns exec "$NS_C" ss -tnoH \
			"sport = :$D_PORT")"
		return
	fi
	ctw=TIME_WAIT
	$csock | grep -q 'timer:(timewait,' && ctw=FIN_WAIT2
	sel=".laddr == \"$SA\" and .lport == $port and .raddr == \"$CA\" and .rport == $D_PORT"
	# Held: ss shows CLOSE-WAIT; waitwatch has printed (100 ms drains) up to
	# ESTABLISHED->CLOSE_WAIT and nothing else for this socket.
	cw=$(ip netns exec "$NS_S" ss -Htn state close-wait | wc -l)
	assert_eq "$n-ss-close-wait" 1 "$cw"
	wait_for "[ \"\$(lines_of '$T/srv.json' '$sel' | wc -l)\" -ge 3 ]" 3
	sleep 0.4
	got=$(lines_of "$T/srv.json" "$sel" | jq -r '.old + ">" + .new' | tr '\n' ' ')
	assert_eq "$n-held" "LISTEN>SYN_RECV SYN_RECV>ESTABLISHED ESTABLISHED>CLOSE_WAIT " "$got"
	kill -TERM "$WW_SRV_PID"
	server_done "$n" || return
	server_spec "$n" "$port" "$SEQ_PASSIVE_IN" msmin='{"CLOSE_WAIT>LAST_ACK": 400}'
	client_spec "$n" "$port" "$SEQ_ACTIVE" tw="{\"FIN_WAIT2>CLOSE\": [\"$ctw\"]}"
}

# ---- run ---------------------------------------------------------------------

for f in 4 6; do
	base=$((f == 4 ? 8000 : 9000))
	sc_active "$f" $((base + 1))
	sc_active "$f" $((base + 2)) bind
	sc_shutdown "$f" $((base + 3))
	sc_passive "$f" $((base + 4))
	sc_rst_client "$f" $((base + 5))
	sc_rst_server "$f" $((base + 6))
	sc_refused "$f" $((base + 7))
	sc_listener "$f" $((base + 8))
	sc_hold "$f" $((base + 9))
done
sc_loopback 7001

# Let waitwatch drain (every 100 ms), then stop both with SIGINT.
sleep 0.5
for side in srv cli; do
	pid=$([ $side == srv ] && echo "$WW_SRV" || echo "$WW_CLI")
	ww_stop "$pid" INT 5
	assert_eq "sigint-exit-$side" 0 "$WW_RC"
	summary=$(grep -E '^waitwatch: [0-9]+ events, [0-9]+ lost' "$T/$side.err")
	lines=$(wc -l <"$T/$side.json")
	if [ -z "$summary" ]; then
		fail "summary-$side" "no 'waitwatch: N events, N lost' line on stderr: $(cat "$T/$side.err")"
	else
		assert_eq "summary-count-$side" "waitwatch: $lines events" \
			"$(sed -E 's/^(waitwatch: [0-9]+ events).*/\1/' <<<"$summary")"
		assert_match "summary-program-$side" "; program: $WW_PROGRAM\$" "$summary"
	fi
	bad=$(jq -c 'select(type != "object")' "$T/$side.json" 2>&1 | head -3)
	assert_eq "json-valid-$side" "" "$bad"
done

# ---- per-socket checks -------------------------------------------------------

# For each spec ($s) against the lines of its file ($l): "name US errors
# joined by '; ' (empty: pass) US the socket's lines", US = \x1f (not
# whitespace, so an empty field is kept by read).
read -r -d '' CHECK <<'EOF'
def k: .old + ">" + .new;
def isfirst: . as $x | ["CLOSE>SYN_SENT", "CLOSE>LISTEN", "LISTEN>SYN_RECV"] | any(.[]; . == $x);
def ispctx: . as $x | (["CLOSE>SYN_SENT", "CLOSE>LISTEN", "LISTEN>CLOSE", "CLOSE_WAIT>LAST_ACK"]
	| any(.[]; . == $x)) or ($x | endswith(">FIN_WAIT1"));
def fields: ["time", "ts_ns", "pid", "comm", "netns", "family", "laddr", "lport", "raddr",
	"rport", "old", "new", "ms", "dir", "sk_err", "tw", "cgroup_id", "sock_ino"];
def mine($s): .laddr == $s.la and .raddr == $s.ra and .rport == $s.rp and
	(.lport == $s.lp or ($s.syn0 and .lport == 0 and k == "CLOSE>SYN_SENT"));
def errors($s; $l):
[ $l[] | select(mine($s)) ] as $m
| ($m | map(k)) as $seq
| (if $seq != $s.seq then "transitions [\($seq | join(" "))], expected [\($s.seq | join(" "))]"
   else empty end),
  ( range(0; $m | length) as $i | $m[$i] as $e | ($e | k) as $t
    | ([ $m[0:$i][] | k | select(ispctx) ] | length > 0) as $known
    | "\($t): " + (
	([ fields[] | select(. as $f | $e | has($f) | not) ] | select(length > 0)
	 | "missing \(join(","))"),
	(select($e.netns != $s.netns) | "netns \($e.netns), expected \($s.netns)"),
	(select($e.family != $s.family) | "family \($e.family), expected \($s.family)"),
	(select($e.dir != $s.dir) | "dir \($e.dir), expected \($s.dir)"),
	(($s.tw[$t] // [null]) as $a | select(any($a[]; . == $e.tw) | not)
	 | "tw \($e.tw), expected one of \($a)"),
	(($s.err[$t] // [0]) as $a | select(any($a[]; . == $e.sk_err) | not)
	 | "sk_err \($e.sk_err), expected one of \($a)"),
	(if $i == 0 and ($t | isfirst) then
		(select($e.ms != null) | "ms \($e.ms), expected null (first transition)")
	 else
		(select(($e.ms | type) != "number" or $e.ms < 0) | "ms \($e.ms), expected a number >= 0"),
		(($s.msmin[$t] // null) as $min | select($min != null and ($e.ms | type) == "number"
			and $e.ms < $min) | "ms \($e.ms), expected >= \($min)")
	 end),
	(if ($t | ispctx) or $known then
		(select($e.pid != $s.owner or $e.comm != "tcpdrive")
		 | "pid \($e.pid) comm \($e.comm), expected \($s.owner) tcpdrive")
	 else
		(select(($e.pid != null or $e.comm != null) and
			($e.pid != $s.owner or $e.comm != "tcpdrive"))
		 | "pid \($e.pid) comm \($e.comm), expected null or \($s.owner) tcpdrive")
	 end),
	(select(($e.time | type) != "string" or ($e.time
		| test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z$") | not))
	 | "time \($e.time) not RFC 3339 UTC with microseconds"),
	(select($i > 0 and $e.ts_ns <= $m[$i - 1].ts_ns) | "ts_ns \($e.ts_ns) not increasing")
    ));
{srv: $srv, cli: $cli} as $files
| $specs[] as $s | $files[$s.file] as $l
| [ errors($s; $l) ] as $errs
| "\($s.name)\u001f\($errs[0:4] | join("; "))\u001f\([ $l[] | select(.laddr == $s.la and
	.raddr == $s.ra and .rport == $s.rp and (.lport == $s.lp or .lport == 0)) | [.laddr, .lport, .raddr, .rport, .old, .new,
	.pid, .comm, .ms, .dir, .sk_err, .tw] | tojson ] | join(" "))"
EOF

results=$(jq -n -r --slurpfile srv "$T/srv.json" --slurpfile cli "$T/cli.json" \
	--slurpfile specs "$SPECS" "$CHECK" 2>&1)
while IFS=$'\x1f' read -r name errs lines; do
	if [ -z "$errs" ]; then
		pass "$name"
	else
		fail "$name" "$errs; lines: $lines"
	fi
done <<<"$results"
[ "$(wc -l <<<"$results")" -eq "$(wc -l <"$SPECS")" ] ||
	fail checks "$(wc -l <"$SPECS") specs, $(wc -l <<<"$results") results: $(head -c 300 <<<"$results")"

# Nothing else: every line printed belongs to an expected socket, and each
# namespace's waitwatch printed only its own namespace.
for side in srv cli; do
	extra=$(jq -c -s --slurpfile specs "$SPECS" --arg side $side '
		def k: .old + ">" + .new;
		[ $specs[] | select(.file == $side) ] as $ss
		| .[] | . as $e
		| select(any($ss[]; . as $s | $e | .laddr == $s.la and .raddr == $s.ra and
			.rport == $s.rp and (.lport == $s.lp or ($s.syn0 and .lport == 0 and
			k == "CLOSE>SYN_SENT"))) | not)
		| [.netns, .laddr, .lport, .raddr, .rport, .old, .new]' "$T/$side.json" | head -5)
	assert_eq "no-other-lines-$side" "" "$extra"
done

# ---- SIGKILL leaves no program behind ----------------------------------------

ww_trace_start attach-kill "$T/kill.json" "$T/kill.err" --json --netns "$INO_S"
ids=$(ww_link_prog_ids "$WW_PID" | sort -u | tr '\n' ' ')
ww_stop "$WW_PID" KILL 5
assert_eq sigkill-exit 137 "$WW_RC"
# ww_set_state* programs still loaded that no live waitwatch holds.
orphans() {
	local id live="" p
	for p in $(pidof waitwatch); do
		live="$live $(ww_link_prog_ids "$p" | tr '\n' ' ')"
	done
	for id in $ids $(bpftool -j prog show | jq -r '.[] | select(.name | startswith("ww_set_state"))
		| .id'); do
		case " $live " in *" $id "*) continue ;; esac
		[ -n "$(ww_prog_name "$id")" ] && echo "$id"
	done | sort -u
}
if wait_for '[ -z "$(orphans)" ]' 5; then
	pass sigkill-no-program-left
else
	fail sigkill-no-program-left "programs still loaded 5 s after SIGKILL: $(orphans | tr '\n' ' ')"
fi
