/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Sweeps of the kernel's TCP socket table through iter/tcp, in every
 * network namespace: an iterator only sees the namespace of the task that
 * creates it, so the sweep enters each one with setns() in turn.
 */
#ifndef WW_SWEEP_H
#define WW_SWEEP_H

#include <stdint.h>
#include <linux/types.h>
#include "waitwatch.h"

struct sweep_cb {
	void (*sock)(void *ctx, const struct ww_sock_rec *r);
	/* size of ip_local_port_range in the namespace */
	void (*port_range)(void *ctx, __u32 netns, __u32 size);
	void *ctx;
};

struct sweep_result {
	__u32 namespaces;  /* swept */
	__u32 unreachable; /* namespaces that could not be entered */
	__u64 sockets;
};

/*
 * Sweep every namespace (or only `netns` when non-zero) with the iter/tcp
 * link. Returns 0 or -errno (one line printed).
 */
int sweep_all(int iter_link_fd, __u32 netns, const struct sweep_cb *cb,
	      struct sweep_result *res);

#endif
