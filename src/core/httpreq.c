// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The parts of an HTTP request waitwatch reads itself (httpreq.h). */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include "httpreq.h"

/* Each path the server answers, with its route; every other path is HTTP_ROUTE_NONE. */
static const struct {
	const char *path;
	enum http_route route;
} http_routes[] = {
	{ "/metrics", HTTP_ROUTE_METRICS },
	{ "/", HTTP_ROUTE_INDEX },
	{ "/healthz", HTTP_ROUTE_HEALTHZ },
	{ "/api/v1/endpoints", HTTP_ROUTE_ENDPOINTS },
	{ "/api/v1/history", HTTP_ROUTE_HISTORY },
	{ "/api/v1/diagram", HTTP_ROUTE_DIAGRAM },
	{ "/api/v1/leaks", HTTP_ROUTE_LEAKS },
	{ "/api/v1/ws", HTTP_ROUTE_WS },
	{ "/api/v1/stream", HTTP_ROUTE_STREAM },
};

enum http_route http_route_of(const char *path)
{
	size_t i;

	for (i = 0; i < sizeof(http_routes) / sizeof(http_routes[0]); i++)
		if (!strcmp(path, http_routes[i].path))
			return http_routes[i].route;
	return HTTP_ROUTE_NONE;
}

static const char *skip_ows(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static const char *trim_end(const char *start, const char *end)
{
	while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return end;
}

/* qvalue = "0" [ "." 0*3DIGIT ] / "1" [ "." 0*3"0" ], in thousandths; -1 if bad. */
static int qvalue(const char *p, const char *end)
{
	int q, digits = 0;

	if (p == end || (*p != '0' && *p != '1'))
		return -1;
	q = (*p++ - '0') * 1000;
	if (p < end && *p == '.') {
		int scale = 100;

		for (p++; p < end && *p >= '0' && *p <= '9' && digits < 3; p++, digits++) {
			q += (*p - '0') * scale;
			scale /= 10;
		}
	}
	return p == end && q <= 1000 ? q : -1;
}

static const char *find(const char *p, const char *end, char c)
{
	return p < end ? memchr(p, c, (size_t)(end - p)) : NULL;
}

/* The weight of one element "coding;q=0.5" (its coding in [s, *cend)); -1 if bad. */
static int element_q(const char *s, const char *end, const char **cend)
{
	const char *semi = find(s, end, ';');
	int q = 1000;

	*cend = trim_end(s, semi ? semi : end);
	while (semi) {
		const char *p = skip_ows(semi + 1, end), *pend;

		semi = find(p, end, ';');
		pend = trim_end(p, semi ? semi : end);
		if (pend - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=')
			q = qvalue(p + 2, pend);
		if (q < 0)
			return -1;
	}
	return q;
}

static bool coding_is(const char *s, const char *end, const char *name)
{
	size_t n = strlen(name);

	return (size_t)(end - s) == n && !strncasecmp(s, name, n);
}

bool http_accepts_gzip(const char *ae)
{
	int gzip = -1, star = -1;

	while (ae && *ae) {
		const char *comma = strchr(ae, ',');
		const char *end = comma ? comma : ae + strlen(ae);
		const char *s = skip_ows(ae, end), *cend;
		int q = element_q(s, end, &cend);

		if (q >= 0 && (coding_is(s, cend, "gzip") || coding_is(s, cend, "x-gzip")))
			gzip = gzip < 0 ? q : (q > gzip ? q : gzip);
		else if (q >= 0 && coding_is(s, cend, "*"))
			star = q;
		ae = comma ? comma + 1 : NULL;
	}
	return gzip >= 0 ? gzip > 0 : star > 0;
}

/* A base64 character's value; -1 for any other byte. */
static int b64_value(unsigned char c)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *at = c ? strchr(alphabet, c) : NULL;

	/* NUL is excluded: strchr would find the terminator. */
	return at ? (int)(at - alphabet) : -1;
}

/* Standard base64, padded or not; the bytes into out. Their count, or -errno. */
static long b64_decode(const char *s, size_t n, unsigned char *out, size_t cap)
{
	uint32_t acc = 0;
	size_t len = 0, i, bits = 0, pad = 0;

	while (n && s[n - 1] == '=' && pad < 2) {
		n--;
		pad++;
	}
	if ((pad && (n + pad) % 4) || n % 4 == 1)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		int v = b64_value(s[i]);

		if (v < 0)
			return -EINVAL;
		acc = (acc << 6) | v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (len == cap)
				return -E2BIG;
			out[len++] = acc >> bits;
		}
	}
	/* the bits left over must be zero: one encoding per string */
	if (acc & ((1u << bits) - 1))
		return -EINVAL;
	return len;
}

/* "user:password", n bytes, into the caller's buffers. */
static int split_credentials(const unsigned char *buf, size_t n, char *user, size_t userlen,
			     char *pass, size_t passlen)
{
	const unsigned char *colon;
	size_t ulen, plen;

	colon = memchr(buf, ':', n);
	if (!colon || memchr(buf, 0, n))
		return -EINVAL;
	ulen = colon - buf;
	plen = n - ulen - 1;
	for (size_t i = 0; i < ulen; i++)
		if (buf[i] < 0x20 || buf[i] == 0x7f)
			return -EINVAL;
	if (ulen >= userlen || plen >= passlen)
		return -E2BIG;
	memcpy(user, buf, ulen);
	user[ulen] = 0;
	memcpy(pass, colon + 1, plen);
	pass[plen] = 0;
	return 0;
}

int http_basic_auth_decode(const char *h, char *user, size_t userlen, char *pass,
			   size_t passlen)
{
	unsigned char buf[1024];
	const char *tok, *end;
	long n;
	int ret;

	if (userlen)
		user[0] = 0;
	if (passlen)
		pass[0] = 0;
	if (!h || strncasecmp(h, "Basic ", 6))
		return -EINVAL;
	tok = skip_ows(h + 6, h + strlen(h));
	end = trim_end(tok, tok + strlen(tok));
	n = b64_decode(tok, end - tok, buf, sizeof(buf));
	ret = n < 0 ? (int)n : split_credentials(buf, n, user, userlen, pass, passlen);
	explicit_bzero(buf, sizeof(buf)); /* the password */
	return ret;
}

bool ct_memeq(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char d = 0;

	for (size_t i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

/* The comma-separated list holds token, in any case. */
static bool has_token(const char *list, const char *token)
{
	size_t n = strlen(token);
	const char *p = list, *end = list + strlen(list);

	while (p < end) {
		const char *comma = memchr(p, ',', end - p), *e = comma ? comma : end;
		const char *s = skip_ows(p, e), *t = trim_end(s, e);

		if ((size_t)(t - s) == n && !strncasecmp(s, token, n))
			return true;
		p = e + 1;
	}
	return false;
}

/* 16 bytes in base64: 22 characters of the alphabet, the last of 16 values, then "==". */
static bool ws_key_ok(const char *key)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char last[] = "AQgw";

	if (strlen(key) != 24 || strcmp(key + 22, "=="))
		return false;
	for (int i = 0; i < 21; i++)
		if (!key[i] || !strchr(b64, key[i]))
			return false;
	return key[21] && strchr(last, key[21]);
}

int http_ws_handshake_check(const char *upgrade, const char *connection, const char *version,
			    const char *key)
{
	if (!upgrade || !connection || !has_token(upgrade, "websocket") ||
	    !has_token(connection, "upgrade") || !key)
		return -EINVAL;
	if (!version || strcmp(version, "13"))
		return -EPROTONOSUPPORT;
	return ws_key_ok(key) ? 0 : -EINVAL;
}

bool http_origin_allowed(const char *origin, const char *host, bool tls)
{
	const char *scheme = tls ? "https://" : "http://";
	size_t n = strlen(scheme);

	if (!origin)
		return true;
	if (!host || !*host || strncasecmp(origin, scheme, n))
		return false;
	return !strcasecmp(origin + n, host);
}

void http_b64_sha1(const unsigned char digest[20], char out[29])
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0, i;

	for (i = 0; i + 2 < 20; i += 3) {
		uint32_t v = digest[i] << 16 | digest[i + 1] << 8 | digest[i + 2];

		out[o++] = t[v >> 18];
		out[o++] = t[(v >> 12) & 63];
		out[o++] = t[(v >> 6) & 63];
		out[o++] = t[v & 63];
	}
	/* 20 = 6 * 3 + 2: two bytes left */
	uint32_t v = digest[18] << 8 | digest[19];

	out[o++] = t[v >> 10];
	out[o++] = t[(v >> 4) & 63];
	out[o++] = t[(v & 15) << 2];
	out[o++] = '=';
	out[o] = 0;
}
