// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
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

#define SOCKET_FILTERS                                                                      \
	"Filters (in the kernel where possible):\n"                                         \
	"  -4, --ipv4             IPv4 sockets only\n"                                        \
	"  -6, --ipv6             IPv6 sockets only (v4-mapped ones included)\n"             \
	"      --port N           local or remote port N\n"                                  \
	"      --lport N          local port N\n"                                            \
	"      --rport N          remote port N\n"                                           \
	"      --addr CIDR        local or remote address in CIDR (198.51.100.0/24,\n"       \
	"                         2001:db8::/64; IPv4 ones also match v4-mapped IPv6)\n"     \
	"      --netns INODE      network namespace INODE only (stat -L -c %i\n"             \
	"                         /run/netns/NAME)\n"

const char ww_socket_filter_help[] = SOCKET_FILTERS;

const char ww_filter_help[] = SOCKET_FILTERS
	"      --pid PID          sockets owned by process PID (once its owner is known)\n"
	"      --state S[,S]      transitions into or out of these states (close-wait, ...;\n"
	"                         time-wait: the ->CLOSE that leaves a TIME_WAIT socket)\n";

const char ww_common_help[] =
	"      --json             one JSON object per line\n"
	"      --duration SECS    stop after SECS (units: ms, s, m, h, d; default: until\n"
	"                         Ctrl-C)\n"
	"      --ringbuf-size SZ  BPF ring buffers, all CPUs together (default 8M; a power\n"
	"                         of 2, 4K-1G)\n"
	"      --classic          use the classic tracepoint instead of tp_btf\n"
	"  -v, --verbose          more messages on stderr (-vv: libbpf's too)\n"
	"  -h, --help             this text\n";

void ww_endpoint_help(FILE *f, unsigned int max_endpoints)
{
	fprintf(f,
	"Endpoints:\n"
	"      --by KEY           service (default: remote addr:port of outbound\n"
	"                         connections, listener addr:port of inbound ones),\n"
	"                         local, remote, laddr, raddr, lport, rport, netns,\n"
	"                         cgroup, comm\n"
	"      --prefix4 N        fold IPv4 addresses into /N prefixes\n"
	"      --prefix6 N        fold IPv6 addresses into /N prefixes\n"
	"      --sort STATE       worst first by this state (default: time-wait +\n"
	"                         close-wait)\n"
	"      --max-endpoints N  rows kept exact; the rest fold into 'other'\n"
	"                         (default %u)\n"
	"      --max-sockets N    sockets tracked (default 4194304); more are counted\n"
	"                         as untracked\n"
	"      --leak-age DUR     CLOSE_WAIT sockets older than DUR are leak suspects,\n"
	"                         shown by owner (default 60s)\n", max_endpoints);
}

static const char *const by_names[] = {
	[BY_SERVICE] = "service", [BY_LOCAL] = "local",   [BY_REMOTE] = "remote",
	[BY_LADDR] = "laddr",     [BY_RADDR] = "raddr",   [BY_LPORT] = "lport",
	[BY_RPORT] = "rport",     [BY_NETNS] = "netns",   [BY_CGROUP] = "cgroup",
	[BY_COMM] = "comm",
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
		 "raddr, lport, rport, netns, cgroup, comm)", arg);
	return -EINVAL;
}

/* Prefix a parser's message with the option it was for. */
static int named(char *err, size_t errlen, const char *opt, int ret)
{
	char msg[WW_ERR_LEN];

	snprintf(msg, sizeof(msg), "%s", err);
	snprintf(err, errlen, "%s: %s", opt, msg);
	return ret;
}

int ww_endpoint_opt(int opt, const char *arg, struct collector_opts *c, char *err,
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

int ww_filter_opt(int opt, const char *arg, struct ww_filters *f, char *err, size_t errlen)
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

int ww_common_opt(int opt, const char *arg, struct ww_common *c, char *err, size_t errlen)
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
	case 'v':
		ww_verbosity++;
		return 1;
	}
	return 0;
}

int ww_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("waitwatch: ", stderr);
	if (cmd)
		fprintf(stderr, "%s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (try %s--help)\n", cmd ? "" : "waitwatch ");
	return -WW_EUSAGE;
}

/* The option as typed, for messages: "-x" or "--name". */
static const char *typed(int argc, char **argv, char *buf, size_t len)
{
	if (optopt > 0 && optopt < 256)
		snprintf(buf, len, "-%c", optopt);
	else
		snprintf(buf, len, "%s", optind > 0 && optind <= argc ? argv[optind - 1] : "?");
	return buf;
}

static int one_option(const struct ww_parser *p, int opt, const char *arg, char *err,
		      size_t errlen)
{
	int ret = 0;

	if (p->local)
		ret = p->local(opt, arg, p->ctx, err, errlen);
	if (!ret && p->copts)
		ret = ww_endpoint_opt(opt, arg, p->copts, err, errlen);
	if (!ret && p->filters)
		ret = ww_filter_opt(opt, arg, p->filters, err, errlen);
	if (!ret && p->common)
		ret = ww_common_opt(opt, arg, p->common, err, errlen);
	return ret;
}

int ww_parse(int argc, char **argv, const struct ww_parser *p, int *first_arg)
{
	char shortopts[64], err[WW_ERR_LEN], buf[64];
	int opt, ret, nargs;

	/* a leading ':' makes getopt tell a missing value from an unknown option */
	snprintf(shortopts, sizeof(shortopts), ":%s", p->shortopts);
	optind = 0; /* 0, not 1: glibc then also forgets a half-read option group */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, shortopts, p->longopts, NULL)) != -1) {
		if (opt == 'h') {
			p->usage(stdout, p->ctx);
			return 1;
		}
		if (opt == ':')
			return ww_usage_error(p->cmd, "%s needs a value",
					      typed(argc, argv, buf, sizeof(buf)));
		if (opt == '?')
			return ww_usage_error(p->cmd, "unknown option %s",
					      typed(argc, argv, buf, sizeof(buf)));
		ret = one_option(p, opt, optarg, err, sizeof(err));
		if (ret < 0)
			return ww_usage_error(p->cmd, "%s", err);
		if (ret == 0)
			return ww_usage_error(p->cmd, "%s does not apply here",
					      typed(argc, argv, buf, sizeof(buf)));
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
	if (parse_size(arg, bytes, err, errlen) || *bytes < min) {
		snprintf(err, errlen, "%s '%.32s' must be a size of at least %lluK (K, M, G)", name,
			 arg, (unsigned long long)min / 1024);
		return -EINVAL;
	}
	return 1;
}
