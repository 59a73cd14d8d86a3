/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Rendering per-endpoint snapshots: the terminal table and JSON lines. */
#ifndef WW_VIEW_H
#define WW_VIEW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "cgroup_path.h"
#include "collector.h"

struct json_writer;

struct view_opts {
	enum ww_by by;
	int prefix4, prefix6;
	int64_t mono_to_real_ns; /* to print wall-clock times */
	size_t max_rows;         /* terminal rows shown; 0: all */
	/* the names of a cgroup id (host/cgnames.c); NULL: cgroups show as ids */
	const struct cg_names *(*names)(void *ctx, __u64 cgroup_id);
	void *names_ctx;
	unsigned int labels;     /* serve --labels: CGF_BIT()s of cgroup_path.h */
};

/* What the live side adds to a snapshot: the kernel's counters. */
struct view_meta {
	const char *source;   /* "tp_btf", "tracepoint" or "iter/tcp" */
	__u64 events;         /* seen by the BPF program */
	double events_per_s;
	__u64 lost;           /* ring-buffer drops + recursion misses */
	__u32 namespaces;     /* swept */
};

/* The states a table shows, in ss's order, and their column titles. */
extern const int view_states[];
extern const char *const view_state_titles[];
#define VIEW_NSTATES 10

/* Port pressure in percent, or -1 when unknown / not outbound. */
double ep_row_port_pressure(const struct ep_row *r);

/* Age of the oldest socket in a state at time now, 0 if none. */
uint64_t ep_row_oldest_age(const struct ep_row *r, int state, uint64_t now);

/* An endpoint's text: a cgroup's path, or "namespace/pod/container", included. */
#define VIEW_NAME_LEN (CG_PATH_LEN + CG_NS_LEN + 2 * CG_NAME_LEN)

/*
 * The row's endpoint as text: for --by cgroup, container, pod and unit,
 * what the cgroup's names say (cg_names_label()).
 */
void view_endpoint_name(char *buf, size_t len, const struct ep_row *r, const struct view_opts *v);

/* The names of the row's cgroup or group, NULL when unknown or not grouped by one. */
const struct cg_names *view_row_names(const struct ep_row *r, const struct view_opts *v);

/* An object named name: each of view_states with its count, in that order. */
void view_states_json(struct json_writer *jw, const char *name, const uint32_t *count);

/* The fields of n that are known, of those asked (CGF_BIT()s), as JSON members. */
void view_cg_members(struct json_writer *jw, const struct cg_names *n, unsigned int fields);

/* "out", "in" or "-". */
const char *dir_label(int dir);

#endif
