/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * serve's WebSockets (RFC 6455, framed by libwslay) on a thread of their
 * own: the live page's (/api/v1/ws), pushed every refresh, and trace's
 * event stream (/api/v1/stream). The collector's loop only hands over
 * documents and events, never waits: each client has a bounded send
 * queue, and one that does not read is dropped and counted.
 */
#ifndef WW_WS_H
#define WW_WS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "filter.h"
#include "webview.h"
#include "waitwatch.h"

/* What one refresh publishes: shared, read-only, freed by the last user. */
struct web_docs {
	int refs;
	uint64_t seq;
	uint64_t ts_real_ns;
	enum ww_by by;
	int prefix4, prefix6;
	struct web_row *rows;
	size_t nrows;
	uint32_t totals[WW_TCP_NSTATES];
	char *history, *sample, *diagram, *leaks; /* JSON documents, NUL-terminated */
};

void web_docs__put(struct web_docs *d);
struct web_docs *web_docs__get(struct web_docs *d);
/* *slot = a new reference to d, under lock; the old one is dropped. */
void web_docs__replace(struct web_docs **slot, pthread_mutex_t *lock, struct web_docs *d);
/* A new reference to *slot, taken under lock (put it when done); may be NULL. */
struct web_docs *web_docs__current(struct web_docs **slot, pthread_mutex_t *lock);

/* The table's document of a view of d, NUL-terminated; NULL: out of memory. */
char *web_docs__endpoints(const struct web_docs *d, const struct web_view *v, size_t *len);

#define WS_QUEUE_BYTES (4u << 20)   /* per client, not yet sent: beyond, it is dropped */
#define WS_MAX_MESSAGE 4096         /* from a client: larger is closed (1009) */
#define WS_EVENT_QUEUE 65536        /* events waiting for the stream thread */

struct ws_counters {
	uint64_t clients;          /* open now */
	uint64_t accepted;         /* since start */
	uint64_t dropped;          /* send queue full: did not read */
	uint64_t closed_protocol;  /* a malformed or oversized frame */
	uint64_t messages_sent;
	uint64_t messages_received;
	uint64_t events_dropped;   /* the stream's queue was full */
};

struct ws_hub;
struct MHD_UpgradeResponseHandle;

/* NULL after printing why. mono_to_real_ns: for the events' wall-clock times. */
struct ws_hub *ws_hub__new(int64_t mono_to_real_ns);
void ws_hub__free(struct ws_hub *h);

/*
 * A new client on an upgraded connection: fd, with extra bytes already
 * read past the handshake. stream: trace's events matching f, else the
 * page. The hub closes it through urh. 0, or -errno (then closed).
 */
int ws_hub__add(struct ws_hub *h, int fd, const char *extra, size_t n,
		struct MHD_UpgradeResponseHandle *urh, bool stream, const struct ww_filters *f);

/* The collector's loop, every refresh: takes a reference to d. */
void ws_hub__publish(struct ws_hub *h, struct web_docs *d);

/* The collector's loop, every event: queued for the stream's clients, if any. */
void ws_hub__event(struct ws_hub *h, const struct ww_event *e);

void ws_hub__counters(struct ws_hub *h, struct ws_counters *c);

/* This build frames WebSockets (the static one does not: the page polls). */
bool ws_hub__usable(const struct ws_hub *h);

#endif
