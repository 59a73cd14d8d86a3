#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# smoke.sh OUTPUT SECONDS FUZZER...: each libFuzzer target for SECONDS on
# its corpus (tests/fuzz/corpus/NAME, and what it found before under
# OUTPUT/fuzz/corpus-NAME), as many at once as there are CPUs, so that the
# smoke run of make test costs the time of the slowest, not the sum.
# Prints each one's last line; a crash prints the end of its log and fails.
set -u
out=$1 secs=$2
shift 2
jobs=$(nproc)
pids=() names=()

finish() { # INDEX: wait for that fuzzer, report it
	local n=${names[$1]} log=$out/fuzz/${names[$1]}.log
	if wait "${pids[$1]}"; then
		echo "  FUZZ     $n for $secs s: $(grep -E '^#[0-9]+.*DONE' "$log" | tail -1)"
	else
		echo "  FUZZ     $n FAILED:"
		tail -40 "$log"
		rc=1
	fi
}

rc=0 first=0
for f in "$@"; do
	n=$(basename "$f")
	mkdir -p "$out/fuzz/corpus-$n"
	"$f" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=1024 \
		-artifact_prefix="$out/fuzz/" -print_final_stats=0 \
		"$out/fuzz/corpus-$n" "tests/fuzz/corpus/$n" >"$out/fuzz/$n.log" 2>&1 &
	pids+=($!) names+=("$n")
	if [ $((${#pids[@]} - first)) -ge "$jobs" ]; then
		finish "$first"
		first=$((first + 1))
	fi
done
for ((i = first; i < ${#pids[@]}; i++)); do
	finish "$i"
done
exit "$rc"
