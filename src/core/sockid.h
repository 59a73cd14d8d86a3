/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Socket identities, and what the kernel no longer remembers per socket.
 *
 * The BPF programs keep no state: each record names its socket by its
 * kernel address and says only what the socket shows at that moment. This
 * table turns the address into waitwatch's own id, one per socket life and
 * never reused, before anything else sees the event; the address never
 * leaves the process. It also remembers what later events need: the time
 * of the previous transition (time in state), the direction, the owner,
 * the cgroup and the socket inode.
 *
 * An address is reused once its socket is freed: a socket's first
 * transition (CLOSE->SYN_SENT, CLOSE->LISTEN, a child's LISTEN->SYN_RECV)
 * starts a new life, ->CLOSE ends it, and sweeps of the kernel's table end
 * those whose ->CLOSE was lost. Pure: no I/O, no libbpf.
 *
 * Bounded by max_sockets entries of 64 bytes; when full, an unknown
 * socket's event still gets an id of its own, without time in state or
 * owner, and is counted (sockid_stats.untracked).
 */
#ifndef WW_SOCKID_H
#define WW_SOCKID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "waitwatch.h"

struct sockid;

struct sockid_stats {
	__u64 sockets;      /* lives tracked now */
	__u64 untracked;    /* events of sockets the full table could not keep */
	__u64 ended_by_sweep; /* lives whose ->CLOSE was lost, ended by a sweep */
	__u64 memory_bytes;
};

/* max_sockets: 0 for WW_DEFAULT_MAX_SOCKETS. NULL when out of memory. */
struct sockid *sockid__new(uint32_t max_sockets);
void sockid__free(struct sockid *t);

/*
 * The event to hand on, from a kernel record of size bytes (a ww_kevent,
 * or a ww_kevent_long with WW_KF_LONG). Returns false for a record too
 * short for what it claims to be.
 */
bool sockid__event(struct sockid *t, const void *rec, size_t size, struct ww_event *out);

/*
 * Sweeps: begin with the time the sweep started, pass every swept record
 * through sweep_rec (a full socket's address becomes its id), and end once
 * the events that happened during the sweep were handed on.
 */
void sockid__sweep_begin(struct sockid *t, __u64 ts_start);
void sockid__sweep_rec(struct sockid *t, struct ww_sock_rec *r);
void sockid__sweep_end(struct sockid *t);

void sockid__stats(const struct sockid *t, struct sockid_stats *out);

#endif
