// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * collector_bench: replay throughput and memory of the pure collector.
 *
 *   collector_bench [-n EVENTS] [-e ENDPOINTS] [-k INFLIGHT] [-s SOCKETS] [-p PERIOD]
 *
 * Synthesizes a stream of TCP transitions the way the BPF program reports
 * them on a busy host: connections to ENDPOINTS endpoints (default 300: two
 * thirds remote services this host connects to, one third listeners of its
 * own), INFLIGHT (default 4096) of them open at once, their events
 * interleaved at random. An outbound connection is
 *   CLOSE->SYN_SENT (local port 0), SYN_SENT->ESTABLISHED,
 *   ESTABLISHED->FIN_WAIT1, FIN_WAIT1->FIN_WAIT2, FIN_WAIT2->CLOSE (WW_EF_TW)
 * and an inbound one
 *   LISTEN->SYN_RECV, SYN_RECV->ESTABLISHED, ESTABLISHED->CLOSE_WAIT,
 *   CLOSE_WAIT->LAST_ACK, LAST_ACK->CLOSE;
 * every socket has its own sock_id, and time advances 1 us per event.
 *
 * Throughput: EVENTS events (default 5 million) are generated first, then
 * fed to collector__ingest on one thread, timed with the thread's CPU clock
 * and the monotonic clock. Every PERIOD events (default 1 million, one
 * second of stream time) it does what `waitwatch top` does at each refresh:
 * a sweep (here an empty one, begun 100 ms of stream time earlier: every
 * TIME_WAIT socket not touched since has expired) and a snapshot with
 * rates. Printed: events/s with and without those.
 *
 * Memory: collector__stats()->memory_bytes with SOCKETS (default 1 million)
 * live sockets, less that of an empty collector, per socket; and the
 * difference between 1,000 endpoints and one, each with 1,000 sockets, per
 * endpoint. Both include the slack of tables that grow by doubling.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "collector.h"

#define NETNS 4026531840u
#define STEP_NS 1000ull /* stream time per event */
#define SWEEP_LAG_NS 100000000ull

/* ---- the synthetic stream ------------------------------------------------ */

struct conn {
	uint64_t sock_id;
	uint64_t last_ts;
	uint16_t lport;
	uint16_t rport;
	uint32_t laddr; /* host byte order */
	uint32_t raddr;
	uint8_t step;   /* next transition, 0..4 */
	uint8_t out;    /* outbound: this host connected */
	uint8_t active;
};

struct gen {
	uint64_t rng;
	uint64_t ts;
	uint64_t next_id;
	uint64_t conns;   /* connections started */
	uint32_t nendpoints;
	uint32_t nout;    /* endpoints [0, nout) are remote services, the rest listeners */
	uint32_t inflight;
	uint32_t listen_sent; /* CLOSE->LISTEN events emitted so far */
	uint16_t next_port;
	struct conn *slots;
};

static const uint8_t out_seq[5][2] = {
	{ WW_TCP_CLOSE, WW_TCP_SYN_SENT },	  { WW_TCP_SYN_SENT, WW_TCP_ESTABLISHED },
	{ WW_TCP_ESTABLISHED, WW_TCP_FIN_WAIT1 }, { WW_TCP_FIN_WAIT1, WW_TCP_FIN_WAIT2 },
	{ WW_TCP_FIN_WAIT2, WW_TCP_CLOSE },
};

static const uint8_t in_seq[5][2] = {
	{ WW_TCP_LISTEN, WW_TCP_SYN_RECV },	   { WW_TCP_SYN_RECV, WW_TCP_ESTABLISHED },
	{ WW_TCP_ESTABLISHED, WW_TCP_CLOSE_WAIT }, { WW_TCP_CLOSE_WAIT, WW_TCP_LAST_ACK },
	{ WW_TCP_LAST_ACK, WW_TCP_CLOSE },
};

static uint64_t rnd(struct gen *g)
{
	/* xorshift64* */
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return g->rng * 2685821657736338717ull;
}

#define HOST_ADDR 0xc000020au /* 192.0.2.10, this host */

/* Remote service i: 10.1.x.y on one of a few well-known ports. */
static void service_of(uint32_t i, uint32_t *addr, uint16_t *port)
{
	static const uint16_t ports[] = { 443, 80, 5432, 6379, 3306, 9092, 8080 };

	*addr = 0x0a010000u + i + 1;
	*port = ports[i % (sizeof(ports) / sizeof(ports[0]))];
}

/* Local listener j: this host, port 8000 + j. */
static uint16_t listener_port(uint32_t j)
{
	return (uint16_t)(8000 + j);
}

static void put_addr(uint8_t *dst, uint32_t a)
{
	memset(dst, 0, 16);
	dst[0] = a >> 24;
	dst[1] = a >> 16;
	dst[2] = a >> 8;
	dst[3] = a;
}

static void start_conn(struct gen *g, struct conn *c)
{
	uint32_t ep = (uint32_t)(rnd(g) % g->nendpoints);

	memset(c, 0, sizeof(*c));
	c->active = 1;
	c->sock_id = ++g->next_id;
	c->out = ep < g->nout;
	c->laddr = HOST_ADDR;
	if (c->out) {
		service_of(ep, &c->raddr, &c->rport);
		/* ephemeral ports, cycling through 32768..60999 */
		c->lport = g->next_port;
		g->next_port = g->next_port >= 60999 ? 32768 : g->next_port + 1;
	} else {
		c->lport = listener_port(ep - g->nout);
		c->raddr = 0xc6336400u + (uint32_t)(rnd(g) % 250) + 1; /* 198.51.100.x */
		c->rport = (uint16_t)(32768 + rnd(g) % 28000);
	}
	g->conns++;
}

static void gen_init(struct gen *g, uint32_t nendpoints, uint32_t inflight, uint64_t seed)
{
	memset(g, 0, sizeof(*g));
	g->rng = seed | 1;
	g->ts = 1000000000ull;
	g->nendpoints = nendpoints;
	g->nout = nendpoints - nendpoints / 3;
	g->inflight = inflight;
	g->next_port = 32768;
	g->slots = calloc(inflight, sizeof(*g->slots));
	if (!g->slots) {
		fprintf(stderr, "collector_bench: out of memory\n");
		exit(1);
	}
}

/* The next event of the stream. */
static void gen_next(struct gen *g, struct ww_event *e)
{
	struct conn *c;
	int o, n;

	memset(e, 0, sizeof(*e));
	g->ts += STEP_NS;
	e->ts_ns = g->ts;
	e->netns = NETNS;
	e->family = WW_AF_INET;
	e->cgroup_id = 4242;
	if (g->listen_sent < g->nendpoints - g->nout) {
		/* the listeners come first, as they would when their servers start */
		e->sock_id = ++g->next_id;
		put_addr(e->saddr, HOST_ADDR);
		e->sport = listener_port(g->listen_sent++);
		e->oldstate = WW_TCP_CLOSE;
		e->newstate = WW_TCP_LISTEN;
		e->flags = WW_EF_OWNER | WW_EF_OWNER_NOW;
		e->pid = 1000;
		memcpy(e->comm, "server", 7);
		return;
	}
	c = &g->slots[rnd(g) % g->inflight];
	if (!c->active)
		start_conn(g, c);
	o = c->out ? out_seq[c->step][0] : in_seq[c->step][0];
	n = c->out ? out_seq[c->step][1] : in_seq[c->step][1];
	e->sock_id = c->sock_id;
	put_addr(e->saddr, c->laddr);
	put_addr(e->daddr, c->raddr);
	e->sport = c->lport;
	e->dport = c->rport;
	e->oldstate = (uint8_t)o;
	e->newstate = (uint8_t)n;
	if (c->out) {
		e->flags = WW_EF_DIR_OUT | WW_EF_OWNER;
		e->pid = 2000 + (uint32_t)(c->sock_id % 8);
		memcpy(e->comm, "client", 7);
		if (c->step == 0) {
			e->sport = 0; /* connect() picks the port just after */
			e->flags |= WW_EF_OWNER_NOW;
		} else {
			e->sock_ino = 100000 + c->sock_id;
		}
		if (c->step == 2)
			e->flags |= WW_EF_OWNER_NOW;
		if (c->step == 4)
			e->flags |= WW_EF_TW;
	} else {
		e->flags = WW_EF_DIR_IN;
		if (c->step >= 2) {
			e->flags |= WW_EF_OWNER;
			e->pid = 1000;
			memcpy(e->comm, "server", 7);
			e->sock_ino = 100000 + c->sock_id;
		}
		if (c->step == 3)
			e->flags |= WW_EF_OWNER_NOW;
	}
	if (c->step > 0) {
		e->flags |= WW_EF_DWELL;
		e->dwell_ns = g->ts - c->last_ts;
	}
	c->last_ts = g->ts;
	if (++c->step == 5)
		c->active = 0;
}

/* ---- measuring ------------------------------------------------------------- */

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct collector *new_collector(void)
{
	struct collector_opts o = { .by = BY_SERVICE, .sort_state = -1 };
	struct collector *c = collector__new(&o);

	if (!c) {
		fprintf(stderr, "collector_bench: collector__new failed\n");
		exit(1);
	}
	return c;
}

/* What `waitwatch top` does at a refresh: sweep, then snapshot with rates. */
static void refresh(struct collector *c, uint64_t now, double *sweep_s, double *snap_s)
{
	struct snapshot s;
	double t0 = clock_s(CLOCK_THREAD_CPUTIME_ID), t1;

	collector__sweep_begin(c, now > SWEEP_LAG_NS ? now - SWEEP_LAG_NS : 0);
	collector__sweep_end(c);
	t1 = clock_s(CLOCK_THREAD_CPUTIME_ID);
	if (collector__snapshot(c, now, true, &s)) {
		fprintf(stderr, "collector_bench: snapshot: out of memory\n");
		exit(1);
	}
	snapshot__free(&s);
	*sweep_s += t1 - t0;
	*snap_s += clock_s(CLOCK_THREAD_CPUTIME_ID) - t1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void throughput(uint64_t nevents, uint32_t nendpoints, uint32_t inflight, uint64_t period)
{
	struct ww_event *ev = malloc(nevents * sizeof(*ev));
	double cpu0, wall0, cpu_ingest = 0, cpu_all, wall_all, sweep_s = 0, snap_s = 0;
	double *refresh_ms;
	uint64_t i, done, nref = 0, max_sockets = 0;
	struct collector *c;
	struct gen g;

	refresh_ms = calloc(nevents / period + 2, sizeof(*refresh_ms));
	if (!ev || !refresh_ms) {
		fprintf(stderr, "collector_bench: cannot hold %llu events in memory\n",
			(unsigned long long)nevents);
		exit(1);
	}
	gen_init(&g, nendpoints, inflight, 0x5eed);
	for (i = 0; i < nevents; i++)
		gen_next(&g, &ev[i]);

	/* ingest alone */
	c = new_collector();
	cpu0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
	for (i = 0; i < nevents; i++)
		collector__ingest(c, &ev[i]);
	cpu_ingest = clock_s(CLOCK_THREAD_CPUTIME_ID) - cpu0;
	collector__free(c);

	/* ingest with a sweep and a snapshot every period, as top would */
	c = new_collector();
	cpu0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
	wall0 = clock_s(CLOCK_MONOTONIC);
	for (done = 0; done < nevents;) {
		uint64_t end = done + period < nevents ? done + period : nevents;
		double s0 = sweep_s + snap_s;
		uint64_t n;

		for (i = done; i < end; i++)
			collector__ingest(c, &ev[i]);
		done = end;
		n = collector__stats(c)->sockets;
		if (n > max_sockets)
			max_sockets = n;
		refresh(c, ev[end - 1].ts_ns, &sweep_s, &snap_s);
		refresh_ms[nref++] = (sweep_s + snap_s - s0) * 1e3;
	}
	cpu_all = clock_s(CLOCK_THREAD_CPUTIME_ID) - cpu0;
	wall_all = clock_s(CLOCK_MONOTONIC) - wall0;
	qsort(refresh_ms, nref, sizeof(*refresh_ms), cmp_double);

	printf("stream: %llu events, %llu connections, %u endpoints (%u remote services, "
	       "%u listeners), %u open at once\n",
	       (unsigned long long)nevents, (unsigned long long)g.conns, nendpoints, g.nout,
	       nendpoints - g.nout, inflight);
	printf("ingest only:              %12.0f events/s  (%.3f s CPU)\n", nevents / cpu_ingest,
	       cpu_ingest);
	printf("ingest + refresh every %lluk: %9.0f events/s  (%.3f s CPU, %.3f s wall; "
	       "%llu refreshes: sweep %.1f ms + snapshot %.1f ms each on average, "
	       "median refresh %.1f ms, up to %llu sockets tracked)\n",
	       (unsigned long long)(period / 1000), nevents / cpu_all, cpu_all, wall_all,
	       (unsigned long long)nref, sweep_s * 1e3 / nref, snap_s * 1e3 / nref,
	       refresh_ms[nref / 2], (unsigned long long)max_sockets);
	printf("RESULT replay_events_per_s %.0f\n", nevents / cpu_all);
	printf("RESULT ingest_events_per_s %.0f\n", nevents / cpu_ingest);
	collector__free(c);
	free(g.slots);
	free(refresh_ms);
	free(ev);
}

/* A socket to remote endpoint ep (for the per-endpoint figure). */
static void one_socket(struct collector *c, uint64_t id, uint32_t ep, uint64_t ts)
{
	struct ww_event e = { 0 };

	e.ts_ns = ts;
	e.sock_id = id;
	e.netns = NETNS;
	e.family = WW_AF_INET;
	put_addr(e.saddr, HOST_ADDR);
	put_addr(e.daddr, 0x0a020000u + ep);
	e.sport = (uint16_t)(10000 + id % 50000);
	e.dport = 443;
	e.oldstate = WW_TCP_SYN_SENT;
	e.newstate = WW_TCP_ESTABLISHED;
	e.flags = WW_EF_DIR_OUT;
	collector__ingest(c, &e);
}

static void memory(uint64_t want_sockets, uint32_t nendpoints)
{
	struct collector *c = new_collector();
	uint64_t base = collector__stats(c)->memory_bytes, n, i, m1, m2;
	uint64_t limit = want_sockets * 20 + 1000000;
	struct ww_event e;
	struct gen g;

	/* many live sockets: most in TIME_WAIT, the rest in flight */
	gen_init(&g, nendpoints, 65536, 0xbeef);
	for (i = 0; i < limit && collector__stats(c)->sockets < want_sockets; i++) {
		gen_next(&g, &e);
		collector__ingest(c, &e);
	}
	n = collector__stats(c)->sockets;
	printf("memory: %llu sockets tracked (%llu events): %llu bytes, %.0f bytes per socket "
	       "(empty collector: %llu bytes)\n",
	       (unsigned long long)n, (unsigned long long)i,
	       (unsigned long long)collector__stats(c)->memory_bytes,
	       (double)(collector__stats(c)->memory_bytes - base) / n, (unsigned long long)base);
	printf("RESULT bytes_per_socket %.0f\n",
	       (double)(collector__stats(c)->memory_bytes - base) / n);
	printf("RESULT sockets_measured %llu\n", (unsigned long long)n);
	collector__free(c);
	free(g.slots);

	/* 1,000 sockets over 1,000 endpoints, against 1,000 sockets on one */
	c = new_collector();
	for (i = 0; i < 1000; i++)
		one_socket(c, i + 1, (uint32_t)i, 1000 + i);
	m1 = collector__stats(c)->memory_bytes;
	collector__free(c);
	c = new_collector();
	for (i = 0; i < 1000; i++)
		one_socket(c, i + 1, 0, 1000 + i);
	m2 = collector__stats(c)->memory_bytes;
	collector__free(c);
	printf("memory: 1000 endpoints: %.0f bytes per endpoint\n", (double)(m1 - m2) / 999);
	printf("RESULT bytes_per_endpoint %.0f\n", (double)(m1 - m2) / 999);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: collector_bench [-n EVENTS] [-e ENDPOINTS] [-k INFLIGHT] "
		   "[-s SOCKETS] [-p PERIOD]\n");
}

static int parse(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || *end || *out < min || *out > max ? -1 : 0;
}

int main(int argc, char **argv)
{
	uint64_t nevents = 5000000, nendpoints = 300, inflight = 4096, sockets = 1000000;
	uint64_t period = 1000000;
	int opt, bad = 0;

	while ((opt = getopt(argc, argv, "n:e:k:s:p:h")) != -1) {
		switch (opt) {
		case 'n': bad |= parse(optarg, 1000, 100000000, &nevents); break;
		case 'e': bad |= parse(optarg, 3, 100000, &nendpoints); break;
		case 'k': bad |= parse(optarg, 1, 1000000, &inflight); break;
		case 's': bad |= parse(optarg, 1000, 16000000, &sockets); break;
		case 'p': bad |= parse(optarg, 1000, 100000000, &period); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (bad || optind < argc) {
		usage(stderr);
		return 2;
	}
	throughput(nevents, (uint32_t)nendpoints, (uint32_t)inflight, period);
	memory(sockets, (uint32_t)nendpoints);
	return 0;
}
