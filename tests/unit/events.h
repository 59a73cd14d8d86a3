/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Test helpers: ww_event and ww_sock_rec records built the way the BPF
 * programs emit them (bpf/waitwatch.bpf.c, docs in docs/counting.md).
 *
 * A struct tsock describes one socket of the kernel: its cookie, 4-tuple,
 * namespace and how it was opened. ev() turns one transition of it into the
 * event the tracepoint program would stream:
 *   - sock_id: the cookie, the same on every event of the socket;
 *   - sport: 0 at CLOSE->SYN_SENT (connect() picks the port just after);
 *   - WW_EF_DIR_OUT on every event of a connect()ed socket from CLOSE->SYN_SENT
 *     on, WW_EF_DIR_IN on an accepted socket's from LISTEN->SYN_RECV on (the
 *     program only knows it if it saw that transition: seeded sockets get none);
 *   - WW_EF_DWELL and dwell_ns when the previous transition was seen;
 *   - WW_EF_OWNER with pid and comm when the owner is known.
 * rec_*() build the iter/tcp records of a sweep.
 */
#ifndef WW_TEST_EVENTS_H
#define WW_TEST_EVENTS_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>

#include "waitwatch.h"
#include "collector.h"

#define SEC 1000000000ULL
#define MSEC 1000000ULL
#define NETNS_HOST 4026531840u
#define NETNS_OTHER 4026532001u

enum topen {
	OPEN_NONE,    /* a listener, or a socket the program knows nothing about */
	OPEN_CONNECT, /* connect()ed: events carry WW_EF_DIR_OUT */
	OPEN_ACCEPT,  /* accepted: events carry WW_EF_DIR_IN */
};

struct tsock {
	__u64 id;
	__u16 family;
	__u8 laddr[16];
	__u8 raddr[16];
	__u16 lport;
	__u16 rport;
	__u32 netns;
	enum topen open;
	__u64 last_ts; /* previous transition seen by the program; 0: none */
	__u32 pid;     /* owner, with comm; 0: unknown */
	char comm[WW_COMM_LEN];
	__u64 cgroup_id;
};

/* Parse an IPv4 or IPv6 address into 16 bytes; returns the family. */
static inline __u16 t_addr(__u8 out[16], const char *s)
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, s, out) == 1)
		return WW_AF_INET;
	if (inet_pton(AF_INET6, s, out) == 1)
		return WW_AF_INET6;
	abort();
}

/* A socket laddr:lport <-> raddr:rport in the host namespace. */
static inline struct tsock t_sock(__u64 id, enum topen open, const char *laddr, __u16 lport,
				  const char *raddr, __u16 rport)
{
	struct tsock s;

	memset(&s, 0, sizeof(s));
	s.id = id;
	s.open = open;
	s.family = t_addr(s.laddr, laddr);
	if (t_addr(s.raddr, raddr) != s.family)
		abort();
	s.lport = lport;
	s.rport = rport;
	s.netns = NETNS_HOST;
	return s;
}

/* Outbound socket from laddr:lport to raddr:rport. */
static inline struct tsock t_out(__u64 id, const char *laddr, __u16 lport, const char *raddr,
				 __u16 rport)
{
	return t_sock(id, OPEN_CONNECT, laddr, lport, raddr, rport);
}

/* Socket accepted on laddr:lport from raddr:rport. */
static inline struct tsock t_in(__u64 id, const char *laddr, __u16 lport, const char *raddr,
				__u16 rport)
{
	return t_sock(id, OPEN_ACCEPT, laddr, lport, raddr, rport);
}

/* Listener bound to addr:port ("0.0.0.0" or "::" for a wildcard one). */
static inline struct tsock t_listener(__u64 id, const char *addr, __u16 port)
{
	return t_sock(id, OPEN_NONE, addr, port, strchr(addr, ':') ? "::" : "0.0.0.0", 0);
}

static inline void t_owner(struct tsock *s, __u32 pid, const char *comm)
{
	s->pid = pid;
	memset(s->comm, 0, sizeof(s->comm));
	strncpy(s->comm, comm, sizeof(s->comm) - 1);
}

/* The event of one transition; extra: WW_EF_TW, WW_EF_TW_FW2, ... */
static inline struct ww_event ev(struct tsock *s, __u64 ts, int oldstate, int newstate,
				 __u16 extra, __u16 sk_err)
{
	struct ww_event e;

	memset(&e, 0, sizeof(e));
	e.ts_ns = ts;
	e.sock_id = s->id;
	e.cgroup_id = s->cgroup_id;
	memcpy(e.saddr, s->laddr, 16);
	memcpy(e.daddr, s->raddr, 16);
	e.netns = s->netns;
	e.family = s->family;
	e.sport = (oldstate == WW_TCP_CLOSE && newstate == WW_TCP_SYN_SENT) ? 0 : s->lport;
	e.dport = s->rport;
	e.oldstate = (__u8)oldstate;
	e.newstate = (__u8)newstate;
	e.sk_err = sk_err;
	e.flags = extra;
	if (s->open == OPEN_CONNECT)
		e.flags |= WW_EF_DIR_OUT;
	else if (s->open == OPEN_ACCEPT && !(oldstate == WW_TCP_CLOSE))
		e.flags |= WW_EF_DIR_IN;
	if (s->last_ts && ts >= s->last_ts) {
		e.flags |= WW_EF_DWELL;
		e.dwell_ns = ts - s->last_ts;
	}
	if (s->pid) {
		e.flags |= WW_EF_OWNER;
		e.pid = s->pid;
		memcpy(e.comm, s->comm, WW_COMM_LEN);
	}
	s->last_ts = newstate == WW_TCP_CLOSE ? 0 : ts;
	return e;
}

/* Feed one transition to the collector. */
static inline void tr(struct collector *c, struct tsock *s, __u64 ts, int oldstate, int newstate,
		      __u16 extra, __u16 sk_err)
{
	struct ww_event e = ev(s, ts, oldstate, newstate, extra, sk_err);

	collector__ingest(c, &e);
}

/* CLOSE->LISTEN */
static inline void t_listen(struct collector *c, struct tsock *s, __u64 ts)
{
	tr(c, s, ts, WW_TCP_CLOSE, WW_TCP_LISTEN, 0, 0);
}

/* connect(): CLOSE->SYN_SENT at ts, SYN_SENT->ESTABLISHED 1 ms later. */
static inline void t_connect(struct collector *c, struct tsock *s, __u64 ts)
{
	tr(c, s, ts, WW_TCP_CLOSE, WW_TCP_SYN_SENT, 0, 0);
	tr(c, s, ts + MSEC, WW_TCP_SYN_SENT, WW_TCP_ESTABLISHED, 0, 0);
}

/* The third ACK: LISTEN->SYN_RECV at ts, SYN_RECV->ESTABLISHED at once. */
static inline void t_accept(struct collector *c, struct tsock *s, __u64 ts)
{
	tr(c, s, ts, WW_TCP_LISTEN, WW_TCP_SYN_RECV, 0, 0);
	tr(c, s, ts, WW_TCP_SYN_RECV, WW_TCP_ESTABLISHED, 0, 0);
}

/*
 * Active close: ESTABLISHED->FIN_WAIT1 at ts, ->FIN_WAIT2 1 ms later, then
 * FIN_WAIT2->CLOSE 2 ms after ts with WW_EF_TW: a TIME_WAIT socket is left.
 */
static inline void t_close_tw(struct collector *c, struct tsock *s, __u64 ts)
{
	tr(c, s, ts, WW_TCP_ESTABLISHED, WW_TCP_FIN_WAIT1, 0, 0);
	tr(c, s, ts + MSEC, WW_TCP_FIN_WAIT1, WW_TCP_FIN_WAIT2, 0, 0);
	tr(c, s, ts + 2 * MSEC, WW_TCP_FIN_WAIT2, WW_TCP_CLOSE, WW_EF_TW, 0);
}

/* A full connection that ends in TIME_WAIT: connect at ts, close at ts + 10 ms. */
static inline void t_conn_tw(struct collector *c, struct tsock *s, __u64 ts)
{
	t_connect(c, s, ts);
	t_close_tw(c, s, ts + 10 * MSEC);
}

/* ---- sweep records ------------------------------------------------------ */

static inline struct ww_sock_rec rec_base(const struct tsock *s)
{
	struct ww_sock_rec r;

	memset(&r, 0, sizeof(r));
	memcpy(r.saddr, s->laddr, 16);
	memcpy(r.daddr, s->raddr, 16);
	r.netns = s->netns;
	r.sport = s->lport;
	r.dport = s->rport;
	r.family = s->family;
	return r;
}

/* A full socket (or listener) in state. */
static inline struct ww_sock_rec rec_full(const struct tsock *s, int state)
{
	struct ww_sock_rec r = rec_base(s);

	r.sock_id = s->id;
	r.cgroup_id = s->cgroup_id;
	r.state = (__u8)state;
	return r;
}

/* A TIME_WAIT socket with substate WW_TCP_TIME_WAIT or WW_TCP_FIN_WAIT2. */
static inline struct ww_sock_rec rec_tw(const struct tsock *s, int substate)
{
	struct ww_sock_rec r = rec_base(s);

	r.flags = WW_SF_TIMEWAIT;
	r.state = (__u8)substate;
	return r;
}

/* A request socket (TCP_NEW_SYN_RECV), as ss shows it: SYN_RECV. */
static inline struct ww_sock_rec rec_req(const struct tsock *s)
{
	struct ww_sock_rec r = rec_base(s);

	r.flags = WW_SF_REQUEST;
	r.state = WW_TCP_SYN_RECV;
	return r;
}

static inline void sweep_rec(struct collector *c, struct ww_sock_rec r)
{
	collector__sweep_sock(c, &r);
}

#endif
