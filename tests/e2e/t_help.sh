#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The command line: --help of every subcommand (exit 0, usage on stdout),
# usage errors (exit 2, one line on stderr naming the bad value, nothing on
# stdout), and the error when not root (exit 1, mentions root/CAP_BPF).
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck disable=SC2119 # no tools of its own to check
ww_require

out=$WW_TMP/out err=$WW_TMP/err

# run ARGS...: run waitwatch (10 s at most), stdout/stderr to files, RC set.
run() {
	timeout -k 2 10 "$WW" "$@" >"$out" 2>"$err" </dev/null
	RC=$?
}

# usage_ok NAME HEAD ARGS...: exit 0, stderr empty, the first line of
# stdout is HEAD or HEAD followed by a space and more (the synopsis).
usage_ok() {
	local name=$1 head=$2
	shift 2
	run "$@"
	if [ "$RC" -ne 0 ]; then
		fail "$name" "waitwatch $* exited $RC, expected 0; stderr: $(head -c 300 "$err")"
	elif ! head -n1 "$out" | grep -qxF -- "$head" &&
		! head -n1 "$out" | grep -q "^$head "; then
		fail "$name" "first line '$(head -n1 "$out")', expected '$head ...'"
	elif [ -s "$err" ]; then
		fail "$name" "stderr not empty: $(head -c 300 "$err")"
	else
		pass "$name"
	fi
}

# usage_err NAME WORD ARGS...: exit 2, nothing on stdout, exactly one line on
# stderr starting "waitwatch: " and containing WORD.
usage_err() {
	local name=$1 word=$2 lines
	shift 2
	run "$@"
	lines=$(wc -l <"$err")
	if [ "$RC" -ne 2 ]; then
		fail "$name" "waitwatch $* exited $RC, expected 2; stderr: $(head -c 300 "$err")"
	elif [ -s "$out" ]; then
		fail "$name" "stdout not empty: $(head -c 300 "$out")"
	elif [ "$lines" -ne 1 ]; then
		fail "$name" "$lines lines on stderr, expected 1: $(head -c 300 "$err")"
	elif ! grep -q '^waitwatch: ' "$err" || ! grep -qF -- "$word" "$err"; then
		fail "$name" "stderr '$(cat "$err")' lacks 'waitwatch: ' or '$word'"
	else
		pass "$name"
	fi
}

usage_ok help "Usage: waitwatch COMMAND [OPTIONS]" --help
usage_ok help-short "Usage: waitwatch COMMAND [OPTIONS]" -h

# The subcommands are those `waitwatch --help` lists under "Commands:".
subs=$("$WW" --help | awk '/^Commands:/ { c = 1; next } c && /^$/ { exit }
	c && /^  [a-z]/ { print $1 }')
case " ${subs//$'\n'/ } " in
*" trace "*) pass help-lists-trace ;;
*) fail help-lists-trace "'waitwatch --help' lists no trace command: '$subs'" ;;
esac
for s in $subs; do
	usage_ok "help-$s" "Usage: waitwatch $s" "$s" --help
	usage_ok "help-$s-short" "Usage: waitwatch $s" "$s" -h
	usage_err "bad-option-$s" "--no-such-option" "$s" --no-such-option
done

usage_err trace-port-range 70000 trace --port 70000
usage_err trace-port-zero "'0'" trace --port 0
usage_err trace-lport-junk 80x trace --lport 80x
usage_err trace-addr 300.1.1.1 trace --addr 300.1.1.1/33
usage_err trace-addr-prefix 33 trace --addr 198.51.100.0/33
usage_err trace-state foo trace --state foo
usage_err trace-duration -1 trace --duration -1
usage_err trace-netns-junk abc trace --netns abc
usage_err trace-missing-arg port trace --port
usage_err trace-extra-arg extra trace extra
usage_err unknown-command frobnicate frobnicate

# Not root: exit 1, one message naming what is missing.
run_nobody() {
	timeout -k 2 10 setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$WW" trace --duration 1 >"$out" 2>"$err" </dev/null
	RC=$?
}
run_nobody
if [ "$RC" -ne 1 ]; then
	fail not-root "exit $RC, expected 1; stderr: $(head -c 300 "$err")"
elif ! grep -qiE 'root|CAP_BPF' "$err"; then
	fail not-root "stderr does not mention root or CAP_BPF: $(head -c 300 "$err")"
elif [ -s "$out" ]; then
	fail not-root "stdout not empty: $(head -c 300 "$out")"
else
	pass not-root
fi
