/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The socket filters of the command line, and their matching. The kernel
 * program applies the namespace, family, port and address filters itself;
 * these functions apply the same rules where the kernel cannot: to the
 * records of a sweep, to replayed events, and (--pid, --state) to every
 * event in user space.
 */
#ifndef WW_FILTER_H
#define WW_FILTER_H

#include <stdbool.h>
#include <stdint.h>
#include "parse.h"

struct ww_filters {
	int family;        /* 0, AF_INET or AF_INET6 */
	uint16_t port;     /* either side */
	uint16_t lport;
	uint16_t rport;
	uint32_t netns;
	uint32_t pid;
	uint32_t states;   /* bit per state, old or new */
	bool has_addr;
	struct cidr addr;  /* either side */
};

struct ww_event;
struct ww_sock_rec;

/* A transition: every filter, --pid and --state included. */
bool filters__match_event(const struct ww_filters *f, const struct ww_event *e);

/* A socket of the kernel's table (sweeps): the socket filters only. */
bool filters__match_sock(const struct ww_filters *f, const struct ww_sock_rec *r);

/* Family and --addr; an IPv4 prefix also matches v4-mapped IPv6 addresses. */
bool filters__match_addr(const struct ww_filters *f, int family, const uint8_t *saddr,
			 const uint8_t *daddr);

#endif
