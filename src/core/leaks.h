/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Finding the leaker: sockets stuck in a state, grouped by the process
 * that holds them (by fd), by the listener of a socket never accepted, or
 * as orphans; and, for TIME_WAIT, a diagnosis of short-lived connections
 * per outbound endpoint. Pure: the caller reads the kernel and /proc.
 */
#ifndef WW_LEAKS_H
#define WW_LEAKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "cgroup_path.h"
#include "collector.h"
#include "format.h"
#include "owner_map.h"
#include "waitwatch.h"

#define LEAK_MAX_PEERS 3
#define LEAK_MAX_FDS 64

enum leak_owner {
	LEAK_PROCESS,  /* a process holds it by fd */
	LEAK_LISTENER, /* never accepted: its listener's process */
	LEAK_ORPHAN,   /* no process holds it any more */
};

struct leak_peer {
	char peer[WW_ADDRPORT_LEN];
	uint32_t count;
};

struct leak_group {
	enum leak_owner kind;
	uint32_t pid;           /* 0 for orphans */
	uint32_t netns;
	uint64_t cgroup_id;     /* of the sockets' creator */
	char comm[64];          /* filled by the caller (/proc), "-" for orphans */
	char cgroup[256];       /* filled by the caller */
	struct cg_names names;  /* what the caller found of that cgroup: unit, container, pod */
	char listener[WW_ADDRPORT_LEN]; /* LEAK_LISTENER: its address */
	uint32_t fds[LEAK_MAX_FDS];
	uint32_t nfds, fds_more;
	uint8_t state;
	uint32_t count;
	uint64_t oldest_ns;     /* age of the oldest; 0 unknown */
	struct leak_peer peers[LEAK_MAX_PEERS];
	uint32_t npeers, peers_more;
	uint32_t owners;        /* groups merged into this one (leak_report__merge_by), 1 else */
};

struct leak_report {
	struct leak_group *groups; /* worst first: most sockets, then oldest */
	size_t n;
	uint32_t sockets;
};

/*
 * What a group's cgroup is called where it has a name people use: the
 * container ("namespace/pod/container" on Kubernetes), else the pod, else
 * the systemd unit; NULL when none is known.
 */
const char *leak_group_name(char *buf, size_t len, const struct leak_group *g);

/* A suspect socket: a sweep record, its age (0 unknown). */
struct leak_sock {
	struct ww_sock_rec r;
	uint64_t age_ns;
};

/*
 * Group the suspects by owner. listeners: the LISTEN records of the same
 * sweep (for sockets never accepted); owners: the fds of suspects' and
 * listeners' inodes. Returns 0 or -ENOMEM.
 */
int leak_report__build(const struct leak_sock *socks, size_t n, const struct ww_sock_rec *listeners,
		size_t nlisteners, const struct owner_map *owners, struct leak_report *out);
void leak_report__free(struct leak_report *r);

/*
 * leaks --by container, pod or unit: one group per container, pod or unit
 * and kind and state, of the groups whose names say which (the others
 * stay as they are), worst first again. A merged group keeps its heaviest
 * owner's pid and fd numbers, counts the others' fds in fds_more and
 * its owners in owners; counts, ages and peers are of them all.
 */
void leak_report__merge_by(struct leak_report *r, enum ww_by by);

/* ---- TIME_WAIT: short connections and port pressure ---- */

enum traffic_kind {
	TRAFFIC_UNKNOWN,
	TRAFFIC_SHORT, /* many connections living far below the TIME_WAIT interval */
	TRAFFIC_LONG,  /* pooled, keep-alive: few new connections, long lives */
	TRAFFIC_MIXED,
};

struct tw_diag {
	double conn_per_s;      /* new connections per second over the window */
	uint64_t closes;        /* lifetimes measured */
	double life_p50_s, life_p99_s; /* from the lifetime histogram; < 0 unknown */
	uint32_t time_wait;
	uint32_t ports_used, port_range;
	double pressure_pct;    /* < 0 unknown */
	enum traffic_kind traffic;
	bool high;              /* pressure past the threshold */
	bool say;               /* worth a diagnosis line */
};

#define TW_PRESSURE_HIGH_PCT 50.0

/* window_s: seconds the figures cover (the connection rate's denominator). */
void tw_diagnose(const struct ep_row *r, double window_s, struct tw_diag *d);
const char *traffic_name(enum traffic_kind k);
/* "10.0.0.7:5432: 450 new connections/s living 3 ms each hold ..." */
void tw_diagnosis_line(char *buf, size_t len, const char *endpoint, const struct tw_diag *d);

/* Percentile (0..1) of a log2 histogram (collector.h's buckets), in seconds; -1 if empty. */
double hist_percentile_s(const __u64 *hist, double q);

/* "1.5 ms", "3 s", "2.0 min" */
void duration_human(char *buf, size_t len, double seconds);

#endif
