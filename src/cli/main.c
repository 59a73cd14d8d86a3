// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * waitwatch: which endpoint, which process, since when and how fast TCP
 * sockets pile up in TIME_WAIT and CLOSE_WAIT.
 *
 * This file holds the dispatch to a subcommand (the table is in cmd.c),
 * the signal handling every subcommand shares, and --version.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "cmd.h"
#include "loader.h"
#include "log.h"
#include "signals.h"
#include "version.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: waitwatch COMMAND [OPTIONS]\n\n"
		   "Watches TCP sockets pile up in TIME_WAIT and CLOSE_WAIT, per endpoint and\n"
		   "process, from the kernel's own state transitions (eBPF).\n\nCommands:\n");
	for (const struct ww_cmd *const *c = ww_cmds; *c; c++)
		fprintf(f, "  %-10s %s\n", (*c)->name, (*c)->summary);
	fprintf(f, "\nwaitwatch COMMAND --help shows a command's options.\n"
		   "  -V, --version    version, git revision and libbpf version\n"
		   "  -h, --help       this text\n");
}

static void version(void)
{
	printf("waitwatch %s (git %s, libbpf %u.%u)\n", WW_VERSION, WW_GIT_REV,
	       libbpf_major_version(), libbpf_minor_version());
}

static int run(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : NULL;

	if (!name)
		return usage(stderr), -WW_EUSAGE;
	if (!strcmp(name, "-h") || !strcmp(name, "--help") || !strcmp(name, "help"))
		return usage(stdout), 0;
	if (!strcmp(name, "-V") || !strcmp(name, "--version") || !strcmp(name, "version"))
		return version(), 0;
	for (const struct ww_cmd *const *c = ww_cmds; *c; c++) {
		if (strcmp(name, (*c)->name))
			continue;
		signals__install();
		loader__setup_libbpf_log();
		return ww_cmd__main(*c, argc - 1, argv + 1);
	}
	return ww_usage_error(NULL, "unknown command '%s'", name);
}

/*
 * A command's result (cmd.h) as the exit status: 0; 2 after a usage error;
 * 1 after any other error, whether 1 or a negative errno.
 */
static int exit_status(int ret)
{
	if (!ret)
		return 0;
	return ret == -WW_EUSAGE ? 2 : 1;
}

int main(int argc, char **argv)
{
	return exit_status(run(argc, argv));
}
