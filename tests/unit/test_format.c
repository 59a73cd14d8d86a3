// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Unit tests for src/format.c: state names, addresses, ages. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "format.h"

#define NSEC 1000000000ULL

static const char *const names[] = {
	[1] = "ESTABLISHED", [2] = "SYN_SENT", [3] = "SYN_RECV", [4] = "FIN_WAIT1",
	[5] = "FIN_WAIT2", [6] = "TIME_WAIT", [7] = "CLOSE", [8] = "CLOSE_WAIT",
	[9] = "LAST_ACK", [10] = "LISTEN", [11] = "CLOSING", [12] = "NEW_SYN_RECV",
};

/* Control bytes from a comm, a recording or an argument never reach a terminal. */
static void test_text_printable(void **state)
{
	char out[32];

	assert_string_equal(text_printable(out, sizeof(out), "\x1b[2J\x1b[31mEVIL\a", 64),
			    "?[2J?[31mEVIL?");
	assert_string_equal(text_printable(out, sizeof(out), "a\nb\tc\x7f", 64), "a?b?c?");
	/* UTF-8 and plain text pass */
	assert_string_equal(text_printable(out, sizeof(out), "caf\xc3\xa9 x", 64), "caf\xc3\xa9 x");
	/* at most srclen bytes of src, and dst always ends */
	assert_string_equal(text_printable(out, sizeof(out), "abcdef", 3), "abc");
	assert_string_equal(text_printable(out, 4, "abcdef", 64), "abc");
	/* in place */
	snprintf(out, sizeof(out), "x\x1by");
	assert_string_equal(text_printable(out, sizeof(out), out, sizeof(out)), "x?y");
}

static void test_state_name(void **state)
{
	int i;

	for (i = 1; i <= 12; i++)
		assert_string_equal(tcp_state_name(i), names[i]);
}

static void test_state_name_out_of_range(void **state)
{
	assert_string_equal(tcp_state_name(0), "UNKNOWN");
	assert_string_equal(tcp_state_name(13), "UNKNOWN");
	assert_string_equal(tcp_state_name(-1), "UNKNOWN");
	assert_string_equal(tcp_state_name(INT_MAX), "UNKNOWN");
	assert_string_equal(tcp_state_name(INT_MIN), "UNKNOWN");
}

/* Lower-case copy with '_' as '-': how users type the names. */
static void dashed_lower(char *dst, const char *src)
{
	for (; *src; src++, dst++)
		*dst = *src == '_' ? '-' : (char)(*src | 0x20);
	*dst = '\0';
}

static void test_state_parse_full_names(void **state)
{
	char buf[32];
	int i;

	for (i = 1; i <= 12; i++) {
		assert_int_equal(tcp_state_parse(names[i]), i);
		dashed_lower(buf, names[i]);
		assert_int_equal(tcp_state_parse(buf), i);
		/* Round trip through the name. */
		assert_int_equal(tcp_state_parse(tcp_state_name(i)), i);
	}
	assert_int_equal(tcp_state_parse("Time_Wait"), 6);
	assert_int_equal(tcp_state_parse("tIME-wAIT"), 6);
	assert_int_equal(tcp_state_parse("close_wait"), 8);
	assert_int_equal(tcp_state_parse("new-syn-recv"), 12);
}

static void test_state_parse_ss_names(void **state)
{
	static const struct {
		const char *name;
		int state;
	} ss[] = {
		{ "estab", 1 }, { "syn-sent", 2 }, { "syn-recv", 3 }, { "fin-wait-1", 4 },
		{ "fin-wait-2", 5 }, { "time-wait", 6 }, { "close", 7 }, { "close-wait", 8 },
		{ "last-ack", 9 }, { "listen", 10 }, { "closing", 11 },
		{ "ESTAB", 1 }, { "FIN_WAIT_1", 4 }, { "Fin-Wait_2", 5 },
		{ "FIN_WAIT1", 4 }, { "fin-wait1", 4 }, { "FIN_WAIT2", 5 }, { "fin-wait2", 5 },
	};
	size_t i;

	for (i = 0; i < sizeof(ss) / sizeof(ss[0]); i++) {
		int got = tcp_state_parse(ss[i].name);

		if (got != ss[i].state)
			fail_msg("'%s': got %d, want %d", ss[i].name, got, ss[i].state);
	}
}

static void test_state_parse_invalid(void **state)
{
	static const char *const bad[] = {
		"", "UNKNOWN", "foo", "established ", " listen", "time_wait_", "time__wait",
		"timewait", "closewait", "est", "establishe", "fin-wait-3", "fin_wait_",
		"syn", "6", "-", "_", "listen,close", "listen\n",
		"ESTABLISHEDESTABLISHEDESTABLISHEDESTABLISHED",
		"time-wait-and-then-some-more-characters",
	};
	size_t i;

	assert_int_equal(tcp_state_parse(NULL), -1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int got = tcp_state_parse(bad[i]);

		if (got != -1)
			fail_msg("'%s': got %d, want -1", bad[i], got);
	}
}

static void v6(uint8_t addr[16], const char *text)
{
	assert_int_equal(inet_pton(AF_INET6, text, addr), 1);
}

static void v4(uint8_t addr[16], const char *text)
{
	/* Junk after the IPv4 bytes: AF_INET must look at the first 4 only. */
	memset(addr, 0xaa, 16);
	assert_int_equal(inet_pton(AF_INET, text, addr), 1);
}

static void test_v4mapped(void **state)
{
	uint8_t a[16];

	v6(a, "::ffff:198.51.100.1");
	assert_true(addr_is_v4mapped(a));
	v6(a, "::ffff:0.0.0.0");
	assert_true(addr_is_v4mapped(a));
	v6(a, "::198.51.100.1");	/* deprecated v4-compatible, not mapped */
	assert_false(addr_is_v4mapped(a));
	v6(a, "::ffff:0:198.51.100.1");	/* SIIT translated, not mapped */
	assert_false(addr_is_v4mapped(a));
	v6(a, "1::ffff:198.51.100.1");
	assert_false(addr_is_v4mapped(a));
	v6(a, "::");
	assert_false(addr_is_v4mapped(a));
	v6(a, "::1");
	assert_false(addr_is_v4mapped(a));
	v6(a, "2001:db8::1");
	assert_false(addr_is_v4mapped(a));
}

static void test_display_family(void **state)
{
	uint8_t a[16];

	v4(a, "198.51.100.1");
	assert_int_equal(addr_display_family(AF_INET, a), 4);
	v6(a, "::ffff:198.51.100.1");
	assert_int_equal(addr_display_family(AF_INET6, a), 4);
	v6(a, "2001:db8::1");
	assert_int_equal(addr_display_family(AF_INET6, a), 6);
	v6(a, "::");
	assert_int_equal(addr_display_family(AF_INET6, a), 6);
	assert_int_equal(AF_INET, 2);
	assert_int_equal(AF_INET6, 10);
}

static void addr_of(uint8_t addr[16], int family, const char *text)
{
	if (family == AF_INET)
		v4(addr, text);
	else
		v6(addr, text);
}

static void check_addr(int family, const char *in, const char *want)
{
	char buf[WW_ADDR_LEN];
	uint8_t a[16];

	addr_of(a, family, in);
	memset(buf, 'x', sizeof(buf));
	addr_format(buf, sizeof(buf), family, a);
	assert_string_equal(buf, want);
}

static void test_addr_format(void **state)
{
	check_addr(AF_INET, "198.51.100.1", "198.51.100.1");
	check_addr(AF_INET, "0.0.0.0", "0.0.0.0");
	check_addr(AF_INET, "255.255.255.255", "255.255.255.255");
	check_addr(AF_INET6, "2001:db8::1", "2001:db8::1");
	check_addr(AF_INET6, "2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1");
	check_addr(AF_INET6, "::", "::");
	check_addr(AF_INET6, "::1", "::1");
	check_addr(AF_INET6, "fe80::1:2", "fe80::1:2");
	/* RFC 5952: the first of two equal zero runs is compressed. */
	check_addr(AF_INET6, "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1");
	check_addr(AF_INET6, "2001:db8:1:2:3:4:5:6", "2001:db8:1:2:3:4:5:6");
	check_addr(AF_INET6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		   "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	check_addr(AF_INET6, "::ffff:198.51.100.1", "198.51.100.1");
	check_addr(AF_INET6, "::ffff:0.0.0.0", "0.0.0.0");
}

static void test_addr_format_unknown_family(void **state)
{
	uint8_t a[16] = { 1, 2, 3, 4 };
	char buf[WW_ADDR_LEN];

	addr_format(buf, sizeof(buf), 0, a);
	assert_string_equal(buf, "?");
}

static void check_addrport(int family, const char *in, uint16_t port, const char *want)
{
	char buf[WW_ADDRPORT_LEN];
	uint8_t a[16];

	addr_of(a, family, in);
	addrport_format(buf, sizeof(buf), family, a, port);
	assert_string_equal(buf, want);
}

static void test_addrport_format(void **state)
{
	check_addrport(AF_INET, "198.51.100.1", 80, "198.51.100.1:80");
	check_addrport(AF_INET, "0.0.0.0", 0, "0.0.0.0:0");
	check_addrport(AF_INET, "203.0.113.9", 65535, "203.0.113.9:65535");
	check_addrport(AF_INET6, "2001:db8::1", 80, "[2001:db8::1]:80");
	check_addrport(AF_INET6, "::", 443, "[::]:443");
	check_addrport(AF_INET6, "::ffff:198.51.100.1", 80, "198.51.100.1:80");
	check_addrport(AF_INET6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535,
		       "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
}

/* Short buffers: truncated, NUL-terminated, nothing written past len. */
static void test_truncation(void **state)
{
	char buf[16];
	uint8_t a[16];

	v6(a, "2001:db8:1:2:3:4:5:6");
	memset(buf, 'x', sizeof(buf));
	addr_format(buf, 8, AF_INET6, a);
	assert_string_equal(buf, "2001:db");
	assert_int_equal(buf[8], 'x');

	memset(buf, 'x', sizeof(buf));
	addrport_format(buf, 6, AF_INET6, a, 80);
	assert_string_equal(buf, "[2001");
	assert_int_equal(buf[6], 'x');

	memset(buf, 'x', sizeof(buf));
	addr_format(buf, 1, AF_INET6, a);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], 'x');

	memset(buf, 'x', sizeof(buf));
	addr_format(buf, 0, AF_INET6, a);
	addrport_format(buf, 0, AF_INET6, a, 80);
	age_format(buf, 0, 5 * NSEC);
	assert_int_equal(buf[0], 'x');

	memset(buf, 'x', sizeof(buf));
	age_format(buf, 3, 187 * NSEC);
	assert_string_equal(buf, "3m");
	assert_int_equal(buf[3], 'x');
}

static void check_age(uint64_t ns, const char *want)
{
	char buf[32];

	memset(buf, 'x', sizeof(buf));
	age_format(buf, sizeof(buf), ns);
	assert_string_equal(buf, want);
}

static void test_age_format(void **state)
{
	check_age(0, "0s");
	check_age(1, "0s");
	check_age(NSEC - 1, "0s");
	check_age(NSEC, "1s");
	check_age(45 * NSEC, "45s");
	check_age(60 * NSEC - 1, "59s");
	check_age(60 * NSEC, "1m00s");
	check_age(65 * NSEC, "1m05s");
	check_age(187 * NSEC, "3m07s");
	check_age(3600 * NSEC - 1, "59m59s");
	check_age(3600 * NSEC, "1h00m");
	check_age(3720 * NSEC, "1h02m");
	check_age(3779 * NSEC, "1h02m");
	check_age(86400 * NSEC - 1, "23h59m");
	check_age(86400 * NSEC, "1d00h");
	check_age((2 * 86400 + 4 * 3600) * NSEC, "2d04h");
	check_age((2 * 86400 + 4 * 3600 + 3599) * NSEC, "2d04h");
	check_age(1000 * 86400 * NSEC, "1000d00h");
	/* 18446744073 s = 213503 d + 84873 s */
	check_age(UINT64_MAX, "213503d23h");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_printable),
		cmocka_unit_test(test_state_name),
		cmocka_unit_test(test_state_name_out_of_range),
		cmocka_unit_test(test_state_parse_full_names),
		cmocka_unit_test(test_state_parse_ss_names),
		cmocka_unit_test(test_state_parse_invalid),
		cmocka_unit_test(test_v4mapped),
		cmocka_unit_test(test_display_family),
		cmocka_unit_test(test_addr_format),
		cmocka_unit_test(test_addr_format_unknown_family),
		cmocka_unit_test(test_addrport_format),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_age_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
