// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include <seccomp.h>
#include "log.h"
#include "seccomp_filter.h"

#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
#define WW_SANITIZED 1
#else
#define WW_SANITIZED 0
#endif

#define T (1u << SECCOMP_TRACE)
#define W (1u << SECCOMP_SWEEP)
#define S (1u << SECCOMP_SERVE)
#define ALL (T | W | S)

/*
 * What the steady loops call, found with strace -f over every command
 * under load, from the seccomp() call on (docs/security.md says how), and
 * what each is for. bpf, setns, clone and prctl are narrowed by their
 * arguments below.
 */
static const struct allowed {
	const char *name;
	unsigned int profiles;
} allowed[] = {
	/* the rings: epoll on their fds; map reads, program info, iterators */
	{ "epoll_wait", ALL }, { "epoll_pwait", ALL }, { "bpf", ALL },
	/* stdout (trace: poll sees a reader gone), stderr, /proc and /sys reads */
	{ "read", ALL }, { "write", ALL }, { "writev", ALL }, { "lseek", ALL },
	{ "openat", ALL }, { "close", ALL }, { "newfstatat", ALL }, { "fstat", ALL },
	{ "ioctl", ALL }, { "poll", T }, { "getdents64", ALL }, { "readlinkat", ALL },
	/*
	 * cgroup ids to paths (host/cgnames.c): by file handle, else a walk
	 * (getdents64; fdopendir asks fcntl); the recording's lock too
	 */
	{ "name_to_handle_at", ALL }, { "open_by_handle_at", ALL }, { "fcntl", ALL },
	/* the sweeps: into every other network namespace and back */
	{ "setns", W | S },
	/* the recording: lock, truncate, rotate (rename), header */
	{ "flock", W | S }, { "ftruncate", W | S }, { "rename", W | S },
	{ "uname", W | S },
	/* memory (glibc's malloc; qsort asks sysinfo how much there is) */
	{ "brk", ALL }, { "mmap", ALL }, { "munmap", ALL }, { "mremap", ALL },
	{ "madvise", ALL }, { "mprotect", ALL }, { "sysinfo", ALL },
	/* clocks and waits (the vDSO does most; leaks --watch sleeps) */
	{ "clock_gettime", ALL }, { "clock_nanosleep", ALL }, { "nanosleep", ALL },
	{ "gettimeofday", ALL },
	/* signals, and the way out: the SIGSYS handler re-raises with raise() */
	{ "rt_sigreturn", ALL }, { "rt_sigprocmask", ALL }, { "getpid", ALL },
	{ "gettid", ALL }, { "tgkill", ALL }, { "exit", ALL }, { "exit_group", ALL },
	{ "futex", ALL }, { "restart_syscall", ALL },
	/*
	 * serve: libmicrohttpd's thread starts after the filter (before, its
	 * first calls would run with every signal blocked, where a trap kills
	 * without the handler's line): clone only with CLONE_THREAD (below),
	 * glibc's handler for setuid across threads, the thread's name.
	 */
	{ "clone", S }, { "clone3", S }, { "rseq", S }, { "set_robust_list", S },
	{ "rt_sigaction", S }, { "prctl", S }, { "epoll_create1", S }, { "epoll_ctl", S },
	{ "getsockopt", S },
	/* serve: its connections */
	{ "accept4", S }, { "recvfrom", S }, { "sendto", S }, { "sendmsg", S },
	{ "shutdown", S }, { "setsockopt", S },
	/* serve over TLS: GnuTLS's keys and nonces */
	{ "getrandom", S },
	/*
	 * serve's WebSockets: the thread's wake-up (eventfd), and over TLS
	 * the socket pair libmicrohttpd forwards an upgraded connection on
	 */
	{ "eventfd2", S }, { "socketpair", S },
};

/* The bpf() commands of the steady state: reads only; nothing loads, creates or writes. */
static const int bpf_cmds[] = { BPF_MAP_LOOKUP_ELEM, BPF_OBJ_GET_INFO_BY_FD, BPF_ITER_CREATE };

/* For the SIGSYS handler, which may not allocate: names resolved beforehand. */
#define MAX_NR 1024
static char *names[MAX_NR];
static bool selftest_armed;

static size_t put(char *buf, size_t at, size_t len, const char *s)
{
	while (*s && at < len)
		buf[at++] = *s++;
	return at;
}

static size_t put_num(char *buf, size_t at, size_t len, unsigned int v)
{
	char digits[12];
	int n = 0;

	do
		digits[n++] = '0' + v % 10;
	while ((v /= 10) && n < (int)sizeof(digits));
	while (n && at < len)
		buf[at++] = digits[--n];
	return at;
}

/* Async-signal-safe: one write(2), then die of SIGSYS (the handler is reset). */
static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	unsigned int nr = si->si_syscall;
	const char *name = nr < MAX_NR && names[nr] ? names[nr] : "?";
	char line[256];
	size_t n = 0;

	n = put(line, n, sizeof(line), "waitwatch: seccomp: system call ");
	n = put(line, n, sizeof(line), name);
	n = put(line, n, sizeof(line), " (");
	n = put_num(line, n, sizeof(line), nr);
	n = put(line, n, sizeof(line), ") is not allowed in the steady state; this is a bug, "
				       "please report it\n");
	(void)!write(STDERR_FILENO, line, n); /* if stderr is gone, nothing is left to tell */
	raise(SIGSYS);
	_exit(128 + SIGSYS); /* not reached: SIGSYS is back to its default */
}

static int install_handler(void)
{
	struct sigaction sa = {
		.sa_sigaction = on_sigsys,
		.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_NODEFER,
	};

	for (int nr = 0; nr < MAX_NR; nr++)
		if (!names[nr])
			names[nr] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGSYS, &sa, NULL) ? -errno : 0;
}

static int add_rules(scmp_filter_ctx ctx, enum seccomp_profile profile)
{
	int err = 0;

	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]) && !err; i++) {
		int nr = seccomp_syscall_resolve_name(allowed[i].name);

		if (nr == __NR_SCMP_ERROR || !(allowed[i].profiles & (1u << profile)))
			continue; /* not a call of this architecture, or not of this loop */
		if (nr == SCMP_SYS(bpf)) {
			for (size_t c = 0; c < sizeof(bpf_cmds) / sizeof(bpf_cmds[0]) && !err; c++)
				err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
						       SCMP_A0(SCMP_CMP_EQ, bpf_cmds[c]));
		} else if (nr == SCMP_SYS(clone)) {
			/* a thread, never a process */
			err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
					       SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
		} else if (nr == SCMP_SYS(clone3)) {
			/* its flags are in memory, out of the filter's reach: glibc falls back to clone */
			err = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
		} else if (nr == SCMP_SYS(prctl)) {
			err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
					       SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME));
		} else if (nr == SCMP_SYS(setns)) {
			err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
					       SCMP_A1(SCMP_CMP_EQ, CLONE_NEWNET));
		} else {
			err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		}
	}
	return err;
}

int seccomp__install(enum seccomp_profile profile)
{
	uint32_t deflt = WW_SANITIZED ? SCMP_ACT_LOG : SCMP_ACT_TRAP;
	scmp_filter_ctx ctx;
	int err;

	err = install_handler();
	if (err) {
		elog("cannot install the SIGSYS handler: %s", strerror(-err));
		return err;
	}
	ctx = seccomp_init(deflt);
	if (!ctx) {
		elog("cannot build the system call filter: out of memory");
		return -ENOMEM;
	}
	err = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1) ?:
	      seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) ?:
	      add_rules(ctx, profile);
	if (!err)
		err = seccomp_load(ctx);
	seccomp_release(ctx);
	if (err) {
		elog("cannot install the system call filter: %s (--no-seccomp runs without it)",
		     strerror(-err));
		return err;
	}
	selftest_armed = !WW_SANITIZED && getenv("WAITWATCH_SECCOMP_SELFTEST") &&
			 !strcmp(getenv("WAITWATCH_SECCOMP_SELFTEST"), "1");
	dlog("seccomp: filter installed%s", WW_SANITIZED ? " (sanitizer build: log only)" : "");
	return 0;
}

void seccomp__selftest(void)
{
	if (!selftest_armed)
		return;
	selftest_armed = false;
	/* personality(0xffffffff) only queries: harmless if it ever ran */
	syscall(SYS_personality, 0xffffffffUL);
}
