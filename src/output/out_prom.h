/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The Prometheus text format (0.0.4) of a snapshot, for `waitwatch serve`. */
#ifndef WW_OUT_PROM_H
#define WW_OUT_PROM_H

#include <stdbool.h>
#include <stdio.h>
#include "collector.h"
#include "view.h"

/* What the exporter reports about itself. */
struct prom_self {
	unsigned long long events;
	unsigned long long rb_drops;
	unsigned long long recursion_misses;
	unsigned long long run_cnt;
	unsigned long long http_refused; /* connections closed at once: at the cap */
	/* cgroup names (host/cgnames.c) */
	unsigned long long cgroups_resolved, cgroups_unresolved, cgroups_evicted;
	unsigned long long containers_named, containers_unnamed;
	double sweep_seconds;
	double cpu_seconds;
	double rss_bytes;
	double start_time_seconds;
	const char *version;
	const char *revision;
	const char *kernel;
	const char *program; /* tp_btf or tracepoint */
	bool record_asked;   /* serve --record: waitwatch_recording is on the page */
	bool recording;      /* and its file is still written (no write error stopped it) */
};

/* Label value escaping: backslash, double quote and newline. */
void prom_escape(FILE *f, const char *s);

void prom_render(FILE *f, const struct snapshot *s, const struct view_opts *v,
		 const struct prom_self *m);

/* serve's page and WebSockets (src/host/ws.h). */
struct prom_web {
	unsigned long long clients, accepted, dropped, closed_protocol;
	unsigned long long messages_sent, messages_received, events_dropped;
	unsigned long long refused_origin, refused_handshake, refused_full;
	unsigned long long history_samples, history_capacity;
};

void prom_render_web(FILE *f, const struct prom_web *w);

struct leak_report;
#define PROM_MAX_LEAK_SERIES 20
/*
 * Suspect sockets per owner comm and cgroup, the heaviest
 * PROM_MAX_LEAK_SERIES; labels: serve --labels's (CGF_BIT()s), from the cgroup.
 */
void prom_render_leaks(FILE *f, const struct leak_report *r, int state, unsigned int labels);

#endif
