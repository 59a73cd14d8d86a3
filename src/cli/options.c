// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/types.h>
#include "waitwatch.h"
#include "options.h"
#include "collector.h"
#include "format.h"
#include "log.h"

static const struct ww_opt endpoint_opts[] = {
	WW_HEADING("Endpoints:"),
	{ "by", OPT_BY, "KEY", "service (default: remote addr:port of outbound connections, "
	  "listener addr:port of inbound ones), local, remote, laddr, raddr, lport, rport, "
	  "netns, cgroup (its path), comm, container, pod, unit (systemd)" },
	{ "prefix4", OPT_PREFIX4, "N", "fold IPv4 addresses into /N prefixes" },
	{ "prefix6", OPT_PREFIX6, "N", "fold IPv6 addresses into /N prefixes" },
	{ "sort", OPT_SORT, "STATE", "worst first by this state (default: time-wait + "
	  "close-wait)" },
	{ "max-endpoints", OPT_MAX_ENDPOINTS, "N", "rows kept exact; the rest fold into 'other' "
	  "(default " WW_STR(WW_DEFAULT_MAX_ENDPOINTS) ")" },
	{ "max-sockets", OPT_MAX_SOCKETS, "N", "sockets tracked (default 4194304); more are "
	  "counted as untracked" },
	{ "leak-age", OPT_LEAK_AGE, "SECS", "CLOSE_WAIT sockets older than SECS are leak "
	  "suspects, shown by owner (default 60s)" },
	{},
};

static const struct ww_opt socket_filter_opts[] = {
	WW_HEADING("Filters (in the kernel where possible):"),
	{ "ipv4", '4', NULL, "IPv4 sockets only" },
	{ "ipv6", '6', NULL, "IPv6 sockets only (v4-mapped ones included)" },
	{ "port", OPT_PORT, "N", "local or remote port N" },
	{ "lport", OPT_LPORT, "N", "local port N" },
	{ "rport", OPT_RPORT, "N", "remote port N" },
	{ "addr", OPT_ADDR, "CIDR", "local or remote address in CIDR (198.51.100.0/24, "
	  "2001:db8::/64; IPv4 ones also match v4-mapped IPv6)" },
	{ "netns", OPT_NETNS, "INODE", "network namespace INODE only (stat -L -c %i "
	  "/run/netns/NAME)" },
	{},
};

static const struct ww_opt transition_filter_opts[] = {
	{ "pid", OPT_PID, "PID", "sockets owned by process PID (once its owner is known)" },
	{ "state", OPT_STATE, "S[,S]", "transitions into or out of these states (close-wait, "
	  "...; time-wait: the ->CLOSE that leaves a TIME_WAIT socket)" },
	{},
};

static const struct ww_opt tracing_opts[] = {
	WW_HEADING("Tracing:"),
	{ "duration", OPT_DURATION, "SECS", "stop after SECS (units: ms, s, m, h, d; default: "
	  "until Ctrl-C)" },
	{ "ringbuf-size", OPT_RINGBUF, "SIZE", "BPF ring buffers, all CPUs together (default "
	  "8M; a power of 2, 4K-1G)" },
	{ "classic", OPT_CLASSIC, NULL, "use the classic tracepoint instead of tp_btf" },
	{ "no-seccomp", OPT_NO_SECCOMP, NULL, "no system call filter in the steady state (for "
	  "debuggers and valgrind; capabilities are still dropped)" },
	{},
};

static const struct ww_opt output_opts[] = {
	WW_HEADING("Output:"),
	{ "json", OPT_JSON, NULL, "one JSON object per line" },
	{},
};

static const struct ww_opt endpoint_output_opts[] = {
	WW_HEADING("Output:"),
	{ "json", OPT_JSON, NULL, "one object per endpoint, then a totals object" },
	{},
};

static const struct ww_opt common_opts[] = {
	{ "verbose", 'v', NULL, "more messages on stderr (-vv: libbpf's too)" },
	{ "help", 'h', NULL, "this text" },
	{},
};

static const struct ww_opt *const groups[WW_OPT_GROUPS] = {
	[WW_ENDPOINT_OPTS] = endpoint_opts,
	[WW_SOCKET_FILTER_OPTS] = socket_filter_opts,
	[WW_TRACING_OPTS] = tracing_opts,
	[WW_OUTPUT_OPTS] = output_opts,
	[WW_ENDPOINT_OUTPUT_OPTS] = endpoint_output_opts,
	[WW_TRANSITION_FILTER_OPTS] = transition_filter_opts,
	[WW_COMMON_OPTS] = common_opts,
};

static const char *const by_names[] = {
	[BY_SERVICE] = "service", [BY_LOCAL] = "local",   [BY_REMOTE] = "remote",
	[BY_LADDR] = "laddr",     [BY_RADDR] = "raddr",   [BY_LPORT] = "lport",
	[BY_RPORT] = "rport",     [BY_NETNS] = "netns",   [BY_CGROUP] = "cgroup",
	[BY_COMM] = "comm",       [BY_CONTAINER] = "container", [BY_POD] = "pod",
	[BY_UNIT] = "unit",
};

static int parse_by(const char *arg, struct collector_opts *c, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(by_names) / sizeof(by_names[0]); i++) {
		if (!strcmp(arg, by_names[i])) {
			c->by = i;
			return 1;
		}
	}
	snprintf(err, errlen, "unknown key '%.32s' for --by (service, local, remote, laddr, "
		 "raddr, lport, rport, netns, cgroup, comm, container, pod, unit)", arg);
	return -EINVAL;
}

/* Prefix a parser's message with the option it was for (err is cut to fit). */
static int named(char *err, size_t errlen, const char *opt, int ret)
{
	char msg[WW_ERR_LEN];
	size_t n = strlen(opt) + 2;

	if (n >= errlen)
		return ret;
	snprintf(msg, sizeof(msg), "%s", err);
	snprintf(err, errlen, "%s: %.*s", opt, (int)(errlen - n - 1), msg);
	return ret;
}

static int endpoint_opt(int opt, const char *arg, struct collector_opts *c, char *err,
			size_t errlen)
{
	uint64_t v;
	int ret;

	switch (opt) {
	case OPT_SORT:
		c->sort_state = tcp_state_parse(arg);
		if (c->sort_state >= 0)
			return 1;
		snprintf(err, errlen, "unknown state '%.32s' for --sort", arg);
		return -EINVAL;
	case OPT_BY:
		return parse_by(arg, c, err, errlen);
	case OPT_PREFIX4:
	case OPT_PREFIX6:
		ret = parse_u64(arg, 1, opt == OPT_PREFIX4 ? 32u : 128u, &v, err, errlen);
		if (ret)
			return named(err, errlen, opt == OPT_PREFIX4 ? "--prefix4" : "--prefix6", ret);
		*(opt == OPT_PREFIX4 ? &c->prefix4 : &c->prefix6) = v;
		return 1;
	case OPT_MAX_ENDPOINTS:
		ret = parse_u64(arg, 1, 1000000u, &v, err, errlen);
		if (ret)
			return named(err, errlen, "--max-endpoints", ret);
		c->max_endpoints = v;
		return 1;
	case OPT_LEAK_AGE:
		ret = parse_duration(arg, &v, err, errlen);
		if (ret)
			return named(err, errlen, "--leak-age", ret);
		c->leak_age_ns = v;
		return 1;
	case OPT_MAX_SOCKETS:
		ret = parse_u64(arg, 1, 1u << 28, &v, err, errlen);
		if (ret)
			return named(err, errlen, "--max-sockets", ret);
		c->max_sockets = v;
		return 1;
	}
	return 0;
}

void ww_common_init(struct ww_common *c)
{
	memset(c, 0, sizeof(*c));
	c->ringbuf_bytes = WW_DEFAULT_RINGBUF;
}

static int parse_u32(const char *what, const char *arg, uint32_t *out, char *err,
		     size_t errlen)
{
	uint64_t v;
	int ret = parse_u64(arg, 1, UINT32_MAX, &v, err, errlen);

	if (ret) {
		snprintf(err, errlen, "%s '%s' must be a number from 1 to %u", what, arg,
			 UINT32_MAX);
		return ret;
	}
	*out = v;
	return 0;
}

static int filter_opt(int opt, const char *arg, struct ww_filters *f, char *err, size_t errlen)
{
	switch (opt) {
	case '4':
		f->family = AF_INET;
		return 1;
	case '6':
		f->family = AF_INET6;
		return 1;
	case OPT_PORT:
		return parse_port(arg, &f->port, err, errlen) ?: 1;
	case OPT_LPORT:
		return parse_port(arg, &f->lport, err, errlen) ?: 1;
	case OPT_RPORT:
		return parse_port(arg, &f->rport, err, errlen) ?: 1;
	case OPT_ADDR:
		f->has_addr = true;
		return parse_cidr(arg, &f->addr, err, errlen) ?: 1;
	case OPT_NETNS:
		return parse_u32("--netns", arg, &f->netns, err, errlen) ?: 1;
	case OPT_PID:
		return parse_u32("--pid", arg, &f->pid, err, errlen) ?: 1;
	case OPT_STATE:
		return parse_states(arg, &f->states, err, errlen) ?: 1;
	}
	return 0;
}

static int common_opt(int opt, const char *arg, struct ww_common *c, char *err, size_t errlen)
{
	uint64_t v;
	int ret;

	switch (opt) {
	case OPT_JSON:
		c->json = true;
		return 1;
	case OPT_DURATION:
		return parse_duration(arg, &c->duration_ns, err, errlen) ?: 1;
	case OPT_RINGBUF:
		ret = parse_size(arg, &v, err, errlen);
		if (ret)
			return ret;
		/* the kernel wants a power of two, at least a page */
		if (v < 4096 || v > (1ull << 30) || (v & (v - 1))) {
			snprintf(err, errlen,
				 "--ringbuf-size '%s' must be a power of 2 from 4K to 1G", arg);
			return -EINVAL;
		}
		c->ringbuf_bytes = v;
		return 1;
	case OPT_CLASSIC:
		c->force_classic = true;
		return 1;
	case OPT_NO_SECCOMP:
		c->no_seccomp = true;
		return 1;
	}
	return 0;
}

int ww_usage_error(const char *cmd, const char *fmt, ...)
{
	char msg[512], safe[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* the message quotes what was typed: no escape sequence reaches the terminal */
	text_printable(safe, sizeof(safe), msg, sizeof(msg));
	fprintf(stderr, "waitwatch: %s%s%s (try %s--help)\n", cmd ? cmd : "", cmd ? ": " : "", safe,
		cmd ? "" : "waitwatch ");
	return -WW_EUSAGE;
}

/* ---- the rows: getopt_long's table and --help ------------------------------ */

#define MAX_ROWS 64     /* headings and rows of one command, groups expanded */
#define HELP_WIDTH 79   /* the widest line of --help */
#define HELP_MAX_COL 28 /* where the texts start at the most: a longer name wraps */

static bool is_end(const struct ww_opt *o)
{
	return !o->name && !o->key && !o->help;
}

/* The rows of a group, if o stands for one. */
static const struct ww_opt *group_of(const struct ww_opt *o)
{
	if (o->name || o->key >= 0 || -o->key >= WW_OPT_GROUPS)
		return NULL;
	return groups[-o->key];
}

/* Does the command's table hold a row of this key itself (not in a group)? */
static bool listed_itself(const struct ww_opt *opts, int key)
{
	for (const struct ww_opt *o = opts; !is_end(o); o++)
		if (o->name && o->key == key)
			return true;
	return false;
}

/* The headings and rows of a table, in order, with its groups expanded; their number. */
static size_t flatten(const struct ww_opt *opts, const struct ww_opt **out)
{
	const struct ww_opt *g;
	size_t n = 0;

	for (const struct ww_opt *o = opts; !is_end(o); o++) {
		if (!group_of(o)) {
			assert(n < MAX_ROWS);
			out[n++] = o;
			continue;
		}
		for (g = group_of(o); !is_end(g); g++) {
			if (g->name && listed_itself(opts, g->key))
				continue; /* the command words it its own way */
			assert(n < MAX_ROWS);
			out[n++] = g;
		}
	}
	return n;
}

static bool has_letter(const struct ww_opt *o)
{
	return o->key > 0 && o->key < 256;
}

/* getopt_long's table and its short options from the rows. */
static void getopt_tables(const struct ww_opt **rows, size_t n, struct option *longopts,
			  char *shortopts)
{
	size_t nl = 0, ns = 0;

	/* a leading ':' makes getopt tell a missing value from an unknown option */
	shortopts[ns++] = ':';
	for (size_t i = 0; i < n; i++) {
		const struct ww_opt *o = rows[i];

		if (!o->name)
			continue;
		longopts[nl++] = (struct option){ o->name, o->arg ? required_argument : no_argument,
						  NULL, o->key };
		if (!has_letter(o))
			continue;
		shortopts[ns++] = o->key;
		if (o->arg)
			shortopts[ns++] = ':';
	}
	longopts[nl] = (struct option){};
	shortopts[ns] = 0;
}

/* A row's left column, "  -i, --interval SECS" or "      --once"; its width. */
static int row_name(const struct ww_opt *o, char *buf, size_t len)
{
	char letter[8] = "    ";

	if (has_letter(o))
		snprintf(letter, sizeof(letter), "-%c, ", o->key);
	return snprintf(buf, len, "  %s--%s%s%s", letter, o->name, o->arg ? " " : "",
			o->arg ?: "");
}

/* Where the texts start: after the widest name that fits. */
static int help_column(const struct ww_opt **rows, size_t n)
{
	char name[64];
	int col = 0, w;

	for (size_t i = 0; i < n; i++) {
		if (!rows[i]->name)
			continue;
		w = row_name(rows[i], name, sizeof(name)) + 2;
		if (w > col && w <= HELP_MAX_COL)
			col = w;
	}
	return col;
}

/* Text from column at, word by word, its later lines from column col. */
static void print_wrapped(FILE *f, const char *text, int col, int at)
{
	size_t word;

	for (text += strspn(text, " "); *text; text += strspn(text, " ")) {
		word = strcspn(text, " ");
		if (at > col && at + 1 + (int)word > HELP_WIDTH) {
			fprintf(f, "\n%*s", col, "");
			at = col;
		} else if (at > col) {
			fputc(' ', f);
			at++;
		}
		fprintf(f, "%.*s", (int)word, text);
		at += word;
		text += word;
	}
	fputc('\n', f);
}

static void print_row(FILE *f, const struct ww_opt *o, int col)
{
	char name[64];
	int w = row_name(o, name, sizeof(name));

	if (w + 2 > col)
		fprintf(f, "%s\n%*s", name, col, "");
	else
		fprintf(f, "%-*s", col, name);
	print_wrapped(f, o->help, col, col);
}

/* The command's --help. */
static void help(FILE *f, const struct ww_parser *p)
{
	const struct ww_opt *rows[MAX_ROWS];
	size_t n = flatten(p->opts, rows);
	int col = help_column(rows, n);

	fprintf(f, "Usage: waitwatch %s %s\n\n%s\n", p->cmd, p->synopsis, p->about);
	for (size_t i = 0; i < n; i++) {
		if (rows[i]->name)
			print_row(f, rows[i], col);
		else
			fprintf(f, "%s%s\n", i ? "\n" : "", rows[i]->help);
	}
	if (p->epilogue)
		fprintf(f, "\n%s", p->epilogue);
}

/* ---- parsing ---------------------------------------------------------------- */

/* What getopt_long works from, and where it is. */
struct getopt_run {
	int argc;
	char **argv;
	struct option longopts[MAX_ROWS + 1];
	char shortopts[2 * MAX_ROWS + 2];
	int longindex; /* of the long option it returned, or -1 */
	const struct ww_opt *rows[MAX_ROWS];
	size_t nrows;
};

/* The option getopt_long returned as opt, for messages: "-x" or "--name". */
static const char *typed(const struct getopt_run *g, int opt, char *buf, size_t len)
{
	if (opt == ':' && !strncmp(g->argv[g->argc - 1], "--", 2))
		return g->argv[g->argc - 1]; /* a value can only be missing at the end */
	if (opt == ':' || opt == '?')
		opt = optopt;
	if (g->longindex >= 0)
		snprintf(buf, len, "--%s", g->longopts[g->longindex].name);
	else if (opt > 0 && opt < 256)
		snprintf(buf, len, "-%c", opt);
	else /* an unknown long option, getopt_long went past it */
		snprintf(buf, len, "%s", optind > 0 && optind <= g->argc ? g->argv[optind - 1] : "?");
	return buf;
}

static int one_option(const struct ww_parser *p, int opt, const char *arg, char *err,
		      size_t errlen)
{
	int ret = 0;

	if (p->local)
		ret = p->local(opt, arg, p->ctx, err, errlen);
	if (!ret && p->copts)
		ret = endpoint_opt(opt, arg, p->copts, err, errlen);
	if (!ret && p->filters)
		ret = filter_opt(opt, arg, p->filters, err, errlen);
	if (!ret && p->common)
		ret = common_opt(opt, arg, p->common, err, errlen);
	return ret;
}

static const struct ww_opt *row_of(const struct ww_opt *const *rows, size_t n, int key)
{
	for (size_t i = 0; i < n; i++)
		if (rows[i]->name && rows[i]->key == key)
			return rows[i];
	return NULL;
}

/* A row with WW_INTO: its value into the command's ctx. 1, or -EINVAL with err set. */
static int store(const struct ww_opt *o, const char *arg, void *ctx, char *err, size_t errlen)
{
	void *dst = (char *)ctx + o->off;
	char name[64];

	snprintf(name, sizeof(name), "--%s", o->name);
	switch (o->value) {
	case WW_V_FLAG:
		*(bool *)dst = true;
		return 1;
	case WW_V_STRING:
		if (arg[0] == '-') {
			snprintf(err, errlen, "%s needs a value, not an option ('%.32s')", name, arg);
			return -EINVAL;
		}
		*(const char **)dst = arg;
		return 1;
	case WW_V_INTERVAL:
		return ww_interval_opt(arg, dst, err, errlen);
	case WW_V_DURATION:
		return parse_duration(arg, dst, err, errlen) ?: 1;
	case WW_V_SIZE:
		return ww_size_opt(name, arg, 65536, dst, err, errlen);
	case WW_V_COUNT:
		if (parse_u64(arg, 1, UINT64_MAX, dst, err, errlen)) {
			snprintf(err, errlen, "%s '%.32s' must be a positive number", name, arg);
			return -EINVAL;
		}
		return 1;
	case WW_V_HANDLER:
		break;
	}
	return 0;
}

/* One result of getopt_long: 0 to go on, 1 after --help, or -WW_EUSAGE. */
static int take(const struct ww_parser *p, const struct getopt_run *g, int opt)
{
	const struct ww_opt *row = row_of(g->rows, g->nrows, opt);
	char err[WW_ERR_LEN], buf[64];
	int ret;

	switch (opt) {
	case 'h':
		help(stdout, p);
		return 1;
	case 'v':
		ww_verbosity++;
		return 0;
	case ':':
		return ww_usage_error(p->cmd, "%s needs a value", typed(g, opt, buf, sizeof(buf)));
	case '?':
		return ww_usage_error(p->cmd, "unknown option %s", typed(g, opt, buf, sizeof(buf)));
	}
	if (row && row->value != WW_V_HANDLER)
		ret = store(row, optarg, p->ctx, err, sizeof(err));
	else
		ret = one_option(p, opt, optarg, err, sizeof(err));
	if (ret < 0)
		return ww_usage_error(p->cmd, "%s", err);
	if (ret == 0)
		return ww_usage_error(p->cmd, "%s does not apply here",
				      typed(g, opt, buf, sizeof(buf)));
	return 0;
}

int ww_parse(int argc, char **argv, const struct ww_parser *p, int *first_arg)
{
	struct getopt_run g = { .argc = argc, .argv = argv };
	int opt, ret, nargs;

	g.nrows = flatten(p->opts, g.rows);
	getopt_tables(g.rows, g.nrows, g.longopts, g.shortopts);
	optind = 0; /* 0, not 1: glibc then also forgets a half-read option group */
	opterr = 0;
	for (;;) {
		g.longindex = -1;
		opt = getopt_long(argc, argv, g.shortopts, g.longopts, &g.longindex);
		if (opt == -1)
			break;
		ret = take(p, &g, opt);
		if (ret)
			return ret;
	}
	nargs = argc - optind;
	if (nargs > p->max_args)
		return ww_usage_error(p->cmd, "unexpected argument '%s'",
				      argv[optind + p->max_args]);
	if (nargs < p->min_args)
		return ww_usage_error(p->cmd, "missing argument");
	*first_arg = optind;
	return 0;
}

int ww_interval_opt(const char *arg, uint64_t *ns, char *err, size_t errlen)
{
	if (parse_duration(arg, ns, err, errlen) || *ns < 100000000ull) {
		snprintf(err, errlen, "--interval '%.32s' must be a duration of at least 0.1s", arg);
		return -EINVAL;
	}
	return 1;
}

int ww_size_opt(const char *name, const char *arg, uint64_t min, uint64_t *bytes, char *err,
		size_t errlen)
{
	int ret = parse_size(arg, bytes, err, errlen);

	if (ret)
		return named(err, errlen, name, ret); /* not a size, or too large */
	if (*bytes < min) {
		snprintf(err, errlen, "%s '%.32s' must be a size of at least %lluK (K, M, G, T)",
			 name, arg, (unsigned long long)min / 1024);
		return -EINVAL;
	}
	return 1;
}

int ww_filter_by_name(const char *name, const char *value, struct ww_filters *f, char *err,
		      size_t errlen)
{
	const struct ww_opt *const tables[] = { socket_filter_opts, transition_filter_opts };

	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		for (const struct ww_opt *o = tables[t]; o->name || o->help; o++) {
			if (!o->name || strcmp(o->name, name))
				continue;
			if (!o->arg && *value && strcmp(value, "1") && strcmp(value, "true")) {
				snprintf(err, errlen, "%s takes no value", name);
				return -EINVAL;
			}
			if (o->arg && !*value) {
				snprintf(err, errlen, "%s needs a value", name);
				return -EINVAL;
			}
			return filter_opt(o->key, value, f, err, errlen) < 0 ? -EINVAL : 0;
		}
	}
	snprintf(err, errlen, "unknown filter '%.32s' (trace's filter options)", name);
	return -EINVAL;
}
