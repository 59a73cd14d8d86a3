// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The web configuration file and the files it names (webconfig_file.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <gnutls/gnutls.h>
#include "log.h"
#include "webconfig_file.h"

#define WEB_OPT "--web.config.file"
#define MAX_PEM (1 << 20) /* a certificate chain or a CA bundle */
#define WW_WEB_ERR_LEN 256

/*
 * The whole of a file of at most max bytes, NUL-terminated, into *out: a
 * regular file, or a pipe (bash's <(...), a systemd credential).
 */
static int read_all(const char *path, size_t max, char **out, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = NULL, *p;
	struct stat st;
	ssize_t k;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st))
		err = -errno;
	else if (S_ISDIR(st.st_mode))
		err = -EISDIR;
	while (!err) {
		if (n + 1 >= cap || !buf) {
			cap = buf ? cap * 2 : cap;
			p = realloc(buf, cap);
			if (!p) {
				err = -ENOMEM;
				break;
			}
			buf = p;
		}
		k = read(fd, buf + n, cap - n - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			err = k < 0 ? -errno : 0;
			break;
		}
		n += k;
		if (n > max)
			err = -EFBIG;
	}
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	buf[n] = 0;
	*out = buf;
	*len = n;
	return 0;
}

static const char *read_error(int err)
{
	switch (err) {
	case -EISDIR:
		return "a folder, not a file";
	case -EFBIG:
		return "too large (1 MiB at most)";
	}
	return strerror(-err);
}

/* name as the toolkit takes it: relative to the configuration file's folder. */
static char *beside(const char *config, const char *name)
{
	const char *slash = strrchr(config, '/');
	char *p;

	if (name[0] == '/' || !slash)
		return strdup(name);
	if (asprintf(&p, "%.*s/%s", (int)(slash - config), config, name) < 0)
		return NULL;
	return p;
}

/* The file a key names, read whole; *out NULL when the key is not set. */
static int read_named(const char *config, const char *key, const char *name, char **out)
{
	char *path;
	size_t len;
	int err;

	*out = NULL;
	if (!name)
		return 0;
	path = beside(config, name);
	if (!path) {
		elog("out of memory");
		return -ENOMEM;
	}
	err = read_all(path, MAX_PEM, out, &len);
	if (err)
		elog(WEB_OPT " %s: %s %s: %s", config, key, path, read_error(err));
	else if (!len)
		elog(WEB_OPT " %s: %s %s is empty", config, key, path), err = -EINVAL;
	free(path);
	return err;
}

static gnutls_datum_t datum(char *pem)
{
	return (gnutls_datum_t){ .data = (unsigned char *)pem, .size = strlen(pem) };
}

/* The certificate and key make a pair, and the CA file holds certificates. */
static int check_pems(const struct web_setup *ws, const char *config)
{
	gnutls_certificate_credentials_t cred;
	gnutls_datum_t cert = datum(ws->cert), key = datum(ws->key), ca;
	int ret;

	if (gnutls_certificate_allocate_credentials(&cred) < 0) {
		elog("out of memory");
		return -ENOMEM;
	}
	ret = gnutls_certificate_set_x509_key_mem2(cred, &cert, &key, GNUTLS_X509_FMT_PEM, NULL,
						   0);
	if (ret < 0) {
		elog(WEB_OPT " %s: cert_file %s and key_file %s: %s", config,
		     ws->wc.cert_file, ws->wc.key_file, gnutls_strerror(ret));
		goto out;
	}
	if (ws->ca) {
		ca = datum(ws->ca);
		ret = gnutls_certificate_set_x509_trust_mem(cred, &ca, GNUTLS_X509_FMT_PEM);
		if (ret <= 0) {
			elog(WEB_OPT " %s: client_ca_file %s: %s", config, ws->wc.client_ca_file,
			     ret < 0 ? gnutls_strerror(ret) : "no PEM certificate in it");
			ret = -1;
		}
	}
out:
	gnutls_certificate_free_credentials(cred);
	return ret < 0 ? -EINVAL : 0;
}

static int load_tls(struct web_setup *ws, const char *path)
{
	int err;

	err = read_named(path, "cert_file", ws->wc.cert_file, &ws->cert);
	if (!err)
		err = read_named(path, "key_file", ws->wc.key_file, &ws->key);
	if (!err)
		err = read_named(path, "client_ca_file", ws->wc.client_ca_file, &ws->ca);
	if (!err)
		err = check_pems(ws, path);
	return err;
}

int web_setup__load(struct web_setup *ws, const char *path)
{
	char err[WW_WEB_ERR_LEN];
	char *text = NULL;
	size_t len = 0;
	int ret;

	memset(ws, 0, sizeof(*ws));
	ret = read_all(path, WC_MAX_TEXT, &text, &len);
	if (ret) {
		elog(WEB_OPT " %s: %s", path, read_error(ret));
		return ret;
	}
	ret = webconfig_parse(text, len, &ws->wc, err, sizeof(err));
	explicit_bzero(text, len); /* the hashes */
	free(text);
	if (ret == -ENOMEM)
		elog("out of memory");
	else if (ret)
		elog(WEB_OPT " %s: %s", path, err);
	if (!ret && ws->wc.tls)
		ret = load_tls(ws, path);
	if (ret)
		web_setup__free(ws);
	return ret;
}

static void free_secret(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
	free(s);
}

void web_setup__free(struct web_setup *ws)
{
	free(ws->cert);
	free_secret(ws->key);
	free(ws->ca);
	webconfig__free(&ws->wc);
	memset(ws, 0, sizeof(*ws));
}
