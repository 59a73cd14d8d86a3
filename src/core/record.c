// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Recording file format (little-endian; docs/recording.md):
 *
 *   header  "WWRECORD" | u32 version | u32 meta_len | meta | u32 crc32
 *           (meta: key=value lines; crc32 over everything before it)
 *   block*  u32 "WBLK" | u32 raw_len | u32 comp_len | u32 crc32(payload)
 *           | payload: zlib(items)
 *   item    u16 type | u16 len | len bytes
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "parse.h"
#include "record.h"

#define BLOCK_HDR 16
#define ITEM_HDR 4

/* ---- little-endian helpers ------------------------------------------------ */

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static uint32_t get32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- writer ------------------------------------------------------------ */

struct rec_writer {
	FILE *f;
	uint8_t *buf; /* items of the block being filled */
	size_t len;
	uint8_t *zbuf;
	size_t zcap;
	uint64_t written;
	int err;
};

/* A value is one line: a newline in a file name must not make a new key. */
static void one_line(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < len; i++)
		dst[i] = (src[i] == '\n' || src[i] == '\r') ? ' ' : src[i];
	dst[i] = 0;
}

static size_t meta_text(char *out, size_t cap, const struct rec_meta *in)
{
	struct rec_meta copy = *in, *m = &copy;

	one_line(m->hostname, sizeof(m->hostname), in->hostname);
	one_line(m->kernel, sizeof(m->kernel), in->kernel);
	one_line(m->options, sizeof(m->options), in->options);
	one_line(m->program, sizeof(m->program), in->program);

	int n = snprintf(out, cap,
			 "hostname=%s\nkernel=%s\nprogram=%s\noptions=%s\nmono_to_real_ns=%lld\n"
			 "boot_time_s=%llu\nstart_ns=%llu\nevent_size=%u\nsock_rec_size=%u\n",
			 m->hostname, m->kernel, m->program, m->options,
			 (long long)m->mono_to_real_ns, (unsigned long long)m->boot_time_s,
			 (unsigned long long)m->start_ns, WW_EVENT_SIZE, WW_SOCK_REC_SIZE);

	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

static int write_all(struct rec_writer *w, const void *p, size_t len)
{
	if (w->err)
		return w->err;
	errno = 0;
	if (fwrite(p, 1, len, w->f) != len) {
		/* why, for the one line that says so: ENOSPC is a full disk */
		w->err = errno ? -errno : -EIO;
		return w->err;
	}
	w->written += len;
	return 0;
}

struct rec_writer *rec_writer__new(FILE *f, const char *name, const struct rec_meta *meta,
				  char *err, size_t errlen)
{
	uint8_t hdr[16 + REC_MAX_META + 4];
	struct rec_writer *w = calloc(1, sizeof(*w));
	size_t n;

	if (!w || !(w->buf = malloc(REC_MAX_BLOCK)) ||
	    !(w->zbuf = malloc(w->zcap = compressBound(REC_MAX_BLOCK)))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	w->f = f;
	memcpy(hdr, REC_MAGIC, 8);
	put32(hdr + 8, REC_VERSION);
	n = meta_text((char *)hdr + 16, REC_MAX_META, meta);
	put32(hdr + 12, n);
	put32(hdr + 16 + n, crc32(0, hdr, 16 + n));
	if (write_all(w, hdr, 16 + n + 4) || fflush(w->f)) {
		snprintf(err, errlen, "cannot write %s: %s", name, strerror(errno));
		goto fail;
	}
	return w;
fail:
	fclose(f);
	if (w) {
		free(w->buf);
		free(w->zbuf);
		free(w);
	}
	return NULL;
}

int rec_writer__flush(struct rec_writer *w)
{
	uLongf zlen = w->zcap;
	uint8_t hdr[BLOCK_HDR];

	if (!w->len)
		return w->err;
	if (compress2(w->zbuf, &zlen, w->buf, w->len, Z_BEST_SPEED) != Z_OK)
		return w->err = -EIO;
	put32(hdr, REC_BLOCK_MAGIC);
	put32(hdr + 4, w->len);
	put32(hdr + 8, zlen);
	put32(hdr + 12, crc32(0, w->zbuf, zlen));
	w->len = 0;
	if (write_all(w, hdr, sizeof(hdr)) || write_all(w, w->zbuf, zlen))
		return w->err;
	/* a crash loses at most the block being filled */
	if (fflush(w->f))
		return w->err = -errno;
	return 0;
}

static int put_item(struct rec_writer *w, enum rec_type type, const void *p, uint16_t len)
{
	int err;

	if (w->len + ITEM_HDR + len > REC_MAX_BLOCK && (err = rec_writer__flush(w)))
		return err;
	w->buf[w->len] = type;
	w->buf[w->len + 1] = 0;
	w->buf[w->len + 2] = len;
	w->buf[w->len + 3] = len >> 8;
	memcpy(w->buf + w->len + ITEM_HDR, p, len);
	w->len += ITEM_HDR + len;
	return w->err;
}

int rec_writer__event(struct rec_writer *w, const struct ww_event *e)
{
	return put_item(w, REC_EVENT, e, sizeof(*e));
}

int rec_writer__sweep_begin(struct rec_writer *w, __u64 ts)
{
	return put_item(w, REC_SWEEP_BEGIN, &ts, sizeof(ts));
}

int rec_writer__sock(struct rec_writer *w, const struct ww_sock_rec *r)
{
	return put_item(w, REC_SWEEP_SOCK, r, sizeof(*r));
}

int rec_writer__sweep_end(struct rec_writer *w, __u64 ts)
{
	return put_item(w, REC_SWEEP_END, &ts, sizeof(ts));
}

int rec_writer__port_range(struct rec_writer *w, __u32 netns, __u32 size)
{
	struct rec_port_range r = { .netns = netns, .size = size };

	return put_item(w, REC_PORT_RANGE, &r, sizeof(r));
}

int rec_writer__counters(struct rec_writer *w, const struct rec_counters *c)
{
	return put_item(w, REC_COUNTERS, c, sizeof(*c));
}

uint64_t rec_writer__size(const struct rec_writer *w)
{
	return w->written + w->len;
}

int rec_writer__close(struct rec_writer *w)
{
	int err;

	if (!w)
		return 0;
	err = rec_writer__flush(w);
	if (fclose(w->f) && !err)
		err = -errno;
	free(w->buf);
	free(w->zbuf);
	free(w);
	return err;
}

/* ---- reader ------------------------------------------------------------ */

struct rec_reader {
	FILE *f;             /* or NULL when reading memory */
	const uint8_t *mem;
	size_t mem_len, mem_pos;
	uint64_t offset;     /* of the next block in the file */
	uint64_t block_offset;
	struct rec_meta meta;
	uint8_t *zbuf, *buf;
	size_t len, pos;     /* decompressed block and position in it */
};

/* Read exactly n bytes; returns n, or fewer at the end of the input. */
static size_t input(struct rec_reader *r, void *p, size_t n)
{
	size_t got;

	if (r->f) {
		got = fread(p, 1, n, r->f);
	} else {
		got = r->mem_len - r->mem_pos < n ? r->mem_len - r->mem_pos : n;
		memcpy(p, r->mem + r->mem_pos, got);
		r->mem_pos += got;
	}
	r->offset += got;
	return got;
}

/*
 * A numeric value is the whole string, decimal, within [min, max]
 * (mono_to_real_ns alone may be negative): "17x" or "1e9" taken for 17 or 1
 * would shift every time shown, silently, under a valid checksum.
 */
static int meta_number(const char *key, const char *val, int64_t min, uint64_t max,
		       uint64_t *out, size_t at, char *err, size_t errlen)
{
	bool neg = min < 0 && val[0] == '-';
	uint64_t lim = neg ? (uint64_t)-(min + 1) + 1 : max;
	char why[WW_ERR_LEN];
	int ret;

	ret = parse_u64(val + neg, neg ? 0 : (uint64_t)(min > 0 ? min : 0), lim, out, why,
			sizeof(why));
	if (!ret) {
		if (neg)
			*out = -*out;
		return 0;
	}
	snprintf(err, errlen, "bad header value %s='%.40s' at byte %zu: %s (%lld to %llu)",
		 key, val, at, ret == -EINVAL ? "not a whole number" : "out of range",
		 (long long)min, (unsigned long long)max);
	return -EINVAL;
}

/* The numeric keys, each with the range its use can take. */
static const struct meta_key {
	const char *key;
	int64_t min;
	uint64_t max;
	size_t field; /* offset in struct rec_meta, or SIZE_MAX: checked, not kept */
} meta_keys[] = {
	/* REALTIME - MONOTONIC: any s64 but INT64_MIN, which cannot be negated */
	{ "mono_to_real_ns", -INT64_MAX, INT64_MAX, offsetof(struct rec_meta, mono_to_real_ns) },
	/* seconds whose nanoseconds fit a u64 */
	{ "boot_time_s", 0, UINT64_MAX / 1000000000ull, offsetof(struct rec_meta, boot_time_s) },
	/* CLOCK_MONOTONIC, which --at subtracts as an s64 */
	{ "start_ns", 0, INT64_MAX, offsetof(struct rec_meta, start_ns) },
	/* an item's length is a u16 */
	{ "event_size", 1, UINT16_MAX, SIZE_MAX },
	{ "sock_rec_size", 1, UINT16_MAX, SIZE_MAX },
};

static int meta_field(struct rec_meta *m, const char *key, const char *val, size_t at,
		      char *err, size_t errlen)
{
	uint64_t v;

	if (!strcmp(key, "hostname"))
		snprintf(m->hostname, sizeof(m->hostname), "%s", val);
	else if (!strcmp(key, "kernel"))
		snprintf(m->kernel, sizeof(m->kernel), "%s", val);
	else if (!strcmp(key, "program"))
		snprintf(m->program, sizeof(m->program), "%s", val);
	else if (!strcmp(key, "options"))
		snprintf(m->options, sizeof(m->options), "%s", val);
	for (size_t i = 0; i < sizeof(meta_keys) / sizeof(meta_keys[0]); i++) {
		const struct meta_key *k = &meta_keys[i];

		if (strcmp(key, k->key))
			continue;
		if (meta_number(key, val, k->min, k->max, &v, at, err, errlen))
			return -EINVAL;
		if (k->field != SIZE_MAX)
			memcpy((char *)m + k->field, &v, sizeof(v)); /* all are 64-bit */
	}
	return 0;
}

/*
 * key=value lines; unknown keys are skipped so later versions can add some.
 * A line's byte offset in the file: 16 + its offset in text.
 */
static int parse_meta(struct rec_meta *m, char *text, char *err, size_t errlen)
{
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char *eq = strchr(line, '=');

		if (!eq)
			continue;
		*eq = 0;
		if (meta_field(m, line, eq + 1, 16 + (size_t)(line - text), err, errlen))
			return -EINVAL;
	}
	return 0;
}

static int read_header(struct rec_reader *r, char *err, size_t errlen)
{
	uint8_t hdr[16 + REC_MAX_META + 4];
	uint32_t version, mlen;
	size_t got = input(r, hdr, 16);
	char text[REC_MAX_META + 1];

	if (got == 0) {
		snprintf(err, errlen, "empty file, not a waitwatch recording");
		return -EINVAL;
	}
	if (got < 8 || memcmp(hdr, REC_MAGIC, 8)) {
		snprintf(err, errlen, "not a waitwatch recording (no WWRECORD magic at byte 0)");
		return -EINVAL;
	}
	if (got < 16) {
		snprintf(err, errlen, "truncated header at byte %zu", got);
		return -EINVAL;
	}
	version = get32(hdr + 8);
	mlen = get32(hdr + 12);
	if (version != REC_VERSION) {
		snprintf(err, errlen, "recording format version %u at byte 8; this waitwatch "
			 "reads version %d", version, REC_VERSION);
		return -EINVAL;
	}
	if (mlen > REC_MAX_META) {
		snprintf(err, errlen, "header metadata of %u bytes at byte 12 is larger than %d",
			 mlen, REC_MAX_META);
		return -EINVAL;
	}
	if (input(r, hdr + 16, mlen + 4) != mlen + 4) {
		snprintf(err, errlen, "truncated header at byte %llu", (unsigned long long)r->offset);
		return -EINVAL;
	}
	if (crc32(0, hdr, 16 + mlen) != get32(hdr + 16 + mlen)) {
		snprintf(err, errlen, "header checksum mismatch at byte %u", 16 + mlen);
		return -EINVAL;
	}
	memcpy(text, hdr + 16, mlen);
	text[mlen] = 0;
	return parse_meta(&r->meta, text, err, errlen);
}

static struct rec_reader *reader_new(FILE *f, const void *mem, size_t len, char *err,
				     size_t errlen)
{
	struct rec_reader *r = calloc(1, sizeof(*r));

	if (!r || !(r->buf = malloc(REC_MAX_BLOCK)) ||
	    !(r->zbuf = malloc(compressBound(REC_MAX_BLOCK)))) {
		snprintf(err, errlen, "out of memory");
		if (f)
			fclose(f);
		rec_reader__close(r);
		return NULL;
	}
	r->f = f;
	r->mem = mem;
	r->mem_len = len;
	if (read_header(r, err, errlen)) {
		rec_reader__close(r);
		return NULL;
	}
	return r;
}

struct rec_reader *rec_reader__new(FILE *f, char *err, size_t errlen)
{
	return reader_new(f, NULL, 0, err, errlen);
}

struct rec_reader *rec_reader__open_mem(const void *buf, size_t len, char *err, size_t errlen)
{
	return reader_new(NULL, buf, len, err, errlen);
}

const struct rec_meta *rec_reader__meta(const struct rec_reader *r)
{
	return &r->meta;
}

void rec_reader__close(struct rec_reader *r)
{
	if (!r)
		return;
	if (r->f)
		fclose(r->f);
	free(r->buf);
	free(r->zbuf);
	free(r);
}

/* Load and check the next block. 1, 0 at a clean end, or -errno. */
static int next_block(struct rec_reader *r, char *err, size_t errlen)
{
	uint8_t hdr[BLOCK_HDR];
	uint32_t raw, comp;
	uLongf out = REC_MAX_BLOCK;
	size_t got;

	r->block_offset = r->offset;
	got = input(r, hdr, BLOCK_HDR);
	if (got == 0)
		return 0;
	if (got < BLOCK_HDR)
		goto truncated;
	raw = get32(hdr + 4);
	comp = get32(hdr + 8);
	if (get32(hdr) != REC_BLOCK_MAGIC) {
		snprintf(err, errlen, "corrupt block at byte %llu (bad block magic)",
			 (unsigned long long)r->block_offset);
		return -EBADMSG;
	}
	if (raw == 0 || raw > REC_MAX_BLOCK || comp == 0 || comp > compressBound(REC_MAX_BLOCK)) {
		snprintf(err, errlen, "corrupt block at byte %llu (sizes %u/%u out of range)",
			 (unsigned long long)r->block_offset, raw, comp);
		return -EBADMSG;
	}
	if (input(r, r->zbuf, comp) != comp)
		goto truncated;
	if (crc32(0, r->zbuf, comp) != get32(hdr + 12)) {
		snprintf(err, errlen, "corrupt block at byte %llu (checksum mismatch)",
			 (unsigned long long)r->block_offset);
		return -EBADMSG;
	}
	if (uncompress(r->buf, &out, r->zbuf, comp) != Z_OK || out != raw) {
		snprintf(err, errlen, "corrupt block at byte %llu (does not decompress)",
			 (unsigned long long)r->block_offset);
		return -EBADMSG;
	}
	r->len = raw;
	r->pos = 0;
	return 1;
truncated:
	snprintf(err, errlen, "cut off inside the block at byte %llu: everything before it "
		 "was read", (unsigned long long)r->block_offset);
	return -ENODATA;
}

static size_t item_size(enum rec_type t)
{
	switch (t) {
	case REC_EVENT:
		return sizeof(struct ww_event);
	case REC_SWEEP_BEGIN:
	case REC_SWEEP_END:
		return sizeof(__u64);
	case REC_SWEEP_SOCK:
		return sizeof(struct ww_sock_rec);
	case REC_PORT_RANGE:
		return sizeof(struct rec_port_range);
	case REC_COUNTERS:
		return sizeof(struct rec_counters);
	}
	return 0;
}

/* Values the collector indexes arrays with must be in range. */
static bool item_valid(const struct rec_item *it)
{
	if (it->type == REC_EVENT)
		return it->event.oldstate < WW_TCP_NSTATES && it->event.newstate < WW_TCP_NSTATES &&
		       (it->event.family == WW_AF_INET || it->event.family == WW_AF_INET6);
	if (it->type == REC_SWEEP_SOCK)
		return it->sock.state < WW_TCP_NSTATES &&
		       (it->sock.family == WW_AF_INET || it->sock.family == WW_AF_INET6);
	return true;
}

int rec_reader__next(struct rec_reader *r, struct rec_item *it, char *err, size_t errlen)
{
	uint16_t type, len;
	int ret;

	while (r->pos >= r->len) {
		ret = next_block(r, err, errlen);
		if (ret <= 0)
			return ret;
	}
	if (r->len - r->pos < ITEM_HDR)
		goto corrupt;
	type = r->buf[r->pos] | r->buf[r->pos + 1] << 8;
	len = r->buf[r->pos + 2] | r->buf[r->pos + 3] << 8;
	if (!item_size(type) || r->len - r->pos - ITEM_HDR < len)
		goto corrupt;
	/* sweep records without state_age_ms, as first written */
	if (len != item_size(type) && !(type == REC_SWEEP_SOCK && len == WW_SOCK_REC_SIZE_V1))
		goto corrupt;
	memset(it, 0, sizeof(*it));
	it->type = type;
	it->offset = r->block_offset;
	memcpy(&it->event, r->buf + r->pos + ITEM_HDR, len);
	r->pos += ITEM_HDR + len;
	if (!item_valid(it))
		goto corrupt;
	return 1;
corrupt:
	snprintf(err, errlen, "corrupt item in the block at byte %llu",
		 (unsigned long long)r->block_offset);
	return -EBADMSG;
}
