#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The OCI image (make image, docs/deploy/Containerfile) run as a fleet runs it:
# - built once from this tree's static binary, under a tag of this run's own;
#   nothing in it but /waitwatch and /etc/{passwd,group}, labelled with the
#   Makefile's version and the revision, ENTRYPOINT /waitwatch serve;
# - run with only the capabilities docs/security.md names (--cap-drop all
#   --cap-add ...), never --privileged, the runtime's own seccomp profile,
#   no_new_privs, host network and pid namespaces, a read-only root, the
#   exporter on 127.0.0.1 only;
# - inside, the steady state of docs/security.md: every thread nobody, with
#   CAP_SYS_ADMIN, CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH only, an empty
#   bounding set, the runtime's seccomp filter and its own;
# - its /metrics counts the TIME_WAIT and CLOSE_WAIT sockets of a namespace
#   the test made (entered from the container with setns) as ss does, and
#   the TIME_WAIT sockets of one that only its bind mount in /run/netns
#   holds (the DaemonSet's mount of /run/netns, as here);
# - with the steady state's capabilities alone (CAP_SYS_ADMIN loads the
#   programs, but nothing lets it become nobody), it stops with one line
#   and exit 1.
# The container and the image go in the EXIT trap.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/podman.sh"
ww_require "$LOADGEN" podman buildah runc curl ss make

# docs/security.md: the load (CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN), the drop
# to nobody (CAP_SETUID, CAP_SETGID, CAP_SETPCAP), the steady state
# (CAP_SYS_ADMIN, CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH)
CAPS=CAP_BPF,CAP_PERFMON,CAP_SYS_ADMIN,CAP_SETUID,CAP_SETGID,CAP_SETPCAP,CAP_SYS_PTRACE,CAP_DAC_READ_SEARCH
# CapEff of the steady state (bits 21, 19, 2), as t_privs.sh
SWEEPS=0000000000280004
VERSION=$(sed -n 's/^VERSION := //p' "$WW_ROOT/Makefile")
IMAGE=localhost/waitwatch-e2e:$$
NAME=waitwatch-e2e-$$

# podman's defaults (1048576 open files) exceed this host's hard limits
nofile=$(ulimit -Hn) nproc=$(ulimit -Hu)
[ "$nofile" == unlimited ] || [ "$nofile" -gt 8192 ] && nofile=8192
[ "$nproc" == unlimited ] || [ "$nproc" -gt 4096 ] && nproc=4096
LIMITS=(--ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc")

ww_state image "$IMAGE"
ww_at_exit "ww_podman rmi -f $IMAGE >/dev/null 2>&1"
t0=$(date +%s%N)
make -s -C "$WW_ROOT" image IMAGE="$IMAGE" >"$WW_TMP/build.log" 2>&1 ||
	fatal image-build "make image failed: $(tail -c 800 "$WW_TMP/build.log")"
pass "make image builds $IMAGE in $(( ($(date +%s%N) - t0) / 1000000 )) ms"

# ---- what the image holds ------------------------------------------------------

label() {
	ww_podman image inspect --format "{{index .Labels \"$1\"}}" "$IMAGE"
}
# the binary inside says its version and revision
inside=$(ww_podman run --rm "${LIMITS[@]}" --network none --entrypoint /waitwatch "$IMAGE" --version 2>&1)
assert_eq "label org.opencontainers.image.version is the Makefile's and the binary's" \
	"$VERSION $VERSION" "$(label org.opencontainers.image.version) $(awk '{ print $2 }' <<<"$inside")"
assert_eq "label org.opencontainers.image.revision is the binary's" \
	"$(sed -n 's/.*(git \([0-9a-f]*\),.*/\1/p' <<<"$inside")" \
	"$(label org.opencontainers.image.revision)"
assert_eq "ENTRYPOINT is /waitwatch serve, loopback by default" \
	'["/waitwatch","serve"] ["--listen","127.0.0.1:10061"]' \
	"$(ww_podman image inspect --format '{{json .Config.Entrypoint}} {{json .Config.Cmd}}' "$IMAGE")"
# the files of the image, from its one layer (FROM scratch)
mnt=$(ww_podman image mount "$IMAGE") || fatal image-files "podman image mount failed"
files=$(cd "$mnt" && find . -mindepth 1 \( -type f -o -type l \) | sort | tr '\n' ' ')
ww_podman image unmount "$IMAGE" >/dev/null
assert_eq "the image holds the binary and passwd, group only (no shell)" \
	"./etc/group ./etc/passwd ./waitwatch " "$files"

# ---- the workload ---------------------------------------------------------------


# A namespace whose processes are gone before the container starts: only
# its bind mount in /run/netns keeps it and its TIME_WAIT sockets, so the
# container's first sweep finds them through its mount of /run/netns or not
# at all (no event of theirs comes after the start).
ww_ns_churn early
NS_EARLY=$NS INO_EARLY=$INO
ww_lg_server 8001 close-after-eof 50
EARLY_SRV=$!
ww_lg_clients 8001 60
ww_stop "$EARLY_SRV" TERM
early_counts() {
	ip netns exec "$NS_EARLY" ss -tanH state time-wait dst 127.0.0.1:8001 | wc -l
}
wait_for "[ \"\$(early_counts)\" -ge 50 ]" 5

ww_ns_churn image
# TIME_WAIT on the client side towards 8001, CLOSE_WAIT held by the server on
# 8004; the servers stay, so the container finds the namespace by their pids
ww_lg_server 8001 close-after-eof 50
ww_lg_server 8004 hold 50

# ---- the container ------------------------------------------------------------

# run_image NAME PORT [CAPS]: the image as docs/deploy runs it, detached,
# with the node's BTF and /run/netns (its bind mounts of namespaces that no
# process holds, propagated from the host as they come)
run_image() {
	ww_podman run -d --name "$1" "${LIMITS[@]}" --cap-drop all ${3:+--cap-add "$3"} \
		--security-opt no-new-privileges --network host --pid host --read-only \
		-v /sys/kernel/btf:/sys/kernel/btf:ro -v /run/netns:/run/netns:ro,rslave \
		"$IMAGE" --listen "127.0.0.1:$2" -i 1 >"$WW_TMP/run.$1" 2>&1
}

PORT=$(free_port) || fatal ports "no free port in 20000-29999"
URL=http://127.0.0.1:$PORT
ww_state container "$NAME"
ww_at_exit "ww_podman rm -f -t 1 $NAME >/dev/null 2>&1"
run_image "$NAME" "$PORT" "$CAPS" ||
	fatal container "podman run failed: $(head -c 800 "$WW_TMP/run.$NAME")"
running() {
	[ "$(ww_podman inspect --format '{{.State.Running}}' "$NAME" 2>/dev/null)" == true ]
}
if ! wait_for "[ \"\$(http_code $URL/metrics)\" == 200 ] || ! running" 20 || ! running; then
	fatal container "not serving /metrics after 20 s: $(ww_podman logs "$NAME" 2>&1 | head -c 800)"
fi
pass "the container serves /metrics on 127.0.0.1:$PORT"
# the static binary has no WebSocket framing (no static libwslay): an
# upgrade gets 501, and the page is still served, to poll the JSON API
ws_code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
	-H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' "$URL/api/v1/ws")
assert_eq "the image's WebSocket upgrade gets 501, page $(http_code "$URL/"), diagram $(http_code "$URL/api/v1/diagram")" \
	"501 200 200" "$ws_code $(http_code "$URL/") $(http_code "$URL/api/v1/diagram")"

pid=$(ww_podman inspect --format '{{.State.Pid}}' "$NAME")
cfg=$(ww_podman inspect --format '{{.HostConfig.Privileged}} {{.HostConfig.ReadonlyRootfs}} {{.HostConfig.NetworkMode}} {{.HostConfig.PidMode}}' "$NAME")
assert_eq "not privileged, read-only root, host network and pids" "false true host host" "$cfg"
listen=$(ss -tlnH "( sport = :$PORT )" | awk '{ print $4 }' | sort -u | tr '\n' ' ')
assert_eq "listens on loopback only" "127.0.0.1:$PORT " "$listen"

# every thread: "Uid CapEff CapBnd NoNewPrivs Seccomp Seccomp_filters"
threads=$(for t in /proc/"$pid"/task/*; do
	awk '/^Uid:/ { u = $2 } /^CapEff:/ { e = $2 } /^CapBnd:/ { b = $2 }
		/^NoNewPrivs:/ { n = $2 } /^Seccomp:/ { s = $2 } /^Seccomp_filters:/ { f = $2 }
		END { print u, e, b, n, s, f }' "$t/status"
done | sort -u)
assert_eq "every thread: nobody, the sweeps' capabilities, no bounding set, no_new_privs, two seccomp filters (the runtime's, its own)" \
	"65534 $SWEEPS 0000000000000000 1 2 2" "$threads"

# ---- counts against ss ----------------------------------------------------------

ww_lg_clients 8001 120
ww_lg_clients 8004 40
# the closes settle (each client socket reaches TIME_WAIT once the server closed)
wait_for "[ \"\$(ip netns exec $NS ss -tanH state time-wait dst 127.0.0.1:8001 | wc -l)\" -ge 110 ]" 5
ss_counts() { # "TIME_WAIT CLOSE_WAIT" in the namespace now
	echo "$(ip netns exec "$NS" ss -tanH state time-wait dst 127.0.0.1:8001 | wc -l)" \
		"$(ip netns exec "$NS" ss -tanH state close-wait src 127.0.0.1:8004 | wc -l)"
}
metric() { # FILE NAME: the value of the one sample of NAME (a selector's text) in FILE
	awk -v m="$2" '$1 == m { print $2 }' "$1"
}
TW="waitwatch_sockets{endpoint=\"127.0.0.1:8001\",direction=\"out\",netns=\"$INO\",state=\"TIME_WAIT\"}"
CW="waitwatch_sockets{endpoint=\"127.0.0.1:8004\",direction=\"in\",netns=\"$INO\",state=\"CLOSE_WAIT\"}"
# page_vs_ss COUNTS: read ss (COUNTS, a function), then a page of a sweep
# surely later (two more sweeps than the page served after the read counts)
# into $WW_TMP/page, then ss again: until both reads agree, 3 times at
# most. The counts are left in SS.
page_vs_ss() {
	local n0 _
	for _ in 1 2 3; do
		SS=$($1)
		n0=$(curl -s -m 3 "$URL/metrics" | awk '$1 == "waitwatch_sweeps_total" { print $2 }')
		[ -n "$n0" ] || fatal vs-ss "no waitwatch_sweeps_total on $URL/metrics"
		wait_for "curl -s -m 3 $URL/metrics >$WW_TMP/page &&
			[ \"\$(metric $WW_TMP/page waitwatch_sweeps_total)\" -ge $((n0 + 2)) ]" 10 ||
			fatal vs-ss "no page after sweep $((n0 + 2)) within 10 s"
		[ "$($1)" == "$SS" ] && return 0
	done
	fail "$1" "ss changed around each of 3 scrapes"
}
page_vs_ss ss_counts
read -r ss_tw ss_cw <<<"$SS"
if [ "$ss_tw" -ge 110 ]; then
	pass "ss shows $ss_tw TIME_WAIT towards 127.0.0.1:8001 (>= 110 of 120)"
else
	fail tw-made "only $ss_tw TIME_WAIT of 120; states: $(ip netns exec "$NS" ss -tanH |
		awk '{ n[$1]++ } END { for (s in n) printf "%s %d ", s, n[s] }')"
fi
assert_eq "TIME_WAIT towards 127.0.0.1:8001 in the test's namespace: the container's /metrics as ss" \
	"$ss_tw" "$(metric "$WW_TMP/page" "$TW")"
assert_eq "CLOSE_WAIT on 127.0.0.1:8004 in the test's namespace: the container's /metrics as ss" \
	"$ss_cw" "$(metric "$WW_TMP/page" "$CW")"
assert_match "waitwatch_build_info names version $VERSION and tp_btf" \
	"version=\"$VERSION\".*program=\"tp_btf\"|program=\"tp_btf\".*version=\"$VERSION\"" \
	"$(grep '^waitwatch_build_info' "$WW_TMP/page")"

page_vs_ss early_counts
early_tw=$SS
ETW="waitwatch_sockets{endpoint=\"127.0.0.1:8001\",direction=\"out\",netns=\"$INO_EARLY\",state=\"TIME_WAIT\"}"
if [ -n "$(ip netns pids "$NS_EARLY")" ] || [ "$early_tw" -lt 50 ]; then
	fail early-made "$early_tw TIME_WAIT of 60, pids $(ip netns pids "$NS_EARLY" | tr '\n' ' ')"
fi
assert_eq "a namespace that only its bind mount in /run/netns holds: its $early_tw TIME_WAIT as ss" \
	"$early_tw" "$(metric "$WW_TMP/page" "$ETW")"

ww_podman stop -t 5 "$NAME" >/dev/null 2>&1
assert_eq "SIGTERM: the container exits 0" 0 \
	"$(ww_podman inspect --format '{{.State.ExitCode}}' "$NAME")"

# ---- without the capabilities -----------------------------------------------------

# the steady state's three alone: CAP_SYS_ADMIN loads the programs, then
# becoming nobody takes CAP_SETUID and CAP_SETGID: one line, exit 1
NAME2=$NAME-nocaps
ww_state container "$NAME2"
ww_at_exit "ww_podman rm -f -t 1 $NAME2 >/dev/null 2>&1"
run_image "$NAME2" "$(free_port "$PORT")" CAP_SYS_ADMIN,CAP_SYS_PTRACE,CAP_DAC_READ_SEARCH ||
	fatal nocaps "podman run failed: $(head -c 800 "$WW_TMP/run.$NAME2")"
wait_for "[ \"\$(ww_podman inspect --format '{{.State.Running}}' $NAME2)\" == false ]" 10
assert_eq "without the drop's capabilities: exit 1" 1 \
	"$(ww_podman inspect --format '{{.State.ExitCode}}' "$NAME2")"
logs=$(ww_podman logs "$NAME2" 2>&1)
assert_match "without the drop's capabilities: one line that names CAP_SETUID" \
	'^waitwatch: cannot become user nobody .*CAP_SETUID[^
]*$' "$logs"
