// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The table of subcommands, and the two steps each goes through (cmd.h).
 * Apart from main.c, so that the parse steps can be driven on their own.
 */
#include <stdlib.h>
#include "cmd.h"
#include "log.h"

const struct ww_cmd *const ww_cmds[] = {
	&cmd_top, &cmd_snapshot, &cmd_leaks, &cmd_serve, &cmd_record, &cmd_report, &cmd_diagram, &cmd_trace,
	NULL,
};

int ww_cmd__main(const struct ww_cmd *c, int argc, char **argv)
{
	void *args = calloc(1, c->args_size);
	int ret;

	if (!args)
		return elog("out of memory"), 1;
	ret = c->parse(argc, argv, args);
	if (!ret)
		ret = c->run(args, argc, argv);
	else if (ret > 0)
		ret = 0; /* --help was printed */
	free(args);
	return ret;
}
