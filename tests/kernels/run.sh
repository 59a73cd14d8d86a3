#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# waitwatch inside other kernels: boots each kernel under qemu (full
# emulation, no KVM needed) with an initramfs holding busybox,
# ./waitwatch-static, loadgen and the checker, and runs the checks of
# tests/kernels/init.sh there. `make test-kernels` runs it.
#
#   tests/kernels/run.sh [KERNEL...]
#
# KERNEL is a Debian package, a metapackage (its linux-image-N dependency is
# taken) or a .deb file; default: linux-image-cloud-amd64 (Debian 12: 6.1).
# Packages are fetched with `apt-get download` into .output/kernels/ (kept
# there: reruns use the cache) and unpacked there, never installed: the
# host's kernel and /boot are not touched.
#
# Environment: WW_KERNELS_TIMEOUT (seconds per boot, default 120),
# WW_KERNELS_SMP (guest CPUs, default 2), WW_KERNELS_KEEP=1 (keep the
# initramfs staging directory), WW_KERNELS_CHECKS (comma-separated subset of
# the guest's checks: version, trace, classic, snapshot, top; default all),
# WW_KERNELS_APPEND (more kernel command line; WW_DEBUG=1 there makes the
# guest print a failed trace whole).
#
# Prints the guest's diagnostic lines, one PASS:/FAIL: line per kernel and,
# last, "N passed, N failed" (one per kernel). Exits non-zero if any failed,
# including when qemu or another prerequisite is missing.
set -u
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=$ROOT/.output/kernels
LIMIT=${WW_KERNELS_TIMEOUT:-120}
SMP=${WW_KERNELS_SMP:-2}
QEMU=qemu-system-x86_64
BUSYBOX=/bin/busybox
CC=${CC:-cc}

passed=0 failed=0
TMP=
QPID=
# shellcheck disable=SC2317 # called by the traps
cleanup() {
	[ -n "$QPID" ] && kill -TERM "$QPID" 2>/dev/null && wait "$QPID" 2>/dev/null
	[ -n "$TMP" ] && [ "${WW_KERNELS_KEEP:-0}" != 1 ] && rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() { # WHAT DETAILS...
	echo "FAIL: $1: ${*:2}"
	failed=$((failed + 1))
}
summary() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
secs() { # START_MS
	local ms=$(($(now_ms) - $1))
	printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100))
}

# ---- prerequisites --------------------------------------------------------
prereqs() {
	local missing="" t
	for t in "$QEMU" cpio gzip "$CC" apt-get apt-cache dpkg-deb tar timeout; do
		command -v "$t" >/dev/null || missing="$missing $t"
	done
	[ -x "$BUSYBOX" ] || missing="$missing $BUSYBOX"
	if [ -n "$missing" ]; then
		fail prerequisites "not installed:$missing (make deps installs qemu-system-x86," \
			"busybox-static and cpio)"
		return 1
	fi
	# The guest has no libraries: busybox must be busybox-static's.
	if readelf -l "$BUSYBOX" 2>/dev/null | grep -q 'program interpreter'; then
		fail prerequisites "$BUSYBOX is dynamically linked (install busybox-static:" \
			"make deps)"
		return 1
	fi
	if [ ! -x "$ROOT/waitwatch-static" ]; then
		fail prerequisites "$ROOT/waitwatch-static missing (make static)"
		return 1
	fi
	if readelf -l "$ROOT/waitwatch-static" 2>/dev/null | grep -q 'program interpreter'; then
		fail prerequisites "waitwatch-static is dynamically linked"
		return 1
	fi
	# qemu must really start (a broken install fails here, not as a timeout)
	if ! "$QEMU" -accel help 2>/dev/null | grep -qx tcg; then
		fail prerequisites "$QEMU cannot run or has no TCG accelerator:" \
			"$("$QEMU" -version 2>&1 | head -1)"
		return 1
	fi
	return 0
}

# ---- kernels --------------------------------------------------------------

# The versioned image package a metapackage depends on (empty if none).
image_dep() {
	apt-cache depends "$1" 2>/dev/null |
		sed -n 's/^ *|\{0,1\}Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -1
}

# fetch KERNEL: sets DEB to a .deb file in the cache (downloaded if absent).
fetch() {
	local k=$1 pkg dep deb out dl
	DEB=
	if [[ $k == *.deb ]]; then
		[ -f "$k" ] || { fail "$k" "no such file"; return 1; }
		DEB=$(cd "$(dirname "$k")" && pwd)/$(basename "$k")
		return 0
	fi
	dep=$(image_dep "$k")
	if [ -z "$dep" ] && ! apt-cache show "$k" >/dev/null 2>&1; then
		# unknown here: the package lists may be missing or stale
		apt-get update -qq >/dev/null 2>&1
		dep=$(image_dep "$k")
	fi
	pkg=${dep:-$k}
	deb=$(ls -t "$CACHE/${pkg}_"*.deb 2>/dev/null | head -1)
	if [ -n "$deb" ]; then
		DEB=$deb
		return 0
	fi
	echo "  fetching $pkg (apt-get download, into $CACHE)"
	dl=$(mktemp -d "$CACHE/.download.XXXXXX") || { fail "$k" "mktemp failed"; return 1; }
	if ! out=$(cd "$dl" && apt-get download "$pkg" 2>&1); then
		apt-get update -qq >/dev/null 2>&1
		out=$(cd "$dl" && apt-get download "$pkg" 2>&1)
	fi
	deb=$(ls "$dl/${pkg}_"*.deb 2>/dev/null | head -1)
	if [ -z "$deb" ]; then
		rm -rf "$dl"
		fail "$k" "cannot download $pkg: $(echo "$out" | grep -v '^W:' | tail -3 | tr '\n' ' ')"
		return 1
	fi
	DEB=$CACHE/$(basename "$deb")
	mv -f "$deb" "$DEB"
	rm -rf "$dl"
}

# unpack DEB: sets VMLINUZ, CONFIG and KVER (boot/ of the package only,
# unpacked once into the cache).
unpack() {
	local dir tmp
	dir=$CACHE/$(basename "$1" .deb)
	VMLINUZ=$(ls "$dir"/boot/vmlinuz-* 2>/dev/null | head -1)
	if [ -z "$VMLINUZ" ]; then
		tmp=$(mktemp -d "$CACHE/.unpack.XXXXXX") || { fail "$1" "mktemp failed"; return 1; }
		if ! dpkg-deb --fsys-tarfile "$1" | tar -x -C "$tmp" ./boot 2>"$tmp.err"; then
			fail "$(basename "$1")" "cannot unpack: $(head -3 "$tmp.err")"
			rm -rf "$tmp" "$tmp.err"
			return 1
		fi
		rm -f "$tmp.err"
		chmod 755 "$tmp"
		rm -rf "$dir"
		mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"
		VMLINUZ=$(ls "$dir"/boot/vmlinuz-* 2>/dev/null | head -1)
	fi
	if [ -z "$VMLINUZ" ]; then
		fail "$(basename "$1")" "no boot/vmlinuz-* in the package"
		return 1
	fi
	KVER=${VMLINUZ##*/vmlinuz-}
	CONFIG=$dir/boot/config-$KVER
	[ -f "$CONFIG" ] || CONFIG=
}

# ---- the guest's programs and initramfs ----------------------------------

# static copies of the workload and the helpers, rebuilt when their source
# changes
helpers() {
	local bin=$CACHE/bin src name libs log
	mkdir -p "$bin"
	for src in "$ROOT/bench/loadgen.c" "$ROOT/tests/kernels/wwcheck.c" \
		"$ROOT/tests/kernels/progprobe.c"; do
		name=$(basename "$src" .c)
		[ "$bin/$name" -nt "$src" ] && [ "$bin/$name" -nt "$ROOT/tests/tools/tools.h" ] && continue
		libs=
		[ "$name" = progprobe ] && libs="-lbpf -lelf -lz"
		log=$bin/$name.log
		# shellcheck disable=SC2086
		if ! "$CC" -static -O2 -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE \
			-I"$ROOT/tests/tools" "$src" $libs \
			-o "$bin/$name" >"$log" 2>&1; then
			fail helpers "cannot build a static $name: $(head -5 "$log")"
			rm -f "$bin/$name"
			return 1
		fi
		rm -f "$log"
	done
}

# initramfs KVER CONFIG OUT
initramfs() {
	local r=$TMP/root a
	rm -rf "$r"
	mkdir -p "$r/bin" "$r/proc" "$r/sys" "$r/dev" "$r/tmp" "$r/boot"
	cp "$BUSYBOX" "$r/bin/busybox"
	for a in $("$BUSYBOX" --list); do
		[ "$a" = busybox ] || ln -s busybox "$r/bin/$a"
	done
	# the console of /init before devtmpfs is mounted (root only)
	mknod "$r/dev/console" c 5 1 2>/dev/null
	install -m 0755 "$ROOT/tests/kernels/init.sh" "$r/init"
	install -m 0755 "$ROOT/waitwatch-static" "$r/bin/waitwatch"
	install -m 0755 "$CACHE/bin/loadgen" "$CACHE/bin/wwcheck" "$CACHE/bin/progprobe" "$r/bin/"
	# libbpf reads CONFIG_HZ from it
	[ -n "$2" ] && cp "$2" "$r/boot/config-$1"
	(cd "$r" && find . | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$3.$$" &&
		mv -f "$3.$$" "$3"
}

# ---- one kernel -----------------------------------------------------------

# boot NAME: runs the guest, prints its diagnostics and one PASS/FAIL line.
boot() {
	local name=$1 initrd=$CACHE/initramfs-$KVER.cpio.gz log=$CACHE/console-$KVER.log t0 rc res
	local only=
	APPEND=${WW_KERNELS_APPEND:-}
	if [ -n "${WW_KERNELS_CHECKS:-}" ]; then
		APPEND="$APPEND WW_CHECKS=$WW_KERNELS_CHECKS"
		only=", only $WW_KERNELS_CHECKS"
	fi
	t0=$(now_ms)
	if ! initramfs "$KVER" "$CONFIG" "$initrd"; then
		fail "$name" "cannot build the initramfs"
		return
	fi
	echo "  booting $KVER ($(basename "$VMLINUZ"), qemu TCG, $SMP CPU, limit $LIMIT s)"
	# in the background: an interrupt stops it at once (the EXIT trap)
	timeout -k 5 "$LIMIT" "$QEMU" -accel tcg -cpu max -smp "$SMP" -m 512 -nographic \
		-no-reboot -nic none -kernel "$VMLINUZ" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 quiet $APPEND" </dev/null \
		>"$TMP/console" 2>&1 &
	QPID=$!
	wait "$QPID"
	rc=$?
	QPID=
	# without the carriage returns and the terminal escapes of the firmware
	sed -e 's/\r$//' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1b[A-Za-z]//g' \
		"$TMP/console" >"$log.$$" && mv -f "$log.$$" "$log"
	sed -n 's/^.*WW-DIAG: /    /p' "$log"
	res=$(sed -n 's/^.*WW-KERNEL-RESULT: //p' "$log" | head -1)
	case $res in
	PASS)
		echo "PASS: $name: kernel $KVER$only, $(secs "$t0") s"
		passed=$((passed + 1))
		;;
	FAIL*)
		fail "$name" "kernel $KVER: ${res#FAIL }"
		;;
	*)
		echo "    last lines of the console ($log):"
		grep -v '^\s*$' "$log" | tail -25 | sed 's/^/    | /'
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
			fail "$name" "kernel $KVER: no result after $LIMIT s (qemu killed)"
		else
			fail "$name" "kernel $KVER: no result line (qemu exit $rc)"
		fi
		;;
	esac
}

# ---- main -----------------------------------------------------------------
start=$(now_ms)
prereqs || summary
mkdir -p "$CACHE"
TMP=$(mktemp -d /tmp/ww-kernels.XXXXXX) || { fail tmp "mktemp failed"; summary; }
helpers || summary
[ $# -gt 0 ] || set -- linux-image-cloud-amd64
for k in "$@"; do
	echo "=== $k"
	fetch "$k" || continue
	unpack "$DEB" || continue
	[ -n "$CONFIG" ] || echo "    note: no config-$KVER in the package"
	boot "$k ($(basename "$DEB" .deb))"
done
echo "  total $(secs "$start") s"
summary
