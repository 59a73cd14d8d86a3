// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A small streaming JSON writer. Misuse (a name in an array, a value
 * missing after a name, too deep nesting, an unmatched end) still yields
 * valid JSON, so one bug cannot break every consumer of the stream.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"

#define JW_MAX_DEPTH 32

struct json_writer {
	FILE *f;
	int depth;			/* open containers, at most JW_MAX_DEPTH */
	int skip;			/* containers opened past JW_MAX_DEPTH */
	bool after_name;		/* a name was written, its value is next */
	char close[JW_MAX_DEPTH];	/* '}' or ']' for each open container */
	bool has_items[JW_MAX_DEPTH];	/* a comma goes before the next item */
};

struct json_writer *jw__new(FILE *f)
{
	struct json_writer *jw = calloc(1, sizeof(*jw));

	if (jw)
		jw->f = f;
	return jw;
}

void jw__free(struct json_writer *jw)
{
	free(jw);
}

/* Comma before the value if needed; false while inside a skipped container. */
static bool begin_value(struct json_writer *jw)
{
	if (jw->skip)
		return false;
	if (jw->after_name) {
		jw->after_name = false;
	} else if (jw->depth) {
		if (jw->has_items[jw->depth - 1])
			putc_unlocked(',', jw->f);
		jw->has_items[jw->depth - 1] = true;
	}
	return true;
}

/* A complete top-level value ends its line: JSON lines. */
static void end_value(struct json_writer *jw)
{
	if (!jw->depth)
		putc_unlocked('\n', jw->f);
}

static void start(struct json_writer *jw, char open, char close)
{
	if (jw->skip) {
		jw->skip++;
		return;
	}
	if (!begin_value(jw))
		return;
	if (jw->depth == JW_MAX_DEPTH) {
		/* Drop the too-deep value but keep the document valid. */
		fputs_unlocked("null", jw->f);
		jw->skip = 1;
		return;
	}
	putc_unlocked(open, jw->f);
	jw->close[jw->depth] = close;
	jw->has_items[jw->depth] = false;
	jw->depth++;
}

static void end(struct json_writer *jw)
{
	if (jw->skip) {
		jw->skip--;
		return;
	}
	if (!jw->depth)
		return;
	if (jw->after_name)
		jw__null(jw);
	jw->depth--;
	putc_unlocked(jw->close[jw->depth], jw->f);
	end_value(jw);
}

void jw__start_object(struct json_writer *jw)
{
	start(jw, '{', '}');
}

void jw__end_object(struct json_writer *jw)
{
	end(jw);
}

void jw__start_array(struct json_writer *jw)
{
	start(jw, '[', ']');
}

void jw__end_array(struct json_writer *jw)
{
	end(jw);
}

/* A name made of letters, digits and '_' needs no escaping. */
static bool plain_name(const char *name)
{
	if (!name)
		return false;
	for (; *name; name++)
		if (!((*name >= 'a' && *name <= 'z') || (*name >= 'A' && *name <= 'Z') ||
		      (*name >= '0' && *name <= '9') || *name == '_'))
			return false;
	return true;
}

void jw__name(struct json_writer *jw, const char *name)
{
	if (jw->skip || !jw->depth || jw->close[jw->depth - 1] != '}')
		return;
	if (jw->after_name)
		jw__null(jw);
	begin_value(jw);
	putc_unlocked('"', jw->f);
	if (plain_name(name))
		fputs_unlocked(name, jw->f); /* member names are literals: the usual case */
	else
		json_escape(jw->f, name ? name : "", SIZE_MAX);
	fputs_unlocked("\":", jw->f);
	jw->after_name = true;
}

/* Scalars: text already formatted as a JSON token. */
static void raw_value(struct json_writer *jw, const char *text)
{
	if (!begin_value(jw))
		return;
	fputs_unlocked(text, jw->f);
	end_value(jw);
}

void jw__string_n(struct json_writer *jw, const char *s, size_t len)
{
	if (!s) {
		jw__null(jw);
		return;
	}
	if (!begin_value(jw))
		return;
	putc_unlocked('"', jw->f);
	json_escape(jw->f, s, len);
	putc_unlocked('"', jw->f);
	end_value(jw);
}

void jw__string(struct json_writer *jw, const char *s)
{
	jw__string_n(jw, s, SIZE_MAX);
}

/* Digits of v, right-aligned in buf[0..23]; returns where they start. */
static char *u64_digits(char buf[24], uint64_t v)
{
	char *p = buf + 23;

	*p = 0;
	do {
		*--p = '0' + v % 10;
		v /= 10;
	} while (v);
	return p;
}

/* Numbers are most of what is written: no printf for them. */
void jw__uint(struct json_writer *jw, uint64_t v)
{
	char buf[24];

	raw_value(jw, u64_digits(buf, v));
}

void jw__decimal(struct json_writer *jw, uint64_t v, int scale)
{
	char buf[48], digits[24], *d;
	uint64_t div = 1;
	int n = 0;

	if (scale < 0 || scale > 18)
		scale = 0;
	for (int i = 0; i < scale; i++)
		div *= 10;
	d = u64_digits(digits, v / div);
	n = snprintf(buf, sizeof(buf), "%s", d);
	if (scale) {
		d = u64_digits(digits, v % div + div); /* leading 1 keeps the zeros */
		snprintf(buf + n, sizeof(buf) - n, ".%s", d + 1);
	}
	raw_value(jw, buf);
}

void jw__int(struct json_writer *jw, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	raw_value(jw, buf);
}

/* A locale with a decimal comma would otherwise make invalid JSON. */
static void fix_decimal_point(char *s)
{
	for (; *s; s++) {
		if (*s == ',')
			*s = '.';
	}
}

void jw__double(struct json_writer *jw, double v)
{
	char buf[32];
	int prec;

	if (!isfinite(v)) {
		jw__null(jw);
		return;
	}
	/* The fewest digits that read back as the same double; 17 always do. */
	for (prec = 1; prec < 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	if (prec == 17)
		snprintf(buf, sizeof(buf), "%.17g", v);
	fix_decimal_point(buf);
	raw_value(jw, buf);
}

void jw__fixed(struct json_writer *jw, double v, int decimals)
{
	/* DBL_MAX has 309 integer digits; 17 decimals are past any precision. */
	char buf[384];

	if (!isfinite(v)) {
		jw__null(jw);
		return;
	}
	if (decimals < 0)
		decimals = 0;
	if (decimals > 17)
		decimals = 17;
	snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	fix_decimal_point(buf);
	raw_value(jw, buf);
}

void jw__bool(struct json_writer *jw, bool v)
{
	raw_value(jw, v ? "true" : "false");
}

void jw__null(struct json_writer *jw)
{
	raw_value(jw, "null");
}

/*
 * Length of the well-formed UTF-8 sequence at s (at most n bytes), or 0.
 * Per Unicode table 3-7: no overlong forms (C0, C1, E0 80..9F, F0 80..8F),
 * no surrogates (ED A0..BF), nothing past U+10FFFF (F4 90.., F5..FF).
 */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;

	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;

	/* A NUL is not a continuation byte, so this never reads past one. */
	for (i = 1; i < len; i++) {
		if (i >= n || s[i] < lo || s[i] > hi)
			return 0;
		lo = 0x80;
		hi = 0xbf;
	}
	return len;
}

/* RFC 8259's two-character escapes; every other control byte is \u00XX. */
static const char *const short_escapes[128] = {
	['"'] = "\\\"", ['\\'] = "\\\\", ['\b'] = "\\b", ['\f'] = "\\f",
	['\n'] = "\\n", ['\r'] = "\\r", ['\t'] = "\\t",
};

static void escape_byte(FILE *f, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";

	if (c < 128 && short_escapes[c]) {
		fputs_unlocked(short_escapes[c], f);
		return;
	}
	/* Control bytes, DEL, and stray high bytes read as Latin-1. */
	fprintf(f, "\\u00%c%c", hex[c >> 4], hex[c & 0xf]);
}

void json_escape(FILE *f, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len && p[i]) {
		unsigned char c = p[i];
		size_t n = c >= 0x80 ? utf8_len(p + i, len - i) : 0, run = 0;

		/* a run of plain characters goes out at once */
		while (i + run < len && p[i + run] >= 0x20 && p[i + run] < 0x7f &&
		       p[i + run] != '"' && p[i + run] != '\\')
			run++;
		if (run) {
			fwrite_unlocked(p + i, 1, run, f);
			i += run;
			continue;
		}

		if (n) {
			fwrite_unlocked(p + i, 1, n, f);
			i += n;
			continue;
		}
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			putc_unlocked(c, f);
		else
			escape_byte(f, c);
		i++;
	}
}

void jw__raw(struct json_writer *jw, const char *json, size_t len)
{
	if (!begin_value(jw))
		return;
	fwrite_unlocked(json, 1, len, jw->f);
	end_value(jw);
}
