// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: what serve reads of a request itself
 * (src/core/httpreq.c): the route of a path, Accept-Encoding with its
 * q-values, and Authorization: Basic.
 *
 * The bytes, up to the first NUL, are the header value; byte 0 also picks
 * what the rest is given to (the three parsers see every input). Checked
 * besides what the sanitizers see:
 * - Basic: a decoded pair is terminated within its buffers and, encoded
 *   again as "user:password", decodes to the same; a refusal leaves both
 *   empty; a buffer one byte short is refused with -E2BIG, never overrun;
 * - Accept-Encoding: the answer does not change with spaces around the
 *   commas, and "X, gzip;q=0" never takes gzip;
 * - the route of a path is that of the same path with a trailing NUL;
 * - a WebSocket handshake: only 0, -EINVAL or -EPROTONOSUPPORT, and a key
 *   taken is 24 characters ending in "=="; an Origin taken is the server's
 *   own "http://" + Host, whatever the case;
 * - a command of the live page (src/core/webview.c): 0 or -EINVAL, a
 *   refused one leaves the view as it was, a taken one leaves its strings
 *   terminated within their buffers.
 *
 * Seeds: tests/fuzz/corpus/fuzz_http/ (headers Prometheus and curl send,
 * and broken ones).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "httpreq.h"
#include "webview.h"

#define MAX_TEXT 4096

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_http: %s\n", what);
		abort();
	}
}

static void b64_encode(const unsigned char *in, size_t n, char *out)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = in[i] << 16 | in[i + 1] << 8 | in[i + 2];

		out[o++] = t[v >> 18];
		out[o++] = t[(v >> 12) & 63];
		out[o++] = t[(v >> 6) & 63];
		out[o++] = t[v & 63];
	}
	if (n - i == 1) {
		out[o++] = t[in[i] >> 2];
		out[o++] = t[(in[i] & 3) << 4];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		uint32_t v = in[i] << 8 | in[i + 1];

		out[o++] = t[v >> 10];
		out[o++] = t[(v >> 4) & 63];
		out[o++] = t[(v & 15) << 2];
		out[o++] = '=';
	}
	out[o] = 0;
}

static void basic(const char *h)
{
	char user[64], pass[256], again_u[64], again_p[256];
	char joined[64 + 256 + 2], header[6 + 2 * sizeof(joined)];
	size_t ul, pl;
	int ret = http_basic_auth_decode(h, user, sizeof(user), pass, sizeof(pass));

	check(ret == 0 || ret == -EINVAL || ret == -E2BIG, "unexpected result");
	if (ret) {
		check(!user[0] && !pass[0], "a refusal left credentials");
		return;
	}
	ul = strnlen(user, sizeof(user));
	pl = strnlen(pass, sizeof(pass));
	check(ul < sizeof(user) && pl < sizeof(pass), "credentials not terminated");
	check(!strchr(user, ':'), "a user name with ':'");
	memcpy(joined, user, ul);
	joined[ul] = ':';
	memcpy(joined + ul + 1, pass, pl);
	memcpy(header, "Basic ", 6);
	b64_encode((const unsigned char *)joined, ul + 1 + pl, header + 6);
	check(!http_basic_auth_decode(header, again_u, sizeof(again_u), again_p, sizeof(again_p)),
	      "credentials encoded again do not decode");
	check(!strcmp(user, again_u) && !strcmp(pass, again_p), "a second decoding differs");
	/* one byte short of the password's room */
	if (http_basic_auth_decode(h, again_u, sizeof(again_u), again_p, pl) != -E2BIG)
		check(0, "a password too long for its buffer is not -E2BIG");
}

/* h with a space before and after every comma */
static void spaced(const char *h, char *out, size_t cap)
{
	size_t o = 0;

	for (; *h && o + 4 < cap; h++) {
		if (*h == ',') {
			out[o++] = ' ';
			out[o++] = ',';
			out[o++] = ' ';
		} else {
			out[o++] = *h;
		}
	}
	out[o] = 0;
}

static void gzip(const char *h)
{
	char buf[3 * MAX_TEXT + 16];
	bool yes = http_accepts_gzip(h);

	spaced(h, buf, sizeof(buf));
	if (strlen(h) * 3 + 8 < sizeof(buf))
		check(http_accepts_gzip(buf) == yes, "spaces around commas change the answer");
	snprintf(buf, sizeof(buf), "%s, gzip;q=0", h);
	if (!strchr(h, ';') && !strcasestr(h, "gzip"))
		check(!http_accepts_gzip(buf), "gzip;q=0 takes gzip");
}

static void websocket(const char *h)
{
	int r = http_ws_handshake_check("websocket", "Upgrade", "13", h);
	int r2 = http_ws_handshake_check(h, h, h, "dGhlIHNhbXBsZSBub25jZQ==");

	check(r == 0 || r == -EINVAL, "a key gives another answer");
	check(r2 == 0 || r2 == -EINVAL || r2 == -EPROTONOSUPPORT, "unexpected handshake answer");
	if (!r)
		check(strlen(h) == 24 && !strcmp(h + 22, "=="), "a key of the wrong shape taken");
	if (http_origin_allowed(h, "127.0.0.1:10061", false))
		check(!strcasecmp(h, "http://127.0.0.1:10061"), "a foreign Origin taken");
}

static void command(const char *msg, size_t len)
{
	struct web_view v = { .group = WEB_GROUP_PORT, .filter = "f", .selected = "s" }, before = v;
	int r = web_command_apply(msg, len, BY_SERVICE, &v);

	check(r == 0 || r == -EINVAL, "unexpected command answer");
	if (r)
		check(!memcmp(&v, &before, sizeof(v)), "a refused command changed the view");
	check(strnlen(v.filter, sizeof(v.filter)) < sizeof(v.filter), "filter not terminated");
	check(strnlen(v.selected, sizeof(v.selected)) < sizeof(v.selected), "selection not terminated");
	check(v.group <= WEB_GROUP_PORT, "an unknown grouping");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[MAX_TEXT + 1];
	enum http_route r;

	if (size > MAX_TEXT)
		size = MAX_TEXT;
	memcpy(text, data, size);
	text[size] = 0;
	basic(text);
	gzip(text);
	websocket(text);
	command((const char *)data, size);
	r = http_route_of(text);
	check(r >= HTTP_ROUTE_NONE && r <= HTTP_ROUTE_LAST, "unknown route");
	check(r == HTTP_ROUTE_NONE || text[0] == '/', "a route for a path without '/'");
	return 0;
}
