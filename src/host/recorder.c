// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>
#include "clock.h"
#include "loader.h"
#include "log.h"
#include "procfs.h"
#include "record.h"
#include "record_file.h"
#include "recorder.h"

struct recorder {
	struct rec_writer *w;
	const char *path;
	uint64_t max_size; /* rotate past this size; 0: never */
	struct rec_meta meta;
	struct loader *l;
	int err;           /* the first write error since the last sweep's end */
	bool said;         /* it was reported: closing must not say it again */
	bool optional;     /* the command goes on without the recording */
};

/* One line on a write error; a full disk says what to do about it. */
static void say_write_error(struct recorder *r, int err)
{
	elog("writing %s failed: %s%s%s", r->path, strerror(-err),
	     err == -ENOSPC ? " (the disk is full: make room, or bound the recording with "
			      "--max-size / --record-max-size)" : "",
	     r->optional ? "; recording stopped, the rest goes on" : "");
	r->said = true;
}

/* Remember the first write error; the sweep's end reports it. */
static void result(struct recorder *r, int err)
{
	if (err && !r->err)
		r->err = err;
}

static int open_file(struct recorder *r)
{
	char err[256];

	r->meta.start_ns = now_mono_ns();
	r->meta.mono_to_real_ns = clock_mono_to_real_ns();
	r->w = rec_writer__open(r->path, &r->meta, err, sizeof(err));
	if (!r->w) {
		elog("%s", err);
		return -EIO;
	}
	return 0;
}

static void fill_meta(struct rec_meta *m, const char *options, struct loader *l)
{
	struct utsname uts;

	memset(m, 0, sizeof(*m));
	gethostname(m->hostname, sizeof(m->hostname) - 1);
	if (!uname(&uts))
		snprintf(m->kernel, sizeof(m->kernel), "%s", uts.release);
	snprintf(m->options, sizeof(m->options), "%s", options);
	snprintf(m->program, sizeof(m->program), "%s", l ? loader__mode(l) : "iter/tcp");
	m->boot_time_s = procfs__boot_time_s();
}

/*
 * Rotation renames and creates in the file's directory with the rights the
 * command runs with by then (serve --user, no CAP_DAC_OVERRIDE): find out
 * now rather than at the first rotation.
 */
static int check_rotation_dir(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	if (!access(dir, W_OK | X_OK))
		return 0;
	elog("%s rotates in %s, which uid %u cannot write: %s (make the directory writable "
	     "by that user, or record elsewhere)", path, dir, (unsigned)getuid(), strerror(errno));
	return -EACCES;
}

struct recorder *recorder__open(const char *path, uint64_t max_size, const char *options,
				struct loader *l, bool optional)
{
	struct recorder *r = calloc(1, sizeof(*r));

	if (!r) {
		elog("out of memory");
		return NULL;
	}
	if (max_size && check_rotation_dir(path)) {
		free(r);
		return NULL;
	}
	r->path = path;
	r->max_size = max_size;
	r->l = l;
	r->optional = optional;
	fill_meta(&r->meta, options, l);
	if (open_file(r)) {
		free(r);
		return NULL;
	}
	return r;
}

int recorder__close(struct recorder *r)
{
	int err;

	if (!r)
		return 0;
	err = rec_writer__close(r->w) ?: r->err;
	if (err && !r->said)
		say_write_error(r, err);
	free(r);
	return err;
}

/* Past the size limit: keep the full file as path.1 and start afresh. */
static int rotate(struct recorder *r)
{
	char old[4096];

	if (!r->max_size || rec_writer__size(r->w) < r->max_size)
		return 0;
	if (rec_writer__close(r->w))
		elog("writing %s failed: %s", r->path, strerror(errno));
	r->w = NULL;
	snprintf(old, sizeof(old), "%s.1", r->path);
	if (rename(r->path, old)) {
		elog("cannot rotate %s to %s: %s", r->path, old, strerror(errno));
		return -errno;
	}
	vlog("rotated %s to %s", r->path, old);
	return open_file(r);
}

void recorder__event(void *ctx, const struct ww_event *e)
{
	struct recorder *r = ctx;

	result(r, rec_writer__event(r->w, e));
}

int recorder__sweep_begin(void *ctx, uint64_t start)
{
	struct recorder *r = ctx;
	int err = rotate(r);

	if (err)
		return err;
	result(r, rec_writer__sweep_begin(r->w, start));
	return 0;
}

void recorder__sock(void *ctx, const struct ww_sock_rec *rec)
{
	struct recorder *r = ctx;

	result(r, rec_writer__sock(r->w, rec));
}

void recorder__port_range(void *ctx, __u32 netns, __u32 size)
{
	struct recorder *r = ctx;

	result(r, rec_writer__port_range(r->w, netns, size));
}

int recorder__sweep_end(void *ctx, uint64_t start)
{
	struct recorder *r = ctx;
	struct rec_counters rc = { .ts_ns = now_mono_ns() };
	struct loader_counters lc;

	result(r, rec_writer__sweep_end(r->w, start));
	if (r->l && !loader__counters(r->l, &lc)) {
		rc.events = lc.events - lc.filtered;
		rc.rb_drops = lc.rb_drops;
		rc.recursion_misses = lc.recursion_misses;
		result(r, rec_writer__counters(r->w, &rc));
	}
	result(r, rec_writer__flush(r->w));
	if (r->err) {
		say_write_error(r, r->err);
		return r->err;
	}
	return 0;
}

void recorder__argv_text(char *buf, size_t len, int argc, char **argv)
{
	size_t n = 0;

	buf[0] = 0;
	for (int i = 0; i < argc && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%s", i ? " " : "", argv[i]);
}
