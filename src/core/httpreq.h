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
};

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

/* a and b equal, in a time that depends on n only (secrets). */
bool ct_memeq(const void *a, const void *b, size_t n);

#endif
