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
#include <crypt.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include "clock.h"
#include "http.h"
#include "httpreq.h"
#include "log.h"
#include "parse.h"
#include "webconfig_file.h"
#include "ws.h"
#include "web_page.h"

#define CONTENT_TYPE_METRICS "text/plain; version=0.0.4; charset=utf-8"

#define CONTENT_TYPE_JSON "application/json"

/*
 * A connection waiting for a whole request: since it opened, or since its
 * last response. libmicrohttpd's timeout only ends idle connections; one
 * that sends a byte a second is never idle, so http__reap() ends it.
 */
struct conn_slot {
	int fd;
	bool used;
	bool upgraded;          /* a WebSocket now: never a slow client */
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
	const struct web_setup *web; /* NULL: plain HTTP, no password */
	struct accepted *accepted;   /* per user of web->wc.users */
	unsigned char mac_key[32];
	char prio[128];              /* GnuTLS priorities, read for each connection */
	uint64_t refused; /* connections closed at once: every slot in use */
	struct ws_hub *hub;
	struct web_docs *docs;           /* the last refresh's */
	uint64_t ws_refused_origin, ws_refused_handshake, ws_refused_full;
	int (*stream_filter)(const char *name, const char *value, struct ww_filters *f, char *err,
			     size_t errlen);
};

/*
 * The password last accepted for a user, as an HMAC under a key of this
 * process: a scraper that sends the same password every time costs one
 * bcrypt, not one per scrape (bcrypt at cost 10 takes ~50 ms, on the one
 * thread that serves every connection). Only that thread reads or writes it.
 */
struct accepted {
	bool set;
	unsigned char mac[32];
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
	if (slot && !slot->upgraded)
		slot->waiting_since = since;
	pthread_mutex_unlock(&h->lock);
}

/*
 * The client's certificate chain, if it sent one, leads to client_ca_file
 * and allows client authentication (extended key usage clientAuth, as Go
 * checks it): 0, or -1 to refuse. Sent none: 0; where one is required,
 * GnuTLS has refused the handshake before this (GNUTLS_CERT_REQUIRE).
 */
static int client_cert_check(gnutls_session_t s)
{
	gnutls_typed_vdata_st purpose = { .type = GNUTLS_DT_KEY_PURPOSE_OID,
					  .data = (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT };
	unsigned int n = 0, status = 0;

	if (!gnutls_certificate_get_peers(s, &n) || !n)
		return 0;
	if (gnutls_certificate_verify_peers(s, &purpose, 1, &status) < 0 || status)
		return -1;
	return 0;
}

/*
 * A new TLS connection, before its handshake: whether it asks for a client
 * certificate, and whether the handshake checks it against client_ca_file
 * (libmicrohttpd only asks for one when it has a CA, and checks none).
 */
static void tls_prepare(struct http_server *h, struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci;
	enum wc_client_auth a = h->web->wc.client_auth;
	gnutls_session_t s;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (!ci || !ci->tls_session)
		return; /* the request handler refuses it (client_cert_ok) */
	s = ci->tls_session;
	if (a == WC_NO_CLIENT_CERT)
		gnutls_certificate_server_set_request(s, GNUTLS_CERT_IGNORE);
	else if (a == WC_REQUIRE_ANY_CLIENT_CERT || a == WC_REQUIRE_AND_VERIFY_CLIENT_CERT)
		gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUIRE);
	else
		gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUEST);
	if (wc_verifies_client(a))
		gnutls_session_set_verify_function(s, client_cert_check);
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
	if (code == MHD_CONNECTION_NOTIFY_STARTED && h->web && h->web->wc.tls)
		tls_prepare(h, c);
}

/*
 * The cap on connections is held here, not by libmicrohttpd's own limit:
 * once at that limit (0.9.75, epoll) it stops noticing its connections'
 * ends, and serves nothing until the reaper shuts the held ones down. A
 * connection beyond the cap is closed at once, and counted.
 */
static enum MHD_Result accept_policy(void *cls, const struct sockaddr *addr, socklen_t len)
{
	struct http_server *h = cls;
	unsigned int used = 0;
	bool ok;

	pthread_mutex_lock(&h->lock);
	for (unsigned int i = 0; i < h->nslots; i++)
		used += h->slots[i].used;
	ok = used < h->nslots;
	h->refused += !ok;
	pthread_mutex_unlock(&h->lock);
	return ok ? MHD_YES : MHD_NO;
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
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					"Basic realm=\"waitwatch\"");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static bool wants_gzip(struct MHD_Connection *c)
{
	return http_accepts_gzip(MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_ACCEPT_ENCODING));
}

/* ---- who may ask ---------------------------------------------------------------- */

/*
 * The index of the user of that name, or -1; every name is compared, to
 * the end, so that the time tells nothing about which names exist.
 */
static int user_index(const struct webconfig *wc, const char *name)
{
	size_t n = strlen(name);
	int found = -1;

	for (unsigned int i = 0; i < wc->nusers; i++) {
		const char *u = wc->users[i].name;
		bool eq = strlen(u) == n && ct_memeq(u, name, n);

		found = eq ? (int)i : found;
	}
	return found;
}

static bool bcrypt_ok(const char *pass, const char *hash)
{
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	const char *out;
	bool ok;

	if (!cd)
		return false;
	out = crypt_rn(pass, hash, cd, sizeof(*cd));
	ok = out && strlen(out) == strlen(hash) && ct_memeq(out, hash, strlen(hash));
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return ok;
}

/*
 * The password is the user's. An unknown user costs a bcrypt too (against
 * the first user's hash), so that it takes as long as a wrong password.
 */
static bool password_ok(struct http_server *h, const char *user, const char *pass)
{
	const struct webconfig *wc = &h->web->wc;
	int i = user_index(wc, user);
	unsigned char mac[32];
	bool ok;

	if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, h->mac_key, sizeof(h->mac_key), pass,
			     strlen(pass), mac) < 0)
		return false;
	if (i >= 0 && h->accepted[i].set && ct_memeq(mac, h->accepted[i].mac, sizeof(mac)))
		return true;
	ok = bcrypt_ok(pass, wc->users[i >= 0 ? i : 0].hash) && i >= 0;
	if (ok) {
		memcpy(h->accepted[i].mac, mac, sizeof(mac));
		h->accepted[i].set = true;
	}
	return ok;
}

static bool auth_ok(struct http_server *h, struct MHD_Connection *c)
{
	char user[WC_MAX_NAME + 1], pass[1024];
	const char *hdr;
	bool ok;

	if (!h->web || !h->web->wc.nusers)
		return true;
	hdr = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	ok = !http_basic_auth_decode(hdr, user, sizeof(user), pass, sizeof(pass)) &&
	     password_ok(h, user, pass);
	explicit_bzero(pass, sizeof(pass));
	return ok;
}

/*
 * The client certificate, where the policy checks it, is one client_ca_file
 * signed: the handshake already refused any other (tls_prepare); this is
 * the check should a session have come through without it.
 */
static bool client_cert_ok(struct http_server *h, struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci;
	enum wc_client_auth a;
	unsigned int n = 0;

	if (!h->web || !h->web->wc.tls || !wc_verifies_client(h->web->wc.client_auth))
		return true;
	a = h->web->wc.client_auth;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (!ci || !ci->tls_session)
		return false;
	if (!gnutls_certificate_get_peers(ci->tls_session, &n) || !n)
		return a == WC_VERIFY_CLIENT_CERT_IF_GIVEN;
	return client_cert_check(ci->tls_session) == 0;
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

/* ---- the page and its API ---------------------------------------------------------- */

/*
 * The page is all of one file (HTML, CSS, JS), so that it loads nothing
 * from elsewhere; the policy says so to the browser too.
 */
static enum MHD_Result page(struct MHD_Connection *c)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(web_page_len, (void *)web_page,
					    MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
	MHD_add_response_header(r, "Content-Security-Policy",
				"default-src 'none'; script-src 'unsafe-inline'; "
				"style-src 'unsafe-inline'; connect-src 'self'; img-src 'self'");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* The table's view from the query: ?group=address&filter=198.51&select=... */
static int view_of_query(struct MHD_Connection *c, enum ww_by by, struct web_view *v)
{
	const char *g = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "group");
	const char *f = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "filter");
	const char *s = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "select");

	memset(v, 0, sizeof(*v));
	if (g && (web_group_parse(g, strlen(g), &v->group) || !web_group_applies(v->group, by)))
		return -EINVAL;
	if ((f && strlen(f) >= sizeof(v->filter)) || (s && strlen(s) >= sizeof(v->selected)))
		return -EINVAL;
	if (f)
		strcpy(v->filter, f);
	if (s)
		strcpy(v->selected, s);
	return 0;
}

static enum MHD_Result api_doc(struct http_server *h, struct MHD_Connection *c,
			       enum http_route route)
{
	static const char bad[] = "bad query: group is endpoint, address or port; filter and "
				  "select at most 63 characters\n";
	struct web_docs *d = web_docs__current(&h->docs, &h->lock);
	struct web_view v;
	enum MHD_Result ret;
	const char *doc;
	char *text = NULL;
	size_t len;

	if (!d)
		return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain", "starting\n", 9);
	if (route == HTTP_ROUTE_ENDPOINTS) {
		if (view_of_query(c, d->by, &v)) {
			web_docs__put(d);
			return reply(c, MHD_HTTP_BAD_REQUEST, "text/plain", bad, sizeof(bad) - 1);
		}
		doc = text = web_docs__endpoints(d, &v, &len);
	} else {
		doc = route == HTTP_ROUTE_HISTORY ? d->history :
		      route == HTTP_ROUTE_DIAGRAM ? d->diagram : d->leaks;
		len = strlen(doc);
	}
	ret = doc ? reply(c, MHD_HTTP_OK, CONTENT_TYPE_JSON, doc, len)
		  : reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", "out of memory\n", 14);
	free(text);
	web_docs__put(d);
	return ret;
}

/* ---- WebSockets ------------------------------------------------------------------- */

struct upgrade {
	struct http_server *h;
	bool stream;
	struct ww_filters filters;
};

static void upgraded(void *cls, struct MHD_Connection *c, void *con_cls, const char *extra,
		     size_t n, MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
	struct upgrade *u = cls;
	struct conn_slot *slot = slot_of(c);

	pthread_mutex_lock(&u->h->lock);
	if (slot) {
		slot->upgraded = true;
		slot->waiting_since = 0;
	}
	pthread_mutex_unlock(&u->h->lock);
	if (ws_hub__add(u->h->hub, sock, extra, n, urh, u->stream, &u->filters))
		elog("websocket: out of memory");
	free(u);
}

struct stream_query {
	struct http_server *h;
	struct ww_filters *f;
	char err[160];
	bool bad;
};

static enum MHD_Result stream_param(void *cls, enum MHD_ValueKind kind, const char *key,
				    const char *value)
{
	struct stream_query *q = cls;

	if (q->bad)
		return MHD_NO;
	if (!q->h->stream_filter ||
	    q->h->stream_filter(key, value ? value : "", q->f, q->err, sizeof(q->err))) {
		if (!q->err[0] || !q->h->stream_filter)
			snprintf(q->err, sizeof(q->err), "unknown filter '%.32s'", key);
		q->bad = true;
		return MHD_NO;
	}
	return MHD_YES;
}

static enum MHD_Result refuse(struct http_server *h, struct MHD_Connection *c, unsigned int status,
			      const char *why, uint64_t *counter)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	pthread_mutex_lock(&h->lock);
	(*counter)++;
	pthread_mutex_unlock(&h->lock);
	r = MHD_create_response_from_buffer(strlen(why), (void *)why, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
	if (status == MHD_HTTP_UPGRADE_REQUIRED)
		MHD_add_response_header(r, "Sec-WebSocket-Version", "13");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/*
 * A WebSocket holds its connection's slot for as long as it lives, and is
 * never reaped as a slow client: so that WebSockets cannot take every slot
 * and starve scrapes, they get all but 1/64 of --max-connections.
 */
static bool ws_clients_full(struct http_server *h)
{
	unsigned int reserve = h->nslots / 64 ? h->nslots / 64 : 1;
	struct ws_counters c;

	ws_hub__counters(h->hub, &c);
	return c.clients + reserve >= h->nslots;
}

static const char *header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/*
 * Why this upgrade is refused, with its counter: an HTTP status, or 0 to
 * go on. The handshake (RFC 6455 4.2.1), the Origin, a free slot.
 */
static unsigned int ws_refusal(struct http_server *h, struct MHD_Connection *c, const char **why,
			       uint64_t **counter)
{
	int ok = http_ws_handshake_check(header(c, MHD_HTTP_HEADER_UPGRADE),
					 header(c, MHD_HTTP_HEADER_CONNECTION),
					 header(c, "Sec-WebSocket-Version"),
					 header(c, "Sec-WebSocket-Key"));
	bool tls = h->web && h->web->wc.tls;

	*counter = &h->ws_refused_handshake;
	if (!ws_hub__usable(h->hub))
		return *why = "this build serves no WebSocket\n", MHD_HTTP_NOT_IMPLEMENTED;
	if (ok == -EPROTONOSUPPORT)
		return *why = "WebSocket version 13 only\n", MHD_HTTP_UPGRADE_REQUIRED;
	if (ok)
		return *why = "a WebSocket handshake was expected\n", MHD_HTTP_BAD_REQUEST;
	*counter = &h->ws_refused_origin;
	if (!http_origin_allowed(header(c, "Origin"), header(c, MHD_HTTP_HEADER_HOST), tls))
		return *why = "Origin is not this server\n", MHD_HTTP_FORBIDDEN;
	*counter = &h->ws_refused_full;
	if (ws_clients_full(h))
		return *why = "too many WebSocket clients\n", MHD_HTTP_SERVICE_UNAVAILABLE;
	return 0;
}

/* 101 with the key's accept value; the socket then goes to upgraded(), with u. */
static enum MHD_Result ws_switch(struct MHD_Connection *c, struct upgrade *u)
{
	unsigned char digest[20];
	char accept[29], buf[64];
	struct MHD_Response *r;
	enum MHD_Result ret;

	snprintf(buf, sizeof(buf), "%s%s", header(c, "Sec-WebSocket-Key"), HTTP_WS_GUID);
	if (gnutls_hash_fast(GNUTLS_DIG_SHA1, buf, strlen(buf), digest) < 0)
		return MHD_NO;
	http_b64_sha1(digest, accept);
	r = MHD_create_response_for_upgrade(upgraded, u);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_UPGRADE, "websocket");
	MHD_add_response_header(r, "Sec-WebSocket-Accept", accept);
	ret = MHD_queue_response(c, MHD_HTTP_SWITCHING_PROTOCOLS, r);
	MHD_destroy_response(r);
	return ret;
}

/* A WebSocket of the page, or of the stream with the query's filters. */
static enum MHD_Result ws_upgrade(struct http_server *h, struct MHD_Connection *c, bool stream)
{
	struct stream_query q = { .h = h };
	unsigned int status;
	struct upgrade *u;
	enum MHD_Result ret;
	uint64_t *counter;
	const char *why;
	char buf[64];

	status = ws_refusal(h, c, &why, &counter);
	if (status)
		return refuse(h, c, status, why, counter);
	u = calloc(1, sizeof(*u)); /* zeroed: the stream's groups compare filters bytewise */
	if (!u)
		return MHD_NO;
	u->h = h;
	u->stream = stream;
	q.f = &u->filters;
	if (stream)
		MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, stream_param, &q);
	if (q.bad) {
		snprintf(buf, sizeof(buf), "%.60s\n", q.err);
		free(u);
		return refuse(h, c, MHD_HTTP_BAD_REQUEST, buf, &h->ws_refused_handshake);
	}
	ret = ws_switch(c, u);
	if (ret != MHD_YES)
		free(u);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	static const char not_found[] = "not found: try / or /metrics\n";
	static const char not_allowed[] = "method not allowed\n";
	static const char unauthorized[] = "unauthorized\n";
	struct http_server *h = cls;

	/* the whole request has arrived: no longer a slow client */
	set_waiting(h, c, 0);
	if (!client_cert_ok(h, c))
		return MHD_NO; /* closed, as a refused handshake would be */
	if (!auth_ok(h, c))
		return reply(c, MHD_HTTP_UNAUTHORIZED, "text/plain", unauthorized,
			     sizeof(unauthorized) - 1);
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", not_allowed,
			     sizeof(not_allowed) - 1);
	switch (http_route_of(url)) {
	case HTTP_ROUTE_METRICS:
		return metrics(h, c);
	case HTTP_ROUTE_INDEX:
		return page(c);
	case HTTP_ROUTE_ENDPOINTS:
	case HTTP_ROUTE_HISTORY:
	case HTTP_ROUTE_DIAGRAM:
	case HTTP_ROUTE_LEAKS:
		return api_doc(h, c, http_route_of(url));
	case HTTP_ROUTE_WS:
	case HTTP_ROUTE_STREAM:
		return ws_upgrade(h, c, http_route_of(url) == HTTP_ROUTE_STREAM);
	case HTTP_ROUTE_HEALTHZ:
		return reply(c, MHD_HTTP_OK, "text/plain", "ok\n", 3);
	case HTTP_ROUTE_NONE:
		break;
	}
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

/* GnuTLS's NORMAL set, with only the TLS versions the file allows. */
static void tls_priorities(const struct webconfig *wc, char *buf, size_t len)
{
	snprintf(buf, len, "NORMAL:-VERS-ALL%s%s",
		 wc->min_version <= 12 && wc->max_version >= 12 ? ":+VERS-TLS1.2" : "",
		 wc->max_version >= 13 ? ":+VERS-TLS1.3" : "");
}

/*
 * The TLS options, into opts (room for 5); the count. libmicrohttpd copies
 * none of the strings: web and prio must outlive the daemon.
 */
static int tls_options(const struct web_setup *ws, const char *prio, struct MHD_OptionItem *opts)
{
	int n = 0;

	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, ws->cert };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, ws->key };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)prio };
	if (ws->ca)
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_TRUST, 0, ws->ca };
	opts[n] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	return n;
}

/* The room for passwords; TLS needs libmicrohttpd built with it. */
static int web_prepare(struct http_server *h, const struct web_setup *ws)
{
	h->web = ws;
	if (!ws)
		return 0;
	if (ws->wc.tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		elog("--web.config.file: this libmicrohttpd was built without TLS");
		return -ENOTSUP;
	}
	if (!ws->wc.nusers)
		return 0;
	h->accepted = calloc(ws->wc.nusers, sizeof(*h->accepted));
	if (!h->accepted || gnutls_rnd(GNUTLS_RND_KEY, h->mac_key, sizeof(h->mac_key)) < 0) {
		elog("out of memory");
		return -ENOMEM;
	}
	return 0;
}

static void http__free(struct http_server *h)
{
	pthread_mutex_destroy(&h->lock);
	free(h->slots);
	free(h->accepted);
	explicit_bzero(h->mac_key, sizeof(h->mac_key));
	free(h->text);
	free(h->gz);
	web_docs__put(h->docs);
	free(h);
}

struct http_server *http__start(const struct http_opts *o)
{
	struct MHD_OptionItem tls[6] = { { MHD_OPTION_END, 0, NULL } };
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
			     MHD_ALLOW_UPGRADE;
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
		http__free(h);
		return NULL;
	}
	if (web_prepare(h, o->web)) {
		http__free(h);
		return NULL;
	}
	h->stream_filter = o->stream_filter;
	h->hub = ws_hub__new(o->mono_to_real_ns);
	if (!h->hub) {
		http__free(h);
		return NULL;
	}
	if (o->web && o->web->wc.tls) {
		flags |= MHD_USE_TLS;
		tls_priorities(&o->web->wc, h->prio, sizeof(h->prio));
		tls_options(o->web, h->prio, tls);
	}
	if (o->addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* its own limit above the cap, never reached (accept_policy) */
	h->d = MHD_start_daemon(flags, port, accept_policy, h, handle, h,
				MHD_OPTION_LISTEN_SOCKET, o->fd,
				MHD_OPTION_CONNECTION_LIMIT, o->max_connections + 64,
				MHD_OPTION_CONNECTION_TIMEOUT, o->timeout_s,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, o->memory_limit,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
				MHD_OPTION_ARRAY, tls,
				MHD_OPTION_END);
	if (!h->d) {
		elog("cannot serve on %s port %d: libmicrohttpd did not start (-vv tells why)",
		     where, port);
		ws_hub__free(h->hub);
		http__free(h);
		return NULL;
	}
	vlog("serving / and /metrics on %s port %d%s%s", where, port,
	     h->web && h->web->wc.tls ? " over TLS" : "",
	     h->web && h->web->wc.nusers ? " with a password" : "");
	return h;
}

void http__stop(struct http_server *h)
{
	if (!h)
		return;
	/* the WebSockets first: closing one goes through libmicrohttpd */
	ws_hub__free(h->hub);
	MHD_stop_daemon(h->d);
	http__free(h);
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

/* A counter the HTTP thread moves, read under its lock. */
static uint64_t read_locked(struct http_server *h, const uint64_t *counter)
{
	uint64_t n;

	pthread_mutex_lock(&h->lock);
	n = *counter;
	pthread_mutex_unlock(&h->lock);
	return n;
}

uint64_t http__refused(struct http_server *h)
{
	return read_locked(h, &h->refused);
}

uint64_t http__scrapes(struct http_server *h)
{
	return read_locked(h, &h->scrapes);
}

void http__publish_web(struct http_server *h, struct web_docs *d)
{
	web_docs__replace(&h->docs, &h->lock, d);
	ws_hub__publish(h->hub, d);
}

void http__event(struct http_server *h, const struct ww_event *e)
{
	ws_hub__event(h->hub, e);
}

void http__ws_counters(struct http_server *h, struct ws_counters *c, uint64_t *refused_origin,
		       uint64_t *refused_handshake, uint64_t *refused_full)
{
	ws_hub__counters(h->hub, c);
	*refused_origin = read_locked(h, &h->ws_refused_origin);
	*refused_handshake = read_locked(h, &h->ws_refused_handshake);
	*refused_full = read_locked(h, &h->ws_refused_full);
}
