/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The system call filter of the steady state (src/host/seccomp.c; not
 * seccomp.h, which is libseccomp's): an allowlist (libseccomp)
 * of what the running loops call, on every thread (TSYNC). Anything else
 * prints one line naming the call and kills the process with SIGSYS
 * (docs/security.md). A build with AddressSanitizer only logs to the audit
 * log instead: its runtime makes calls of its own (LeakSanitizer clones
 * and ptraces at exit).
 */
#ifndef WW_SECCOMP_FILTER_H
#define WW_SECCOMP_FILTER_H

/* The loops differ by what serve's HTTP thread and the recordings add. */
enum seccomp_profile {
	SECCOMP_TRACE,  /* trace: the rings and stdout */
	SECCOMP_SWEEP,  /* top, snapshot, leaks, record: also sweeps, /proc, files */
	SECCOMP_SERVE,  /* serve: also the HTTP thread's sockets */
};

/*
 * Install the filter for profile on every thread. After privs__drop (it
 * needs no_new_privs). 0, or -errno after printing why.
 */
int seccomp__install(enum seccomp_profile profile);

/*
 * Once, if WAITWATCH_SECCOMP_SELFTEST=1 was set when the filter was
 * installed: make one call outside the filter (it must kill the process).
 * The loops call it at every turn; otherwise it does nothing.
 */
void seccomp__selftest(void);

#endif
