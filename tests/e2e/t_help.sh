#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The command line: --help of every subcommand (exit 0, usage on stdout),
# every option it lists taken, usage errors (exit 2, one line on stderr
# naming the bad value, nothing on stdout), and the error when not root
# (exit 1, mentions root/CAP_BPF).
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
	elif LC_ALL=C grep -q '[[:cntrl:]]' "$err"; then
		fail "$name" "a control byte on stderr: $(od -c "$err" | head -c 300)"
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

# Every option a command's --help lists, it takes: each one, long and short,
# with a sample value, then --help (so that nothing runs), must print the
# usage. A value name without a sample here fails, so that a new one comes
# with its sample.
declare -A sample=(
	[N]=24 [SECS]=2s [SIZE]=1M [STATE]=time-wait ['S[,S]']='close-wait,time-wait'
	[KEY]=remote [CIDR]=198.51.100.0/24 [INODE]=4026531840 [PID]=1
	[FILE]=$WW_TMP/sample.wwr [ADDR:PORT]=127.0.0.1:10061 [TIME]=+1s
	[USER]=nobody ['L[,L]']=container,pod [GROUP]=unit
)
# "  -i, --interval SECS  text" or "      --once  text": the letter, name, value name
listed='^  (-(.), |    )--([a-z0-9.-]+)( ([^ ]+))?( |$)'

# takes SUB OPTION...: `waitwatch SUB OPTION... --help` prints SUB's usage;
# else one FAIL line with what it said.
takes() {
	local s=$1
	shift
	run "$s" "$@" --help
	if [ "$RC" -ne 0 ] || ! head -n1 "$out" | grep -q "^Usage: waitwatch $s "; then
		fail "takes-$s" "waitwatch $s $* --help exited $RC: $(head -c 300 "$err")"
		return 1
	fi
}

for s in $subs; do
	n=0 bad=0
	while IFS= read -r line; do
		[[ $line =~ $listed ]] || continue
		letter=${BASH_REMATCH[2]} name=${BASH_REMATCH[3]} arg=${BASH_REMATCH[5]}
		value=()
		if [ -n "$arg" ]; then
			if [ -z "${sample[$arg]+set}" ]; then
				fail "takes-$s" "no sample value for $arg (--$name): add one"
				bad=$((bad + 1))
				continue
			fi
			value=("${sample[$arg]}")
		fi
		n=$((n + 1))
		takes "$s" "--$name" "${value[@]}" || bad=$((bad + 1))
		if [ -n "$letter" ]; then
			takes "$s" "-$letter" "${value[@]}" || bad=$((bad + 1))
		fi
	done < <("$WW" "$s" --help)
	if [ "$n" -eq 0 ]; then
		fail "takes-$s" "found no option in 'waitwatch $s --help'"
	elif [ "$bad" -eq 0 ]; then
		pass "takes-$s: all $n options its --help lists"
	fi
done

usage_err trace-port-range 70000 trace --port 70000
usage_err trace-port-zero "'0'" trace --port 0
usage_err trace-lport-junk 80x trace --lport 80x
usage_err trace-addr 300.1.1.1 trace --addr 300.1.1.1/33
usage_err trace-addr-prefix 33 trace --addr 198.51.100.0/33
# an argument's escape sequence or newline is not echoed to the terminal
usage_err port-escape "?[2J?[31m" trace --port $'\e[2J\e[31m'
usage_err unknown-newline "a?b" trace $'--a\nb'
usage_err command-escape "unknown command" $'\e]0;x\a'
# a value that is an option is refused, not swallowed as a file name
usage_err serve-record-option "not an option" serve --record --help
usage_err record-output-option "not an option" record -o --duration 1s
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
