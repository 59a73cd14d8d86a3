#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The exactness tests once more on the classic tracepoint, the fallback for
# kernels without tp_btf: t_top, t_serve, t_record and t_trace with
# WW_E2E_CLASSIC=1, under which lib.sh gives every live command (top,
# serve, record, trace) --classic and expects the program it names to be
# "tracepoint". Their lines come prefixed "classic: "; run.sh counts them
# with the others. Each runs as its own bash process under `timeout` (the
# limits add up to less than run.sh's 120 s for this script) and cleans up
# by its own trap; its namespaces and processes are in run.sh's state file
# too.
set -u
export LC_ALL=C
dir=$(cd "$(dirname "$0")" && pwd)
export WW_E2E_CLASSIC=1

out=$(mktemp /tmp/ww-e2e-classic.XXXXXX)
trap 'rm -f "$out"' EXIT
rc=0
# test:seconds, about twice what each takes
for t in t_top:25 t_serve:40 t_record:25 t_trace:25; do
	name=${t%%:*} limit=${t#*:}
	echo "# $name with --classic"
	timeout -k 5 "$limit" bash "$dir/$name.sh" </dev/null >"$out" 2>&1
	trc=$?
	cat "$out"
	if [ "$trc" -eq 124 ]; then
		echo "FAIL: classic: $name: timed out after $limit s"
	elif [ "$trc" -ne 0 ] && ! grep -q '^FAIL: ' "$out"; then
		echo "FAIL: classic: $name: exited $trc without a FAIL line"
	fi
	[ "$trc" -eq 0 ] || rc=1
done
exit "$rc"
