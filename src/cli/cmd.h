/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The subcommands, each in two steps:
 * - parse: the command line into the command's arguments (args_size bytes,
 *   zeroed by the caller): defaults, then the options. Nothing else: no
 *   file, no socket, no BPF; only --help on stdout and a usage error on
 *   stderr. Returns 0; 1 once --help was printed; or -WW_EUSAGE once
 *   ww_usage_error() has printed a usage error.
 * - run: the work, from the parsed arguments (and the command line, which
 *   a recording keeps). Returns 0; -WW_EUSAGE after a usage error it found
 *   itself (a user that does not exist); or any other value once a runtime
 *   error has been printed (1, or a negative errno).
 * main() turns the result into the exit status: 0, 2 or 1.
 */
#ifndef WW_CMD_H
#define WW_CMD_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "clock.h"
#include "options.h"
#include "signals.h"

struct ww_cmd {
	const char *name;
	const char *summary; /* a line of waitwatch --help */
	size_t args_size;
	int (*parse)(int argc, char **argv, void *args);
	int (*run)(void *args, int argc, char **argv);
};

extern const struct ww_cmd cmd_top, cmd_snapshot, cmd_leaks, cmd_serve, cmd_record,
	cmd_report, cmd_diagram, cmd_trace;

/* Every subcommand, in the order of waitwatch --help; NULL-terminated. */
extern const struct ww_cmd *const ww_cmds[];

/* Parse, then run: a command's result (above), --help as 0. */
int ww_cmd__main(const struct ww_cmd *c, int argc, char **argv);

#endif
