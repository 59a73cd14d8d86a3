// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include "out_trace.h"
#include "format.h"
#include "json_writer.h"

int trace_out__init(struct trace_out *o, FILE *f, bool json, int64_t mono_to_real_ns)
{
	memset(o, 0, sizeof(*o));
	o->f = f;
	o->mono_to_real_ns = mono_to_real_ns;
	o->hms_sec = -1;
	o->json = json;
	return 0;
}

/* The name of the first of two flags that is set, or NULL. */
static const char *flag_name(__u16 flags, __u16 a, const char *a_name, __u16 b, const char *b_name)
{
	return (flags & a) ? a_name : (flags & b) ? b_name : NULL;
}

static const char *dir_name(__u16 flags)
{
	return flag_name(flags, WW_EF_DIR_OUT, "out", WW_EF_DIR_IN, "in");
}

/* The substate of the TIME_WAIT socket a ->CLOSE leaves behind, or NULL. */
static const char *tw_name(__u16 flags)
{
	return flag_name(flags, WW_EF_TW, "TIME_WAIT", WW_EF_TW_FW2, "FIN_WAIT2");
}

/*
 * Lines are formatted straight into a large buffer and written in one call
 * when it fills or the caller flushes (once a drain): no stdio per field.
 */
static void out_flush(struct trace_out *o)
{
	if (o->len)
		fwrite(o->buf, 1, o->len, o->f);
	o->len = 0;
}

/* Room for one more line, the longest possible. */
static char *out_room(struct trace_out *o)
{
	if (o->len + TRACE_LINE_MAX > sizeof(o->buf))
		out_flush(o);
	return o->buf + o->len;
}

static char *put_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

static char *put_u64(char *p, uint64_t v)
{
	char tmp[24], *t = tmp + sizeof(tmp);
	size_t n;

	do
		*--t = '0' + v % 10;
	while (v /= 10);
	n = tmp + sizeof(tmp) - t;
	memcpy(p, t, n);
	return p + n;
}

/* v / 1000 with three decimals: "0.050" */
static char *put_milli(char *p, uint64_t v)
{
	p = put_u64(p, v / 1000);
	*p++ = '.';
	*p++ = '0' + v % 1000 / 100;
	*p++ = '0' + v % 100 / 10;
	*p++ = '0' + v % 10;
	return p;
}

static char *put_ipv4(char *p, const uint8_t *a)
{
	for (int i = 0; i < 4; i++) {
		if (i)
			*p++ = '.';
		p = put_u64(p, a[i]);
	}
	return p;
}

/* As addr_format: IPv4 by hand (the common case), the rest by inet_ntop. */
static char *put_addr(char *p, int family, const uint8_t *a)
{
	char tmp[WW_ADDR_LEN];

	if (family == AF_INET)
		return put_ipv4(p, a);
	if (family == AF_INET6 && addr_is_v4mapped(a))
		return put_ipv4(p, a + 12);
	addr_format(tmp, sizeof(tmp), family, a);
	return put_str(p, tmp);
}

/* Pad with spaces to width, and one more, as "%-*s " does. */
static char *pad(char *from, char *p, int width)
{
	while (p - from < width)
		*p++ = ' ';
	*p++ = ' ';
	return p;
}

/* A comm that JSON can take as it is: printable ASCII, no quote or backslash. */
static bool comm_plain(const char *c)
{
	for (size_t i = 0; i < WW_COMM_LEN && c[i]; i++)
		if (c[i] < 0x20 || c[i] > 0x7e || c[i] == '"' || c[i] == '\\')
			return false;
	return true;
}

static char *put_json_comm(struct trace_out *o, char *p, const char *comm)
{
	*p++ = '"';
	if (comm_plain(comm)) {
		p = (char *)memcpy(p, comm, strnlen(comm, WW_COMM_LEN)) + strnlen(comm, WW_COMM_LEN);
	} else {
		/* rare: the escaping of the JSON writer, in order with the buffer */
		o->len = p - o->buf;
		out_flush(o);
		json_escape(o->f, comm, WW_COMM_LEN);
		p = o->buf;
	}
	*p++ = '"';
	return p;
}

#define KEY(p, k) put_str(p, ",\"" k "\":")

/* A name from a runtime's files: escaped by the JSON writer, in order with the buffer. */
static char *put_json_text(struct trace_out *o, char *p, const char *s)
{
	*p++ = '"';
	o->len = p - o->buf;
	out_flush(o);
	json_escape(o->f, s, strlen(s));
	p = o->buf;
	*p++ = '"';
	return p;
}

/* ,"container":...,"pod":...,"pod_namespace":...,"unit":... where known */
static char *format_cg_names(struct trace_out *o, char *p, __u64 cgroup_id)
{
	static const enum cg_field fields[] = { CGF_CONTAINER, CGF_POD, CGF_POD_NAMESPACE, CGF_UNIT };
	const struct cg_names *n = o->names && cgroup_id ? o->names(o->names_ctx, cgroup_id) : NULL;
	char buf[CG_ID_LEN];

	for (size_t i = 0; n && i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *v = cg_names_field(n, fields[i], buf, sizeof(buf));

		if (!v[0])
			continue;
		p = put_str(put_str(put_str(p, ",\""), cg_field_names[fields[i]]), "\":");
		p = put_json_text(o, p, v);
	}
	return p;
}

/* The same, from the last cgroup's copy when it is the same cgroup. */
static char *put_cg_names(struct trace_out *o, char *p, __u64 cgroup_id)
{
	char *end;

	if (o->cg_valid && o->cg_last == cgroup_id) {
		memcpy(p, o->cg_json, o->cg_len);
		return p + o->cg_len;
	}
	end = format_cg_names(o, p, cgroup_id);
	o->cg_valid = (size_t)(end - p) <= sizeof(o->cg_json);
	if (o->cg_valid) {
		o->cg_last = cgroup_id;
		o->cg_len = end - p;
		memcpy(o->cg_json, p, o->cg_len);
	}
	return end;
}

static char *put_str_or_null(char *p, const char *s)
{
	if (!s)
		return put_str(p, "null");
	*p++ = '"';
	p = put_str(p, s);
	*p++ = '"';
	return p;
}

static void event_json(struct trace_out *o, const struct ww_event *e)
{
	char tbuf[40], *p = out_room(o);

	time_iso8601(tbuf, sizeof(tbuf), mono_to_real(e->ts_ns, o->mono_to_real_ns));
	p = put_str(p, "{\"time\":\"");
	p = put_str(p, tbuf);
	p = put_str(p, "\",\"ts_ns\":");
	p = put_u64(p, e->ts_ns);
	if (e->flags & WW_EF_OWNER) {
		p = put_u64(KEY(p, "pid"), e->pid);
		p = put_json_comm(o, KEY(p, "comm"), e->comm);
	} else {
		p = put_str(p, ",\"pid\":null,\"comm\":null");
	}
	p = put_u64(KEY(p, "netns"), e->netns);
	p = put_u64(KEY(p, "family"), addr_display_family(e->family, e->saddr));
	p = put_str(KEY(p, "laddr"), "\"");
	p = put_addr(p, e->family, e->saddr);
	p = put_u64(put_str(p, "\",\"lport\":"), e->sport);
	p = put_str(KEY(p, "raddr"), "\"");
	p = put_addr(p, e->family, e->daddr);
	p = put_u64(put_str(p, "\",\"rport\":"), e->dport);
	p = put_str_or_null(KEY(p, "old"), tcp_state_name(e->oldstate));
	p = put_str_or_null(KEY(p, "new"), tcp_state_name(e->newstate));
	p = KEY(p, "ms");
	if (e->flags & WW_EF_DWELL)
		p = put_milli(p, (e->dwell_ns + 500) / 1000); /* ms, rounded to the us */
	else
		p = put_str(p, "null");
	p = put_str_or_null(KEY(p, "dir"), dir_name(e->flags));
	p = put_u64(KEY(p, "sk_err"), e->sk_err);
	p = put_str_or_null(KEY(p, "tw"), tw_name(e->flags));
	p = put_u64(KEY(p, "cgroup_id"), e->cgroup_id);
	p = put_cg_names(o, p, e->cgroup_id);
	p = put_u64(KEY(p, "sock_ino"), e->sock_ino);
	p = put_u64(KEY(p, "sock_id"), e->sock_id);
	p = put_str(p, "}\n");
	o->len = p - o->buf;
}

/* comm may hold any byte: show control bytes as '?' in the table. */
static char *put_printable_comm(char *p, const char *src)
{
	text_printable(p, WW_COMM_LEN, src, WW_COMM_LEN - 1);
	return p + strlen(p);
}

/* "HH:MM:SS" in local time, made once a second. */
static const char *local_hms(struct trace_out *o, time_t sec)
{
	struct tm tm;

	if (sec != o->hms_sec) {
		localtime_r(&sec, &tm);
		strftime(o->hms, sizeof(o->hms), "%H:%M:%S", &tm);
		o->hms_sec = sec;
	}
	return o->hms;
}

static char *put_addrport(char *p, int family, const uint8_t *a, uint16_t port)
{
	bool v6 = addr_display_family(family, a) == 6;

	if (v6)
		*p++ = '[';
	p = put_addr(p, family, a);
	if (v6)
		*p++ = ']';
	*p++ = ':';
	return put_u64(p, port);
}

static void event_row(struct trace_out *o, const struct ww_event *e)
{
	time_t sec = (mono_to_real(e->ts_ns, o->mono_to_real_ns)) / 1000000000ll;
	char *p, *col;

	if (!o->header_done) {
		fprintf(o->f, "%-8s  %-7s %-15s %-11s %-26s %-26s %-24s %s\n", "TIME", "PID",
			"COMM", "NETNS", "LADDR:LPORT", "RADDR:RPORT", "OLD -> NEW", "MS");
		o->header_done = true;
	}
	p = col = out_room(o);
	p = put_str(p, local_hms(o, sec));
	p = pad(col, p, 8);
	*p++ = ' ';
	col = p;
	p = (e->flags & WW_EF_OWNER) ? put_u64(p, e->pid) : put_str(p, "-");
	p = pad(col, p, 7);
	col = p;
	p = (e->flags & WW_EF_OWNER) ? put_printable_comm(p, e->comm) : put_str(p, "-");
	p = pad(col, p, 15);
	col = p;
	p = pad(col, put_u64(p, e->netns), 11);
	col = p;
	p = pad(col, put_addrport(p, e->family, e->saddr, e->sport), 26);
	col = p;
	p = pad(col, put_addrport(p, e->family, e->daddr, e->dport), 26);
	col = p;
	p = put_str(p, tcp_state_name(e->oldstate));
	p = put_str(p, " -> ");
	p = put_str(p, tcp_state_name(e->newstate));
	p = pad(col, p, 24);
	p = (e->flags & WW_EF_DWELL) ? put_milli(p, (e->dwell_ns + 500) / 1000) : put_str(p, "-");
	*p++ = '\n';
	o->len = p - o->buf;
}

void trace_out__event(struct trace_out *o, const struct ww_event *e)
{
	if (o->json)
		event_json(o, e);
	else
		event_row(o, e);
}

void trace_out__flush(struct trace_out *o)
{
	o->cg_valid = false;
	out_flush(o);
}

void trace_out__fini(struct trace_out *o)
{
	out_flush(o);
}
