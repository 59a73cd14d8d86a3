/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef WW_GZIP_H
#define WW_GZIP_H

#include <stddef.h>

/* Compress len bytes into a new gzip member (*out, malloc'd). 0 or -errno. */
int gzip_buffer(const char *in, size_t len, char **out, size_t *outlen);

#endif
