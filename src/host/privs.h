/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Least privilege for the steady state. Once the programs are loaded and
 * attached, the rings mapped and the listen socket bound, a command keeps
 * only the capabilities its loop uses (docs/security.md, "Privileges,
 * phase by phase"): none, or CAP_SYS_ADMIN to enter the other network
 * namespaces and CAP_SYS_PTRACE with CAP_DAC_READ_SEARCH to open their
 * /proc/PID/ns/net and /run/netns entries and other users' /proc/PID/fd.
 * The bounding and ambient sets are emptied and no_new_privs is set; serve
 * also changes to an unprivileged user, keeping those capabilities.
 */
#ifndef WW_PRIVS_H
#define WW_PRIVS_H

#include <stdbool.h>
#include <sys/types.h>
#include <linux/types.h>
#include "seccomp_filter.h"

/* What the steady state still does that needs a capability. */
#define PRIVS_NETNS (1u << 0) /* sweeps enter every other network namespace */
#define PRIVS_PROCS (1u << 1) /* owners: /proc/PID/fd of other users */

/* The user to become; name NULL: keep the uid (and groups). */
struct privs_user {
	const char *name;
	uid_t uid;
	gid_t gid;
};

/* getpwnam(name) into u. 0, -ENOENT (no such user) or another -errno; prints nothing. */
int privs__lookup_user(const char *name, struct privs_user *u);

/*
 * The needs of a command whose sweeps are limited to netns (0: every one;
 * sweeps: false when it makes none) and that looks up owners or not.
 * A command limited to its own namespace needs no PRIVS_NETNS.
 */
unsigned int privs__needs(bool sweeps, __u32 netns, bool owners);

/*
 * Become u (if named) and keep only what needs asks for, in every set;
 * set no_new_privs. Refused once there is a second thread: capabilities
 * belong to each thread, so the drop comes before any is started.
 * 0, or -errno after printing why.
 */
int privs__drop(unsigned int needs, const struct privs_user *u);

/*
 * The steady state of a single-threaded command: privs__drop, then the
 * system call filter of seccomp_profile (enum seccomp_profile; -1: none,
 * --no-seccomp). 0, or -errno after printing why.
 */
int privs__steady(unsigned int needs, const struct privs_user *u, int seccomp_profile);

#endif
