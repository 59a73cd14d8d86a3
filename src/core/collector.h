/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The collector: per-socket and per-endpoint TCP state counts, built from
 * the transition events and reconciled with sweeps of the kernel's socket
 * table. Pure: no I/O, no libbpf; fed events and sweep records by the
 * caller, it answers snapshots. The same code serves the live commands and
 * the replay of recordings.
 *
 * How each state is counted (docs/counting.md):
 * - Every state but TIME_WAIT follows the events exactly: a socket enters
 *   the table on its first transition and leaves it at ->CLOSE.
 * - TIME_WAIT is never reported by the tracepoint. Its entry is inferred at
 *   FIN_WAIT2/CLOSING->CLOSE from the socket's fields (WW_EF_TW*); its exit
 *   (expiry, reuse, RST) is invisible except for reuse of the 4-tuple,
 *   which the collector sees, so each sweep of the kernel's table ends the
 *   TIME_WAIT sockets that are gone. Counts are exact at each sweep.
 * - A sweep also repairs whatever a lost event left wrong, and counts it.
 */
#ifndef WW_COLLECTOR_H
#define WW_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "waitwatch.h"

#define WW_HIST_BUCKETS 32 /* bucket i: dwell in (2^(i-1), 2^i] microseconds; the last is +Inf */

/*
 * Time-in-state histograms keep only what Prometheus shows: the states of
 * ww_hist_states, and buckets up to 2^WW_LE_FIRST us, then one per power
 * of 2^WW_LE_STEP up to 2^WW_LE_LAST us, then +Inf.
 */
#define WW_LE_FIRST 10 /* 2^10 us = 1.024 ms */
#define WW_LE_LAST 28  /* 2^28 us = 268 s */
#define WW_LE_STEP 2
#define WW_LE_BUCKETS ((WW_LE_LAST - WW_LE_FIRST) / WW_LE_STEP + 2)
#define WW_HIST_STATES 4
extern const int ww_hist_states[WW_HIST_STATES]; /* SYN_SENT, ESTABLISHED, CLOSE_WAIT, TIME_WAIT */

/* The transitions the kernel makes, a counter each (see ep_pair_slot()). */
#define WW_NPAIRS 22

/* What identifies an endpoint (--by). */
enum ww_by {
	BY_SERVICE, /* default: remote side of outbound, local side (listener) of inbound */
	BY_LOCAL,
	BY_REMOTE,
	BY_LADDR,
	BY_RADDR,
	BY_LPORT,
	BY_RPORT,
	BY_NETNS,
	BY_CGROUP,
	BY_COMM,
	BY_CONTAINER, /* the cgroup's container, pod or unit: collector_opts.group_of */
	BY_POD,
	BY_UNIT,
};

enum ww_dir {
	DIR_UNKNOWN = 0,
	DIR_OUT = 1, /* this host connected */
	DIR_IN = 2,  /* a listener here accepted it */
};

struct collector_opts {
	enum ww_by by;
	int prefix4;            /* fold IPv4 addresses to /prefix4 (32: no folding) */
	int prefix6;            /* fold IPv6 addresses to /prefix6 (128: no folding) */
	uint32_t max_endpoints; /* rows kept exact; the rest fold into "other" */
	uint32_t max_sockets;   /* sockets tracked; more are counted as dropped */
	int sort_state;         /* rows kept first: by this state's count, -1: TIME_WAIT + CLOSE_WAIT */
	__u64 leak_age_ns;      /* top and serve: CLOSE_WAIT older than this is a leak suspect */
	/*
	 * --by container, pod, unit: the id that stands for a cgroup's group
	 * (the first cgroup seen of its container, pod or unit), called once
	 * per socket and cgroup (host/cgnames.c); NULL: the cgroup's own id.
	 */
	__u64 (*group_of)(void *ctx, __u64 cgroup_id);
	void *group_ctx;
	/* rows also split by group_of's group (serve --labels): ep_key.group */
	bool split_by_group;
	enum ww_by group_by;    /* what that group is: BY_CONTAINER, BY_POD or BY_UNIT */
};

#define WW_DEFAULT_MAX_ENDPOINTS 1000
#define WW_DEFAULT_MAX_SOCKETS (4u << 20)

struct ep_key {
	__u8 addr[16];
	__u64 id;       /* cgroup id for BY_CGROUP; its group's for BY_CONTAINER, BY_POD, BY_UNIT */
	__u32 netns;
	__u16 port;
	__u8 family;    /* WW_AF_INET / WW_AF_INET6 as shown (v4-mapped -> INET); 0: none */
	__u8 dir;       /* enum ww_dir */
	char comm[WW_COMM_LEN]; /* BY_COMM */
	__u64 group;    /* split_by_group: the id standing for the cgroup's group; 0 none */
};

/*
 * Cumulative figures of one endpoint. Entries into a state are the
 * transitions into it (and the inferred ones into TIME_WAIT): see
 * ep_stats_entries(). A transition the kernel does not make (from a
 * recording, say) is counted in odd, allocated when the first one happens.
 */
struct ep_stats {
	__u64 trans[WW_NPAIRS];                    /* by ep_pair_slot() */
	__u64 *odd;                                /* [old * WW_TCP_NSTATES + new]; NULL: none */
	__u64 tw_inferred;                         /* entries into TIME_WAIT, inferred */
	__u64 hist[WW_HIST_STATES][WW_LE_BUCKETS]; /* time in the states of ww_hist_states */
	__u64 hist_sum_ns[WW_HIST_STATES];
	/* SYN_SENT/SYN_RECV to CLOSE, of connections that were established */
	__u64 lifetime_hist[WW_HIST_BUCKETS];
};

/* Where trans counts old -> new; -1: in odd. */
int ep_pair_slot(int oldstate, int newstate);

/* Transitions old -> new, entries into a state. */
__u64 ep_stats_trans(const struct ep_stats *st, int oldstate, int newstate);
__u64 ep_stats_entries(const struct ep_stats *st, int state);

/* Where hist keeps a state (-1: nowhere), and in which bucket a duration falls. */
int ep_hist_slot(int state);
int ep_le_bucket(__u64 ns);

struct ep_row {
	struct ep_key key;
	__u32 count[WW_TCP_NSTATES];      /* live sockets per state, as ss shows them */
	__u64 oldest_since[WW_TCP_NSTATES]; /* entry time of the oldest socket per state; 0 none */
	__u32 oldest_at_least;            /* bit per state: the oldest predates waitwatch */
	double rate[WW_TCP_NSTATES];      /* entries per second since the last snapshot */
	__u32 ports_used;                 /* outbound: sockets holding a local port to it */
	__u32 port_range;                 /* size of ip_local_port_range in its namespace; 0 unknown */
	__u32 folded;                     /* "other" only: endpoints folded into it */
	/* stats of "other": the evicted endpoints' only, so that they only grow */
	bool is_other;
	struct ep_stats stats; /* its odd is the snapshot's own */
};

struct collector_stats {
	__u64 events;          /* events ingested */
	__u64 sockets;         /* sockets tracked now */
	__u64 sockets_dropped; /* sockets not tracked, at their first transition: table full */
	__u64 sweeps;
	__u64 seeded;          /* sockets first learnt from the initial sweep */
	__u64 repairs;         /* corrections a sweep made after lost events */
	__u64 tw_entries;      /* inferred entries into TIME_WAIT */
	__u64 tw_exits_sweep;  /* TIME_WAIT sockets found gone by a sweep */
	__u64 tw_exits_reuse;  /* TIME_WAIT sockets ended by reuse of the 4-tuple */
	__u64 endpoints_evicted; /* endpoint statistics folded into "other" when full */
	__u64 memory_bytes;    /* held by the tables, and by the last snapshot */
	__u64 snapshot_bytes;  /* of which the last snapshot's: its rows and what it took to fold */
};

/*
 * What a snapshot takes at most, while it is made (collector_stats has it):
 * sizeof(struct ep_row) per row, WW_SNAPSHOT_GROUP_BYTES per group (each
 * distinct key among the sockets, and each endpoint with figures), 12
 * bytes per endpoint with figures, and WW_SNAPSHOT_SLACK once: the groups'
 * table grows by chunks. The rows are min(groups, max_endpoints).
 */
#define WW_SNAPSHOT_GROUP_BYTES 64
#define WW_SNAPSHOT_SLACK (256u << 10)

struct snapshot {
	__u64 ts_ns;
	struct ep_row *rows;   /* worst first (see snapshot__sort) */
	size_t nrows;
	struct ep_row other;   /* valid when other.folded or other counts > 0 */
	__u32 totals[WW_TCP_NSTATES]; /* host totals per state (filtered sockets only) */
	struct collector_stats stats;
};

/*
 * The flow of sockets between states, over every endpoint since the
 * collector began (those folded into "other" or evicted included): what
 * the state diagram draws (core/diagram.h). Each ->CLOSE is counted once
 * in trans and, by what it left, in at most one of close_tw, close_fw2
 * (a TIME_WAIT socket in substate TIME_WAIT, FIN_WAIT2) and close_err (no
 * TIME_WAIT socket, sk_err set: a reset or an error).
 */
#define WW_FLOW_SUB_TW 0  /* a TIME_WAIT socket in substate TIME_WAIT */
#define WW_FLOW_SUB_FW2 1 /* in substate FIN_WAIT2: an orphaned FIN_WAIT2 */

struct collector_flow {
	__u64 trans[WW_TCP_NSTATES][WW_TCP_NSTATES]; /* every event, old -> new */
	__u64 close_tw[WW_TCP_NSTATES];  /* old -> CLOSE with WW_EF_TW */
	__u64 close_fw2[WW_TCP_NSTATES]; /* old -> CLOSE with WW_EF_TW_FW2 */
	__u64 close_err[WW_TCP_NSTATES]; /* old -> CLOSE with sk_err, neither flag */
	__u64 fw2_to_tw;    /* orphans a sweep found in substate TIME_WAIT: the peer's FIN came */
	__u64 tw_gone[2];   /* TIME_WAIT sockets a sweep found gone, by WW_FLOW_SUB_* */
	__u64 tw_reused[2]; /* ended by a new connection on their 4-tuple */
};

struct collector;

struct collector *collector__new(const struct collector_opts *opts);
void collector__free(struct collector *c);

/* Apply one transition event. */
void collector__ingest(struct collector *c, const struct ww_event *e);

/*
 * Reconciliation with the kernel's table: sweep_begin() with the time the
 * sweep started, one sweep_sock() per socket the kernel reported, then, once
 * every event up to the end of the sweep was ingested, sweep_end().
 */
void collector__sweep_begin(struct collector *c, __u64 ts_start);
void collector__sweep_sock(struct collector *c, const struct ww_sock_rec *r);
void collector__sweep_end(struct collector *c);

/* Size of ip_local_port_range in a namespace, for port pressure. */
void collector__set_port_range(struct collector *c, __u32 netns, __u32 size);

/*
 * Per-endpoint rows at time now, folded to max_endpoints rows plus "other".
 * update_rates: compute entries per second since the previous such call.
 * Returns 0 or -ENOMEM; free with snapshot__free().
 */
int collector__snapshot(struct collector *c, __u64 now, bool update_rates,
			struct snapshot *out);
void snapshot__free(struct snapshot *s);

const struct collector_stats *collector__stats(const struct collector *c);

/* The flow between states so far (valid until the collector is freed). */
const struct collector_flow *collector__flow(const struct collector *c);

/* Sort order: by one state's count, or (state < 0) TIME_WAIT + CLOSE_WAIT. */
void snapshot__sort(struct snapshot *s, int state);

/* The row's sort weight for that order. */
__u64 ep_row_weight(const struct ep_row *r, int state);

/* Histogram bucket for a duration: see WW_HIST_BUCKETS. */
int hist_bucket(__u64 ns);

/* "198.51.100.1:80", "[2001:db8::/64]:443", "netns:4026531840", "cgroup:1234", ... */
void ep_key_format(char *buf, size_t len, const struct ep_key *k, enum ww_by by, int prefix4,
		   int prefix6);

#endif
