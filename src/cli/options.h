/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Options shared by the subcommands: the socket filters (applied in the
 * kernel where possible) and the common flags. Each subcommand has its own
 * getopt_long table and passes unknown options here.
 */
#ifndef WW_OPTIONS_H
#define WW_OPTIONS_H

#include <getopt.h>
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
	OPT_COUNT,
	OPT_RINGBUF,
	OPT_CLASSIC,
	OPT_SORT,
	OPT_BY,
	OPT_PREFIX4,
	OPT_PREFIX6,
	OPT_MAX_ENDPOINTS,
	OPT_MAX_SOCKETS,
	OPT_LEAK_AGE,
	OPT_FIRST_LOCAL, /* subcommands number their own options from here */
};

/* getopt_long entries for the socket filters, and for trace's transition filters. */
#define WW_SOCKET_FILTER_LONGOPTS                                           \
	{ "ipv4", no_argument, NULL, '4' }, { "ipv6", no_argument, NULL, '6' },     \
	{ "port", required_argument, NULL, OPT_PORT },                              \
	{ "lport", required_argument, NULL, OPT_LPORT },                            \
	{ "rport", required_argument, NULL, OPT_RPORT },                            \
	{ "addr", required_argument, NULL, OPT_ADDR },                              \
	{ "netns", required_argument, NULL, OPT_NETNS }
#define WW_FILTER_LONGOPTS                                                  \
	WW_SOCKET_FILTER_LONGOPTS,                                                  \
	{ "pid", required_argument, NULL, OPT_PID },                                \
	{ "state", required_argument, NULL, OPT_STATE }
#define WW_COMMON_LONGOPTS                                                  \
	{ "json", no_argument, NULL, OPT_JSON },                                    \
	{ "duration", required_argument, NULL, OPT_DURATION },                      \
	{ "ringbuf-size", required_argument, NULL, OPT_RINGBUF },                   \
	{ "classic", no_argument, NULL, OPT_CLASSIC },                              \
	WW_HELP_LONGOPTS
#define WW_HELP_LONGOPTS                                                    \
	{ "verbose", no_argument, NULL, 'v' }, { "help", no_argument, NULL, 'h' }

/* How sockets are grouped into endpoints: top, snapshot, serve. */
#define WW_ENDPOINT_LONGOPTS                                                \
	{ "sort", required_argument, NULL, OPT_SORT },                              \
	{ "by", required_argument, NULL, OPT_BY },                                  \
	{ "prefix4", required_argument, NULL, OPT_PREFIX4 },                        \
	{ "prefix6", required_argument, NULL, OPT_PREFIX6 },                        \
	{ "max-endpoints", required_argument, NULL, OPT_MAX_ENDPOINTS },            \
	{ "max-sockets", required_argument, NULL, OPT_MAX_SOCKETS },                \
	{ "leak-age", required_argument, NULL, OPT_LEAK_AGE }

/* The help text lines for the options above. */
extern const char ww_filter_help[];        /* with --pid and --state: trace */
extern const char ww_socket_filter_help[]; /* without */
extern const char ww_common_help[];
void ww_endpoint_help(FILE *f, unsigned int max_endpoints);

void ww_common_init(struct ww_common *c);

/*
 * Handle one getopt result if it is a filter or common option.
 * Returns 1 if handled, 0 if not ours, -EINVAL with err set if the value is bad.
 */
int ww_filter_opt(int opt, const char *arg, struct ww_filters *f, char *err, size_t errlen);
int ww_common_opt(int opt, const char *arg, struct ww_common *c, char *err, size_t errlen);

/* -i/--interval: a duration of at least 0.1 s. 1, or -EINVAL with err set. */
int ww_interval_opt(const char *arg, uint64_t *ns, char *err, size_t errlen);
/* A size option of at least min bytes (name for the message). 1, or -EINVAL. */
int ww_size_opt(const char *name, const char *arg, uint64_t min, uint64_t *bytes, char *err,
		size_t errlen);

/* What a subcommand's command line may hold, and where its values go. */
struct ww_parser {
	const char *cmd;                 /* for messages: "top: ..." */
	const char *shortopts;           /* without the leading ':' */
	const struct option *longopts;
	struct ww_filters *filters;      /* NULL: the command takes no filter */
	struct ww_common *common;        /* NULL: no common flag (then -v is local) */
	struct collector_opts *copts;    /* NULL: no endpoint option */
	/* The command's own options: 1 handled, 0 not its own, -errno with err set. */
	int (*local)(int opt, const char *arg, void *ctx, char *err, size_t errlen);
	void *ctx;
	void (*usage)(FILE *f, void *ctx);
	int max_args;                    /* positional arguments allowed */
	int min_args;
};

/*
 * getopt_long over argv with every option family the command takes.
 * Returns 0 (positional arguments from *first_arg on), 1 after printing
 * --help (the command then returns 0), or -WW_EUSAGE after a usage error.
 */
int ww_parse(int argc, char **argv, const struct ww_parser *p, int *first_arg);

struct collector_opts;
/* Endpoint options into the collector's; same return convention. */
int ww_endpoint_opt(int opt, const char *arg, struct collector_opts *c, char *err,
		    size_t errlen);

#endif
