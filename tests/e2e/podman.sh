# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# shellcheck shell=bash
#
# Sourced by lib.sh's users and run.sh: podman as the tests run it, on any
# host: runc (crun refuses a host with hybrid cgroups), cgroupfs (systemd
# need not be PID 1) and a file for podman's events (journald need not run).
ww_podman() {
	podman --runtime runc --cgroup-manager cgroupfs --events-backend file "$@"
}
