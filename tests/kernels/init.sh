#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# /init of the guest of the kernel tests (tests/kernels/run.sh builds the
# initramfs around it). busybox sh; everything static: /bin/waitwatch,
# /bin/loadgen, /bin/wwcheck, /bin/progprobe, the kernel's config in /boot.
#
# Prints diagnostic lines "WW-DIAG: ..." on the console, then exactly one
# "WW-KERNEL-RESULT: PASS" or "WW-KERNEL-RESULT: FAIL <reason>", then powers
# off. Checks, on the loopback of the guest (its only network):
#   version   waitwatch --version runs
#   trace     waitwatch trace --json sees every transition of 20 client and
#             20 server sockets (loadgen, client closes first), on tp_btf
#   classic   the same with --classic (5 connections)
#   snapshot  waitwatch snapshot --json counts every state as
#             /proc/net/tcp{,6} does: TIME_WAIT 40, CLOSE_WAIT 10
# and, for the record only, which of kprobe and fentry programs attach.
export PATH=/bin
export LC_ALL=C
umask 022

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
ip link set lo up

T0=$(cut -d' ' -f1 /proc/uptime)
diag() { echo "WW-DIAG: $*"; }
# Lines of a file (or stdin) as diagnostics.
diag_file() { sed 's/^/WW-DIAG:   /' "$@"; }
finish() {
	# background processes of the checks: no stray output after the result
	for p in $BG; do kill -9 "$p" 2>/dev/null; done
	diag "checks took $(awk -v a="$T0" -v b="$(cut -d' ' -f1 /proc/uptime)" \
		'BEGIN { printf "%.1f", b - a }') s of guest time"
	echo "WW-KERNEL-RESULT: $*"
	sync
	poweroff -f
	sleep 30
}
fail() { finish "FAIL $*"; }
BG=

# A guest that hangs anyway still ends, with a result.
( sleep 100; echo "WW-KERNEL-RESULT: FAIL guest watchdog: checks not done after 100 s"
  poweroff -f ) &
WATCHDOG=$!
BG="$WATCHDOG"

# wait_for SECS COMMAND...: until COMMAND succeeds, every 0.1 s, at most SECS.
wait_for() {
	local left=$(($1 * 10))
	shift
	while [ "$left" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		left=$((left - 1))
	done
	return 1
}

# States in /proc/net/tcp{,6}: count STATE_HEX
proc_count() {
	awk -v st="$1" 'FNR > 1 && $4 == st { n++ } END { print n + 0 }' \
		/proc/net/tcp /proc/net/tcp6
}

# The first 60 lines of libbpf's log of a failed load (verifier log).
load_log() { # FILE
	if grep -q "BEGIN PROG LOAD LOG" "$1"; then
		sed -n '/BEGIN PROG LOAD LOG/,$p' "$1" | head -60 | diag_file
	else
		tail -60 "$1" | diag_file
	fi
}

diag "kernel $(uname -r), $(nproc) CPU, $(awk '/MemTotal/ { print $2 " kB" }' /proc/meminfo)"
[ -e /sys/kernel/btf/vmlinux ] || fail "no /sys/kernel/btf/vmlinux (kernel without BTF)"
[ -e "/boot/config-$(uname -r)" ] || diag "no /boot/config-$(uname -r): libbpf cannot read CONFIG_HZ"
diag "CONFIG_HZ: $(sed -n 's/^CONFIG_HZ=//p' "/boot/config-$(uname -r)" 2>/dev/null)"

# ---- version ------------------------------------------------------------
v=$(timeout 20 waitwatch --version 2>&1) || fail "version: waitwatch --version failed: $v"
diag "version: $v"

# ---- trace, tp_btf --------------------------------------------------------
# trace_run NAME PORT N OPTIONS...: trace from before a server on PORT and N
# client connections until every server socket is closed; then wwcheck.
trace_run() {
	name=$1 port=$2 n=$3
	shift 3
	timeout 60 waitwatch trace -v --json --duration 50s "$@" \
		>/tmp/$name.json 2>/tmp/$name.err &
	tp=$!
	BG="$BG $tp"
	if ! wait_for 30 grep -q "tracing TCP state transitions" /tmp/$name.err; then
		kill -INT "$tp" 2>/dev/null
		wait "$tp"
		diag "$name: waitwatch trace $* did not start; its stderr:"
		diag_file /tmp/$name.err
		timeout 60 waitwatch trace -vv --duration 1s "$@" >/dev/null 2>/tmp/$name.vv
		diag "$name: waitwatch trace -vv $* (first 60 lines of the load log):"
		load_log /tmp/$name.vv
		fail "$name: waitwatch trace $* did not start: $(grep -m1 'cannot\|error\|failed' /tmp/$name.err)"
	fi
	diag "$name: $(grep -m1 attaching /tmp/$name.err | sed 's/^waitwatch: //')"
	loadgen server -a 127.0.0.1 -p "$port" -t 100 -r /tmp/$name.ready &
	BG="$BG $!"
	wait_for 20 test -e /tmp/$name.ready || fail "$name: loadgen server did not start"
	out=$(timeout 30 loadgen client -a 127.0.0.1 -p "$port" -n "$n" 2>&1) ||
		fail "$name: loadgen client failed: $out"
	diag "$name: loadgen client: $out"
	# done when the last server socket is closed and shown
	wait_for 20 sh -c "[ \$(grep -c '\"old\":\"LAST_ACK\",\"new\":\"CLOSE\"' /tmp/$name.json) -ge $n ]" ||
		diag "$name: not every LAST_ACK->CLOSE seen after 20 s"
	kill -INT "$tp"
	wait "$tp"
	rc=$?
	diag "$name: $(tail -1 /tmp/$name.err | sed 's/^waitwatch: //')"
	[ "$rc" -eq 0 ] || { diag_file /tmp/$name.err; fail "$name: waitwatch trace exited $rc"; }
	if ! wwcheck trace /tmp/$name.json "$port" "$n" >/tmp/$name.check 2>&1; then
		diag_file /tmp/$name.check
		diag "$name: first lines of the trace:"
		head -5 /tmp/$name.json | diag_file
		[ -n "${WW_DEBUG:-}" ] && cat /tmp/$name.json
		fail "$name: $(grep -m1 'wwcheck: FAIL' /tmp/$name.check | sed 's/^wwcheck: FAIL //')"
	fi
	diag_file /tmp/$name.check
}

trace_run trace 5432 20
PROGRAM=$(sed -n 's/.*program: //p' /tmp/trace.err | tail -1)
diag "program: $PROGRAM"
if [ "$PROGRAM" != tp_btf ]; then
	grep "did not load" /tmp/trace.err | diag_file
	timeout 60 waitwatch trace -vv --duration 1s >/dev/null 2>/tmp/trace.vv
	diag "trace: waitwatch trace -vv (first 60 lines of the load log):"
	load_log /tmp/trace.vv
	fail "trace: the tp_btf program did not load (program: $PROGRAM)"
fi

# ---- trace, the classic tracepoint --------------------------------------
trace_run classic 5434 5 --classic
CLASSIC=$(sed -n 's/.*program: //p' /tmp/classic.err | tail -1)
[ "$CLASSIC" = tracepoint ] || fail "classic: program is '$CLASSIC', not tracepoint"

# ---- snapshot -------------------------------------------------------------
# CLOSE_WAIT: a server that never closes; TIME_WAIT: clients that close
# first, here over IPv6 (::1), besides the 20 + 5 of the traces.
loadgen server -a 127.0.0.1 -p 8080 -m hold -t 100 -r /tmp/hold.ready &
BG="$BG $!"
loadgen server -a ::1 -p 5433 -t 100 -r /tmp/v6.ready &
BG="$BG $!"
wait_for 20 test -e /tmp/hold.ready || fail "snapshot: loadgen server (hold) did not start"
wait_for 20 test -e /tmp/v6.ready || fail "snapshot: loadgen server (::1) did not start"
out=$(timeout 30 loadgen client -a 127.0.0.1 -p 8080 -n 10 2>&1) ||
	fail "snapshot: loadgen client (hold) failed: $out"
out=$(timeout 30 loadgen client -a ::1 -p 5433 -n 15 2>&1) ||
	fail "snapshot: loadgen client (::1) failed: $out"
settled() { [ "$(proc_count 06)" -eq 40 ] && [ "$(proc_count 08)" -eq 10 ]; }
wait_for 20 settled ||
	diag "snapshot: /proc not settled after 20 s: TIME_WAIT $(proc_count 06), CLOSE_WAIT $(proc_count 08)"
if ! timeout 60 wwcheck snapshot 40 10 -- /bin/waitwatch snapshot --json \
	>/tmp/snap.check 2>&1; then
	diag_file /tmp/snap.check
	fail "snapshot: $(grep -m1 'wwcheck: FAIL' /tmp/snap.check | sed 's/^wwcheck: FAIL //')"
fi
diag_file /tmp/snap.check

# ---- kprobe and fentry: a fact about the kernel, not a check -------------
progprobe tcp_set_state 2>&1 | diag_file

finish PASS
