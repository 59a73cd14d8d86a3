// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * waitwatch: which endpoint, which process, since when and how fast TCP
 * sockets pile up in TIME_WAIT and CLOSE_WAIT.
 *
 * This file holds the subcommand table, the signal handling every
 * subcommand shares, and --version.
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

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct cmd cmds[] = {
	{ "top", cmd_top, "live table of sockets per endpoint and state, worst first" },
	{ "snapshot", cmd_snapshot, "the same counts once, from the kernel's socket table" },
	{ "leaks", cmd_leaks, "which process holds sockets stuck in CLOSE_WAIT; who churns TIME_WAIT" },
	{ "serve", cmd_serve, "Prometheus exporter: /metrics per endpoint and state" },
	{ "record", cmd_record, "record the socket table and every transition to a file" },
	{ "report", cmd_report, "what top would have shown, from a recording (no root)" },
	{ "diagram", cmd_diagram, "the TCP state machine drawn with this host's transitions (SVG)" },
	{ "trace", cmd_trace, "print every TCP state transition as it happens" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: waitwatch COMMAND [OPTIONS]\n\n"
		   "Watches TCP sockets pile up in TIME_WAIT and CLOSE_WAIT, per endpoint and\n"
		   "process, from the kernel's own state transitions (eBPF).\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].summary);
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
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(name, cmds[i].name))
			continue;
		signals__install();
		loader__setup_libbpf_log();
		return cmds[i].fn(argc - 1, argv + 1);
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
