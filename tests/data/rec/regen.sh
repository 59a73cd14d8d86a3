#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The sample recordings of tests/data/rec and what waitwatch prints for them.
#
#   tests/data/rec/regen.sh            record every scenario again (root, real
#                                      kernel), then write the expected outputs
#   tests/data/rec/regen.sh --outputs  only write the expected outputs again,
#                                      from the recordings already here
#
# Each scenario runs in a network namespace of its own (ww-rec-<pid>-NAME),
# with loopback traffic only, and is recorded with --netns for 3 seconds:
#
#   active_close  IPv4 clients close first: TIME_WAIT on the client side,
#                 200 sockets before the recording starts, 30 during it
#   close_wait    a server that never closes: CLOSE_WAIT on its side and
#                 FIN_WAIT2 on the clients', 100 before, 30 during
#   listener      a wildcard listener that stays (10 connections before, 10
#                 during), and a second one opened, connected to 15 times
#                 and closed during the recording
#   ipv6          ::1, both of the above: 150 + 30 TIME_WAIT, 20 + 10 CLOSE_WAIT
#
# v1_sock72.wwr is kept as it is: a recording whose sweep records are 72
# bytes long (without state_age_ms), as first written. Only its outputs are
# written again.
#
# For each NAME.wwr:
#   NAME.report.json  waitwatch report NAME.wwr --json
#   NAME.report.txt   TZ=UTC waitwatch report NAME.wwr (the table)
#   NAME.at.json      waitwatch report NAME.wwr --json --at +2s
#   NAME.trace.json   waitwatch trace --replay NAME.wwr --json
# Their times come from the recording alone (its header's clock offset), so
# they do not change from one run to the next.
set -eu
export LC_ALL=C

DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$DIR/../../.." && pwd)
WW=${WW:-$ROOT/waitwatch}
LOADGEN=${LOADGEN:-$ROOT/.output/tools/loadgen}
NAMESPACES=()
PIDS=()

cleanup() {
	local p ns
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	for ns in "${NAMESPACES[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
}
trap cleanup EXIT

die() {
	echo "regen.sh: $*" >&2
	exit 1
}

# wait_until CMD SECONDS: poll CMD every 50 ms, at most SECONDS.
wait_until() {
	local i
	for ((i = 0; i < $2 * 20; i++)); do
		eval "$1" && return 0
		sleep 0.05
	done
	return 1
}

new_ns() { # NAME: sets NS and INO
	NS=ww-rec-$$-$1
	ip netns add "$NS"
	NAMESPACES+=("$NS")
	ip -n "$NS" link set lo up
	ip netns exec "$NS" sysctl -qw net.ipv4.tcp_tw_reuse=0
	ip netns exec "$NS" sysctl -qw net.ipv4.ip_local_port_range="20000 60999"
	INO=$(stat -L -c %i "/run/netns/$NS")
}

server() { # ADDR PORT MODE SECONDS
	local ready
	ready=$(mktemp)
	rm -f "$ready"
	ip netns exec "$NS" "$LOADGEN" server -a "$1" -p "$2" -m "$3" -t "$4" -r "$ready" &
	PIDS+=($!)
	wait_until "[ -s $ready ]" 5 || die "loadgen server $1:$2 not ready"
	rm -f "$ready"
}

clients() { # ADDR PORT COUNT
	local out
	out=$(timeout 30 ip netns exec "$NS" "$LOADGEN" client -a "$1" -p "$2" -n "$3" -d 20)
	[ "$(jq -r .connections <<<"$out")" == "$3" ] || die "clients $1:$2: $out"
}

# header_end FILE: where the first block starts (16 + metadata length + 4).
header_end() {
	echo $((16 + $(od -An -tu4 --endian=little -j12 -N4 "$1") + 4))
}

# The header says hostname=golden: the recording runs in a UTS namespace of its own.
record_start() { # NAME
	local f=$DIR/$1.wwr
	rm -f "$f"
	# shellcheck disable=SC2016 # expanded by the inner sh
	(cd "$DIR" && exec unshare --uts sh -c 'hostname golden && exec "$0" "$@"' \
		"$WW" record -o "$1.wwr" --netns "$INO" -i 1 --duration 3) &
	REC_PID=$!
	PIDS+=("$REC_PID")
	# the first block (the initial sweep) is written once the program is attached
	wait_until "[ -f $f ] && [ \$(stat -c %s $f) -gt \$(header_end $f) ]" 10 ||
		die "$1: waitwatch record wrote no sweep"
}

record_end() { # NAME
	local p
	wait "$REC_PID" || die "$1: waitwatch record failed"
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	PIDS=()
	ip netns del "$NS"
	NAMESPACES=()
}

scenario_active_close() {
	new_ns active_close
	server 127.0.0.1 8001 close-after-eof 30
	clients 127.0.0.1 8001 200
	sleep 0.3
	record_start active_close
	clients 127.0.0.1 8001 30
	record_end active_close
}

scenario_close_wait() {
	new_ns close_wait
	server 127.0.0.1 8004 hold 30
	clients 127.0.0.1 8004 100
	sleep 0.3
	record_start close_wait
	clients 127.0.0.1 8004 30
	record_end close_wait
}

scenario_listener() {
	new_ns listener
	server 0.0.0.0 8006 close-after-eof 30
	clients 127.0.0.1 8006 10
	sleep 0.3
	record_start listener
	# opened, used and closed (the server exits after 1 s) while recording
	server 127.0.0.1 8005 close-after-eof 1
	clients 127.0.0.1 8005 15
	clients 127.0.0.1 8006 10
	record_end listener
}

scenario_ipv6() {
	new_ns ipv6
	server ::1 8002 close-after-eof 30
	server ::1 8007 hold 30
	clients ::1 8002 150
	clients ::1 8007 20
	sleep 0.3
	record_start ipv6
	clients ::1 8002 30
	clients ::1 8007 10
	record_end ipv6
}

outputs() {
	local f n
	for f in "$DIR"/*.wwr; do
		n=${f%.wwr}
		"$WW" report "$f" --json >"$n.report.json"
		TZ=UTC "$WW" report "$f" >"$n.report.txt"
		"$WW" report "$f" --json --at +2s >"$n.at.json"
		"$WW" trace --replay "$f" --json >"$n.trace.json"
		echo "$(basename "$f"): $(stat -c %s "$f") bytes," \
			"$(grep -c . "$n.trace.json") events," \
			"$(grep -c '"type":"endpoint"' "$n.report.json") endpoints"
	done
}

[ -x "$WW" ] || die "$WW missing: run make"
if [ "${1:-}" != --outputs ]; then
	[ "$(id -u)" -eq 0 ] || die "recording needs root (--outputs does not)"
	[ -x "$LOADGEN" ] || die "$LOADGEN missing: run make tools"
	scenario_active_close
	scenario_close_wait
	scenario_listener
	scenario_ipv6
fi
outputs
