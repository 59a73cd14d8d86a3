// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: a recording (src/record.c), read item by item through
 * the trace output, then replayed (src/replay.c) into a small collector as
 * `waitwatch report --at` and `report` do, with snapshots rendered as JSON
 * and as the table.
 *
 * Two kinds of input, so that the checksums do not stop the fuzzer at the
 * first block:
 * - starting with 'W': the bytes are the file, as they are (the header, the
 *   checksums and the zlib streams are what gets fuzzed);
 * - anything else: byte 0 holds flags (bit 0: cut the file off inside its
 *   last block), then u16 length + metadata text, then u16 length + items
 *   as stored inside a block, as many times as there are blocks (all
 *   little-endian). The harness writes the header and the blocks, with their
 *   checksums and zlib streams, around them: the items and the collector
 *   are what gets fuzzed. Such a file can only fail on a corrupt item, or
 *   where it was cut off.
 *
 * Checked besides what the sanitizers see: every error is one non-empty
 * line, those of rec_reader__next() name a byte offset; the metadata strings are
 * terminated; the replay applies every item the reader gives; the collector
 * never holds more sockets or rows than its limits.
 *
 * Seeds: tests/fuzz/corpus/fuzz_record/ (small valid recordings of both
 * kinds, one cut off, a few damaged).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "collector.h"
#include "json_writer.h"
#include "out_trace.h"
#include "record.h"
#include "replay.h"
#include "out_json.h"
#include "out_term.h"

#define MAX_SOCKETS 64
#define MAX_ENDPOINTS 8

static FILE *sink;

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_record: %s\n", what);
		abort();
	}
}

static void check_msg(const char *err, size_t errlen, int want_offset)
{
	check(memchr(err, 0, errlen) != NULL, "error message not terminated");
	check(err[0] != 0, "empty error message");
	check(strchr(err, '\n') == NULL, "error message of more than one line");
	if (want_offset)
		check(strstr(err, "byte ") != NULL, "error without a byte offset");
}

static void check_meta(const struct rec_meta *m)
{
	check(memchr(m->hostname, 0, sizeof(m->hostname)) != NULL, "hostname not terminated");
	check(memchr(m->kernel, 0, sizeof(m->kernel)) != NULL, "kernel not terminated");
	check(memchr(m->options, 0, sizeof(m->options)) != NULL, "options not terminated");
	check(memchr(m->program, 0, sizeof(m->program)) != NULL, "program not terminated");
}

/* Both renderings of a snapshot, as report prints them. */
static void render(const struct snapshot *s, const struct rec_meta *m, const struct replay *rp,
		   enum ww_by by)
{
	struct view_opts v = {
		.by = by,
		.prefix4 = 24,
		.prefix6 = 64,
		.mono_to_real_ns = m->mono_to_real_ns,
	};
	struct view_meta vm = {
		.source = "tp_btf (recorded)",
		.events = rp->counters.events,
		.lost = rp->counters.rb_drops + rp->counters.recursion_misses,
	};
	struct json_writer *jw = jw__new(sink);

	if (jw) {
		out_json_snapshot(jw, s, &v, &vm);
		jw__free(jw);
	}
	out_term_snapshot(sink, s, &v, &vm);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

/* A u16 (0 past the end, which it then is). */
static size_t take16(const uint8_t **p, const uint8_t *end)
{
	size_t v;

	if (end - *p < 2) {
		*p = end;
		return 0;
	}
	v = (*p)[0] | (*p)[1] << 8;
	*p += 2;
	return v;
}

/* The file the second kind of input describes; NULL when out of memory. */
static uint8_t *build(const uint8_t *data, size_t size, size_t *len, bool *cut)
{
	const uint8_t *p = data + 1, *end = data + size;
	size_t mlen, cap = 16 + 65535 + 4 + size * 2 + 1024, n, last = 0;
	uint8_t *out = malloc(cap);

	if (!out)
		return NULL;
	*cut = data[0] & 1;
	mlen = take16(&p, end);
	if (mlen > (size_t)(end - p))
		mlen = end - p;
	if (mlen > REC_MAX_META)
		mlen = REC_MAX_META;
	memcpy(out, REC_MAGIC, 8);
	put32(out + 8, REC_VERSION);
	put32(out + 12, mlen);
	memcpy(out + 16, p, mlen);
	p += mlen;
	put32(out + 16 + mlen, crc32(0, out, 16 + mlen));
	n = 16 + mlen + 4;
	while (p < end) {
		size_t raw = take16(&p, end);
		uLongf zlen;

		if (raw > (size_t)(end - p))
			raw = end - p;
		if (!raw) /* the writer never writes an empty block */
			continue;
		zlen = compressBound(raw);
		if (n + 16 + zlen > cap)
			break;
		if (compress2(out + n + 16, &zlen, p, raw, Z_BEST_SPEED) != Z_OK)
			break;
		put32(out + n, REC_BLOCK_MAGIC);
		put32(out + n + 4, raw);
		put32(out + n + 8, zlen);
		put32(out + n + 12, crc32(0, out + n + 16, zlen));
		last = n;
		n += 16 + zlen;
		p += raw;
	}
	if (*cut && last)
		n = last + (n - last) / 2;
	else
		*cut = false;
	*len = n;
	return out;
}

static int one_input(const uint8_t *data, size_t size, bool built, bool cut);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *file;
	size_t len;
	bool cut;
	int ret;

	if (!size || data[0] == 'W')
		return one_input(data, size, false, false);
	file = build(data, size, &len, &cut);
	if (!file)
		return 0;
	ret = one_input(file, len, true, cut);
	free(file);
	return ret;
}

static int one_input(const uint8_t *data, size_t size, bool built, bool cut)
{
	struct collector_opts o = {
		.sort_state = -1,
		.max_sockets = MAX_SOCKETS,
		.max_endpoints = MAX_ENDPOINTS,
	};
	char err[256];
	const struct rec_meta *m;
	struct rec_reader *r;
	struct collector *c;
	struct trace_out to;
	struct snapshot snap;
	struct rec_item it;
	struct replay rp;
	__u64 items = 0, mid_ts = 0, at;
	int ret;

	if (!sink)
		sink = fopen("/dev/null", "w");
	if (!sink)
		abort();

	/* 1. every item, the events through the trace output (JSON or table) */
	memset(err, 0x55, sizeof(err));
	r = rec_reader__open_mem(data, size, err, sizeof(err));
	/* the harness copies the metadata as it comes: its numbers may be refused */
	check(r != NULL || !built || strstr(err, "bad header value") != NULL,
	      "a header the harness wrote does not open");
	if (!r) {
		check_msg(err, sizeof(err), 0);
		return 0;
	}
	m = rec_reader__meta(r);
	check_meta(m);
	if (trace_out__init(&to, sink, size & 1, m->mono_to_real_ns)) {
		rec_reader__close(r);
		return 0;
	}
	memset(err, 0x55, sizeof(err));
	while ((ret = rec_reader__next(r, &it, err, sizeof(err))) > 0) {
		check(it.type >= REC_EVENT && it.type <= REC_COUNTERS, "unknown item type returned");
		if (it.type == REC_EVENT)
			trace_out__event(&to, &it.event);
		if (!mid_ts)
			mid_ts = rec_item_ts(&it); /* the first time in it */
		items++;
	}
	check(ret == 0 || ret == -EBADMSG || ret == -ENODATA, "unexpected rec_reader__next result");
	if (ret < 0)
		check_msg(err, sizeof(err), 1);
	if (built && ret == -ENODATA)
		check(cut, "a file the harness wrote whole is cut off");
	if (built && ret == -EBADMSG)
		check(strstr(err, "corrupt item") != NULL, "a block the harness wrote is corrupt");
	trace_out__fini(&to);
	rec_reader__close(r);

	/* 2. replayed as report --at does it, then to the end */
	r = rec_reader__open_mem(data, size, err, sizeof(err));
	check(r != NULL, "a recording that opened once does not open again");
	m = rec_reader__meta(r);
	if (size > 24)
		o.by = data[size - 1] % (BY_COMM + 1);
	c = collector__new(&o);
	if (!c) {
		rec_reader__close(r);
		return 0;
	}
	replay__init(&rp, r);
	at = mid_ts + (size ? data[size / 2] : 0) * 10000000ull;
	if (!at)
		at = 1;
	ret = replay__until(&rp, c, at, err, sizeof(err));
	if (!ret) {
		if (!collector__snapshot(c, at, true, &snap)) {
			check(snap.stats.sockets <= MAX_SOCKETS, "more sockets than max_sockets");
			render(&snap, m, &rp, o.by);
			snapshot__free(&snap);
		}
		ret = replay__until(&rp, c, 0, err, sizeof(err));
	}
	check(ret == 0 || ret == -EBADMSG || ret == -ENODATA, "unexpected replay result");
	check(rp.done, "replay not done");
	check(rp.items == items, "the replay applied another number of items than were read");
	check(rp.truncated == (ret == -ENODATA), "truncated flag");
	if (!collector__snapshot(c, rp.last_ts, true, &snap)) {
		check(snap.stats.sockets <= MAX_SOCKETS, "more sockets than max_sockets");
		check(snap.nrows <= MAX_ENDPOINTS, "more rows than max_endpoints");
		snapshot__sort(&snap, size % WW_TCP_NSTATES);
		render(&snap, m, &rp, o.by);
		snapshot__free(&snap);
	}
	collector__free(c);
	rec_reader__close(r);
	return 0;
}
