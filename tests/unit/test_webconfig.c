// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for src/core/webconfig.c: the exporter toolkit's web
 * configuration, good files and each way a file is refused, with the line
 * the message names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webconfig.h"

#define H1 "$2y$10$X0h1gDsPszWURQaxFh.zoubFi6DXncSjhoQNJgRrnGs7EsimhC7zG"
#define H2 "$2b$04$abcdefghijklmnopqrstuuJ6b0yOFC5kVdHOXo1v8LzW8VqgqCjJe"

static int parse(const char *text, struct webconfig *wc, char *err, size_t len)
{
	return webconfig_parse(text, strlen(text), wc, err, len);
}

/* text is refused with a message that contains want, on one line. */
static void refused(const char *text, const char *want)
{
	struct webconfig wc;
	char err[256];
	int ret = parse(text, &wc, err, sizeof(err));

	if (ret != -EINVAL || !strstr(err, want))
		fail_msg("for:\n%s\nexpected -EINVAL and '%s', got %d '%s'", text, want, ret, err);
	assert_null(strchr(err, '\n'));
	assert_false(isupper((unsigned char)err[0]));
	/* nothing is left behind */
	assert_null(wc.cert_file);
	assert_null(wc.users);
	assert_int_equal(wc.nusers, 0);
}

static void test_tls_and_users(void **state)
{
	struct webconfig wc;
	char err[256];

	assert_int_equal(parse("# node_exporter's file\n"
			       "tls_server_config:\n"
			       "  cert_file: server.crt\n"
			       "  key_file: /etc/ww/server.key\n"
			       "basic_auth_users:\n"
			       "  prometheus: " H1 "\n"
			       "  'other user': \"" H2 "\"\n",
			       &wc, err, sizeof(err)),
			 0);
	assert_true(wc.tls);
	assert_string_equal(wc.cert_file, "server.crt");
	assert_string_equal(wc.key_file, "/etc/ww/server.key");
	assert_null(wc.client_ca_file);
	assert_int_equal(wc.client_auth, WC_NO_CLIENT_CERT);
	assert_int_equal(wc.min_version, 12);
	assert_int_equal(wc.max_version, 13);
	assert_int_equal(wc.nusers, 2);
	assert_string_equal(wc.users[0].name, "prometheus");
	assert_string_equal(wc.users[0].hash, H1);
	assert_string_equal(wc.users[1].name, "other user");
	assert_string_equal(wc.users[1].hash, H2);
	webconfig__free(&wc);
	assert_null(wc.users);
}

static void test_mtls(void **state)
{
	static const char *const modes[] = { "RequestClientCert", "RequireAnyClientCert",
					     "VerifyClientCertIfGiven",
					     "RequireAndVerifyClientCert" };
	struct webconfig wc;
	char text[512], err[256];

	for (unsigned int i = 0; i < 4; i++) {
		snprintf(text, sizeof(text),
			 "tls_server_config:\n  cert_file: a\n  key_file: b\n"
			 "  client_auth_type: %s\n  client_ca_file: ca.pem\n"
			 "  min_version: TLS13\n  max_version: TLS13\n", modes[i]);
		assert_int_equal(parse(text, &wc, err, sizeof(err)), 0);
		assert_int_equal(wc.client_auth, i + 1);
		assert_string_equal(wc_client_auth_name(wc.client_auth), modes[i]);
		assert_string_equal(wc.client_ca_file, "ca.pem");
		assert_int_equal(wc.min_version, 13);
		assert_int_equal(wc.max_version, 13);
		assert_int_equal(wc.nusers, 0);
		webconfig__free(&wc);
	}
	/* a CA is optional where nothing is checked */
	assert_int_equal(parse("tls_server_config: {cert_file: a, key_file: b, "
			       "client_auth_type: RequireAnyClientCert}",
			       &wc, err, sizeof(err)),
			 0);
	assert_false(wc_verifies_client(wc.client_auth));
	webconfig__free(&wc);
}

/* Passwords without TLS: plain HTTP with a password, as the toolkit does. */
static void test_users_only(void **state)
{
	static const char *const texts[] = {
		"basic_auth_users:\n  u: " H1 "\n",
		"tls_server_config:\nbasic_auth_users:\n  u: " H1 "\n",
		"tls_server_config: {}\nbasic_auth_users: {u: '" H1 "'}\n",
		"tls_server_config: ~\nhttp_server_config:\n  http2: false\n"
		"basic_auth_users:\n  u: " H1 "\n",
		"---\nbasic_auth_users:\n  u: " H1 "\n...\n",
	};
	struct webconfig wc;
	char err[256];

	for (unsigned int i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		if (parse(texts[i], &wc, err, sizeof(err)))
			fail_msg("refused:\n%s\n%s", texts[i], err);
		assert_false(wc.tls);
		assert_int_equal(wc.nusers, 1);
		webconfig__free(&wc);
	}
}

static void test_yaml_errors(void **state)
{
	refused("", "the file is empty");
	refused("# only a comment\n", "the file is empty");
	refused("~\n", "the file is empty");
	refused("tls_server_config:\n  cert_file: [a\n", "line 3: malformed YAML: did not find "
		"expected ',' or ']' (while parsing a flow sequence that starts on line 2)");
	refused("tls_server_config:\n\tcert_file: a\n", "line 2: malformed YAML");
	refused("a: b\n  c: d\n", "line 2: malformed YAML");
	refused("- tls_server_config\n", "line 1: the file must be a mapping");
	refused("basic_auth_users:\n  u: " H1 "\n---\nfoo: 1\n", "line 4: a second YAML document");
	refused("basic_auth_users:\n  u: \"" "\\0" "\"\n", "line 2: basic_auth_users: the "
		"password of 'u' is not a bcrypt hash");
	/* a NUL byte in the text */
	{
		struct webconfig wc;
		char err[128];

		assert_int_equal(webconfig_parse("a: b\0c", 6, &wc, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "NUL byte"));
	}
}

static void test_unknown_keys(void **state)
{
	refused("basic_auth_users:\n  u: " H1 "\ntls_config:\n  cert_file: a\n",
		"line 3: unknown key 'tls_config'");
	refused("tls_server_config:\n  cert_file: a\n  key_file: b\n  certfile: c\n",
		"line 4: tls_server_config: unknown key 'certfile'");
	refused("tls_server_config:\n  cert: |\n    ---BEGIN\n  key_file: b\n",
		"line 2: tls_server_config: inline cert is not supported: use cert_file");
	refused("tls_server_config:\n  cert_file: a\n  key_file: b\n  cipher_suites: [x]\n",
		"line 4: tls_server_config: cipher_suites is not supported");
	refused("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_allowed_sans: [x]\n",
		"line 4: tls_server_config: client_allowed_sans is not supported");
	refused("basic_auth_users:\n  u: " H1 "\nrate_limit:\n  burst: 1\n",
		"line 3: rate_limit is not supported");
	refused("basic_auth_users:\n  u: " H1 "\nhttp_server_config:\n  http2: true\n",
		"line 4: http_server_config: http2 is not supported");
	refused("basic_auth_users:\n  u: " H1 "\nhttp_server_config:\n  headers:\n"
		"    X-Frame-Options: deny\n", "line 4: http_server_config: headers are not supported");
	refused("basic_auth_users:\n  u: " H1 "\nhttp_server_config:\n  x: 1\n",
		"line 4: http_server_config: unknown key 'x'");
	refused("basic_auth_users:\n  u: " H1 "\nbasic_auth_users:\n  v: " H1 "\n",
		"line 3: the file: 'basic_auth_users' is given twice");
	refused("tls_server_config:\n  cert_file: a\n  key_file: b\n  cert_file: c\n",
		"line 4: tls_server_config: 'cert_file' is given twice");
	refused("{? [a]: b}\n", "line 1: a key of the file is not a string");
	/* a key's control bytes are not echoed */
	refused("\"a\\e[2Jb\": 1\n", "unknown key 'a?[2Jb'");
}

static void test_tls_errors(void **state)
{
	refused("tls_server_config:\n  cert_file: a\n", "line 1: tls_server_config has a "
		"cert_file but no key_file");
	refused("tls_server_config:\n  key_file: b\n", "line 1: tls_server_config has a "
		"key_file but no cert_file");
	refused("basic_auth_users:\n  u: " H1 "\ntls_server_config:\n  min_version: TLS13\n",
		"line 3: tls_server_config has no cert_file and key_file");
	refused("tls_server_config:\n  cert_file: ''\n  key_file: b\n", "line 2: cert_file is empty");
	refused("tls_server_config:\n  cert_file: [a]\n  key_file: b\n",
		"line 2: cert_file must be a string");
	refused("tls_server_config: [a]\n", "line 1: tls_server_config must be a mapping");
	refused("tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS11\n",
		"line 4: min_version TLS11 is refused as weak: use TLS12 or TLS13");
	refused("tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS10\n",
		"min_version TLS10 is refused as weak");
	refused("tls_server_config:\n  cert_file: a\n  key_file: b\n  max_version: TLS11\n",
		"max_version TLS11 is refused as weak");
	refused("tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: SSL30\n",
		"line 4: min_version must be TLS12 or TLS13");
	refused("tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS13\n"
		"  max_version: TLS12\n", "line 1: tls_server_config: max_version TLS12 is below "
		"min_version TLS13");
	refused("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: Require\n",
		"line 4: client_auth_type must be NoClientCert");
	refused("tls_server_config:\n  cert_file: a\n  key_file: b\n"
		"  client_auth_type: RequireAndVerifyClientCert\n",
		"client_auth_type RequireAndVerifyClientCert needs a client_ca_file");
	refused("tls_server_config:\n  cert_file: a\n  key_file: b\n"
		"  client_auth_type: VerifyClientCertIfGiven\n",
		"client_auth_type VerifyClientCertIfGiven needs a client_ca_file");
	refused("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_ca_file: c\n",
		"client_ca_file without client_auth_type");
	{
		char text[WC_MAX_PATH + 100];

		snprintf(text, sizeof(text), "tls_server_config:\n  key_file: b\n  cert_file: %0*d\n",
			 WC_MAX_PATH + 1, 0);
		refused(text, "line 3: cert_file is longer than 4095 bytes");
	}
}

static void test_user_errors(void **state)
{
	refused("basic_auth_users:\n  u: secret\n", "line 2: basic_auth_users: the password of "
		"'u' is not a bcrypt hash");
	/* crypt(3)'s other methods, and bcrypt variants and costs it does not take */
	refused("basic_auth_users:\n  u: $6$salt$IxDD3jeSOb5eB1CX5LBsqZFVkJdido3OUILO5Ifz5iwMuTS4XMS130MTSuDDl3aCI6WouIL9AjRbLCelDCy.g.\n",
		"not a bcrypt hash");
	refused("basic_auth_users:\n  u: $2x$10$X0h1gDsPszWURQaxFh.zoubFi6DXncSjhoQNJgRrnGs7EsimhC7zG\n",
		"not a bcrypt hash");
	refused("basic_auth_users:\n  u: $2y$03$X0h1gDsPszWURQaxFh.zoubFi6DXncSjhoQNJgRrnGs7EsimhC7zG\n",
		"not a bcrypt hash");
	refused("basic_auth_users:\n  u: $2y$32$X0h1gDsPszWURQaxFh.zoubFi6DXncSjhoQNJgRrnGs7EsimhC7zG\n",
		"not a bcrypt hash");
	refused("basic_auth_users:\n  u: " H1 "x\n", "not a bcrypt hash");
	refused("basic_auth_users:\n  u: $2y$10$X0h1gDsPszWURQaxFh.zoubFi6DXncSjhoQNJgRrnGs7Esimh!7zG\n",
		"not a bcrypt hash");
	refused("basic_auth_users:\n  u: [" H1 "]\n", "line 2: basic_auth_users: the password");
	refused("basic_auth_users:\n  'a:b': " H1 "\n", "line 2: basic_auth_users: a user name "
		"must be 1 to 255 bytes without ':'");
	refused("basic_auth_users:\n  '': " H1 "\n", "a user name must be");
	refused("basic_auth_users:\n  \"a\\tb\": " H1 "\n", "user 'a?b' has a control character");
	refused("basic_auth_users:\n  u: " H1 "\n  u: " H2 "\n",
		"line 3: basic_auth_users: 'u' is given twice");
	refused("basic_auth_users: [u]\n", "line 1: basic_auth_users must be a mapping");
	refused("basic_auth_users:\n", "sets neither TLS");
	refused("tls_server_config: {}\n", "sets neither TLS");
	refused("http_server_config:\n  http2: false\n", "sets neither TLS");
}

static void test_user_limit(void **state)
{
	size_t cap = (WC_MAX_USERS + 2) * 80 + 32, off;
	char *text = malloc(cap), err[256];
	struct webconfig wc;

	assert_non_null(text);
	off = snprintf(text, cap, "basic_auth_users:\n");
	for (int i = 0; i < WC_MAX_USERS; i++)
		off += snprintf(text + off, cap - off, "  u%d: " H1 "\n", i);
	assert_int_equal(parse(text, &wc, err, sizeof(err)), 0);
	assert_int_equal(wc.nusers, WC_MAX_USERS);
	webconfig__free(&wc);
	snprintf(text + off, cap - off, "  one-more: " H1 "\n");
	refused(text, "more than 64 users");
	free(text);
}

static void test_bcrypt_shape(void **state)
{
	assert_true(wc_is_bcrypt(H1));
	assert_true(wc_is_bcrypt(H2));
	assert_true(wc_is_bcrypt("$2a$31$X0h1gDsPszWURQaxFh.zoubFi6DXncSjhoQNJgRrnGs7EsimhC7zG"));
	assert_false(wc_is_bcrypt(""));
	assert_false(wc_is_bcrypt("$2y$1a$X0h1gDsPszWURQaxFh.zoubFi6DXncSjhoQNJgRrnGs7EsimhC7zG"));
	assert_false(wc_is_bcrypt("$2y$10X0h1gDsPszWURQaxFh.zoubFi6DXncSjhoQNJgRrnGs7EsimhC7zG"));
}

/* A message cut to a small buffer is still terminated. */
static void test_small_buffer(void **state)
{
	struct webconfig wc;
	char err[12];

	memset(err, 'x', sizeof(err));
	assert_int_equal(parse("foo: 1\n", &wc, err, sizeof(err)), -EINVAL);
	assert_non_null(memchr(err, 0, sizeof(err)));
	assert_int_equal(parse("foo: 1\n", &wc, err, 0), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_and_users),
		cmocka_unit_test(test_mtls),
		cmocka_unit_test(test_users_only),
		cmocka_unit_test(test_yaml_errors),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_tls_errors),
		cmocka_unit_test(test_user_errors),
		cmocka_unit_test(test_user_limit),
		cmocka_unit_test(test_bcrypt_shape),
		cmocka_unit_test(test_small_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
