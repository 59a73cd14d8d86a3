// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: the command line, through every subcommand's parse
 * step (src/cli/cmd_*.c, with the shared rows and parser of options.c),
 * never its run step: nothing loads BPF, opens a file or listens.
 *
 * The bytes, split at each NUL, are the arguments after the command name
 * (at most MAX_ARGS); each command parses them, from arguments of its own.
 * Checked besides what the sanitizers see:
 * - the result is 0, 1 (--help) or -WW_EUSAGE;
 * - a usage error is one line on stderr, "waitwatch: CMD: ... (try
 *   --help)", without a control byte, and nothing on stdout;
 * - --help is "Usage: waitwatch CMD ..." on stdout, nothing on stderr;
 * - a command line that parses says nothing at all;
 * - parsing it again gives the same result and the same words: nothing
 *   of one parse (getopt's state, -v) leaks into the next.
 *
 * Seeds: tests/fuzz/corpus/fuzz_cli/ (command lines of the tests and the
 * documentation, and broken ones).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "log.h"

#define MAX_ARGS 32

static void check(int ok, const char *cmd, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_cli: %s: %s\n", cmd, what);
		abort();
	}
}

struct said {
	int ret;
	char *out, *err; /* what went to stdout and stderr */
	size_t nout, nerr;
};

/* One parse of argv (copied: getopt_long permutes it), stdout and stderr caught. */
static void parse_once(const struct ww_cmd *c, int argc, char *const *argv, struct said *s)
{
	FILE *real_out = stdout, *real_err = stderr;
	char *copy[MAX_ARGS + 2];
	void *args = calloc(1, c->args_size);

	check(args != NULL, c->name, "out of memory");
	memcpy(copy, argv, (argc + 1) * sizeof(*argv));
	stdout = open_memstream(&s->out, &s->nout);
	stderr = open_memstream(&s->err, &s->nerr);
	check(stdout && stderr, c->name, "open_memstream");
	ww_verbosity = 0;
	s->ret = c->parse(argc, copy, args);
	fclose(stdout);
	fclose(stderr);
	stdout = real_out;
	stderr = real_err;
	ww_verbosity = 0;
	free(args);
}

static void check_usage_error(const struct ww_cmd *c, const struct said *s)
{
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "waitwatch: %s: ", c->name);
	check(s->nout == 0, c->name, "a usage error printed on stdout");
	check(s->nerr > strlen(prefix) && !strncmp(s->err, prefix, strlen(prefix)), c->name,
	      "a usage error does not start with waitwatch: CMD:");
	check(s->err[s->nerr - 1] == '\n' && memchr(s->err, '\n', s->nerr) == s->err + s->nerr - 1,
	      c->name, "a usage error of more than one line");
	check(s->nerr >= 14 && !memcmp(s->err + s->nerr - 14, " (try --help)\n", 14), c->name,
	      "a usage error does not end with (try --help)");
	for (size_t i = 0; i + 1 < s->nerr; i++)
		check((unsigned char)s->err[i] >= 0x20 && s->err[i] != 0x7f, c->name,
		      "a control byte in a usage error");
}

static void check_said(const struct ww_cmd *c, const struct said *s)
{
	char usage[64];

	switch (s->ret) {
	case -WW_EUSAGE:
		check_usage_error(c, s);
		break;
	case 1:
		snprintf(usage, sizeof(usage), "Usage: waitwatch %s ", c->name);
		check(s->nerr == 0, c->name, "--help printed on stderr");
		check(s->nout > strlen(usage) && !strncmp(s->out, usage, strlen(usage)), c->name,
		      "--help does not start with its usage line");
		break;
	case 0:
		check(s->nout == 0 && s->nerr == 0, c->name, "a command line that parses printed");
		break;
	default:
		check(0, c->name, "parse returned neither 0, 1 nor -WW_EUSAGE");
	}
}

static void said_free(struct said *s)
{
	free(s->out);
	free(s->err);
}

static void parse_twice(const struct ww_cmd *c, int argc, char *const *argv)
{
	struct said a = {}, b = {};

	parse_once(c, argc, argv, &a);
	check_said(c, &a);
	parse_once(c, argc, argv, &b);
	check(a.ret == b.ret && a.nout == b.nout && a.nerr == b.nerr &&
	      !memcmp(a.out, b.out, a.nout) && !memcmp(a.err, b.err, a.nerr),
	      c->name, "a second parse of the same command line differs");
	said_free(&a);
	said_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *argv[MAX_ARGS + 2];
	int argc = 1;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	/* each NUL ends an argument (a last one at the end needs none) */
	for (char *p = buf; p < buf + size && argc <= MAX_ARGS; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	for (const struct ww_cmd *const *c = ww_cmds; *c; c++) {
		argv[0] = (char *)(*c)->name;
		parse_twice(*c, argc, argv);
	}
	free(buf);
	return 0;
}
