// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The exporter toolkit's web configuration, from YAML text (webconfig.h).
 *
 * libyaml loads the text into a document (a graph of nodes that carry their
 * line); the walk below takes the keys it knows, refuses every other one
 * by name and line, and checks what only the whole file can tell (a
 * key_file without its cert_file, a client CA without a policy).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "webconfig.h"

#define SEE_DOCS "(see docs/security.md)"

struct walk {
	yaml_document_t *doc;
	struct webconfig *wc;
	char *err;
	size_t errlen;
	size_t lines; /* of the text: its line breaks, plus one */
};

/* libyaml counts a last line break of its own at the end: no line past the text's */
static size_t line_of(const struct walk *w, const yaml_mark_t *m)
{
	return m->line < w->lines ? (size_t)m->line + 1 : w->lines;
}

/* One line, "line N: " and the reason; -EINVAL. */
static int __attribute__((format(printf, 3, 4)))
bad(struct walk *w, const yaml_node_t *n, const char *fmt, ...)
{
	size_t off = 0;
	va_list ap;
	int k;

	if (!w->errlen)
		return -EINVAL;
	if (n) {
		k = snprintf(w->err, w->errlen, "line %zu: ", line_of(w, &n->start_mark));
		off = k > 0 && (size_t)k < w->errlen ? (size_t)k : 0;
	}
	va_start(ap, fmt);
	vsnprintf(w->err + off, w->errlen - off, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A key or name for a message: printable ASCII, '?' for any other byte, cut at 40. */
static const char *shown(const char *s, char *buf, size_t len)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < len && i < 40; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	buf[i] = 0;
	return buf;
}

static bool is_scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE;
}

static const char *text_of(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* A scalar whose bytes hold no NUL ("\0" in a quoted string would cut it). */
static bool is_clean(const yaml_node_t *n)
{
	return is_scalar(n) && strlen(text_of(n)) == n->data.scalar.length;
}

/* YAML's null: no value, ~ or null, unquoted. */
static bool is_null(const yaml_node_t *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };

	if (!is_scalar(n) || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (!strcmp(text_of(n), nulls[i]))
			return true;
	return false;
}

static yaml_node_t *node(struct walk *w, int id)
{
	return yaml_document_get_node(w->doc, id);
}

/* The value of key as a string of 1..max bytes into *out; null leaves it unset. */
static int take_string(struct walk *w, const char *key, const yaml_node_t *v, size_t max,
		       char **out)
{
	if (is_null(v))
		return 0;
	if (!is_clean(v))
		return bad(w, v, "%s must be a string", key);
	if (!v->data.scalar.length)
		return bad(w, v, "%s is empty", key);
	if (v->data.scalar.length > max)
		return bad(w, v, "%s is longer than %zu bytes", key, max);
	*out = strdup(text_of(v));
	return *out ? 0 : -ENOMEM;
}

static const char *const auth_names[] = {
	[WC_NO_CLIENT_CERT] = "NoClientCert",
	[WC_REQUEST_CLIENT_CERT] = "RequestClientCert",
	[WC_REQUIRE_ANY_CLIENT_CERT] = "RequireAnyClientCert",
	[WC_VERIFY_CLIENT_CERT_IF_GIVEN] = "VerifyClientCertIfGiven",
	[WC_REQUIRE_AND_VERIFY_CLIENT_CERT] = "RequireAndVerifyClientCert",
};

const char *wc_client_auth_name(enum wc_client_auth a)
{
	return a <= WC_REQUIRE_AND_VERIFY_CLIENT_CERT ? auth_names[a] : "?";
}

bool wc_verifies_client(enum wc_client_auth a)
{
	return a == WC_VERIFY_CLIENT_CERT_IF_GIVEN || a == WC_REQUIRE_AND_VERIFY_CLIENT_CERT;
}

static int take_auth(struct walk *w, const yaml_node_t *v)
{
	if (is_null(v))
		return 0;
	if (is_clean(v))
		for (unsigned int i = 0; i <= WC_REQUIRE_AND_VERIFY_CLIENT_CERT; i++)
			if (!strcmp(text_of(v), auth_names[i])) {
				w->wc->client_auth = i;
				return 0;
			}
	return bad(w, v, "client_auth_type must be NoClientCert, RequestClientCert, "
		   "RequireAnyClientCert, VerifyClientCertIfGiven or RequireAndVerifyClientCert");
}

/* TLS12 or TLS13 into *minor (2, 3); TLS10 and TLS11 are refused as weak. */
static int take_version(struct walk *w, const char *key, const yaml_node_t *v, int *out)
{
	const char *s;

	if (is_null(v))
		return 0;
	s = is_clean(v) ? text_of(v) : "";
	if (!strcmp(s, "TLS12") || !strcmp(s, "TLS13")) {
		*out = 10 + (s[4] - '0');
		return 0;
	}
	if (!strcmp(s, "TLS10") || !strcmp(s, "TLS11"))
		return bad(w, v, "%s %s is refused as weak: use TLS12 or TLS13", key, s);
	return bad(w, v, "%s must be TLS12 or TLS13", key);
}

/* What the toolkit knows and waitwatch does not do, with what to use instead. */
static const char *unsupported_tls(const char *key)
{
	static const char *const keys[][2] = {
		{ "cert", "inline cert is not supported: use cert_file" },
		{ "key", "inline key is not supported: use key_file" },
		{ "client_ca", "inline client_ca is not supported: use client_ca_file" },
		{ "client_allowed_sans", "client_allowed_sans is not supported" },
		{ "cipher_suites", "cipher_suites is not supported (GnuTLS's defaults apply)" },
		{ "curve_preferences", "curve_preferences is not supported" },
		{ "prefer_server_cipher_suites", "prefer_server_cipher_suites is not supported" },
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(key, keys[i][0]))
			return keys[i][1];
	return NULL;
}

/* The keys of a mapping are strings, each once. */
static int check_key(struct walk *w, const yaml_node_t *map, const yaml_node_pair_t *pair,
		     const char *where)
{
	const yaml_node_t *k = node(w, pair->key);
	const yaml_node_pair_t *p;

	if (!is_clean(k))
		return bad(w, k, "a key of %s is not a string", where);
	for (p = map->data.mapping.pairs.start; p < pair; p++)
		if (!strcmp(text_of(node(w, p->key)), text_of(k))) {
			char buf[48];

			return bad(w, k, "%s: '%s' is given twice", where,
				   shown(text_of(k), buf, sizeof(buf)));
		}
	return 0;
}

static int tls_key(struct walk *w, const char *key, const yaml_node_t *k, const yaml_node_t *v)
{
	struct webconfig *wc = w->wc;
	const char *why;
	char buf[48];

	if (!strcmp(key, "cert_file"))
		return take_string(w, key, v, WC_MAX_PATH, &wc->cert_file);
	if (!strcmp(key, "key_file"))
		return take_string(w, key, v, WC_MAX_PATH, &wc->key_file);
	if (!strcmp(key, "client_ca_file"))
		return take_string(w, key, v, WC_MAX_PATH, &wc->client_ca_file);
	if (!strcmp(key, "client_auth_type"))
		return take_auth(w, v);
	if (!strcmp(key, "min_version"))
		return take_version(w, key, v, &wc->min_version);
	if (!strcmp(key, "max_version"))
		return take_version(w, key, v, &wc->max_version);
	why = unsupported_tls(key);
	if (why)
		return bad(w, k, "tls_server_config: %s", why);
	return bad(w, k, "tls_server_config: unknown key '%s'", shown(key, buf, sizeof(buf)));
}

/* What tls_server_config's keys mean together; n: its key, for the line. */
static int tls_whole(struct walk *w, const yaml_node_t *n, bool any)
{
	struct webconfig *wc = w->wc;

	if (wc->cert_file && !wc->key_file)
		return bad(w, n, "tls_server_config has a cert_file but no key_file");
	if (wc->key_file && !wc->cert_file)
		return bad(w, n, "tls_server_config has a key_file but no cert_file");
	wc->tls = wc->cert_file != NULL;
	if (any && !wc->tls)
		return bad(w, n, "tls_server_config has no cert_file and key_file");
	if (wc->max_version < wc->min_version)
		return bad(w, n, "tls_server_config: max_version TLS%d is below min_version TLS%d",
			   wc->max_version, wc->min_version);
	if (wc->client_ca_file && wc->client_auth == WC_NO_CLIENT_CERT)
		return bad(w, n, "tls_server_config: client_ca_file without client_auth_type "
			   "(RequireAndVerifyClientCert checks client certificates against it)");
	if (wc_verifies_client(wc->client_auth) && !wc->client_ca_file)
		return bad(w, n, "tls_server_config: client_auth_type %s needs a client_ca_file",
			   wc_client_auth_name(wc->client_auth));
	return 0;
}

/* What one checked key of a mapping does with its value; arg is the caller's. */
typedef int (*pair_fn)(struct walk *w, const yaml_node_t *k, const yaml_node_t *v, void *arg);

/* Each key of a mapping, checked (a string, given once), then handed to each. */
static int walk_pairs(struct walk *w, const yaml_node_t *map, const char *where, pair_fn each,
		      void *arg)
{
	const yaml_node_pair_t *p;
	int ret;

	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		ret = check_key(w, map, p, where);
		if (!ret)
			ret = each(w, node(w, p->key), node(w, p->value), arg);
		if (ret)
			return ret;
	}
	return 0;
}

/* arg: a bool set once any key has a value, for tls_whole. */
static int tls_pair(struct walk *w, const yaml_node_t *k, const yaml_node_t *v, void *arg)
{
	bool *any = arg;
	int ret = tls_key(w, text_of(k), k, v);

	if (!ret)
		*any = *any || !is_null(v);
	return ret;
}

static int walk_tls(struct walk *w, const yaml_node_t *k, const yaml_node_t *v)
{
	bool any = false;
	int ret;

	if (is_null(v))
		return 0;
	if (v->type != YAML_MAPPING_NODE)
		return bad(w, v, "tls_server_config must be a mapping of keys");
	ret = walk_pairs(w, v, "tls_server_config", tls_pair, &any);
	return ret ? ret : tls_whole(w, k, any);
}

/* http2: false is what waitwatch does (HTTP/1.1); every other setting is refused. */
static int http_pair(struct walk *w, const yaml_node_t *k, const yaml_node_t *v, void *arg)
{
	const char *key = text_of(k);
	char buf[48];

	(void)arg;
	if (!strcmp(key, "http2")) {
		if (is_clean(v) && !strcmp(text_of(v), "false"))
			return 0;
		return bad(w, v, "http_server_config: http2 is not supported (waitwatch "
			   "serves HTTP/1.1): remove it or set it to false");
	}
	if (!strcmp(key, "headers"))
		return bad(w, k, "http_server_config: headers are not supported");
	return bad(w, k, "http_server_config: unknown key '%s'", shown(key, buf, sizeof(buf)));
}

static int walk_http(struct walk *w, const yaml_node_t *v)
{
	if (is_null(v))
		return 0;
	if (v->type != YAML_MAPPING_NODE)
		return bad(w, v, "http_server_config must be a mapping of keys");
	return walk_pairs(w, v, "http_server_config", http_pair, NULL);
}

bool wc_is_bcrypt(const char *h)
{
	static const char b64[] =
		"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	int cost;

	if (strlen(h) != 60 || h[0] != '$' || h[1] != '2' || !strchr("aby", h[2]) ||
	    h[3] != '$' || h[6] != '$' || h[4] < '0' || h[4] > '9' || h[5] < '0' || h[5] > '9')
		return false;
	cost = (h[4] - '0') * 10 + (h[5] - '0');
	if (cost < 4 || cost > 31)
		return false;
	return strspn(h + 7, b64) == 53;
}

static int take_user(struct walk *w, const yaml_node_t *k, const yaml_node_t *v)
{
	struct webconfig *wc = w->wc;
	struct wc_user *u;
	const char *name = text_of(k);
	char buf[48];

	if (!*name || strlen(name) > WC_MAX_NAME || strchr(name, ':'))
		return bad(w, k, "basic_auth_users: a user name must be 1 to %d bytes without ':'",
			   WC_MAX_NAME);
	for (const char *c = name; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return bad(w, k, "basic_auth_users: user '%s' has a control character",
				   shown(name, buf, sizeof(buf)));
	if (!is_clean(v) || !wc_is_bcrypt(text_of(v)))
		return bad(w, v, "basic_auth_users: the password of '%s' is not a bcrypt hash "
			   "($2y$10$ and 53 characters) " SEE_DOCS, shown(name, buf, sizeof(buf)));
	if (wc->nusers == WC_MAX_USERS)
		return bad(w, k, "basic_auth_users: more than %d users", WC_MAX_USERS);
	u = &wc->users[wc->nusers];
	u->name = strdup(name);
	u->hash = strdup(text_of(v));
	wc->nusers++; /* freed with the rest, even half made */
	return u->name && u->hash ? 0 : -ENOMEM;
}

static int user_pair(struct walk *w, const yaml_node_t *k, const yaml_node_t *v, void *arg)
{
	(void)arg;
	return take_user(w, k, v);
}

static int walk_users(struct walk *w, const yaml_node_t *v)
{
	if (is_null(v))
		return 0;
	if (v->type != YAML_MAPPING_NODE)
		return bad(w, v, "basic_auth_users must be a mapping of user: bcrypt hash");
	if (!w->wc->users) {
		w->wc->users = calloc(WC_MAX_USERS, sizeof(*w->wc->users));
		if (!w->wc->users)
			return -ENOMEM;
	}
	return walk_pairs(w, v, "basic_auth_users", user_pair, NULL);
}

static int top_pair(struct walk *w, const yaml_node_t *k, const yaml_node_t *v, void *arg)
{
	const char *key = text_of(k);
	char buf[48];

	(void)arg;
	if (!strcmp(key, "tls_server_config"))
		return walk_tls(w, k, v);
	if (!strcmp(key, "http_server_config"))
		return walk_http(w, v);
	if (!strcmp(key, "basic_auth_users"))
		return walk_users(w, v);
	if (!strcmp(key, "rate_limit"))
		return bad(w, k, "rate_limit is not supported (--max-connections bounds "
			   "the clients)");
	return bad(w, k, "unknown key '%s' (waitwatch takes tls_server_config, "
		   "basic_auth_users)", shown(key, buf, sizeof(buf)));
}

static int walk_top(struct walk *w, const yaml_node_t *root)
{
	int ret;

	if (!root || is_null(root))
		return bad(w, NULL, "the file is empty: it sets neither tls_server_config nor "
			   "basic_auth_users " SEE_DOCS);
	if (root->type != YAML_MAPPING_NODE)
		return bad(w, root, "the file must be a mapping of keys (tls_server_config, "
			   "basic_auth_users)");
	ret = walk_pairs(w, root, "the file", top_pair, NULL);
	if (ret)
		return ret;
	if (!w->wc->tls && !w->wc->nusers)
		return bad(w, root, "the file sets neither TLS (tls_server_config: cert_file, "
			   "key_file) nor basic_auth_users: nothing to apply");
	return 0;
}

/* libyaml's complaint: where it saw the problem, and where what it was reading began. */
static int yaml_error(struct walk *w, const yaml_parser_t *ps)
{
	const yaml_mark_t *at = ps->problem ? &ps->problem_mark : &ps->context_mark;
	char ctx[128] = "";

	if (ps->error == YAML_MEMORY_ERROR)
		return -ENOMEM;
	if (ps->context)
		snprintf(ctx, sizeof(ctx), " (%s that starts on line %zu)", ps->context,
			 line_of(w, &ps->context_mark));
	snprintf(w->err, w->errlen, "line %zu: malformed YAML: %s%s", line_of(w, at),
		 ps->problem ? ps->problem : "unknown error", ctx);
	return -EINVAL;
}

/* One YAML document; a second one after '---' is refused. */
static int load(struct walk *w, const char *text, size_t len)
{
	yaml_parser_t ps;
	yaml_document_t more;
	int ret = 0;

	if (!yaml_parser_initialize(&ps))
		return -ENOMEM;
	yaml_parser_set_input_string(&ps, (const unsigned char *)text, len);
	if (!yaml_parser_load(&ps, w->doc)) {
		ret = yaml_error(w, &ps);
		goto out;
	}
	if (!yaml_parser_load(&ps, &more)) {
		ret = yaml_error(w, &ps);
	} else {
		yaml_node_t *r = yaml_document_get_root_node(&more);

		if (r)
			ret = bad(w, r, "a second YAML document: the file must hold one");
		yaml_document_delete(&more);
	}
	if (ret)
		yaml_document_delete(w->doc);
out:
	yaml_parser_delete(&ps);
	return ret;
}

int webconfig_parse(const char *text, size_t len, struct webconfig *wc, char *err,
		    size_t errlen)
{
	yaml_document_t doc;
	struct walk w = { .doc = &doc, .wc = wc, .err = err, .errlen = errlen };
	int ret;

	memset(wc, 0, sizeof(*wc));
	wc->min_version = 12;
	wc->max_version = 13;
	if (errlen)
		err[0] = 0;
	if (len > WC_MAX_TEXT)
		return bad(&w, NULL, "the file is larger than %d bytes", WC_MAX_TEXT);
	if (memchr(text, 0, len))
		return bad(&w, NULL, "the file holds a NUL byte: it is not YAML text");
	w.lines = 1;
	for (size_t i = 0; i < len; i++)
		if (text[i] == '\n' || (text[i] == '\r' && (i + 1 == len || text[i + 1] != '\n')))
			w.lines++;
	ret = load(&w, text, len);
	if (ret)
		return ret;
	ret = walk_top(&w, yaml_document_get_root_node(&doc));
	yaml_document_delete(&doc);
	if (ret)
		webconfig__free(wc);
	return ret;
}

void webconfig__free(struct webconfig *wc)
{
	for (unsigned int i = 0; i < wc->nusers; i++) {
		free(wc->users[i].name);
		free(wc->users[i].hash);
	}
	free(wc->users);
	free(wc->cert_file);
	free(wc->key_file);
	free(wc->client_ca_file);
	memset(wc, 0, sizeof(*wc));
}
