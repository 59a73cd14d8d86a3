// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/capability.h>
#include "log.h"
#include "privs.h"
#include "procfs.h"
#include "seccomp_filter.h"

int privs__lookup_user(const char *name, struct privs_user *u)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(name);
	if (!pw)
		return errno ? -errno : -ENOENT;
	u->name = name;
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	return 0;
}

unsigned int privs__needs(bool sweeps, __u32 netns, bool owners)
{
	unsigned int needs = owners ? PRIVS_PROCS : 0;
	struct stat self;

	if (!sweeps)
		return needs;
	/* --netns naming this namespace: the sweep never leaves it */
	if (netns && !stat("/proc/self/ns/net", &self) && self.st_ino == netns)
		return needs;
	return needs | PRIVS_NETNS;
}

/*
 * Before 5.19, kernel.unprivileged_bpf_disabled refused every bpf() command
 * (a map read, an iterator) without CAP_BPF or CAP_SYS_ADMIN; since, only
 * creating maps and loading programs.
 */
static bool bpf_reads_need_cap(void)
{
	unsigned int major = 0, minor = 0;
	struct utsname uts;
	char line[16] = "";

	if (uname(&uts) || sscanf(uts.release, "%u.%u", &major, &minor) != 2)
		return true;
	if (major > 5 || (major == 5 && minor >= 19))
		return false;
	procfs__read_line("/proc/sys/kernel/unprivileged_bpf_disabled", line, sizeof(line));
	return strcmp(line, "0") != 0;
}

/* The capabilities needs stands for; returns how many. */
static int kept_caps(unsigned int needs, cap_value_t *caps)
{
	int n = 0;

	if (needs & PRIVS_NETNS)
		caps[n++] = CAP_SYS_ADMIN; /* setns(CLONE_NEWNET) */
	if (needs & (PRIVS_NETNS | PRIVS_PROCS)) {
		/* /proc/PID/ns/net and /proc/PID/fd/N of others: ptrace read access */
		caps[n++] = CAP_SYS_PTRACE;
		/* /proc/PID/fd is 0500 and /run/netns/NAME 0000 */
		caps[n++] = CAP_DAC_READ_SEARCH;
	}
	if (!(needs & PRIVS_NETNS) && bpf_reads_need_cap())
		caps[n++] = CAP_BPF;
	return n;
}

static int single_threaded(void)
{
	return procfs__find_u64("/proc/self/status", "Threads: %llu") == 1 ? 0 : -EBUSY;
}

static bool have(cap_t now, cap_value_t cap, cap_flag_t set)
{
	cap_flag_value_t v = CAP_CLEAR;

	return now && !cap_get_flag(now, cap, set, &v) && v == CAP_SET;
}

/*
 * Empty the bounding and ambient sets: nothing can be regained by exec.
 * Without CAP_SETPCAP (not started as root) there is nothing to drop:
 * no_new_privs keeps exec from granting any.
 */
static int drop_bound(cap_t now)
{
	if (!have(now, CAP_SETPCAP, CAP_EFFECTIVE))
		return 0;
	for (cap_value_t c = 0; c < cap_max_bits(); c++)
		if (CAP_IS_SUPPORTED(c) && cap_drop_bound(c))
			return -errno;
	return cap_reset_ambient() ? -errno : 0;
}

/* --user root as root: nothing to change, and no CAP_SETUID needed for it */
static int become(const struct privs_user *u)
{
	if (!u || !u->name || (u->uid == getuid() && u->uid == geteuid() && u->gid == getgid()))
		return 0;
	if (cap_setgroups(u->gid, 0, NULL) || cap_setuid(u->uid))
		return -errno;
	return 0;
}

/* Permitted and effective: what needs asks for of what we have; nothing else. */
static int set_caps(unsigned int needs, cap_t now)
{
	cap_value_t want[8], caps[8];
	int nwant = kept_caps(needs, want), n = 0, err = 0;
	cap_t c = cap_init();

	if (!c)
		return -ENOMEM;
	for (int i = 0; i < nwant; i++)
		if (have(now, want[i], CAP_PERMITTED))
			caps[n++] = want[i];
	if ((n && (cap_set_flag(c, CAP_PERMITTED, n, caps, CAP_SET) ||
		   cap_set_flag(c, CAP_EFFECTIVE, n, caps, CAP_SET))) ||
	    cap_set_proc(c))
		err = -errno;
	cap_free(c);
	return err;
}

int privs__drop(unsigned int needs, const struct privs_user *u)
{
	int err = single_threaded();
	cap_t now;

	if (err) {
		elog("cannot drop privileges once threads run (a bug, please report it)");
		return err;
	}
	now = cap_get_proc();
	err = drop_bound(now);
	if (err) {
		cap_free(now);
		elog("cannot empty the capability bounding set: %s", strerror(-err));
		return err;
	}
	err = become(u);
	if (err) {
		cap_free(now);
		elog("cannot become user %s (uid %u, gid %u): %s (it takes CAP_SETUID and "
		     "CAP_SETGID)", u->name, (unsigned)u->uid, (unsigned)u->gid, strerror(-err));
		return err;
	}
	err = set_caps(needs, now);
	cap_free(now);
	if (err) {
		elog("cannot drop capabilities: %s", strerror(-err));
		return err;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		err = -errno;
		elog("cannot set no_new_privs: %s", strerror(-err));
		return err;
	}
	dlog("privileges: uid %u, keeping %s%s%s", (unsigned)getuid(),
	     needs & PRIVS_NETNS ? "netns " : "", needs & PRIVS_PROCS ? "procs" : "",
	     needs ? "" : "no capability");
	return 0;
}

int privs__steady(unsigned int needs, const struct privs_user *u, int seccomp_profile)
{
	return privs__drop(needs, u) ?: seccomp_profile < 0 ? 0 : seccomp__install(seccomp_profile);
}
