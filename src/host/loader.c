// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <math.h>
#include <time.h>
#include <zlib.h>
#include <sys/utsname.h>
#include <sys/mount.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "loader.h"
#include "clock.h"
#include "log.h"
#include "procfs.h"
#include "sockid.h"
#include "waitwatch.skel.h"

_Static_assert(sizeof(struct ww_event) == WW_EVENT_SIZE, "ww_event layout");
_Static_assert(sizeof(struct ww_sock_rec) == WW_SOCK_REC_SIZE, "ww_sock_rec layout");

#define BTF_PATH "/sys/kernel/btf/vmlinux"
#define TRACEFS "/sys/kernel/tracing"
#define TP_PATH TRACEFS "/events/sock/inet_sock_set_state"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

/*
 * Records drained from the per-CPU rings wait here to be put back into time
 * order: each ring is in order, the rings are not with each other.
 * Only records older than the start of the drain are handed on: a socket's
 * transitions are serialised, so each one committed its record before the
 * next began, and everything before that moment was in a ring when the
 * drain read it. The younger ones wait for the next drain, since an earlier
 * transition of the same socket may sit in a ring read before it arrived.
 * Bounded by the rings' size; when full, the drain hands on what it has
 * and goes on.
 */
struct staged {
	__u64 ts;
	__u32 off; /* in the arena */
	__u32 len;
};

struct staging {
	char *arena, *spare; /* the records kept for the next drain move to spare */
	size_t arena_len, arena_cap;
	struct staged *idx, *tmp;
	size_t n, cap;
	bool full;
};

struct loader {
	struct waitwatch_bpf *skel;
	struct ring_buffer *rb;
	int *ring_fds;
	int nrings;
	struct staging st;
	struct bpf_link *state_link;
	struct bpf_link *catch_link;
	struct bpf_link *iter_link;
	struct sockid *ids;
	const struct ww_filters *filters;
	uint64_t filtered; /* left out here: the filters the kernel cannot apply statelessly */
	bool classic;
	uint64_t delivered; /* events drained from the ring buffer */
	ww_event_fn fn;
	void *ctx;
};

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && ww_verbosity < 3)
		return 0;
	if (ww_verbosity < 2)
		return 0;
	return vfprintf(stderr, fmt, args);
}

void loader__setup_libbpf_log(void)
{
	libbpf_set_print(libbpf_print);
}

static bool has_cap(const struct __user_cap_data_struct *d, int cap)
{
	return d[cap / 32].effective & (1u << (cap % 32));
}

/* Root, or CAP_BPF + CAP_PERFMON (or CAP_SYS_ADMIN on older kernels). */
static int check_privileges(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data)) {
		elog("cannot read this process's capabilities: %s", strerror(errno));
		return -errno;
	}
	if (has_cap(data, CAP_SYS_ADMIN))
		return 0;
	if (has_cap(data, CAP_BPF) && has_cap(data, CAP_PERFMON))
		return 0;
	if (!has_cap(data, CAP_BPF))
		elog("permission denied: run as root, or grant CAP_BPF and CAP_PERFMON "
		     "(missing CAP_BPF)");
	else
		elog("permission denied: run as root, or grant CAP_BPF and CAP_PERFMON "
		     "(missing CAP_PERFMON)");
	return -EPERM;
}

static int check_btf(void)
{
	if (access(BTF_PATH, R_OK) == 0)
		return 0;
	elog("kernel BTF not found (%s): waitwatch needs Linux 5.12+ built with "
	     "CONFIG_DEBUG_INFO_BTF=y", BTF_PATH);
	return -ENOENT;
}

/*
 * The classic tracepoint needs tracefs to find its id: mount it if absent.
 * 0, -ENODEV: tracefs is there but not the tracepoint, or -errno of the
 * mount that failed (tracefs not mounted).
 */
static int ensure_tracefs(void)
{
	if (access(TP_PATH, F_OK) == 0)
		return 0;
	if (access(TRACEFS "/events", F_OK) != 0 &&
	    mount("nodev", TRACEFS, "tracefs", 0, NULL))
		return -errno;
	if (access(TP_PATH, F_OK) == 0)
		return 0;
	return -ENODEV;
}

/*
 * A kernel record becomes the event everything else sees: the socket's
 * address turned into its id, what the kernel no longer remembers added.
 * The process and state filters apply here, after that, so that the
 * table sees every transition of the sockets the kernel let through.
 */
static int hand_on(struct loader *l, const void *data, size_t size)
{
	struct ww_event e;

	if (!sockid__event(l->ids, data, size, &e))
		return 0;
	l->delivered++;
	if (l->filters && (l->filters->pid || l->filters->states) &&
	    !filters__match_event(l->filters, &e)) {
		l->filtered++;
		return 0;
	}
	return l->fn(l->ctx, &e);
}

static int staging_init(struct staging *st, size_t ring_bytes)
{
	st->arena_cap = ring_bytes;
	st->cap = ring_bytes / WW_KEVENT_SIZE + 1;
	st->arena = malloc(st->arena_cap);
	st->spare = malloc(st->arena_cap);
	st->idx = calloc(st->cap, sizeof(*st->idx));
	st->tmp = calloc(st->cap, sizeof(*st->tmp));
	return st->arena && st->spare && st->idx && st->tmp ? 0 : -ENOMEM;
}

static void staging_free(struct staging *st)
{
	free(st->arena);
	free(st->spare);
	free(st->idx);
	free(st->tmp);
}

/* Copy a record out of its ring; stop the drain when the staging is full. */
static int stage_sample(void *ctx, void *data, size_t size)
{
	struct loader *l = ctx;
	struct staging *st = &l->st;
	struct staged *x;

	if (size < sizeof(struct ww_kevent) || size > WW_KEVENT_LONG_SIZE)
		return 0;
	x = &st->idx[st->n++];
	x->ts = ((const struct ww_kevent *)data)->ts_ns;
	x->off = st->arena_len;
	x->len = size;
	memcpy(st->arena + st->arena_len, data, size);
	st->arena_len += (size + 7) & ~7ul;
	if (st->n == st->cap || st->arena_len + WW_KEVENT_LONG_SIZE > st->arena_cap) {
		st->full = true;
		return -ENOSPC; /* this record is kept: libbpf consumed it */
	}
	return 0;
}

/*
 * Natural merge sort: the staged records are a few ascending runs, one per
 * ring, so this costs about n log(rings). Stable: records with the same
 * time keep their ring order.
 */
static void sort_staged(struct staging *st)
{
	struct staged *a = st->idx, *b = st->tmp, *t;
	size_t n = st->n;

	for (;;) {
		size_t runs = 0, i = 0, o = 0;

		while (i < n) {
			size_t mid = i + 1, end;

			while (mid < n && a[mid - 1].ts <= a[mid].ts)
				mid++;
			end = mid;
			if (end < n) {
				end++;
				while (end < n && a[end - 1].ts <= a[end].ts)
					end++;
			}
			for (size_t x = i, y = mid; x < mid || y < end;)
				b[o++] = (y >= end || (x < mid && a[x].ts <= a[y].ts)) ? a[x++] : a[y++];
			i = end;
			runs++;
		}
		t = a, a = b, b = t;
		if (runs <= 1)
			break;
	}
	st->idx = a;
	st->tmp = b;
}

/* The records from `from` on wait for the next drain, at the start of the staging. */
static void keep_rest(struct staging *st, size_t from)
{
	size_t len = 0;
	char *t;

	for (size_t i = from; i < st->n; i++) {
		memcpy(st->spare + len, st->arena + st->idx[i].off, st->idx[i].len);
		st->idx[i - from] = st->idx[i];
		st->idx[i - from].off = len;
		len += (st->idx[i].len + 7) & ~7ul;
	}
	st->n -= from;
	st->arena_len = len;
	t = st->arena, st->arena = st->spare, st->spare = t;
}

/*
 * Hand on, in time order, the staged records older than `before`; stops
 * at the first non-zero return.
 */
static int flush_staged(struct loader *l, uint64_t before)
{
	struct staging *st = &l->st;
	size_t i;
	int err = 0;

	sort_staged(st);
	for (i = 0; i < st->n && st->idx[i].ts < before && !err; i++)
		err = hand_on(l, st->arena + st->idx[i].off, st->idx[i].len);
	keep_rest(st, i);
	return err;
}

/* CONFIG_HZ from a kernel config file (gzip or plain); 0 if absent. */
static unsigned int hz_from_config(const char *path)
{
	unsigned int hz = 0;
	char line[256];
	gzFile f = gzopen(path, "r");

	if (!f)
		return 0;
	while (gzgets(f, line, sizeof(line)))
		if (sscanf(line, "CONFIG_HZ=%u", &hz) == 1)
			break;
	gzclose(f);
	return hz;
}

/*
 * The kernel's HZ, to turn the jiffies it stamps sockets with into ages:
 * from its config, else measured from jiffies over 200 ms.
 */
static unsigned int kernel_hz(void)
{
	static const unsigned int known[] = { 100, 250, 300, 1000 };
	struct timespec t0, t1, pause = { 0, 200000000 };
	unsigned long long j0, j1;
	char path[128];
	struct utsname u;
	unsigned int hz, best = 0;
	double rate;

	if ((hz = hz_from_config("/proc/config.gz")))
		return hz;
	if (!uname(&u)) {
		snprintf(path, sizeof(path), "/boot/config-%s", u.release);
		if ((hz = hz_from_config(path)))
			return hz;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	j0 = procfs__find_u64("/proc/timer_list", "jiffies: %llu");
	nanosleep(&pause, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	j1 = procfs__find_u64("/proc/timer_list", "jiffies: %llu");
	if (!j0 || j1 <= j0)
		return 0;
	rate = (j1 - j0) / ((t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!best || fabs(rate - known[i]) < fabs(rate - best))
			best = known[i];
	return best;
}

static void set_filters(struct waitwatch_bpf *skel, const struct ww_filters *f)
{
	struct waitwatch_bpf__rodata *ro = skel->rodata;

	if (!f)
		return;
	ro->f_family = f->family;
	ro->f_port = f->port;
	ro->f_lport = f->lport;
	ro->f_rport = f->rport;
	ro->f_netns = f->netns;
	if (f->has_addr) {
		ro->f_addr_family = f->addr.family;
		ro->f_addr_bits = f->addr.bits;
		memcpy((void *)ro->f_addr, f->addr.addr, 16);
	}
}

/* Each CPU's share of --ringbuf-size: a power of 2, at least a page. */
static uint64_t ring_size(const struct loader *l, const struct loader_opts *o)
{
	uint64_t share = o->ringbuf_bytes / (l->nrings ? l->nrings : 1), size = 4096;

	while (size * 2 <= share)
		size *= 2;
	return size;
}

/* Open and load one flavour: tp_btf (classic == false) or the classic tracepoint. */
static int open_and_load(struct loader *l, const struct loader_opts *o, bool classic)
{
	struct waitwatch_bpf *skel;
	int err;

	skel = waitwatch_bpf__open();
	if (!skel)
		return -errno ?: -ENOMEM;
	set_filters(skel, o->filters);
	bpf_program__set_autoload(skel->progs.ww_set_state, o->want_events && !classic);
	bpf_program__set_autoload(skel->progs.ww_catch_nested, o->want_events && !classic);
	bpf_program__set_autoload(skel->progs.ww_set_state_tp, o->want_events && classic);
	bpf_program__set_autoload(skel->progs.ww_dump_tcp, o->want_iter);
	if (o->want_iter) {
		skel->rodata->hz = kernel_hz();
		if (!skel->rodata->hz)
			vlog("kernel HZ unknown: ages of sockets older than waitwatch are lower bounds");
	}
	bpf_map__set_max_entries(skel->maps.rings, o->want_events ? l->nrings : 1);
	/* the inner map is only a template: rings of any size fit the array */
	skel->rodata->wakeup_bytes = ring_size(l, o) / 4;
	/* bench/overhead.sh prices each step of the program with this */
	if (getenv("WAITWATCH_BENCH_STAGE"))
		skel->rodata->bench_stage = atoi(getenv("WAITWATCH_BENCH_STAGE"));
	err = waitwatch_bpf__load(skel);
	if (err) {
		waitwatch_bpf__destroy(skel);
		return err;
	}
	l->skel = skel;
	l->classic = classic;
	return 0;
}

static int load_any(struct loader *l, const struct loader_opts *o)
{
	int err = -ENOENT;

	if (!o->force_classic) {
		err = open_and_load(l, o, false);
		if (!err) {
			if (o->want_events)
				vlog("attaching tp_btf/inet_sock_set_state");
			return 0;
		}
		if (!o->want_events)
			return err;
		vlog("tp_btf program did not load (%s); trying the classic tracepoint",
		     strerror(-err));
	}
	err = ensure_tracefs();
	if (err && err != -ENODEV) {
		elog("tracefs is not mounted at %s and cannot be mounted there (%s): mount it "
		     "(mount -t tracefs nodev %s)%s", TRACEFS, strerror(-err), TRACEFS,
		     o->force_classic ? ", or leave out --classic" : "");
		return -ENOENT;
	}
	if (err) {
		elog("tracepoint sock:inet_sock_set_state not found (no tp_btf, and %s is "
		     "absent): waitwatch needs Linux 5.12+ with BTF", TP_PATH);
		return -ENOENT;
	}
	err = open_and_load(l, o, true);
	if (!err)
		vlog("attaching the classic tracepoint sock:inet_sock_set_state "
		     "(may lose events while other tracers run)");
	return err;
}

static struct bpf_program *state_prog(const struct loader *l)
{
	return l->classic ? l->skel->progs.ww_set_state_tp : l->skel->progs.ww_set_state;
}

/* One ring per CPU, in the program's array, each drained by the same ring_buffer. */
static int open_rings(struct loader *l, const struct loader_opts *o)
{
	int rings_fd = bpf_map__fd(l->skel->maps.rings);
	uint64_t size = ring_size(l, o);
	int err;

	l->ring_fds = calloc(l->nrings, sizeof(*l->ring_fds));
	if (!l->ring_fds || staging_init(&l->st, size * l->nrings))
		return -ENOMEM;
	for (int cpu = 0; cpu < l->nrings; cpu++)
		l->ring_fds[cpu] = -1;
	for (__u32 cpu = 0; cpu < (__u32)l->nrings; cpu++) {
		int fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "ww_ring", 0, 0, size, NULL);

		if (fd < 0)
			return -errno;
		l->ring_fds[cpu] = fd;
		if (bpf_map_update_elem(rings_fd, &cpu, &fd, 0))
			return -errno;
		if (!l->rb)
			l->rb = ring_buffer__new(fd, stage_sample, l, NULL);
		else if ((err = ring_buffer__add(l->rb, fd, stage_sample, l)))
			return err;
		if (!l->rb)
			return -errno;
	}
	return 0;
}

static int attach(struct loader *l, const struct loader_opts *o)
{
	int err;

	if (o->want_events) {
		l->state_link = bpf_program__attach(state_prog(l));
		if (!l->state_link) {
			err = -errno;
			elog("cannot attach to sock:inet_sock_set_state: %s", strerror(-err));
			return err;
		}
		/* after the main program, so that it never runs without it */
		if (!l->classic) {
			l->catch_link = bpf_program__attach(l->skel->progs.ww_catch_nested);
			if (!l->catch_link) {
				err = -errno;
				elog("cannot attach to sock:inet_sock_set_state: %s",
				     strerror(-err));
				return err;
			}
		}
		err = open_rings(l, o);
		if (err) {
			elog("cannot open the BPF ring buffers: %s", strerror(-err));
			return err;
		}
	}
	if (o->want_iter) {
		l->iter_link = bpf_program__attach_iter(l->skel->progs.ww_dump_tcp, NULL);
		if (!l->iter_link) {
			err = -errno;
			elog("cannot create the iter/tcp link: %s (needs Linux 5.9+)",
			     strerror(-err));
			return err;
		}
	}
	return 0;
}

struct loader *loader__new(const struct loader_opts *o, ww_event_fn fn, void *ctx)
{
	struct loader *l;
	int err;

	if (check_privileges() || check_btf())
		return NULL;
	l = calloc(1, sizeof(*l));
	if (!l) {
		elog("out of memory");
		return NULL;
	}
	l->fn = fn;
	l->ctx = ctx;
	l->filters = o->filters;
	l->nrings = libbpf_num_possible_cpus();
	if (l->nrings <= 0)
		l->nrings = 1;
	l->ids = sockid__new(o->max_sockets);
	if (!l->ids) {
		elog("out of memory");
		goto fail;
	}
	err = load_any(l, o);
	if (err) {
		if (err != -ENOENT || !o->want_events)
			elog("cannot load the BPF programs: %s (run with -vv for libbpf's log)",
			     strerror(-err));
		goto fail;
	}
	if (attach(l, o))
		goto fail;
	return l;
fail:
	loader__free(l); /* takes what is half made: every field starts zeroed */
	return NULL;
}

void loader__free(struct loader *l)
{
	if (!l)
		return;
	ring_buffer__free(l->rb);
	for (int i = 0; l->ring_fds && i < l->nrings; i++)
		if (l->ring_fds[i] >= 0)
			close(l->ring_fds[i]);
	free(l->ring_fds);
	staging_free(&l->st);
	bpf_link__destroy(l->iter_link);
	bpf_link__destroy(l->catch_link);
	bpf_link__destroy(l->state_link);
	waitwatch_bpf__destroy(l->skel);
	sockid__free(l->ids);
	free(l);
}

static int drain_before(struct loader *l, uint64_t start)
{
	int n, err, total = 0;
	size_t before;

	if (!l->rb)
		return 0;
	do {
		l->st.full = false;
		n = ring_buffer__consume(l->rb);
		if (n < 0 && !l->st.full)
			return n;
		before = l->st.n;
		/* full: hand on everything, the next drain's order matters less than loss */
		err = flush_staged(l, l->st.full ? UINT64_MAX : start);
		if (err)
			return err;
		total += before - l->st.n;
	} while (l->st.full);
	return total;
}

int loader__drain(struct loader *l)
{
	return drain_before(l, now_mono_ns());
}

int loader__drain_final(struct loader *l)
{
	return drain_before(l, UINT64_MAX);
}

int loader__wait(struct loader *l, uint64_t timeout_ns)
{
	struct timespec ts = { .tv_sec = timeout_ns / 1000000000ull,
			       .tv_nsec = timeout_ns % 1000000000ull };
	struct epoll_event ev[8];

	if (!l || !l->rb) {
		nanosleep(&ts, NULL);
		return 0;
	}
	/*
	 * The program wakes us only when a ring is a quarter full. Every ring
	 * is drained then, not only the one that woke us: time order needs all.
	 */
	if (epoll_wait(ring_buffer__epoll_fd(l->rb), ev, 8, timeout_ns / 1000000) < 0 &&
	    errno != EINTR)
		return -errno;
	return loader__drain(l);
}

static int sum_percpu(int map_fd, __u32 idx, uint64_t *out)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t vals[ncpu > 0 ? ncpu : 1];

	*out = 0;
	if (ncpu <= 0)
		return ncpu;
	/*
	 * The kernel writes every CPU's value; cleared all the same, since
	 * valgrind sees only one value_size written by a per-CPU lookup.
	 */
	memset(vals, 0, sizeof(vals));
	if (bpf_map_lookup_elem(map_fd, &idx, vals))
		return -errno;
	for (int i = 0; i < ncpu; i++)
		*out += vals[i];
	return 0;
}

/* The kernel's own figures of a program: runs, time, recursion misses. */
static int prog_stats(struct bpf_program *p, struct loader_counters *out)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len))
		return -errno;
	out->recursion_misses = info.recursion_misses;
	out->run_cnt = info.run_cnt;
	out->run_time_ns = info.run_time_ns;
	return 0;
}

const char *loader__mode(const struct loader *l)
{
	return l->classic ? "tracepoint" : "tp_btf";
}

int loader__counters(struct loader *l, struct loader_counters *out)
{
	int fd = bpf_map__fd(l->skel->maps.counters);
	struct sockid_stats ss;
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = sum_percpu(fd, WW_CNT_RB_DROPS, &out->rb_drops)) ||
	    (err = sum_percpu(fd, WW_CNT_NESTED, &out->nested)) ||
	    (err = sum_percpu(fd, WW_CNT_FILTERED, &out->filtered)))
		return err;
	sockid__stats(l->ids, &ss);
	out->storage_fail = ss.untracked;
	/* counted here, not in the program: one less map update per event */
	out->filtered += l->filtered;
	out->events = l->delivered + out->rb_drops + out->filtered - l->filtered;
	if (!l->state_link)
		return 0;
	err = prog_stats(state_prog(l), out);
	if (!err && l->catch_link) {
		struct loader_counters c = {};

		err = prog_stats(l->skel->progs.ww_catch_nested, &c);
		out->catch_run_cnt = c.run_cnt;
		out->catch_run_time_ns = c.run_time_ns;
		/* what the main program missed and the catcher did not take is lost */
		out->main_misses = out->recursion_misses;
		out->recursion_misses = out->recursion_misses > out->nested ?
						out->recursion_misses - out->nested : 0;
	}
	return err;
}

void loader__sweep_begin(struct loader *l, uint64_t ts_start)
{
	sockid__sweep_begin(l->ids, ts_start);
}

void loader__sweep_rec(struct loader *l, struct ww_sock_rec *r)
{
	sockid__sweep_rec(l->ids, r);
}

void loader__sweep_end(struct loader *l)
{
	sockid__sweep_end(l->ids);
}

int loader__iter_link_fd(const struct loader *l)
{
	return l->iter_link ? bpf_link__fd(l->iter_link) : -1;
}
