#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Sockets named by the container, pod and systemd unit of their cgroup.
# Three servers hold CLOSE_WAIT sockets in one namespace of the test's:
# a. a real podman container (runc, cgroupfs driver: /libpod_parent/libpod-<id>)
#    from an image built FROM scratch holding loadgen linked statically,
#    joined to the test's namespace (loopback only);
# b. a process in a cgroup named like a systemd unit
#    (/ww-test-PID.slice/ww-echo.service);
# c. a process in a cgroup named like a Kubernetes besteffort pod's
#    containerd container (.../kubepods-besteffort-pod<uid>.slice/
#    cri-containerd-<64 hex>.scope): shown by its pod uid and container id
#    while no runtime names it, then by the names of the CRI annotations of
#    a task bundle the test writes where containerd keeps them
#    (/run/containerd/io.containerd.runtime.v2.task/<namespace>/<id>).
# leaks names each (the container by its podman name, the pod by its uid,
# the unit), with the count ss shows, and --by unit makes the unit's two
# processes one row; top --by container, pod, unit counts
# each row as ss does (--by unit also without CAP_DAC_READ_SEARCH, where a
# walk of the cgroup2 mount stands in for file handles); serve --labels puts
# them on /metrics; trace --json
# names the container when its process closes them (SIGUSR1: loadgen lets
# its sockets go, and lives on).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
STATIC=$WW_OUTPUT/tools/loadgen-static
ww_require ss podman runc curl setpriv "$STATIC"
T=$WW_TMP

# the cgroup2 mount: anywhere on a hybrid host (the field after " - " is the type)
CG_MNT=$(awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") { print $5; exit } break } }' \
	/proc/self/mountinfo)
[ -n "$CG_MNT" ] || fatal cgroup2 "no cgroup2 file system mounted"
SLICE=ww-test-$$.slice
UNIT_CG=$CG_MNT/$SLICE/ww-echo.service
POD_UID=$(cat /proc/sys/kernel/random/uuid)
CTR_ID=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
POD_SLICE=kubepods-besteffort-pod${POD_UID//-/_}.slice
POD_REL=/$SLICE/kubepods.slice/kubepods-besteffort.slice/$POD_SLICE/cri-containerd-$CTR_ID.scope
POD_CG=$CG_MNT$POD_REL
TASKS=/run/containerd/io.containerd.runtime.v2.task/ww-e2e-$$
LIBPOD_PARENT_NEW=
[ -d "$CG_MNT/libpod_parent" ] || LIBPOD_PARENT_NEW=1
IMAGE=localhost/ww-e2e-$$:1
CTR=ww-e2e-$$
PODMAN=(podman --runtime runc --cgroup-manager cgroupfs --events-backend file)
N=4

# every process of a cgroup tree, then the tree, deepest first
cg_remove() {
	local dir
	[ -d "$1" ] || return 0
	# shellcheck disable=SC2046 # one pid a word
	ww_end $(find "$1" -name cgroup.procs -exec cat {} + 2>/dev/null)
	while read -r dir; do
		wait_for "rmdir '$dir' 2>/dev/null || [ ! -d '$dir' ]" 3 ||
			fail cleanup "cgroup $dir not removed: $(cat "$dir/cgroup.procs" 2>&1)"
	done < <(find "$1" -depth -type d)
}

t_containers_cleanup() {
	local rc=$?
	[ "$BASHPID" == "$$" ] || exit "$rc"
	"${PODMAN[@]}" rm -f -t 0 "$CTR" >/dev/null 2>&1
	"${PODMAN[@]}" rmi -f "$IMAGE" >/dev/null 2>&1
	cg_remove "$CG_MNT/$SLICE"
	rm -rf "$TASKS"
	# podman's parent cgroup, if it made it for this container (rmdir fails while in use)
	[ -n "$LIBPOD_PARENT_NEW" ] && rmdir "$CG_MNT/libpod_parent" 2>/dev/null
	rmdir /run/containerd/io.containerd.runtime.v2.task /run/containerd 2>/dev/null
	(exit "$rc")
	ww_cleanup
}
trap t_containers_cleanup EXIT

# close_wait PORT: the CLOSE_WAIT sockets of the server on PORT, as ss counts them
close_wait() {
	ip netns exec "$NS" ss -Htan state close-wait "( sport = :$1 )" 2>/dev/null | wc -l
}

listening() {
	[ -n "$(ip netns exec "$NS" ss -Hltn "( sport = :$1 )" 2>/dev/null)" ]
}

# in_cgroup NAME DIR PORT: tcpdrive server -m hold on PORT, started inside DIR
in_cgroup() {
	mkdir -p "$2" || fatal "$1" "mkdir $2 failed"
	sh -c 'cg=$1; shift; echo $$ >"$cg/cgroup.procs" || exit 1; exec "$@"' sh "$2" \
		ip netns exec "$NS" "$TCPDRIVE" server -a 127.0.0.1 -p "$3" -n $N -m hold \
		--timeout 50 >"$T/$1.out" 2>&1 &
	ww_bg $!
	wait_for "listening $3" 5 || fatal "$1" "server on $3 not listening: $(cat "$T/$1.out")"
}

# hold NAME PORT [ARGS]: N clients connect and close; wait for N CLOSE_WAIT sockets
hold() {
	ww_tcpdrive "$NS" client -a 127.0.0.1 -p "$2" -n $N "${@:3}" >"$T/$1-client.out" 2>&1 ||
		fatal "$1" "clients: $(cat "$T/$1-client.out")"
	wait_for "[ \$(close_wait $2) -eq $N ]" 5 ||
		fatal "$1" "$(close_wait "$2") CLOSE_WAIT sockets on $2, expected $N"
}

ww_ns_main c

# ---- a. the container ------------------------------------------------------------

mkdir "$T/image" && cp "$STATIC" "$T/image/loadgen" || fatal image "copy $STATIC"
printf 'FROM scratch\nCOPY loadgen /loadgen\nENTRYPOINT ["/loadgen"]\n' >"$T/image/Containerfile"
t0=$(date +%s%N)
timeout 60 "${PODMAN[@]}" build -q -t "$IMAGE" "$T/image" >"$T/build.out" 2>&1 ||
	fatal image "podman build: $(tail -5 "$T/build.out")"
# the container's limits under this host's hard ones; its network the test's namespace
timeout 30 "${PODMAN[@]}" run -d --name "$CTR" --network "ns:/run/netns/$NS" \
	--ulimit "nofile=1024:1024" --ulimit "nproc=256:256" "$IMAGE" \
	server -a 127.0.0.1 -p 8500 -m hold -t 50 >"$T/run.out" 2>&1 ||
	fatal container "podman run: $(tail -5 "$T/run.out")"
wait_for "listening 8500" 10 ||
	fatal container "not listening: $("${PODMAN[@]}" logs "$CTR" 2>&1 | tail -3)"
echo "# image and container started in $((($(date +%s%N) - t0) / 1000000)) ms"
CID=$("${PODMAN[@]}" inspect -f '{{.Id}}' "$CTR")
CPID=$("${PODMAN[@]}" inspect -f '{{.State.Pid}}' "$CTR")
assert_eq "a: the container's cgroup (cgroupfs driver)" "/libpod_parent/libpod-$CID" \
	"$(sed -n 's/^0:://p' "/proc/$CPID/cgroup")"
hold a 8500 --no-greeting # loadgen sends none

# ---- b. a systemd unit's cgroup, c. a pod's --------------------------------------

in_cgroup unit "$UNIT_CG" 8501
hold b 8501
in_cgroup pod "$POD_CG" 8502
hold c 8502
# a second process of the unit, for leaks --by unit
in_cgroup unit2 "$UNIT_CG" 8503
hold b2 8503

# ---- leaks: each owner named, with ss's count --------------------------------------

"$WW" leaks --json --min-age 0 --netns "$INO" >"$T/leaks.json" 2>"$T/leaks.err"
assert_eq "leaks --json exits 0, four owners" "0 4" "$? $(jq -s length "$T/leaks.json")"
owner() { jq -c "select($1)" "$T/leaks.json"; }
row=$(owner ".container_id == \"$CID\"")
assert_eq "a: leaks: container name, runtime, count = ss" "$CTR podman $(close_wait 8500)" \
	"$(jq -r '"\(.container) \(.runtime) \(.count)"' <<<"$row")"
row=$(owner ".unit == \"ww-echo.service\" and .fds_more == 0 and (.peers | length) == 1 and .count == $N" | head -1)
assert_eq "b: leaks: unit, cgroup, count = ss" "/$SLICE/ww-echo.service $(close_wait 8501)" \
	"$(jq -r '"\(.cgroup) \(.count)"' <<<"$row")"
row=$(owner ".pod_uid == \"$POD_UID\"")
assert_eq "c: leaks: pod (its uid: no runtime names it), qos, container id, count = ss" \
	"$POD_UID besteffort $CTR_ID ${CTR_ID:0:12} $(close_wait 8502)" \
	"$(jq -r '"\(.pod) \(.qos) \(.container_id) \(.container) \(.count)"' <<<"$row")"
"$WW" leaks --min-age 0 --netns "$INO" >"$T/leaks.txt" 2>&1
assert_match "a: leaks table names the container" "^[0-9]+ +loadgen +$CTR +[0-9,.()+]+ +CLOSE_WAIT +$N " \
	"$(grep " $CTR " "$T/leaks.txt")"
assert_match "b: leaks table names the unit" "^[0-9]+ +tcpdrive +ww-echo\.service +" \
	"$(grep " ww-echo.service " "$T/leaks.txt")"

# --by unit: the unit's two processes one row, its heaviest owner's pid and the other counted
"$WW" leaks --json --by unit --min-age 0 --netns "$INO" >"$T/leaks-unit.json" 2>"$T/leaks-unit.err"
assert_eq "b: leaks --by unit: of four owners, the unit's two processes one" "0 3" \
	"$? $(jq -s length "$T/leaks-unit.json")"
assert_eq "b: leaks --by unit: owners, count = ss of both" "2 $(($(close_wait 8501) + $(close_wait 8503)))" \
	"$(jq -r 'select(.unit == "ww-echo.service") | "\(.owners) \(.count)"' "$T/leaks-unit.json")"
"$WW" leaks --by unit --min-age 0 --netns "$INO" >"$T/leaks-unit.txt" 2>&1
assert_match "b: leaks --by unit table: pid+1, the unit, both counts" \
	"^[0-9]+\+1 +tcpdrive +ww-echo\.service +[0-9,.()+]+ +CLOSE_WAIT +$((2 * N)) " \
	"$(grep " ww-echo.service " "$T/leaks-unit.txt")"

# ---- top --by container, pod, unit --------------------------------------------------

# top_cw BY ENDPOINT: that row's CLOSE_WAIT count in one refresh
TOP_AS=() # what top_cw runs top under
top_cw() {
	"${TOP_AS[@]}" "$WW" top "${WW_LIVE[@]}" --once -i 0.5 --json --by "$1" --netns "$INO" >"$T/top-$1.json" \
		2>"$T/top-$1.err" || echo "exit $?: $(head -c 300 "$T/top-$1.err")"
	jq -r "select(.type == \"endpoint\" and .endpoint == \"$2\") | .states.CLOSE_WAIT" \
		"$T/top-$1.json"
}
assert_eq "a: top --by container: the container's row = ss" "$(close_wait 8500)" \
	"$(top_cw container "$CTR")"
assert_eq "a: top --by container: its id and runtime" "$CID podman" \
	"$(jq -r "select(.endpoint == \"$CTR\") | \"\(.container_id) \(.runtime)\"" "$T/top-container.json")"
assert_eq "c: top --by pod: the pod's row (by uid) = ss" "$(close_wait 8502)" \
	"$(top_cw pod "$POD_UID")"
assert_eq "c: top --by pod: its qos" "besteffort" \
	"$(jq -r "select(.endpoint == \"$POD_UID\") | .qos" "$T/top-pod.json")"
# containerd's CRI plugin names the container, its pod and namespace in the bundle's annotations
mkdir -p "$TASKS/$CTR_ID" || fatal bundle "mkdir $TASKS/$CTR_ID"
cat >"$TASKS/$CTR_ID/config.json" <<EOF
{"ociVersion":"1.1.0","annotations":{"io.kubernetes.cri.container-type":"container",
"io.kubernetes.cri.container-name":"web","io.kubernetes.cri.sandbox-name":"shop-$$",
"io.kubernetes.cri.sandbox-namespace":"ww-e2e","io.kubernetes.cri.sandbox-uid":"$POD_UID"}}
EOF
assert_eq "c: top --by pod: named by the bundle, namespace/name = ss" "$(close_wait 8502)" \
	"$(top_cw pod "ww-e2e/shop-$$")"
assert_eq "c: top --by container: namespace/pod/container = ss" "$(close_wait 8502)" \
	"$(top_cw container "ww-e2e/shop-$$/web")"
assert_eq "c: top --by container: its fields" "web shop-$$ ww-e2e $POD_UID containerd" \
	"$(jq -r 'select(.endpoint == "ww-e2e/shop-'$$'/web") | "\(.container) \(.pod) \(.pod_namespace) \(.pod_uid) \(.runtime)"' \
		"$T/top-container.json")"
UNIT_CW=$(($(close_wait 8501) + $(close_wait 8503)))
assert_eq "b: top --by unit: the unit's row (its two processes) = ss" "$UNIT_CW" \
	"$(top_cw unit ww-echo.service)"
assert_eq "b: top --by cgroup: the path, not an id" "$UNIT_CW" \
	"$(top_cw cgroup "/$SLICE/ww-echo.service")"
# without CAP_DAC_READ_SEARCH no file handle opens: a walk of the mount finds the path
TOP_AS=(setpriv --bounding-set=-dac_read_search)
assert_eq "b: top --by unit without CAP_DAC_READ_SEARCH (the walk) = ss" "$UNIT_CW" \
	"$(top_cw unit ww-echo.service)"
TOP_AS=()

# ---- serve --labels ------------------------------------------------------------------

ww_serve_start -i 0.5 --netns "$INO" --labels container,pod,unit --leak-age 1s
sleep 1.2
curl -s -m 3 "$URL/metrics" >"$T/metrics" || fail serve "no /metrics"
series() { grep -c "^waitwatch_sockets{.*$1.*state=\"CLOSE_WAIT\"} $N\$" "$T/metrics"; }
assert_eq "a: serve: the container's series" 1 "$(series "container=\"$CTR\"")"
assert_eq "b: serve: the unit's series, one per listener" 2 "$(series 'unit="ww-echo.service"')"
assert_eq "c: serve: the pod's series" 1 \
	"$(series "container=\"web\",pod=\"shop-$$\",pod_namespace=\"ww-e2e\"")"
assert_eq "a: serve: the container's leak suspects" "$(close_wait 8500)" \
	"$(sed -n "s/^waitwatch_leak_suspect_sockets{comm=\"loadgen\",cgroup=\"\/libpod_parent\/libpod-$CID\",container=\"$CTR\",pod=\"\",pod_namespace=\"\",unit=\"\",state=\"CLOSE_WAIT\"} //p" "$T/metrics")"
ww_stop "$WW_PID" TERM
"$WW" serve --labels container,nodes >/dev/null 2>"$T/bad.err"
assert_eq "serve --labels nodes: exit 2, one line" "2 1" "$? $(wc -l <"$T/bad.err")"

# ---- trace: the container's own close names it -------------------------------------------

ww_trace_start trace "$T/trace.json" "$T/trace.err" --json --netns "$INO"
"${PODMAN[@]}" kill --signal USR1 "$CTR" >/dev/null 2>&1
wait_for "[ \$(close_wait 8500) -eq 0 ]" 5 || fail trace "the container's sockets not closed"
sleep 0.3
ww_stop "$WW_PID" INT
assert_eq "trace exits 0, nothing on stderr but its summary" "0:" \
	"$WW_RC:$(grep -v '^waitwatch: [0-9]* events' "$T/trace.err")"
assert_eq "a: trace: CLOSE_WAIT->LAST_ACK of the container's process, named" "$N" \
	"$(jq -r "select(.old == \"CLOSE_WAIT\" and .container == \"$CTR\") | .pid" "$T/trace.json" |
		grep -c .)"
