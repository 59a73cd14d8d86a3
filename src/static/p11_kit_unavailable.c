// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * For `make static` only. Debian's static libmicrohttpd is built with HTTPS,
 * which pulls in GnuTLS, whose PKCS#11 support needs p11-kit, of which Debian
 * ships no static library. waitwatch's TLS (--web.config.file) takes its
 * certificate and key as PEM in memory, never a PKCS#11 URL, and GnuTLS
 * loads PKCS#11 modules only on demand: these entry points are never
 * reached. Each fails, should anything ever call it.
 */
#include <stddef.h>

/* Every p11-kit entry point GnuTLS refers to; none is ever called. */
#define UNAVAILABLE(name)                                                                  \
	void *name(void);                                                                  \
	void *name(void)                                                                   \
	{                                                                                  \
		return NULL;                                                               \
	}

UNAVAILABLE(p11_kit_config_option)
UNAVAILABLE(p11_kit_message)
UNAVAILABLE(p11_kit_module_finalize)
UNAVAILABLE(p11_kit_module_get_flags)
UNAVAILABLE(p11_kit_module_get_name)
UNAVAILABLE(p11_kit_module_load)
UNAVAILABLE(p11_kit_module_release)
UNAVAILABLE(p11_kit_modules_load)
UNAVAILABLE(p11_kit_pin_file_callback)
UNAVAILABLE(p11_kit_pin_get_length)
UNAVAILABLE(p11_kit_pin_get_value)
UNAVAILABLE(p11_kit_pin_new_for_string)
UNAVAILABLE(p11_kit_pin_register_callback)
UNAVAILABLE(p11_kit_pin_request)
UNAVAILABLE(p11_kit_pin_unref)
UNAVAILABLE(p11_kit_pin_unregister_callback)
UNAVAILABLE(p11_kit_space_strdup)
UNAVAILABLE(p11_kit_space_strlen)
UNAVAILABLE(p11_kit_strerror)
UNAVAILABLE(p11_kit_uri_format)
UNAVAILABLE(p11_kit_uri_free)
UNAVAILABLE(p11_kit_uri_get_attribute)
UNAVAILABLE(p11_kit_uri_get_attributes)
UNAVAILABLE(p11_kit_uri_get_module_info)
UNAVAILABLE(p11_kit_uri_get_pin_source)
UNAVAILABLE(p11_kit_uri_get_pin_value)
UNAVAILABLE(p11_kit_uri_get_token_info)
UNAVAILABLE(p11_kit_uri_match_module_info)
UNAVAILABLE(p11_kit_uri_match_token_info)
UNAVAILABLE(p11_kit_uri_new)
UNAVAILABLE(p11_kit_uri_parse)
UNAVAILABLE(p11_kit_uri_set_attribute)
