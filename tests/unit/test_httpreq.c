// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for src/core/httpreq.c: routes, Accept-Encoding with its
 * q-values, and Authorization: Basic decoding.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "httpreq.h"

static void test_routes(void **state)
{
	assert_int_equal(http_route_of("/metrics"), HTTP_ROUTE_METRICS);
	assert_int_equal(http_route_of("/"), HTTP_ROUTE_INDEX);
	assert_int_equal(http_route_of("/healthz"), HTTP_ROUTE_HEALTHZ);
	assert_int_equal(http_route_of("/metricsx"), HTTP_ROUTE_NONE);
	assert_int_equal(http_route_of("/metrics/"), HTTP_ROUTE_NONE);
	assert_int_equal(http_route_of(""), HTTP_ROUTE_NONE);
	assert_int_equal(http_route_of("//metrics"), HTTP_ROUTE_NONE);
	assert_int_equal(http_route_of("/api/v1/endpoints"), HTTP_ROUTE_ENDPOINTS);
	assert_int_equal(http_route_of("/api/v1/history"), HTTP_ROUTE_HISTORY);
	assert_int_equal(http_route_of("/api/v1/diagram"), HTTP_ROUTE_DIAGRAM);
	assert_int_equal(http_route_of("/api/v1/leaks"), HTTP_ROUTE_LEAKS);
	assert_int_equal(http_route_of("/api/v1/ws"), HTTP_ROUTE_WS);
	assert_int_equal(http_route_of("/api/v1/stream"), HTTP_ROUTE_STREAM);
	assert_int_equal(http_route_of("/api/v1/"), HTTP_ROUTE_NONE);
	assert_int_equal(http_route_of("/api/v2/endpoints"), HTTP_ROUTE_NONE);
}

#define KEY "dGhlIHNhbXBsZSBub25jZQ=="

static void test_ws_handshake(void **state)
{
	assert_int_equal(http_ws_handshake_check("websocket", "Upgrade", "13", KEY), 0);
	assert_int_equal(http_ws_handshake_check("WebSocket", "keep-alive, Upgrade", "13", KEY), 0);
	assert_int_equal(http_ws_handshake_check("h2c, websocket", " upgrade ", "13", KEY), 0);
	assert_int_equal(http_ws_handshake_check(NULL, "Upgrade", "13", KEY), -EINVAL);
	assert_int_equal(http_ws_handshake_check("websocket", "keep-alive", "13", KEY), -EINVAL);
	assert_int_equal(http_ws_handshake_check("websockets", "Upgrade", "13", KEY), -EINVAL);
	assert_int_equal(http_ws_handshake_check("websocket", "Upgrade", "8", KEY), -EPROTONOSUPPORT);
	assert_int_equal(http_ws_handshake_check("websocket", "Upgrade", NULL, KEY), -EPROTONOSUPPORT);
	assert_int_equal(http_ws_handshake_check("websocket", "Upgrade", "13", NULL), -EINVAL);
	/* 16 bytes only: the 22nd character carries 2 bits */
	assert_int_equal(http_ws_handshake_check("websocket", "Upgrade", "13",
						 "dGhlIHNhbXBsZSBub25jZR=="), -EINVAL);
	assert_int_equal(http_ws_handshake_check("websocket", "Upgrade", "13", "dGhlIHNhbXBsZQ=="),
			 -EINVAL);
	assert_int_equal(http_ws_handshake_check("websocket", "Upgrade", "13",
						 "dGhlIHNhbXBsZSBub25j!Q=="), -EINVAL);
}

static void test_ws_accept(void **state)
{
	/* RFC 6455 1.3: SHA-1 of KEY + GUID */
	static const unsigned char digest[20] = {
		0xb3, 0x7a, 0x4f, 0x2c, 0xc0, 0x62, 0x4f, 0x16, 0x90, 0xf6,
		0x46, 0x06, 0xcf, 0x38, 0x59, 0x45, 0xb2, 0xbe, 0xc4, 0xea,
	};
	char out[29];

	http_b64_sha1(digest, out);
	assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

static void test_origin(void **state)
{
	assert_true(http_origin_allowed(NULL, "127.0.0.1:10061", false));
	assert_true(http_origin_allowed("http://127.0.0.1:10061", "127.0.0.1:10061", false));
	assert_true(http_origin_allowed("HTTP://LocalHost:10061", "localhost:10061", false));
	assert_true(http_origin_allowed("https://[::1]:10061", "[::1]:10061", true));
	assert_false(http_origin_allowed("https://127.0.0.1:10061", "127.0.0.1:10061", false));
	assert_false(http_origin_allowed("http://127.0.0.1:10061", "127.0.0.1:10061", true));
	assert_false(http_origin_allowed("http://evil.example", "127.0.0.1:10061", false));
	assert_false(http_origin_allowed("http://127.0.0.1:10062", "127.0.0.1:10061", false));
	assert_false(http_origin_allowed("http://127.0.0.1:10061.evil", "127.0.0.1:10061", false));
	assert_false(http_origin_allowed("null", "127.0.0.1:10061", false));
	assert_false(http_origin_allowed("http://127.0.0.1:10061", NULL, false));
	assert_false(http_origin_allowed("http://", "", false));
}

static void test_gzip(void **state)
{
	static const char *const yes[] = {
		"gzip", "GZIP", "gzip, deflate", "deflate, gzip;q=1.0", "deflate;q=1, gzip;q=0.5",
		"x-gzip", " gzip ", "gzip ; q=0.001", "*", "br;q=1, *;q=0.1", "gzip;q=1.000",
		"gzip;q=0, gzip;q=1", "identity;q=x, gzip",
	};
	static const char *const no[] = {
		"", "deflate", "identity, gzip;q=0", "gzip;q=0.000", "xgzip", "gzipx",
		"gzip;q=2", "gzip;q=1.001", "gzip;q=0.5x", "gzip;q=", "gzip;q=.5", "*;q=0",
		"gzip;q=0, *", "gzip;q=0.0000", ",,,", "gzip;q=-1",
	};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!http_accepts_gzip(yes[i]))
			fail_msg("'%s' should take gzip", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (http_accepts_gzip(no[i]))
			fail_msg("'%s' should not take gzip", no[i]);
	assert_false(http_accepts_gzip(NULL));
}

static void auth_is(const char *h, int want, const char *wuser, const char *wpass)
{
	char user[16], pass[16];
	int ret = http_basic_auth_decode(h, user, sizeof(user), pass, sizeof(pass));

	if (ret != want)
		fail_msg("'%s': %d, expected %d", h ? h : "(null)", ret, want);
	assert_string_equal(user, ret ? "" : wuser);
	assert_string_equal(pass, ret ? "" : wpass);
}

static void test_basic_auth(void **state)
{
	auth_is("Basic cHJvbTpzM2NyZXQ=", 0, "prom", "s3cret");        /* prom:s3cret */
	auth_is("basic   cHJvbTpzM2NyZXQ=  ", 0, "prom", "s3cret");
	auth_is("BASIC cHJvbTpzM2NyZXQ", 0, "prom", "s3cret");         /* unpadded */
	auth_is("Basic dTphOmI=", 0, "u", "a:b");                      /* u:a:b */
	auth_is("Basic OnA=", 0, "", "p");                             /* :p */
	auth_is("Basic dTo=", 0, "u", "");                             /* u: */
	auth_is(NULL, -EINVAL, "", "");
	auth_is("", -EINVAL, "", "");
	auth_is("Bearer cHJvbTpzM2NyZXQ=", -EINVAL, "", "");
	auth_is("Basic", -EINVAL, "", "");
	auth_is("Basicx cHJvbTpzM2NyZXQ=", -EINVAL, "", "");
	auth_is("Basic cHJvbXMzY3JldA==", -EINVAL, "", "");            /* no colon */
	auth_is("Basic cHJvbTpzM2NyZXQ==", -EINVAL, "", "");           /* bad padding */
	auth_is("Basic cHJvbT!zM2NyZXQ=", -EINVAL, "", "");
	auth_is("Basic cHJvbTpzM2NyZXR=", -EINVAL, "", "");            /* stray low bits */
	auth_is("Basic cHJvbTpzM2Ny ZXQ=", -EINVAL, "", "");
	auth_is("Basic dQA6cA==", -EINVAL, "", "");                    /* u\0:p */
	auth_is("Basic dTpwAA==", -EINVAL, "", "");                    /* u:p\0 */
	auth_is("Basic dQk6cA==", -EINVAL, "", "");                    /* u\t:p */
	auth_is("Basic YWFhYWFhYWFhYWFhYWFhYTpw", -E2BIG, "", "");     /* 16-byte user */
	auth_is("Basic dTpwcHBwcHBwcHBwcHBwcHBw", -E2BIG, "", "");     /* 16-byte password */
	auth_is("Basic YWFhYWFhYWFhYWFhYWFhOnBwcHBwcHBwcHBwcHBwcA==", 0, "aaaaaaaaaaaaaaa",
		"ppppppppppppppp");
}

static void test_ct_memeq(void **state)
{
	assert_true(ct_memeq("abc", "abc", 3));
	assert_false(ct_memeq("abc", "abd", 3));
	assert_true(ct_memeq("", "x", 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_ws_handshake),
		cmocka_unit_test(test_ws_accept),
		cmocka_unit_test(test_origin),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_basic_auth),
		cmocka_unit_test(test_ct_memeq),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
