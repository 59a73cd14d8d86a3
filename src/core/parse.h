/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Parsers for command-line values. Each returns 0 or -EINVAL/-ERANGE and,
 * on error, writes a one-line reason (no trailing newline) into err.
 */
#ifndef WW_PARSE_H
#define WW_PARSE_H

#include <stddef.h>
#include <stdint.h>

#define WW_ERR_LEN 160

struct cidr {
	int family;       /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network byte order, IPv4 in the first 4 bytes, host bits cleared */
	int bits;         /* prefix length; a bare address means 32 or 128 */
};

/* A whole decimal number in [min, max]; no sign, no trailing junk. */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *err, size_t errlen);

/* A TCP port, 1..65535. */
int parse_port(const char *s, uint16_t *out, char *err, size_t errlen);

/* "198.51.100.0/24", "2001:db8::/64", "198.51.100.7" (= /32). */
int parse_cidr(const char *s, struct cidr *out, char *err, size_t errlen);

/* "TIME_WAIT,close-wait": a bit (1 << state) per name; at least one name. */
int parse_states(const char *s, uint32_t *mask, char *err, size_t errlen);

/*
 * A duration: a non-negative number with an optional unit, "ms", "s", "m",
 * "h" or "d" (no unit: seconds), e.g. "1.5", "30s", "500ms", "2m". Result in
 * nanoseconds; rejects negatives, NaN, empty strings, overflow.
 */
int parse_duration(const char *s, uint64_t *ns, char *err, size_t errlen);

/* A size in bytes with optional K, M, G suffix (powers of 1024): "16M". */
int parse_size(const char *s, uint64_t *bytes, char *err, size_t errlen);

#endif
