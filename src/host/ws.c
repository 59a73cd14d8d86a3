// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One thread serves every WebSocket: an epoll over the clients' sockets
 * and an eventfd the collector's loop rings when it has published a
 * refresh or queued events. Each client is a libwslay event context on a
 * non-blocking socket; what it has not taken yet stays in wslay's queue,
 * whose size is checked before every message: past WS_QUEUE_BYTES the
 * client is dropped, so that a reader that stalls costs a bounded amount
 * of memory and nobody else's time.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include <wslay/wslay.h>
#include "json_writer.h"
#include "log.h"
#include "out_trace.h"
#include "out_web.h"
#include "ws.h"

#define WS_EPOLL_BATCH 64

struct ws_client {
	struct ws_hub *hub;
	struct ws_client *next;
	int fd;
	struct MHD_UpgradeResponseHandle *urh;
	wslay_event_context_ptr ctx;
	bool stream;
	struct stream_group *group; /* stream: its clients of the same filters */
	struct ws_client *gnext;
	bool closing;             /* to be freed at the end of this turn */
	bool protocol_error;
	struct ww_filters filters; /* stream */
	struct web_view view;      /* page */
	uint64_t seq_sent;         /* page: the refresh last sent; 0 none */
	char *extra;               /* bytes read past the handshake, fed first */
	size_t extra_len, extra_off;
	uint32_t events_mask;      /* in epoll now */
};

/*
 * The stream's clients, by their filters: an event is matched once per
 * distinct set of filters, not once per client (a thousand viewers of one
 * endpoint cost one match).
 */
struct stream_group {
	struct ww_filters f;
	struct ws_client *members;
	struct stream_group *next;
};

struct ws_hub {
	pthread_t thread;
	bool running;
	int epfd, evfd;
	int64_t mono_to_real_ns;
	pthread_mutex_t lock; /* guards what the other threads hand over, and the counters */
	struct web_docs *docs;
	struct ws_client *incoming; /* added by the HTTP thread, not yet in epoll */
	struct ww_event *events;    /* ring of WS_EVENT_QUEUE */
	size_t ev_head, ev_n;
	bool stop;
	bool usable;                /* wslay can make a context */
	struct ws_counters cnt;
	unsigned int nstreams;      /* read without the lock by the collector's loop */
	/* the hub's thread only */
	struct ws_client *clients;
	struct stream_group *groups;
	struct trace_out *trace;
	char *trace_text;
	size_t trace_len;
	FILE *trace_f;
};

/* ---- shared documents ----------------------------------------------------------- */

struct web_docs *web_docs__get(struct web_docs *d)
{
	if (d)
		__atomic_add_fetch(&d->refs, 1, __ATOMIC_ACQ_REL);
	return d;
}

void web_docs__put(struct web_docs *d)
{
	if (!d || __atomic_sub_fetch(&d->refs, 1, __ATOMIC_ACQ_REL))
		return;
	free(d->rows);
	free(d->history);
	free(d->sample);
	free(d->diagram);
	free(d->leaks);
	free(d);
}

char *web_docs__endpoints(const struct web_docs *d, const struct web_view *v, size_t *len)
{
	struct web_row *rows = calloc(d->nrows ? d->nrows : 1, sizeof(*rows));
	struct json_writer *jw;
	struct web_table t = {
		.rows = rows, .total_rows = d->nrows, .totals = d->totals, .by = d->by,
		.view = v, .ts_real_ns = d->ts_real_ns,
	};
	char *text = NULL;
	FILE *f;

	if (!rows)
		return NULL;
	t.nrows = web_rows_view(d->rows, d->nrows, v, d->by, d->prefix4, d->prefix6, rows);
	f = open_memstream(&text, len);
	if (f && (jw = jw__new(f))) {
		out_web_endpoints(jw, &t);
		jw__free(jw);
	}
	if (!f || fclose(f)) {
		free(text);
		text = NULL;
	}
	while (text && *len && text[*len - 1] == '\n') /* the writer ends a document with one */
		text[--*len] = 0;
	free(rows);
	return text;
}

/* ---- one client --------------------------------------------------------------------- */

static ssize_t on_recv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
		       void *user)
{
	struct ws_client *c = user;
	ssize_t n;

	if (c->extra_off < c->extra_len) {
		n = c->extra_len - c->extra_off < len ? c->extra_len - c->extra_off : len;
		memcpy(buf, c->extra + c->extra_off, n);
		c->extra_off += n;
		return n;
	}
	n = recv(c->fd, buf, len, MSG_DONTWAIT);
	if (n > 0)
		return n;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
	else
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE); /* 0: the peer closed */
	return -1;
}

static ssize_t on_send(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags,
		       void *user)
{
	struct ws_client *c = user;
	ssize_t n = send(c->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);

	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
	else
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

static void count(struct ws_hub *h, uint64_t *counter, uint64_t n)
{
	pthread_mutex_lock(&h->lock);
	*counter += n;
	pthread_mutex_unlock(&h->lock);
}

/*
 * Queue a text message, unless the client has not taken WS_QUEUE_BYTES
 * yet: then it is dropped (it does not read), and counted.
 */
static void client_send(struct ws_client *c, const char *msg, size_t len)
{
	struct wslay_event_msg m = { .opcode = WSLAY_TEXT_FRAME, .msg = (const uint8_t *)msg,
				     .msg_length = len };

	if (c->closing)
		return;
	if (wslay_event_get_queued_msg_length(c->ctx) + len > WS_QUEUE_BYTES) {
		dlog("websocket: dropped a client that did not read");
		count(c->hub, &c->hub->cnt.dropped, 1);
		c->closing = true;
		return;
	}
	if (wslay_event_queue_msg(c->ctx, &m)) {
		c->closing = true;
		return;
	}
	count(c->hub, &c->hub->cnt.messages_sent, 1);
}

/*
 * The page's update: the table of its view, the last sample of the
 * history (the whole history in the first one), the diagram's figures
 * and the leak suspects.
 */
/* The update message of a view of d, NUL-terminated; NULL: out of memory. */
static char *update_message(const struct web_docs *d, const struct web_view *v, const char *type,
			    bool whole_history, size_t *len)
{
	size_t elen = 0;
	char *endpoints = web_docs__endpoints(d, v, &elen), *msg = NULL;
	FILE *f = endpoints ? open_memstream(&msg, len) : NULL;

	if (!f) {
		free(endpoints);
		return NULL;
	}
	fprintf(f, "{\"version\":%d,\"type\":\"%s\",\"seq\":%llu,\"endpoints\":%s,", WEB_API_VERSION,
		type, (unsigned long long)d->seq, endpoints);
	if (whole_history)
		fprintf(f, "\"history\":%s,", d->history);
	else
		fprintf(f, "\"sample\":%s,", d->sample);
	fprintf(f, "\"diagram\":%s,\"leaks\":%s}", d->diagram, d->leaks);
	free(endpoints);
	if (fclose(f)) {
		free(msg);
		return NULL;
	}
	return msg;
}

static void send_update(struct ws_client *c, const struct web_docs *d, const char *type)
{
	size_t len = 0;
	char *msg = update_message(d, &c->view, type, !c->seq_sent, &len);

	if (msg)
		client_send(c, msg, len);
	c->seq_sent = d->seq;
	free(msg);
}

static void on_message(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg,
		       void *user)
{
	struct ws_client *c = user;
	struct web_docs *d;

	if (wslay_is_ctrl_frame(arg->opcode))
		return; /* wslay answers pings and closes itself */
	count(c->hub, &c->hub->cnt.messages_received, 1);
	if (c->stream || arg->opcode != WSLAY_TEXT_FRAME)
		return; /* the stream only talks */
	d = web_docs__current(&c->hub->docs, &c->hub->lock);
	if (!d)
		return;
	if (web_command_apply((const char *)arg->msg, arg->msg_length, d->by, &c->view)) {
		static const char bad[] = "{\"version\":1,\"type\":\"error\",\"error\":"
					  "\"unknown command\"}";

		client_send(c, bad, sizeof(bad) - 1);
	} else {
		send_update(c, d, "view");
	}
	web_docs__put(d);
}

static const struct wslay_event_callbacks callbacks = {
	.recv_callback = on_recv,
	.send_callback = on_send,
	.on_msg_recv_callback = on_message,
};

/* The close wslay sent says the client broke the protocol (or sent too much). */
static bool closed_for_protocol(wslay_event_context_ptr ctx)
{
	uint16_t code;

	if (!wslay_event_get_close_sent(ctx))
		return false;
	code = wslay_event_get_status_code_sent(ctx);
	return code == WSLAY_CODE_PROTOCOL_ERROR || code == WSLAY_CODE_UNSUPPORTED_DATA ||
	       code == WSLAY_CODE_INVALID_FRAME_PAYLOAD_DATA || code == WSLAY_CODE_MESSAGE_TOO_BIG;
}

/*
 * What the client sent and nobody will read, dropped before the close: a
 * socket closed with unread bytes resets the connection, and the reset
 * can overtake the close frame that says why.
 */
static void drain(int fd)
{
	char buf[4096];

	for (int i = 0; i < 64 && recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0; i++)
		;
}

/* c into the group of its filters (made if none); false: out of memory. */
static bool group_join(struct ws_hub *h, struct ws_client *c)
{
	struct stream_group *g;

	for (g = h->groups; g; g = g->next)
		if (!memcmp(&g->f, &c->filters, sizeof(g->f)))
			break;
	if (!g) {
		g = calloc(1, sizeof(*g));
		if (!g)
			return false;
		g->f = c->filters;
		g->next = h->groups;
		h->groups = g;
	}
	c->group = g;
	c->gnext = g->members;
	g->members = c;
	return true;
}

static void group_leave(struct ws_hub *h, struct ws_client *c)
{
	struct stream_group *g = c->group, **gp;
	struct ws_client **pp;

	if (!g)
		return;
	for (pp = &g->members; *pp && *pp != c; pp = &(*pp)->gnext)
		;
	if (*pp)
		*pp = c->gnext;
	c->group = NULL;
	if (g->members)
		return;
	for (gp = &h->groups; *gp && *gp != g; gp = &(*gp)->next)
		;
	if (*gp)
		*gp = g->next;
	free(g);
}

static void client_free(struct ws_client *c)
{
	struct ws_hub *h = c->hub;

	group_leave(h, c);
	epoll_ctl(h->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	if (c->ctx) {
		c->protocol_error |= closed_for_protocol(c->ctx);
		wslay_event_context_free(c->ctx);
	}
	drain(c->fd);
	MHD_upgrade_action(c->urh, MHD_UPGRADE_ACTION_CLOSE); /* closes fd */
	pthread_mutex_lock(&h->lock);
	h->cnt.clients--;
	h->cnt.closed_protocol += c->protocol_error;
	__atomic_sub_fetch(&h->nstreams, c->stream, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&h->lock);
	free(c->extra);
	free(c);
}

/* What epoll watches for c: what wslay wants; nothing more: the client is done. */
static void client_arm(struct ws_client *c)
{
	uint32_t ev = (wslay_event_want_read(c->ctx) ? EPOLLIN : 0) |
		      (wslay_event_want_write(c->ctx) ? EPOLLOUT : 0);
	struct epoll_event e = { .events = ev | EPOLLRDHUP, .data.ptr = c };

	if (!ev) {
		c->closing = true;
		return;
	}
	if (ev == c->events_mask)
		return;
	if (epoll_ctl(c->hub->epfd, EPOLL_CTL_MOD, c->fd, &e))
		c->closing = true;
	c->events_mask = ev;
}

static void client_io(struct ws_client *c, uint32_t ev)
{
	int err = 0;

	if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP))
		err = wslay_event_recv(c->ctx);
	if (!err && (ev & EPOLLOUT))
		err = wslay_event_send(c->ctx);
	if (err) {
		c->protocol_error = err == WSLAY_ERR_PROTO || err == WSLAY_ERR_INVALID_ARGUMENT;
		c->closing = true;
	}
}

/* ---- the thread ------------------------------------------------------------------------ */

static void adopt(struct ws_hub *h)
{
	struct ws_client *in;

	pthread_mutex_lock(&h->lock);
	in = h->incoming;
	h->incoming = NULL;
	pthread_mutex_unlock(&h->lock);
	while (in) {
		struct ws_client *c = in;
		struct epoll_event e = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = c };

		in = in->next;
		c->next = h->clients;
		h->clients = c;
		c->events_mask = EPOLLIN;
		if (epoll_ctl(h->epfd, EPOLL_CTL_ADD, c->fd, &e) ||
		    (c->stream && !group_join(h, c)))
			c->closing = true;
		if (c->extra_len)
			client_io(c, EPOLLIN);
	}
}

static bool default_view(const struct web_view *v)
{
	return v->group == WEB_GROUP_ENDPOINT && !v->filter[0] && !v->selected[0];
}

/*
 * Each page's update of this refresh. Most pages keep the default view:
 * their update is the same message, rendered once.
 */
static void send_refresh(struct ws_hub *h)
{
	static const struct web_view none = { .group = WEB_GROUP_ENDPOINT };
	struct web_docs *d = web_docs__current(&h->docs, &h->lock);
	char *shared = NULL;
	size_t len = 0;

	if (!d)
		return;
	for (struct ws_client *c = h->clients; c; c = c->next) {
		if (c->stream || c->seq_sent == d->seq)
			continue;
		if (!c->seq_sent || !default_view(&c->view)) {
			send_update(c, d, c->seq_sent ? "update" : "hello");
			continue;
		}
		if (!shared)
			shared = update_message(d, &none, "update", false, &len);
		if (shared)
			client_send(c, shared, len);
		c->seq_sent = d->seq;
	}
	free(shared);
	web_docs__put(d);
}

/* The event as trace --json writes it, without its newline, into h->trace_text; its length. */
static size_t format_event(struct ws_hub *h, const struct ww_event *e)
{
	long pos;

	rewind(h->trace_f);
	trace_out__event(h->trace, e);
	trace_out__flush(h->trace);
	pos = fflush(h->trace_f) ? -1 : ftell(h->trace_f);
	if (pos <= 0)
		return 0;
	while (pos && h->trace_text[pos - 1] == '\n')
		pos--;
	return pos;
}

/* One event to each stream client it matches: matched once per group, formatted once. */
static void send_event(struct ws_hub *h, const struct ww_event *e)
{
	size_t len = 0;
	bool formatted = false;

	for (struct stream_group *g = h->groups; g; g = g->next) {
		if (!filters__match_event(&g->f, e))
			continue;
		if (!formatted) {
			len = format_event(h, e);
			formatted = true;
		}
		for (struct ws_client *c = g->members; c && len; c = c->gnext)
			client_send(c, h->trace_text, len);
	}
}

/*
 * Hand what the stream clients have queued to their sockets, so that a
 * burst of events counts against a client's queue only for what its
 * socket does not take at once.
 */
static void flush_streams(struct ws_hub *h)
{
	for (struct stream_group *g = h->groups; g; g = g->next)
		for (struct ws_client *c = g->members; c; c = c->gnext)
			if (!c->closing && wslay_event_want_write(c->ctx) &&
			    wslay_event_send(c->ctx))
				c->closing = true;
}

static void send_events(struct ws_hub *h)
{
	struct ww_event batch[256];
	size_t n;

	do {
		pthread_mutex_lock(&h->lock);
		for (n = 0; n < 256 && h->ev_n; n++) {
			batch[n] = h->events[(h->ev_head + WS_EVENT_QUEUE - h->ev_n) % WS_EVENT_QUEUE];
			h->ev_n--;
		}
		pthread_mutex_unlock(&h->lock);
		for (size_t i = 0; i < n; i++)
			send_event(h, &batch[i]);
		if (n)
			flush_streams(h);
	} while (n);
}

/* After a turn: flush what was queued, free the clients that are done. */
static void settle(struct ws_hub *h)
{
	struct ws_client **pp = &h->clients;

	while (*pp) {
		struct ws_client *c = *pp;

		if (!c->closing && wslay_event_want_write(c->ctx) && wslay_event_send(c->ctx))
			c->closing = true;
		if (!c->closing)
			client_arm(c);
		if (c->closing) {
			*pp = c->next;
			client_free(c);
			continue;
		}
		pp = &c->next;
	}
}

static void *hub_main(void *arg)
{
	struct ws_hub *h = arg;
	struct epoll_event ev[WS_EPOLL_BATCH];

	for (;;) {
		int n = epoll_wait(h->epfd, ev, WS_EPOLL_BATCH, 1000);
		bool stop;

		for (int i = 0; i < n; i++) {
			if (ev[i].data.ptr == h) {
				uint64_t v;

				if (read(h->evfd, &v, sizeof(v)) < 0 && errno != EAGAIN)
					elog("websocket: eventfd: %s", strerror(errno));
				continue;
			}
			client_io(ev[i].data.ptr, ev[i].events);
		}
		pthread_mutex_lock(&h->lock);
		stop = h->stop;
		pthread_mutex_unlock(&h->lock);
		if (stop)
			break;
		adopt(h);
		send_refresh(h);
		send_events(h);
		settle(h);
	}
	for (struct ws_client *c = h->clients; c;) {
		struct ws_client *next = c->next;

		client_free(c);
		c = next;
	}
	h->clients = NULL;
	return NULL;
}

static void wake(struct ws_hub *h)
{
	uint64_t one = 1;

	if (write(h->evfd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		dlog("websocket: eventfd: %s", strerror(errno));
}

/* ---- the other threads' side ---------------------------------------------------------- */

int ws_hub__add(struct ws_hub *h, int fd, const char *extra, size_t n,
		struct MHD_UpgradeResponseHandle *urh, bool stream, const struct ww_filters *f)
{
	struct ws_client *c = calloc(1, sizeof(*c));
	int fl = fcntl(fd, F_GETFL);

	if (!c || fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) ||
	    wslay_event_context_server_init(&c->ctx, &callbacks, c) ||
	    (n && !(c->extra = malloc(n)))) {
		if (c && c->ctx)
			wslay_event_context_free(c->ctx);
		free(c);
		MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
		return -ENOMEM;
	}
	wslay_event_config_set_max_recv_msg_length(c->ctx, WS_MAX_MESSAGE);
	c->hub = h;
	c->fd = fd;
	c->urh = urh;
	c->stream = stream;
	if (f) /* bytes, padding too: the groups compare them with memcmp */
		memcpy(&c->filters, f, sizeof(c->filters));
	if (n)
		memcpy(c->extra, extra, n);
	c->extra_len = n;
	pthread_mutex_lock(&h->lock);
	c->next = h->incoming;
	h->incoming = c;
	h->cnt.clients++;
	h->cnt.accepted++;
	__atomic_add_fetch(&h->nstreams, stream, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&h->lock);
	wake(h);
	return 0;
}

void web_docs__replace(struct web_docs **slot, pthread_mutex_t *lock, struct web_docs *d)
{
	struct web_docs *old;

	pthread_mutex_lock(lock);
	old = *slot;
	*slot = web_docs__get(d);
	pthread_mutex_unlock(lock);
	web_docs__put(old); /* outside the lock: it may free */
}

struct web_docs *web_docs__current(struct web_docs **slot, pthread_mutex_t *lock)
{
	struct web_docs *d;

	pthread_mutex_lock(lock);
	d = web_docs__get(*slot);
	pthread_mutex_unlock(lock);
	return d;
}

void ws_hub__publish(struct ws_hub *h, struct web_docs *d)
{
	web_docs__replace(&h->docs, &h->lock, d);
	wake(h);
}

void ws_hub__event(struct ws_hub *h, const struct ww_event *e)
{
	bool first;

	if (!__atomic_load_n(&h->nstreams, __ATOMIC_RELAXED))
		return;
	pthread_mutex_lock(&h->lock);
	if (h->ev_n == WS_EVENT_QUEUE) {
		h->cnt.events_dropped++;
		pthread_mutex_unlock(&h->lock);
		return;
	}
	h->events[h->ev_head] = *e;
	h->ev_head = (h->ev_head + 1) % WS_EVENT_QUEUE;
	first = !h->ev_n++;
	pthread_mutex_unlock(&h->lock);
	if (first)
		wake(h);
}

void ws_hub__counters(struct ws_hub *h, struct ws_counters *c)
{
	pthread_mutex_lock(&h->lock);
	*c = h->cnt;
	pthread_mutex_unlock(&h->lock);
}

static void hub_free(struct ws_hub *h)
{
	if (h->epfd >= 0)
		close(h->epfd);
	if (h->evfd >= 0)
		close(h->evfd);
	if (h->trace)
		trace_out__fini(h->trace);
	free(h->trace);
	if (h->trace_f)
		fclose(h->trace_f);
	free(h->trace_text);
	free(h->events);
	web_docs__put(h->docs);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

/* Whether libwslay is there for real (the static build has a stand-in). */
static bool can_frame(void)
{
	wslay_event_context_ptr ctx = NULL;

	if (wslay_event_context_server_init(&ctx, &callbacks, NULL))
		return false;
	wslay_event_context_free(ctx);
	return true;
}

bool ws_hub__usable(const struct ws_hub *h)
{
	return h->usable;
}

struct ws_hub *ws_hub__new(int64_t mono_to_real_ns)
{
	struct ws_hub *h = calloc(1, sizeof(*h));
	struct epoll_event e = { .events = EPOLLIN };

	if (!h) {
		elog("out of memory");
		return NULL;
	}
	pthread_mutex_init(&h->lock, NULL);
	h->mono_to_real_ns = mono_to_real_ns;
	h->epfd = epoll_create1(EPOLL_CLOEXEC);
	h->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	h->events = calloc(WS_EVENT_QUEUE, sizeof(*h->events));
	h->trace = calloc(1, sizeof(*h->trace));
	h->trace_f = open_memstream(&h->trace_text, &h->trace_len);
	e.data.ptr = h;
	if (h->epfd < 0 || h->evfd < 0 || !h->events || !h->trace || !h->trace_f ||
	    trace_out__init(h->trace, h->trace_f, true, mono_to_real_ns) ||
	    epoll_ctl(h->epfd, EPOLL_CTL_ADD, h->evfd, &e)) {
		elog("websocket: cannot start: %s", strerror(errno ?: ENOMEM));
		hub_free(h);
		return NULL;
	}
	h->usable = can_frame();
	if (!h->usable)
		vlog("websocket: this build has no WebSocket framing; the page will poll");
	if ((errno = pthread_create(&h->thread, NULL, hub_main, h))) {
		elog("websocket: cannot start its thread: %s", strerror(errno));
		hub_free(h);
		return NULL;
	}
	h->running = true;
	return h;
}

void ws_hub__free(struct ws_hub *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	h->stop = true;
	pthread_mutex_unlock(&h->lock);
	wake(h);
	if (h->running)
		pthread_join(h->thread, NULL);
	for (struct ws_client *c = h->incoming; c;) {
		struct ws_client *next = c->next;

		c->next = NULL;
		h->clients = c;
		client_free(c);
		c = next;
	}
	h->clients = NULL;
	hub_free(h);
}
