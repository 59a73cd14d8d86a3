/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `serve --web.config.file FILE`: the file read and parsed (core/webconfig),
 * and the certificate, key and client CA it names read into memory and
 * checked with GnuTLS, all at start-up: a file that cannot be applied stops
 * serve before it listens, never a quiet fall back to plain HTTP.
 */
#ifndef WW_WEBCONFIG_FILE_H
#define WW_WEBCONFIG_FILE_H

#include "webconfig.h"

struct web_setup {
	struct webconfig wc;
	char *cert; /* PEM text of cert_file, key_file, client_ca_file; NULL: none */
	char *key;
	char *ca;
};

/*
 * Load path into *ws. 0, or -errno after one line on stderr naming the file
 * (and the line, where the YAML is at fault); *ws is then empty. File names
 * in it that are relative are taken from path's folder, as the toolkit does.
 */
int web_setup__load(struct web_setup *ws, const char *path);
void web_setup__free(struct web_setup *ws);

#endif
