/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Recordings: a versioned file of zlib-compressed, checksummed blocks
 * holding the initial sweep of the kernel's table, then the event stream
 * and the later sweeps, in the order the collector consumed them. Replaying
 * one through the collector gives what `top` showed. Format: docs/recording.md.
 *
 * The reader trusts nothing: every length is bounded, every block checked
 * before it is decompressed, and an error names the byte offset.
 */
#ifndef WW_RECORD_H
#define WW_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/types.h>
#include "waitwatch.h"

#define REC_MAGIC "WWRECORD"
#define REC_VERSION 1
#define REC_BLOCK_MAGIC 0x4b4c4257u /* "WBLK" */
#define REC_MAX_BLOCK (4u << 20)    /* uncompressed bytes in a block */
#define REC_MAX_META 4096           /* the header's metadata text */

/* Item types, as stored. */
enum rec_type {
	REC_EVENT = 1,       /* struct ww_event */
	REC_SWEEP_BEGIN = 2, /* __u64 ts_ns */
	REC_SWEEP_SOCK = 3,  /* struct ww_sock_rec */
	REC_SWEEP_END = 4,   /* __u64 ts_ns */
	REC_PORT_RANGE = 5,  /* struct rec_port_range */
	REC_COUNTERS = 6,    /* struct rec_counters */
};

struct rec_port_range {
	__u32 netns;
	__u32 size;
};

/* The kernel side's counters at a moment, for the report's totals. */
struct rec_counters {
	__u64 ts_ns;
	__u64 events;
	__u64 rb_drops;
	__u64 recursion_misses;
};

/* What the header says about where and how it was recorded. */
struct rec_meta {
	char hostname[64];
	char kernel[65];
	char options[512];   /* the command line's options */
	char program[16];    /* tp_btf or tracepoint */
	__s64 mono_to_real_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC when recording */
	__u64 boot_time_s;   /* boot time, seconds since the epoch */
	__u64 start_ns;      /* CLOCK_MONOTONIC at the start */
};

struct rec_item {
	enum rec_type type;
	union {
		struct ww_event event;
		__u64 ts_ns;
		struct ww_sock_rec sock;
		struct rec_port_range range;
		struct rec_counters counters;
	};
	__u64 offset; /* of the block it came from */
};

/* ---- writing ---- */

struct rec_writer;

/*
 * Write the header to f, which the writer then owns (and closes, also on
 * failure); name is f's for messages. NULL with err set. Opening the file
 * is the caller's (host/record_file.h).
 */
struct rec_writer *rec_writer__new(FILE *f, const char *name, const struct rec_meta *meta,
				  char *err, size_t errlen);
/* Each returns 0 or -errno; blocks are written when full or on rec_writer__flush(). */
int rec_writer__event(struct rec_writer *w, const struct ww_event *e);
int rec_writer__sweep_begin(struct rec_writer *w, __u64 ts);
int rec_writer__sock(struct rec_writer *w, const struct ww_sock_rec *r);
int rec_writer__sweep_end(struct rec_writer *w, __u64 ts);
int rec_writer__port_range(struct rec_writer *w, __u32 netns, __u32 size);
int rec_writer__counters(struct rec_writer *w, const struct rec_counters *c);
int rec_writer__flush(struct rec_writer *w);
/* Bytes written to the file so far. */
uint64_t rec_writer__size(const struct rec_writer *w);
/* Flushes, closes; returns 0 or -errno. */
int rec_writer__close(struct rec_writer *w);

/* ---- reading ---- */

struct rec_reader;

/* Read from f, which the reader then owns (and closes, also on failure). NULL with err set. */
struct rec_reader *rec_reader__new(FILE *f, char *err, size_t errlen);
/* The same from memory (not copied; for the fuzzer). */
struct rec_reader *rec_reader__open_mem(const void *buf, size_t len, char *err, size_t errlen);
const struct rec_meta *rec_reader__meta(const struct rec_reader *r);

/*
 * The next item: 1, 0 at the clean end of the file, or -errno with err set
 * to one line naming the byte offset. -ENODATA: the file is cut off inside
 * a block (a crash while recording); everything before it was returned.
 */
int rec_reader__next(struct rec_reader *r, struct rec_item *it, char *err, size_t errlen);
void rec_reader__close(struct rec_reader *r);

#endif
