/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The command line of the subcommands: their options as rows from which
 * getopt_long's table and --help are made, the groups of options they share
 * (the socket filters, applied in the kernel where possible, the endpoint
 * options, the common flags) and the parser that fills them in.
 */
#ifndef WW_OPTIONS_H
#define WW_OPTIONS_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>
#include "filter.h"
#include "parse.h"
#include "session.h"

/*
 * What a command returns after a usage error (cmd.h); main() exits 2. Above
 * every errno and libbpf's own codes (4000 on): no runtime error passes for one.
 */
#define WW_EUSAGE 5000

/*
 * Print a usage error, one line: "waitwatch: CMD: MESSAGE (try --help)"
 * (without "CMD: " when cmd is NULL). Returns -WW_EUSAGE.
 */
int ww_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Long-only option keys start here, so they never clash with letters. */
enum {
	OPT_PORT = 1000,
	OPT_LPORT,
	OPT_RPORT,
	OPT_ADDR,
	OPT_NETNS,
	OPT_PID,
	OPT_STATE,
	OPT_JSON,
	OPT_DURATION,
	OPT_RINGBUF,
	OPT_CLASSIC,
	OPT_SORT,
	OPT_BY,
	OPT_PREFIX4,
	OPT_PREFIX6,
	OPT_MAX_ENDPOINTS,
	OPT_MAX_SOCKETS,
	OPT_LEAK_AGE,
	OPT_NO_SECCOMP,
	OPT_FIRST_LOCAL, /* subcommands number their own options from here */
};

/*
 * One option, written once: its getopt_long entry, its letter in the short
 * options and its lines in --help all come from this row. A command's table
 * lists its own rows, headings and the shared groups below, in --help order,
 * and ends with an empty row. A row the command lists itself replaces a
 * group's row of the same key: that is how a command words --json its own
 * way, or gives --max-endpoints another default.
 */
/* Where a row's value goes without a handler of the command's: WW_INTO. */
enum ww_value {
	WW_V_HANDLER,  /* the command's local handler, or a shared one */
	WW_V_FLAG,     /* bool, set */
	WW_V_STRING,   /* const char *: the argument; one that starts with '-' is refused */
	WW_V_INTERVAL, /* uint64_t ns: a duration of at least 0.1 s */
	WW_V_DURATION, /* uint64_t ns */
	WW_V_SIZE,     /* uint64_t bytes: a size of at least 64K */
	WW_V_COUNT,    /* uint64_t: a number of at least 1 */
};

struct ww_opt {
	const char *name; /* --name; NULL in a heading or a group */
	int key;          /* what getopt returns: the letter, or OPT_*; in a group, -group */
	const char *arg;  /* the value's name in --help (N, SECS); NULL: it takes none */
	const char *help; /* one paragraph, wrapped to fit; or the heading */
	enum ww_value value;
	size_t off;       /* of the field in the parser's ctx */
};

/* The row's value into field of the command's ctx (a struct type). */
#define WW_INTO(type, field, kind) .value = (kind), .off = offsetof(type, field)

/* A heading starts a section of --help, after a blank line. */
#define WW_HEADING(text) { .help = (text) }

/*
 * The groups of options commands share, for WW_GROUP(). Each but the last
 * two starts with its heading; the transition filters follow the socket
 * filters, -v and -h any rows (they are ww_parse's own: no command gives
 * those letters another meaning).
 */
enum ww_opt_group {
	WW_ENDPOINT_OPTS = 1,      /* --by ... --leak-age */
	WW_SOCKET_FILTER_OPTS,     /* -4 -6 --port ... --netns */
	WW_TRACING_OPTS,           /* --duration --ringbuf-size --classic --no-seccomp */
	WW_OUTPUT_OPTS,            /* --json */
	WW_ENDPOINT_OUTPUT_OPTS,   /* --json of the endpoint table: top, snapshot, report */
	WW_TRANSITION_FILTER_OPTS, /* --pid --state: trace */
	WW_COMMON_OPTS,            /* -v -h */
	WW_OPT_GROUPS
};
#define WW_GROUP(group) { .key = -(group) }

/* For a default in a help text: WW_STR(WW_DEFAULT_PORT) is "10061". */
#define WW_STR(x) WW_STR_(x)
#define WW_STR_(x) #x

void ww_common_init(struct ww_common *c);

/* -i/--interval: a duration of at least 0.1 s. 1, or -EINVAL with err set. */
int ww_interval_opt(const char *arg, uint64_t *ns, char *err, size_t errlen);
/* A size option of at least min bytes (name for the message). 1, or -EINVAL. */
int ww_size_opt(const char *name, const char *arg, uint64_t min, uint64_t *bytes, char *err,
		size_t errlen);

/* What a subcommand's command line may hold, and where its values go. */
struct ww_parser {
	const char *cmd;                 /* for messages: "top: ..." */
	const char *synopsis;            /* --help: "Usage: waitwatch CMD " this */
	const char *about;               /* --help: what the command does, lines of text */
	const struct ww_opt *opts;       /* every option it takes, in --help order */
	const char *epilogue;            /* --help: text after the options, or NULL */
	struct ww_filters *filters;      /* NULL: the command takes no filter */
	struct ww_common *common;        /* NULL: no --json, tracing option */
	struct collector_opts *copts;    /* NULL: no endpoint option */
	/* The command's own options: 1 handled, 0 not its own, -errno with err set. */
	int (*local)(int opt, const char *arg, void *ctx, char *err, size_t errlen);
	void *ctx;
	int max_args;                    /* positional arguments allowed */
	int min_args;
};

/*
 * getopt_long over argv with the options p->opts lists; each value goes to
 * the command's own handler, then to the shared ones. Returns 0 (positional
 * arguments from *first_arg on), 1 after printing --help (the command then
 * returns 0), or -WW_EUSAGE after a usage error.
 */
int ww_parse(int argc, char **argv, const struct ww_parser *p, int *first_arg);

/*
 * One socket or transition filter by its option's long name ("netns",
 * "port", "ipv4" with "" or "1", ...), as serve's /api/v1/stream takes
 * them from its query. 0, or -EINVAL with err set. Thread-safe.
 */
int ww_filter_by_name(const char *name, const char *value, struct ww_filters *f, char *err,
		      size_t errlen);

#endif
