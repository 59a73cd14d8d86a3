/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The subcommands, and how they report a usage error. */
#ifndef WW_CMD_H
#define WW_CMD_H

#include <stdint.h>
#include <stdbool.h>
#include "clock.h"
#include "signals.h"

/* Exit codes: 0 success, 1 runtime failure, 2 usage error. */
#define EXIT_USAGE 2

int cmd_trace(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_leaks(int argc, char **argv);

#define usage_error(fmt, ...)                                                              \
	({                                                                                 \
		fprintf(stderr, "waitwatch: " fmt "\n", ##__VA_ARGS__);                     \
		EXIT_USAGE;                                                                \
	})

#endif
