/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The subcommands. Each returns 0; or -WW_EUSAGE once ww_usage_error() has
 * printed a usage error; or any other value once a runtime error has been
 * printed (1, or a negative errno). main() turns that into the exit status:
 * 0, 2 or 1.
 */
#ifndef WW_CMD_H
#define WW_CMD_H

#include <stdint.h>
#include <stdbool.h>
#include "clock.h"
#include "options.h"
#include "signals.h"

int cmd_trace(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_leaks(int argc, char **argv);
int cmd_diagram(int argc, char **argv);

#endif
