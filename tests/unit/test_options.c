// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The filters as user space applies them (replayed events, sweep records),
 * and the shared option parser: values, errors and their one-line messages.
 */
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

static struct ww_filters filters(const char **argv, int argc)
{
	struct ww_filters f = {};
	char err[WW_ERR_LEN];
	int opt;
	static const struct option longopts[] = { WW_FILTER_LONGOPTS, {} };

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, (char **)argv, "46", longopts, NULL)) != -1)
		assert_int_equal(ww_filter_opt(opt, optarg, &f, err, sizeof(err)), 1);
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

static void usage(FILE *f, void *ctx)
{
	fputs("usage\n", f);
}

/* Run ww_parse on a command line; stderr's first line into err. */
static int parse(const char *line, struct parsed *p, char *err, size_t errlen)
{
	static const struct option longopts[] = {
		WW_SOCKET_FILTER_LONGOPTS, WW_COMMON_LONGOPTS, WW_ENDPOINT_LONGOPTS,
		{ "interval", required_argument, NULL, 'i' }, {},
	};
	struct ww_parser ps = {
		.cmd = "test", .shortopts = "46vhi:", .longopts = longopts, .filters = &p->f,
		.common = &p->c, .copts = &p->co, .local = local, .ctx = p, .usage = usage,
	};
	char *argv[16], buf[256], *save = NULL;
	int argc = 0, first, ret, saved = dup(2);
	FILE *tmp = tmpfile();

	memset(p, 0, sizeof(*p));
	ww_common_init(&p->c);
	snprintf(buf, sizeof(buf), "%s", line);
	for (char *t = strtok_r(buf, " ", &save); t && argc < 15; t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	argv[argc] = NULL;
	fflush(stderr);
	dup2(fileno(tmp), 2);
	ret = ww_parse(argc, argv, &ps, &first);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	err[0] = 0;
	if (fgets(err, errlen, tmp))
		err[strcspn(err, "\n")] = 0;
	fclose(tmp);
	return ret;
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_time_wait),
		cmocka_unit_test(test_addr_v4mapped),
		cmocka_unit_test(test_pid_needs_owner),
		cmocka_unit_test(test_parse_values),
		cmocka_unit_test(test_parse_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
