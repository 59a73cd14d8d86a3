// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The parts of an HTTP request waitwatch reads itself (httpreq.h). */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include "httpreq.h"

enum http_route http_route_of(const char *path)
{
	if (!strcmp(path, "/metrics"))
		return HTTP_ROUTE_METRICS;
	if (!strcmp(path, "/"))
		return HTTP_ROUTE_INDEX;
	if (!strcmp(path, "/healthz"))
		return HTTP_ROUTE_HEALTHZ;
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
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
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
