// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: the web configuration parser (src/core/webconfig.c),
 * the bytes as the YAML text of --web.config.file.
 *
 * Checked besides what the sanitizers see: a refusal is -EINVAL or -ENOMEM
 * with one non-empty, terminated line that names a line of the text where
 * it names one, and leaves nothing behind; an accepted file holds what the
 * parser promises: TLS exactly when a cert_file and key_file are set, the
 * versions 12..13 in order, a CA where the policy checks certificates, at
 * least one of TLS and users, users within the limit with bcrypt hashes
 * and names without ':'.
 *
 * Seeds: tests/fuzz/corpus/fuzz_webconfig/ (good files and refused ones).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "webconfig.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_webconfig: %s\n", what);
		abort();
	}
}

static void check_refusal(const char *err, size_t errlen, const struct webconfig *wc,
			  size_t lines)
{
	unsigned long line;

	check(memchr(err, 0, errlen) != NULL, "error message not terminated");
	check(err[0] != 0, "empty error message");
	check(strchr(err, '\n') == NULL, "error message of more than one line");
	if (sscanf(err, "line %lu:", &line) == 1)
		check(line >= 1 && line <= lines + 1, "error names a line past the text");
	check(!wc->users && !wc->nusers && !wc->cert_file && !wc->key_file &&
		      !wc->client_ca_file, "a refused file left something behind");
}

static void check_accepted(const struct webconfig *wc)
{
	check(wc->tls == (wc->cert_file && wc->key_file), "tls without both files");
	check(!!wc->cert_file == !!wc->key_file, "a cert_file without a key_file");
	check(wc->tls || wc->nusers, "accepted a file that sets nothing");
	check(wc->min_version >= 12 && wc->min_version <= wc->max_version &&
		      wc->max_version <= 13, "TLS versions out of order");
	check(!wc_verifies_client(wc->client_auth) || wc->client_ca_file,
	      "a verifying policy without a CA");
	check(wc->nusers <= WC_MAX_USERS, "more users than the limit");
	for (unsigned int i = 0; i < wc->nusers; i++) {
		check(wc_is_bcrypt(wc->users[i].hash), "a user without a bcrypt hash");
		check(wc->users[i].name[0] && !strchr(wc->users[i].name, ':'),
		      "a user name that Basic auth cannot carry");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct webconfig wc;
	char err[256];
	size_t lines = 0;
	int ret;

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n' || data[i] == '\r';
	memset(err, 0x55, sizeof(err));
	ret = webconfig_parse((const char *)data, size, &wc, err, sizeof(err));
	check(ret == 0 || ret == -EINVAL || ret == -ENOMEM, "unexpected result");
	if (ret == -EINVAL)
		check_refusal(err, sizeof(err), &wc, lines);
	if (ret)
		return 0;
	check_accepted(&wc);
	webconfig__free(&wc);
	return 0;
}
