// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * waitwatch: stream every TCP state transition to user space, and dump the
 * kernel's TCP socket table on demand.
 *
 * ww_set_state      tp_btf/inet_sock_set_state: the normal path. Reads the
 *                   socket through BTF-typed pointers (no helper per field)
 *                   and keeps per-socket state in socket local storage.
 * ww_set_state_tp   tracepoint/sock/inet_sock_set_state: fallback for
 *                   kernels without tp_btf; per-socket state in an LRU hash.
 * ww_dump_tcp       iter/tcp: one ww_sock_rec per socket of the namespace
 *                   the iterator was created in.
 *
 * Events are submitted without a wakeup: user space drains the ring buffer
 * on a timer. A wakeup per event costs a self-interrupt whose return runs
 * network softirqs inside this program (see docs/internals.md).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "waitwatch.h"

_Static_assert(sizeof(struct ww_event) == WW_EVENT_SIZE, "ww_event layout");
_Static_assert(sizeof(struct ww_sock_rec) == WW_SOCK_REC_SIZE, "ww_sock_rec layout");

#define SOCK_DONE_BIT 1 /* enum sock_flags: the peer's FIN was received */
#define AF_INET 2
#define AF_INET6 10

/* Before 6.x sk_flags was a member of struct sock, now of sock_common. */
struct sock___old {
	unsigned long sk_flags;
} __attribute__((preserve_access_index));

/* Filters, set by user space before load; zero means "no filter". */
const volatile __u16 f_family = 0;
const volatile __u16 f_port = 0;  /* either side */
const volatile __u16 f_lport = 0;
const volatile __u16 f_rport = 0;
const volatile __u32 f_netns = 0;
const volatile __u32 f_pid = 0;
const volatile __u32 f_states = 0; /* bit per state, matches old or new */
const volatile __u16 f_addr_family = 0;
const volatile __u8 f_addr_bits = 0;
const volatile __u8 f_addr[16] = {};
/* The kernel's HZ, for ages of sockets that predate waitwatch; 0: unknown. */
const volatile __u32 hz = 0;
#define TCP_TIMEWAIT_SECS 60

/* Wake user space up once this much is pending in the ring buffer. */
const volatile __u64 wakeup_bytes = 1 << 20;

/* Classic tracepoint: socket ids are its address hidden under this key. */
const volatile __u64 sock_id_key = 0;

/* Per-socket state. Lives as long as the socket does. */
struct sock_info {
	__u64 sock_id; /* ours, given at first sight (see new_sock_id) */
	__u64 last_ts;
	__u64 cgroup_id;
	__u64 sock_ino;
	__u32 netns;
	__u32 pid;
	__u16 flags; /* WW_EF_DIR_*, WW_EF_OWNER */
	__u16 _pad[3];
	char comm[WW_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* resized by user space (--ringbuf-size) */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WW_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* Bounded by the sockets themselves: freed with the socket. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sock_info);
} sock_store SEC(".maps");

/* Classic-tracepoint fallback only: least recently used sockets are evicted. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 262144);
	__type(key, __u64);
	__type(value, struct sock_info);
} sock_lru SEC(".maps");

/*
 * Socket ids. Not the socket cookie: on some kernels (6.1) an accepted
 * child still carries its listener's cookie at LISTEN->SYN_RECV. An id is
 * given the first time a socket is seen, by a transition or by a sweep, and
 * kept in its local storage; per-CPU counters keep CPUs off each other's
 * cache lines, the atomic add off each other's toes when slots are shared.
 */
#define ID_SLOTS 1024
__u64 id_next[ID_SLOTS];

static __always_inline __u64 new_sock_id(void)
{
	__u32 slot = bpf_get_smp_processor_id() & (ID_SLOTS - 1);

	return ((__u64)(slot + 1) << 48) | (__sync_fetch_and_add(&id_next[slot], 1) + 1);
}

/* What a transition needs to know of its socket, however it was read. */
struct sk_facts {
	__u64 sock_id;
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 family;
	__u16 sport;
	__u16 dport;
	__u16 sk_err;
	__u32 netns;
	__u8 done;   /* SOCK_DONE */
	__u8 abort;  /* linger2 < 0: no TIME_WAIT */
};

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);

	if (v)
		*v += 1;
}

static __always_inline bool port_match(const struct sk_facts *f)
{
	if (f_lport && f->sport != f_lport)
		return false;
	if (f_rport && f->dport != f_rport)
		return false;
	if (f_port && f->sport != f_port && f->dport != f_port)
		return false;
	return true;
}

static __always_inline bool prefix_match(const __u8 *a)
{
	__u32 bits = f_addr_bits;

	for (int i = 0; i < 16; i++) {
		__u8 mask;

		if (bits == 0)
			return true;
		mask = bits >= 8 ? 0xff : (__u8)(0xff << (8 - bits));
		if ((a[i] ^ f_addr[i]) & mask)
			return false;
		bits = bits >= 8 ? bits - 8 : 0;
	}
	return true;
}

static __always_inline bool is_v4mapped(const __u8 *a)
{
	return *(__u64 *)a == 0 && *(__u32 *)(a + 8) == bpf_htonl(0xffff);
}

/* An IPv4 prefix also matches the v4-mapped addresses of IPv6 sockets. */
static __always_inline bool addr_match(const struct sk_facts *f)
{
	if (!f_addr_family)
		return true;
	if (f->family == f_addr_family)
		return prefix_match(f->saddr) || prefix_match(f->daddr);
	if (f_addr_family != AF_INET || f->family != AF_INET6)
		return false;
	return (is_v4mapped(f->saddr) && prefix_match(f->saddr + 12)) ||
	       (is_v4mapped(f->daddr) && prefix_match(f->daddr + 12));
}

static __always_inline bool wanted(const struct sk_facts *f, const struct sock_info *si,
				   int oldstate, int newstate, __u16 flags)
{
	/* no transition goes into TIME_WAIT: the ->CLOSE that leaves one stands for it */
	__u32 states = (1u << oldstate) | (1u << newstate) |
		       ((flags & WW_EF_TW) ? 1u << TCP_TIME_WAIT : 0);

	if (f_family && f->family != f_family)
		return false;
	if (f_netns && f->netns != f_netns)
		return false;
	if (f_states && !(f_states & states))
		return false;
	if (f_pid && (!si || !(si->flags & WW_EF_OWNER) || si->pid != f_pid))
		return false;
	return port_match(f) && addr_match(f);
}

/*
 * Transitions that run in the context of the process acting on the socket
 * (docs/counting.md): the only moments when "current" is its owner.
 */
static __always_inline bool owner_acts(const struct sk_facts *f, int oldstate, int newstate)
{
	if (oldstate == TCP_CLOSE && (newstate == TCP_SYN_SENT || newstate == TCP_LISTEN))
		return true;
	if (newstate == TCP_FIN_WAIT1)
		return true;
	if (oldstate == TCP_CLOSE_WAIT && newstate == TCP_LAST_ACK)
		return true;
	if (newstate != TCP_CLOSE)
		return false;
	if (oldstate == TCP_LISTEN)
		return true;
	/* close() with SO_LINGER 0 or unread data, or of a connect in progress: no error */
	return f->sk_err == 0 && (oldstate == TCP_ESTABLISHED || oldstate == TCP_SYN_SENT ||
				  oldstate == TCP_CLOSE_WAIT);
}

static __always_inline void remember_owner(struct sock_info *si)
{
	si->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(si->comm, sizeof(si->comm));
	si->flags |= WW_EF_OWNER;
}

static __always_inline __u16 tw_flags(const struct sk_facts *f, int oldstate, int newstate)
{
	if (newstate != TCP_CLOSE || f->sk_err || f->abort)
		return 0;
	if (oldstate != TCP_FIN_WAIT2 && oldstate != TCP_CLOSING)
		return 0;
	return f->done ? WW_EF_TW : WW_EF_TW_FW2;
}

/*
 * No wakeup per event (user space drains every 100 ms): one as the pending
 * data crosses wakeup_bytes, so that a burst does not overflow the buffer.
 * Only at the crossing: a consumer that lags would otherwise be woken for
 * every event, and each wakeup is a self-interrupt that costs microseconds.
 */
static __always_inline __u64 wakeup_flag(void)
{
	__u64 pending = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);

	if (pending > wakeup_bytes && pending <= wakeup_bytes + 2 * sizeof(struct ww_event) + 16)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

/* Update the socket's state and, unless filtered out, emit the event. */
static __always_inline int process(const struct sk_facts *f, struct sock_info *si, int oldstate,
				   int newstate)
{
	__u64 now = bpf_ktime_get_ns();
	__u16 flags = tw_flags(f, oldstate, newstate);
	struct ww_event *e;

	if (si) {
		if (si->last_ts) {
			flags |= WW_EF_DWELL;
		}
		if (oldstate == TCP_CLOSE && newstate == TCP_SYN_SENT)
			si->flags |= WW_EF_DIR_OUT;
		else if (oldstate == TCP_LISTEN && newstate == TCP_SYN_RECV)
			si->flags |= WW_EF_DIR_IN;
		if (owner_acts(f, oldstate, newstate)) {
			remember_owner(si);
			flags |= WW_EF_OWNER_NOW;
		}
	}
	if (!wanted(f, si, oldstate, newstate, flags)) {
		if (si)
			si->last_ts = now;
		count(WW_CNT_FILTERED);
		return 0;
	}
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		if (si)
			si->last_ts = now;
		count(WW_CNT_RB_DROPS);
		return 0;
	}
	e->ts_ns = now;
	e->sock_id = f->sock_id;
	e->family = f->family;
	e->sport = f->sport;
	e->dport = f->dport;
	__builtin_memcpy(e->saddr, f->saddr, 16);
	__builtin_memcpy(e->daddr, f->daddr, 16);
	e->netns = f->netns;
	e->oldstate = oldstate;
	e->newstate = newstate;
	e->sk_err = f->sk_err;
	e->_pad = 0;
	if (si) {
		e->dwell_ns = si->last_ts ? now - si->last_ts : 0;
		e->cgroup_id = si->cgroup_id;
		e->sock_ino = si->sock_ino;
		e->pid = si->pid;
		__builtin_memcpy(e->comm, si->comm, WW_COMM_LEN);
		flags |= si->flags;
		si->last_ts = now;
	} else {
		e->dwell_ns = 0;
		e->cgroup_id = 0;
		e->sock_ino = 0;
		e->pid = 0;
		__builtin_memset(e->comm, 0, WW_COMM_LEN);
	}
	e->flags = flags;
	bpf_ringbuf_submit(e, wakeup_flag());
	return 0;
}

/* The inode of the socket's file: SOCK_INODE(), which is container_of(). */
static __always_inline __u64 socket_inode(struct socket *sock)
{
	struct socket_alloc *sa;

	if (!sock)
		return 0;
	sa = (void *)((char *)sock - bpf_core_field_offset(struct socket_alloc, socket));
	return BPF_CORE_READ(sa, vfs_inode.i_ino);
}

static __always_inline __u8 peer_fin_seen(struct sock *sk)
{
	unsigned long flags;

	if (bpf_core_field_exists(sk->__sk_common.skc_flags))
		flags = BPF_CORE_READ(sk, __sk_common.skc_flags);
	else
		flags = BPF_CORE_READ((struct sock___old *)sk, sk_flags);
	return (flags >> SOCK_DONE_BIT) & 1;
}

/* The same through the typed pointer: a load, not a helper call. */
static __always_inline __u8 peer_fin_seen_tp(struct tcp_sock *tp)
{
	if (bpf_core_field_exists(tp->inet_conn.icsk_inet.sk.__sk_common.skc_flags))
		return (tp->inet_conn.icsk_inet.sk.__sk_common.skc_flags >> SOCK_DONE_BIT) & 1;
	return peer_fin_seen((struct sock *)tp);
}

static __always_inline __u64 cgroup_of(struct cgroup *cg)
{
	return cg ? BPF_CORE_READ(cg, kn, id) : 0;
}

/* sk_cgrp_data.cgroup exists from 5.15 on; before, no cgroup id. */
static __always_inline __u64 sock_cgroup(struct sock *sk)
{
	if (!bpf_core_field_exists(sk->sk_cgrp_data.cgroup))
		return 0;
	return cgroup_of(BPF_CORE_READ(sk, sk_cgrp_data.cgroup));
}

/* What does not change over the socket's life is read once. */
static __always_inline void sock_info_init(struct sock_info *si, struct sock *sk)
{
	si->sock_id = new_sock_id();
	si->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	si->cgroup_id = sock_cgroup(sk);
}

/* ---- tp_btf: the normal path ---------------------------------------- */

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(ww_set_state, struct sock *sk, int oldstate, int newstate)
{
	struct sk_facts f;
	struct tcp_sock *tp;
	struct sock_info *si;
	struct sock_common *skc;

	if (oldstate == newstate)
		return 0;
	tp = bpf_skc_to_tcp_sock(sk); /* NULL unless a full TCP socket */
	if (!tp)
		return 0;
	skc = &tp->inet_conn.icsk_inet.sk.__sk_common;
	f.family = skc->skc_family;
	f.sport = bpf_ntohs(tp->inet_conn.icsk_inet.inet_sport);
	f.dport = bpf_ntohs(skc->skc_dport);
	if (f.family == AF_INET6) {
		__builtin_memcpy(f.saddr, &skc->skc_v6_rcv_saddr, 16);
		__builtin_memcpy(f.daddr, &skc->skc_v6_daddr, 16);
	} else {
		__builtin_memset(f.saddr, 0, 16);
		__builtin_memset(f.daddr, 0, 16);
		*(__u32 *)f.saddr = skc->skc_rcv_saddr;
		*(__u32 *)f.daddr = skc->skc_daddr;
	}
	f.sk_err = tp->inet_conn.icsk_inet.sk.sk_err;
	/* only a ->CLOSE can leave a TIME_WAIT socket behind */
	f.done = 0;
	f.abort = 0;
	if (newstate == TCP_CLOSE) {
		f.done = peer_fin_seen_tp(tp);
		f.abort = tp->linger2 < 0;
	}

	si = bpf_sk_storage_get(&sock_store, sk, NULL, BPF_SK_STORAGE_GET_F_CREATE);
	if (!si) {
		count(WW_CNT_STORAGE_FAIL);
		f.netns = skc->skc_net.net->ns.inum;
		f.sock_id = new_sock_id(); /* one event, an id of its own: counted apart */
		return process(&f, NULL, oldstate, newstate);
	}
	if (!si->sock_id)
		sock_info_init(si, sk);
	if (!si->sock_ino)
		si->sock_ino = socket_inode(tp->inet_conn.icsk_inet.sk.sk_socket);
	f.netns = si->netns;
	f.sock_id = si->sock_id;
	return process(&f, si, oldstate, newstate);
}

/* ---- classic tracepoint: fallback for kernels without tp_btf -------- */

SEC("tracepoint/sock/inet_sock_set_state")
int ww_set_state_tp(struct trace_event_raw_inet_sock_set_state *ctx)
{
	struct sock *sk = (struct sock *)ctx->skaddr;
	__u64 key = (__u64)ctx->skaddr;
	struct sock_info zero = {}, *si;
	struct sk_facts f;
	int oldstate = ctx->oldstate, newstate = ctx->newstate;

	if (ctx->protocol != IPPROTO_TCP || oldstate == newstate)
		return 0;
	f.family = ctx->family;
	f.sport = ctx->sport;
	f.dport = ctx->dport;
	if (f.family == AF_INET6) {
		/* the verifier refuses offset loads from ctx: copy via a helper */
		bpf_probe_read_kernel(f.saddr, 16, ctx->saddr_v6);
		bpf_probe_read_kernel(f.daddr, 16, ctx->daddr_v6);
	} else {
		__builtin_memset(f.saddr, 0, 16);
		__builtin_memset(f.daddr, 0, 16);
		bpf_probe_read_kernel(f.saddr, 4, ctx->saddr);
		bpf_probe_read_kernel(f.daddr, 4, ctx->daddr);
	}
	f.sk_err = BPF_CORE_READ(sk, sk_err);
	f.done = peer_fin_seen(sk);
	f.abort = BPF_CORE_READ((struct tcp_sock *)sk, linger2) < 0;
	f.netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	f.sock_id = key ^ sock_id_key;

	si = bpf_map_lookup_elem(&sock_lru, &key);
	if (!si) {
		zero.netns = f.netns;
		zero.cgroup_id = sock_cgroup(sk);
		bpf_map_update_elem(&sock_lru, &key, &zero, BPF_NOEXIST);
		si = bpf_map_lookup_elem(&sock_lru, &key);
		if (!si)
			count(WW_CNT_STORAGE_FAIL);
	}
	if (si && !si->sock_ino)
		si->sock_ino = socket_inode(BPF_CORE_READ(sk, sk_socket));
	process(&f, si, oldstate, newstate);
	/* The socket is about to be freed: its address will be reused. */
	if (newstate == TCP_CLOSE)
		bpf_map_delete_elem(&sock_lru, &key);
	return 0;
}

/* ---- iter/tcp: the kernel's socket table ----------------------------- */

/* The iterator's socket is a BTF-typed pointer: plain loads, no helper per field. */
static __always_inline void rec_addrs(struct ww_sock_rec *r, struct sock_common *skc)
{
	if (r->family == AF_INET6) {
		__builtin_memcpy(r->saddr, &skc->skc_v6_rcv_saddr, 16);
		__builtin_memcpy(r->daddr, &skc->skc_v6_daddr, 16);
	} else {
		*(__u32 *)r->saddr = skc->skc_rcv_saddr;
		*(__u32 *)r->daddr = skc->skc_daddr;
	}
}

static __always_inline void set_age(struct ww_sock_rec *r, __u64 jiffies_ago)
{
	__u64 ms;

	if (!hz)
		return;
	ms = jiffies_ago * 1000 / hz;
	if (ms > 0xffffffffull) /* 49 days */
		return;
	r->state_age_ms = ms;
	r->flags |= WW_SF_AGE;
}

/* A TIME_WAIT socket's timer was set to expire 60 s after it began. */
static __always_inline void timewait_age(struct ww_sock_rec *r, struct tcp_timewait_sock *tw)
{
	__u64 now = bpf_jiffies64(), expires = tw->tw_sk.tw_timer.expires;
	__u64 len = (__u64)TCP_TIMEWAIT_SECS * hz;

	if (hz && expires >= now && expires - now <= len)
		set_age(r, len - (expires - now));
}

/* Nothing arrives after the peer's FIN: the last ACK received dates CLOSE_WAIT. */
static __always_inline void closewait_age(struct ww_sock_rec *r, struct tcp_sock *tp)
{
	__u32 now = bpf_jiffies64();

	set_age(r, (__u32)(now - tp->rcv_tstamp));
}

/*
 * The id a sweep reports for a full socket: the one in its local storage,
 * given now if it has none, so that its next transition reports the same
 * (tp_btf); without the transition program (snapshot) or with the classic
 * tracepoint, its cookie or its address mixed with a key.
 */
static __always_inline __u64 swept_id(struct tcp_sock *tp, bool storage)
{
	struct sock_info *si;

	if (sock_id_key)
		return (__u64)tp ^ sock_id_key;
	if (!storage)
		return bpf_get_socket_cookie(tp);
	si = bpf_sk_storage_get(&sock_store, tp, NULL, BPF_SK_STORAGE_GET_F_CREATE);
	if (!si)
		return 0;
	if (!si->sock_id)
		sock_info_init(si, (struct sock *)tp);
	return si->sock_id;
}

static __always_inline int dump_tcp(struct bpf_iter__tcp *ctx, bool storage)
{
	struct sock_common *skc = ctx->sk_common;
	struct ww_sock_rec r = {};
	struct tcp_timewait_sock *tw;
	struct tcp_sock *tp;

	if (!skc)
		return 0;
	r.family = skc->skc_family;
	r.state = skc->skc_state;
	r.sport = skc->skc_num; /* hashed sockets: always set */
	r.dport = bpf_ntohs(skc->skc_dport);
	r.netns = skc->skc_net.net->ns.inum;
	r.uid = ctx->uid;
	rec_addrs(&r, skc);

	if (r.state == TCP_TIME_WAIT) {
		tw = bpf_skc_to_tcp_timewait_sock(skc);
		r.flags |= WW_SF_TIMEWAIT;
		/* ss shows a TIME_WAIT socket by its substate */
		if (tw) {
			r.state = tw->tw_sk.tw_substate;
			if (r.state == TCP_TIME_WAIT)
				timewait_age(&r, tw);
		}
	} else if (r.state == TCP_NEW_SYN_RECV) {
		r.flags |= WW_SF_REQUEST;
		r.state = TCP_SYN_RECV;
	} else {
		tp = bpf_skc_to_tcp_sock(skc);
		if (tp && r.state == TCP_CLOSE_WAIT)
			closewait_age(&r, tp);
		if (tp) {
			r.sock_id = swept_id(tp, storage);
			r.sock_ino = socket_inode(tp->inet_conn.icsk_inet.sk.sk_socket);
			r.cgroup_id = sock_cgroup((struct sock *)tp);
		}
	}
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}

/* With the tp_btf transition program: ids from socket local storage. */
SEC("iter/tcp")
int ww_dump_tcp(struct bpf_iter__tcp *ctx)
{
	return dump_tcp(ctx, true);
}

/* Alone (snapshot, leaks) or with the classic tracepoint: no storage. */
SEC("iter/tcp")
int ww_dump_tcp_plain(struct bpf_iter__tcp *ctx)
{
	return dump_tcp(ctx, false);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
