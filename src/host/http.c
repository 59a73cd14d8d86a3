// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include "clock.h"
#include "http.h"
#include "log.h"
#include "parse.h"

#define CONTENT_TYPE_METRICS "text/plain; version=0.0.4; charset=utf-8"

static const char index_page[] =
	"<html><head><title>waitwatch</title></head><body>"
	"<h1>waitwatch</h1><p>TCP sockets per endpoint and state, TIME_WAIT and "
	"CLOSE_WAIT first.</p><p><a href=\"/metrics\">Metrics</a></p></body></html>\n";

/*
 * A connection waiting for a whole request: since it opened, or since its
 * last response. libmicrohttpd's timeout only ends idle connections; one
 * that sends a byte a second is never idle, so http__reap() ends it.
 */
struct conn_slot {
	int fd;
	bool used;
	uint64_t waiting_since; /* CLOCK_MONOTONIC ns; 0: a request is being served */
};

struct http_server {
	struct MHD_Daemon *d;
	pthread_mutex_t lock; /* guards the page, the counter and the slots */
	char *text, *gz;
	size_t len, gzlen;
	uint64_t scrapes;
	struct conn_slot *slots;
	unsigned int nslots;
	uint64_t timeout_ns;
	uint64_t reaped;
};

static struct conn_slot *slot_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

static void set_waiting(struct http_server *h, struct MHD_Connection *c, uint64_t since)
{
	struct conn_slot *slot = slot_of(c);

	pthread_mutex_lock(&h->lock);
	if (slot)
		slot->waiting_since = since;
	pthread_mutex_unlock(&h->lock);
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	const union MHD_ConnectionInfo *ci;
	struct http_server *h = cls;
	struct conn_slot *slot = *socket_context;

	pthread_mutex_lock(&h->lock);
	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		/* before libmicrohttpd closes the fd: the reaper never touches a reused one */
		if (slot)
			slot->used = false;
	} else if ((ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD))) {
		for (unsigned int i = 0; i < h->nslots; i++) {
			if (h->slots[i].used)
				continue;
			h->slots[i] = (struct conn_slot){ .fd = ci->connect_fd, .used = true,
							  .waiting_since = now_mono_ns() };
			*socket_context = &h->slots[i];
			break;
		}
	}
	pthread_mutex_unlock(&h->lock);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	set_waiting(cls, c, now_mono_ns());
}

unsigned int http__reap(struct http_server *h)
{
	uint64_t now = now_mono_ns();
	unsigned int n = 0;

	pthread_mutex_lock(&h->lock);
	for (unsigned int i = 0; i < h->nslots; i++) {
		struct conn_slot *s = &h->slots[i];

		if (!s->used || !s->waiting_since || now - s->waiting_since < h->timeout_ns)
			continue;
		shutdown(s->fd, SHUT_RDWR); /* libmicrohttpd sees the end and closes it */
		s->waiting_since = 0;
		n++;
	}
	h->reaped += n;
	pthread_mutex_unlock(&h->lock);
	return n;
}

int http_parse_listen(const char *s, struct sockaddr_storage *out, char *err, size_t errlen)
{
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)out;
	struct sockaddr_in *a4 = (struct sockaddr_in *)out;
	const char *colon = strrchr(s, ':');
	char host[64];
	uint16_t port;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (!colon || parse_port(colon + 1, &port, err, errlen)) {
		snprintf(err, errlen, "--listen '%.64s' must be ADDR:PORT (127.0.0.1:%d, [::]:%d)",
			 s, WW_DEFAULT_PORT, WW_DEFAULT_PORT);
		return -EINVAL;
	}
	n = colon - s;
	if (n >= sizeof(host))
		goto bad;
	memcpy(host, s, n);
	host[n] = 0;
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		host[n - 1] = 0;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1)
			goto bad;
		return 0;
	}
	a4->sin_family = AF_INET;
	a4->sin_port = htons(port);
	if (!n || inet_pton(AF_INET, host, &a4->sin_addr) == 1)
		return 0;
bad:
	snprintf(err, errlen, "--listen '%.64s': bad address (use 127.0.0.1:PORT or [::1]:PORT)",
		 s);
	return -EINVAL;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status, const char *type,
			     const void *body, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* "gzip", "gzip, deflate", "deflate;q=1, gzip;q=0.5" yes; "gzip;q=0" no. */
static bool wants_gzip(struct MHD_Connection *c)
{
	const char *ae = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Encoding");
	const char *p = ae;

	while (p && (p = strcasestr(p, "gzip"))) {
		const char *q = p + 4;

		while (*q == ' ')
			q++;
		if (*q == ';') {
			q = strchr(q, '=');
			if (q && strtod(q + 1, NULL) == 0)
				return false;
		}
		return true;
	}
	return false;
}

static enum MHD_Result metrics(struct http_server *h, struct MHD_Connection *c)
{
	bool gz = wants_gzip(c);
	struct MHD_Response *r;
	enum MHD_Result ret;

	pthread_mutex_lock(&h->lock);
	if (!h->text) {
		pthread_mutex_unlock(&h->lock);
		return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain", "starting\n", 9);
	}
	gz = gz && h->gz;
	r = MHD_create_response_from_buffer(gz ? h->gzlen : h->len, gz ? h->gz : h->text,
					    MHD_RESPMEM_MUST_COPY);
	h->scrapes++;
	pthread_mutex_unlock(&h->lock);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE_METRICS);
	if (gz)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	static const char not_found[] = "not found: try /metrics\n";
	static const char not_allowed[] = "method not allowed\n";
	struct http_server *h = cls;

	/* the whole request has arrived: no longer a slow client */
	set_waiting(h, c, 0);
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", not_allowed,
			     sizeof(not_allowed) - 1);
	if (!strcmp(url, "/metrics"))
		return metrics(h, c);
	if (!strcmp(url, "/"))
		return reply(c, MHD_HTTP_OK, "text/html; charset=utf-8", index_page,
			     sizeof(index_page) - 1);
	if (!strcmp(url, "/healthz"))
		return reply(c, MHD_HTTP_OK, "text/plain", "ok\n", 3);
	return reply(c, MHD_HTTP_NOT_FOUND, "text/plain", not_found, sizeof(not_found) - 1);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	if (ww_verbosity < 2)
		return;
	fputs("waitwatch: http: ", stderr);
	vfprintf(stderr, fmt, ap);
}

/* "127.0.0.1" and the port of addr, for messages. */
static int describe(const struct sockaddr_storage *addr, char *where, size_t len)
{
	if (addr->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)addr;

		inet_ntop(AF_INET6, &a->sin6_addr, where, len);
		return ntohs(a->sin6_port);
	}
	const struct sockaddr_in *a = (const void *)addr;

	inet_ntop(AF_INET, &a->sin_addr, where, len);
	return ntohs(a->sin_port);
}

/*
 * Bound here rather than by libmicrohttpd: the socket exists before the
 * privileges are dropped (a port below 1024), the thread only after.
 * As libmicrohttpd would: address reuse, IPv6 only on an IPv6 address.
 */
int http__listen(struct http_opts *o)
{
	socklen_t alen = o->addr.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
							: sizeof(struct sockaddr_in);
	char where[INET6_ADDRSTRLEN];
	int port = describe(&o->addr, where, sizeof(where)), one = 1, fd, err;

	fd = socket(o->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd >= 0 && !setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) &&
	    (o->addr.ss_family != AF_INET6 ||
	     !setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one))) &&
	    !bind(fd, (const struct sockaddr *)&o->addr, alen) && !listen(fd, SOMAXCONN)) {
		o->fd = fd;
		return 0;
	}
	err = -errno;
	elog("cannot listen on %s port %d: %s (in use, or the address is not on this host)",
	     where, port, strerror(-err));
	if (fd >= 0)
		close(fd);
	return err;
}

struct http_server *http__start(const struct http_opts *o)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	struct http_server *h = calloc(1, sizeof(*h));
	char where[INET6_ADDRSTRLEN];
	int port = describe(&o->addr, where, sizeof(where));

	if (!h) {
		elog("out of memory");
		return NULL;
	}
	pthread_mutex_init(&h->lock, NULL);
	h->nslots = o->max_connections;
	h->timeout_ns = o->timeout_s * 1000000000ull;
	h->slots = calloc(h->nslots, sizeof(*h->slots));
	if (!h->slots) {
		elog("out of memory");
		free(h);
		return NULL;
	}
	if (o->addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->d = MHD_start_daemon(flags, port, NULL, NULL, handle, h,
				MHD_OPTION_LISTEN_SOCKET, o->fd,
				MHD_OPTION_CONNECTION_LIMIT, o->max_connections,
				MHD_OPTION_CONNECTION_TIMEOUT, o->timeout_s,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, o->memory_limit,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
				MHD_OPTION_END);
	if (!h->d) {
		elog("cannot serve on %s port %d: libmicrohttpd did not start (-vv tells why)",
		     where, port);
		pthread_mutex_destroy(&h->lock);
		free(h->slots);
		free(h);
		return NULL;
	}
	vlog("serving /metrics on %s port %d", where, port);
	return h;
}

void http__stop(struct http_server *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->d);
	pthread_mutex_destroy(&h->lock);
	free(h->slots);
	free(h->text);
	free(h->gz);
	free(h);
}

void http__publish(struct http_server *h, char *text, size_t len, char *gz, size_t gzlen)
{
	char *old_text, *old_gz;

	pthread_mutex_lock(&h->lock);
	old_text = h->text;
	old_gz = h->gz;
	h->text = text;
	h->len = len;
	h->gz = gz;
	h->gzlen = gzlen;
	pthread_mutex_unlock(&h->lock);
	free(old_text);
	free(old_gz);
}

uint64_t http__scrapes(struct http_server *h)
{
	uint64_t n;

	pthread_mutex_lock(&h->lock);
	n = h->scrapes;
	pthread_mutex_unlock(&h->lock);
	return n;
}
