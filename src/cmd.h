/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The subcommands, and what they share: the exit flag and the drain loop. */
#ifndef WW_CMD_H
#define WW_CMD_H

#include <signal.h>
#include <stdint.h>
#include <stdbool.h>

/* Exit codes: 0 success, 1 runtime failure, 2 usage error. */
#define EXIT_USAGE 2

/* Set by SIGINT/SIGTERM: the handler only sets this flag. */
extern volatile sig_atomic_t ww_exiting;

int cmd_trace(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_leaks(int argc, char **argv);

/* CLOCK_MONOTONIC in nanoseconds: the clock BPF's timestamps use. */
uint64_t now_mono_ns(void);

/* Sleep up to ns, returning early when a signal arrives. */
void sleep_interruptible(uint64_t ns);

#define usage_error(fmt, ...)                                                              \
	({                                                                                 \
		fprintf(stderr, "waitwatch: " fmt "\n", ##__VA_ARGS__);                     \
		EXIT_USAGE;                                                                \
	})

#endif
