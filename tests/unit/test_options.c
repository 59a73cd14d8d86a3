// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The filters as user space applies them (replayed events, sweep records),
 * and the shared option parser: the getopt tables and --help it makes of the
 * same rows, values, errors and their one-line messages.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>
#include "collector.h"
#include "options.h"

static struct ww_event event(int family, const char *laddr, const char *raddr, int old, int new)
{
	struct ww_event e = { .family = family, .oldstate = old, .newstate = new,
			      .sport = 40000, .dport = 443, .netns = 7 };

	inet_pton(family, laddr, e.saddr);
	inet_pton(family, raddr, e.daddr);
	return e;
}

static const struct ww_opt filter_opts[] = {
	WW_GROUP(WW_SOCKET_FILTER_OPTS),
	WW_GROUP(WW_TRANSITION_FILTER_OPTS),
	{},
};

static struct ww_filters filters(const char **argv, int argc)
{
	struct ww_filters f = {};
	struct ww_parser p = { .cmd = "test", .opts = filter_opts, .filters = &f };
	int first;

	assert_int_equal(ww_parse(argc, (char **)argv, &p, &first), 0);
	return f;
}

/* No transition goes into TIME_WAIT: --state time-wait matches the ->CLOSE that leaves one. */
static void test_state_time_wait(void **state)
{
	const char *argv[] = { "x", "--state", "time-wait" };
	struct ww_filters f = filters(argv, 3);
	struct ww_event e = event(AF_INET, "198.51.100.2", "198.51.100.1", WW_TCP_FIN_WAIT2,
				  WW_TCP_CLOSE);

	assert_false(filters__match_event(&f, &e));
	e.flags = WW_EF_TW;
	assert_true(filters__match_event(&f, &e));
	e.flags = WW_EF_TW_FW2; /* its substate is FIN_WAIT2: not TIME_WAIT */
	assert_false(filters__match_event(&f, &e));
}

/* An IPv4 prefix also matches the v4-mapped addresses of IPv6 sockets, as shown. */
static void test_addr_v4mapped(void **state)
{
	const char *argv[] = { "x", "--addr", "198.51.100.0/24" };
	struct ww_filters f = filters(argv, 3);
	struct ww_event mapped = event(AF_INET6, "::ffff:198.51.100.2", "::ffff:192.0.2.1",
				       WW_TCP_SYN_SENT, WW_TCP_ESTABLISHED);
	struct ww_event other = event(AF_INET6, "::ffff:192.0.2.9", "::ffff:192.0.2.1",
				      WW_TCP_SYN_SENT, WW_TCP_ESTABLISHED);
	struct ww_event v6 = event(AF_INET6, "2001:db8::1", "2001:db8::2", WW_TCP_SYN_SENT,
				   WW_TCP_ESTABLISHED);

	assert_true(filters__match_event(&f, &mapped));
	assert_false(filters__match_event(&f, &other));
	assert_false(filters__match_event(&f, &v6));
}

static void test_pid_needs_owner(void **state)
{
	const char *argv[] = { "x", "--pid", "42", "--rport", "443" };
	struct ww_filters f = filters(argv, 5);
	struct ww_event e = event(AF_INET, "198.51.100.2", "198.51.100.1", WW_TCP_ESTABLISHED,
				  WW_TCP_FIN_WAIT1);

	e.pid = 42;
	assert_false(filters__match_event(&f, &e)); /* pid without WW_EF_OWNER is unknown */
	e.flags = WW_EF_OWNER;
	assert_true(filters__match_event(&f, &e));
	e.dport = 80;
	assert_false(filters__match_event(&f, &e));
}

/* ---- ww_parse ---------------------------------------------------------------- */

struct parsed {
	struct ww_filters f;
	struct ww_common c;
	struct collector_opts co;
	int local;
};

static int local(int opt, const char *arg, void *ctx, char *err, size_t errlen)
{
	if (opt != 'i')
		return 0;
	return ww_interval_opt(arg, &(uint64_t){ 0 }, err, errlen) < 0 ? -22 :
		(((struct parsed *)ctx)->local++, 1);
}

static const struct ww_opt test_opts[] = {
	{ "interval", 'i', "SECS", "refresh interval" },
	WW_GROUP(WW_COMMON_OPTS),
	WW_GROUP(WW_ENDPOINT_OPTS),
	WW_GROUP(WW_SOCKET_FILTER_OPTS),
	WW_GROUP(WW_TRACING_OPTS),
	WW_GROUP(WW_OUTPUT_OPTS),
	{},
};

/* fd 1 or 2 into a temporary file, until restore() */
static FILE *capture(int fd, int *saved)
{
	FILE *tmp = tmpfile();

	fflush(fd == 1 ? stdout : stderr);
	*saved = dup(fd);
	dup2(fileno(tmp), fd);
	return tmp;
}

/* fd back as it was; what went into tmp, as text, into buf; tmp closed. */
static void restore(int fd, int saved, FILE *tmp, char *buf, size_t len)
{
	size_t n;

	fflush(fd == 1 ? stdout : stderr);
	dup2(saved, fd);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, len - 1, tmp);
	buf[n] = 0;
	fclose(tmp);
}

/* Run ww_parse on a command line with these options; stderr's first line into err. */
static int parse_with(const struct ww_opt *opts, const char *line, struct parsed *p, char *err,
		      size_t errlen)
{
	struct ww_parser ps = {
		.cmd = "test", .synopsis = "[OPTIONS]", .about = "about\n", .opts = opts,
		.filters = &p->f, .common = &p->c, .copts = &p->co, .local = local, .ctx = p,
	};
	char *argv[16], buf[256], *save = NULL;
	int argc = 0, first, ret, saved;
	FILE *tmp;

	memset(p, 0, sizeof(*p));
	ww_common_init(&p->c);
	snprintf(buf, sizeof(buf), "%s", line);
	for (char *t = strtok_r(buf, " ", &save); t && argc < 15; t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	argv[argc] = NULL;
	tmp = capture(2, &saved);
	ret = ww_parse(argc, argv, &ps, &first);
	restore(2, saved, tmp, err, errlen);
	err[strcspn(err, "\n")] = 0; /* the first line */
	return ret;
}

static int parse(const char *line, struct parsed *p, char *err, size_t errlen)
{
	return parse_with(test_opts, line, p, err, errlen);
}

static void test_parse_values(void **state)
{
	struct parsed p;
	char err[256];

	assert_int_equal(parse("test -4 --port 443 --by remote --prefix4 24 -i 2s --json", &p,
			       err, sizeof(err)), 0);
	assert_int_equal(p.f.family, AF_INET);
	assert_int_equal(p.f.port, 443);
	assert_int_equal(p.co.by, BY_REMOTE);
	assert_int_equal(p.co.prefix4, 24);
	assert_int_equal(p.local, 1);
	assert_true(p.c.json);
	assert_string_equal(err, "");
}

static void test_parse_errors(void **state)
{
	struct parsed p;
	char err[256];

	assert_int_equal(parse("test --port", &p, err, sizeof(err)), -WW_EUSAGE);
	assert_string_equal(err, "waitwatch: test: --port needs a value (try --help)");
	assert_int_equal(parse("test --interval", &p, err, sizeof(err)), -WW_EUSAGE);
	assert_string_equal(err, "waitwatch: test: --interval needs a value (try --help)");
	assert_int_equal(parse("test -4i", &p, err, sizeof(err)), -WW_EUSAGE);
	assert_string_equal(err, "waitwatch: test: -i needs a value (try --help)");
	assert_int_equal(parse("test --bogus", &p, err, sizeof(err)), -WW_EUSAGE);
	assert_string_equal(err, "waitwatch: test: unknown option --bogus (try --help)");
	assert_int_equal(parse("test -x", &p, err, sizeof(err)), -WW_EUSAGE);
	assert_string_equal(err, "waitwatch: test: unknown option -x (try --help)");
	assert_int_equal(parse("test --port 70000", &p, err, sizeof(err)), -WW_EUSAGE);
	assert_non_null(strstr(err, "70000"));
	assert_int_equal(parse("test -i 0.01", &p, err, sizeof(err)), -WW_EUSAGE);
	assert_non_null(strstr(err, "at least 0.1s"));
	assert_int_equal(parse("test --prefix4 33", &p, err, sizeof(err)), -WW_EUSAGE);
	assert_non_null(strstr(err, "--prefix4"));
	assert_int_equal(parse("test extra", &p, err, sizeof(err)), -WW_EUSAGE);
	assert_string_equal(err, "waitwatch: test: unexpected argument 'extra' (try --help)");
}

/* --help: 1, on stdout, every row once; a command's own row replaces the group's. */
static void test_help(void **state)
{
	static const struct ww_opt opts[] = {
		{ "interval", 'i', "SECS", "a row of the command's own, whose text is long enough "
		  "to be wrapped onto a second line" },
		WW_GROUP(WW_COMMON_OPTS),
		WW_GROUP(WW_OUTPUT_OPTS),
		{ "json", OPT_JSON, NULL, "the command's own words" },
		{},
	};
	struct ww_parser ps = {
		.cmd = "test", .synopsis = "[OPTIONS]", .about = "About it.\n", .opts = opts,
		.epilogue = "The end.\n",
	};
	const char *want =
		"Usage: waitwatch test [OPTIONS]\n\n"
		"About it.\n\n"
		"  -i, --interval SECS  a row of the command's own, whose text is long enough to\n"
		"                       be wrapped onto a second line\n"
		"  -v, --verbose        more messages on stderr (-vv: libbpf's too)\n"
		"  -h, --help           this text\n\n"
		"Output:\n"
		"      --json           the command's own words\n\n"
		"The end.\n";
	char *argv[] = { "test", "-i", "2", "--help", "--bogus", NULL }, buf[1024] = "";
	struct parsed p = {};
	int first, saved, ret;
	FILE *tmp;

	ps.local = local;
	ps.ctx = &p;
	tmp = capture(1, &saved);
	ret = ww_parse(5, argv, &ps, &first);
	restore(1, saved, tmp, buf, sizeof(buf));
	assert_int_equal(ret, 1);
	assert_string_equal(buf, want);
}

/* Only what the table lists is taken, with or without a value as it says. */
static void test_only_listed(void **state)
{
	static const struct ww_opt opts[] = {
		WW_GROUP(WW_COMMON_OPTS),
		WW_GROUP(WW_SOCKET_FILTER_OPTS),
		{},
	};
	struct parsed p;
	char err[256];

	assert_int_equal(parse_with(opts, "test -6 --netns 7 -v", &p, err, sizeof(err)), 0);
	assert_int_equal(p.f.netns, 7);
	assert_int_equal(parse_with(opts, "test --json", &p, err, sizeof(err)), -WW_EUSAGE);
	assert_string_equal(err, "waitwatch: test: unknown option --json (try --help)");
	assert_int_equal(parse_with(opts, "test -i 1", &p, err, sizeof(err)), -WW_EUSAGE);
	assert_string_equal(err, "waitwatch: test: unknown option -i (try --help)");
	assert_int_equal(parse_with(opts, "test --netns", &p, err, sizeof(err)), -WW_EUSAGE);
	assert_string_equal(err, "waitwatch: test: --netns needs a value (try --help)");
}

/* A listed option no handler takes is a usage error, not silence. */
static void test_listed_not_handled(void **state)
{
	static const struct ww_opt opts[] = { { "once", OPT_FIRST_LOCAL, NULL, "once" }, {} };
	struct parsed p;
	char err[256];

	assert_int_equal(parse_with(opts, "test --once", &p, err, sizeof(err)), -WW_EUSAGE);
	assert_string_equal(err, "waitwatch: test: --once does not apply here (try --help)");
}

/* /api/v1/stream's query: trace's filter options by their names */
static void test_filter_by_name(void **state)
{
	struct ww_filters f = {};
	char err[128];

	assert_int_equal(ww_filter_by_name("netns", "4026531840", &f, err, sizeof(err)), 0);
	assert_int_equal(f.netns, 4026531840u);
	assert_int_equal(ww_filter_by_name("port", "8004", &f, err, sizeof(err)), 0);
	assert_int_equal(f.port, 8004);
	assert_int_equal(ww_filter_by_name("ipv6", "", &f, err, sizeof(err)), 0);
	assert_int_equal(f.family, AF_INET6);
	assert_int_equal(ww_filter_by_name("addr", "198.51.100.0/24", &f, err, sizeof(err)), 0);
	assert_true(f.has_addr);
	assert_int_equal(ww_filter_by_name("state", "close-wait", &f, err, sizeof(err)), 0);
	assert_int_not_equal(f.states, 0);
	assert_int_equal(ww_filter_by_name("pid", "1", &f, err, sizeof(err)), 0);
	assert_int_equal(ww_filter_by_name("port", "70000", &f, err, sizeof(err)), -EINVAL);
	assert_int_equal(ww_filter_by_name("port", "", &f, err, sizeof(err)), -EINVAL);
	assert_int_equal(ww_filter_by_name("ipv4", "x", &f, err, sizeof(err)), -EINVAL);
	assert_int_equal(ww_filter_by_name("duration", "1s", &f, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown filter 'duration'"));
	assert_int_equal(ww_filter_by_name("Filters (in the kernel where possible):", "", &f, err,
					   sizeof(err)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_time_wait),
		cmocka_unit_test(test_addr_v4mapped),
		cmocka_unit_test(test_pid_needs_owner),
		cmocka_unit_test(test_parse_values),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_only_listed),
		cmocka_unit_test(test_listed_not_handled),
		cmocka_unit_test(test_filter_by_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
