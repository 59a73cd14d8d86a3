// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * waitwatch: stream every TCP state transition to user space, and dump the
 * kernel's TCP socket table on demand.
 *
 * ww_set_state      tp_btf/inet_sock_set_state: the normal path. Reads the
 *                   socket through BTF-typed pointers (no helper per field).
 * ww_catch_nested   tp_btf/inet_sock_set_state too: records only the
 *                   transitions that nest inside ww_set_state on the same
 *                   CPU, which the kernel's per-program guard keeps from it.
 * ww_set_state_tp   tracepoint/sock/inet_sock_set_state: fallback for
 *                   kernels without tp_btf.
 * ww_dump_tcp       iter/tcp: one ww_sock_rec per socket of the namespace
 *                   the iterator was created in.
 *
 * The transition programs keep no state: no map update, no per-socket
 * storage. A socket is named by its kernel address, which user space turns
 * into an id of its own and remembers the rest (src/sockid.c).
 * Events are submitted without a wakeup: user space drains the ring buffer
 * on a timer. A wakeup per event costs a self-interrupt whose return runs
 * network softirqs inside this program (docs/counting.md).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "waitwatch.h"

_Static_assert(sizeof(struct ww_kevent) == WW_KEVENT_SIZE, "ww_kevent layout");
_Static_assert(sizeof(struct ww_kevent_long) == WW_KEVENT_LONG_SIZE, "ww_kevent_long layout");
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
const volatile __u16 f_addr_family = 0;
const volatile __u8 f_addr_bits = 0;
const volatile __u8 f_addr[16] = {};
/* The kernel's HZ, for ages of sockets that predate waitwatch; 0: unknown. */
const volatile __u32 hz = 0;
#define TCP_TIMEWAIT_SECS 60

/*
 * Benchmarks only (bench/overhead.sh): stop after a step, to price each.
 * 1: nothing (the empty program), 2: reads and filters, 3: and the ring
 * buffer's reserve and discard. 0: everything.
 */
const volatile __u32 bench_stage = 0;

/* Wake user space up once this much is pending in the ring buffer. */
const volatile __u64 wakeup_bytes = 1 << 20;

/*
 * One ring buffer per CPU: a ring shared by every CPU costs a contended
 * spinlock and a bouncing cache line per event, about half of the whole
 * program. User space creates the rings, sized from --ringbuf-size, puts
 * them in this array, and merges them back into time order.
 */
struct ring {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1); /* set to the number of possible CPUs by user space */
	__type(key, __u32);
	__array(values, struct ring);
} rings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WW_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/*
 * Which CPUs are inside ww_set_state right now, one cache line each: the
 * catcher takes a transition only where this is set. Plain stores, read
 * only on the CPU that wrote them.
 */
#define BUSY_SLOTS 1024
#define BUSY_STRIDE 8 /* __u64s per 64-byte line */
__u64 busy[BUSY_SLOTS * BUSY_STRIDE];

/* What a transition needs to know of its socket, however it was read. */
struct sk_facts {
	__u64 sk;
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

static __always_inline bool port_match(__u16 sport, __u16 dport)
{
	if (f_lport && sport != f_lport)
		return false;
	if (f_rport && dport != f_rport)
		return false;
	if (f_port && sport != f_port && dport != f_port)
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

/*
 * Transitions that run in the context of the process acting on the socket
 * (docs/counting.md): the only moments when "current" is its owner.
 */
static __always_inline bool owner_acts(__u16 sk_err, int oldstate, int newstate)
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
	return sk_err == 0 && (oldstate == TCP_ESTABLISHED || oldstate == TCP_SYN_SENT ||
			       oldstate == TCP_CLOSE_WAIT);
}

static __always_inline __u8 tw_flags(const struct sk_facts *f, int oldstate, int newstate)
{
	if (newstate != TCP_CLOSE || f->sk_err || f->abort)
		return 0;
	if (oldstate != TCP_FIN_WAIT2 && oldstate != TCP_CLOSING)
		return 0;
	return f->done ? WW_KF_TW : WW_KF_TW_FW2;
}

/*
 * No wakeup per event (user space drains every 100 ms): one as the pending
 * data crosses wakeup_bytes, so that a burst does not overflow the buffer.
 * Only at the crossing: a consumer that lags would otherwise be woken for
 * every event, and each wakeup is a self-interrupt that costs microseconds.
 */
static __always_inline __u64 wakeup_flag(void *ring)
{
	__u64 pending = bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA);

	if (pending > wakeup_bytes &&
	    pending <= wakeup_bytes + 2 * sizeof(struct ww_kevent_long) + 16)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
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

/*
 * sk_cgrp_data.cgroup exists from 5.15 on; before, no cgroup id. Through
 * the typed pointer: loads, not a helper call per field.
 */
static __always_inline __u64 sock_cgroup(struct sock *sk)
{
	struct cgroup *cg;

	if (!bpf_core_field_exists(sk->sk_cgrp_data.cgroup))
		return 0;
	cg = sk->sk_cgrp_data.cgroup;
	return cg ? cg->kn->id : 0;
}

/* The same for a socket the classic tracepoint hands over as a plain address. */
static __always_inline __u64 sock_cgroup_read(struct sock *sk)
{
	if (!bpf_core_field_exists(sk->sk_cgrp_data.cgroup))
		return 0;
	return BPF_CORE_READ(sk, sk_cgrp_data.cgroup, kn, id);
}

/*
 * Write the record: the short one, or the long one at a birth or where the
 * owner acts. A full ring buffer loses it, and counts it.
 */
static __always_inline void emit(const struct sk_facts *f, struct sock *sk, int oldstate,
				 int newstate, bool typed)
{
	bool owner = owner_acts(f->sk_err, oldstate, newstate);
	bool lng = owner || WW_IS_BIRTH(oldstate, newstate); /* cgroup read once */
	__u32 cpu = bpf_get_smp_processor_id();
	struct ww_kevent_long *l;
	struct ww_kevent *e;
	void *ring;

	ring = bpf_map_lookup_elem(&rings, &cpu);
	if (!ring) {
		count(WW_CNT_RB_DROPS);
		return;
	}
	e = bpf_ringbuf_reserve(ring, lng ? sizeof(*l) : sizeof(*e), 0);
	if (!e) {
		count(WW_CNT_RB_DROPS);
		return;
	}
	if (bench_stage == 3) {
		bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP);
		return;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->sk = f->sk;
	__builtin_memcpy(e->saddr, f->saddr, 16);
	__builtin_memcpy(e->daddr, f->daddr, 16);
	e->netns = f->netns;
	e->sport = f->sport;
	e->dport = f->dport;
	e->family = f->family;
	e->oldstate = oldstate;
	e->newstate = newstate;
	e->kflags = tw_flags(f, oldstate, newstate) | (lng ? WW_KF_LONG : 0) |
		    (owner ? WW_KF_OWNER : 0);
	e->sk_err = f->sk_err;
	e->_pad = 0;
	if (lng) {
		l = (void *)e;
		l->cgroup_id = typed ? sock_cgroup(sk) : sock_cgroup_read(sk);
		l->sock_ino = socket_inode(BPF_CORE_READ(sk, sk_socket));
		l->_pad = 0;
		if (owner) {
			l->pid = bpf_get_current_pid_tgid() >> 32;
			bpf_get_current_comm(l->comm, sizeof(l->comm));
		} else {
			l->pid = 0;
			__builtin_memset(l->comm, 0, sizeof(l->comm));
		}
	}
	bpf_ringbuf_submit(e, wakeup_flag(ring));
}

/* ---- tp_btf: the normal path ---------------------------------------- */

/*
 * Read and filter, cheapest and most selective first: the namespace, then
 * the ports, then the addresses. Returns false if the transition is left out.
 */
static __always_inline bool read_tp(struct sk_facts *f, struct tcp_sock *tp, int newstate)
{
	struct sock_common *skc = &tp->inet_conn.icsk_inet.sk.__sk_common;

	f->netns = skc->skc_net.net->ns.inum;
	if (f_netns && f->netns != f_netns)
		return false;
	f->family = skc->skc_family;
	if (f_family && f->family != f_family)
		return false;
	f->sport = bpf_ntohs(tp->inet_conn.icsk_inet.inet_sport);
	f->dport = bpf_ntohs(skc->skc_dport);
	if (!port_match(f->sport, f->dport))
		return false;
	if (f->family == AF_INET6) {
		__builtin_memcpy(f->saddr, &skc->skc_v6_rcv_saddr, 16);
		__builtin_memcpy(f->daddr, &skc->skc_v6_daddr, 16);
	} else {
		__builtin_memset(f->saddr, 0, 16);
		__builtin_memset(f->daddr, 0, 16);
		*(__u32 *)f->saddr = skc->skc_rcv_saddr;
		*(__u32 *)f->daddr = skc->skc_daddr;
	}
	if (!addr_match(f))
		return false;
	f->sk_err = tp->inet_conn.icsk_inet.sk.sk_err;
	/* only a ->CLOSE can leave a TIME_WAIT socket behind */
	f->done = 0;
	f->abort = 0;
	if (newstate == TCP_CLOSE) {
		f->done = peer_fin_seen_tp(tp);
		f->abort = tp->linger2 < 0;
	}
	return true;
}

static __always_inline int handle_tp(struct sock *sk, int oldstate, int newstate)
{
	struct sk_facts f;
	struct tcp_sock *tp;

	if (oldstate == newstate)
		return 0;
	tp = bpf_skc_to_tcp_sock(sk); /* NULL unless a full TCP socket */
	if (!tp)
		return 0;
	if (!read_tp(&f, tp, newstate)) {
		count(WW_CNT_FILTERED);
		return 0;
	}
	if (bench_stage == 2)
		return 0;
	f.sk = (__u64)sk;
	emit(&f, sk, oldstate, newstate, true);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(ww_set_state, struct sock *sk, int oldstate, int newstate)
{
	__u32 slot = (bpf_get_smp_processor_id() & (BUSY_SLOTS - 1)) * BUSY_STRIDE;

	if (bench_stage == 1)
		return 0;
	busy[slot] = 1;
	handle_tp(sk, oldstate, newstate);
	busy[slot] = 0;
	return 0;
}

/*
 * A transition in a softirq that interrupts ww_set_state on the same CPU
 * is not given to it (one guard per program and CPU), but is given to this
 * one: it takes exactly those, and is otherwise a flag test.
 */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(ww_catch_nested, struct sock *sk, int oldstate, int newstate)
{
	__u32 slot = (bpf_get_smp_processor_id() & (BUSY_SLOTS - 1)) * BUSY_STRIDE;

	if (!busy[slot])
		return 0;
	count(WW_CNT_NESTED);
	return handle_tp(sk, oldstate, newstate);
}

/* ---- classic tracepoint: fallback for kernels without tp_btf -------- */

SEC("tracepoint/sock/inet_sock_set_state")
int ww_set_state_tp(struct trace_event_raw_inet_sock_set_state *ctx)
{
	struct sock *sk = (struct sock *)ctx->skaddr;
	int oldstate = ctx->oldstate, newstate = ctx->newstate;
	struct sk_facts f;

	if (ctx->protocol != IPPROTO_TCP || oldstate == newstate)
		return 0;
	f.netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	f.family = ctx->family;
	f.sport = ctx->sport;
	f.dport = ctx->dport;
	if ((f_netns && f.netns != f_netns) || (f_family && f.family != f_family) ||
	    !port_match(f.sport, f.dport))
		goto filtered;
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
	if (!addr_match(&f))
		goto filtered;
	f.sk_err = BPF_CORE_READ(sk, sk_err);
	f.done = 0;
	f.abort = 0;
	if (newstate == TCP_CLOSE) {
		f.done = peer_fin_seen(sk);
		f.abort = BPF_CORE_READ((struct tcp_sock *)sk, linger2) < 0;
	}
	f.sk = (__u64)ctx->skaddr;
	emit(&f, sk, oldstate, newstate, false);
	return 0;
filtered:
	count(WW_CNT_FILTERED);
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
 * A full socket is reported by its kernel address, as the transition
 * programs name it; user space turns both into the same id.
 */
SEC("iter/tcp")
int ww_dump_tcp(struct bpf_iter__tcp *ctx)
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
			r.sock_id = (__u64)tp;
			r.sock_ino = socket_inode(tp->inet_conn.icsk_inet.sk.sk_socket);
			r.cgroup_id = sock_cgroup((struct sock *)tp);
		}
	}
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
