// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for src/record.c and src/replay.c: recordings written and read
 * back, the reader's answer to damaged files, and the replay of the sample
 * recordings of tests/data/rec through the collector.
 *
 * - round trip: every item type, the header's metadata, many blocks, a block
 *   filled up to REC_MAX_BLOCK (the writer starts a new one), 72-byte sweep
 *   records as first written;
 * - the layout of the records as docs/recording.md gives it (offsets, sizes);
 * - damaged input, built in memory (rec_reader__open_mem): each error is one
 *   line naming the right byte offset; a file cut off inside a block gives
 *   every item before it, then -ENODATA;
 * - replay__until: up to a time, a sweep applied whole, resumed later;
 * - the sample recordings (tests/data/rec/NAME.wwr, read relative to the repo
 *   root, where make check runs): what `waitwatch report` prints (JSON, the
 *   table in UTC, --at +2s) and `trace --replay --json`, byte for byte, from
 *   NAME.report.json, NAME.report.txt, NAME.at.json and NAME.trace.json
 *   (tests/data/rec/regen.sh writes them), but for memory_bytes: the size of
 *   the collector's tables is not the recording's to fix.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "collector.h"
#include "json_writer.h"
#include "out_trace.h"
#include "record.h"
#include "record_file.h"
#include "replay.h"
#include "out_json.h"
#include "out_term.h"
#include "expect.h"

#define DATA_DIR "tests/data/rec/"
#define SEC 1000000000ull

/* ---- helpers ---------------------------------------------------------------- */

/*
 * The file's little-endian u32 fields (docs/recording.md), read and written
 * here with the C library's byte order functions: a test of the format, not
 * of the writer's own helpers.
 */
static void put32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, sizeof(v));
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

/* A fresh path in the temporary directory; the caller unlinks it. */
static char *tmp_path(void)
{
	char *p = strdup("/tmp/ww-test-record.XXXXXX");
	int fd;

	assert_non_null(p);
	fd = mkstemp(p);
	assert_true(fd >= 0);
	close(fd);
	return p;
}

/* The tests that write a recording to a file: its path in *state, removed after them. */
static int tmp_setup(void **state)
{
	*state = tmp_path();
	return 0;
}

static int tmp_teardown(void **state)
{
	unlink(*state);
	free(*state);
	return 0;
}

#define TMP_TEST(test) cmocka_unit_test_setup_teardown(test, tmp_setup, tmp_teardown)


static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		fail_msg("cannot open %s (run the tests from the repository's root)", path);
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got);
	fclose(f);
	*len = n;
	return buf;
}

/* Close w, writing its last block; the bytes of the file it wrote. */
static uint8_t *close_slurp(struct rec_writer *w, const char *path, size_t *len)
{
	assert_int_equal(rec_writer__close(w), 0);
	return slurp(path, len);
}

/* Where the first block starts: 16 + metadata length + 4. */
static size_t header_end(const uint8_t *buf)
{
	return 16 + get32(buf + 12) + 4;
}

/* Offsets of the blocks of a well-formed recording; returns how many. */
static size_t block_offsets(const uint8_t *buf, size_t len, size_t *out, size_t max)
{
	size_t off = header_end(buf), n = 0;

	while (off + 16 <= len && n < max) {
		out[n++] = off;
		off += 16 + get32(buf + off + 8);
	}
	assert_int_equal(off, len);
	return n;
}

static struct rec_meta sample_meta(void)
{
	struct rec_meta m;

	memset(&m, 0, sizeof(m));
	strcpy(m.hostname, "host-1.example");
	strcpy(m.kernel, "6.1.0-test #1 SMP");
	strcpy(m.program, "tp_btf");
	strcpy(m.options, "record -o x.wwr --netns 4026532001 -i 1 --duration 3");
	m.mono_to_real_ns = 1700000000123456789ll;
	m.boot_time_s = 1699990000;
	m.start_ns = 5 * SEC;
	return m;
}

static struct ww_event sample_event(int i)
{
	struct ww_event e;

	memset(&e, 0, sizeof(e));
	e.ts_ns = 6 * SEC + (__u64)i * 1000;
	e.dwell_ns = 1000 + i;
	e.cgroup_id = 42;
	e.sock_ino = 100000 + i;
	e.sock_id = 7000 + i;
	e.saddr[0] = 127, e.saddr[3] = 1;
	e.daddr[0] = 127, e.daddr[3] = 1;
	e.netns = 4026532001u;
	e.pid = 1234;
	e.sport = 40000 + i % 1000;
	e.dport = 8001;
	e.family = WW_AF_INET;
	e.oldstate = WW_TCP_ESTABLISHED;
	e.newstate = WW_TCP_FIN_WAIT1;
	e.flags = WW_EF_DIR_OUT | WW_EF_DWELL | WW_EF_OWNER;
	e._pad = 0;
	memcpy(e.comm, "loadgen\0\xff\x01zzzzzz", WW_COMM_LEN);
	return e;
}

static struct ww_sock_rec sample_sock(int i)
{
	struct ww_sock_rec r;

	memset(&r, 0, sizeof(r));
	r.sock_ino = 200 + i;
	r.sock_id = i % 2 ? 0 : 9000 + i;
	r.cgroup_id = 7;
	r.saddr[15] = 1; /* ::1 */
	r.daddr[15] = 1;
	r.netns = 4026532001u;
	r.uid = 1000;
	r.sport = 8002;
	r.dport = 50000 + i;
	r.family = WW_AF_INET6;
	r.state = i % 2 ? WW_TCP_TIME_WAIT : WW_TCP_CLOSE_WAIT;
	r.flags = (i % 2 ? WW_SF_TIMEWAIT : 0) | WW_SF_AGE;
	r.state_age_ms = 1500 + i;
	return r;
}

/* A writer of path, the header from m (NULL: sample_meta()). */
static struct rec_writer *writer(const char *path, const struct rec_meta *m)
{
	struct rec_meta sample = sample_meta();
	char err[256];
	struct rec_writer *w = rec_writer__open(path, m ? m : &sample, err, sizeof(err));

	assert_non_null(w);
	return w;
}

static struct rec_reader *reader(const char *path)
{
	char err[256];
	struct rec_reader *r = rec_reader__open(path, err, sizeof(err));

	assert_non_null(r);
	return r;
}

/* A recording written in a temporary file, then read back into memory. */
static uint8_t *write_file(void (*write)(struct rec_writer *w), size_t *len)
{
	char *path = tmp_path();
	uint8_t *buf;

	write(writer(path, NULL));
	buf = slurp(path, len);
	unlink(path);
	free(path);
	return buf;
}

/*
 * The small recording the error tests damage: a block with an initial sweep
 * (2 sockets), its port range and counters, then a block of 3 events and
 * counters. Returns the file's bytes.
 */
static void write_sample(struct rec_writer *w)
{
	struct rec_counters rc = { .ts_ns = 6 * SEC, .events = 3, .rb_drops = 1 };
	struct ww_sock_rec s0 = sample_sock(0), s1 = sample_sock(1);

	assert_int_equal(rec_writer__sweep_begin(w, 5 * SEC), 0);
	assert_int_equal(rec_writer__sock(w, &s0), 0);
	assert_int_equal(rec_writer__sock(w, &s1), 0);
	assert_int_equal(rec_writer__port_range(w, 4026532001u, 28232), 0);
	assert_int_equal(rec_writer__sweep_end(w, 5 * SEC), 0);
	assert_int_equal(rec_writer__counters(w, &rc), 0);
	assert_int_equal(rec_writer__flush(w), 0);
	for (int i = 0; i < 3; i++) {
		struct ww_event e = sample_event(i);

		assert_int_equal(rec_writer__event(w, &e), 0);
	}
	rc.ts_ns = 7 * SEC;
	rc.events = 6;
	assert_int_equal(rec_writer__counters(w, &rc), 0);
	assert_int_equal(rec_writer__close(w), 0);
}

static uint8_t *sample_file(size_t *len)
{
	return write_file(write_sample, len);
}

/* Read every item: the count, and the last return value with its message. */
static int read_all(struct rec_reader *r, int *items, char *err, size_t errlen)
{
	struct rec_item it;
	int ret, guard = 0;

	*items = 0;
	err[0] = 0;
	while ((ret = rec_reader__next(r, &it, err, errlen)) > 0) {
		(*items)++;
		assert_true(++guard < 10000000);
	}
	return ret;
}

/* err is one line and contains want. */
static void assert_msg(const char *err, const char *want)
{
	if (!strstr(err, want))
		fail_msg("error '%s' does not contain '%s'", err, want);
	assert_null(strchr(err, '\n'));
}

/* Open buf; must fail with a message containing want. */
static void open_fails(const uint8_t *buf, size_t len, const char *want)
{
	char err[256] = "";
	struct rec_reader *r = rec_reader__open_mem(buf, len, err, sizeof(err));

	if (r) {
		rec_reader__close(r);
		fail_msg("opened a recording that should fail with '%s'", want);
	}
	assert_msg(err, want);
}

/* Open buf, read it: items before the error, then ret with a message containing want. */
static void read_fails(const uint8_t *buf, size_t len, int want_items, int want_ret,
		       const char *want)
{
	char err[256];
	struct rec_reader *r = rec_reader__open_mem(buf, len, err, sizeof(err));
	int items, ret;

	if (!r)
		fail_msg("cannot open: %s", err);
	ret = read_all(r, &items, err, sizeof(err));
	assert_int_equal(ret, want_ret);
	assert_int_equal(items, want_items);
	assert_msg(err, want);
	rec_reader__close(r);
}

/* ---- hand-built recordings ------------------------------------------------------ */

struct mkbuf {
	uint8_t *p;
	size_t len, cap;
};

static void mk_put(struct mkbuf *b, const void *p, size_t len)
{
	if (b->len + len > b->cap) {
		b->cap = (b->len + len) * 2 + 1024;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->len, p, len);
	b->len += len;
}

static void mk_header(struct mkbuf *b, uint32_t version, const char *meta)
{
	uint8_t h[16], crc[4];
	size_t start = b->len, mlen = strlen(meta);

	memcpy(h, REC_MAGIC, 8);
	put32(h + 8, version);
	put32(h + 12, mlen);
	mk_put(b, h, 16);
	mk_put(b, meta, mlen);
	put32(crc, crc32(0, b->p + start, 16 + mlen));
	mk_put(b, crc, 4);
}

static void mk_item(struct mkbuf *items, uint16_t type, const void *p, uint16_t len)
{
	uint8_t h[4] = { type, type >> 8, len, len >> 8 };

	mk_put(items, h, 4);
	mk_put(items, p, len);
}

/* A block of the items' bytes; raw_len 0: the real length. */
static void mk_block(struct mkbuf *b, const struct mkbuf *items, uint32_t raw_len)
{
	uLongf zlen = compressBound(items->len);
	uint8_t *z = malloc(zlen), h[16];

	assert_non_null(z);
	assert_int_equal(compress2(z, &zlen, items->p, items->len, Z_BEST_SPEED), Z_OK);
	put32(h, REC_BLOCK_MAGIC);
	put32(h + 4, raw_len ? raw_len : items->len);
	put32(h + 8, zlen);
	put32(h + 12, crc32(0, z, zlen));
	mk_put(b, h, 16);
	mk_put(b, z, zlen);
	free(z);
}

#define META_MIN "program=tp_btf\nmono_to_real_ns=0\n"

/* ---- round trip ------------------------------------------------------------------ */

/* docs/recording.md: the records as stored, their sizes and the offsets of their fields */
#define SIZE(type, size) { #type, sizeof(struct type), size }
#define AT(type, field, offset) { #type "." #field, offsetof(struct type, field), offset }

static void test_layout(void **state)
{
	static const struct {
		const char *what;
		size_t got, want;
	} layout[] = {
		SIZE(ww_event, 112),
		SIZE(ww_sock_rec, 80),
		SIZE(rec_port_range, 8),
		SIZE(rec_counters, 32),
		AT(ww_event, ts_ns, 0),
		AT(ww_event, dwell_ns, 8),
		AT(ww_event, cgroup_id, 16),
		AT(ww_event, sock_ino, 24),
		AT(ww_event, sock_id, 32),
		AT(ww_event, saddr, 40),
		AT(ww_event, daddr, 56),
		AT(ww_event, netns, 72),
		AT(ww_event, pid, 76),
		AT(ww_event, sport, 80),
		AT(ww_event, dport, 82),
		AT(ww_event, family, 84),
		AT(ww_event, oldstate, 86),
		AT(ww_event, newstate, 87),
		AT(ww_event, sk_err, 88),
		AT(ww_event, flags, 90),
		AT(ww_event, _pad, 92),
		AT(ww_event, comm, 96),
		AT(ww_sock_rec, sock_ino, 0),
		AT(ww_sock_rec, sock_id, 8),
		AT(ww_sock_rec, cgroup_id, 16),
		AT(ww_sock_rec, saddr, 24),
		AT(ww_sock_rec, daddr, 40),
		AT(ww_sock_rec, netns, 56),
		AT(ww_sock_rec, uid, 60),
		AT(ww_sock_rec, sport, 64),
		AT(ww_sock_rec, dport, 66),
		AT(ww_sock_rec, family, 68),
		AT(ww_sock_rec, state, 70),
		AT(ww_sock_rec, flags, 71),
		AT(ww_sock_rec, state_age_ms, 72),
		AT(ww_sock_rec, _pad, 76),
		AT(rec_port_range, netns, 0),
		AT(rec_port_range, size, 4),
		AT(rec_counters, ts_ns, 0),
		AT(rec_counters, events, 8),
		AT(rec_counters, rb_drops, 16),
		AT(rec_counters, recursion_misses, 24),
	};

	for (size_t i = 0; i < ARRAY_LEN(layout); i++) {
		if (layout[i].got != layout[i].want)
			print_error("%s\n", layout[i].what);
		assert_int_equal(layout[i].got, layout[i].want);
	}
}

static void test_roundtrip_every_item(void **state)
{
	struct rec_meta m = sample_meta(), *got_meta;
	struct rec_counters rc = { .ts_ns = 9 * SEC, .events = 77, .rb_drops = 3,
				   .recursion_misses = 4 };
	const char *path = *state;
	char err[256];
	struct rec_writer *w;
	struct rec_reader *r;
	struct rec_item it;
	struct ww_event e = sample_event(1);
	struct ww_sock_rec s = sample_sock(1);
	uint64_t size0;

	m.mono_to_real_ns = -123456789012ll; /* a negative offset reads back too */
	w = writer(path, &m);
	size0 = rec_writer__size(w);
	assert_true(size0 > 20 && size0 < 20 + REC_MAX_META);
	assert_int_equal(rec_writer__sweep_begin(w, 5 * SEC), 0);
	assert_int_equal(rec_writer__sock(w, &s), 0);
	assert_int_equal(rec_writer__port_range(w, 4026532001u, 28232), 0);
	assert_int_equal(rec_writer__sweep_end(w, 5 * SEC + 7), 0);
	assert_int_equal(rec_writer__event(w, &e), 0);
	assert_int_equal(rec_writer__counters(w, &rc), 0);
	/* not flushed yet: counted, but only the header is in the file */
	assert_int_equal(rec_writer__size(w), size0 + 4 * 6 + 8 + 80 + 8 + 8 + 112 + 32);
	assert_int_equal(rec_writer__close(w), 0);

	r = reader(path);
	got_meta = (struct rec_meta *)rec_reader__meta(r);
	assert_string_equal(got_meta->hostname, m.hostname);
	assert_string_equal(got_meta->kernel, m.kernel);
	assert_string_equal(got_meta->program, m.program);
	assert_string_equal(got_meta->options, m.options);
	assert_true(got_meta->mono_to_real_ns == m.mono_to_real_ns);
	assert_int_equal(got_meta->boot_time_s, m.boot_time_s);
	assert_int_equal(got_meta->start_ns, m.start_ns);

	assert_int_equal(rec_reader__next(r, &it, err, sizeof(err)), 1);
	assert_int_equal(it.type, REC_SWEEP_BEGIN);
	assert_int_equal(it.ts_ns, 5 * SEC);
	assert_int_equal(it.offset, size0);
	assert_int_equal(rec_reader__next(r, &it, err, sizeof(err)), 1);
	assert_int_equal(it.type, REC_SWEEP_SOCK);
	assert_memory_equal(&it.sock, &s, sizeof(s));
	assert_int_equal(rec_reader__next(r, &it, err, sizeof(err)), 1);
	assert_int_equal(it.type, REC_PORT_RANGE);
	assert_int_equal(it.range.netns, 4026532001u);
	assert_int_equal(it.range.size, 28232);
	assert_int_equal(rec_reader__next(r, &it, err, sizeof(err)), 1);
	assert_int_equal(it.type, REC_SWEEP_END);
	assert_int_equal(it.ts_ns, 5 * SEC + 7);
	assert_int_equal(rec_reader__next(r, &it, err, sizeof(err)), 1);
	assert_int_equal(it.type, REC_EVENT);
	assert_memory_equal(&it.event, &e, sizeof(e));
	assert_int_equal(rec_item_ts(&it), e.ts_ns);
	assert_int_equal(rec_reader__next(r, &it, err, sizeof(err)), 1);
	assert_int_equal(it.type, REC_COUNTERS);
	assert_memory_equal(&it.counters, &rc, sizeof(rc));
	assert_int_equal(rec_item_ts(&it), 9 * SEC);
	assert_int_equal(it.offset, size0);
	/* the clean end, and it stays there */
	assert_int_equal(rec_reader__next(r, &it, err, sizeof(err)), 0);
	assert_int_equal(rec_reader__next(r, &it, err, sizeof(err)), 0);
	rec_reader__close(r);
}

/* The header as written: key=value lines, the crc over what comes before it. */
static void test_header_bytes(void **state)
{
	const char *path = *state;
	size_t len, mlen;
	uint8_t *buf = close_slurp(writer(path, NULL), path, &len);
	char *text;

	assert_memory_equal(buf, "WWRECORD", 8);
	assert_int_equal(get32(buf + 8), 1);
	mlen = get32(buf + 12);
	/* no block: nothing was written but the header */
	assert_int_equal(len, 16 + mlen + 4);
	assert_int_equal(get32(buf + 16 + mlen), crc32(0, buf, 16 + mlen));
	text = strndup((char *)buf + 16, mlen);
	assert_string_equal(text, "hostname=host-1.example\n"
				  "kernel=6.1.0-test #1 SMP\n"
				  "program=tp_btf\n"
				  "options=record -o x.wwr --netns 4026532001 -i 1 --duration 3\n"
				  "mono_to_real_ns=1700000000123456789\n"
				  "boot_time_s=1699990000\n"
				  "start_ns=5000000000\n"
				  "event_size=112\n"
				  "sock_rec_size=80\n");
	free(text);
	free(buf);
}

/* Unknown keys and lines without '=' are skipped; long values are cut to fit. */
static void test_header_lenient(void **state)
{
	struct mkbuf b = {};
	char meta[1024], err[256], longname[200];
	const struct rec_meta *m;
	struct rec_reader *r;
	struct rec_item it;

	memset(longname, 'h', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	snprintf(meta, sizeof(meta),
		 "future_key=1\nno equals sign\n\nhostname=%s\nprogram=tracepoint\n"
		 "mono_to_real_ns=-5\nstart_ns=9223372036854775807\nkernel=a=b",
		 longname);
	mk_header(&b, 1, meta);
	r = rec_reader__open_mem(b.p, b.len, err, sizeof(err));
	assert_non_null(r);
	m = rec_reader__meta(r);
	assert_int_equal(strlen(m->hostname), sizeof(m->hostname) - 1);
	assert_string_equal(m->program, "tracepoint");
	assert_string_equal(m->kernel, "a=b");
	assert_true(m->mono_to_real_ns == -5);
	assert_true(m->start_ns == INT64_MAX);
	assert_string_equal(m->options, "");
	/* a header alone is an empty recording, not an error */
	assert_int_equal(rec_reader__next(r, &it, err, sizeof(err)), 0);
	rec_reader__close(r);
	free(b.p);
}

/* A header of META (a valid checksum) is refused with a message containing want. */
static void meta_fails(const char *meta, const char *want)
{
	struct mkbuf b = {};

	mk_header(&b, 1, meta);
	open_fails(b.p, b.len, want);
	free(b.p);
}

/* A header of META is read, its clock fields those given. */
static void meta_reads(const char *meta, int64_t mono_to_real, uint64_t boot, uint64_t start)
{
	struct mkbuf b = {};
	char err[256] = "";
	struct rec_reader *r;

	mk_header(&b, 1, meta);
	r = rec_reader__open_mem(b.p, b.len, err, sizeof(err));
	if (!r)
		fail_msg("'%s' refused: %s", meta, err);
	assert_true(rec_reader__meta(r)->mono_to_real_ns == mono_to_real);
	assert_true(rec_reader__meta(r)->boot_time_s == boot);
	assert_true(rec_reader__meta(r)->start_ns == start);
	rec_reader__close(r);
	free(b.p);
}

/*
 * Every numeric value is checked whole and in range, under a valid
 * checksum: one garbled digit must not shift every time shown.
 */
static void test_header_strict(void **state)
{
	(void)state;
	meta_reads(META_MIN "boot_time_s=1699990000\nstart_ns=5000000000\n", 0,
		   1699990000, 5000000000ull);
	meta_reads("mono_to_real_ns=-9223372036854775807\nboot_time_s=18446744073\n"
		   "start_ns=0\n", -INT64_MAX, 18446744073ull, 0);
	meta_reads("mono_to_real_ns=9223372036854775807\nevent_size=65535\n"
		   "sock_rec_size=1\n", INT64_MAX, 0, 0);
	meta_reads("mono_to_real_ns=-0\n", 0, 0, 0);

	/* the key and the byte offset of its line (16 + its offset in the text) */
	meta_fails("program=tp_btf\nstart_ns=12x\n",
		   "bad header value start_ns='12x' at byte 31: not a whole number "
		   "(0 to 9223372036854775807)");
	meta_fails("mono_to_real_ns=17e9\n", "bad header value mono_to_real_ns='17e9' "
		   "at byte 16: not a whole number");
	meta_fails("mono_to_real_ns=\n", "mono_to_real_ns='' at byte 16: not a whole number");
	meta_fails("mono_to_real_ns= 5\n", "mono_to_real_ns=' 5' at byte 16: not a whole");
	meta_fails("mono_to_real_ns=+5\n", "mono_to_real_ns='+5' at byte 16: not a whole");
	meta_fails("mono_to_real_ns=--5\n", "not a whole number");
	meta_fails("mono_to_real_ns=0x10\n", "not a whole number");
	meta_fails("mono_to_real_ns=-9223372036854775808\n", "out of range "
		   "(-9223372036854775807 to 9223372036854775807)");
	meta_fails("mono_to_real_ns=9223372036854775808\n", "out of range");
	meta_fails("mono_to_real_ns=99999999999999999999999\n", "out of range");
	meta_fails("boot_time_s=-1\n", "bad header value boot_time_s='-1' at byte 16: not a whole");
	meta_fails("boot_time_s=18446744074\n", "boot_time_s='18446744074' at byte 16: "
		   "out of range (0 to 18446744073)");
	meta_fails("start_ns=18446744073709551615\n", "start_ns='18446744073709551615' at "
		   "byte 16: out of range");
	meta_fails("start_ns=5\r\n", "not a whole number");
	meta_fails("event_size=0\n", "event_size='0' at byte 16: out of range (1 to 65535)");
	meta_fails("sock_rec_size=65536\n", "sock_rec_size='65536' at byte 16: out of range");
	meta_fails("sock_rec_size=80 \n", "not a whole number");
}

static void test_many_blocks(void **state)
{
	const char *path = *state;
	struct rec_writer *w = writer(path, NULL);
	char err[256];
	struct rec_reader *r;
	struct rec_item it;
	__u64 last_offset = 0;
	int i, blocks = 0;
	size_t len, offs[1100];
	uint8_t *buf;

	for (i = 0; i < 1000; i++) {
		struct ww_event e = sample_event(i);

		assert_int_equal(rec_writer__event(w, &e), 0);
		assert_int_equal(rec_writer__flush(w), 0);
		/* flushing an empty block writes nothing */
		if (i % 100 == 0)
			assert_int_equal(rec_writer__flush(w), 0);
	}
	buf = close_slurp(w, path, &len);
	assert_int_equal(block_offsets(buf, len, offs, 1100), 1000);

	r = reader(path);
	for (i = 0; rec_reader__next(r, &it, err, sizeof(err)) == 1; i++) {
		struct ww_event e = sample_event(i);

		assert_int_equal(it.type, REC_EVENT);
		assert_memory_equal(&it.event, &e, sizeof(e));
		assert_true(it.offset > last_offset);
		assert_int_equal(it.offset, offs[i]);
		last_offset = it.offset;
		blocks++;
	}
	assert_int_equal(i, 1000);
	assert_int_equal(blocks, 1000);
	rec_reader__close(r);
	free(buf);
}

/* More than REC_MAX_BLOCK of items: the writer starts a new block by itself. */
static void test_full_block_flushes(void **state)
{
	const int per_block = REC_MAX_BLOCK / (4 + sizeof(struct ww_event));
	const int n = per_block + 500;
	const char *path = *state;
	struct rec_writer *w = writer(path, NULL);
	char err[256];
	struct rec_reader *r;
	struct rec_item it;
	size_t len, offs[4];
	uint8_t *buf;
	int i;

	for (i = 0; i < n; i++) {
		struct ww_event e = sample_event(i);

		assert_int_equal(rec_writer__event(w, &e), 0);
	}
	buf = close_slurp(w, path, &len);
	assert_int_equal(block_offsets(buf, len, offs, 4), 2);
	/* the first block as full as whole items make it, the rest in the second */
	assert_int_equal(get32(buf + offs[0] + 4), per_block * (4 + sizeof(struct ww_event)));
	assert_true(get32(buf + offs[0] + 4) <= REC_MAX_BLOCK);
	assert_int_equal(get32(buf + offs[1] + 4), 500 * (4 + sizeof(struct ww_event)));

	r = reader(path);
	for (i = 0; rec_reader__next(r, &it, err, sizeof(err)) == 1; i++) {
		assert_int_equal(it.type, REC_EVENT);
		assert_int_equal(it.event.sock_id, 7000 + i);
		assert_int_equal(it.offset, i < per_block ? offs[0] : offs[1]);
	}
	assert_int_equal(i, n);
	rec_reader__close(r);
	free(buf);
}

/* Sweep records of 72 bytes (no state_age_ms), as first written, still read. */
static void test_sock_rec_72(void **state)
{
	struct ww_sock_rec s = sample_sock(0);
	struct mkbuf b = {}, items = {};
	struct rec_item it;
	struct rec_reader *r;
	char err[256];

	mk_header(&b, 1, META_MIN "sock_rec_size=72\n");
	mk_item(&items, REC_SWEEP_SOCK, &s, WW_SOCK_REC_SIZE_V1);
	mk_item(&items, REC_SWEEP_SOCK, &s, WW_SOCK_REC_SIZE);
	mk_block(&b, &items, 0);
	r = rec_reader__open_mem(b.p, b.len, err, sizeof(err));
	assert_non_null(r);
	assert_int_equal(rec_reader__next(r, &it, err, sizeof(err)), 1);
	assert_int_equal(it.type, REC_SWEEP_SOCK);
	assert_memory_equal(&it.sock, &s, WW_SOCK_REC_SIZE_V1);
	assert_int_equal(it.sock.state_age_ms, 0);
	assert_int_equal(rec_reader__next(r, &it, err, sizeof(err)), 1);
	assert_memory_equal(&it.sock, &s, sizeof(s));
	assert_int_equal(rec_reader__next(r, &it, err, sizeof(err)), 0);
	rec_reader__close(r);
	free(b.p);
	free(items.p);
}

static void test_writer_errors(void **state)
{
	struct rec_meta m = sample_meta();
	char err[256] = "";

	assert_null(rec_writer__open("/nonexistent-dir/x.wwr", &m, err, sizeof(err)));
	assert_msg(err, "cannot create /nonexistent-dir/x.wwr");
	if (access("/dev/full", W_OK) == 0) {
		err[0] = 0;
		assert_null(rec_writer__open("/dev/full", &m, err, sizeof(err)));
		assert_msg(err, "cannot write /dev/full");
	}
}

/* ---- damaged input ------------------------------------------------------------- */

static void test_err_header(void **state)
{
	size_t len, mlen;
	uint8_t *good = sample_file(&len), *buf = malloc(len);
	char want[128];

	assert_non_null(buf);
	mlen = get32(good + 12);

	open_fails(good, 0, "empty file, not a waitwatch recording");
	open_fails((const uint8_t *)"hello, world\nthis is text\n", 26,
		   "not a waitwatch recording (no WWRECORD magic at byte 0)");
	open_fails((const uint8_t *)"WWREC", 5, "no WWRECORD magic at byte 0");

	memcpy(buf, good, len);
	buf[1] = 'X';
	open_fails(buf, len, "no WWRECORD magic at byte 0");

	open_fails(good, 10, "truncated header at byte 10");
	open_fails(good, 16, "truncated header at byte 16");
	open_fails(good, 40, "truncated header at byte 40");
	open_fails(good, 16 + mlen + 3, "truncated header at byte");

	memcpy(buf, good, len);
	buf[8] = 2;
	open_fails(buf, len, "recording format version 2 at byte 8");
	buf[8] = 0;
	open_fails(buf, len, "recording format version 0 at byte 8");
	memset(buf + 8, 0xff, 4);
	open_fails(buf, len, "recording format version 4294967295 at byte 8");

	memcpy(buf, good, len);
	put32(buf + 12, REC_MAX_META + 1);
	open_fails(buf, len, "header metadata of 4097 bytes at byte 12");
	put32(buf + 12, UINT32_MAX);
	open_fails(buf, len, "at byte 12");

	/* a metadata byte changed, or the checksum itself */
	snprintf(want, sizeof(want), "header checksum mismatch at byte %zu", 16 + mlen);
	memcpy(buf, good, len);
	buf[20] ^= 0x01;
	open_fails(buf, len, want);
	memcpy(buf, good, len);
	buf[16 + mlen] ^= 0x80;
	open_fails(buf, len, want);
	free(buf);
	free(good);
}

static void test_err_blocks(void **state)
{
	size_t len, offs[4], b0, b1, n;
	uint8_t *good = sample_file(&len), *buf = malloc(len);
	char want[128];

	assert_non_null(buf);
	assert_int_equal(block_offsets(good, len, offs, 4), 2);
	b0 = offs[0];
	b1 = offs[1];
	assert_int_equal(b0, header_end(good));
	read_fails(good, len, 10, 0, ""); /* intact: 6 + 4 items */

	/* a byte of a payload flipped: the checksum tells */
	memcpy(buf, good, len);
	buf[b0 + 16 + 5] ^= 0x40;
	snprintf(want, sizeof(want), "corrupt block at byte %zu (checksum mismatch)", b0);
	read_fails(buf, len, 0, -EBADMSG, want);
	memcpy(buf, good, len);
	buf[len - 1] ^= 0x01;
	snprintf(want, sizeof(want), "corrupt block at byte %zu (checksum mismatch)", b1);
	read_fails(buf, len, 6, -EBADMSG, want);
	/* or the checksum field */
	memcpy(buf, good, len);
	buf[b1 + 12] ^= 0x01;
	read_fails(buf, len, 6, -EBADMSG, want);

	memcpy(buf, good, len);
	buf[b1] = 'X';
	snprintf(want, sizeof(want), "corrupt block at byte %zu (bad block magic)", b1);
	read_fails(buf, len, 6, -EBADMSG, want);

	/* absurd lengths, before anything is read or allocated */
	snprintf(want, sizeof(want), "corrupt block at byte %zu (sizes", b0);
	memcpy(buf, good, len);
	put32(buf + b0 + 4, UINT32_MAX);
	read_fails(buf, len, 0, -EBADMSG, want);
	put32(buf + b0 + 4, REC_MAX_BLOCK + 1);
	read_fails(buf, len, 0, -EBADMSG, want);
	put32(buf + b0 + 4, 0);
	read_fails(buf, len, 0, -EBADMSG, want);
	memcpy(buf, good, len);
	put32(buf + b0 + 8, UINT32_MAX);
	read_fails(buf, len, 0, -EBADMSG, want);
	put32(buf + b0 + 8, 0);
	read_fails(buf, len, 0, -EBADMSG, want);
	put32(buf + b0 + 8, compressBound(REC_MAX_BLOCK) + 1);
	read_fails(buf, len, 0, -EBADMSG, want);

	/* raw length within bounds but not the payload's: it does not decompress */
	memcpy(buf, good, len);
	put32(buf + b1 + 4, get32(good + b1 + 4) + 1);
	snprintf(want, sizeof(want), "corrupt block at byte %zu (does not decompress)", b1);
	read_fails(buf, len, 6, -EBADMSG, want);
	put32(buf + b1 + 4, get32(good + b1 + 4) - 1);
	read_fails(buf, len, 6, -EBADMSG, want);

	/* the compressed length pointing past the end: the file is cut off there */
	memcpy(buf, good, len);
	put32(buf + b1 + 8, get32(good + b1 + 8) + 1);
	snprintf(want, sizeof(want), "cut off inside the block at byte %zu", b1);
	read_fails(buf, len, 6, -ENODATA, want);

	/* cut off anywhere in the last block: everything before it is read */
	for (n = b1 + 1; n < len; n++)
		read_fails(good, n, 6, -ENODATA, want);
	snprintf(want, sizeof(want), "cut off inside the block at byte %zu", b0);
	for (n = b0 + 1; n < b1; n += 7)
		read_fails(good, n, 0, -ENODATA, want);
	/* cut right at a block boundary: a clean, shorter recording */
	read_fails(good, b1, 6, 0, "");
	read_fails(good, b0, 0, 0, "");

	free(buf);
	free(good);
}

/* A block whose payload is valid zlib with a good checksum, but garbage items. */
static void one_bad_item(struct mkbuf *items, int want_items)
{
	struct mkbuf b = {};
	char want[128];

	mk_header(&b, 1, META_MIN);
	snprintf(want, sizeof(want), "corrupt item in the block at byte %zu", b.len);
	mk_block(&b, items, 0);
	read_fails(b.p, b.len, want_items, -EBADMSG, want);
	free(b.p);
	free(items->p);
	memset(items, 0, sizeof(*items));
}

static void test_err_items(void **state)
{
	struct ww_event e = sample_event(0), e_new = e, e_old = e, e_family = e;
	struct ww_sock_rec s = sample_sock(0), s_state = s, s_family = s;
	struct mkbuf items = {};
	__u64 ts = 1;
	uint8_t junk[200] = {};
	/* a block of this one item, refused */
	const struct {
		uint16_t type;
		const void *p;
		uint16_t len;
	} bad[] = {
		/* unknown types */
		{ 0, junk, 8 },
		{ 7, junk, 8 },
		/* lengths that are not the type's */
		{ REC_EVENT, &e, sizeof(e) - 1 },
		{ REC_SWEEP_BEGIN, junk, 16 },
		{ REC_SWEEP_SOCK, &s, 76 },
		{ REC_COUNTERS, junk, 0 },
		/* values the collector would index arrays with */
		{ REC_EVENT, &e_new, sizeof(e) },
		{ REC_EVENT, &e_old, sizeof(e) },
		{ REC_EVENT, &e_family, sizeof(e) },
		{ REC_SWEEP_SOCK, &s_state, sizeof(s) },
		{ REC_SWEEP_SOCK, &s_family, sizeof(s) },
	};

	e_new.newstate = WW_TCP_NSTATES;
	e_old.oldstate = 0xff;
	e_family.family = 1;
	s_state.state = WW_TCP_NSTATES;
	s_family.family = 0;
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		mk_item(&items, bad[i].type, bad[i].p, bad[i].len);
		one_bad_item(&items, 0);
	}

	/* after a good item: an unknown type */
	mk_item(&items, REC_SWEEP_BEGIN, &ts, 8);
	mk_item(&items, 0x0101, junk, 8);
	one_bad_item(&items, 1);
	/* an item running past the end of its block */
	mk_item(&items, REC_SWEEP_BEGIN, &ts, 8);
	mk_put(&items, "\x01\x00\x70\x00", 4); /* an event header, no event */
	mk_put(&items, &e, 50);
	one_bad_item(&items, 1);
	/* a block ending inside an item header */
	mk_item(&items, REC_SWEEP_END, &ts, 8);
	mk_put(&items, "\x02\x00", 2);
	one_bad_item(&items, 1);
}

static void test_err_files(void **state)
{
	char err[256] = "";

	assert_null(rec_reader__open("/nonexistent-dir/x.wwr", err, sizeof(err)));
	assert_msg(err, "cannot open: No such file or directory");
	/* a directory opens (fopen), but nothing reads from it */
	err[0] = 0;
	assert_null(rec_reader__open("/", err, sizeof(err)));
	assert_true(err[0] != 0);
	assert_null(strchr(err, '\n'));
}

/* Trailing bytes shorter than a block header: cut off, after all the items. */
static void test_err_trailing(void **state)
{
	size_t len;
	uint8_t *good = sample_file(&len), *buf = malloc(len + 20);
	char want[128];

	assert_non_null(buf);
	memcpy(buf, good, len);
	memset(buf + len, 0, 20);
	snprintf(want, sizeof(want), "cut off inside the block at byte %zu", len);
	read_fails(buf, len + 5, 10, -ENODATA, want);
	snprintf(want, sizeof(want), "corrupt block at byte %zu (bad block magic)", len);
	read_fails(buf, len + 20, 10, -EBADMSG, want);
	free(buf);
	free(good);
}

/* ---- replay ---------------------------------------------------------------------- */

/*
 * A recording of a listener and one outbound socket, in 3 blocks: a sweep at
 * 10 s; CLOSE->SYN_SENT at 10.5 s and a sweep at 11 s; SYN_SENT->ESTABLISHED
 * and ESTABLISHED->FIN_WAIT1 at 11.5 s and a sweep at 12 s. Each sweep ends
 * with counters (events: 0, 1, 2).
 */
static void write_replay(struct rec_writer *w)
{
	struct rec_counters rc = {};
	struct ww_sock_rec lst = sample_sock(0);
	static const int trans[][2] = {
		{ WW_TCP_CLOSE, WW_TCP_SYN_SENT },
		{ WW_TCP_SYN_SENT, WW_TCP_ESTABLISHED },
		{ WW_TCP_ESTABLISHED, WW_TCP_FIN_WAIT1 },
	};

	lst.state = WW_TCP_LISTEN;
	lst.flags = 0;
	lst.sock_id = 1;
	for (int sweep = 0; sweep < 3; sweep++) {
		__u64 t = (10 + sweep) * SEC;

		rec_writer__sweep_begin(w, t);
		rec_writer__sock(w, &lst);
		if (sweep > 0) {
			struct ww_sock_rec s = sample_sock(0);

			s.sock_id = 7000;
			s.family = WW_AF_INET;
			memset(s.saddr, 0, 16);
			memset(s.daddr, 0, 16);
			s.saddr[0] = 127, s.saddr[3] = 1;
			s.daddr[0] = 127, s.daddr[3] = 1;
			s.sport = 40000;
			s.dport = 8001;
			s.state = sweep == 1 ? WW_TCP_SYN_SENT : WW_TCP_FIN_WAIT1;
			s.flags = 0;
			rec_writer__sock(w, &s);
		}
		rec_writer__port_range(w, 4026532001u, 28232);
		rec_writer__sweep_end(w, t);
		rc.ts_ns = t + 1000;
		rc.events = sweep;
		rec_writer__counters(w, &rc);
		rec_writer__flush(w);
		if (sweep < 2) {
			struct ww_event e = sample_event(0);

			e.ts_ns = t + SEC / 2;
			e.flags = WW_EF_DIR_OUT;
			e.oldstate = trans[sweep][0];
			e.newstate = trans[sweep][1];
			rec_writer__event(w, &e);
			if (sweep == 1) {
				e.ts_ns += 1;
				e.oldstate = trans[2][0];
				e.newstate = trans[2][1];
				rec_writer__event(w, &e);
			}
		}
	}
	assert_int_equal(rec_writer__close(w), 0);
}

static uint8_t *replay_file(size_t *len)
{
	return write_file(write_replay, len);
}

static __u32 total(struct collector *c, __u64 now, int st)
{
	struct snapshot s;
	__u32 n;

	assert_int_equal(collector__snapshot(c, now, false, &s), 0);
	n = s.totals[st];
	snapshot__free(&s);
	return n;
}

static void test_replay_until(void **state)
{
	struct collector_opts o = { .sort_state = -1 };
	struct collector *c = collector__new(&o);
	size_t len;
	uint8_t *buf = replay_file(&len);
	char err[256];
	struct rec_reader *r = rec_reader__open_mem(buf, len, err, sizeof(err));
	struct replay rp;

	assert_non_null(c);
	assert_non_null(r);
	replay__init(&rp, r);
	/* up to 10.2 s: the first sweep (listener) and its counters */
	assert_int_equal(replay__until(&rp, c, 10 * SEC + SEC / 5, err, sizeof(err)), 0);
	assert_int_equal(collector__stats(c)->sweeps, 1);
	assert_int_equal(rp.first_ts, 10 * SEC);
	assert_int_equal(rp.last_ts, 10 * SEC + 1000);
	assert_int_equal(rp.events, 0);
	assert_true(rp.has_pending); /* the event at 10.5 s, read and kept */
	assert_int_equal(total(c, 10 * SEC, WW_TCP_LISTEN), 1);
	assert_int_equal(total(c, 10 * SEC, WW_TCP_SYN_SENT), 0);
	/* again at the same time: nothing more */
	assert_int_equal(replay__until(&rp, c, 10 * SEC + SEC / 5, err, sizeof(err)), 0);
	assert_int_equal(rp.events, 0);
	/* up to 11.4 s: the SYN_SENT event, the second sweep */
	assert_int_equal(replay__until(&rp, c, 11 * SEC + 4 * SEC / 10, err, sizeof(err)), 0);
	assert_int_equal(rp.events, 1);
	assert_int_equal(collector__stats(c)->sweeps, 2);
	assert_int_equal(rp.counters.events, 1);
	assert_int_equal(total(c, 11 * SEC, WW_TCP_SYN_SENT), 1);
	/* the rest */
	assert_int_equal(replay__until(&rp, c, 0, err, sizeof(err)), 0);
	assert_true(rp.done);
	assert_false(rp.truncated);
	assert_int_equal(rp.events, 3);
	assert_int_equal(rp.items, 5 + 6 + 6 + 3);
	assert_int_equal(collector__stats(c)->sweeps, 3);
	assert_int_equal(rp.last_ts, 12 * SEC + 1000);
	assert_int_equal(rp.counters.events, 2);
	assert_int_equal(total(c, 12 * SEC, WW_TCP_FIN_WAIT1), 1);
	assert_int_equal(total(c, 12 * SEC, WW_TCP_LISTEN), 1);
	assert_int_equal(collector__stats(c)->repairs, 0);
	/* done: nothing more, no error */
	assert_int_equal(replay__until(&rp, c, 0, err, sizeof(err)), 0);
	rec_reader__close(r);
	collector__free(c);
	free(buf);
}

/* A sweep at 10 s with an event inside it, then an event after it, in one block. */
static void write_sweep_with_event(struct rec_writer *w)
{
	struct ww_event e = sample_event(0);
	struct ww_sock_rec lst = sample_sock(0);

	lst.state = WW_TCP_LISTEN;
	lst.flags = 0;
	rec_writer__sweep_begin(w, 10 * SEC);
	e.ts_ns = 10 * SEC + 5; /* an event during the sweep, after until_ts */
	e.oldstate = WW_TCP_CLOSE;
	e.newstate = WW_TCP_SYN_SENT;
	rec_writer__event(w, &e);
	rec_writer__sock(w, &lst);
	rec_writer__sweep_end(w, 10 * SEC);
	e.ts_ns = 10 * SEC + 6; /* after the sweep: kept for later */
	e.oldstate = WW_TCP_SYN_SENT;
	e.newstate = WW_TCP_ESTABLISHED;
	rec_writer__event(w, &e);
	assert_int_equal(rec_writer__close(w), 0);
}

/* A sweep that began before until_ts is applied whole, its later items too. */
static void test_replay_sweep_whole(void **state)
{
	struct collector_opts o = { .sort_state = -1 };
	struct collector *c = collector__new(&o);
	size_t len;
	uint8_t *buf = write_file(write_sweep_with_event, &len);
	struct rec_reader *r;
	struct replay rp;
	char err[256];

	assert_non_null(c);
	r = rec_reader__open_mem(buf, len, err, sizeof(err));
	assert_non_null(r);
	replay__init(&rp, r);
	assert_int_equal(replay__until(&rp, c, 10 * SEC + 1, err, sizeof(err)), 0);
	assert_int_equal(rp.events, 1);
	assert_false(rp.in_sweep);
	assert_int_equal(collector__stats(c)->sweeps, 1);
	assert_true(rp.has_pending);
	assert_int_equal(rp.pending.event.ts_ns, 10 * SEC + 6);
	assert_int_equal(total(c, 10 * SEC + 1, WW_TCP_SYN_SENT), 1);
	assert_int_equal(replay__until(&rp, c, 0, err, sizeof(err)), 0);
	assert_int_equal(rp.events, 2);
	assert_int_equal(total(c, 10 * SEC + 6, WW_TCP_SYN_SENT), 0);
	assert_int_equal(total(c, 10 * SEC + 6, WW_TCP_ESTABLISHED), 1);
	rec_reader__close(r);
	collector__free(c);
	free(buf);
}

/* Cut off inside the last block: everything before applied, -ENODATA, truncated. */
static void test_replay_truncated(void **state)
{
	struct collector_opts o = { .sort_state = -1 };
	size_t len, offs[8];
	uint8_t *buf = replay_file(&len);
	struct collector *c = collector__new(&o);
	struct rec_reader *r;
	struct replay rp;
	char err[256];

	assert_non_null(c);
	assert_int_equal(block_offsets(buf, len, offs, 8), 3);
	r = rec_reader__open_mem(buf, offs[2] + 20, err, sizeof(err));
	assert_non_null(r);
	replay__init(&rp, r);
	assert_int_equal(replay__until(&rp, c, 0, err, sizeof(err)), -ENODATA);
	assert_true(rp.truncated);
	assert_true(rp.done);
	assert_int_equal(rp.events, 1);
	assert_int_equal(collector__stats(c)->sweeps, 2);
	assert_int_equal(rp.counters.events, 1);
	assert_msg(err, "cut off inside the block at byte");
	/* and no further */
	assert_int_equal(replay__until(&rp, c, 0, err, sizeof(err)), 0);
	rec_reader__close(r);
	collector__free(c);
	free(buf);
}

/* ---- the sample recordings -------------------------------------------------------- */

static const char *const samples[] = {
	"active_close", "close_wait", "listener", "ipv6", "v1_sock72",
};

/* The sample recording tests/data/rec/NAME.wwr, its path in path[256]. */
static struct rec_reader *open_sample(const char *name, char *path)
{
	char err[256];
	struct rec_reader *r;

	snprintf(path, 256, DATA_DIR "%s.wwr", name);
	r = rec_reader__open(path, err, sizeof(err));
	if (!r)
		fail_msg("%s: %s (run the tests from the repository's root)", path, err);
	return r;
}

/* The last time in a recording (0 if none). */
static __u64 last_ts_of(const char *name)
{
	char path[256], err[256];
	struct rec_reader *r = open_sample(name, path);
	struct rec_item it;
	__u64 last = 0;

	while (rec_reader__next(r, &it, err, sizeof(err)) > 0)
		if (rec_item_ts(&it) > last)
			last = rec_item_ts(&it);
	rec_reader__close(r);
	return last;
}

/*
 * What `waitwatch report FILE [--json] [--at +2s]` prints, as src/cmd_report.c
 * does it: the snapshot at --at (start_ns + at_offset) or at the last time in
 * the file, its rates over the second before (a snapshot there sets their
 * base), the counters the recording holds up to there.
 */
static char *report(const char *name, bool json, __u64 at_offset, size_t *outlen)
{
	struct collector_opts o = { .sort_state = -1 };
	char path[256], err[256], source[48], *out = NULL;
	const struct rec_meta *m;
	struct collector *c;
	struct rec_reader *r;
	struct snapshot snap;
	struct replay rp;
	struct view_opts v;
	struct view_meta vm;
	__u64 at = 0;
	FILE *f;
	int ret;

	r = open_sample(name, path);
	m = rec_reader__meta(r);
	c = collector__new(&o);
	assert_non_null(c);
	replay__init(&rp, r);
	at = at_offset ? m->start_ns + at_offset : last_ts_of(name);
	ret = 0;
	if (at) {
		ret = replay__until(&rp, c, at > SEC ? at - SEC : 1, err, sizeof(err));
		if (!ret) {
			assert_int_equal(collector__snapshot(c, at - SEC, true, &snap), 0);
			snapshot__free(&snap);
			ret = replay__until(&rp, c, at, err, sizeof(err));
		}
	}
	if (!ret && !at_offset)
		ret = replay__until(&rp, c, 0, err, sizeof(err));
	if (ret)
		fail_msg("%s: %s", path, err);
	assert_int_equal(collector__snapshot(c, at ? at : rp.last_ts, true, &snap), 0);

	v = (struct view_opts){ .by = BY_SERVICE, .prefix4 = 32, .prefix6 = 128,
				.mono_to_real_ns = m->mono_to_real_ns };
	snprintf(source, sizeof(source), "%s (recorded)", m->program[0] ? m->program : "?");
	vm = (struct view_meta){ .source = source, .events = rp.counters.events,
				 .lost = rp.counters.rb_drops + rp.counters.recursion_misses };
	f = open_memstream(&out, outlen);
	assert_non_null(f);
	if (json) {
		struct json_writer *jw = jw__new(f);

		assert_non_null(jw);
		out_json_snapshot(jw, &snap, &v, &vm);
		jw__free(jw);
	} else {
		out_term_snapshot(f, &snap, &v, &vm);
	}
	assert_int_equal(fclose(f), 0);
	snapshot__free(&snap);
	collector__free(c);
	rec_reader__close(r);
	return out;
}

/* What `waitwatch trace --replay FILE --json` prints. */
static char *trace(const char *name, size_t *outlen, int *events)
{
	char path[256], err[256], *out = NULL;
	struct trace_out to;
	struct rec_reader *r;
	struct rec_item it;
	FILE *f;
	int ret;

	r = open_sample(name, path);
	f = open_memstream(&out, outlen);
	assert_non_null(f);
	assert_int_equal(trace_out__init(&to, f, true, rec_reader__meta(r)->mono_to_real_ns), 0);
	*events = 0;
	while ((ret = rec_reader__next(r, &it, err, sizeof(err))) > 0)
		if (it.type == REC_EVENT) {
			trace_out__event(&to, &it.event);
			(*events)++;
		}
	assert_int_equal(ret, 0);
	trace_out__fini(&to);
	assert_int_equal(fclose(f), 0);
	rec_reader__close(r);
	return out;
}

/*
 * "memory_bytes":N -> "memory_bytes":0, in place: the size of the collector's
 * tables depends on how the collector is built, not on the recording.
 */
static void no_memory_bytes(char *buf, size_t *len)
{
	static const char key[] = "\"memory_bytes\":";
	char *p = buf, *end = buf + *len, *digits, *q;

	while ((p = memmem(p, end - p, key, sizeof(key) - 1))) {
		digits = p + sizeof(key) - 1;
		for (q = digits; q < end && *q >= '0' && *q <= '9'; q++)
			;
		if (q > digits) {
			*digits = '0';
			memmove(digits + 1, q, end - q);
			end -= q - digits - 1;
		}
		p = digits;
	}
	*len = end - buf;
}

static void same_as_file(const char *name, const char *suffix, char *got, size_t len)
{
	char path[256];
	size_t want_len, i;
	uint8_t *want;

	snprintf(path, sizeof(path), DATA_DIR "%s.%s", name, suffix);
	want = slurp(path, &want_len);
	no_memory_bytes((char *)want, &want_len);
	no_memory_bytes(got, &len);
	if (want_len != len || memcmp(want, got, len)) {
		for (i = 0; i < len && i < want_len && want[i] == (uint8_t)got[i]; i++)
			;
		fail_msg("%s: differs at byte %zu (%zu bytes expected, %zu made): "
			 "expected '%.80s', made '%.80s' (tests/data/rec/regen.sh --outputs "
			 "writes them again)",
			 path, i, want_len, len, (char *)want + i, got + i);
	}
	free(want);
}

static void test_samples_report(void **state)
{
	setenv("TZ", "UTC", 1);
	tzset();
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		size_t len;
		char *out;

		out = report(samples[i], true, 0, &len);
		same_as_file(samples[i], "report.json", out, len);
		free(out);
		out = report(samples[i], false, 0, &len);
		same_as_file(samples[i], "report.txt", out, len);
		free(out);
		out = report(samples[i], true, 2 * SEC, &len);
		same_as_file(samples[i], "at.json", out, len);
		free(out);
	}
}

static void test_samples_trace(void **state)
{
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		size_t len;
		int events;
		char *out = trace(samples[i], &len, &events);

		assert_true(events >= 100);
		same_as_file(samples[i], "trace.json", out, len);
		free(out);
	}
}

/*
 * Independently of the saved outputs: what each sample holds, from the way
 * it was made (tests/data/rec/regen.sh), at the end of the recording.
 */
static void test_samples_counts(void **state)
{
	static const struct {
		const char *name;
		int state;
		__u32 min, max;
	} want[] = {
		/* a TIME_WAIT socket may end early; the rest is exact */
		{ "active_close", WW_TCP_TIME_WAIT, 220, 230 },
		{ "active_close", WW_TCP_LISTEN, 1, 1 },
		{ "close_wait", WW_TCP_CLOSE_WAIT, 130, 130 },
		{ "close_wait", WW_TCP_FIN_WAIT2, 130, 130 },
		{ "listener", WW_TCP_LISTEN, 1, 1 },
		{ "listener", WW_TCP_TIME_WAIT, 30, 35 },
		{ "ipv6", WW_TCP_TIME_WAIT, 170, 180 },
		{ "ipv6", WW_TCP_CLOSE_WAIT, 30, 30 },
		{ "ipv6", WW_TCP_LISTEN, 2, 2 },
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct collector_opts o = { .sort_state = -1 };
		struct collector *c = collector__new(&o);
		char path[256], err[256];
		struct rec_reader *r;
		struct snapshot snap;
		struct replay rp;

		r = open_sample(want[i].name, path);
		replay__init(&rp, r);
		assert_int_equal(replay__until(&rp, c, 0, err, sizeof(err)), 0);
		assert_int_equal(collector__snapshot(c, rp.last_ts, false, &snap), 0);
		if (snap.totals[want[i].state] < want[i].min ||
		    snap.totals[want[i].state] > want[i].max)
			fail_msg("%s: %u sockets in state %d, expected %u..%u", want[i].name,
				 snap.totals[want[i].state], want[i].state, want[i].min,
				 want[i].max);
		/* the last sweep agreed with the events: nothing to repair */
		assert_int_equal(snap.stats.repairs, 0);
		assert_int_equal(snap.stats.sockets_dropped, 0);
		snapshot__free(&snap);
		collector__free(c);
		rec_reader__close(r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		TMP_TEST(test_roundtrip_every_item),
		TMP_TEST(test_header_bytes),
		cmocka_unit_test(test_header_lenient),
		cmocka_unit_test(test_header_strict),
		TMP_TEST(test_many_blocks),
		TMP_TEST(test_full_block_flushes),
		cmocka_unit_test(test_sock_rec_72),
		cmocka_unit_test(test_writer_errors),
		cmocka_unit_test(test_err_header),
		cmocka_unit_test(test_err_blocks),
		cmocka_unit_test(test_err_items),
		cmocka_unit_test(test_err_files),
		cmocka_unit_test(test_err_trailing),
		cmocka_unit_test(test_replay_until),
		cmocka_unit_test(test_replay_sweep_whole),
		cmocka_unit_test(test_replay_truncated),
		cmocka_unit_test(test_samples_report),
		cmocka_unit_test(test_samples_trace),
		cmocka_unit_test(test_samples_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
