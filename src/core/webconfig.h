/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The web configuration file of `serve --web.config.file`, in the format of
 * the Prometheus exporter toolkit (the file node_exporter reads): TLS in
 * tls_server_config, passwords in basic_auth_users. Parsed from YAML text in
 * memory; reading the file and the files it names is the host's.
 *
 * What is taken: tls_server_config's cert_file, key_file, client_ca_file,
 * client_auth_type, min_version and max_version; basic_auth_users with
 * bcrypt hashes. Anything else the toolkit knows (inline cert/key/client_ca,
 * client_allowed_sans, cipher_suites, curve_preferences,
 * prefer_server_cipher_suites, http_server_config's settings, rate_limit) is
 * refused by name rather than ignored: a file written for another exporter
 * must not look applied when it is not.
 */
#ifndef WW_WEBCONFIG_H
#define WW_WEBCONFIG_H

#include <stdbool.h>
#include <stddef.h>

/* Limits, each refused with a message past it. */
#define WC_MAX_TEXT (1 << 20)  /* bytes of YAML */
#define WC_MAX_USERS 64
#define WC_MAX_NAME 255        /* bytes of a user name */
#define WC_MAX_PATH 4095       /* bytes of a file name */

/* Go's crypto/tls ClientAuthType, by the toolkit's names. */
enum wc_client_auth {
	WC_NO_CLIENT_CERT,            /* NoClientCert (the default) */
	WC_REQUEST_CLIENT_CERT,       /* RequestClientCert: asked for, not checked */
	WC_REQUIRE_ANY_CLIENT_CERT,   /* RequireAnyClientCert: needed, not checked */
	WC_VERIFY_CLIENT_CERT_IF_GIVEN, /* VerifyClientCertIfGiven: checked if sent */
	WC_REQUIRE_AND_VERIFY_CLIENT_CERT, /* RequireAndVerifyClientCert: mTLS */
};

struct wc_user {
	char *name;
	char *hash; /* bcrypt: $2a$, $2b$ or $2y$, cost 04..31, 53 characters */
};

struct webconfig {
	bool tls;             /* cert_file and key_file are set */
	char *cert_file;      /* as written: relative to the file's folder or absolute */
	char *key_file;
	char *client_ca_file; /* NULL: none */
	enum wc_client_auth client_auth;
	int min_version;      /* 12 or 13 (TLS 1.2, 1.3) */
	int max_version;      /* 12 or 13, >= min_version */
	struct wc_user *users;
	unsigned int nusers;  /* 0: no password asked */
};

/*
 * Parse len bytes of YAML into *wc (zeroed first). 0, or -EINVAL with a
 * one-line reason in err, starting "line N: " where the place is known, and
 * *wc freed; -ENOMEM when out of memory.
 */
int webconfig_parse(const char *text, size_t len, struct webconfig *wc, char *err,
		    size_t errlen);

void webconfig__free(struct webconfig *wc);

/* "NoClientCert" ... "RequireAndVerifyClientCert" */
const char *wc_client_auth_name(enum wc_client_auth a);

/* The client certificate is checked against client_ca_file. */
bool wc_verifies_client(enum wc_client_auth a);

/* A bcrypt hash as crypt(3) writes it: $2a$/$2b$/$2y$, two-digit cost, 53 characters. */
bool wc_is_bcrypt(const char *hash);

#endif
