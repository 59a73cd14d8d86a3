// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Unit tests for src/parse.c: every parser's good and bad inputs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "parse.h"

#define NSEC 1000000000ULL
#define MSEC 1000000ULL
#define SENTINEL 0x5a5a5a5a5a5a5a5aULL

#define STATE_HINT "(try: established, syn-sent, syn-recv, fin-wait-1, fin-wait-2, time-wait, " \
	"close, close-wait, last-ack, listen, closing)"
#define DURATION_HINT "must be a non-negative number with an optional unit (ms, s, m, h, d)"
#define SIZE_HINT "must be a whole number of bytes with an optional unit (K, M, G, T)"

/* Every reason: one line, lower-case start, fits the buffer, no trailing blank. */
static void check_reason(const char *err)
{
	size_t n = strlen(err);
	size_t i;

	assert_true(n > 0);
	assert_true(n < WW_ERR_LEN);
	assert_false(isupper((unsigned char)err[0]));
	assert_false(isspace((unsigned char)err[n - 1]));
	for (i = 0; i < n; i++)
		assert_true((unsigned char)err[i] >= 0x20 && err[i] != 0x7f);
}

/* ret must be want_ret and, when msg is given, the reason exactly msg. */
static void check_fail(const char *in, int ret, int want_ret, const char *err, const char *msg)
{
	if (ret != want_ret)
		fail_msg("'%s': returned %d, want %d", in ? in : "(null)", ret, want_ret);
	check_reason(err);
	if (msg)
		assert_string_equal(err, msg);
}

/* ---- parse_u64 ---------------------------------------------------------- */

static uint64_t u64_ok(const char *s, uint64_t min, uint64_t max)
{
	char err[WW_ERR_LEN] = "";
	uint64_t v = SENTINEL;
	int ret = parse_u64(s, min, max, &v, err, sizeof(err));

	if (ret)
		fail_msg("'%s': returned %d (%s)", s, ret, err);
	return v;
}

static void u64_bad(const char *s, uint64_t min, uint64_t max, int want_ret, const char *msg)
{
	char err[WW_ERR_LEN] = "";
	uint64_t v = SENTINEL;
	int ret = parse_u64(s, min, max, &v, err, sizeof(err));

	check_fail(s, ret, want_ret, err, msg);
	assert_true(v == SENTINEL);
}

static void test_u64_good(void **state)
{
	assert_true(u64_ok("0", 0, 100) == 0);
	assert_true(u64_ok("42", 0, 100) == 42);
	assert_true(u64_ok("100", 0, 100) == 100);
	assert_true(u64_ok("007", 0, 100) == 7);
	assert_true(u64_ok("1", 1, 1) == 1);
	assert_true(u64_ok("18446744073709551615", 0, UINT64_MAX) == UINT64_MAX);
}

static void test_u64_bad(void **state)
{
	static const char *const junk[] = {
		"", "-1", "+1", "-0", " 1", "1 ", "1x", "0x10", "1.5", "1e3", "abc", "1,2", "\t1",
	};
	size_t i;

	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
		u64_bad(junk[i], 0, 100, -EINVAL, NULL);
	u64_bad(NULL, 0, 100, -EINVAL, "'' is not a whole number (expected 0-100)");
	u64_bad("1x", 0, 100, -EINVAL, "'1x' is not a whole number (expected 0-100)");
	u64_bad("-1", 0, 100, -EINVAL, "'-1' is not a whole number (expected 0-100)");
	u64_bad("101", 0, 100, -ERANGE, "'101' out of range (0-100)");
	u64_bad("0", 1, 100, -ERANGE, "'0' out of range (1-100)");
	u64_bad("18446744073709551616", 0, UINT64_MAX, -ERANGE,
		"'18446744073709551616' out of range (0-18446744073709551615)");
	u64_bad("99999999999999999999999", 0, 100, -ERANGE, NULL);
}

/* ---- parse_port ---------------------------------------------------------- */

static void port_ok(const char *s, uint16_t want)
{
	char err[WW_ERR_LEN] = "";
	uint16_t v = 0;
	int ret = parse_port(s, &v, err, sizeof(err));

	if (ret)
		fail_msg("'%s': returned %d (%s)", s, ret, err);
	assert_int_equal(v, want);
}

static void port_bad(const char *s, int want_ret, const char *msg)
{
	char err[WW_ERR_LEN] = "";
	uint16_t v = 4242;
	int ret = parse_port(s, &v, err, sizeof(err));

	check_fail(s, ret, want_ret, err, msg);
	assert_int_equal(v, 4242);
}

static void test_port(void **state)
{
	port_ok("80", 80);
	port_ok("1", 1);
	port_ok("65535", 65535);
	port_ok("08080", 8080);

	port_bad("70000", -ERANGE, "port '70000' out of range (1-65535)");
	port_bad("65536", -ERANGE, "port '65536' out of range (1-65535)");
	port_bad("0", -ERANGE, "port '0' out of range (1-65535)");
	port_bad("99999999999999999999", -ERANGE, NULL);
	port_bad("-1", -EINVAL, "port '-1' is not a number (expected 1-65535)");
	port_bad("1x", -EINVAL, "port '1x' is not a number (expected 1-65535)");
	port_bad("", -EINVAL, "port '' is not a number (expected 1-65535)");
	port_bad(NULL, -EINVAL, NULL);
	port_bad("http", -EINVAL, NULL);
	port_bad("+80", -EINVAL, NULL);
	port_bad(" 80", -EINVAL, NULL);
	port_bad("80 ", -EINVAL, NULL);
	port_bad("0x50", -EINVAL, NULL);
	/* A newline in the input must not split the reason over two lines. */
	port_bad("8\n0", -EINVAL, "port '8?0' is not a number (expected 1-65535)");
}

/* ---- parse_cidr ---------------------------------------------------------- */

static void cidr_ok(const char *s, int family, const char *want_addr, int want_bits)
{
	char err[WW_ERR_LEN] = "", text[INET6_ADDRSTRLEN];
	uint8_t want[16] = { 0 };
	struct cidr c;
	int ret;

	memset(&c, 0xa5, sizeof(c));
	ret = parse_cidr(s, &c, err, sizeof(err));
	if (ret)
		fail_msg("'%s': returned %d (%s)", s, ret, err);
	assert_int_equal(c.family, family);
	assert_int_equal(c.bits, want_bits);
	assert_int_equal(inet_pton(family, want_addr, want), 1);
	inet_ntop(family, c.addr, text, sizeof(text));
	if (memcmp(c.addr, want, sizeof(want)))
		fail_msg("'%s': address %s, want %s", s, text, want_addr);
}

static void cidr_bad(const char *s, int want_ret, const char *msg)
{
	char err[WW_ERR_LEN] = "";
	struct cidr c, before;
	int ret;

	memset(&c, 0xa5, sizeof(c));
	before = c;
	ret = parse_cidr(s, &c, err, sizeof(err));
	check_fail(s, ret, want_ret, err, msg);
	assert_memory_equal(&c, &before, sizeof(c));
}

/* What parse_cidr makes of each: the family, the network address, the prefix length. */
static const struct {
	int family;
	const char *in, *addr;
	int bits;
} cidrs[] = {
	{ AF_INET, "198.51.100.0/24", "198.51.100.0", 24 },
	{ AF_INET, "198.51.100.7/24", "198.51.100.0", 24 },
	{ AF_INET, "198.51.100.7", "198.51.100.7", 32 },
	{ AF_INET, "198.51.100.7/32", "198.51.100.7", 32 },
	{ AF_INET, "198.51.100.255/25", "198.51.100.128", 25 },
	{ AF_INET, "198.51.100.255/31", "198.51.100.254", 31 },
	{ AF_INET, "198.51.255.255/17", "198.51.128.0", 17 },
	{ AF_INET, "198.51.100.7/8", "198.0.0.0", 8 },
	{ AF_INET, "198.51.100.7/0", "0.0.0.0", 0 },
	{ AF_INET, "255.255.255.255/1", "128.0.0.0", 1 },
	{ AF_INET, "0.0.0.0/0", "0.0.0.0", 0 },
	{ AF_INET6, "2001:db8::/64", "2001:db8::", 64 },
	{ AF_INET6, "2001:db8::1/64", "2001:db8::", 64 },
	{ AF_INET6, "2001:db8::1", "2001:db8::1", 128 },
	{ AF_INET6, "2001:db8::1/128", "2001:db8::1", 128 },
	{ AF_INET6, "2001:db8:ffff:ffff::/33", "2001:db8:8000::", 33 },
	{ AF_INET6, "2001:db8:ffff:ffff::/47", "2001:db8:fffe::", 47 },
	{ AF_INET6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/127",
	  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 127 },
	{ AF_INET6, "ffff::/0", "::", 0 },
	{ AF_INET6, "::/0", "::", 0 },
	{ AF_INET6, "::1", "::1", 128 },
	{ AF_INET6, "::ffff:198.51.100.7/120", "::ffff:198.51.100.0", 120 },
};

/* The cases of that family. */
static void cidr_all(int family)
{
	for (size_t i = 0; i < sizeof(cidrs) / sizeof(cidrs[0]); i++)
		if (cidrs[i].family == family)
			cidr_ok(cidrs[i].in, family, cidrs[i].addr, cidrs[i].bits);
}

static void test_cidr_v4(void **state)
{
	cidr_all(AF_INET);
}

static void test_cidr_v6(void **state)
{
	cidr_all(AF_INET6);
}

static void test_cidr_bad(void **state)
{
	cidr_bad("300.1.1.1/33", -EINVAL, "bad address '300.1.1.1' in '300.1.1.1/33'");
	cidr_bad("300.1.1.1", -EINVAL,
		 "bad address '300.1.1.1' (expected IPv4 or IPv6, optional /prefix)");
	cidr_bad("198.51.100.0/33", -ERANGE, "prefix length 33 out of range for IPv4 (0-32)");
	cidr_bad("2001:db8::/129", -ERANGE, "prefix length 129 out of range for IPv6 (0-128)");
	cidr_bad("1.2.3.4/99999999999999999999999", -ERANGE, NULL);
	cidr_bad("", -EINVAL, "empty address (expected e.g. 198.51.100.0/24)");
	cidr_bad(NULL, -EINVAL, NULL);
	cidr_bad("1.2.3.4/", -EINVAL, "bad prefix length '' in '1.2.3.4/' (expected 0-32)");
	cidr_bad("1.2.3.4/-1", -EINVAL, "bad prefix length '-1' in '1.2.3.4/-1' (expected 0-32)");
	cidr_bad("2001:db8::/x", -EINVAL,
		 "bad prefix length 'x' in '2001:db8::/x' (expected 0-128)");
	cidr_bad("1.2.3.4/24x", -EINVAL, NULL);
	cidr_bad("1.2.3.4/ 24", -EINVAL, NULL);
	cidr_bad("1.2.3.4/+24", -EINVAL, NULL);
	cidr_bad("1.2.3.4/24/8", -EINVAL, NULL);
	cidr_bad("/24", -EINVAL, "bad address '' in '/24'");
	cidr_bad("foo", -EINVAL, NULL);
	cidr_bad("1.2.3", -EINVAL, NULL);
	cidr_bad("1.2.3.4.5", -EINVAL, NULL);
	cidr_bad("01.2.3.4", -EINVAL, NULL);
	cidr_bad(" 1.2.3.4", -EINVAL, NULL);
	cidr_bad("1.2.3.4 ", -EINVAL, NULL);
	cidr_bad("2001:db8:::1", -EINVAL, NULL);
	cidr_bad("2001:db8::g", -EINVAL, NULL);
	cidr_bad("fe80::1%eth0", -EINVAL, NULL);
	cidr_bad("[2001:db8::1]", -EINVAL, NULL);
	/* Longer than any address: must not overflow the copy. */
	cidr_bad("2001:0db8:0000:0000:0000:0000:0000:0001:2001:0db8:0000/64", -EINVAL,
		 "bad address '2001:0db8:0000:0000:0000:0000:00...' in "
		 "'2001:0db8:0000:0000:0000:0000:00...'");
}

/* ---- parse_states -------------------------------------------------------- */

static uint32_t states_ok(const char *s)
{
	char err[WW_ERR_LEN] = "";
	uint32_t m = 0xdeadbeef;
	int ret = parse_states(s, &m, err, sizeof(err));

	if (ret)
		fail_msg("'%s': returned %d (%s)", s, ret, err);
	return m;
}

static void states_bad(const char *s, const char *msg)
{
	char err[WW_ERR_LEN] = "";
	uint32_t m = 0xdeadbeef;
	int ret = parse_states(s, &m, err, sizeof(err));

	check_fail(s, ret, -EINVAL, err, msg);
	assert_int_equal(m, 0xdeadbeef);
}

static void test_states(void **state)
{
	assert_int_equal(states_ok("TIME_WAIT,close-wait"), (1U << 6) | (1U << 8));
	assert_int_equal(states_ok("estab"), 1U << 1);
	assert_int_equal(states_ok("listen,LISTEN,Listen"), 1U << 10);
	assert_int_equal(states_ok("fin-wait-1,FIN_WAIT2"), (1U << 4) | (1U << 5));
	assert_int_equal(states_ok("ESTABLISHED,SYN_SENT,SYN_RECV,FIN_WAIT1,FIN_WAIT2,TIME_WAIT,"
				   "CLOSE,CLOSE_WAIT,LAST_ACK,LISTEN,CLOSING,NEW_SYN_RECV"),
			 0x1ffe);
}

static void test_states_bad(void **state)
{
	char err[WW_ERR_LEN];
	uint32_t m;

	states_bad("foo", "unknown state 'foo' " STATE_HINT);
	states_bad("time-wait,foo", "unknown state 'foo' " STATE_HINT);
	states_bad("time-wait, close", "unknown state ' close' " STATE_HINT);
	states_bad("unknown", "unknown state 'unknown' " STATE_HINT);
	states_bad("", "empty state name in '' (expected comma-separated names)");
	states_bad(NULL, NULL);
	states_bad(",", "empty state name in ',' (expected comma-separated names)");
	states_bad("time-wait,",
		   "empty state name in 'time-wait,' (expected comma-separated names)");
	states_bad(",time-wait", NULL);
	states_bad("listen,,close", NULL);
	states_bad("time-wait;close", NULL);
	/* A long bad name is cut, so the list of good ones still fits. */
	states_bad("this-is-not-a-tcp-state-at-all-and-it-goes-on-and-on",
		   "unknown state 'this-is-not-a-tc...' " STATE_HINT);

	/* A short buffer truncates the reason, NUL-terminated. */
	memset(err, 'x', sizeof(err));
	assert_int_equal(parse_states("foo", &m, err, 8), -EINVAL);
	assert_string_equal(err, "unknown");
	assert_int_equal(err[8], 'x');
	/* No buffer at all is fine too. */
	assert_int_equal(parse_states("foo", &m, NULL, 0), -EINVAL);
	memset(err, 'x', sizeof(err));
	assert_int_equal(parse_states("foo", &m, err, 0), -EINVAL);
	assert_int_equal(err[0], 'x');
}

/* ---- parse_duration, parse_size: a number and a unit ---------------------------- */

typedef int (*parse_unit_fn)(const char *s, uint64_t *v, char *err, size_t errlen);

static uint64_t unit_ok(parse_unit_fn parse, const char *s)
{
	char err[WW_ERR_LEN] = "";
	uint64_t v = SENTINEL;
	int ret = parse(s, &v, err, sizeof(err));

	if (ret)
		fail_msg("'%s': returned %d (%s)", s, ret, err);
	return v;
}

/* parse fails on s as check_fail says, and leaves the value alone. */
static void unit_bad(parse_unit_fn parse, const char *s, int want_ret, const char *msg)
{
	char err[WW_ERR_LEN] = "";
	uint64_t v = SENTINEL;
	int ret = parse(s, &v, err, sizeof(err));

	check_fail(s, ret, want_ret, err, msg);
	assert_true(v == SENTINEL);
}

/* Each of junk[n] is no number: -EINVAL. */
static void unit_junk(parse_unit_fn parse, const char *const *junk, size_t n)
{
	for (size_t i = 0; i < n; i++)
		unit_bad(parse, junk[i], -EINVAL, NULL);
}

#define dur_ok(s) unit_ok(parse_duration, s)
#define size_ok(s) unit_ok(parse_size, s)

/* ---- parse_duration ------------------------------------------------------ */

static void test_duration(void **state)
{
	assert_true(dur_ok("0") == 0);
	assert_true(dur_ok("0s") == 0);
	assert_true(dur_ok("1") == NSEC);
	assert_true(dur_ok("1.5") == 1500 * MSEC);
	assert_true(dur_ok("30s") == 30 * NSEC);
	assert_true(dur_ok("500ms") == 500 * MSEC);
	assert_true(dur_ok("1.5ms") == 1500000);
	assert_true(dur_ok("2m") == 120 * NSEC);
	assert_true(dur_ok("1h") == 3600 * NSEC);
	assert_true(dur_ok("1.25h") == 4500 * NSEC);
	assert_true(dur_ok("1d") == 86400 * NSEC);
	assert_true(dur_ok("007s") == 7 * NSEC);
	/* Decimal, not binary: 0.1 s is exactly 100 ms. */
	assert_true(dur_ok("0.1") == 100 * MSEC);
	assert_true(dur_ok("0.001") == MSEC);
	assert_true(dur_ok("0.000000001") == 1);
	assert_true(dur_ok("0.0000000019") == 1);
	assert_true(dur_ok("0.5d") == 43200 * NSEC);
	/* Digits far past the ninth still count with a large unit. */
	assert_true(dur_ok("0.0000000001d") == 8640);
	assert_true(dur_ok("1.0000000000001d") == 86400 * NSEC + 8);
	assert_true(dur_ok("0.12345678901234567890123h") == 444444440444ULL);
	assert_true(dur_ok("18446744073") == 18446744073ULL * NSEC);
	assert_true(dur_ok("18446744073.709551615") == UINT64_MAX);
	assert_true(dur_ok("18446744073709.551615ms") == UINT64_MAX);
}

static void test_duration_bad(void **state)
{
	static const char *const junk[] = {
		"", "nan", "NaN", "inf", "infinity", "-inf", "1x", "s", "ms", "1.", ".5", ".",
		"1..5", "1.5.2", "1e3", "0x10", " 1", "1 ", "1 s", "+1", "1S", "1sec", "1ms5",
		"1mss", "1.s", "1,5", "-0", "1s1",
	};

	unit_junk(parse_duration, junk, sizeof(junk) / sizeof(junk[0]));
	unit_bad(parse_duration, "-1", -EINVAL, "duration '-1' " DURATION_HINT);
	unit_bad(parse_duration, "nan", -EINVAL, "duration 'nan' " DURATION_HINT);
	unit_bad(parse_duration, "", -EINVAL, "duration '' " DURATION_HINT);
	unit_bad(parse_duration, NULL, -EINVAL, "duration '' " DURATION_HINT);
	unit_bad(parse_duration, "18446744073.709551616", -ERANGE,
		 "duration '18446744073.709551616' too large (at most 213503d)");
	unit_bad(parse_duration, "18446744074", -ERANGE, NULL);
	unit_bad(parse_duration, "213504d", -ERANGE, NULL);
	unit_bad(parse_duration, "5124096h", -ERANGE, NULL);
	unit_bad(parse_duration, "99999999999999999999999", -ERANGE, NULL);
	unit_bad(parse_duration, "99999999999999999999999ms", -ERANGE, NULL);
}

/* ---- parse_size ---------------------------------------------------------- */

static void test_size(void **state)
{
	assert_true(size_ok("0") == 0);
	assert_true(size_ok("0K") == 0);
	assert_true(size_ok("16") == 16);
	assert_true(size_ok("16K") == 16384);
	assert_true(size_ok("16k") == 16384);
	assert_true(size_ok("16KiB") == 16384);
	assert_true(size_ok("16kib") == 16384);
	assert_true(size_ok("16M") == 16ULL << 20);
	assert_true(size_ok("16MiB") == 16ULL << 20);
	assert_true(size_ok("1G") == 1ULL << 30);
	assert_true(size_ok("1T") == 1ULL << 40);
	assert_true(size_ok("2tib") == 2ULL << 40);
	assert_true(size_ok("3GiB") == 3ULL << 30);
	assert_true(size_ok("17179869183G") == 17179869183ULL << 30);
	assert_true(size_ok("18446744073709551615") == UINT64_MAX);
}

static void test_size_bad(void **state)
{
	static const char *const junk[] = {
		"", "-1", "+1", "1.5M", "16MB", "16 M", "M", "16P", "0x10", "1KiBB", " 1", "1 ",
		"1e3", "16Mi", "K16",
	};

	unit_junk(parse_size, junk, sizeof(junk) / sizeof(junk[0]));
	unit_bad(parse_size, NULL, -EINVAL, NULL);
	unit_bad(parse_size, "16P", -EINVAL, "size '16P' " SIZE_HINT);
	unit_bad(parse_size, "-1", -EINVAL, "size '-1' " SIZE_HINT);
	unit_bad(parse_size, "17179869184G", -ERANGE, "size '17179869184G' too large");
	unit_bad(parse_size, "18446744073709551616", -ERANGE, NULL);
	unit_bad(parse_size, "18014398509481984K", -ERANGE, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64_good),
		cmocka_unit_test(test_u64_bad),
		cmocka_unit_test(test_port),
		cmocka_unit_test(test_cidr_v4),
		cmocka_unit_test(test_cidr_v6),
		cmocka_unit_test(test_cidr_bad),
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_states_bad),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_duration_bad),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_size_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
