// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include <time.h>
#include "out_trace.h"
#include "format.h"
#include "json_writer.h"

int64_t clock_mono_to_real_ns(void)
{
	struct timespec mono, real;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	return (real.tv_sec - mono.tv_sec) * 1000000000ll + (real.tv_nsec - mono.tv_nsec);
}

int trace_out_init(struct trace_out *o, FILE *f, bool json, int64_t mono_to_real_ns)
{
	memset(o, 0, sizeof(*o));
	o->f = f;
	o->mono_to_real_ns = mono_to_real_ns;
	if (json) {
		o->jw = jw_new(f);
		if (!o->jw)
			return -ENOMEM;
	}
	return 0;
}

void trace_out_fini(struct trace_out *o)
{
	jw_free(o->jw);
	o->jw = NULL;
}

static const char *dir_name(__u16 flags)
{
	if (flags & WW_EF_DIR_OUT)
		return "out";
	if (flags & WW_EF_DIR_IN)
		return "in";
	return NULL;
}

static const char *tw_name(__u16 flags)
{
	if (flags & WW_EF_TW)
		return "TIME_WAIT";
	if (flags & WW_EF_TW_FW2)
		return "FIN_WAIT2";
	return NULL;
}

static void kv_string_or_null(struct json_writer *jw, const char *name, const char *s)
{
	if (s)
		jw_kv_string(jw, name, s);
	else
		jw_kv_null(jw, name);
}

static void event_json(struct trace_out *o, const struct ww_event *e)
{
	struct json_writer *jw = o->jw;
	char buf[WW_ADDR_LEN];

	jw_start_object(jw);
	time_iso8601(buf, sizeof(buf), mono_to_real(e->ts_ns, o->mono_to_real_ns));
	jw_kv_string(jw, "time", buf);
	jw_kv_uint(jw, "ts_ns", e->ts_ns);
	if (e->flags & WW_EF_OWNER) {
		jw_kv_uint(jw, "pid", e->pid);
		jw_name(jw, "comm");
		jw_string_n(jw, e->comm, sizeof(e->comm));
	} else {
		jw_kv_null(jw, "pid");
		jw_kv_null(jw, "comm");
	}
	jw_kv_uint(jw, "netns", e->netns);
	jw_kv_uint(jw, "family", addr_display_family(e->family, e->saddr));
	addr_format(buf, sizeof(buf), e->family, e->saddr);
	jw_kv_string(jw, "laddr", buf);
	jw_kv_uint(jw, "lport", e->sport);
	addr_format(buf, sizeof(buf), e->family, e->daddr);
	jw_kv_string(jw, "raddr", buf);
	jw_kv_uint(jw, "rport", e->dport);
	jw_kv_string(jw, "old", tcp_state_name(e->oldstate));
	jw_kv_string(jw, "new", tcp_state_name(e->newstate));
	jw_name(jw, "ms");
	if (e->flags & WW_EF_DWELL)
		jw_decimal(jw, (e->dwell_ns + 500) / 1000, 3); /* ms, rounded to the us */
	else
		jw_null(jw);
	kv_string_or_null(jw, "dir", dir_name(e->flags));
	jw_kv_uint(jw, "sk_err", e->sk_err);
	kv_string_or_null(jw, "tw", tw_name(e->flags));
	jw_kv_uint(jw, "cgroup_id", e->cgroup_id);
	jw_kv_uint(jw, "sock_ino", e->sock_ino);
	jw_kv_uint(jw, "sock_id", e->sock_id);
	jw_end_object(jw);
}

/* comm may hold any byte: show control bytes as '?' in the table. */
static void printable_comm(char *dst, const char *src, size_t len)
{
	size_t i;

	for (i = 0; i < len - 1 && src[i]; i++)
		dst[i] = (src[i] < 0x20 || src[i] == 0x7f) ? '?' : src[i];
	dst[i] = 0;
}

static void event_row(struct trace_out *o, const struct ww_event *e)
{
	char laddr[WW_ADDRPORT_LEN], raddr[WW_ADDRPORT_LEN], tstr[16], trans[32];
	char comm[WW_COMM_LEN], pid[16], ms[24];
	time_t sec = (mono_to_real(e->ts_ns, o->mono_to_real_ns)) / 1000000000ll;
	struct tm tm;

	if (!o->header_done) {
		fprintf(o->f, "%-8s  %-7s %-15s %-11s %-26s %-26s %-24s %s\n", "TIME", "PID",
			"COMM", "NETNS", "LADDR:LPORT", "RADDR:RPORT", "OLD -> NEW", "MS");
		o->header_done = true;
	}
	localtime_r(&sec, &tm);
	strftime(tstr, sizeof(tstr), "%H:%M:%S", &tm);
	addrport_format(laddr, sizeof(laddr), e->family, e->saddr, e->sport);
	addrport_format(raddr, sizeof(raddr), e->family, e->daddr, e->dport);
	snprintf(trans, sizeof(trans), "%s -> %s", tcp_state_name(e->oldstate),
		 tcp_state_name(e->newstate));
	if (e->flags & WW_EF_OWNER) {
		snprintf(pid, sizeof(pid), "%u", e->pid);
		printable_comm(comm, e->comm, sizeof(comm));
	} else {
		strcpy(pid, "-");
		strcpy(comm, "-");
	}
	if (e->flags & WW_EF_DWELL) {
		unsigned long long us = (e->dwell_ns + 500) / 1000; /* as in the JSON */

		snprintf(ms, sizeof(ms), "%llu.%03llu", us / 1000, us % 1000);
	}
	else
		strcpy(ms, "-");
	fprintf(o->f, "%-8s  %-7s %-15s %-11u %-26s %-26s %-24s %s\n", tstr, pid, comm, e->netns,
		laddr, raddr, trans, ms);
}

void trace_out_event(struct trace_out *o, const struct ww_event *e)
{
	if (o->jw)
		event_json(o, e);
	else
		event_row(o, e);
}
