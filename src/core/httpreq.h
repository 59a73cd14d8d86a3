/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What waitwatch reads of an HTTP request itself, apart from what
 * libmicrohttpd parses: the route of a path, whether Accept-Encoding takes
 * gzip, and the user and password of an Authorization: Basic header. Pure
 * functions of the strings, so that they are tested and fuzzed without a
 * server (tests/fuzz/fuzz_http.c).
 */
#ifndef WW_HTTPREQ_H
#define WW_HTTPREQ_H

#include <stdbool.h>
#include <stddef.h>

enum http_route {
	HTTP_ROUTE_NONE,    /* 404 */
	HTTP_ROUTE_INDEX,   /* / */
	HTTP_ROUTE_METRICS, /* /metrics */
	HTTP_ROUTE_HEALTHZ, /* /healthz */
	HTTP_ROUTE_ENDPOINTS, /* /api/v1/endpoints: the top table, JSON */
	HTTP_ROUTE_HISTORY,   /* /api/v1/history: the page's chart, JSON */
	HTTP_ROUTE_DIAGRAM,   /* /api/v1/diagram: states and transitions, JSON */
	HTTP_ROUTE_LEAKS,     /* /api/v1/leaks: the leak suspects, JSON */
	HTTP_ROUTE_WS,        /* /api/v1/ws: the page's WebSocket */
	HTTP_ROUTE_STREAM,    /* /api/v1/stream: trace's events over a WebSocket */
};
#define HTTP_ROUTE_LAST HTTP_ROUTE_STREAM

/* The path as libmicrohttpd hands it (decoded, without the query). */
enum http_route http_route_of(const char *path);

/*
 * An Accept-Encoding value (NULL: no header) accepts gzip: "gzip",
 * "x-gzip" or "*" with a q-value above 0 (RFC 9110 12.5.3); an explicit
 * gzip;q=0 refuses it whatever "*" says. An element whose q-value does not
 * parse is left out.
 */
bool http_accepts_gzip(const char *accept_encoding);

/*
 * "Basic BASE64(user:password)" (RFC 7617; the scheme in any case) into
 * user and pass, each NUL-terminated. -EINVAL: another scheme, bad base64,
 * no ':', a NUL or control byte in the user, a NUL in the password;
 * -E2BIG: longer than the buffers. Either way no credentials.
 */
int http_basic_auth_decode(const char *header, char *user, size_t userlen, char *pass,
			   size_t passlen);

/*
 * A WebSocket opening handshake (RFC 6455 4.2.1): Upgrade holds the
 * "websocket" token, Connection the "upgrade" token (any case, in a list),
 * Sec-WebSocket-Version is 13, and Sec-WebSocket-Key is 16 bytes in
 * base64. NULL: no such header. 0, -EINVAL (not a handshake), or
 * -EPROTONOSUPPORT (another version: 426 with the one spoken).
 */
int http_ws_handshake_check(const char *upgrade, const char *connection, const char *version,
			    const char *key);

/*
 * The Origin a browser sends (NULL: none, as from a program, not a page)
 * is this server's own: "http://HOST" or "https://HOST", HOST the Host
 * header as sent (port included), in any case. Anything else, another
 * site's page opening a WebSocket with the user's credentials (cross-site
 * WebSocket hijacking), is refused.
 */
bool http_origin_allowed(const char *origin, const char *host, bool tls);

/* The base64 of a SHA-1 digest (Sec-WebSocket-Accept), NUL-terminated. */
void http_b64_sha1(const unsigned char digest[20], char out[29]);

/* The GUID RFC 6455 appends to the key before hashing. */
#define HTTP_WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/* a and b equal, in a time that depends on n only (secrets). */
bool ct_memeq(const void *a, const void *b, size_t n);

#endif
