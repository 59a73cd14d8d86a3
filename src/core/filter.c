// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include <sys/socket.h>
#include <linux/types.h>
#include "waitwatch.h"
#include "filter.h"

static bool prefix_match(const struct cidr *c, const uint8_t *a)
{
	int full = c->bits / 8, rest = c->bits % 8;

	if (memcmp(a, c->addr, full))
		return false;
	if (!rest)
		return true;
	return ((a[full] ^ c->addr[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

bool filters__match_event(const struct ww_filters *f, const struct ww_event *e)
{
	if (f->netns && e->netns != f->netns)
		return false;
	if (f->states && !(f->states & ((1u << e->oldstate) | (1u << e->newstate) |
					 ((e->flags & WW_EF_TW) ? 1u << WW_TCP_TIME_WAIT : 0))))
		return false;
	if (f->pid && (!(e->flags & WW_EF_OWNER) || e->pid != f->pid))
		return false;
	if ((f->lport && e->sport != f->lport) || (f->rport && e->dport != f->rport))
		return false;
	if (f->port && e->sport != f->port && e->dport != f->port)
		return false;
	return filters__match_addr(f, e->family, e->saddr, e->daddr);
}

bool filters__match_sock(const struct ww_filters *f, const struct ww_sock_rec *r)
{
	if (f->netns && r->netns != f->netns)
		return false;
	if (f->port && r->sport != f->port && r->dport != f->port)
		return false;
	if ((f->lport && r->sport != f->lport) || (f->rport && r->dport != f->rport))
		return false;
	return filters__match_addr(f, r->family, r->saddr, r->daddr);
}

static bool v4mapped(const uint8_t *a)
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	return !memcmp(a, prefix, sizeof(prefix));
}

/* As in the kernel: an IPv4 prefix also matches v4-mapped IPv6 addresses. */
bool filters__match_addr(const struct ww_filters *f, int family, const uint8_t *saddr,
			   const uint8_t *daddr)
{
	if (f->family && family != f->family)
		return false;
	if (!f->has_addr)
		return true;
	if (family == f->addr.family)
		return prefix_match(&f->addr, saddr) || prefix_match(&f->addr, daddr);
	if (f->addr.family != AF_INET || family != AF_INET6)
		return false;
	return (v4mapped(saddr) && prefix_match(&f->addr, saddr + 12)) ||
	       (v4mapped(daddr) && prefix_match(&f->addr, daddr + 12));
}
