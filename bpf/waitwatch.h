/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Records shared by the BPF programs and the user-space collector.
 *
 * Only fixed-width types, explicit padding and no pointers, enums or bools,
 * so that both compilers agree on the layout; each side checks the sizes.
 */
#ifndef WAITWATCH_H
#define WAITWATCH_H

#define WW_COMM_LEN 16

/* TCP states, numbered as in include/net/tcp_states.h. */
#define WW_TCP_ESTABLISHED 1
#define WW_TCP_SYN_SENT 2
#define WW_TCP_SYN_RECV 3
#define WW_TCP_FIN_WAIT1 4
#define WW_TCP_FIN_WAIT2 5
#define WW_TCP_TIME_WAIT 6
#define WW_TCP_CLOSE 7
#define WW_TCP_CLOSE_WAIT 8
#define WW_TCP_LAST_ACK 9
#define WW_TCP_LISTEN 10
#define WW_TCP_CLOSING 11
#define WW_TCP_NEW_SYN_RECV 12
#define WW_TCP_NSTATES 13

/*
 * A socket's first transition, the only one that says a new socket exists:
 * CLOSE->SYN_SENT, CLOSE->LISTEN, or a child's LISTEN->SYN_RECV. One rule
 * for the BPF program (which writes the long record there), the socket ids
 * (a new life) and the collector.
 */
#define WW_IS_BIRTH(oldstate, newstate)                                                            \
	((oldstate) == WW_TCP_CLOSE ||                                                             \
	 ((oldstate) == WW_TCP_LISTEN && (newstate) == WW_TCP_SYN_RECV))

#define WW_AF_INET 2
#define WW_AF_INET6 10

/* ww_event.flags */
#define WW_EF_DIR_OUT (1 << 0)   /* this host opened it (CLOSE->SYN_SENT seen) */
#define WW_EF_DIR_IN (1 << 1)    /* a listener accepted it (LISTEN->SYN_RECV seen) */
#define WW_EF_DWELL (1 << 2)     /* dwell_ns is valid: the previous transition was seen */
#define WW_EF_TW (1 << 3)        /* ->CLOSE that leaves a TIME_WAIT socket, substate TIME_WAIT */
#define WW_EF_TW_FW2 (1 << 4)    /* ->CLOSE that leaves a TIME_WAIT socket, substate FIN_WAIT2 */
#define WW_EF_OWNER (1 << 5)     /* pid and comm hold the socket's owner */
#define WW_EF_OWNER_NOW (1 << 6) /* the owner acted in this very transition */

/* ww_kevent.kflags */
#define WW_KF_TW (1 << 0)     /* ->CLOSE that leaves a TIME_WAIT socket, substate TIME_WAIT */
#define WW_KF_TW_FW2 (1 << 1) /* ->CLOSE that leaves a TIME_WAIT socket, substate FIN_WAIT2 */
#define WW_KF_LONG (1 << 2)   /* the record is a struct ww_kevent_long */
#define WW_KF_OWNER (1 << 3)  /* pid and comm hold the process acting on the socket */

/*
 * One TCP state transition, as the BPF program writes it into the ring
 * buffer: what the socket says at that moment, and nothing remembered.
 * sk is the socket's kernel address, its identity until it is freed; user
 * space turns it into an id of its own at once (sockid.h) and it never
 * leaves the process. Addresses in network byte order (IPv4 in the first
 * 4 bytes, the rest zero), ports in host byte order, ts from
 * CLOCK_MONOTONIC.
 */
struct ww_kevent {
	__u64 ts_ns;
	__u64 sk;
	__u8 saddr[16];
	__u8 daddr[16];
	__u32 netns;
	__u16 sport;
	__u16 dport;
	__u8 family;
	__u8 oldstate;
	__u8 newstate;
	__u8 kflags; /* WW_KF_* */
	__u16 sk_err;
	__u16 _pad;
};

#define WW_KEVENT_SIZE 64

/*
 * The longer variant, at a socket's birth and at the transitions that run
 * in the context of the process acting on it (docs/counting.md): the only
 * moments when what it carries is known or can change.
 */
struct ww_kevent_long {
	struct ww_kevent e;
	__u64 cgroup_id; /* cgroup v2 id of the socket (the listener's if accepted) */
	__u64 sock_ino;  /* inode of the socket file, 0 when it has none */
	__u32 pid;       /* acting process's tgid, with WW_KF_OWNER */
	__u32 _pad;
	char comm[WW_COMM_LEN];
};

#define WW_KEVENT_LONG_SIZE 104

/*
 * One TCP state transition as user space hands it on: to the collector,
 * the outputs and recordings. Built from a ww_kevent and what user space
 * remembers of the socket (sockid.h).
 * Addresses are in network byte order (IPv4 in the first 4 bytes), ports in
 * host byte order, times from CLOCK_MONOTONIC (bpf_ktime_get_ns).
 * At CLOSE->SYN_SENT the local port is still 0 (connect() picks it just
 * after): sock_id, not the 4-tuple, identifies a socket across its events.
 */
struct ww_event {
	__u64 ts_ns;     /* when the transition happened */
	__u64 dwell_ns;  /* time spent in oldstate, valid with WW_EF_DWELL */
	__u64 cgroup_id; /* cgroup v2 id of the socket's creator (listener's if accepted) */
	__u64 sock_ino;  /* inode of the socket file, 0 when it has none yet/any more */
	__u64 sock_id;   /* waitwatch's own id: one per socket life, never reused */
	__u8 saddr[16];  /* local address */
	__u8 daddr[16];  /* remote address */
	__u32 netns;     /* network namespace inode */
	__u32 pid;       /* owner's tgid, valid with WW_EF_OWNER */
	__u16 sport;     /* local port */
	__u16 dport;     /* remote port */
	__u16 family;    /* WW_AF_INET or WW_AF_INET6 */
	__u8 oldstate;
	__u8 newstate;
	__u16 sk_err;    /* socket error at the transition (ECONNRESET, ...) */
	__u16 flags;     /* WW_EF_* */
	__u32 _pad;
	char comm[WW_COMM_LEN]; /* owner's command, valid with WW_EF_OWNER */
};

#define WW_EVENT_SIZE 112

/* ww_sock_rec.flags */
#define WW_SF_REQUEST (1 << 0) /* a request socket (TCP_NEW_SYN_RECV), counted as SYN_RECV */
#define WW_SF_TIMEWAIT (1 << 1) /* a TIME_WAIT socket; state holds its substate */
#define WW_SF_AGE (1 << 2)      /* state_age_ms is known */

/*
 * One socket of the kernel's table, as written by the iter/tcp program.
 * state is what ss shows: a TIME_WAIT socket in substate FIN_WAIT2 says
 * FIN_WAIT2, a request socket says SYN_RECV.
 */
struct ww_sock_rec {
	__u64 sock_ino;  /* inode of the socket file, 0 if none */
	__u64 sock_id;   /* a full socket's kernel address, turned into waitwatch's id by user
			  * space at once (sockid.h); 0 for TIME_WAIT and request sockets */
	__u64 cgroup_id; /* 0 for request and TIME_WAIT sockets */
	__u8 saddr[16];
	__u8 daddr[16];
	__u32 netns;
	__u32 uid;
	__u16 sport;
	__u16 dport;
	__u16 family;
	__u8 state;
	__u8 flags; /* WW_SF_* */
	/*
	 * Time in its state, where the kernel keeps what tells it: CLOSE_WAIT
	 * from the last ACK received (the peer's FIN), TIME_WAIT from its timer.
	 * Recordings of version 1 may lack it (72-byte records).
	 */
	__u32 state_age_ms;
	__u32 _pad;
};

#define WW_SOCK_REC_SIZE 80
#define WW_SOCK_REC_SIZE_V1 72

/* Indexes of the per-CPU counters array in the BPF object. */
#define WW_CNT_RB_DROPS 1      /* ring-buffer reserve failures: events lost */
#define WW_CNT_FILTERED 3      /* transitions left out by the filters */
#define WW_CNT_NESTED 4        /* transitions the catcher program took while the main one ran */
#define WW_CNT_MAX 5

#endif /* WAITWATCH_H */
