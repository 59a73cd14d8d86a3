/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The /metrics endpoint, on libmicrohttpd's own thread. The main loop
 * publishes each new page (plain and gzip); a scrape only copies the last
 * published page under a short lock, so a slow or hostile client can never
 * delay event consumption.
 */
#ifndef WW_HTTP_H
#define WW_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct http_server;
struct web_setup;
struct web_docs;
struct ww_filters;
struct ww_event;
struct ws_counters;

struct http_opts {
	struct sockaddr_storage addr;
	unsigned int max_connections; /* beyond: new connections are closed at once */
	unsigned int timeout_s;       /* idle or slow connections are closed after it */
	size_t memory_limit;          /* per connection; larger headers get 431 */
	int fd;                       /* the listen socket, from http__listen */
	const struct web_setup *web;  /* TLS and passwords; NULL: plain HTTP, open */
	int64_t mono_to_real_ns;      /* the stream's wall-clock times */
	/*
	 * A query parameter of /api/v1/stream, as trace's option of that name
	 * ("netns", "port", ...): 0, or -EINVAL with err set (400).
	 */
	int (*stream_filter)(const char *name, const char *value, struct ww_filters *f, char *err,
			     size_t errlen);
};

#define WW_DEFAULT_PORT 10061
#define WW_HTTP_MAX_CONNECTIONS 1024
#define WW_HTTP_TIMEOUT_S 10
#define WW_HTTP_MEMORY_LIMIT (32 * 1024)

/* "127.0.0.1:10061", "[::]:10061", "0.0.0.0:10061", ":10061" (all IPv4). */
int http_parse_listen(const char *s, struct sockaddr_storage *out, char *err, size_t errlen);

/* Bind and listen on o->addr into o->fd; 0 or -errno after printing why (port in use). */
int http__listen(struct http_opts *o);
/* Starts serving on o->fd (its thread); NULL after printing why. Closes o->fd on stop. */
/*
 * Starts serving; NULL after printing why (port in use, ...). o->web, if
 * set, must outlive the server.
 */
struct http_server *http__start(const struct http_opts *o);
void http__stop(struct http_server *h);

/* Replace the page served at /metrics; takes ownership of both buffers. */
void http__publish(struct http_server *h, char *text, size_t len, char *gz, size_t gzlen);

/*
 * End the connections that have not sent a whole request within the
 * timeout (slow clients); call it often. Returns how many were ended.
 */
unsigned int http__reap(struct http_server *h);

/* The documents of /api/v1 and the page's WebSocket for this refresh; takes a reference. */
void http__publish_web(struct http_server *h, struct web_docs *d);

/* An event for /api/v1/stream's clients (the collector's loop; never waits). */
void http__event(struct http_server *h, const struct ww_event *e);

/*
 * WebSockets: clients, drops, messages; and upgrades refused (a foreign
 * Origin, a bad handshake, every WebSocket slot taken: they get all but
 * 1/64 of max_connections, at least one slot left for the rest).
 */
void http__ws_counters(struct http_server *h, struct ws_counters *c, uint64_t *refused_origin,
		       uint64_t *refused_handshake, uint64_t *refused_full);

/* Connections closed at once since start: max_connections were open. */
uint64_t http__refused(struct http_server *h);

/* Scrapes served since start. */
uint64_t http__scrapes(struct http_server *h);

#endif
