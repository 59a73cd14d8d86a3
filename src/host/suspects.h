/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Collecting the suspects of a sweep (sockets stuck in a state for longer
 * than an age, and the listeners) and naming their owners through /proc:
 * shared by `leaks`, `top` and `serve`.
 */
#ifndef WW_SUSPECTS_H
#define WW_SUSPECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "leaks.h"
#include "filter.h"
#include "session.h"

struct suspects {
	int state;
	uint64_t min_age_ns;
	const struct ww_filters *filters;
	struct leak_sock *socks;
	size_t n, cap;
	struct ww_sock_rec *listeners;
	size_t nl, capl;
	uint64_t too_young, unknown_age;
	uint32_t procs_scanned;
	bool oom;
};

void suspects__init(struct suspects *s, int state, uint64_t min_age_ns,
		   const struct ww_filters *f);
/* Forget the last sweep's suspects (keeps the memory). */
void suspects__reset(struct suspects *s);
/* A sweep_cb.sock: keep the record if it is a suspect or a listener. */
void suspects__add(void *ctx, const struct ww_sock_rec *r);
/* Owners by /proc, grouped and named. 0 or -errno. */
int suspects__report(struct suspects *s, struct leak_report *rep);
void suspects__free(struct suspects *s);

/*
 * The leak lines of top and serve: suspects gathered at every sweep, their
 * owners looked up at most every `every_ns` (reading /proc costs).
 */
struct leak_watch {
	struct suspects s;
	struct leak_report rep;
	uint64_t every_ns, next_ns;
};

#define LEAK_WATCH_MIN_AGE_NS (60ull * 1000000000ull)
#define LEAK_WATCH_EVERY_NS (10ull * 1000000000ull)

void leak_watch__init(struct leak_watch *w, const struct ww_filters *f, uint64_t min_age_ns);
/* What the session feeds it: every swept socket, and the sweeps' ends. */
void leak_watch__tap(struct leak_watch *w, struct session_tap *t);
void leak_watch__free(struct leak_watch *w);

#endif
