// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Strict parsers for command-line values, with one-line error reasons. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "format.h"
#include "parse.h"

/* Longest piece of user input quoted in an error, so the hint still fits. */
#define QUOTE_MAX 32
/* Shorter for state names: the list of valid ones after it is long. */
#define STATE_QUOTE_MAX 16

#define NSEC_PER_MSEC 1000000ULL
#define NSEC_PER_SEC 1000000000ULL

#define STATE_HINT "try: established, syn-sent, syn-recv, fin-wait-1, fin-wait-2, time-wait, " \
	"close, close-wait, last-ack, listen, closing"
#define DURATION_HINT "must be a non-negative number with an optional unit (ms, s, m, h, d)"
#define SIZE_HINT "must be a whole number of bytes with an optional unit (K, M, G, T)"

__attribute__((format(printf, 3, 4)))
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * Copy user input for quoting in an error: control bytes become '?' so the
 * reason stays on one line, and long input is cut so the hint after it is
 * not the part that gets truncated.
 */
static const char *quote(char dst[QUOTE_MAX + 4], const char *s, size_t n, size_t max)
{
	size_t i;

	for (i = 0; i < n && s[i] && i < max; i++) {
		unsigned char c = s[i];

		dst[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (i < n && s[i]) {
		memcpy(dst + i, "...", 3);
		i += 3;
	}
	dst[i] = '\0';
	return dst;
}

#define Q(buf, s) quote(buf, s, SIZE_MAX, QUOTE_MAX)

/*
 * strtoull() skips blanks, accepts a sign (negating the value!) and hex with
 * base 0, so only a string of decimal digits is let through to it.
 */
static int strict_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *err, size_t errlen)
{
	char q[QUOTE_MAX + 4];
	uint64_t v;
	int ret;

	ret = strict_u64(s, &v);
	if (ret == -EINVAL) {
		set_err(err, errlen,
			"'%s' is not a whole number (expected %" PRIu64 "-%" PRIu64 ")",
			Q(q, s ? s : ""), min, max);
		return ret;
	}
	if (ret || v < min || v > max) {
		set_err(err, errlen, "'%s' out of range (%" PRIu64 "-%" PRIu64 ")",
			Q(q, s), min, max);
		return -ERANGE;
	}
	*out = v;
	return 0;
}

int parse_port(const char *s, uint16_t *out, char *err, size_t errlen)
{
	char q[QUOTE_MAX + 4];
	uint64_t v;
	int ret;

	ret = strict_u64(s, &v);
	if (ret == -EINVAL) {
		set_err(err, errlen, "port '%s' is not a number (expected 1-65535)",
			Q(q, s ? s : ""));
		return ret;
	}
	if (ret || v < 1 || v > 65535) {
		set_err(err, errlen, "port '%s' out of range (1-65535)", Q(q, s));
		return -ERANGE;
	}
	*out = (uint16_t)v;
	return 0;
}

/* Zero every bit past the prefix, so "198.51.100.7/24" matches as a network. */
static void clear_host_bits(uint8_t *addr, size_t addrlen, int bits)
{
	size_t i;

	for (i = 0; i < addrlen; i++) {
		int keep = bits - (int)i * 8;

		if (keep <= 0)
			addr[i] = 0;
		else if (keep < 8)
			addr[i] &= (uint8_t)(0xff00 >> keep);
	}
}

/* The prefix length after '/', already split off; full length when absent. */
static int parse_prefix(const char *s, const char *bits, struct cidr *c, char *err, size_t errlen)
{
	int max = c->family == AF_INET ? 32 : 128;
	char q1[QUOTE_MAX + 4], q2[QUOTE_MAX + 4];
	uint64_t v;
	int ret;

	if (!bits) {
		c->bits = max;
		return 0;
	}
	ret = strict_u64(bits, &v);
	if (ret == -EINVAL) {
		set_err(err, errlen, "bad prefix length '%s' in '%s' (expected 0-%d)",
			Q(q1, bits), Q(q2, s), max);
		return ret;
	}
	if (ret || v > (uint64_t)max) {
		set_err(err, errlen, "prefix length %s out of range for IPv%d (0-%d)",
			Q(q1, bits), max == 32 ? 4 : 6, max);
		return -ERANGE;
	}
	c->bits = (int)v;
	return 0;
}

int parse_cidr(const char *s, struct cidr *out, char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN], q1[QUOTE_MAX + 4], q2[QUOTE_MAX + 4];
	const char *slash;
	struct cidr c;
	size_t n;
	int ret;

	if (!s || !*s) {
		set_err(err, errlen, "empty address (expected e.g. 198.51.100.0/24)");
		return -EINVAL;
	}
	memset(&c, 0, sizeof(c));
	slash = strchr(s, '/');
	n = slash ? (size_t)(slash - s) : strlen(s);

	if (n < sizeof(host)) {
		memcpy(host, s, n);
		host[n] = '\0';
	}
	if (n < sizeof(host) && inet_pton(AF_INET, host, c.addr) == 1)
		c.family = AF_INET;
	else if (n < sizeof(host) && inet_pton(AF_INET6, host, c.addr) == 1)
		c.family = AF_INET6;

	if (!c.family) {
		if (slash)
			set_err(err, errlen, "bad address '%s' in '%s'",
				quote(q1, s, n, QUOTE_MAX), Q(q2, s));
		else
			set_err(err, errlen,
				"bad address '%s' (expected IPv4 or IPv6, optional /prefix)",
				Q(q1, s));
		return -EINVAL;
	}

	ret = parse_prefix(s, slash ? slash + 1 : NULL, &c, err, errlen);
	if (ret)
		return ret;
	clear_host_bits(c.addr, c.family == AF_INET ? 4 : 16, c.bits);
	*out = c;
	return 0;
}

/* One comma-separated item of parse_states, n bytes at s. */
static int parse_state_item(const char *all, const char *s, size_t n, uint32_t *mask,
			    char *err, size_t errlen)
{
	char name[16], q[QUOTE_MAX + 4];
	int state = -1;

	if (!n) {
		set_err(err, errlen, "empty state name in '%s' (expected comma-separated names)",
			Q(q, all));
		return -EINVAL;
	}
	if (n < sizeof(name)) {
		memcpy(name, s, n);
		name[n] = '\0';
		state = tcp_state_parse(name);
	}
	if (state < 0) {
		set_err(err, errlen, "unknown state '%s' (%s)",
			quote(q, s, n, STATE_QUOTE_MAX), STATE_HINT);
		return -EINVAL;
	}
	*mask |= 1U << state;
	return 0;
}

int parse_states(const char *s, uint32_t *mask, char *err, size_t errlen)
{
	const char *p = s ? s : "";
	uint32_t m = 0;
	int ret;

	for (;;) {
		size_t n = strcspn(p, ",");

		ret = parse_state_item(s ? s : "", p, n, &m, err, errlen);
		if (ret)
			return ret;
		if (!p[n])
			break;
		p += n + 1;
	}
	*mask = m;
	return 0;
}

/* Decimal digits at *p into *v; false on overflow. Stops at the first non-digit. */
static bool take_digits(const char **p, uint64_t *v, unsigned int *ndigits)
{
	uint64_t x = 0;
	bool ok = true;

	*ndigits = 0;
	for (; **p >= '0' && **p <= '9'; (*p)++, (*ndigits)++) {
		unsigned int d = (unsigned int)(**p - '0');

		if (x > (UINT64_MAX - d) / 10)
			ok = false;
		else
			x = x * 10 + d;
	}
	*v = x;
	return ok;
}

static uint64_t duration_unit(const char *u)
{
	if (!*u || !strcmp(u, "s"))
		return NSEC_PER_SEC;
	if (!strcmp(u, "ms"))
		return NSEC_PER_MSEC;
	if (!strcmp(u, "m"))
		return 60 * NSEC_PER_SEC;
	if (!strcmp(u, "h"))
		return 3600 * NSEC_PER_SEC;
	if (!strcmp(u, "d"))
		return 86400 * NSEC_PER_SEC;
	return 0;
}

/*
 * The fraction digits at p (n of them) times unit, in whole nanoseconds,
 * rounded down. Digits past the 19th add under 1e-5 ns, so they are read
 * but not used; 19 digits still fit in a uint64_t, and times any unit the
 * 128-bit product cannot overflow.
 */
static uint64_t fraction_ns(const char *p, unsigned int n, uint64_t unit)
{
	unsigned __int128 f = 0, scale = 1;
	unsigned int i;

	for (i = 0; i < n && i < 19; i++) {
		f = f * 10 + (unsigned int)(p[i] - '0');
		scale *= 10;
	}
	return (uint64_t)(f * unit / scale);
}

/*
 * Parsed by hand rather than with strtod(), which would take "nan", "inf",
 * hex, exponents and leading blanks, and round through a double.
 */
int parse_duration(const char *s, uint64_t *ns, char *err, size_t errlen)
{
	const char *p = s ? s : "", *frac = NULL;
	unsigned int nint, nfrac = 0;
	char q[QUOTE_MAX + 4];
	uint64_t whole, unit, fns;
	bool fits;

	fits = take_digits(&p, &whole, &nint);
	if (nint && *p == '.') {
		frac = ++p;
		while (*p >= '0' && *p <= '9')
			p++, nfrac++;
	}
	unit = duration_unit(p);
	if (!nint || (frac && !nfrac) || !unit) {
		set_err(err, errlen, "duration '%s' " DURATION_HINT, Q(q, s ? s : ""));
		return -EINVAL;
	}

	fns = frac ? fraction_ns(frac, nfrac, unit) : 0;
	if (!fits || whole > UINT64_MAX / unit || whole * unit > UINT64_MAX - fns) {
		set_err(err, errlen, "duration '%s' too large (at most 213503d)", Q(q, s));
		return -ERANGE;
	}
	*ns = whole * unit + fns;
	return 0;
}

/* Case-insensitive: "16m" and "16MiB" are as clear as "16M". */
static uint64_t size_unit(const char *u)
{
	static const struct {
		const char *name;
		uint64_t mult;
	} units[] = {
		{ "", 1 },
		{ "k", 1ULL << 10 }, { "kib", 1ULL << 10 },
		{ "m", 1ULL << 20 }, { "mib", 1ULL << 20 },
		{ "g", 1ULL << 30 }, { "gib", 1ULL << 30 },
		{ "t", 1ULL << 40 }, { "tib", 1ULL << 40 },
	};
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcasecmp(u, units[i].name))
			return units[i].mult;
	}
	return 0;
}

int parse_size(const char *s, uint64_t *bytes, char *err, size_t errlen)
{
	const char *p = s ? s : "";
	char q[QUOTE_MAX + 4];
	unsigned int ndigits;
	uint64_t v, mult;
	bool fits;

	fits = take_digits(&p, &v, &ndigits);
	mult = size_unit(p);
	if (!ndigits || !mult) {
		set_err(err, errlen, "size '%s' " SIZE_HINT, Q(q, s ? s : ""));
		return -EINVAL;
	}
	if (!fits || v > UINT64_MAX / mult) {
		set_err(err, errlen, "size '%s' too large", Q(q, s));
		return -ERANGE;
	}
	*bytes = v * mult;
	return 0;
}
