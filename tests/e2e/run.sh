#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Run the end-to-end tests: every tests/e2e/t_*.sh, or those named on the
# command line (tests/e2e/run.sh t_trace t_help). Each runs as its own bash
# process under `timeout` (WW_E2E_TIMEOUT, default 120 s). Prints each test's
# output, then exactly one line "N passed, N failed" (PASS:/FAIL: lines).
# Exits non-zero if any check failed or any test script exited non-zero.
set -u
export LC_ALL=C
dir=$(cd "$(dirname "$0")" && pwd)
. "$dir/podman.sh"
limit=${WW_E2E_TIMEOUT:-120}

tests=()
if [ $# -eq 0 ]; then
	for t in "$dir"/t_*.sh; do
		[ -e "$t" ] && tests+=("$t")
	done
else
	for name in "$@"; do
		name=$(basename "$name" .sh)
		if [ ! -f "$dir/$name.sh" ]; then
			echo "run.sh: no test $dir/$name.sh" >&2
			exit 2
		fi
		tests+=("$dir/$name.sh")
	done
fi

# Safety net: each test notes its namespaces and background pids in a state
# file (lib.sh); whatever is left once the test has ended (its EXIT trap did
# not run) is removed here and reported as a FAIL.
leftovers() { # NAME STATEFILE
	local kind val what=""
	while read -r kind val; do
		case $kind in
		pid)
			# only if it still is one of ours (pids get reused)
			if [ -d "/proc/$val" ] && grep -qaE 'waitwatch|tcpdrive|loadgen' \
				"/proc/$val/cmdline" 2>/dev/null; then
				kill -KILL "$val" 2>/dev/null && what="$what pid $val"
			fi
			;;
		container | image)
			# t_image.sh's, named after its pid: gone unless its trap never ran
			if ww_podman "$kind" exists "$val" 2>/dev/null; then
				if [ "$kind" == container ]; then
					ww_podman rm -f -t 0 "$val" >/dev/null 2>&1
				else
					ww_podman rmi -f "$val" >/dev/null 2>&1
				fi
				what="$what $kind $val"
			fi
			;;
		ns)
			if [ -e "/run/netns/$val" ]; then
				ip netns pids "$val" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
				ip netns del "$val" 2>/dev/null
				what="$what netns $val"
			fi
			;;
		esac
	done <"$2"
	if [ -n "$what" ]; then
		echo "FAIL: $1: left behind (removed by run.sh):$what"
		return 1
	fi
	return 0
}

# Sanitizer reports: a binary built with ASan/UBSan (make sanitize) writes
# each report to a file of its own under the test's directory (log_path:
# NAME.PID), a background daemon's too, whose stderr no test reads. Each
# file found once the test has ended is a FAIL. Binaries built without the
# sanitizers ignore these variables.
sanitizer_reports() { # NAME DIR
	local f what=0
	for f in "$2"/*; do
		[ -e "$f" ] || continue
		echo "FAIL: $1: sanitizer report $(basename "$f"):"
		sed -n '1,60s/^/# /p' "$f"
		what=1
	done
	[ "$what" -eq 0 ]
}

passed=0 failed=0 bad=0
log=$(mktemp /tmp/ww-e2e-run.XXXXXX)
state=$(mktemp /tmp/ww-e2e-state.XXXXXX)
sanlogs=$(mktemp -d /tmp/ww-e2e-san.XXXXXX)
asan_options=${ASAN_OPTIONS:-} ubsan_options=${UBSAN_OPTIONS:-}
tpid=
trap 'rm -rf "$log" "$state" "$sanlogs"' EXIT
# Interrupted: stop the running test through timeout (TERM: its trap cleans up).
trap '[ -n "$tpid" ] && kill -TERM "$tpid" 2>/dev/null && wait "$tpid"; sleep 0.2; exit 130' INT TERM
for t in "${tests[@]}"; do
	name=$(basename "$t" .sh)
	echo "=== $name"
	start=$(date +%s%N)
	: >"$state"
	# To a file, followed by tail: a leftover background process holding
	# the output open cannot keep run.sh waiting (as a pipe would).
	: >"$log"
	mkdir -p "$sanlogs/$name"
	ASAN_OPTIONS=${asan_options:+$asan_options:}log_exe_name=1:log_path=$sanlogs/$name/asan \
	UBSAN_OPTIONS=${ubsan_options:+$ubsan_options:}log_exe_name=1:log_path=$sanlogs/$name/ubsan \
	WW_E2E_STATE=$state timeout -k 5 "$limit" bash "$t" </dev/null >"$log" 2>&1 &
	tpid=$!
	tail -s 0.1 -n +1 -f --pid="$tpid" "$log" &
	tailpid=$!
	{ wait "$tpid"; } 2>/dev/null # interruptible by the INT/TERM trap
	rc=$?
	wait "$tailpid"
	if ! leftovers "$name" "$state"; then
		failed=$((failed + 1))
		bad=1
	fi
	if ! sanitizer_reports "$name" "$sanlogs/$name"; then
		failed=$((failed + 1))
		bad=1
	fi
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	p=$(grep -c '^PASS: ' "$log")
	f=$(grep -c '^FAIL: ' "$log")
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$rc" -eq 124 ]; then
		echo "FAIL: $name: timed out after $limit s"
		failed=$((failed + 1))
		bad=1
	elif [ "$rc" -ne 0 ]; then
		if [ "$f" -eq 0 ]; then
			echo "FAIL: $name: exited $rc without a FAIL line"
			failed=$((failed + 1))
		fi
		bad=1
	fi
	echo "=== $name: exit $rc, $p passed, $f failed, ${ms} ms"
done
[ ${#tests[@]} -gt 0 ] || { echo "FAIL: run.sh: no tests found"; failed=$((failed + 1)); }
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$bad" -eq 0 ]
